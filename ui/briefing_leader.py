"""The briefing's parts for a leader (issue 16): whose figures these are (the agency viewer's
banner), the figures among the tasks due in their own titled block, and the year's remaining
workload by month with the agencies behind each month. Computation in analytics/briefing.py and
analytics/workload.py (through ui/data.py's cached workload_figures)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import leader as B
from analytics.i18n import fmt_int, fmt_month
from ui import components, data
from ui.html import esc
from ui.state import View

AGENCIES_PER_MONTH = 3  # names in the month's row before "…"; the rest in the expander


def banner(view: View, total: int) -> None:
    """'Bộ Tài chính — 59 nhiệm vụ' when the viewer's scope is one agency."""
    text = B.scope_banner(view.scope, data.agencies(), total, view.lang)
    if text:
        st.info(esc(text), icon=":material/account_balance:")


def due_block(view: View, tasks: pd.DataFrame) -> None:
    """The figures among the tasks due, titled apart from the cards (which count all tasks)."""
    st.markdown(f"**{esc(view.t('briefing16.due_title'))}**")
    st.markdown(esc(B.due_block(B.due_parts(tasks, view.as_of), view.lang)))


def _agencies_text(wide: pd.DataFrame, month: str, lang: str) -> str:
    if wide is None or wide.empty or month not in wide.columns:
        return ""
    part = wide[wide[month] > 0].sort_values([month, "agency"], ascending=[False, True])
    items = [
        f"{a} ({fmt_int(int(n), lang)})" for a, n in zip(part["agency"], part[month], strict=True)
    ]
    more = "; …" if len(items) > AGENCIES_PER_MONTH else ""
    return "; ".join(items[:AGENCIES_PER_MONTH]) + more


def month_rows(view: View, months: pd.DataFrame, wide: pd.DataFrame) -> pd.DataFrame:
    """One row per month from the as-of month: month, still to complete, of which overdue,
    the agencies carrying most of them."""
    return pd.DataFrame(
        {
            view.t("col.month"): [fmt_month(m, view.lang) for m in months["month"]],
            view.t("workload.m_open"): months["remaining"].astype("int64").to_numpy(),
            view.t("col.of_which_overdue"): months["overdue"].astype("int64").to_numpy(),
            view.t("col.lead"): [_agencies_text(wide, m, view.lang) for m in months["month"]],
        }
    )


def agency_month_table(view: View, wide: pd.DataFrame) -> pd.DataFrame:
    months = [c for c in wide.columns if c not in ("agency_id", "agency", "total")]
    out = pd.DataFrame({view.t("col.lead"): wide["agency"].to_numpy()})
    for m in months:
        out[fmt_month(m, view.lang)] = wide[m].astype("int64").to_numpy()
    out[view.t("workload.col_total")] = wide["total"].astype("int64").to_numpy()
    return out


def workload_section(view: View, ids: tuple[int, ...]) -> None:
    """The open tasks due from the as-of month to December, by month (with the agencies behind
    each month) and, collapsed, the full agency × month table."""
    year = view.as_of.year
    fig = data.workload_figures(data.db(), ids, view.as_of, view.filters, view.scope, year)
    st.subheader(view.t("briefing16.workload_title", year=year))
    months = B.remaining_months(fig["monthly"], view.as_of)
    if months is None or months.empty or not int(months["remaining"].sum()):
        st.caption(view.t("briefing16.workload_none", year=year))
        return
    st.caption(view.t("briefing16.workload_caption"))
    wide = B.remaining_agency_months(fig[f"agency_{view.lang}"], view.as_of)
    components.table(view, month_rows(view, months, wide), "briefing_workload_months", "workload")
    if wide is not None and len(wide):
        with st.expander(view.t("briefing16.workload_agencies", n=fmt_int(len(wide), view.lang))):
            components.table(
                view,
                agency_month_table(view, wide),
                "briefing_workload_agencies",
                "workload_agencies",
            )
