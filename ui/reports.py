"""Report download buttons for the Briefing and Agency pages.

The files are those of `python -m analytics report` (analytics/reports/) for the current view:
as-of date, filters and the signed-in user's scope. Each button's `data` is a callable, so a
file is generated only when it is clicked; Streamlit runs it in a worker thread
(asyncio.to_thread), so neither the page script nor other users wait for it. The bytes are
cached by (database, snapshots in force now and at the previous report, date, filters, scope,
language), so the same report asked for by several people is made once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

import streamlit as st

from analytics import reports
from analytics.i18n import t
from analytics.model import Filters, Scope
from ui import cache, data
from ui.state import View

log = logging.getLogger("dashboard.reports")

ICONS = {
    "pdf": ":material/picture_as_pdf:",
    "xlsx": ":material/table_view:",
    "zip": ":material/folder_zip:",
}


# --------------------------------------------------------------------------- cached generation


@cache.resource(ttl=3600)
def _briefing(
    path: str,
    snap_ids: tuple,
    prev_ids: tuple,
    as_of: dt.date,
    filters: Filters,
    scope: Scope,
    lang: str,
) -> reports.BriefingData:
    return reports.build_briefing(path, as_of, filters, scope, lang)


@cache.resource(ttl=3600)
def _file(
    kind: str,
    path: str,
    snap_ids: tuple,
    prev_ids: tuple,
    as_of: dt.date,
    filters: Filters,
    scope: Scope,
    lang: str,
) -> bytes:
    brief = _briefing(path, snap_ids, prev_ids, as_of, filters, scope, lang)
    if kind == "pdf":
        return reports.briefing_pdf(brief, lang)
    if kind == "xlsx":
        return reports.briefing_xlsx(brief, lang)
    if kind == "zip":
        return reports.zip_agency_files(brief, lang)
    raise ValueError(kind)


def clear() -> None:
    _briefing.clear()
    _file.clear()


# --------------------------------------------------------------------------- audit


def _username() -> str | None:
    try:
        from ui import auth as ui_auth

        return ui_auth.user().username
    except Exception:
        return None


def _allowed() -> bool:
    try:
        from ui import auth as ui_auth

        return bool(ui_auth.user().allows("export"))
    except Exception:
        return True


def _recorded(make: Callable[[], bytes], what: str, details: dict) -> Callable[[], bytes]:
    """Wrap the file's callable so that producing it records an 'export' event.

    The user and the database are captured now (the callable runs outside the script thread).
    If the event cannot be written the download fails, as every export in the dashboard does.
    """
    username = _username()
    path = data.db()

    def produce() -> bytes:
        payload = make()
        from analytics import audit

        try:
            audit.record(
                path,
                username,
                "export",
                target=what,
                details={**details, "bytes": len(payload)},
            )
        except Exception:
            log.exception("could not record the export of %s", what)
            raise
        return payload

    return produce


# --------------------------------------------------------------------------- the buttons


def report_buttons(view: View, agency_id: str | None = None) -> None:
    """Briefing PDF, briefing Excel and per-agency zip for the current view and scope.

    On the Agency page pass `agency_id`: every file is then narrowed to that agency (its zip
    holds its own workbook only). Keys: report_pdf, report_xlsx, report_zip.
    """
    if not _allowed():
        return
    lang = view.lang
    filters = view.filters
    if agency_id:
        filters = dataclasses.replace(filters, agency_ids=(agency_id,))
    path = data.db()
    snap_ids = data.snapshot_ids(view.as_of, filters.sources)
    prev = reports.previous_date(data.snapshots(), view.as_of, filters.sources)
    prev_ids = data.snapshot_ids(prev, filters.sources) if prev else ()
    key = (path, snap_ids, prev_ids, view.as_of, filters, view.scope, lang)
    details = {
        "as_of": view.as_of.isoformat(),
        "lang": lang,
        "snapshots": list(snap_ids),
        "filters": {
            "sources": list(filters.sources),
            "agency_ids": list(filters.agency_ids),
            "agency_types": list(filters.agency_types),
            "difficult_only": filters.difficult_only,
            "source_docs": list(filters.source_docs),
        },
        "scope": "*" if view.scope.agency_ids is None else sorted(view.scope.agency_ids),
    }
    label = agency_id if agency_id else None
    row = st.container(horizontal=True, gap="small")  # wraps on a phone (st.columns stacks)
    for kind in reports.FORMATS:
        one = kind == "zip" and agency_id
        if kind == "zip" and len(view.scope.agency_ids or ()) == 1:
            continue  # one agency in scope (on any page): its own workbook is the Excel beside
        row.download_button(
            t("report_buttons.zip_one" if one else f"report_buttons.{kind}", lang),
            data=_recorded(
                lambda kind=kind: _file(kind, *key), f"report_{kind}", {**details, "format": kind}
            ),
            file_name=reports.file_name(kind, view.as_of, lang, label),
            mime=reports.MIME[kind],
            key=f"report_{kind}",
            help=t(
                "report_buttons.agency_zip_help" if one else f"report_buttons.{kind}_help", lang
            ),
            on_click="ignore",
            icon=ICONS[kind],
            width="content",
        )
