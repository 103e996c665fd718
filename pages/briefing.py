"""Tổng quan (Briefing) for the Deputy Prime Minister.

Headline figures with the change since the previous snapshot date and, beside them, what
agencies reported (tasks reported completed, awaiting confirmation), the same by source, late
tasks by ministry and by province (a click on a bar filters the list below), tasks due in the
next 30 days, the overdue list, the missed commitments by agency and the open report round, the
difficult tasks apart and the cancelled ones apart (counted in none of the figures).
Computation lives in analytics/briefing.py; derived tables are cached by (snapshot ids, date,
filters, scope), what agencies reported by the store's version token.
"""

from __future__ import annotations

import functools

import streamlit as st

from analytics import briefing as B
from analytics import exports, leader
from analytics.i18n import fmt_date, fmt_int, source_label
from ui import (
    briefing_leader,
    charts,
    components,
    data,
    freshness,
    layout,
    province_map,
    reports,
    state,
    streamlit_vi,
)
from ui.html import esc
from ui.state import View

PICK_KEY = "briefing_late_agency"
SHOW_ALL_KEY = "briefing_show_all"
CHART_KEYS = {"central": "briefing_late_chart_central", "province": "briefing_late_chart_province"}
FIRST = layout.FIRST_ROWS  # a long list: its first rows, the rest behind an expander

# The tables the page shows are cached in ui/data.py (briefing_figures, briefing_lists,
# late_list).


# --------------------------------------------------------------------------- drawing


def _on_bar_select(chart_key: str, options: tuple[str, ...]) -> None:
    """A click on a bar picks that agency for the list below (the selectbox follows)."""
    picked = charts.selected_ids(st.session_state.get(chart_key))
    if not picked:
        st.session_state[PICK_KEY] = ""
    elif picked[0] in options:
        st.session_state[PICK_KEY] = picked[0]


def _late_section(view: View, d: dict, ids: tuple[int, ...]) -> None:
    st.subheader(view.t("briefing.late_title"))
    st.caption(view.t("briefing.late_caption"))
    show_all = st.toggle(view.t("common.show_all_agencies"), key=SHOW_ALL_KEY)
    name_col = "name_vi" if view.lang == "vi" else "name_en"
    frames = {g: d[f"late_{g}"] for g in B.PEER_GROUPS}
    options = ("", *[a for g in B.PEER_GROUPS for a in frames[g]["agency_id"].tolist()])
    names = {}
    for g in B.PEER_GROUPS:
        names.update(
            dict(
                zip(
                    frames[g]["agency_id"],
                    frames[g][name_col].fillna(frames[g]["name_vi"]),
                    strict=True,
                )
            )
        )
    columns = st.columns(2)
    for col, group in zip(columns, B.PEER_GROUPS, strict=True):
        with col:
            frame = frames[group]
            title = view.t("common.central" if group == "central" else "common.provinces")
            if frame.empty:
                st.markdown(f"**{esc(title)}**")
                st.caption(view.t("common.no_late"))
                continue
            shown = frame if show_all else frame.head(B.TOP_N)
            shown = shown.assign(label=shown[name_col].fillna(shown["name_vi"]))
            fig = charts.stacked_status_bars(
                shown,
                view.lang,
                label_col="label",
                id_col="agency_id",
                statuses=B.LATE_STATUSES,
                title=title,
            )
            st.plotly_chart(
                fig,
                key=CHART_KEYS[group],
                on_select=functools.partial(_on_bar_select, CHART_KEYS[group], options),
                selection_mode="points",
                config=streamlit_vi.plotly_config(view.lang),
            )
            if len(shown) < len(frame):
                st.caption(view.t("briefing.top_n", n=len(shown), total=len(frame)))
    if st.session_state.get(PICK_KEY) not in options:
        st.session_state[PICK_KEY] = ""
    agency_id = st.selectbox(
        view.t("briefing.late_pick"),
        options,
        key=PICK_KEY,
        placeholder=view.t("viewer16.pick_one"),
        format_func=lambda a: view.t("common.all_agencies") if not a else names.get(a, a),
    )
    frame = data.late_list(
        data.db(), ids, view.as_of, view.filters, view.scope, agency_id or "", view.lang
    )
    st.markdown(f"**{esc(view.t('briefing.late_list'))}**")
    st.caption(
        view.t("briefing.late_list_of", n=len(frame))
        if agency_id
        else view.t("briefing.late_list_all", n=len(frame))
    )
    components.table(view, frame, "briefing_late_table", "late_tasks", first=FIRST)


def _reported_sections(view: View) -> None:
    """Missed commitments by agency (when any), then the open report round (when one is open):
    who has reported, who has not, who has not reported for the set number of days."""
    missed = data.missed_commitments(view.as_of, view.filters, view.scope)
    if len(missed):
        st.subheader(view.t("pages_reported.missed_title"))
        st.caption(view.t("briefing_reported.missed_caption"))
        table = B.missed_table(missed, view.lang)
        components.table(view, table, "briefing_missed_table", "missed_commitments", first=FIRST)
    status = data.report_round(view.filters, view.scope)
    if status is not None:
        st.subheader(view.t("briefing_reported.round_title"))
        names = exports.agency_names(data.agencies(), view.lang)
        for line in B.round_lines(status, names, view.lang):
            st.markdown(esc(line))


def _apart_sections(view: View, d: dict, p: dict) -> None:
    """The difficult tasks, followed apart, and the cancelled ones (counted in no figure)."""
    # Difficult tasks, apart
    st.subheader(view.t("briefing.difficult_title"))
    diff = d["difficult"]
    st.caption(
        view.t(
            "briefing.difficult_caption",
            n=len(diff),
            open=int(diff["status"].isin(B.OPEN_STATUSES).sum()),
            overdue=int((diff["status"] == "overdue").sum()),
        )
    )
    components.table(
        view, p["difficult"], "briefing_difficult_table", "difficult_tasks", first=FIRST
    )

    # Cancelled tasks, counted and listed apart (only when there are any)
    if len(d["cancelled"]):
        st.subheader(view.t("briefing.cancelled_title"))
        st.caption(view.t("briefing.cancelled_caption", n=fmt_int(len(d["cancelled"]), view.lang)))
        components.table(
            view, p["cancelled"], "briefing_cancelled_table", "cancelled_tasks", first=FIRST
        )


def _main(view: View) -> None:
    ids = components.page_header(view, "page.briefing")
    freshness.stale_notice(view)  # a connected source's data older than the setting
    db = data.db()
    d0 = data.tasks(view.as_of, view.filters, view.scope)
    if d0.empty:
        reports.report_buttons(view)
        components.legend(view)
        components.no_data(view)
        return
    prev_date = B.previous_date(data.snapshots(), view.as_of, view.filters.sources)
    prev_ids = data.snapshot_ids(prev_date, view.filters.sources) if prev_date else ()
    d = data.briefing_figures(db, ids, prev_ids, view.as_of, prev_date, view.filters, view.scope)
    p = data.briefing_lists(
        db, ids, prev_ids, view.as_of, prev_date, view.filters, view.scope, view.lang
    )
    # a phone's first screen: the four numbers, before the buttons and the colour key
    layout.key_numbers(view, d["headline"], len(d["month"]))
    reports.report_buttons(view)
    components.legend(view)

    # Headline
    if prev_date is not None:
        st.caption(view.t("briefing.compared_with", date=fmt_date(prev_date, view.lang)))
    else:
        st.caption(view.t("briefing.no_previous", date=fmt_date(view.as_of, view.lang)))
    head = d["headline"]
    briefing_leader.banner(view, head["total"])
    components.cards(view, head, d["prev_headline"])
    briefing_leader.due_block(view, d0)
    st.caption(
        view.t(
            "briefing.extra_counts",
            unknown=fmt_int(head["completed_timing_unknown"], view.lang),
            due=fmt_int(head["due"], view.lang),
        )
    )
    # The official figure with what agencies reported beside it (escaped text)
    components.reconciled(view)

    # The status donut and the changes since the previous snapshot date
    left, right = st.columns([2, 3])
    with left:
        st.plotly_chart(
            charts.status_donut(head, view.lang, view.t("briefing.status_chart")),
            key="briefing_status_donut",
            config=streamlit_vi.plotly_config(view.lang),
        )
    with right:
        st.subheader(view.t("briefing.changes"))
        if d["changes"] is None:
            st.caption(view.t("briefing.no_previous", date=fmt_date(view.as_of, view.lang)))
        else:
            st.caption(view.t("briefing.compared_with", date=fmt_date(prev_date, view.lang)))
            counts = d["changes"]
            grid = st.grid(3, min_column_width=100)  # three a row, on a phone too
            for kind in B.CHANGE_KINDS:
                grid.metric(view.t(f"change.{kind}"), fmt_int(counts[kind], view.lang), border=True)
            with st.expander(view.t("change.list")):
                components.table(view, p["changes"], "briefing_changes_table", "changes")

    # By source
    st.subheader(view.t("briefing.by_source"))
    for source, figures in d["sources"].items():
        st.markdown(f"**{esc(source_label(source, view.lang))}**")
        prev = d["prev_sources"].get(source) if d["prev_sources"] is not None else None
        components.cards(view, figures, prev)
    with st.expander(view.t("briefing.source_table")):
        components.table(view, p["sources"], "briefing_sources_table", "by_source")

    # Late by ministry / province, a click filters the list
    _late_section(view, d, ids)
    province_map.section(view)  # the map of provinces, a click filters the page

    # At risk: due in the next 30 days, and this month
    st.subheader(view.t("briefing.at_risk", days=B.AT_RISK_DAYS))
    grid = st.grid(3, min_column_width=components.CARD_MIN_PX)  # two a row on a phone
    grid.metric(
        view.t("briefing.at_risk_count", days=B.AT_RISK_DAYS),
        fmt_int(len(d["at_risk"]), view.lang),
        border=True,
    )
    grid.metric(
        leader.month_label(view.as_of, view.lang),  # as in the four numbers at the top
        fmt_int(len(d["month"]), view.lang),
        help=view.t("briefing.month_help"),
        border=True,
    )
    components.table(view, p["at_risk"], "briefing_at_risk_table", "at_risk", first=FIRST)

    # The year's remaining workload by month, with the agencies behind each month
    briefing_leader.workload_section(view, ids)

    # Overdue
    st.subheader(view.t("briefing.overdue_title"))
    components.table(view, p["overdue"], "briefing_overdue_table", "overdue", first=FIRST)

    # What agencies reported: missed commitments by agency, the open report round
    _reported_sections(view)

    _apart_sections(view, d, p)  # the difficult and the cancelled tasks, each apart


view = state.current_view()
with components.guard(view.lang):
    _main(view)
