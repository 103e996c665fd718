"""Bộ, ngành, địa phương (Agency) for a ministry or province leader.

One agency (the sidebar's choice, e.g. from a link `?agency=mof`, else picked here): its
headline figures with the change since the previous snapshot date and what it reported beside
them, the status breakdown, the deadlines of its open tasks, its missed commitments, its task
table (filterable, with provenance and its reports) and its rank among agencies of the same type.
Computation lives in analytics/briefing.py (the reported parts in ui/reported.py).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from analytics import access, leader
from analytics import briefing as B
from analytics.i18n import fmt_date, fmt_int, fmt_month, fmt_pct, source_label
from analytics.model import Filters
from ui import agency_report, charts, components, data, reported, reports, state, streamlit_vi
from ui.html import esc
from ui.state import View

PICK_KEY = "agency_page_pick"
STATUS_KEY = "agency_status"
SOURCE_KEY = "agency_source"
MONTH_KEY = "agency_month"
TIMELINE_ROWS = 60  # dots drawn at most (the soonest deadlines); the table below lists them all

# The tables the page shows are cached in ui/data.py (agency_ranking, agency_tables,
# agency_unit_table).


# --------------------------------------------------------------------------- drawing


def _unit_section(view: View, table: pd.DataFrame, agency_id: str) -> None:
    """Drill-down: the agency's figures by unit (its own tasks on its own row)."""
    if table.empty or set(table["agency_id"]) <= {agency_id}:
        return
    agencies = data.agencies()
    name = state.agency_label(agencies, agency_id, view.lang)
    st.subheader(view.t("units.title"))
    st.caption(view.t("units.note", name=esc(name)))
    own = table["agency_id"] == agency_id
    table = pd.concat([table[~own], table[own]])  # the units first (worst first), then itself
    shown = pd.DataFrame(
        {
            view.t("col.unit"): [
                state.agency_label(agencies, a, view.lang) for a in table["agency_id"]
            ],
            view.t("status.total"): table["total"].to_numpy(),
            view.t("status.completed"): table["completed"].to_numpy(),
            view.t("col.overdue"): table["overdue"].to_numpy(),
            view.t("status.late"): table["late"].to_numpy(),
            view.t("col.rate"): (table["due_completion_rate"].astype(float) * 100)
            .round(1)
            .to_numpy(),
        }
    )
    components.table(view, shown, "agency_unit_table", f"units_{agency_id}")


def _pick_agency(view: View, ranking: pd.DataFrame) -> str | None:
    """The sidebar's agency if set, else the page's own choice (None until one is made)."""
    agencies = data.agencies()
    if view.agency_id:
        return view.agency_id
    options = B.agency_options(ranking, view.filters.agency_types)
    if not options:
        st.info(view.t("briefing.no_agencies"))
        return None
    if len(options) == 1 and not view.scope.is_all:
        return options[0]  # an agency viewer's one agency: no choice to offer
    if st.session_state.get(PICK_KEY) not in options:
        st.session_state[PICK_KEY] = options[0] if len(options) == 1 else None
    picked = st.selectbox(
        view.t("briefing.pick_agency"),
        options,
        key=PICK_KEY,
        index=None,
        placeholder=view.t("briefing.pick_agency"),
        format_func=lambda a: state.agency_label(agencies, a, view.lang),
    )
    if not picked:
        st.info(view.t("briefing.pick_prompt"))
    return picked or None


def _peer_ranking(view: View, ranking: pd.DataFrame, ids, peer_filters) -> pd.DataFrame | None:
    """The ranking the peer section reads: the view's own for a user who sees every agency;
    for a limited scope, its agencies' ranks among all their peers when the setting allows it
    (access.agency_sees_rank, through ui/data.peer_ranks), else None (no rank shown)."""
    if view.scope.is_all:
        return ranking
    if not access.agency_sees_rank():
        return None
    return data.peer_ranks(data.db(), ids, view.as_of, peer_filters, view.scope)


def _peer_section(view: View, ranking: pd.DataFrame, agency_id: str) -> None:
    """The agency's rank among its peers, shown only when it means something (ranked among
    more than one: leader.rank_means_something); the table of peers only to a user who sees
    every agency."""
    st.subheader(view.t("briefing.peer_title"))
    rank = B.peer_rank(ranking, agency_id)
    if rank is None:
        st.caption(view.t("common.no_tasks"))
        return
    group = rank.group if rank.group in B.PEER_GROUPS else "other"
    if leader.rank_means_something(rank):
        c1, c2 = st.columns(2)
        c1.metric(view.t("briefing.peer_rank"), rank.label(), border=True)
        c2.metric(
            view.t("col.rate"),
            fmt_pct(rank.rate, view.lang),
            help=f"{rank.due_completed}/{rank.due}",
            border=True,
        )
    elif rank.rank is None:
        st.caption(view.t("briefing.peer_not_ranked", due=rank.due, n=rank.min_due))
    else:
        st.caption(view.t("briefing.peer_alone"))
    rule = "briefing.peer_rule" if view.scope.is_all else "viewer16.peer_rule_all"
    st.caption(
        view.t(
            rule,
            group=view.t(f"briefing.peer_group_{group}"),
            n=rank.min_due,
            ranked=rank.n_ranked,
        )
    )
    if not view.scope.is_all:
        return  # the other agencies' figures are not the viewer's to see
    peers = B.peers_of(ranking, rank.group)
    name_col = "name_vi" if view.lang == "vi" else "name_en"
    shown = pd.DataFrame(
        {
            view.t("col.rank"): peers["rank"].astype("Int64").to_numpy(),
            view.t("col.agency"): peers[name_col].fillna(peers["name_vi"]).to_numpy(),
            view.t("col.due"): peers["due"].to_numpy(),
            view.t("col.due_completed"): peers["due_completed"].to_numpy(),
            view.t("col.rate"): (peers["due_completion_rate"].astype(float) * 100)
            .round(1)
            .to_numpy(),
            view.t("status.late"): peers["late"].to_numpy(),
        }
    )
    with st.expander(view.t("briefing.peer_table")):
        components.table(view, shown, "agency_peer_table", f"ranking_{rank.group}")


def _task_section(view: View, tables: dict, agency_id: str) -> None:
    st.subheader(view.t("common.task_list"))
    c1, c2, c3 = st.columns(3)
    statuses = c1.multiselect(
        view.t("col.status"),
        tables["statuses"],
        key=STATUS_KEY,
        format_func=lambda s: view.t(f"status.{s}"),
        placeholder=view.t("common.all"),
    )
    sources = c2.multiselect(
        view.t("col.source"),
        tables["sources"],
        key=SOURCE_KEY,
        placeholder=view.t("common.all"),
        format_func=lambda s: source_label(s, view.lang),
    )
    months = c3.multiselect(
        view.t("briefing.f_month"),
        tables["months"],
        key=MONTH_KEY,
        placeholder=view.t("common.all"),
        format_func=lambda m: fmt_month(m, view.lang) if m else view.t("status.no_deadline"),
    )
    keys = tables["keys"]
    mask = pd.Series(True, index=keys.index)
    if statuses:
        mask &= keys["status"].isin(statuses)
    if sources:
        mask &= keys["source"].isin(sources)
    if months:
        mask &= keys["month"].isin(months)
    frame = tables["table"][mask.to_numpy()].reset_index(drop=True)
    st.caption(view.t("briefing.shown", n=len(frame), total=len(keys)))
    # on screen without the reported columns no task fills; the files keep every column
    components.table(view, frame, "agency_task_table", f"tasks_{agency_id}")


def _main(view: View) -> None:
    ids = components.page_header(view, "page.agency")
    db = data.db()
    peer_filters = Filters(
        sources=view.filters.sources,
        difficult_only=view.filters.difficult_only,
        source_docs=view.filters.source_docs,
        judge_original=view.filters.judge_original,
    )
    ranking = data.agency_ranking(db, ids, view.as_of, peer_filters, view.scope)
    agency_id = _pick_agency(view, ranking)
    if agency_id is None:
        return
    agencies = data.agencies()
    row = agencies.loc[agencies["agency_id"] == agency_id]
    st.header(esc(state.agency_label(agencies, agency_id, view.lang)))
    if view.agency_id:
        st.caption(view.t("briefing.from_sidebar"))
    parent_id = row.iloc[0].get("parent_id") if not row.empty else None
    if isinstance(parent_id, str) and parent_id:
        parent = state.agency_label(agencies, parent_id, view.lang)
        st.caption(view.t("units.unit_of", parent=esc(parent)))
    elif not row.empty:
        st.caption(
            view.t(
                "briefing.agency_type_label",
                type=esc(view.t(f"agency_type.{row.iloc[0]['agency_type']}")),
            )
        )
    reports.report_buttons(view, agency_id)
    agency_report.agency_report_buttons(data.db(), agency_id, view.as_of, view.lang, view.filters)
    components.legend(view)
    filters = (
        view.filters
        if view.agency_id
        else dataclasses.replace(view.filters, agency_ids=(agency_id,))
    )
    head = data.aggregate("headline", view.as_of, filters, view.scope)
    if head["total"] == 0 and not head["cancelled"]:
        components.no_data(view)
        return
    prev_date = B.previous_date(data.snapshots(), view.as_of, filters.sources)
    prev = data.aggregate("headline", prev_date, filters, view.scope) if prev_date else None
    if prev_date is not None:
        st.caption(view.t("briefing.compared_with", date=fmt_date(prev_date, view.lang)))
    else:
        st.caption(view.t("briefing.no_previous", date=fmt_date(view.as_of, view.lang)))
    components.cards(view, head, prev)
    st.caption(
        view.t(
            "briefing.extra_counts",
            unknown=fmt_int(head["completed_timing_unknown"], view.lang),
            due=fmt_int(head["due"], view.lang),
        )
    )
    reported.agency_figures(view, filters)

    tables = data.agency_tables(db, ids, view.as_of, filters, view.scope, view.lang)
    peer_ranking = _peer_ranking(view, ranking, ids, peer_filters)
    left, right = st.columns(2)
    with left:
        st.subheader(view.t("briefing.breakdown"))
        st.plotly_chart(
            charts.status_donut(head, view.lang, view.t("briefing.status_chart")),
            key="agency_status_donut",
            config=streamlit_vi.plotly_config(view.lang),
        )
    if peer_ranking is not None:  # else the setting keeps a limited scope's rank out
        with right:
            _peer_section(view, peer_ranking, agency_id)

    units = data.agency_unit_table(db, ids, view.as_of, filters, view.scope, agency_id)
    _unit_section(view, units, agency_id)

    st.subheader(view.t("briefing.timeline"))
    timeline = tables["timeline"]
    if timeline.empty:
        st.caption(view.t("briefing.timeline_none"))
    else:
        st.plotly_chart(
            charts.deadline_timeline(
                timeline, view.lang, B.as_date(view.as_of), max_rows=TIMELINE_ROWS
            ),
            key="agency_timeline",
            config=streamlit_vi.plotly_config(view.lang),
        )
        if len(timeline) > TIMELINE_ROWS:
            st.caption(view.t("briefing.timeline_cap", n=TIMELINE_ROWS, total=len(timeline)))

    reported.missed_section(view, filters, agency_id)
    _task_section(view, tables, agency_id)


view = state.current_view()
with components.guard(view.lang):
    _main(view)
