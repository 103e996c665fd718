"""Bộ, ngành, địa phương (Agency) for a ministry or province leader.

One agency (the sidebar's choice, e.g. from a link `?agency=mof`, else picked here): its
headline figures with the change since the previous snapshot date, the status breakdown, the
deadlines of its open tasks, its task table (filterable, with provenance) and its rank among
agencies of the same type. Computation lives in analytics/briefing.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from analytics import briefing as B
from analytics import exports, metrics
from analytics.i18n import fmt_date, fmt_int, fmt_month, fmt_pct
from analytics.store import Filters, Scope
from analytics.style import LISTED_STATUS_ORDER
from ui import cache, charts, components, data, reports, state
from ui.auth import esc
from ui.state import View

PICK_KEY = "agency_page_pick"
STATUS_KEY = "agency_status"
SOURCE_KEY = "agency_source"
MONTH_KEY = "agency_month"
TIMELINE_ROWS = 60  # dots drawn at most (the soonest deadlines); the table below lists them all

UNIT_TEXT: dict[str, tuple[str, str]] = {  # the drill-down by unit (agency_units register)
    "units_title": ("Theo đơn vị trực thuộc", "By unit"),
    "units_note": (
        "Nhiệm vụ do từng đơn vị của {name} chủ trì; dòng '{name}' là nhiệm vụ cơ quan tự chủ "
        "trì. Nhiệm vụ có cả cơ quan và đơn vị cùng chủ trì được tính ở cả hai dòng.",
        "Tasks each unit of {name} leads; the row '{name}' holds the tasks it leads itself. A "
        "task led by the agency and one of its units is counted on both rows.",
    ),
    "unit_of": ("Đơn vị thuộc {parent}", "A unit of {parent}"),
    "col_unit": ("Đơn vị", "Unit"),
    "col_total": ("Tổng số nhiệm vụ", "Tasks"),
    "col_completed": ("Đã hoàn thành", "Completed"),
    "col_overdue": ("Quá hạn", "Overdue"),
}

TABLE_COLUMNS = [  # in display order
    "task_id",
    "title",
    "status_label",
    "deadline",
    "deadline_text",
    "days_overdue",
    "days_late",
    "source",
    "source_doc",
    "leader",
    "support",
    "causes",
    "agency_comment",
    "origin_file",
    "origin_sheet",
    "origin_row",
]


# --------------------------------------------------------------------------- cached tables


@cache.resource(ttl=3600)
def _ranking(
    db: str, ids: tuple[int, ...], as_of: dt.date, filters: Filters, scope: Scope
) -> pd.DataFrame:
    """Peer ranking of every agency in the view (the agency filters left out)."""
    return B.peer_ranking(data.aggregate("by_agency", as_of, filters, scope))


@cache.resource(ttl=3600)
def _agency_tables(
    db: str, ids: tuple[int, ...], as_of: dt.date, filters: Filters, scope: Scope, lang: str
) -> dict:
    """The agency's task table as users read it, with the raw columns its filters need."""
    df = data.tasks(as_of, filters, scope)
    columns = exports.shown_columns(TABLE_COLUMNS, df)  # the attributes the tasks carry
    shown = B.ordered(exports.present_tasks(df, data.agencies(), lang, columns), columns, lang)
    keys = pd.DataFrame(
        {
            "status": df["status"].to_numpy(),
            "source": df["source"].to_numpy(),
            "month": pd.to_datetime(df["deadline"]).dt.strftime("%Y-%m").fillna("").to_numpy(),
        }
    )
    return {
        "table": shown,
        "keys": keys,
        "timeline": B.open_timeline(df),
        "months": B.task_months(df),
        "sources": sorted(df["source"].unique().tolist()),
        "statuses": [s for s in LISTED_STATUS_ORDER if (df["status"] == s).any()],
    }


@cache.resource(ttl=3600)
def _unit_table(
    db: str, ids: tuple[int, ...], as_of: dt.date, filters: Filters, scope: Scope, agency_id: str
) -> pd.DataFrame:
    """The agency's figures by its registered units (empty when it has none)."""
    agencies = data.agencies()
    if not metrics.units_of(agencies, agency_id):
        return pd.DataFrame()
    return metrics.by_unit(data.tasks(as_of, filters, scope), agencies, as_of, agency_id)


# --------------------------------------------------------------------------- drawing


def _ut(view: View, key: str, **fmt) -> str:
    text = UNIT_TEXT[key][0 if view.lang == "vi" else 1]
    return text.format(**fmt) if fmt else text


def _unit_section(view: View, table: pd.DataFrame, agency_id: str) -> None:
    """Drill-down: the agency's figures by unit (its own tasks on its own row)."""
    if table.empty or set(table["agency_id"]) <= {agency_id}:
        return
    agencies = data.agencies()
    name = state.agency_label(agencies, agency_id, view.lang)
    st.subheader(_ut(view, "units_title"))
    st.caption(_ut(view, "units_note", name=esc(name)))
    own = table["agency_id"] == agency_id
    table = pd.concat([table[~own], table[own]])  # the units first (worst first), then itself
    shown = pd.DataFrame(
        {
            _ut(view, "col_unit"): [
                state.agency_label(agencies, a, view.lang) for a in table["agency_id"]
            ],
            _ut(view, "col_total"): table["total"].to_numpy(),
            _ut(view, "col_completed"): table["completed"].to_numpy(),
            _ut(view, "col_overdue"): table["overdue"].to_numpy(),
            _tr(view, "col_late"): table["late"].to_numpy(),
            view.t("col_rate"): (table["due_completion_rate"].astype(float) * 100)
            .round(1)
            .to_numpy(),
        }
    )
    components.table(view, shown, "agency_unit_table", f"units_{agency_id}")


def _tr(view: View, key: str, **fmt) -> str:
    return B.tr(key, view.lang, **fmt)


def _pick_agency(view: View, ranking: pd.DataFrame) -> str | None:
    """The sidebar's agency if set, else the page's own choice (None until one is made)."""
    agencies = data.agencies()
    if view.agency_id:
        return view.agency_id
    options = B.agency_options(ranking, view.filters.agency_types)
    if not options:
        st.info(_tr(view, "no_agencies"))
        return None
    if st.session_state.get(PICK_KEY) not in options:
        st.session_state[PICK_KEY] = options[0] if len(options) == 1 else None
    picked = st.selectbox(
        _tr(view, "pick_agency"),
        options,
        key=PICK_KEY,
        index=None,
        placeholder=_tr(view, "pick_agency"),
        format_func=lambda a: state.agency_label(agencies, a, view.lang),
    )
    if not picked:
        st.info(_tr(view, "pick_prompt"))
    return picked or None


def _peer_section(view: View, ranking: pd.DataFrame, agency_id: str) -> None:
    st.subheader(_tr(view, "peer_title"))
    rank = B.peer_rank(ranking, agency_id)
    if rank is None:
        st.caption(_tr(view, "none"))
        return
    group = rank.group if rank.group in B.PEER_GROUPS else "other"
    c1, c2 = st.columns(2)
    c1.metric(_tr(view, "peer_rank"), rank.label(), border=True)
    c2.metric(
        _tr(view, "peer_rate"),
        fmt_pct(rank.rate, view.lang),
        help=f"{rank.due_completed}/{rank.due}",
        border=True,
    )
    if rank.rank is None:
        st.caption(_tr(view, "peer_not_ranked", due=rank.due, n=rank.min_due))
    elif rank.n_ranked < 2:
        st.caption(_tr(view, "peer_alone"))
    st.caption(
        _tr(
            view,
            "peer_rule",
            group=_tr(view, f"peer_group_{group}"),
            n=rank.min_due,
            ranked=rank.n_ranked,
        )
    )
    peers = B.peers_of(ranking, rank.group)
    name_col = "name_vi" if view.lang == "vi" else "name_en"
    shown = pd.DataFrame(
        {
            _tr(view, "col_rank"): peers["rank"].astype("Int64").to_numpy(),
            view.t("col_agency"): peers[name_col].fillna(peers["name_vi"]).to_numpy(),
            view.t("col_due"): peers["due"].to_numpy(),
            _tr(view, "col_due_completed"): peers["due_completed"].to_numpy(),
            view.t("col_rate"): (peers["due_completion_rate"].astype(float) * 100)
            .round(1)
            .to_numpy(),
            _tr(view, "col_late"): peers["late"].to_numpy(),
        }
    )
    with st.expander(_tr(view, "peer_table")):
        components.table(view, shown, "agency_peer_table", f"ranking_{rank.group}")


def _task_section(view: View, tables: dict, agency_id: str) -> None:
    st.subheader(_tr(view, "task_table"))
    c1, c2, c3 = st.columns(3)
    statuses = c1.multiselect(
        _tr(view, "f_status"),
        tables["statuses"],
        key=STATUS_KEY,
        format_func=lambda s: view.t(s),
        placeholder=_tr(view, "f_all"),
    )
    sources = c2.multiselect(
        _tr(view, "f_source"), tables["sources"], key=SOURCE_KEY, placeholder=_tr(view, "f_all")
    )
    months = c3.multiselect(
        _tr(view, "f_month"),
        tables["months"],
        key=MONTH_KEY,
        placeholder=_tr(view, "f_all"),
        format_func=lambda m: fmt_month(m, view.lang) if m else _tr(view, "no_deadline_month"),
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
    st.caption(_tr(view, "shown", n=len(frame), total=len(keys)))
    components.table(view, frame, "agency_task_table", f"tasks_{agency_id}")


def _main(view: View) -> None:
    ids = components.page_header(view, "page_agency")
    db = data.db()
    peer_filters = Filters(
        sources=view.filters.sources,
        difficult_only=view.filters.difficult_only,
        source_docs=view.filters.source_docs,
    )
    ranking = _ranking(db, ids, view.as_of, peer_filters, view.scope)
    agency_id = _pick_agency(view, ranking)
    if agency_id is None:
        return
    agencies = data.agencies()
    row = agencies.loc[agencies["agency_id"] == agency_id]
    st.header(esc(state.agency_label(agencies, agency_id, view.lang)))
    if view.agency_id:
        st.caption(_tr(view, "from_sidebar"))
    parent_id = row.iloc[0].get("parent_id") if not row.empty else None
    if isinstance(parent_id, str) and parent_id:
        parent = state.agency_label(agencies, parent_id, view.lang)
        st.caption(_ut(view, "unit_of", parent=esc(parent)))
    elif not row.empty:
        st.caption(
            _tr(view, "agency_type_label", type=esc(view.t(str(row.iloc[0]["agency_type"]))))
        )
    reports.report_buttons(view, agency_id)
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
        st.caption(_tr(view, "compared_with", date=fmt_date(prev_date, view.lang)))
    else:
        st.caption(_tr(view, "no_previous", date=fmt_date(view.as_of, view.lang)))
    components.cards(view, head, prev)
    st.caption(
        _tr(
            view,
            "extra_counts",
            unknown=fmt_int(head["completed_timing_unknown"], view.lang),
            due=fmt_int(head["due"], view.lang),
        )
    )

    tables = _agency_tables(db, ids, view.as_of, filters, view.scope, view.lang)
    left, right = st.columns(2)
    with left:
        st.subheader(_tr(view, "breakdown"))
        st.plotly_chart(
            charts.status_donut(head, view.lang, _tr(view, "status_chart")),
            key="agency_status_donut",
            config={"displaylogo": False},
        )
    with right:
        _peer_section(view, ranking, agency_id)

    _unit_section(view, _unit_table(db, ids, view.as_of, filters, view.scope, agency_id), agency_id)

    st.subheader(_tr(view, "timeline"))
    timeline = tables["timeline"]
    if timeline.empty:
        st.caption(_tr(view, "timeline_none"))
    else:
        st.plotly_chart(
            charts.deadline_timeline(
                timeline, view.lang, B.as_date(view.as_of), max_rows=TIMELINE_ROWS
            ),
            key="agency_timeline",
            config={"displaylogo": False},
        )
        if len(timeline) > TIMELINE_ROWS:
            st.caption(_tr(view, "timeline_cap", n=TIMELINE_ROWS, total=len(timeline)))

    _task_section(view, tables, agency_id)


view = state.current_view()
with components.guard(view.lang):
    _main(view)
