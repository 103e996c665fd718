"""The agency's report on the Agency page: two download buttons, DOCX (to edit, sign and send)
and PDF (issue 15, point 6), made by analytics/reports/agency_doc.py.

Each button's `data` is a callable: the file is made only when it is clicked, in Streamlit's
worker thread (as ui/reports.py does for the briefing). The report and the bytes are cached on
the database's version token (`store.version_token`, a stat): an agency's report, a claim or an
approved deadline changes the document without a new snapshot, and any write to the file makes a
new key. The Vietnam date is in the key too, so the document's date is today's. Producing a file
records an 'export' event, as every download does.
"""

from __future__ import annotations

import datetime as dt
import logging

import streamlit as st

from analytics import store
from analytics.i18n import t
from analytics.model import Filters, Scope
from analytics.reporting.rules import vn_today
from analytics.reports.agency_doc import UnknownAgency, agency_report_from_store
from analytics.reports.agency_report import (
    MIME,
    AgencyReport,
    agency_docx,
    agency_pdf,
    agency_report_name,
)
from ui import cache
from ui.reports import _allowed, _username

log = logging.getLogger("dashboard.agency_report")

FORMATS = ("docx", "pdf")
ICONS = {"docx": ":material/description:", "pdf": ":material/picture_as_pdf:"}
LABELS = {  # the button's label and help
    "docx": ("agency_doc.docx", "agency_doc.docx_help"),
    "pdf": ("agency_doc.pdf", "agency_doc.pdf_help"),
}


@cache.resource(ttl=3600)
def _report(
    path: str,
    tok: tuple,
    today: dt.date,
    agency_id: str,
    as_of: dt.date,
    filters: Filters,
    scope: Scope,
    lang: str,
) -> AgencyReport:
    return agency_report_from_store(path, agency_id, as_of, lang, filters, scope=scope)


@cache.resource(ttl=3600)
def _file(
    kind: str,
    path: str,
    tok: tuple,
    today: dt.date,
    agency_id: str,
    as_of: dt.date,
    filters: Filters,
    scope: Scope,
    lang: str,
) -> bytes:
    report = _report(path, tok, today, agency_id, as_of, filters, scope, lang)
    return agency_docx(report, lang) if kind == "docx" else agency_pdf(report, lang)


def clear() -> None:
    _report.clear()
    _file.clear()


def _scope() -> Scope:
    try:
        from ui import auth as ui_auth

        return ui_auth.user().scope()
    except Exception:
        return Scope.everything()


def _produce(kind: str, key: tuple, path: str, details: dict):
    """The button's callable: the bytes, with an 'export' event recorded (the user captured
    now, the callable runs outside the script thread); a failed record fails the download."""
    username = _username()

    def produce() -> bytes:
        payload = _file(kind, *key)
        from analytics import audit

        try:
            audit.record(
                path,
                username,
                "export",
                target=f"agency_report_{kind}",
                details={**details, "format": kind, "bytes": len(payload)},
            )
        except Exception:
            log.exception("could not record the export of the agency report")
            raise
        return payload

    return produce


def agency_report_buttons(
    db, agency_id: str, as_of: dt.date, lang: str, filters: Filters | None = None
) -> None:
    """DOCX and PDF of `agency_id`'s report at `as_of` for the view's filters (its agencies
    replaced by this one) and the signed-in user's scope. Keys: ag_report_docx, ag_report_pdf."""
    if not _allowed():
        return
    path = str(store.db_path(db))
    filters = filters or Filters()
    scope = _scope()
    key = (path, store.version_token(path), vn_today(), agency_id, as_of, filters, scope, lang)
    try:
        report = _report(*key)
    except UnknownAgency:  # the page offers the store's agencies only: nothing to make
        log.warning("no agency report for unknown agency %r", agency_id)
        return
    details = {
        "agency_id": report.agency_id,
        "as_of": as_of.isoformat(),
        "lang": lang,
        "scope": "*" if scope.agency_ids is None else sorted(scope.agency_ids),
    }
    for col, kind in zip(st.columns(len(FORMATS)), FORMATS, strict=True):
        col.download_button(
            t(LABELS[kind][0], lang),
            data=_produce(kind, key, path, details),
            file_name=agency_report_name(report, kind, lang),
            mime=MIME[kind],
            key=f"ag_report_{kind}",
            help=t(LABELS[kind][1], lang),
            on_click="ignore",
            icon=ICONS[kind],
            width="stretch",
        )
