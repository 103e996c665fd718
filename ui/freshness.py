"""The connected sources' freshness on the pages (analytics/connectors/freshness.py computes):
the Data page's sources panel (each source of the sources file with its kind, what it reads,
its last successful pull, its last failure and why, the date and age of its data) and the
briefing's line for each source whose data is older than TASKS_STALE_SOURCE_DAYS."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import streamlit as st

from analytics import connectors
from analytics.connectors import freshness
from analytics.connectors.sources import SourcesInvalid, load_sources, sources_path
from analytics.i18n import fmt_date, fmt_int
from analytics.reporting.rules import vn_day, vn_time
from ui import cache, charts_time, data
from ui.html import esc
from ui.state import View


def _file_stamp(path) -> tuple:
    try:
        st_ = os.stat(path)
    except OSError:
        return (str(path), None)
    return (str(path), st_.st_mtime_ns, st_.st_size)


@cache.resource(ttl=300, generational=False)
def _state(db: str, token: tuple, stamp: tuple, today: dt.date):
    """(the freshness of each source, the sources file's problems, or None: no file)."""
    path = stamp[0]
    if stamp[1] is None:
        return None
    try:
        sources = load_sources(path)
    except SourcesInvalid as exc:
        return [], list(exc.errors)
    return freshness.freshness(sources, freshness.rows_of(db), today), []


def state() -> tuple[list, list] | None:
    today = vn_day(connectors.utc_now())  # the clock the pulls record (tests set it)
    return _state(data.db(), data.token(), _file_stamp(sources_path()), today)


def _age(view: View, item: freshness.Freshness) -> str:
    if item.age_days is None:
        return view.t("connectors.never")
    if item.age_days == 0:
        return view.t("connectors.age_today")
    return view.t("connectors.age_days", days=fmt_int(item.age_days, view.lang))


def _when(value) -> str:
    return vn_time(value) if value is not None else ""


def sources_table(view: View, items: list) -> pd.DataFrame:
    return pd.DataFrame(
        {
            view.t("col.source"): [f.name for f in items],
            view.t("data.col_kind"): [view.t(f"connectors.kind_{f.kind}") for f in items],
            view.t("connectors.col_detail"): [f.detail for f in items],
            view.t("connectors.col_last_ok"): [
                _when(f.last_success_at) or view.t("connectors.never") for f in items
            ],
            view.t("common.result"): [
                view.t(f"connectors.status_{f.last_status}") if f.last_status else "" for f in items
            ],
            view.t("data.col_as_of"): [fmt_date(f.data_as_of, view.lang) for f in items],
            view.t("connectors.col_age"): [_age(view, f) for f in items],
            view.t("connectors.col_last_failure"): [_when(f.last_failure_at) for f in items],
            view.t("connectors.col_reason"): [f.reason(view.lang) for f in items],
        }
    )


def sources_panel(view: View) -> None:
    """The Data page's panel: every declared source and how fresh its data is."""
    st.subheader(view.t("connectors.panel_title"))
    path = esc(sources_path())
    found = state()
    if found is None:
        st.caption(view.t("connectors.no_sources", path=path))
        return
    items, problems = found
    if problems:
        lines = [view.t("connectors.sources_invalid", path=path)]
        lines += [esc(p.message_vi if view.lang == "vi" else p.message) for p in problems]
        st.error("\n\n".join(lines))
        return
    if not items:
        st.caption(view.t("connectors.no_sources", path=path))
        return
    st.caption(view.t("connectors.panel_caption", path=path))
    charts_time.show_table(sources_table(view, items), view.lang, key="data_sources_table")


def stale_notice(view: View) -> None:
    """The briefing's line for each source whose data is older than the setting."""
    found = state()
    if not found:
        return
    for item in freshness.stale(found[0]):
        if item.age_days is None:
            st.warning(view.t("connectors.stale_never", name=item.name))
        else:
            days = fmt_int(item.age_days, view.lang)
            st.warning(view.t("connectors.stale", name=item.name, days=days))
