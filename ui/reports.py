"""Report download buttons for the Briefing and Agency pages.

The files are those of `python -m analytics report` (analytics/reports.py) for the current view:
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
from analytics.store import Filters, Scope
from ui import cache, data
from ui.state import View

log = logging.getLogger("dashboard.reports")

TEXT: dict[str, tuple[str, str]] = {
    "reports": ("Báo cáo", "Reports"),
    "pdf": ("Báo cáo PDF", "Briefing PDF"),
    "xlsx": ("Báo cáo Excel", "Briefing Excel"),
    "zip": ("Tệp Excel từng cơ quan (zip)", "Excel file per agency (zip)"),
    "zip_one": ("Tệp Excel của cơ quan (zip)", "This agency's Excel file (zip)"),
    "pdf_help": (
        "Báo cáo A4 theo ngày số liệu, bộ lọc và phạm vi đang chọn.",
        "A4 briefing for the chosen date, filters and scope.",
    ),
    "xlsx_help": (
        "Cùng số liệu với báo cáo PDF, mỗi phần một trang tính, kèm danh sách nhiệm vụ.",
        "The briefing's figures, one sheet per section, with the task list.",
    ),
    "zip_help": (
        "Mỗi cơ quan chủ trì một tệp Excel với nhiệm vụ và số liệu của mình, để gửi từng bộ, "
        "ngành, địa phương.",
        "One Excel file per lead agency with its own tasks and figures, to send to each.",
    ),
    "agency_zip_help": (
        "Tệp Excel của cơ quan này (nhiệm vụ và số liệu của mình), trong một tệp zip.",
        "This agency's Excel file (its tasks and figures), in a zip.",
    ),
}


ICONS = {
    "pdf": ":material/picture_as_pdf:",
    "xlsx": ":material/table_view:",
    "zip": ":material/folder_zip:",
}


def _t(key: str, lang: str) -> str:
    return TEXT[key][0 if lang == "vi" else 1]


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
        from analytics import auth as accounts

        if hasattr(accounts, "record"):
            try:
                accounts.record(
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
    cols = st.columns(3)
    for col, kind in zip(cols, reports.FORMATS, strict=True):
        help_key = "agency_zip_help" if kind == "zip" and agency_id else f"{kind}_help"
        col.download_button(
            _t("zip_one" if kind == "zip" and agency_id else kind, lang),
            data=_recorded(
                lambda kind=kind: _file(kind, *key), f"report_{kind}", {**details, "format": kind}
            ),
            file_name=reports.file_name(kind, view.as_of, lang, label),
            mime=reports.MIME[kind],
            key=f"report_{kind}",
            help=_t(help_key, lang),
            on_click="ignore",
            icon=ICONS[kind],
            width="stretch",
        )
