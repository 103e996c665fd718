"""Formal reports (báo cáo): the briefing as an A4 PDF and as an Excel workbook, and one Excel
file per agency in a zip ("gửi từng bộ, ngành, địa phương"). No Streamlit here: the dashboard
(ui/reports.py) and the command line (`python -m analytics report`) call the same functions, so
a daily job writes the very files a user downloads.

Every figure comes from `store.load_tasks` and `analytics.metrics`, exactly as the dashboard's
pages compute them (same date, filters and scope give the same numbers).

The headline sentence, in the Government Office's form:
    "X nhiệm vụ đến hạn đã hoàn thành, đạt Y% (đúng hạn: a, quá hạn: b);
     chưa hoàn thành: c (trong hạn: d, quá hạn: e)"
    due  = tasks with a deadline on or before the as-of date
    X    = due tasks completed by the as-of date (metrics.headline's due_completed)
    Y    = X / due (due_completion_rate)
    a, b = among those X, completed on time / completed late (completed with unknown timing,
           when any, is shown as a third figure so that a + b + unknown = X)
    c    = every task not completed at the as-of date, whether due or not (total - completed)
    d    = c - e: in progress within the deadline + tasks without a deadline
    e    = overdue: deadline passed, not completed
Cancelled tasks (status `cancelled`) are in none of these figures: the report says how many
there are beside the total and lists them in a section (and a sheet) of their own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import os
import re
import sys
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment

from analytics import audit, briefing, exports, metrics, safe_text, store

if TYPE_CHECKING:  # fpdf is imported only when a PDF is made (it costs 0.6 s at start-up)
    from fpdf import FPDF
from analytics.agencies import CENTRAL_TYPES
from analytics.changes import Changes, compare
from analytics.i18n import LANGS, fmt_date, fmt_int, fmt_month, fmt_pct, t
from analytics.store import Filters, Scope
from analytics.style import STATUS_COLORS, STATUS_ORDER, STATUS_PATTERNS

FONT_DIR = Path(__file__).resolve().parent.parent / "data" / "fonts"
FONT = "DejaVu"
FORMATS = ("pdf", "xlsx", "zip")
MIME = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}

# --------------------------------------------------------------------------- words

TEXT: dict[str, tuple[str, str]] = {
    "title": ("BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ", "TASK PROGRESS BRIEFING"),
    "title_short": ("Báo cáo tình hình thực hiện nhiệm vụ", "Task progress briefing"),
    "cutoff": ("Số liệu tính đến ngày {date}", "Figures as of {date}"),
    "snapshots_used": ("Dữ liệu sử dụng: {items}", "Snapshots used: {items}"),
    "none": ("không có", "none"),
    "scope_line": ("Phạm vi: {items}", "Scope: {items}"),
    "scope_all": ("toàn bộ nhiệm vụ", "all tasks"),
    "scope_sources": ("nguồn {items}", "sources {items}"),
    "scope_agencies": ("cơ quan chủ trì {items}", "lead agency {items}"),
    "scope_types": ("loại cơ quan {items}", "agency type {items}"),
    "scope_difficult": ("chỉ nhiệm vụ khó", "difficult tasks only"),
    "scope_source_docs": ("văn bản giao {items}", "assigning document {items}"),
    "scope_user": ("trong phạm vi được xem: {items}", "within the viewer's agencies: {items}"),
    "generated": ("Lập lúc {time} ngày {date}", "Generated {date} {time}"),
    "page": ("Trang {n}/{nb}", "Page {n} of {nb}"),
    # the audit log's head when the report was made (analytics/audit.py): a printed copy anchors it
    "audit_head": ("mục #{n}, mã {hash}", "entry #{n}, hash {hash}"),
    "sec_overall": ("I. KẾT QUẢ CHUNG", "1. OVERALL RESULTS"),
    "sec_changes": ("II. THAY ĐỔI SO VỚI KỲ BÁO CÁO TRƯỚC", "2. CHANGES SINCE THE PREVIOUS REPORT"),
    "sec_ministries": (
        "III. NHIỆM VỤ CHẬM, MUỘN THEO BỘ, NGÀNH",
        "3. LATE TASKS BY MINISTRY AND AGENCY",
    ),
    "sec_provinces": ("IV. NHIỆM VỤ CHẬM, MUỘN THEO ĐỊA PHƯƠNG", "4. LATE TASKS BY PROVINCE"),
    "sec_months": ("V. KHỐI LƯỢNG NHIỆM VỤ THEO THÁNG", "5. MONTH-BY-MONTH WORKLOAD"),
    "sec_overdue": (
        "VI. DANH SÁCH NHIỆM VỤ QUÁ HẠN CHƯA HOÀN THÀNH",
        "6. OVERDUE TASKS NOT COMPLETED",
    ),
    "sec_cancelled": (
        "VII. DANH SÁCH NHIỆM VỤ ĐÃ HỦY (KHÔNG TÍNH VÀO SỐ LIỆU)",
        "7. CANCELLED TASKS (NOT IN THE FIGURES)",
    ),
    "context_cancelled": (
        "Ngoài ra, {n} nhiệm vụ đã hủy, dừng thực hiện hoặc đưa ra khỏi danh mục không tính vào "
        "tổng số, tỷ lệ hoàn thành và các bảng số liệu (danh sách ở mục VII).",
        "Besides, {n} tasks cancelled, stopped or removed from the list are counted in neither "
        "the total, the completion rate nor the tables (listed in section 7).",
    ),
    "cancelled_count": (
        "{n} nhiệm vụ đã hủy, dừng thực hiện hoặc đưa ra khỏi danh mục.",
        "{n} tasks cancelled, stopped or removed from the list.",
    ),
    "footnote_cancelled": (
        " Nhiệm vụ đã hủy ({n}) không tính vào tổng số, số đến hạn, tỷ lệ và mọi số liệu trên.",
        " Cancelled tasks ({n}) are counted in neither the total, the tasks due, the rate nor any "
        "figure above.",
    ),
    "context": (
        "Tổng số {total} nhiệm vụ; {due} nhiệm vụ đã đến hạn (thời hạn đến hết ngày {date}).",
        "{total} tasks in all; {due} tasks were due (deadline on or before {date}).",
    ),
    "sentence": (
        "{x} nhiệm vụ đến hạn đã hoàn thành, đạt {y} (đúng hạn: {a}, quá hạn: {b}{u}); "
        "chưa hoàn thành: {c} (trong hạn: {d}, quá hạn: {e}).",
        "{x} tasks due have been completed, {y} of those due (on time: {a}, late: {b}{u}); "
        "not completed: {c} (within the deadline: {d}, overdue: {e}).",
    ),
    "sentence_unknown": (", chưa rõ đúng hạn hay quá hạn: {n}", ", timing unknown: {n}"),
    "overall_completed": (
        "Tính trên tổng số nhiệm vụ: đã hoàn thành {completed} (đúng hạn: {on_time}, quá hạn: "
        "{late}{u}); đang thực hiện trong hạn: {in_progress}; không có thời hạn: {no_deadline}.",
        "Over all tasks: {completed} completed (on time: {on_time}, late: {late}{u}); in "
        "progress within the deadline: {in_progress}; without a deadline: {no_deadline}.",
    ),
    "footnote": (
        "(*) Cách tính: nhiệm vụ đến hạn là nhiệm vụ có thời hạn đến hết ngày {date}; tỷ lệ = "
        'số nhiệm vụ đến hạn đã hoàn thành / số nhiệm vụ đến hạn; "đúng hạn", "quá hạn" '
        'trong ngoặc thứ nhất chỉ tính các nhiệm vụ đến hạn đã hoàn thành. "Chưa hoàn thành" '
        "gồm mọi nhiệm vụ chưa hoàn thành tại ngày {date}, kể cả nhiệm vụ chưa đến hạn: "
        '"trong hạn" = đang thực hiện trong hạn ({in_progress}) + không có thời hạn '
        '({no_deadline}); "quá hạn" = đã quá thời hạn mà chưa hoàn thành. "Chậm, muộn" = '
        "quá hạn chưa hoàn thành + hoàn thành quá hạn. Nhiệm vụ do nhiều cơ quan chủ trì được "
        "tính cho mỗi cơ quan.",
        "(*) How the figures are computed: a task is due when its deadline is on or before "
        '{date}; rate = due tasks completed / due tasks; "on time" and "late" in the first '
        'brackets count only the due tasks completed. "Not completed" counts every task not '
        'completed on {date}, due or not: "within the deadline" = in progress within the '
        'deadline ({in_progress}) + without a deadline ({no_deadline}); "overdue" = deadline '
        'passed, not completed. "Late" = overdue + completed late. A task with several lead '
        "agencies counts for each of them.",
    ),
    "by_source_title": ("Kết quả theo nguồn nhiệm vụ", "Results by task source"),
    "chart_status": ("Tình trạng nhiệm vụ theo nguồn", "Task status by source"),
    "all_sources_row": ("Tất cả", "All"),
    "previous": (
        "Kỳ trước: số liệu đến ngày {prev} ({items}); kỳ này: số liệu đến ngày {date}.",
        "Previous report: figures as of {prev} ({items}); this report: as of {date}.",
    ),
    "no_previous": (
        "Chưa có kỳ báo cáo trước (không có dữ liệu trước ngày {date}).",
        "No previous report (no snapshot before {date}).",
    ),
    "change_what": ("Nội dung", "Change"),
    "change_count": ("Số nhiệm vụ", "Tasks"),
    "change_before": ("Kỳ trước", "Previous"),
    "change_after": ("Kỳ này", "This report"),
    "change_delta": ("Tăng (+) / giảm (-)", "Change"),
    "change_new": ("Nhiệm vụ mới giao", "New tasks"),
    "change_removed": ("Nhiệm vụ không còn trong danh sách", "Tasks no longer listed"),
    "change_newly_completed": ("Mới hoàn thành", "Newly completed"),
    "change_newly_overdue": ("Mới quá hạn", "Newly overdue"),
    "change_deadline_moved": ("Điều chỉnh thời hạn", "Deadline changed"),
    "change_status_changed": ("Thay đổi tình trạng", "Status changed"),
    "newly_overdue_list": ("Các nhiệm vụ mới quá hạn:", "Tasks newly overdue:"),
    "chart_late": (
        "Nhiệm vụ chậm, muộn (quá hạn chưa hoàn thành và hoàn thành quá hạn), {n} cơ quan nhiều nhất",
        "Late tasks (overdue and completed late), top {n} agencies",
    ),
    "no_late": ("Không có nhiệm vụ chậm, muộn.", "No late tasks."),
    "no_agencies": ("Không có nhiệm vụ trong phạm vi này.", "No tasks in this scope."),
    "other_agencies": ("Nhóm cơ quan và cơ quan khác", "Groups of agencies and other bodies"),
    "chart_months": (
        "Nhiệm vụ theo tháng đến hạn: đã hoàn thành, quá hạn, còn lại",
        "Tasks by month due: completed, overdue, remaining",
    ),
    "no_months": ("Không có nhiệm vụ có thời hạn.", "No tasks with a deadline."),
    "months_note": (
        'Tháng = tháng của thời hạn; "đã hoàn thành" tính đến ngày {date}; "còn lại" gồm cả '
        "nhiệm vụ quá hạn.",
        'Month = the deadline\'s month; "completed" as of {date}; "remaining" includes '
        "overdue tasks.",
    ),
    "as_of_mark": ("Kỳ báo cáo", "This report"),
    "no_overdue": (
        "Không có nhiệm vụ quá hạn chưa hoàn thành.",
        "No overdue tasks.",
    ),
    "overdue_count": (
        "{n} nhiệm vụ, xếp theo số ngày quá hạn.",
        "{n} tasks, longest overdue first.",
    ),
    "no_data": (
        "Chưa có số liệu đến ngày {date}.",
        "No figures as of {date}.",
    ),
    # table headings
    "h_no": ("TT", "#"),
    "h_agency": ("Cơ quan", "Agency"),
    "h_source": ("Nguồn", "Source"),
    "h_total": ("Tổng số", "Total"),
    "h_due": ("Đến hạn", "Due"),
    "h_due_completed": ("Đến hạn đã HT", "Due, done"),
    "h_completed": ("Đã HT", "Completed"),
    "h_completed_late": ("HT quá hạn", "Done late"),
    "h_on_time": ("HT đúng hạn", "On time"),
    "h_overdue": ("Quá hạn chưa HT", "Overdue"),
    "h_in_progress": ("Đang thực hiện", "Ongoing"),
    "h_no_deadline": ("Không thời hạn", "No date"),
    "h_cancelled": ("Đã hủy", "Cancelled"),
    "h_late": ("Chậm, muộn", "Late"),
    "h_rate": ("Tỷ lệ HT (đến hạn)", "Rate (due)"),
    "h_month": ("Tháng", "Month"),
    "h_month_completed": ("Đã hoàn thành", "Completed"),
    "h_remaining": ("Còn lại", "Remaining"),
    "h_month_overdue": ("Trong đó quá hạn", "Of which overdue"),
    "h_task_id": ("Mã", "Id"),
    "h_title": ("Nội dung nhiệm vụ", "Task"),
    "h_lead": ("Cơ quan chủ trì", "Lead agency"),
    "h_deadline": ("Thời hạn", "Deadline"),
    "h_days": ("Số ngày quá hạn", "Days overdue"),
    "abbrev_note": ("HT: hoàn thành.", ""),
    # workbook
    "sheet_summary": ("Tổng hợp", "Summary"),
    "sheet_sources": ("Theo nguồn", "By source"),
    "sheet_ministries": ("Bộ, ngành", "Ministries"),
    "sheet_provinces": ("Địa phương", "Provinces"),
    "sheet_other": ("Cơ quan khác", "Other bodies"),
    "sheet_months": ("Theo tháng", "By month"),
    "sheet_overdue": ("Quá hạn", "Overdue"),
    "sheet_cancelled": ("Đã hủy", "Cancelled"),
    "sheet_changes": ("Thay đổi", "Changes"),
    "sheet_tasks": ("Danh sách nhiệm vụ", "Tasks"),
    "k_item": ("Chỉ tiêu", "Item"),
    "k_value": ("Giá trị", "Value"),
    "k_report": ("Báo cáo", "Report"),
    "k_agency": ("Cơ quan", "Agency"),
    "k_as_of": ("Số liệu tính đến ngày", "Figures as of"),
    "k_snapshots": ("Dữ liệu sử dụng", "Snapshots used"),
    "k_scope": ("Phạm vi", "Scope"),
    "k_previous": ("Kỳ báo cáo trước (số liệu đến ngày)", "Previous report (figures as of)"),
    "k_sentence": ("Kết quả", "Headline"),
    "k_due": ("Nhiệm vụ đến hạn", "Tasks due"),
    "k_x": ("Đến hạn đã hoàn thành (X)", "Due and completed (X)"),
    "k_y": ("Tỷ lệ hoàn thành nhiệm vụ đến hạn (Y)", "Completion rate of tasks due (Y)"),
    "k_a": ("- trong đó đúng hạn (a)", "- of which on time (a)"),
    "k_b": ("- trong đó quá hạn (b)", "- of which late (b)"),
    "k_u": ("- trong đó chưa rõ đúng hạn hay quá hạn", "- of which timing unknown"),
    "k_c": ("Chưa hoàn thành (c)", "Not completed (c)"),
    "k_d": ("- trong hạn (d)", "- within the deadline (d)"),
    "k_e": ("- quá hạn (e)", "- overdue (e)"),
    "k_notes": ("Ghi chú", "Notes"),
    "k_generated": ("Lập lúc", "Generated"),
    "k_audit": ("Nhật ký kiểm toán", "Audit log"),
    "c_change": ("Thay đổi", "Change"),
    "c_status_before": ("Tình trạng kỳ trước", "Status before"),
    "c_status_after": ("Tình trạng kỳ này", "Status now"),
    "c_deadline_before": ("Thời hạn kỳ trước", "Deadline before"),
    "c_deadline_after": ("Thời hạn kỳ này", "Deadline now"),
    "c_agency_id": ("Mã cơ quan", "Agency id"),
    "file_briefing": ("bao-cao", "briefing"),
    "file_agencies": ("bao-cao-theo-co-quan", "agency-files"),
}


def tr(key: str, lang: str = "vi", **fmt) -> str:
    """A report word in `lang`; keys not defined here fall back to analytics.i18n."""
    pair = TEXT.get(key)
    if pair is None:
        return t(key, lang, **fmt)
    text = pair[0 if lang == "vi" else 1]
    return text.format(**fmt) if fmt else text


def audit_head_text(data: BriefingData, lang: str) -> str:
    """'entry #N, hash 1a2b3c4d…' of the audit log's head, or '' when the log is empty."""
    if data.audit_head is None:
        return ""
    seq, hash_ = data.audit_head
    return tr("audit_head", lang, n=seq, hash=audit.short(hash_))


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (use one of {', '.join(LANGS)})")
    return lang


def slug(text: str) -> str:
    """ASCII file-name part: 'Bộ Tài chính' → 'Bo-Tai-chinh'."""
    text = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60] or "x"


# --------------------------------------------------------------------------- the figures


def headline_parts(df: pd.DataFrame, as_of: dt.date) -> dict:
    """metrics.headline plus the parts of the headline sentence (see the module doc)."""
    h = metrics.headline(df, as_of)
    if len(df):
        due = df["deadline"].notna() & (pd.to_datetime(df["deadline"]) <= pd.Timestamp(as_of))
        status = df.loc[due, "status"]
        a = int((status == "completed_on_time").sum())
        b = int((status == "completed_late").sum())
        u = int((status == "completed_timing_unknown").sum())
    else:
        a = b = u = 0
    c = h["total"] - h["completed"]
    return {
        **h,
        "x": h["due_completed"],
        "y": h["due_completion_rate"],
        "a": a,
        "b": b,
        "u": u,
        "c": c,
        "d": h["in_progress"] + h["no_deadline"],
        "e": h["overdue"],
    }


def headline_sentence(parts: dict, lang: str = "vi") -> str:
    """'X nhiệm vụ đến hạn đã hoàn thành, đạt Y% (đúng hạn: a, quá hạn: b); chưa hoàn thành:
    c (trong hạn: d, quá hạn: e).'"""
    n = lambda v: fmt_int(v, lang)  # noqa: E731
    unknown = tr("sentence_unknown", lang, n=n(parts["u"])) if parts["u"] else ""
    return tr(
        "sentence",
        lang,
        x=n(parts["x"]),
        y=fmt_pct(parts["y"], lang),
        a=n(parts["a"]),
        b=n(parts["b"]),
        u=unknown,
        c=n(parts["c"]),
        d=n(parts["d"]),
        e=n(parts["e"]),
    )


def overall_sentence(parts: dict, lang: str = "vi") -> str:
    n = lambda v: fmt_int(v, lang)  # noqa: E731
    unknown = (
        tr("sentence_unknown", lang, n=n(parts["completed_timing_unknown"]))
        if parts["completed_timing_unknown"]
        else ""
    )
    return tr(
        "overall_completed",
        lang,
        completed=n(parts["completed"]),
        on_time=n(parts["completed_on_time"]),
        late=n(parts["completed_late"]),
        u=unknown,
        in_progress=n(parts["in_progress"]),
        no_deadline=n(parts["no_deadline"]),
    )


def footnote(parts: dict, as_of: dt.date, lang: str = "vi") -> str:
    text = tr(
        "footnote",
        lang,
        date=fmt_date(as_of, lang),
        in_progress=fmt_int(parts["in_progress"], lang),
        no_deadline=fmt_int(parts["no_deadline"], lang),
    )
    if parts.get("cancelled"):
        text += tr("footnote_cancelled", lang, n=fmt_int(parts["cancelled"], lang))
    return text


previous_date = briefing.previous_date


@dataclass(frozen=True)
class BriefingData:
    """Everything a briefing shows, computed once (read-only frames)."""

    as_of: dt.date
    lang: str
    filters: Filters
    scope: Scope
    snapshots: pd.DataFrame  # the snapshots in force: snapshot_id, source, as_of, file_name
    tasks: pd.DataFrame  # store.load_tasks(as_of, filters, scope)
    agencies: pd.DataFrame  # store.list_agencies
    parts: dict  # headline_parts(tasks)
    by_source: pd.DataFrame  # metrics.by_source
    source_parts: dict  # source → headline_parts of its tasks
    by_agency: pd.DataFrame  # metrics.by_agency(tasks, agencies, as_of, scope.agency_ids)
    by_month: pd.DataFrame  # metrics.by_month
    overdue: pd.DataFrame  # overdue tasks, longest overdue first
    previous_as_of: dt.date | None = None
    previous_snapshots: pd.DataFrame = field(default_factory=pd.DataFrame)
    previous_parts: dict | None = None
    changes: Changes | None = None
    # the snapshots in force with rows held back (store.held_back_in_force), said in the report
    held_back: pd.DataFrame = field(default_factory=pd.DataFrame)
    # cancelled tasks (in none of the figures), listed apart
    cancelled: pd.DataFrame = field(default_factory=pd.DataFrame)
    generated_at: dt.datetime = field(
        default_factory=lambda: dt.datetime.now().replace(microsecond=0)
    )
    # the audit log's newest entry (number, hash) when the figures were read (audit.head)
    audit_head: tuple[int, str] | None = None

    @property
    def headline(self) -> dict:
        return {
            k: v for k, v in self.parts.items() if k not in ("x", "y", "a", "b", "u", "c", "d", "e")
        }

    @property
    def snapshot_ids(self) -> tuple[int, ...]:
        return tuple(int(i) for i in self.snapshots["snapshot_id"]) if len(self.snapshots) else ()

    def sentence(self, lang: str | None = None) -> str:
        return headline_sentence(self.parts, lang or self.lang)


def build_briefing(
    db, as_of: dt.date, filters: Filters | None = None, scope: Scope | None = None, lang: str = "vi"
) -> BriefingData:
    """All figures and frames of the briefing at `as_of` for these filters, within `scope`."""
    _check_lang(lang)
    filters = filters or Filters()
    scope = scope or Scope.everything()
    snaps = store.list_snapshots(db)
    ids = store.snapshots_in_force(db, as_of, filters.sources)
    df = store.load_tasks(db, as_of, filters, scope)
    agencies = store.list_agencies(db)
    by_source = metrics.by_source(df)
    source_parts = {
        src: headline_parts(df[df["source"] == src], as_of) for src in by_source["source"]
    }
    overdue = df[df["status"] == "overdue"]
    if len(overdue):
        overdue = overdue.sort_values(
            ["days_overdue", "source", "task_id"], ascending=[False, True, True]
        )
    prev = previous_date(snaps, as_of, filters.sources)
    prev_snaps = snaps.iloc[0:0]
    prev_parts = changes = None
    if prev is not None:
        before = store.load_tasks(db, prev, filters, scope)
        prev_ids = store.snapshots_in_force(db, prev, filters.sources)
        prev_snaps = _snapshot_rows(snaps, prev_ids)
        prev_parts = headline_parts(before, prev)
        changes = compare(before, df)
    return BriefingData(
        as_of=as_of,
        lang=lang,
        filters=filters,
        scope=scope,
        snapshots=_snapshot_rows(snaps, ids),
        tasks=df,
        agencies=agencies,
        parts=headline_parts(df, as_of),
        by_source=by_source,
        source_parts=source_parts,
        by_agency=metrics.by_agency(df, agencies, as_of, scope.agency_ids),
        by_month=metrics.by_month(df),
        overdue=overdue.reset_index(drop=True),
        previous_as_of=prev,
        previous_snapshots=prev_snaps,
        previous_parts=prev_parts,
        changes=changes,
        held_back=store.held_back_in_force(db, as_of, filters.sources, scope),
        cancelled=metrics.cancelled(df).sort_values(["source", "task_id"]).reset_index(drop=True),
        audit_head=audit.head(db),
    )


def _snapshot_rows(snaps: pd.DataFrame, ids) -> pd.DataFrame:
    cols = ["snapshot_id", "source", "as_of", "file_name"]
    if snaps.empty:
        return pd.DataFrame(columns=cols)
    return snaps.loc[snaps["snapshot_id"].isin(list(ids)), cols].reset_index(drop=True)


def snapshots_text(snaps: pd.DataFrame, lang: str) -> str:
    if snaps is None or snaps.empty:
        return tr("none", lang)
    return "; ".join(
        f"{r.source} – {fmt_date(r.as_of, lang)} (#{r.snapshot_id}, {r.file_name})"
        for r in snaps.itertuples()
    )


def scope_text(data: BriefingData, lang: str) -> str:
    """The filters and the viewer's scope in words."""
    names = exports.agency_names(data.agencies, lang)
    f = data.filters
    items = []
    if f.sources:
        items.append(tr("scope_sources", lang, items=", ".join(f.sources)))
    if f.agency_types:
        if set(f.agency_types) == {"province"}:
            kinds = t("type_province", lang)
        elif set(f.agency_types) == set(CENTRAL_TYPES):
            kinds = t("type_central", lang)
        else:
            kinds = ", ".join(t(k, lang) for k in f.agency_types)
        items.append(tr("scope_types", lang, items=kinds))
    if f.agency_ids:
        items.append(
            tr("scope_agencies", lang, items=", ".join(names.get(a, a) for a in f.agency_ids))
        )
    if f.difficult_only:
        items.append(tr("scope_difficult", lang))
    if f.source_docs:
        items.append(tr("scope_source_docs", lang, items="; ".join(f.source_docs)))
    if data.scope.agency_ids is not None:
        ids = sorted(data.scope.agency_ids)
        items.append(
            tr(
                "scope_user",
                lang,
                items=", ".join(names.get(a, a) for a in ids) or tr("none", lang),
            )
        )
    return "; ".join(items) if items else tr("scope_all", lang)


def _agency_groups(by_agency: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(section key, sheet key, rows) for ministries, provinces and other bodies."""
    central = by_agency[by_agency["agency_type"].isin(CENTRAL_TYPES)]
    provinces = by_agency[by_agency["agency_type"] == "province"]
    other = by_agency[~by_agency["agency_type"].isin([*CENTRAL_TYPES, "province"])]
    return [
        ("sec_ministries", "sheet_ministries", central.reset_index(drop=True)),
        ("sec_provinces", "sheet_provinces", provinces.reset_index(drop=True)),
        ("other_agencies", "sheet_other", other.reset_index(drop=True)),
    ]


def _agency_name(row, lang: str) -> str:
    name = row["name_vi"] if lang == "vi" else row["name_en"]
    return name if isinstance(name, str) and name else str(row["agency_id"])


def _lead_names(ids, names: dict[str, str]) -> str:
    if ids is None:
        return ""
    return "; ".join(names.get(i, i) for i in ids)


# --------------------------------------------------------------------------- PDF

HEAD_FILL = (31, 56, 100)
ZEBRA = (242, 245, 250)
GREY = (90, 90, 90)
DARK_TEXT_ON = {"completed_late", "completed_timing_unknown", "no_deadline"}


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _s(value) -> str:
    """Text fit for the PDF: NFC (precomposed Vietnamese letters), no control characters, no
    character the fonts cannot draw (safe_text.for_pdf)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if value is pd.NA:
        return ""
    return safe_text.for_pdf(unicodedata.normalize("NFC", str(value)))


PAGE_TOTAL_ALIAS = "{nbp}"  # as wide as five digits in DejaVu Sans


@cache
def _doc_class():
    """The A4 document class (built on first use so that fpdf loads only for PDFs)."""
    from fpdf import FPDF

    class _Doc(FPDF):
        def __init__(self, lang: str, running: str, generated: str, anchor: str = ""):
            super().__init__(orientation="P", unit="mm", format="A4")
            self.report_lang = lang
            self.running = running
            self.generated = generated
            self.anchor = anchor  # the audit log's head, under the footer's line
            self.set_margins(15, 14, 15)
            self.set_auto_page_break(True, margin=15)
            self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.set_font(FONT, size=10)
            self.set_lang("vi-VN" if lang == "vi" else "en")
            # The footer's total is written when the document closes, into the width its alias
            # takes: "{nb}" is narrower than 4 digits (a 4,470-page briefing overran it).
            self.alias_nb_pages(PAGE_TOTAL_ALIAS)

        def header(self):
            if self.page_no() == 1:
                return
            self.set_font(FONT, "", 7.5)
            self.set_text_color(*GREY)
            self.cell(0, 4, self.running, new_x="LMARGIN", new_y="NEXT")
            self.set_draw_color(170, 170, 170)
            self.set_line_width(0.2)
            self.line(self.l_margin, self.get_y() + 0.5, self.w - self.r_margin, self.get_y() + 0.5)
            self.ln(3)
            self.set_text_color(0, 0, 0)

        def footer(self):
            self.set_y(-11)
            self.set_font(FONT, "", 7.5)
            self.set_text_color(*GREY)
            self.cell(self.epw / 2, 4, self.generated, align="L")
            self.cell(
                self.epw / 2,
                4,
                tr("page", self.report_lang, n=self.page_no(), nb=PAGE_TOTAL_ALIAS),
                align="R",
            )
            if self.anchor:
                self.set_xy(self.l_margin, -7)
                self.set_font(FONT, "", 6.5)
                self.cell(self.epw, 3.5, self.anchor, align="L")
            self.set_text_color(0, 0, 0)

    return _Doc


def _para(
    pdf: FPDF, text: str, size: float = 9.5, bold: bool = False, color=(0, 0, 0), h=None, fill=None
):
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(*color)
    if fill is not None:
        pdf.set_fill_color(*fill)
    pdf.multi_cell(
        0,
        h or size * 0.5,
        _s(text),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
        fill=fill is not None,
    )
    pdf.set_text_color(0, 0, 0)


def _need(pdf: FPDF, height: float) -> None:
    """Start a new page unless `height` mm still fit on this one."""
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _heading(pdf: FPDF, text: str, keep: float = 35) -> None:
    pdf.ln(2)
    _need(pdf, keep)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*HEAD_FILL)
    pdf.multi_cell(0, 6, _s(text), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*HEAD_FILL)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + 40, pdf.get_y())
    pdf.ln(2)
    pdf.set_text_color(0, 0, 0)


def _subheading(pdf: FPDF, text: str, keep: float = 25) -> None:
    pdf.ln(1)
    _need(pdf, keep)
    _para(pdf, text, size=9.5, bold=True, h=5)


def _table(
    pdf: FPDF,
    headers: list[str],
    rows: list[list],
    widths: list[float],
    aligns: list[str],
    size=7.5,
):
    """A table that continues over pages with its heading row repeated on each page.

    Drawn with cell() (fpdf2's table() measures every character of every cell and is several
    times slower); only cells too wide for their column are wrapped.
    """
    scale = pdf.epw / sum(widths)
    widths = [w * scale for w in widths]
    pad, line_h = 0.9, size * 0.43

    def wrap(text: str, w: float) -> list[str]:
        if not text:
            return [""]
        if pdf.get_string_width(text) <= w - 2 * pad:
            return [text]
        return pdf.multi_cell(w - 2 * pad, line_h, text, dry_run=True, output="LINES") or [""]

    def draw(cells: list[list[str]], heading: bool, zebra: bool) -> None:
        height = max(len(c) for c in cells) * line_h + 2 * pad
        x, y = pdf.l_margin, pdf.get_y()
        if heading or zebra:
            pdf.set_fill_color(*(HEAD_FILL if heading else ZEBRA))
            pdf.rect(x, y, pdf.epw, height, style="F")
        pdf.set_text_color(*((255, 255, 255) if heading else (0, 0, 0)))
        for lines, w, align in zip(cells, widths, aligns, strict=True):
            for k, line in enumerate(lines):
                pdf.set_xy(x + pad, y + pad + k * line_h)
                pdf.cell(w - 2 * pad, line_h, line, align="C" if heading else align)
            x += w
        pdf.set_draw_color(190, 198, 210)
        pdf.set_line_width(0.15)
        pdf.line(pdf.l_margin, y + height, pdf.l_margin + pdf.epw, y + height)
        pdf.set_xy(pdf.l_margin, y + height)
        pdf.set_text_color(0, 0, 0)

    pdf.set_font(FONT, "B", size)
    head = [wrap(_s(h), w) for h, w in zip(headers, widths, strict=True)]
    head_h = max(len(c) for c in head) * line_h + 2 * pad
    pdf.set_font(FONT, "", size)
    first = [wrap(_s(v), w) for v, w in zip(rows[0], widths, strict=True)] if rows else [[""]]
    first_h = max(len(c) for c in first) * line_h + 2 * pad
    if len(rows) <= 15:  # a short table is kept on one page when it fits on one
        whole = head_h + first_h + (len(rows) - 1) * (line_h + 2 * pad)
        _need(pdf, whole if whole < 90 else head_h + first_h)
    else:
        _need(pdf, head_h + first_h)
    pdf.set_font(FONT, "B", size)
    draw(head, heading=True, zebra=False)
    for i, values in enumerate(rows):
        pdf.set_font(FONT, "", size)
        cells = first if i == 0 else [wrap(_s(v), w) for v, w in zip(values, widths, strict=True)]
        height = max(len(c) for c in cells) * line_h + 2 * pad
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            pdf.set_font(FONT, "B", size)
            draw(head, heading=True, zebra=False)
            pdf.set_font(FONT, "", size)
        draw(cells, heading=False, zebra=i % 2 == 1)
    pdf.ln(2)


def _hatch(pdf: FPDF, x: float, y: float, w: float, h: float, status: str) -> None:
    """The status colour with its pattern (so a grey print still tells the statuses apart)."""
    if w <= 0 or h <= 0:
        return
    pdf.set_fill_color(*_rgb(STATUS_COLORS[status]))
    pdf.rect(x, y, w, h, style="F")
    pattern = STATUS_PATTERNS.get(status, "")
    if not pattern or w < 0.6 or h < 0.6:
        return
    pdf.set_draw_color(255, 255, 255)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_line_width(0.16)
    step = 1.8
    with pdf.rect_clip(x, y, w, h):
        if pattern in ("/", "x"):
            c = -h
            while c < w:
                pdf.line(x + c, y + h, x + c + h, y)
                if pattern == "x":
                    pdf.line(x + c, y, x + c + h, y + h)
                c += step * (1.4 if pattern == "x" else 1)
        elif pattern == ".":
            yy = y + 0.5
            while yy < y + h:
                xx = x + 0.5
                while xx < x + w:
                    pdf.rect(xx, yy, 0.35, 0.35, style="F")
                    xx += 1.1
                yy += 1.1
        elif pattern == "-":
            yy = y + 0.7
            while yy < y + h:
                xx = x + 0.3
                while xx < x + w:
                    pdf.line(xx, yy, xx + 0.8, yy)
                    xx += 1.4
                yy += 1.2


def _legend(
    pdf: FPDF, statuses: Sequence[str], lang: str, labels: dict[str, str] | None = None
) -> None:
    pdf.set_font(FONT, "", 7)
    x, y = pdf.l_margin, pdf.get_y() + 1
    for s in statuses:
        label = _s((labels or {}).get(s) or t(s, lang))
        w = 5 + pdf.get_string_width(label) + 4
        if x + w > pdf.w - pdf.r_margin:
            x, y = pdf.l_margin, y + 4.5
        _hatch(pdf, x, y, 4, 3, s)
        pdf.set_xy(x + 5, y - 0.4)
        pdf.cell(w - 5, 3.8, label)
        x += w
    pdf.set_xy(pdf.l_margin, y + 5)


def _bar_label(
    pdf: FPDF, x: float, y: float, w: float, h: float, value: int, status: str, lang
) -> None:
    text = fmt_int(value, lang)
    pdf.set_font(FONT, "B", 6.5)
    if pdf.get_string_width(text) + 1.5 > w:
        return
    tw = pdf.get_string_width(text) + 1.2
    pdf.set_fill_color(*_rgb(STATUS_COLORS[status]))
    pdf.rect(x + (w - tw) / 2, y + h / 2 - 1.5, tw, 3, style="F")  # over the pattern
    pdf.set_text_color(*((0, 0, 0) if status in DARK_TEXT_ON else (255, 255, 255)))
    pdf.set_xy(x, y)
    pdf.cell(w, h, text, align="C")
    pdf.set_text_color(0, 0, 0)


def _hbars(
    pdf: FPDF, rows: list[tuple[str, list[tuple[str, int]]]], lang: str, label_w: float = 58
) -> None:
    """Horizontal stacked bars: one row per label, segments (status, count)."""
    bar_h, gap = 5.0, 2.2
    total_w = 14
    plot_w = pdf.epw - label_w - total_w
    biggest = max((sum(v for _, v in segs) for _, segs in rows), default=0) or 1
    _need(pdf, len(rows) * (bar_h + gap) + 12)
    y = pdf.get_y() + 1
    for label, segs in rows:
        pdf.set_font(FONT, "", 7)
        lines = pdf.multi_cell(label_w - 2, 3, _s(label), dry_run=True, output="LINES")
        if len(lines) > 2:
            lines = [lines[0], lines[1][: max(len(lines[1]) - 1, 1)] + "…"]
        ly = y + (bar_h - 3 * len(lines)) / 2
        for i, line in enumerate(lines):
            pdf.set_xy(pdf.l_margin, ly + 3 * i)
            pdf.cell(label_w - 2, 3, line, align="R")
        x = pdf.l_margin + label_w
        for status, value in segs:
            w = plot_w * value / biggest
            _hatch(pdf, x, y, w, bar_h, status)
            if value:
                _bar_label(pdf, x, y, w, bar_h, value, status, lang)
            x += w
        pdf.set_font(FONT, "B", 7)
        pdf.set_xy(x + 1, y)
        pdf.cell(total_w - 1, bar_h, fmt_int(sum(v for _, v in segs), lang))
        y += bar_h + gap
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    top = pdf.get_y() + 1 - gap / 2
    pdf.line(pdf.l_margin + label_w, top, pdf.l_margin + label_w, y - gap / 2)
    pdf.set_xy(pdf.l_margin, y)


def _month_chart(pdf: FPDF, months: pd.DataFrame, as_of: dt.date, lang: str) -> None:
    """Columns per deadline month: completed, overdue, remaining (not yet overdue)."""
    height, axis_w = 52.0, 9.0
    months = _all_months(months)
    _need(pdf, height + 24)
    x0 = pdf.l_margin + axis_w
    plot_w = pdf.epw - axis_w
    y0 = pdf.get_y() + 3
    base = y0 + height
    top = int(months["due"].max()) if len(months) else 1
    step = _nice_step(top)
    top = max(step * math.ceil(top / step), 1)
    pdf.set_font(FONT, "", 6.5)
    pdf.set_draw_color(215, 215, 215)
    pdf.set_line_width(0.15)
    tick = 0
    while tick <= top:
        yy = base - height * tick / top
        pdf.line(x0, yy, x0 + plot_w, yy)
        pdf.set_xy(pdf.l_margin, yy - 1.5)
        pdf.cell(axis_w - 1, 3, fmt_int(tick, lang), align="R")
        tick += step
    n = len(months)
    slot = plot_w / max(n, 1)
    bar_w = slot * 0.72
    every = max(1, math.ceil(7.5 / slot))
    current = as_of.strftime("%Y-%m")
    last_year = None
    for i, r in enumerate(months.itertuples()):
        x = x0 + i * slot + (slot - bar_w) / 2
        y = base
        open_not_overdue = int(r.remaining) - int(r.overdue)
        for status, value in (
            ("completed_on_time", int(r.completed)),
            ("overdue", int(r.overdue)),
            ("in_progress", open_not_overdue),
        ):
            h = height * value / top
            _hatch(pdf, x, y - h, bar_w, h, status)
            y -= h
        if int(r.due):
            pdf.set_font(FONT, "", 6)
            pdf.set_xy(x0 + i * slot - 2, y - 3.2)
            pdf.cell(slot + 4, 3, fmt_int(int(r.due), lang), align="C")
        if i % every == 0 or r.month == current:
            year, mon = r.month.split("-")
            first = f"T{int(mon)}" if lang == "vi" else fmt_month(r.month, lang).split()[0]
            pdf.set_font(FONT, "B" if r.month == current else "", 6)
            pdf.set_xy(x0 + i * slot - 3, base + 0.8)
            pdf.cell(slot + 6, 2.8, first, align="C")
            if year != last_year or r.month == current:
                pdf.set_xy(x0 + i * slot - 4, base + 3.4)
                pdf.cell(slot + 8, 2.8, year, align="C")
                last_year = year
        if r.month == current:
            pdf.set_draw_color(60, 60, 60)
            pdf.set_line_width(0.3)
            pdf.set_dash_pattern(dash=1, gap=0.8)
            pdf.line(x0 + i * slot, y0 - 1, x0 + i * slot, base)
            pdf.set_dash_pattern()
            pdf.set_font(FONT, "", 6)
            pdf.set_xy(x0 + i * slot + 0.5, y0 - 2.5)
            pdf.cell(30, 3, f"{tr('as_of_mark', lang)} ({fmt_date(as_of, lang)})")
    pdf.set_draw_color(100, 100, 100)
    pdf.set_line_width(0.25)
    pdf.line(x0, base, x0 + plot_w, base)
    pdf.set_xy(pdf.l_margin, base + 7)
    labels = {"completed_on_time": t("completed", lang), "in_progress": t("col_remaining", lang)}
    _legend(pdf, ["completed_on_time", "overdue", "in_progress"], lang, labels)


def _all_months(months: pd.DataFrame, limit: int = 60) -> pd.DataFrame:
    """The months between the first and the last, empty ones included (a true time axis)."""
    if months.empty:
        return months
    span = pd.period_range(months["month"].min(), months["month"].max(), freq="M").strftime("%Y-%m")
    if len(span) > limit:
        return months
    full = pd.DataFrame({"month": list(span)}).merge(months, on="month", how="left")
    return full.fillna(0).astype({c: "int64" for c in ("due", "completed", "remaining", "overdue")})


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if top / step <= 5:
            return step
    return 10 ** int(math.log10(max(top, 1)))


def _n(v, lang) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return fmt_int(int(v), lang)


def render_pdf(data: BriefingData, lang: str | None = None) -> tuple[bytes, int]:
    """The briefing as A4 PDF bytes and its page count."""
    lang = _check_lang(lang or data.lang)
    date = fmt_date(data.as_of, lang)
    now = data.generated_at
    generated = tr("generated", lang, time=now.strftime("%H:%M"), date=fmt_date(now.date(), lang))
    running = f"{tr('title_short', lang)} · {tr('cutoff', lang, date=date)}"
    head = audit_head_text(data, lang)
    pdf = _doc_class()(lang, running, generated, f"{tr('k_audit', lang)}: {head}" if head else "")
    pdf.set_title(f"{tr('title_short', lang)} – {date}")
    pdf.set_author(t("app_title", lang))
    pdf.set_creator("analytics.reports")
    pdf.add_page()

    # cover lines
    _para(pdf, tr("title", lang), size=14, bold=True, color=HEAD_FILL, h=7)
    _para(pdf, t("app_subtitle", lang), size=9.5, color=GREY, h=4.8)
    pdf.ln(1.5)
    _para(pdf, tr("cutoff", lang, date=date), size=10.5, bold=True, h=5.5)
    _para(
        pdf,
        tr("snapshots_used", lang, items=snapshots_text(data.snapshots, lang)),
        size=8,
        color=GREY,
        h=4,
    )
    _para(pdf, tr("scope_line", lang, items=scope_text(data, lang)), size=8, color=GREY, h=4)
    pdf.ln(1)

    p = data.parts
    _heading(pdf, tr("sec_overall", lang))
    if not len(data.snapshots):
        _para(pdf, tr("no_data", lang, date=date))
    _para(
        pdf,
        tr(
            "context", lang, total=fmt_int(p["total"], lang), due=fmt_int(p["due"], lang), date=date
        ),
        size=9.5,
        h=5,
    )
    if p["cancelled"]:
        _para(pdf, tr("context_cancelled", lang, n=fmt_int(p["cancelled"], lang)), size=9, h=4.6)
    pdf.ln(0.5)
    _para(pdf, data.sentence(lang) + " (*)", size=10.5, bold=True, h=5.6, fill=(234, 240, 248))
    pdf.ln(0.5)
    _para(pdf, overall_sentence(p, lang), size=9, h=4.6)
    if len(data.source_parts) > 1:
        pdf.ln(1)
        for src, sp in data.source_parts.items():
            _para(pdf, f"– {src}: {headline_sentence(sp, lang)}", size=8.5, h=4.4)
    pdf.ln(1)
    _para(pdf, footnote(p, data.as_of, lang), size=7, color=GREY, h=3.4)
    for line in metrics.held_back_notices(data.held_back, lang):
        _para(pdf, f"{line}. {t('held_back_notice_more', lang)}", size=8, bold=True, h=4)

    if len(data.by_source):
        _subheading(pdf, tr("by_source_title", lang))
        keys = [
            "h_source",
            "h_total",
            "h_due",
            "h_due_completed",
            "h_rate",
            "h_on_time",
            "h_completed_late",
            "h_overdue",
            "h_in_progress",
            "h_no_deadline",
        ]
        widths = [42, 14, 14, 16, 16, 15, 15, 16, 16, 16]
        with_cancelled = bool(p["cancelled"])  # a column of its own, only when there are any
        if with_cancelled:
            keys.append("h_cancelled")
            widths = [30, *widths[1:], 12]
        headers = [tr(k, lang) for k in keys]
        rows = []
        for src, sp in data.source_parts.items():
            rows.append([src, *_source_cells(sp, lang, with_cancelled)])
        if len(data.source_parts) > 1:
            rows.append([tr("all_sources_row", lang), *_source_cells(p, lang, with_cancelled)])
        _table(pdf, headers, rows, widths, ["L"] + ["R"] * (len(keys) - 1))
        if lang == "vi":
            _para(pdf, tr("abbrev_note", lang), size=6.5, color=GREY, h=3)
        _subheading(pdf, tr("chart_status", lang), keep=45)
        bars = []
        for src, sp in data.source_parts.items():
            bars.append((src, [(s, sp[s]) for s in STATUS_ORDER]))
        if len(bars) > 1:
            bars.append((tr("all_sources_row", lang), [(s, p[s]) for s in STATUS_ORDER]))
        _hbars(pdf, bars, lang)
        _legend(pdf, [s for s in STATUS_ORDER if p[s]] or list(STATUS_ORDER), lang)

    # changes
    _heading(pdf, tr("sec_changes", lang), keep=90 if data.changes is not None else 25)
    _changes_section(pdf, data, lang)

    # late by ministry / province
    names = exports.agency_names(data.agencies, lang)
    groups = _agency_groups(data.by_agency)
    for sec, _sheet, rows in groups[:2]:
        bars = int((rows["late"] > 0).head(AGENCY_TOP).sum()) if len(rows) else 0
        _heading(pdf, tr(sec, lang), keep=min(30 + bars * 7.2, 140))
        _agency_block(pdf, rows, lang)
    if len(groups[2][2]):
        _subheading(pdf, tr("other_agencies", lang))
        _agency_table(pdf, groups[2][2], lang)

    # months
    _heading(pdf, tr("sec_months", lang), keep=90)
    if len(data.by_month):
        _para(pdf, tr("chart_months", lang), size=8.5, bold=True, h=4.5)
        _month_chart(pdf, data.by_month, data.as_of, lang)
        headers = [
            tr(k, lang)
            for k in ("h_month", "h_due", "h_month_completed", "h_remaining", "h_month_overdue")
        ]
        rows = [
            [
                fmt_month(r.month, lang),
                _n(r.due, lang),
                _n(r.completed, lang),
                _n(r.remaining, lang),
                _n(r.overdue, lang),
            ]
            for r in data.by_month.itertuples()
        ]
        _table(pdf, headers, rows, [30, 20, 22, 20, 22], ["L", "R", "R", "R", "R"], size=7.5)
        _para(pdf, tr("months_note", lang, date=date), size=6.5, color=GREY, h=3)
    else:
        _para(pdf, tr("no_months", lang))

    # overdue list
    _heading(pdf, tr("sec_overdue", lang))
    if len(data.overdue):
        _para(pdf, tr("overdue_count", lang, n=fmt_int(len(data.overdue), lang)), size=8.5, h=4.5)
        _task_table(pdf, data.overdue, names, lang, days=True)
    else:
        _para(pdf, tr("no_overdue", lang))

    # cancelled tasks, apart (in none of the figures above)
    if len(data.cancelled):
        _heading(pdf, tr("sec_cancelled", lang))
        _para(
            pdf, tr("cancelled_count", lang, n=fmt_int(len(data.cancelled), lang)), size=8.5, h=4.5
        )
        _task_table(pdf, data.cancelled, names, lang, days=False)

    out = bytes(pdf.output())
    return out, pdf.pages_count


def _source_cells(sp: dict, lang: str, with_cancelled: bool = False) -> list[str]:
    cells = [
        _n(sp["total"], lang),
        _n(sp["due"], lang),
        _n(sp["due_completed"], lang),
        fmt_pct(sp["due_completion_rate"], lang),
        _n(sp["completed_on_time"], lang),
        _n(sp["completed_late"], lang),
        _n(sp["overdue"], lang),
        _n(sp["in_progress"], lang),
        _n(sp["no_deadline"], lang),
    ]
    return [*cells, _n(sp["cancelled"], lang)] if with_cancelled else cells


def _changes_section(pdf: FPDF, data: BriefingData, lang: str) -> None:
    date = fmt_date(data.as_of, lang)
    if data.previous_as_of is None or data.changes is None:
        _para(pdf, tr("no_previous", lang, date=date))
        return
    _para(
        pdf,
        tr(
            "previous",
            lang,
            prev=fmt_date(data.previous_as_of, lang),
            items=snapshots_text(data.previous_snapshots, lang),
            date=date,
        ),
        size=8.5,
        h=4.4,
    )
    pdf.ln(1)
    before, after = data.previous_parts or {}, data.parts
    headers = [
        tr("change_what", lang),
        tr("change_before", lang),
        tr("change_after", lang),
        tr("change_delta", lang),
    ]
    rows = []
    keys = ["total", "due", "completed", "overdue", "in_progress"]
    if before.get("cancelled") or after["cancelled"]:
        keys.append("cancelled")
    for key in keys:
        b, a = int(before.get(key, 0)), int(after[key])
        rows.append(
            [
                t(key, lang) if key != "due" else tr("k_due", lang),
                _n(b, lang),
                _n(a, lang),
                _delta(a - b, lang),
            ]
        )
    rows.append([tr("k_y", lang), fmt_pct(before.get("y"), lang), fmt_pct(after["y"], lang), ""])
    counts = data.changes.counts()
    for key in ("new", "removed", "newly_completed", "newly_overdue", "deadline_moved"):
        rows.append([tr(f"change_{key}", lang), "", "", _n(counts[key], lang)])
    _table(pdf, headers, rows, [80, 30, 30, 40], ["L", "R", "R", "R"], size=8)
    newly = data.changes.newly_overdue
    if len(newly):
        _para(pdf, tr("newly_overdue_list", lang), size=8.5, bold=True, h=4.5)
        newly = newly.sort_values(
            ["days_overdue", "source", "task_id"], ascending=[False, True, True]
        )
        _task_table(pdf, newly, exports.agency_names(data.agencies, lang), lang, days=True)


def _delta(v: int, lang: str) -> str:
    return ("+" if v > 0 else "") + fmt_int(v, lang) if v else "0"


def _agency_rows(rows: pd.DataFrame, lang: str) -> list[list[str]]:
    return [
        [
            str(i),
            _agency_name(r, lang),
            _n(r["total"], lang),
            _n(r["due"], lang),
            _n(r["due_completed"], lang),
            _n(r["completed_late"], lang),
            _n(r["overdue"], lang),
            _n(r["late"], lang),
            fmt_pct(
                None if pd.isna(r["due_completion_rate"]) else float(r["due_completion_rate"]), lang
            ),
        ]
        for i, (_, r) in enumerate(rows.iterrows(), start=1)
    ]


def _agency_table(pdf: FPDF, rows: pd.DataFrame, lang: str) -> None:
    headers = [
        tr(k, lang)
        for k in (
            "h_no",
            "h_agency",
            "h_total",
            "h_due",
            "h_due_completed",
            "h_completed_late",
            "h_overdue",
            "h_late",
            "h_rate",
        )
    ]
    _table(
        pdf,
        headers,
        _agency_rows(rows, lang),
        [8, 56, 15, 15, 17, 17, 17, 17, 18],
        ["R", "L", "R", "R", "R", "R", "R", "R", "R"],
    )


AGENCY_TOP = 12


def _agency_block(pdf: FPDF, rows: pd.DataFrame, lang: str, top: int = AGENCY_TOP) -> None:
    if rows.empty:
        _para(pdf, tr("no_agencies", lang))
        return
    late = rows[rows["late"] > 0].head(top)
    if len(late):
        _para(pdf, tr("chart_late", lang, n=len(late)), size=8.5, bold=True, h=4.5)
        bars = [
            (
                _agency_name(r, lang),
                [("overdue", int(r["overdue"])), ("completed_late", int(r["completed_late"]))],
            )
            for _, r in late.iterrows()
        ]
        _hbars(pdf, bars, lang, label_w=62)
        _legend(pdf, ["overdue", "completed_late"], lang)
    else:
        _para(pdf, tr("no_late", lang))
    _agency_table(pdf, rows, lang)


def _task_table(
    pdf: FPDF, tasks: pd.DataFrame, names: dict[str, str], lang: str, days: bool
) -> None:
    headers = [
        tr(k, lang) for k in ("h_no", "h_task_id", "h_title", "h_lead", "h_deadline", "h_days")
    ]
    rows = [
        [
            str(i),
            r.task_id,
            r.title,
            _lead_names(r.lead_ids, names),
            fmt_date(r.deadline, lang),
            _n(r.days_overdue, lang) if days else "",
        ]
        for i, r in enumerate(tasks.itertuples(), start=1)
    ]
    _table(pdf, headers, rows, [8, 19, 83, 37, 17, 16], ["R", "L", "L", "L", "C", "R"], size=7)


def briefing_pdf(data: BriefingData, lang: str | None = None) -> bytes:
    """The briefing as an A4 PDF (DejaVu Sans embedded, so Vietnamese renders everywhere)."""
    return render_pdf(data, lang)[0]


# --------------------------------------------------------------------------- Excel

PCT_FORMAT = "0.0%"
WRAP = Alignment(wrap_text=True, vertical="top")


def _sheet_name(key: str, lang: str) -> str:
    name = tr(key, lang)
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]


def _write(
    wb: Workbook,
    key: str,
    frame: pd.DataFrame,
    lang: str,
    title: str,
    pct_columns=(),
    pct_rows=(),
    wide_values: bool = False,
):
    """exports.write_sheet plus percentage formats for rate cells (and, for the summary, a
    wide wrapped value column)."""
    ws = wb.create_sheet(_sheet_name(key, lang))
    exports.write_sheet(ws, frame, lang, title)
    start = 3 if title else 1
    if wide_values:
        ws.column_dimensions["B"].width = 90
        for r in range(len(frame)):
            ws.cell(row=start + 1 + r, column=2).alignment = WRAP
    cols = [i for i, c in enumerate(frame.columns, start=1) if c in pct_columns]
    for r in range(len(frame)):
        for c in cols:
            ws.cell(row=start + 1 + r, column=c).number_format = PCT_FORMAT
    for r in pct_rows:
        ws.cell(row=start + 1 + r, column=2).number_format = PCT_FORMAT
    return ws


def _summary_frame(
    data: BriefingData, parts: dict, lang: str, agency: str | None = None
) -> tuple[pd.DataFrame, list[int]]:
    rows: list[tuple[str, object]] = [(tr("k_report", lang), tr("title_short", lang))]
    if agency:
        rows.append((tr("k_agency", lang), agency))
    rows += [
        (tr("k_as_of", lang), data.as_of),
        (tr("k_snapshots", lang), snapshots_text(data.snapshots, lang)),
        (tr("k_scope", lang), scope_text(data, lang)),
        (tr("k_previous", lang), data.previous_as_of if data.previous_as_of else tr("none", lang)),
        (tr("k_sentence", lang), headline_sentence(parts, lang)),
        (t("total", lang), parts["total"]),
        (t("cancelled_apart", lang), parts["cancelled"]),
        (tr("k_due", lang), parts["due"]),
        (tr("k_x", lang), parts["x"]),
        (tr("k_y", lang), parts["y"]),
        (tr("k_a", lang), parts["a"]),
        (tr("k_b", lang), parts["b"]),
    ]
    if parts["u"]:
        rows.append((tr("k_u", lang), parts["u"]))
    rows += [
        (tr("k_c", lang), parts["c"]),
        (tr("k_d", lang), parts["d"]),
        (tr("k_e", lang), parts["e"]),
        (t("completed", lang), parts["completed"]),
        (t("completed_on_time", lang), parts["completed_on_time"]),
        (t("completed_late", lang), parts["completed_late"]),
        (t("completed_timing_unknown", lang), parts["completed_timing_unknown"]),
        (t("overdue", lang), parts["overdue"]),
        (t("in_progress", lang), parts["in_progress"]),
        (t("no_deadline", lang), parts["no_deadline"]),
        (t("late", lang), parts["late"]),
    ]
    if data.changes is not None and agency is None:
        for key, value in data.changes.counts().items():
            rows.append((f"{tr('sheet_changes', lang)}: {tr('change_' + key, lang)}", value))
    rows += [
        (t("held_back_title", lang), line)
        for line in metrics.held_back_notices(data.held_back, lang)
    ]
    rows += [
        (tr("k_notes", lang), footnote(parts, data.as_of, lang)),
        (
            tr("k_generated", lang),
            data.generated_at.strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M"),
        ),
    ]
    if data.audit_head is not None:  # the audit log's head when the figures were read
        rows.append((tr("k_audit", lang), audit_head_text(data, lang)))
    frame = pd.DataFrame(
        {tr("k_item", lang): [r[0] for r in rows], tr("k_value", lang): [r[1] for r in rows]}
    )
    pct = [i for i, r in enumerate(rows) if r[0] == tr("k_y", lang)]
    return frame, pct


def _source_frame(data: BriefingData, lang: str) -> pd.DataFrame:
    recs = []
    for src, sp in data.source_parts.items():
        recs.append(_source_record(src, sp, lang))
    if len(data.source_parts) > 1:
        recs.append(_source_record(tr("all_sources_row", lang), data.parts, lang))
    cols = [tr("h_source", lang)] + [k for k, _ in _source_record("", _zero_parts(), lang).items()][
        1:
    ]
    return pd.DataFrame(recs, columns=cols)


def _zero_parts() -> dict:
    keys = (*metrics.COUNT_KEYS, "due", "due_completed", "late", "a", "b", "u", "c", "d", "e", "x")
    return {**dict.fromkeys(keys, 0), "due_completion_rate": None, "y": None}


def _source_record(src: str, sp: dict, lang: str) -> dict:
    return {
        tr("h_source", lang): src,
        t("total", lang): sp["total"],
        tr("k_due", lang): sp["due"],
        tr("k_x", lang): sp["due_completed"],
        t("col_rate", lang): sp["due_completion_rate"],
        t("completed", lang): sp["completed"],
        t("completed_on_time", lang): sp["completed_on_time"],
        t("completed_late", lang): sp["completed_late"],
        t("completed_timing_unknown", lang): sp["completed_timing_unknown"],
        t("overdue", lang): sp["overdue"],
        t("in_progress", lang): sp["in_progress"],
        t("no_deadline", lang): sp["no_deadline"],
        t("late", lang): sp["late"],
        t("cancelled_apart", lang): sp["cancelled"],
    }


def _agency_frame(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            tr("c_agency_id", lang): rows["agency_id"].astype(str),
            t("col_agency", lang): [_agency_name(r, lang) for _, r in rows.iterrows()],
            t("col_agency_type", lang): rows["agency_type"].map(lambda k: t(k, lang)),
            t("total", lang): rows["total"],
            tr("k_due", lang): rows["due"],
            tr("k_x", lang): rows["due_completed"],
            t("col_rate", lang): rows["due_completion_rate"],
            t("completed", lang): rows["completed"],
            t("completed_on_time", lang): rows["completed_on_time"],
            t("completed_late", lang): rows["completed_late"],
            t("overdue", lang): rows["overdue"],
            t("in_progress", lang): rows["in_progress"],
            t("no_deadline", lang): rows["no_deadline"],
            t("late", lang): rows["late"],
            t("cancelled_apart", lang): rows["cancelled"],
        }
    )
    return out.reset_index(drop=True)


def _month_frame(months: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("col_month", lang): [fmt_month(m, lang) for m in months["month"]],
            tr("h_due", lang): months["due"].astype("int64"),
            tr("h_month_completed", lang): months["completed"].astype("int64"),
            tr("h_remaining", lang): months["remaining"].astype("int64"),
            tr("h_month_overdue", lang): months["overdue"].astype("int64"),
        }
    )


CANCELLED_COLUMNS = [
    "task_id",
    "source",
    "title",
    "lead",
    "deadline",
    "deadline_text",
    "status_text",
    "source_doc",
    "leader",
    "support",
    "origin_file",
    "origin_row",
]
OVERDUE_COLUMNS = [
    "task_id",
    "source",
    "title",
    "lead",
    "deadline",
    "deadline_text",
    "days_overdue",
    "status_text",
    "source_doc",
    "leader",
    "agency_comment",
    "support",
    "causes",
    "proposals",
    "origin_file",
    "origin_row",
]


def _changes_frame(
    changes: Changes | None, agencies: pd.DataFrame, lang: str, with_leads: bool = False
):
    """One row per change (a task can appear under several kinds); with its lead sets if asked."""
    names = exports.agency_names(agencies, lang)
    cols = [
        tr("c_change", lang),
        t("col_task_id", lang),
        t("col_source", lang),
        t("col_title", lang),
        t("col_lead", lang),
        tr("c_status_before", lang),
        tr("c_status_after", lang),
        tr("c_deadline_before", lang),
        tr("c_deadline_after", lang),
    ]
    recs: list[list] = []
    leads: list[frozenset] = []
    for key in (
        "new",
        "removed",
        "newly_completed",
        "newly_overdue",
        "deadline_moved",
        "status_changed",
    ):
        frame: pd.DataFrame = getattr(changes, key) if changes is not None else pd.DataFrame()
        for r in frame.to_dict("records"):
            ids = r.get("lead_ids")
            before = r.get("status_before") if key == "status_changed" else None
            after = r.get("status_after") if key == "status_changed" else r.get("status")
            recs.append(
                [
                    tr(f"change_{key}", lang),
                    r.get("task_id"),
                    r.get("source"),
                    r.get("title"),
                    _lead_names(ids, names),
                    t(before, lang) if isinstance(before, str) else None,
                    t(after, lang) if isinstance(after, str) else None,
                    _date_or_none(r.get("deadline_before")),
                    _date_or_none(r.get("deadline_after", r.get("deadline"))),
                ]
            )
            leads.append(frozenset(ids) if ids is not None else frozenset())
    frame = pd.DataFrame(recs, columns=cols)
    return (frame, leads) if with_leads else frame


def _date_or_none(value):
    if value is None or value is pd.NaT:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    return pd.Timestamp(value).date()


def _workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def briefing_xlsx(data: BriefingData, lang: str | None = None) -> bytes:
    """The briefing as an Excel workbook: one sheet per section, every task listed.

    Styled header row, frozen header, autofilter, real date cells, widths, no formulas
    (exports.write_sheet); rates are numbers formatted as percentages.
    """
    lang = _check_lang(lang or data.lang)
    date = fmt_date(data.as_of, lang)
    suffix = f" – {tr('cutoff', lang, date=date)}"
    wb = Workbook()
    wb.remove(wb.active)
    frame, pct = _summary_frame(data, data.parts, lang)
    _write(wb, "sheet_summary", frame, lang, tr("title", lang), pct_rows=pct, wide_values=True)
    rate = t("col_rate", lang)
    _write(
        wb,
        "sheet_sources",
        _source_frame(data, lang),
        lang,
        tr("by_source_title", lang) + suffix,
        pct_columns=(rate,),
    )
    for sec, sheet, rows in _agency_groups(data.by_agency):
        if sheet == "sheet_other" and rows.empty:
            continue
        _write(
            wb, sheet, _agency_frame(rows, lang), lang, tr(sec, lang) + suffix, pct_columns=(rate,)
        )
    _write(
        wb, "sheet_months", _month_frame(data.by_month, lang), lang, tr("sec_months", lang) + suffix
    )
    overdue = exports.present_tasks(data.overdue, data.agencies, lang, OVERDUE_COLUMNS)
    _write(wb, "sheet_overdue", overdue, lang, tr("sec_overdue", lang) + suffix)
    if len(data.cancelled):
        cancelled = exports.present_tasks(data.cancelled, data.agencies, lang, CANCELLED_COLUMNS)
        _write(wb, "sheet_cancelled", cancelled, lang, tr("sec_cancelled", lang) + suffix)
    title = tr("sec_changes", lang)
    if data.previous_as_of:
        title += f" ({fmt_date(data.previous_as_of, lang)} → {date})"
    _write(wb, "sheet_changes", _changes_frame(data.changes, data.agencies, lang), lang, title)
    tasks = exports.present_tasks(data.tasks, data.agencies, lang)
    _write(wb, "sheet_tasks", tasks, lang, tr("sheet_tasks", lang) + suffix)
    return _workbook_bytes(wb)


# --------------------------------------------------------------------------- per agency


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


def agency_tasks(data: BriefingData, agency_id: str) -> pd.DataFrame:
    """The tasks in view that `agency_id` leads (alone or with others)."""
    return data.tasks[_mask(_leads(data.tasks), agency_id)]


def agency_file_name(data: BriefingData, agency_id: str, lang: str) -> str:
    row = data.agencies.loc[data.agencies["agency_id"] == agency_id]
    name = row.iloc[0]["name_vi"] if len(row) else agency_id
    return f"{slug(agency_id)}_{slug(name)}_{data.as_of.isoformat()}.xlsx"


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
        self.changes, self.change_leads = _changes_frame(
            data.changes, data.agencies, lang, with_leads=True
        )
        self.names = exports.agency_names(data.agencies, lang)


def agency_xlsx(
    data: BriefingData, agency_id: str, lang: str | None = None, kit: _AgencyKit | None = None
) -> bytes:
    """One agency's workbook: its figures, its tasks, its overdue tasks, its months, its changes."""
    lang = _check_lang(lang or data.lang)
    kit = kit if kit is not None and kit.lang == lang else _AgencyKit(data, lang)
    date = fmt_date(data.as_of, lang)
    name = kit.names.get(agency_id, agency_id)
    suffix = f" – {name} – {tr('cutoff', lang, date=date)}"
    mask = _mask(kit.leads, agency_id)
    df = data.tasks[mask]
    parts = headline_parts(df, data.as_of)
    wb = Workbook()
    wb.remove(wb.active)
    frame, pct = _summary_frame(data, parts, lang, agency=name)
    _write(
        wb,
        "sheet_summary",
        frame,
        lang,
        f"{tr('title', lang)} – {name}",
        pct_rows=pct,
        wide_values=True,
    )
    _write(wb, "sheet_tasks", kit.tasks[mask], lang, tr("sheet_tasks", lang) + suffix)
    _write(
        wb,
        "sheet_overdue",
        kit.overdue[_mask(kit.overdue_leads, agency_id)],
        lang,
        tr("sec_overdue", lang) + suffix,
    )
    if kit.cancelled is not None:
        cancelled = kit.cancelled[_mask(kit.cancelled_leads, agency_id)]
        if len(cancelled):
            _write(wb, "sheet_cancelled", cancelled, lang, tr("sec_cancelled", lang) + suffix)
    _write(
        wb,
        "sheet_months",
        _month_frame(metrics.by_month(df), lang),
        lang,
        tr("sec_months", lang) + suffix,
    )
    _write(
        wb,
        "sheet_changes",
        kit.changes[_mask(kit.change_leads, agency_id)],
        lang,
        tr("sec_changes", lang) + suffix,
    )
    return _workbook_bytes(wb)


def agency_files(data: BriefingData, lang: str | None = None) -> dict[str, bytes]:
    """File name → workbook, one per agency in view and in scope."""
    lang = _check_lang(lang or data.lang)
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


def file_name(kind: str, as_of: dt.date, lang: str, agency: str | None = None) -> str:
    base = tr("file_agencies" if kind == "zip" else "file_briefing", lang)
    middle = f"-{slug(agency)}" if agency else ""
    return f"{base}{middle}-{as_of.isoformat()}.{kind}"


# --------------------------------------------------------------------------- command line


def _date_arg(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD or dd/mm/yyyy): {text!r}")


def _print(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")


def _fail(message: str, code: int, **extra) -> int:
    _print(
        {
            "errors": [{"row": None, "column": None, "value": None, "message": message, **extra}],
            "warnings": [],
        }
    )
    return code


def _fold(text: str) -> str:
    return slug(str(text)).lower()


def resolve_agency(db, name: str) -> str | None:
    """An agency id from an id or a name (Vietnamese or English, with or without diacritics)."""
    agencies = store.list_agencies(db)
    key = _fold(name)
    for col in ("agency_id", "name_vi", "name_en"):
        hit = agencies.loc[agencies[col].fillna("").map(_fold) == key, "agency_id"]
        if len(hit):
            return str(hit.iloc[0])
    from analytics.agencies import default_resolver

    resolver = default_resolver()
    agency = resolver.get(name) or resolver.resolve(name)
    return agency.id if agency is not None else None


def cmd_report(args) -> int:
    db = args.db
    lang = args.lang
    as_of = args.as_of or store.latest_as_of(db)
    if as_of is None:
        return _fail(
            "The database holds no snapshot: nothing to report.",
            2,
            message_vi="Cơ sở dữ liệu chưa có bản dữ liệu nào: không có gì để báo cáo.",
        )
    known_sources = set(store.sources(db))
    unknown = [s for s in args.source or () if s not in known_sources]
    if unknown:
        return _fail(
            f"Unknown source: {unknown[0]}",
            2,
            message_vi=f"Không có nguồn nhiệm vụ: {unknown[0]}",
            choices=sorted(known_sources),
        )
    agency_ids = []
    for name in args.agency or ():
        agency_id = resolve_agency(db, name)
        if agency_id is None:
            return _fail(f"Unknown agency: {name}", 2, message_vi=f"Không có cơ quan: {name}")
        agency_ids.append(agency_id)
    types: tuple[str, ...] = ()
    if args.agency_type == "central":
        types = CENTRAL_TYPES
    elif args.agency_type == "province":
        types = ("province",)
    filters = Filters(
        sources=tuple(sorted(args.source or ())),
        agency_ids=tuple(agency_ids),
        agency_types=types,
        difficult_only=bool(args.difficult_only),
        source_docs=tuple(args.source_doc or ()),
    )
    if not store.snapshots_in_force(db, as_of, filters.sources):
        return _fail(
            f"No snapshot on or before {as_of.isoformat()}: nothing to report.",
            2,
            message_vi=f"Không có bản dữ liệu nào đến ngày {as_of.strftime('%d/%m/%Y')}: không "
            "có gì để báo cáo.",
        )
    data = build_briefing(db, as_of, filters, Scope.everything(), lang)
    doc: dict = {}
    if args.format == "pdf":
        payload, pages = render_pdf(data, lang)
        doc["pages"] = pages
    elif args.format == "xlsx":
        payload = briefing_xlsx(data, lang)
    else:
        payload = zip_agency_files(data, lang)
        doc["files"] = len(agency_ids_in(data))
    out = Path(args.out)
    if out.is_dir() or args.out.endswith(("/", os.sep)):  # a folder: the file gets its usual name
        out = out / file_name(
            args.format, as_of, lang, agency_ids[0] if len(agency_ids) == 1 else None
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_bytes(payload)
    os.replace(tmp, out)  # a reader never sees half a file
    _print(
        {
            "out": str(out),
            "format": args.format,
            **doc,
            "bytes": len(payload),
            "as_of": as_of.isoformat(),
            "lang": lang,
            "snapshots": list(data.snapshot_ids),
            "headline": headline_sentence(data.parts, lang),
            # the audit log's head, so that the daily log (cron) anchors it too
            "audit_head": (
                {"seq": data.audit_head[0], "hash": data.audit_head[1]} if data.audit_head else None
            ),
        }
    )
    return 0


def register_cli(subparsers) -> None:
    """Add `report` to the command line (analytics/cli.py calls this)."""
    p = subparsers.add_parser(
        "report",
        help="write the briefing (PDF or Excel) or the per-agency Excel files (zip) as of a date",
        description="Write the briefing report as of a date: --format pdf (A4), xlsx (workbook) "
        "or zip (one Excel file per lead agency). JSON on stdout; exit 2 on bad input.",
    )
    p.add_argument(
        "--db", default=None, help="database file (default: $TASKS_DB or data/tasks.duckdb)"
    )
    p.add_argument(
        "--as-of",
        type=_date_arg,
        default=None,
        help="YYYY-MM-DD or dd/mm/yyyy (default: the latest snapshot's date)",
    )
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument(
        "--out", required=True, help="output file, or a folder (existing, or ending with /)"
    )
    p.add_argument(
        "--agency",
        action="append",
        default=None,
        help="only tasks led by this agency (id or name); repeatable",
    )
    p.add_argument(
        "--source", action="append", default=None, help="only this task source; repeatable"
    )
    p.add_argument("--agency-type", choices=("all", "central", "province"), default="all")
    p.add_argument("--difficult-only", action="store_true")
    p.add_argument(
        "--source-doc",
        action="append",
        default=None,
        help="only the tasks of this assigning document (as written in the files); repeatable",
    )
    p.add_argument("--lang", choices=LANGS, default="vi", help="vi (default) or en")
    p.set_defaults(func=cmd_report)
