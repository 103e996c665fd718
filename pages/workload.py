"""Khối lượng theo tháng / Monthly workload: how many tasks must be completed each month of a
year, how many are done, the backlog carried forward, the pace needed to finish the year, and
which agencies carry the remaining tasks."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import exports, workload
from analytics.i18n import fmt_date, fmt_int, fmt_month, t
from analytics.store import Filters, Scope
from ui import cache, charts_time, components, data, state

view = state.current_view()

TOP_AGENCIES = 15
MONTH_TASK_COLUMNS = [
    "task_id",
    "source",
    "title",
    "lead",
    "status_label",
    "deadline",
    "days_overdue",
    "support",
]

S: dict[str, tuple[str, str]] = {
    "year": ("Năm", "Year"),
    "intro": (
        "Số nhiệm vụ phải hoàn thành trong từng tháng (theo thời hạn), số đã hoàn thành và còn "
        "lại, tính đến {date}.",
        "Tasks that must be completed in each month (by deadline), how many are done and how many "
        "remain, as of {date}.",
    ),
    "m_due": ("Đến hạn trong năm {year}", "Due in {year}"),
    "m_done": ("Đã hoàn thành", "Completed"),
    "m_open": ("Còn phải hoàn thành", "Still to complete"),
    "m_overdue": ("Trong đó quá hạn", "Of which overdue"),
    "m_pace": ("Cần hoàn thành mỗi tháng", "Needed per month"),
    "m_pace_help": (
        "{open} nhiệm vụ còn lại của năm {year} chia cho {months} tháng còn lại (kể cả tháng hiện "
        "tại, {first} – {last}).",
        "{open} open tasks due in {year} divided by the {months} months left (the current month "
        "included, {first} – {last}).",
    ),
    "m_pace_none": ("Năm đã kết thúc", "The year is over"),
    "m_cancelled": (
        "Không tính {n} nhiệm vụ đã hủy có thời hạn trong năm {year} (tính riêng).",
        "Not counted: {n} cancelled tasks due in {year} (counted apart).",
    ),
    "m_achieved": ("Đã đạt bình quân mỗi tháng", "Achieved per month so far"),
    "m_achieved_help": (
        "Số nhiệm vụ của năm {year} đã hoàn thành, chia cho số tháng đã qua (theo ngày hoàn thành).",
        "Tasks due in {year} completed so far, divided by the months elapsed (by completion date).",
    ),
    "pace_sentence": (
        "Để hoàn thành {open} nhiệm vụ còn lại của năm {year} cần bình quân {pace} nhiệm vụ mỗi "
        "tháng trong {months} tháng còn lại; bình quân đã đạt {achieved} nhiệm vụ/tháng.",
        "Finishing the {open} open tasks due in {year} needs {pace} tasks a month over the {months} "
        "months left; so far {achieved} a month have been completed.",
    ),
    "chart_months": ("Nhiệm vụ theo tháng đến hạn", "Tasks by month due"),
    "chart_months_note": (
        "Mỗi cột là số nhiệm vụ đến hạn trong tháng, chia theo tình trạng tại ngày số liệu. "
        "Đường chấm: nhiệm vụ chưa hoàn thành có thời hạn trước tháng đó (tồn đọng chuyển sang); "
        "sau tháng của ngày số liệu, nét mờ: số sẽ chuyển sang nếu không hoàn thành thêm.",
        "Each bar is the tasks due in the month, split by their status on the as-of date. "
        "Dotted line: open tasks whose deadline is before that month (the backlog carried in); "
        "after the as-of month, fainter: what would be carried if nothing more were completed.",
    ),
    "table_months": ("Bảng số liệu theo tháng", "Monthly figures"),
    "chart_trajectory": ("Lũy kế kế hoạch và thực hiện", "Planned and actual, cumulative"),
    "chart_trajectory_note": (
        "Kế hoạch: số nhiệm vụ của năm đến hạn lũy kế đến cuối mỗi tháng. Thực tế: số nhiệm vụ đó "
        "đã hoàn thành lũy kế theo ngày hoàn thành (đến tháng của ngày số liệu).",
        "Planned: the year's tasks due by the end of each month, cumulative. Actual: those of them "
        "completed by the end of each month, by completion date (up to the as-of month).",
    ),
    "agencies": ("Cơ quan chủ trì các nhiệm vụ còn lại", "Agencies leading the remaining tasks"),
    "agencies_note": (
        "Số nhiệm vụ chưa hoàn thành theo cơ quan chủ trì và tháng đến hạn; nhiệm vụ có nhiều cơ "
        "quan chủ trì được tính cho mỗi cơ quan. Đang hiện {shown}/{total} cơ quan.",
        "Open tasks by lead agency and month due; a task with several lead agencies counts for "
        "each. Showing {shown} of {total} agencies.",
    ),
    "all_agencies": ("Hiện tất cả cơ quan", "Show all agencies"),
    "month_tasks": ("Nhiệm vụ phải hoàn thành trong tháng", "Tasks to complete in a month"),
    "pick_month": ("Tháng", "Month"),
    "month_tasks_note": (
        "{n} nhiệm vụ chưa hoàn thành có thời hạn trong {month}.",
        "{n} open tasks due in {month}.",
    ),
    "none_in_year": (
        "Không có nhiệm vụ nào có thời hạn trong năm {year}.",
        "No task has a deadline in {year}.",
    ),
    "col_month": ("Tháng", "Month"),
    "col_due": ("Đến hạn", "Due"),
    "col_completed": ("Đã hoàn thành", "Completed"),
    "col_remaining": ("Còn lại", "Remaining"),
    "col_backlog": ("Tồn đọng chuyển sang", "Backlog carried in"),
    "col_planned_cum": ("Kế hoạch lũy kế", "Planned, cumulative"),
    "col_completed_in_month": ("Hoàn thành trong tháng", "Completed in the month"),
    "col_actual_cum": ("Thực tế lũy kế", "Actual, cumulative"),
    "col_agency": ("Cơ quan chủ trì", "Lead agency"),
    "col_total": ("Tổng", "Total"),
}


def s(view: state.View, key: str, **fmt) -> str:
    text = S[key][0 if view.lang == "vi" else 1]
    return text.format(**fmt) if fmt else text


def _num(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "vi" else text


@cache.resource(ttl=3600)
def _figures(
    path: str, snap_ids: tuple, as_of: dt.date, filters: Filters, scope: Scope, year: int
) -> dict:
    """Everything the page computes for one view and year (shared, read-only)."""
    df = data.tasks(as_of, filters, scope)
    return {
        "years": workload.years(df, as_of),
        "monthly": workload.monthly(df, year, as_of),
        "pace": workload.pace(df, year, as_of),
        "agency_vi": workload.agency_month(df, data.agencies(), year, "vi", scope.agency_ids, None),
        "agency_en": workload.agency_month(df, data.agencies(), year, "en", scope.agency_ids, None),
    }


@cache.resource(ttl=3600)
def _month_tasks(
    path: str,
    snap_ids: tuple,
    as_of: dt.date,
    filters: Filters,
    scope: Scope,
    month: str,
    lang: str,
) -> tuple[int, pd.DataFrame]:
    """The open tasks due in `month`, as shown (shared, read-only)."""
    due = workload.due_in_month(data.tasks(as_of, filters, scope), month)
    if due.empty:
        return 0, due
    return len(due), exports.present_tasks(due, data.agencies(), lang, columns=MONTH_TASK_COLUMNS)


def figures(view: state.View, year: int) -> dict:
    ids = data.snapshot_ids(view.as_of, view.filters.sources)
    return _figures(data.db(), ids, view.as_of, view.filters, view.scope, year)


def month_table(view: state.View, table: pd.DataFrame) -> pd.DataFrame:
    """The monthly figures with headers and month names in the chosen language."""
    lg = view.lang
    out = pd.DataFrame({s(view, "col_month"): [fmt_month(m, lg) for m in table["month"]]})
    for col in ("due", "completed", "remaining"):
        out[s(view, f"col_{col}")] = table[col].astype("int64")
    for col in workload.STATUS_COLUMNS:
        if col == "completed_timing_unknown" and not table[col].any():
            continue
        out[t(col, lg)] = table[col].astype("int64")
    out[s(view, "col_backlog")] = table["backlog"].astype("int64")
    out[s(view, "col_planned_cum")] = table["planned_cum"].astype("int64")
    out[s(view, "col_completed_in_month")] = table["completed_in_month"].astype("int64")
    out[s(view, "col_actual_cum")] = table["actual_cum"].astype("Int64")
    return out


def agency_table(view: state.View, wide: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    out = pd.DataFrame({s(view, "col_agency"): wide["agency"]})
    for m in months:
        out[fmt_month(m, view.lang)] = wide[m].astype("int64")
    out[s(view, "col_total")] = wide["total"].astype("int64")
    return out


def year_choice(view: state.View) -> int:
    options = figures(view, view.as_of.year)["years"]
    if st.session_state.get("workload_year") not in options:
        st.session_state["workload_year"] = view.as_of.year
    return st.selectbox(s(view, "year"), options, key="workload_year")


def headline(view: state.View, year: int, fig: dict) -> None:
    p = fig["pace"]
    lg = view.lang
    c = st.columns(6)
    c[0].metric(s(view, "m_due", year=year), fmt_int(p["due"], lg))
    c[1].metric(s(view, "m_done"), fmt_int(p["due"] - p["open"], lg))
    c[2].metric(s(view, "m_open"), fmt_int(p["open"], lg))
    c[3].metric(s(view, "m_overdue"), fmt_int(p["overdue"], lg))
    if p["months_left"]:
        first = view.as_of.month if view.as_of.year == year else 1
        help_text = s(
            view,
            "m_pace_help",
            open=fmt_int(p["open"], lg),
            year=year,
            months=p["months_left"],
            first=fmt_month(f"{year:04d}-{first:02d}", lg),
            last=fmt_month(f"{year:04d}-12", lg),
        )
        c[4].metric(s(view, "m_pace"), _num(p["per_month"], lg), help=help_text)
    else:
        c[4].metric(s(view, "m_pace"), "–", help=s(view, "m_pace_none"))
    c[5].metric(
        s(view, "m_achieved"),
        _num(p["achieved_per_month"], lg),
        help=s(view, "m_achieved_help", year=year),
    )
    if p["cancelled"]:
        st.caption(s(view, "m_cancelled", n=fmt_int(p["cancelled"], lg), year=year))
    if p["months_left"] and p["open"]:
        st.info(
            s(
                view,
                "pace_sentence",
                open=fmt_int(p["open"], lg),
                year=year,
                pace=_num(p["per_month"], lg),
                months=p["months_left"],
                achieved=_num(p["achieved_per_month"], lg),
            )
        )


def months_section(view: state.View, year: int, fig: dict) -> None:
    table = fig["monthly"]
    st.subheader(s(view, "chart_months"))
    st.caption(s(view, "chart_months_note"))
    components.legend(view, workload.STATUS_COLUMNS)
    last = workload.last_reported_month(year, view.as_of)
    st.plotly_chart(
        charts_time.monthly_bars(table, view.lang, last),
        key="workload_chart_months",
        width="stretch",
    )
    st.markdown(f"**{s(view, 'table_months')}**")
    shown = month_table(view, table)
    charts_time.show_table(shown, view.lang, key="workload_month_table", height=35 * 13 + 3)
    name = ("khoi_luong_theo_thang_" if view.lang == "vi" else "monthly_workload_") + str(year)
    components.downloads(view, shown, name, key="workload_dl_months")

    st.subheader(s(view, "chart_trajectory"))
    st.caption(s(view, "chart_trajectory_note"))
    st.plotly_chart(
        charts_time.trajectory(table, view.lang), key="workload_chart_trajectory", width="stretch"
    )


def agencies_section(view: state.View, year: int, fig: dict) -> None:
    months = workload.months_of(year)
    wide = fig["agency_vi" if view.lang == "vi" else "agency_en"]
    st.subheader(s(view, "agencies"))
    show_all = st.toggle(s(view, "all_agencies"), key="workload_all_agencies")
    shown_wide = wide if show_all else wide.head(TOP_AGENCIES)
    st.caption(s(view, "agencies_note", shown=len(shown_wide), total=len(wide)))
    if shown_wide.empty:
        return
    st.plotly_chart(
        charts_time.agency_heatmap(shown_wide, months, view.lang),
        key="workload_chart_agencies",
        width="stretch",
    )
    table = agency_table(view, shown_wide, months)
    charts_time.show_table(table, view.lang, key="workload_agency_table")
    name = ("co_quan_theo_thang_" if view.lang == "vi" else "agencies_by_month_") + str(year)
    components.downloads(view, agency_table(view, wide, months), name, key="workload_dl_agencies")


def month_tasks_section(view: state.View, year: int, fig: dict) -> None:
    months = workload.months_of(year)
    table = fig["monthly"]
    st.subheader(s(view, "month_tasks"))
    default = f"{year:04d}-{view.as_of.month:02d}" if view.as_of.year == year else None
    if default is None:
        with_open = table.loc[table["remaining"] > 0, "month"]
        default = with_open.iloc[0] if len(with_open) else months[0]
    if st.session_state.get("workload_month") not in months:
        st.session_state["workload_month"] = default
    month = st.selectbox(
        s(view, "pick_month"),
        months,
        key="workload_month",
        format_func=lambda m: fmt_month(m, view.lang),
    )
    ids = data.snapshot_ids(view.as_of, view.filters.sources)
    count, shown = _month_tasks(
        data.db(), ids, view.as_of, view.filters, view.scope, month, view.lang
    )
    n, label = fmt_int(count, view.lang), fmt_month(month, view.lang)
    st.caption(s(view, "month_tasks_note", n=n, month=label))
    if not count:
        return
    charts_time.show_table(shown, view.lang, key="workload_tasks_table")
    name = ("nhiem_vu_" if view.lang == "vi" else "tasks_") + month
    components.downloads(view, shown, name, key="workload_dl_tasks")


with components.guard(view.lang):
    components.page_header(view, "page_workload")
    if data.tasks(view.as_of, view.filters, view.scope).empty:
        components.no_data(view)
    else:
        st.caption(s(view, "intro", date=fmt_date(view.as_of, view.lang)))
        year = year_choice(view)
        fig = figures(view, year)
        headline(view, year, fig)
        if fig["pace"]["due"] == 0:
            st.info(s(view, "none_in_year", year=year))
        else:
            months_section(view, year, fig)
            agencies_section(view, year, fig)
            month_tasks_section(view, year, fig)
