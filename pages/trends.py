"""Diễn biến / Trends: completed and overdue tasks at every report date, and what changed
between two report dates (new, completed, newly overdue, deadlines moved, removed)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import changes, exports, history
from analytics.i18n import fmt_date, fmt_int
from ui import charts_time, components, data, state, streamlit_vi

view = state.current_view()

KINDS = ("new", "newly_completed", "newly_overdue", "deadline_moved", "removed")
KIND_KEYS = {
    "new": "change.new",
    "newly_completed": "change.newly_completed",
    "newly_overdue": "change.newly_overdue",
    "deadline_moved": "change.deadlines_moved",
    "removed": "trends.removed",
}
FILE_NAMES = {
    "new": ("nhiem_vu_moi", "new_tasks"),
    "newly_completed": ("moi_hoan_thanh", "newly_completed"),
    "newly_overdue": ("moi_qua_han", "newly_overdue"),
    "deadline_moved": ("dieu_chinh_thoi_han", "deadlines_moved"),
    "removed": ("khong_con_trong_danh_sach", "removed"),
}
TASK_COLUMNS = [
    "task_id",
    "source",
    "title",
    "lead",
    "status_label",
    "deadline",
    "deadline_text",
    "days_overdue",
    "completion_date",
    "deadline_note",  # shown where an approved change moved a deadline
    "causes",
    "reported_causes",
    "cause_text",
    "snapshot_as_of",
]


def trend(view: state.View) -> pd.DataFrame:
    """Counts at every report date (one query; cached on the snapshots and their status)."""
    snaps = data.snapshots()
    states = tuple(zip(snaps["snapshot_id"].tolist(), snaps["status"].tolist(), strict=True))
    return data.trend(data.db(), states, view.filters, view.scope)


def compare(view: state.View, d_from: dt.date, d_to: dt.date) -> changes.Changes:
    ids_from = data.snapshot_ids(d_from, view.filters.sources)
    ids_to = data.snapshot_ids(d_to, view.filters.sources)
    return data.changes_between(data.db(), ids_from, ids_to, d_from, d_to, view.filters, view.scope)


def trend_section(view: state.View, frame: pd.DataFrame) -> None:
    st.subheader(view.t("trends.trend"))
    st.caption(view.t("trends.trend_note"))
    st.plotly_chart(
        charts_time.trend_lines(frame, view.lang, view.as_of),
        key="trends_chart",
        width="stretch",
        config=streamlit_vi.plotly_config(view.lang),
    )
    table = pd.DataFrame({view.t("col.report_date"): frame["as_of"]})
    for key in (
        "total",
        "completed",
        "completed_on_time",
        "completed_late",
        "completed_timing_unknown",
        "overdue",
        "in_progress",
        "no_deadline",
        "cancelled",
    ):
        if key in ("completed_timing_unknown", "cancelled") and not frame[key].any():
            continue
        table[view.t(f"status.{key}")] = frame[key].astype("int64")
    st.markdown(f"**{view.t('trends.trend_table')}**")
    charts_time.show_table(table, view.lang, key="trends_table")
    components.downloads(
        view, table, "dien_bien" if view.lang == "vi" else "trends", key="trends_dl_counts"
    )


def _seed_dates(options: list[str], default_from: str, default_to: str) -> None:
    """Once per session the URL's from/to choose the dates; then the widgets keep them."""
    if not st.session_state.get("_trends_seeded"):
        st.session_state["_trends_seeded"] = True
        for key, param in (("trends_from", "from"), ("trends_to", "to")):
            value = st.query_params.get(param)
            if value in options:
                st.session_state[key] = value
    if st.session_state.get("trends_from") not in options:
        st.session_state["trends_from"] = default_from
    if st.session_state.get("trends_to") not in options:
        st.session_state["trends_to"] = default_to


def _write_url(value_from: str, value_to: str, default_from: str, default_to: str) -> None:
    qp = st.query_params
    for param, value, default in (
        ("from", value_from, default_from),
        ("to", value_to, default_to),
    ):
        if value == default:
            if param in qp:
                del qp[param]
        elif qp.get(param) != value:
            qp[param] = value


def present(view: state.View, kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    shown = exports.present_tasks(frame, data.agencies(), view.lang, columns=TASK_COLUMNS)
    if kind == "deadline_moved" and len(frame):
        shown.insert(
            5,
            view.t("trends.col_deadline_before"),
            pd.to_datetime(frame["deadline_before"]).dt.date,
        )
        shown.insert(
            6, view.t("trends.col_deadline_after"), pd.to_datetime(frame["deadline_after"]).dt.date
        )
        shown = shown.drop(columns=[view.t("col.deadline")])
    return shown


def changes_section(view: state.View, dates: list[dt.date]) -> None:
    st.subheader(view.t("trends.compare"))
    if len(dates) < 2:
        st.info(view.t("trends.one_date"))
        return
    options = [d.isoformat() for d in dates]
    upto = [d for d in options if d <= view.as_of.isoformat()] or options[:1]
    default_to = upto[-1]
    default_from = (
        options[options.index(default_to) - 1] if options.index(default_to) else options[0]
    )
    if default_from == default_to:
        default_to = options[1]
    _seed_dates(options, default_from, default_to)

    def label(iso: str) -> str:
        return fmt_date(dt.date.fromisoformat(iso), view.lang)

    c1, c2 = st.columns(2)
    pick = view.t("viewer16.pick_one")
    value_from = c1.selectbox(
        view.t("common.from_date"), options, key="trends_from", format_func=label, placeholder=pick
    )
    value_to = c2.selectbox(
        view.t("trends.to"), options, key="trends_to", format_func=label, placeholder=pick
    )
    _write_url(value_from, value_to, default_from, default_to)
    if value_from == value_to:
        st.info(view.t("trends.same_date"))
        return
    d_from, d_to = dt.date.fromisoformat(value_from), dt.date.fromisoformat(value_to)
    if d_from > d_to:
        st.caption(view.t("trends.swapped"))
        d_from, d_to = d_to, d_from
    st.caption(view.t("trends.between", a=fmt_date(d_from, view.lang), b=fmt_date(d_to, view.lang)))
    found = compare(view, d_from, d_to)
    frames = {
        "new": found.new,
        "newly_completed": found.newly_completed,
        "newly_overdue": found.newly_overdue,
        "deadline_moved": found.deadline_moved,
        "removed": found.removed,
    }
    cols = st.columns(len(KINDS))
    for col, kind in zip(cols, KINDS, strict=True):
        col.metric(view.t(KIND_KEYS[kind]), fmt_int(len(frames[kind]), view.lang))
    labels = [
        f"{view.t(KIND_KEYS[kind])} ({fmt_int(len(frames[kind]), view.lang)})" for kind in KINDS
    ]
    # open on the first kind that has tasks (not on an empty "new tasks")
    opened = next((lb for lb, kind in zip(labels, KINDS, strict=True) if len(frames[kind])), None)
    tabs = st.tabs(labels, default=opened)
    for tab, kind in zip(tabs, KINDS, strict=True):
        with tab:
            frame = frames[kind]
            if frame.empty:
                st.caption(view.t("common.no_tasks"))
                continue
            shown = present(view, kind, frame)  # the file keeps every column
            on_screen = exports.without_empty_reported(shown, view.lang)
            charts_time.show_table(on_screen, view.lang, key=f"trends_table_{kind}")
            name = FILE_NAMES[kind][0 if view.lang == "vi" else 1]
            components.downloads(
                view,
                shown,
                f"{name}_{d_from.isoformat()}_{d_to.isoformat()}",
                key=f"trends_dl_{kind}",
            )


with components.guard(view.lang):
    components.page_header(view, "page.trends")
    frame = trend(view)
    dates = history.snapshot_dates(data.snapshots(), view.filters.sources)
    if frame.empty or not dates:
        components.no_data(view)
    else:
        components.legend(view, ("completed_on_time", "in_progress", "overdue"))
        trend_section(view, frame)
        latest = pd.Timestamp(frame["as_of"].max()).date()
        components.reconciled(view, as_of=latest, dated=True)  # at the latest report date
        changes_section(view, dates)
