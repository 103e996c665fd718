"""One Excel file per lead agency ("gửi từng bộ, ngành, địa phương"), and all of them in a zip:
each workbook holds that agency's figures, tasks, overdue and cancelled tasks, months, changes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
from openpyxl import Workbook

from analytics import exports, metrics
from analytics.i18n import fmt_date, t
from analytics.model import Filters, Scope
from analytics.reports.figures import BriefingData, build_briefing, check_lang, headline_parts
from analytics.reports.file_names import agency_file_name
from analytics.reports.xlsx import (
    CANCELLED_COLUMNS,
    OVERDUE_COLUMNS,
    add_sheet,
    changes_frame,
    month_frame,
    summary_frame,
    workbook_bytes,
)


def agency_ids_in(data: BriefingData) -> list[str]:
    """Agencies that get a file: lead agencies of the tasks in view, narrowed by the agency
    filter and by the requester's scope (a viewer never receives another agency's file)."""
    ids = set(metrics.explode_leads(data.tasks)["agency_id"]) if len(data.tasks) else set()
    if data.filters.agency_ids:
        ids &= set(data.filters.agency_ids)
    if data.scope.agency_ids is not None:
        ids &= set(data.scope.agency_ids)
    order = {a: i for i, a in enumerate(data.by_agency["agency_id"])}
    return sorted(ids, key=lambda a: (order.get(a, len(order)), a))


def _leads(frame: pd.DataFrame) -> list[frozenset]:
    if frame.empty or "lead_ids" not in frame:
        return [frozenset()] * len(frame)
    return [frozenset(ids) if ids is not None else frozenset() for ids in frame["lead_ids"]]


def _mask(leads: list[frozenset], agency_id: str) -> list[bool]:
    return [agency_id in s for s in leads]


class _AgencyKit:
    """Frames presented once and sliced per agency (a zip holds dozens of workbooks)."""

    def __init__(self, data: BriefingData, lang: str):
        self.lang = lang
        self.leads = _leads(data.tasks)
        self.tasks = exports.present_tasks(data.tasks, data.agencies, lang)
        overdue = data.overdue
        self.overdue_leads = _leads(overdue)
        self.overdue = exports.present_tasks(overdue, data.agencies, lang, OVERDUE_COLUMNS)
        self.cancelled_leads = _leads(data.cancelled)
        self.cancelled = (
            exports.present_tasks(data.cancelled, data.agencies, lang, CANCELLED_COLUMNS)
            if len(data.cancelled)
            else None
        )
        self.changes, self.change_leads = changes_frame(
            data.changes, data.agencies, lang, with_leads=True
        )
        self.names = exports.agency_names(data.agencies, lang)


def agency_xlsx(
    data: BriefingData, agency_id: str, lang: str | None = None, kit: _AgencyKit | None = None
) -> bytes:
    """One agency's workbook: its figures, its tasks, its overdue tasks, its months, its changes."""
    lang = check_lang(lang or data.lang)
    kit = kit if kit is not None and kit.lang == lang else _AgencyKit(data, lang)
    date = fmt_date(data.as_of, lang)
    name = kit.names.get(agency_id, agency_id)
    suffix = f" – {name} – {t('report.cutoff', lang, date=date)}"
    mask = _mask(kit.leads, agency_id)
    df = data.tasks[mask]
    parts = headline_parts(df, data.as_of)
    wb = Workbook()
    wb.remove(wb.active)
    frame, pct = summary_frame(data, parts, lang, agency=name)
    add_sheet(
        wb,
        "report.sheet_summary",
        frame,
        lang,
        f"{t('report.title', lang)} – {name}",
        pct_rows=pct,
        wide_values=True,
    )
    add_sheet(wb, "common.task_list", kit.tasks[mask], lang, t("common.task_list", lang) + suffix)
    add_sheet(
        wb,
        "col.overdue",
        kit.overdue[_mask(kit.overdue_leads, agency_id)],
        lang,
        t("report.sec_overdue", lang) + suffix,
    )
    if kit.cancelled is not None:
        cancelled = kit.cancelled[_mask(kit.cancelled_leads, agency_id)]
        if len(cancelled):
            add_sheet(
                wb, "status.cancelled", cancelled, lang, t("report.sec_cancelled", lang) + suffix
            )
    add_sheet(
        wb,
        "report.sheet_months",
        month_frame(metrics.by_month(df), lang),
        lang,
        t("report.sec_months", lang) + suffix,
    )
    add_sheet(
        wb,
        "col.change",
        kit.changes[_mask(kit.change_leads, agency_id)],
        lang,
        t("report.sec_changes", lang) + suffix,
    )
    return workbook_bytes(wb)


def agency_files(data: BriefingData, lang: str | None = None) -> dict[str, bytes]:
    """File name → workbook, one per agency in view and in scope."""
    lang = check_lang(lang or data.lang)
    kit = _AgencyKit(data, lang)
    return {
        agency_file_name(data, a, lang): agency_xlsx(data, a, lang, kit)
        for a in agency_ids_in(data)
    }


def zip_agency_files(data: BriefingData, lang: str | None = None) -> bytes:
    """One workbook per agency in view and in scope, all in one zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, payload in agency_files(data, lang).items():
            zf.writestr(name, payload)
    return buf.getvalue()


def agency_zip(
    db, as_of: dt.date, filters: Filters | None = None, scope: Scope | None = None, lang: str = "vi"
) -> bytes:
    """Per-agency Excel files ("gửi từng bộ, ngành, địa phương") in one zip, within `scope`."""
    return zip_agency_files(build_briefing(db, as_of, filters, scope, lang), lang)
