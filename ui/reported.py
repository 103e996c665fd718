"""What agencies reported, on the Agency page: its reconciled figures beside the official ones and
its missed commitments (tasks whose commitment date passed without completion)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import briefing as B
from analytics import exports
from analytics.i18n import fmt_int
from analytics.model import Filters
from ui import components, data
from ui.state import View

MISSED_COLUMNS = [  # in display order
    "task_id",
    "title",
    "status_label",
    "report_state",
    "commitment_date",
    "deadline",
    "deadline_note",
    "days_overdue",
    "confidence",
    "reported_causes",
    "cause_text",
    "source",
]


def missed_commitments(df: pd.DataFrame) -> pd.DataFrame:
    """The tasks of `df` whose commitment date passed without completion, soonest first."""
    if df.empty or "commitment_missed" not in df.columns:
        return df.iloc[0:0]
    missed = df[df["commitment_missed"].fillna(False).astype(bool).to_numpy()]
    return missed.sort_values(["commitment_date", "task_id"], kind="stable")


def agency_figures(view: View, filters: Filters) -> None:
    """The agency's official figures with the reconciled ones beside them."""
    components.reconciled(view, filters=filters, detail=True)


def missed_section(view: View, filters: Filters, agency_id: str) -> None:
    """ "Cam kết không đạt": the agency's missed commitments as a table with its downloads."""
    st.subheader(view.t("pages_reported.missed_title"))
    missed = missed_commitments(data.tasks(view.as_of, filters, view.scope))
    if missed.empty:
        st.caption(view.t("pages_reported.missed_none"))
        return
    st.caption(view.t("pages_reported.missed_note", n=fmt_int(len(missed), view.lang)))
    shown = exports.present_tasks(missed, data.agencies(), view.lang, MISSED_COLUMNS)
    shown = exports.without_empty_reported(B.ordered(shown, MISSED_COLUMNS, view.lang), view.lang)
    components.table(view, shown, "agency_missed_table", f"missed_{agency_id}")
