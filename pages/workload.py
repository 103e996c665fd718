"""Khối lượng theo tháng / Monthly workload: how many tasks must be completed each month of a
year, how many are done, the backlog carried forward, the pace needed to finish the year, and
which agencies carry the remaining tasks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import exports, workload
from analytics.i18n import fmt_date, fmt_int, fmt_month
from ui import charts_time, components, data, state, streamlit_vi

view = state.current_view()

TOP_AGENCIES = 15


def _num(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "vi" else text


def figures(view: state.View, year: int) -> dict:
    ids = data.snapshot_ids(view.as_of, view.filters.sources)
    return data.workload_figures(data.db(), ids, view.as_of, view.filters, view.scope, year)


def month_table(view: state.View, table: pd.DataFrame) -> pd.DataFrame:
    """The monthly figures with headers and month names in the chosen language."""
    lg = view.lang
    out = pd.DataFrame({view.t("col.month"): [fmt_month(m, lg) for m in table["month"]]})
    for col, key in (
        ("due", "col.due"),
        ("completed", "status.completed"),
        ("remaining", "col.remaining"),
    ):
        out[view.t(key)] = table[col].astype("int64")
    for col in workload.STATUS_COLUMNS:
        if col == "completed_timing_unknown" and not table[col].any():
            continue
        out[view.t(f"status.{col}")] = table[col].astype("int64")
    out[view.t("workload.col_backlog")] = table["backlog"].astype("int64")
    out[view.t("workload.col_planned_cum")] = table["planned_cum"].astype("int64")
    out[view.t("workload.col_completed_in_month")] = table["completed_in_month"].astype("int64")
    out[view.t("workload.col_actual_cum")] = table["actual_cum"].astype("Int64")
    return out


def agency_table(view: state.View, wide: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    out = pd.DataFrame({view.t("col.lead"): wide["agency"]})
    for m in months:
        out[fmt_month(m, view.lang)] = wide[m].astype("int64")
    out[view.t("workload.col_total")] = wide["total"].astype("int64")
    return out


def year_choice(view: state.View) -> int:
    options = figures(view, view.as_of.year)["years"]
    if st.session_state.get("workload_year") not in options:
        st.session_state["workload_year"] = view.as_of.year
    return st.selectbox(
        view.t("workload.year"),
        options,
        key="workload_year",
        placeholder=view.t("viewer16.pick_one"),
    )


def headline(view: state.View, year: int, fig: dict) -> None:
    p = fig["pace"]
    lg = view.lang
    c = st.columns(6)
    c[0].metric(view.t("workload.m_due", year=year), fmt_int(p["due"], lg))
    c[1].metric(view.t("status.completed"), fmt_int(p["due"] - p["open"], lg))
    c[2].metric(view.t("workload.m_open"), fmt_int(p["open"], lg))
    c[3].metric(view.t("col.of_which_overdue"), fmt_int(p["overdue"], lg))
    if p["months_left"]:
        first = view.as_of.month if view.as_of.year == year else 1
        help_text = view.t(
            "workload.m_pace_help",
            open=fmt_int(p["open"], lg),
            year=year,
            months=p["months_left"],
            first=fmt_month(f"{year:04d}-{first:02d}", lg),
            last=fmt_month(f"{year:04d}-12", lg),
        )
        c[4].metric(view.t("workload.m_pace"), _num(p["per_month"], lg), help=help_text)
    else:
        c[4].metric(view.t("workload.m_pace"), "–", help=view.t("workload.m_pace_none"))
    c[5].metric(
        view.t("workload.m_achieved"),
        _num(p["achieved_per_month"], lg),
        help=view.t("workload.m_achieved_help", year=year),
    )
    if p["cancelled"]:
        st.caption(view.t("workload.m_cancelled", n=fmt_int(p["cancelled"], lg), year=year))
    if p["months_left"] and p["open"]:
        st.info(
            view.t(
                "workload.pace_sentence",
                open=fmt_int(p["open"], lg),
                year=year,
                pace=_num(p["per_month"], lg),
                months=p["months_left"],
                achieved=_num(p["achieved_per_month"], lg),
            )
        )


def months_section(view: state.View, year: int, fig: dict) -> None:
    table = fig["monthly"]
    st.subheader(view.t("workload.chart_months"))
    st.caption(view.t("workload.chart_months_note"))
    components.legend(view, workload.STATUS_COLUMNS)
    last = workload.last_reported_month(year, view.as_of)
    st.plotly_chart(
        charts_time.monthly_bars(table, view.lang, last),
        key="workload_chart_months",
        width="stretch",
        config=streamlit_vi.plotly_config(view.lang),
    )
    st.markdown(f"**{view.t('workload.table_months')}**")
    shown = month_table(view, table)
    charts_time.show_table(shown, view.lang, key="workload_month_table", height=35 * 13 + 3)
    name = ("khoi_luong_theo_thang_" if view.lang == "vi" else "monthly_workload_") + str(year)
    components.downloads(view, shown, name, key="workload_dl_months")

    st.subheader(view.t("workload.chart_trajectory"))
    st.caption(view.t("workload.chart_trajectory_note"))
    st.plotly_chart(
        charts_time.trajectory(table, view.lang),
        key="workload_chart_trajectory",
        width="stretch",
        config=streamlit_vi.plotly_config(view.lang),
    )


def agencies_section(view: state.View, year: int, fig: dict) -> None:
    months = workload.months_of(year)
    wide = fig["agency_vi" if view.lang == "vi" else "agency_en"]
    st.subheader(view.t("workload.agencies"))
    # a toggle that shows nothing more, a heat map of one row: neither for one agency (an agency
    # viewer's scope); its months are in the table
    show_all = len(wide) > TOP_AGENCIES and st.toggle(
        view.t("common.show_all_agencies"), key="workload_all_agencies"
    )
    shown_wide = wide if show_all else wide.head(TOP_AGENCIES)
    st.caption(view.t("workload.agencies_note", shown=len(shown_wide), total=len(wide)))
    if shown_wide.empty:
        return
    if len(shown_wide) > 1:
        st.plotly_chart(
            charts_time.agency_heatmap(shown_wide, months, view.lang),
            key="workload_chart_agencies",
            width="stretch",
            config=streamlit_vi.plotly_config(view.lang),
        )
    table = agency_table(view, shown_wide, months)
    charts_time.show_table(table, view.lang, key="workload_agency_table")
    name = ("co_quan_theo_thang_" if view.lang == "vi" else "agencies_by_month_") + str(year)
    components.downloads(view, agency_table(view, wide, months), name, key="workload_dl_agencies")


def month_tasks_section(view: state.View, year: int, fig: dict) -> None:
    months = workload.months_of(year)
    table = fig["monthly"]
    st.subheader(view.t("workload.month_tasks"))
    default = f"{year:04d}-{view.as_of.month:02d}" if view.as_of.year == year else None
    if default is None:
        with_open = table.loc[table["remaining"] > 0, "month"]
        default = with_open.iloc[0] if len(with_open) else months[0]
    if st.session_state.get("workload_month") not in months:
        st.session_state["workload_month"] = default
    month = st.selectbox(
        view.t("col.month"),
        months,
        key="workload_month",
        placeholder=view.t("viewer16.pick_one"),
        format_func=lambda m: fmt_month(m, view.lang),
    )
    ids = data.snapshot_ids(view.as_of, view.filters.sources)
    count, shown = data.month_tasks(
        data.db(), ids, view.as_of, view.filters, view.scope, month, view.lang
    )
    n, label = fmt_int(count, view.lang), fmt_month(month, view.lang)
    st.caption(view.t("workload.month_tasks_note", n=n, month=label))
    if not count:
        return
    on_screen = exports.without_empty_reported(shown, view.lang)  # the file keeps every column
    charts_time.show_table(on_screen, view.lang, key="workload_tasks_table")
    name = ("nhiem_vu_" if view.lang == "vi" else "tasks_") + month
    components.downloads(view, shown, name, key="workload_dl_tasks")


with components.guard(view.lang):
    components.page_header(view, "page.workload")
    if data.tasks(view.as_of, view.filters, view.scope).empty:
        components.no_data(view)
    else:
        st.caption(view.t("workload.intro", date=fmt_date(view.as_of, view.lang)))
        year = year_choice(view)
        fig = figures(view, year)
        headline(view, year, fig)
        components.reconciled(view)  # every task in view, with what agencies reported
        if fig["pace"]["due"] == 0:
            st.info(view.t("workload.none_in_year", year=year))
        else:
            months_section(view, year, fig)
            agencies_section(view, year, fig)
            month_tasks_section(view, year, fig)
