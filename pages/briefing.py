"""Tổng quan (Briefing) for the Deputy Prime Minister.

Headline figures with the change since the previous snapshot date, the same by source, late
tasks by ministry and by province (a click on a bar filters the list below), tasks due in the
next 30 days, the overdue list, the difficult tasks apart and the cancelled ones apart (counted
in none of the figures). Computation lives in analytics/briefing.py; derived tables are cached
by (snapshot ids, date, filters, scope).
"""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import streamlit as st

from analytics import briefing as B
from analytics import exports
from analytics.i18n import fmt_date, fmt_int, fmt_month
from analytics.store import Filters, Scope
from ui import cache, charts, components, data, reports, state
from ui.auth import esc
from ui.state import View

PICK_KEY = "briefing_late_agency"
SHOW_ALL_KEY = "briefing_show_all"
CHART_KEYS = {"central": "briefing_late_chart_central", "province": "briefing_late_chart_province"}

LIST_COLUMNS = {  # in display order
    "late": [
        "task_id",
        "title",
        "lead",
        "status_label",
        "deadline",
        "days_overdue",
        "days_late",
        "causes",
        "source",
        "source_doc",
        "leader",
    ],
    "at_risk": [
        "task_id",
        "title",
        "lead",
        "deadline",
        "deadline_text",
        "source",
        "source_doc",
        "leader",
    ],
    "overdue": [
        "task_id",
        "title",
        "lead",
        "deadline",
        "days_overdue",
        "causes",
        "source",
        "source_doc",
        "leader",
    ],
    "difficult": [
        "task_id",
        "title",
        "lead",
        "status_label",
        "deadline",
        "days_overdue",
        "causes",
        "source",
        "source_doc",
        "leader",
    ],
    "changes": ["task_id", "title", "lead", "status_label", "deadline", "source"],
    "cancelled": [
        "task_id",
        "title",
        "lead",
        "deadline",
        "status_text",
        "source",
        "source_doc",
        "leader",
    ],
}
# The task attributes (assigning document, leader) show only where some task in a list has one.


# --------------------------------------------------------------------------- cached tables


def _present(frame: pd.DataFrame, agencies: pd.DataFrame, lang: str, kind: str) -> pd.DataFrame:
    columns = exports.shown_columns(LIST_COLUMNS[kind], frame)
    shown = exports.present_tasks(frame, agencies, lang, columns)
    return B.ordered(shown, columns, lang)


@cache.resource(ttl=3600)
def _derived(
    db: str,
    ids: tuple[int, ...],
    prev_ids: tuple[int, ...],
    as_of: dt.date,
    prev_date: dt.date | None,
    filters: Filters,
    scope: Scope,
) -> dict:
    """Everything the page shows, language-free (ids/dates only key the cache)."""
    df = data.tasks(as_of, filters, scope)
    out: dict = {
        "headline": data.aggregate("headline", as_of, filters, scope),
        "sources": B.source_headlines(df, as_of),
        "prev_headline": None,
        "prev_sources": None,
        "changes": None,
        "change_list": None,
    }
    if prev_date is not None:
        before = data.tasks(prev_date, filters, scope)
        out["prev_headline"] = data.aggregate("headline", prev_date, filters, scope)
        out["prev_sources"] = B.source_headlines(before, prev_date)
        ch = B.compare(before, df)
        out["changes"] = ch.counts()
        out["change_list"] = B.change_list(ch)
    table = data.aggregate("by_agency", as_of, filters, scope)
    for group in B.PEER_GROUPS:
        out[f"late_{group}"] = B.late_by_agency(
            table, group, filters.agency_ids, filters.agency_types
        )
    out["at_risk"] = B.at_risk(df, as_of)
    out["month"] = B.open_due_in_month(df, as_of)
    out["overdue"] = B.overdue_list(df)
    out["difficult"] = B.difficult_tasks(df)
    out["cancelled"] = B.cancelled_list(df)
    return out


@cache.resource(ttl=3600)
def _presented(
    db: str,
    ids: tuple[int, ...],
    prev_ids: tuple[int, ...],
    as_of: dt.date,
    prev_date: dt.date | None,
    filters: Filters,
    scope: Scope,
    lang: str,
) -> dict[str, pd.DataFrame]:
    """The lists as users read them (names, labels, headings in `lang`)."""
    d = _derived(db, ids, prev_ids, as_of, prev_date, filters, scope)
    agencies = data.agencies()
    out = {}
    for name in ("at_risk", "overdue", "difficult", "cancelled"):
        out[name] = _present(d[name], agencies, lang, name)
    if d["change_list"] is not None and len(d["change_list"]):
        cl = d["change_list"]
        shown = _present(cl, agencies, lang, "changes")
        shown.insert(0, B.tr("col_change", lang), [B.tr(f"chg_{k}", lang) for k in cl["change"]])
        shown[B.tr("col_deadline_before", lang)] = pd.to_datetime(
            cl["deadline_before"]
        ).dt.date.to_numpy()
        out["changes"] = shown
    else:
        out["changes"] = None
    out["sources"] = B.source_table(d["sources"], d["prev_sources"], lang, prev_date)
    return out


@cache.resource(ttl=3600)
def _late_list(
    db: str,
    ids: tuple[int, ...],
    as_of: dt.date,
    filters: Filters,
    scope: Scope,
    agency_id: str,
    lang: str,
) -> pd.DataFrame:
    df = data.tasks(as_of, filters, scope)
    return _present(B.late_tasks(df, agency_id or None), data.agencies(), lang, "late")


# --------------------------------------------------------------------------- drawing


def _tr(view: View, key: str, **fmt) -> str:
    return B.tr(key, view.lang, **fmt)


def _on_bar_select(chart_key: str, options: tuple[str, ...]) -> None:
    """A click on a bar picks that agency for the list below (the selectbox follows)."""
    picked = charts.selected_ids(st.session_state.get(chart_key))
    if not picked:
        st.session_state[PICK_KEY] = ""
    elif picked[0] in options:
        st.session_state[PICK_KEY] = picked[0]


def _late_section(view: View, d: dict, ids: tuple[int, ...]) -> None:
    st.subheader(_tr(view, "late_title"))
    st.caption(_tr(view, "late_caption"))
    show_all = st.toggle(_tr(view, "show_all"), key=SHOW_ALL_KEY)
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
            title = _tr(view, f"late_{group}")
            if frame.empty:
                st.markdown(f"**{esc(title)}**")
                st.caption(_tr(view, "no_late"))
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
                config={"displaylogo": False},
            )
            if len(shown) < len(frame):
                st.caption(_tr(view, "top_n", n=len(shown), total=len(frame)))
    if st.session_state.get(PICK_KEY) not in options:
        st.session_state[PICK_KEY] = ""
    agency_id = st.selectbox(
        _tr(view, "late_pick"),
        options,
        key=PICK_KEY,
        format_func=lambda a: view.t("all_agencies") if not a else names.get(a, a),
    )
    frame = _late_list(
        data.db(), ids, view.as_of, view.filters, view.scope, agency_id or "", view.lang
    )
    st.markdown(f"**{esc(_tr(view, 'late_list'))}**")
    st.caption(
        _tr(view, "late_list_of", n=len(frame))
        if agency_id
        else _tr(view, "late_list_all", n=len(frame))
    )
    components.table(view, frame, "briefing_late_table", "late_tasks")


def _main(view: View) -> None:
    ids = components.page_header(view, "page_briefing")
    reports.report_buttons(view)
    components.legend(view)
    db = data.db()
    d0 = data.tasks(view.as_of, view.filters, view.scope)
    if d0.empty:
        components.no_data(view)
        return
    prev_date = B.previous_date(data.snapshots(), view.as_of, view.filters.sources)
    prev_ids = data.snapshot_ids(prev_date, view.filters.sources) if prev_date else ()
    d = _derived(db, ids, prev_ids, view.as_of, prev_date, view.filters, view.scope)
    p = _presented(db, ids, prev_ids, view.as_of, prev_date, view.filters, view.scope, view.lang)

    # Headline
    if prev_date is not None:
        st.caption(_tr(view, "compared_with", date=fmt_date(prev_date, view.lang)))
    else:
        st.caption(_tr(view, "no_previous", date=fmt_date(view.as_of, view.lang)))
    head = d["headline"]
    components.cards(view, head, d["prev_headline"])
    st.caption(
        _tr(
            view,
            "extra_counts",
            unknown=fmt_int(head["completed_timing_unknown"], view.lang),
            due=fmt_int(head["due"], view.lang),
        )
    )

    # The status donut and the changes since the previous snapshot date
    left, right = st.columns([2, 3])
    with left:
        st.plotly_chart(
            charts.status_donut(head, view.lang, _tr(view, "status_chart")),
            key="briefing_status_donut",
            config={"displaylogo": False},
        )
    with right:
        st.subheader(_tr(view, "changes"))
        if d["changes"] is None:
            st.caption(_tr(view, "no_previous", date=fmt_date(view.as_of, view.lang)))
        else:
            st.caption(_tr(view, "compared_with", date=fmt_date(prev_date, view.lang)))
            counts = d["changes"]
            for start in (0, 3):
                kinds = B.CHANGE_KINDS[start : start + 3]
                for col, kind in zip(st.columns(3), kinds, strict=False):
                    col.metric(
                        _tr(view, f"chg_{kind}"), fmt_int(counts[kind], view.lang), border=True
                    )
            with st.expander(_tr(view, "chg_list")):
                components.table(view, p["changes"], "briefing_changes_table", "changes")

    # By source
    st.subheader(_tr(view, "by_source"))
    for source, figures in d["sources"].items():
        st.markdown(f"**{esc(source)}**")
        prev = d["prev_sources"].get(source) if d["prev_sources"] is not None else None
        components.cards(view, figures, prev)
    with st.expander(_tr(view, "source_table")):
        components.table(view, p["sources"], "briefing_sources_table", "by_source")

    # Late by ministry / province, a click filters the list
    _late_section(view, d, ids)

    # At risk: due in the next 30 days, and this month
    st.subheader(_tr(view, "at_risk", days=B.AT_RISK_DAYS))
    c1, c2, _ = st.columns(3)
    c1.metric(
        _tr(view, "at_risk_count", days=B.AT_RISK_DAYS),
        fmt_int(len(d["at_risk"]), view.lang),
        border=True,
    )
    c2.metric(
        _tr(
            view, "month_count", month=fmt_month(B.as_date(view.as_of).strftime("%Y-%m"), view.lang)
        ),
        fmt_int(len(d["month"]), view.lang),
        help=_tr(view, "month_help"),
        border=True,
    )
    components.table(view, p["at_risk"], "briefing_at_risk_table", "at_risk")

    # Overdue
    st.subheader(_tr(view, "overdue_title"))
    components.table(view, p["overdue"], "briefing_overdue_table", "overdue")

    # Difficult tasks, apart
    st.subheader(_tr(view, "difficult_title"))
    diff = d["difficult"]
    st.caption(
        _tr(
            view,
            "difficult_caption",
            n=len(diff),
            open=int(diff["status"].isin(B.OPEN_STATUSES).sum()),
            overdue=int((diff["status"] == "overdue").sum()),
        )
    )
    components.table(view, p["difficult"], "briefing_difficult_table", "difficult_tasks")

    # Cancelled tasks, counted and listed apart (only when there are any)
    if len(d["cancelled"]):
        st.subheader(_tr(view, "cancelled_title"))
        st.caption(_tr(view, "cancelled_caption", n=fmt_int(len(d["cancelled"]), view.lang)))
        components.table(view, p["cancelled"], "briefing_cancelled_table", "cancelled_tasks")


view = state.current_view()
with components.guard(view.lang):
    _main(view)
