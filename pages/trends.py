"""Diễn biến / Trends: completed and overdue tasks at every report date, and what changed
between two report dates (new, completed, newly overdue, deadlines moved, removed)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import changes, exports, history
from analytics.i18n import fmt_date, fmt_int, t
from analytics.store import Filters, Scope
from ui import cache, charts_time, components, data, state

view = state.current_view()

S: dict[str, tuple[str, str]] = {
    "trend": ("Diễn biến qua các kỳ báo cáo", "Across report dates"),
    "trend_note": (
        "Tại mỗi ngày báo cáo: số nhiệm vụ theo số liệu có hiệu lực vào ngày đó, tình trạng tính "
        "tại chính ngày đó.",
        "At each report date: the tasks in the figures in force on that day, their status judged "
        "on that very day.",
    ),
    "trend_table": ("Bảng số liệu theo ngày báo cáo", "Figures by report date"),
    "col_date": ("Ngày báo cáo", "Report date"),
    "compare": ("Thay đổi giữa hai kỳ báo cáo", "Changes between two report dates"),
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    "one_date": (
        "Cần ít nhất hai kỳ báo cáo để so sánh.",
        "At least two report dates are needed for a comparison.",
    ),
    "same_date": ("Hãy chọn hai ngày khác nhau.", "Choose two different dates."),
    "swapped": (
        "Ngày bắt đầu sau ngày kết thúc: đã so sánh theo thứ tự thời gian.",
        "The first date is after the second: compared in date order.",
    ),
    "between": ("So sánh {a} với {b}.", "Comparing {a} with {b}."),
    "new": ("Nhiệm vụ mới", "New tasks"),
    "newly_completed": ("Mới hoàn thành", "Newly completed"),
    "newly_overdue": ("Mới quá hạn", "Newly overdue"),
    "deadline_moved": ("Điều chỉnh thời hạn", "Deadlines moved"),
    "removed": ("Đã bỏ khỏi danh sách", "Removed"),
    "none": ("Không có nhiệm vụ nào.", "No tasks."),
    "col_deadline_before": ("Thời hạn cũ", "Old deadline"),
    "col_deadline_after": ("Thời hạn mới", "New deadline"),
    "col_status_before": ("Tình trạng trước", "Status before"),
}
KINDS = ("new", "newly_completed", "newly_overdue", "deadline_moved", "removed")
FILE_NAMES = {
    "new": ("nhiem_vu_moi", "new_tasks"),
    "newly_completed": ("moi_hoan_thanh", "newly_completed"),
    "newly_overdue": ("moi_qua_han", "newly_overdue"),
    "deadline_moved": ("dieu_chinh_thoi_han", "deadlines_moved"),
    "removed": ("khong_con_trong_danh_sach", "removed"),
}
TASK_COLUMNS = ["task_id", "source", "title", "lead", "status_label", "deadline", "completion_date"]


def s(view: state.View, key: str, **fmt) -> str:
    text = S[key][0 if view.lang == "vi" else 1]
    return text.format(**fmt) if fmt else text


@cache.resource(ttl=3600)
def _trend(path: str, snapshot_states: tuple, filters: Filters, scope: Scope) -> pd.DataFrame:
    return history.trend(path, filters, scope)


def trend(view: state.View) -> pd.DataFrame:
    """Counts at every report date (one query; cached on the snapshots and their status)."""
    snaps = data.snapshots()
    states = tuple(zip(snaps["snapshot_id"].tolist(), snaps["status"].tolist(), strict=True))
    return _trend(data.db(), states, view.filters, view.scope)


@cache.resource(ttl=3600)
def _changes(
    path: str,
    ids_from: tuple,
    ids_to: tuple,
    d_from: dt.date,
    d_to: dt.date,
    filters: Filters,
    scope: Scope,
) -> changes.Changes:
    return changes.compare(data.tasks(d_from, filters, scope), data.tasks(d_to, filters, scope))


def compare(view: state.View, d_from: dt.date, d_to: dt.date) -> changes.Changes:
    ids_from = data.snapshot_ids(d_from, view.filters.sources)
    ids_to = data.snapshot_ids(d_to, view.filters.sources)
    return _changes(data.db(), ids_from, ids_to, d_from, d_to, view.filters, view.scope)


def trend_section(view: state.View, frame: pd.DataFrame) -> None:
    st.subheader(s(view, "trend"))
    st.caption(s(view, "trend_note"))
    st.plotly_chart(
        charts_time.trend_lines(frame, view.lang, view.as_of), key="trends_chart", width="stretch"
    )
    table = pd.DataFrame({s(view, "col_date"): frame["as_of"]})
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
        table[t(key, view.lang)] = frame[key].astype("int64")
    st.markdown(f"**{s(view, 'trend_table')}**")
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
            5, s(view, "col_deadline_before"), pd.to_datetime(frame["deadline_before"]).dt.date
        )
        shown.insert(
            6, s(view, "col_deadline_after"), pd.to_datetime(frame["deadline_after"]).dt.date
        )
        shown = shown.drop(columns=[t("col_deadline", view.lang)])
    return shown


def changes_section(view: state.View, dates: list[dt.date]) -> None:
    st.subheader(s(view, "compare"))
    if len(dates) < 2:
        st.info(s(view, "one_date"))
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
    value_from = c1.selectbox(s(view, "from"), options, key="trends_from", format_func=label)
    value_to = c2.selectbox(s(view, "to"), options, key="trends_to", format_func=label)
    _write_url(value_from, value_to, default_from, default_to)
    if value_from == value_to:
        st.info(s(view, "same_date"))
        return
    d_from, d_to = dt.date.fromisoformat(value_from), dt.date.fromisoformat(value_to)
    if d_from > d_to:
        st.caption(s(view, "swapped"))
        d_from, d_to = d_to, d_from
    st.caption(s(view, "between", a=fmt_date(d_from, view.lang), b=fmt_date(d_to, view.lang)))
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
        col.metric(s(view, kind), fmt_int(len(frames[kind]), view.lang))
    tabs = st.tabs([f"{s(view, kind)} ({fmt_int(len(frames[kind]), view.lang)})" for kind in KINDS])
    for tab, kind in zip(tabs, KINDS, strict=True):
        with tab:
            frame = frames[kind]
            if frame.empty:
                st.caption(s(view, "none"))
                continue
            shown = present(view, kind, frame)
            charts_time.show_table(shown, view.lang, key=f"trends_table_{kind}")
            name = FILE_NAMES[kind][0 if view.lang == "vi" else 1]
            components.downloads(
                view,
                shown,
                f"{name}_{d_from.isoformat()}_{d_to.isoformat()}",
                key=f"trends_dl_{kind}",
            )


with components.guard(view.lang):
    components.page_header(view, "page_trends")
    frame = trend(view)
    dates = history.snapshot_dates(data.snapshots(), view.filters.sources)
    if frame.empty or not dates:
        components.no_data(view)
    else:
        components.legend(view, ("completed_on_time", "in_progress", "overdue"))
        trend_section(view, frame)
        changes_section(view, dates)
