"""Cached access to the store, keyed on (snapshot ids in force, date, filters, scope).

Frames are cached as shared objects (cache_resource): no copy per rerun, so callers must treat
them as read-only (every analytics function returns new frames).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import metrics, store
from analytics.store import Filters, Scope


def db() -> str:
    return str(store.db_path())


def token() -> tuple:
    """Changes when the database file changes (a stat, no query)."""
    return store.version_token(db())


@st.cache_resource(max_entries=64, ttl=3600, show_spinner=False)
def _snapshot_ids(
    path: str, tok: tuple, as_of: dt.date, sources: tuple[str, ...]
) -> tuple[int, ...]:
    return store.snapshots_in_force(path, as_of, sources)


def snapshot_ids(as_of: dt.date, sources: tuple[str, ...] = ()) -> tuple[int, ...]:
    return _snapshot_ids(db(), token(), as_of, sources)


@st.cache_resource(max_entries=64, ttl=3600, show_spinner=False)
def _tasks(
    path: str, snap_ids: tuple[int, ...], as_of: dt.date, filters: Filters, scope: Scope
) -> pd.DataFrame:
    return store.load_tasks(path, as_of, filters, scope)


def tasks(as_of: dt.date, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Tasks in force at `as_of` within the user's scope (read-only shared frame)."""
    return _tasks(db(), snapshot_ids(as_of, filters.sources), as_of, filters, scope)


@st.cache_resource(max_entries=256, ttl=3600, show_spinner=False)
def _aggregate(kind: str, path: str, snap_ids, as_of, filters: Filters, scope: Scope):
    df = _tasks(path, snap_ids, as_of, filters, scope)
    if kind == "headline":
        return metrics.headline(df, as_of)
    if kind == "by_source":
        return metrics.by_source(df)
    if kind == "by_agency":
        return metrics.by_agency(df, agencies(), as_of, scope.agency_ids)
    if kind == "by_month":
        return metrics.by_month(df)
    raise ValueError(kind)


def aggregate(kind: str, as_of: dt.date, filters: Filters, scope: Scope):
    """headline | by_source | by_agency | by_month of the tasks in view (cached)."""
    return _aggregate(kind, db(), snapshot_ids(as_of, filters.sources), as_of, filters, scope)


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _catalog(path: str, tok: tuple) -> dict:
    snaps = store.list_snapshots(path)
    return {
        "snapshots": snaps,
        "agencies": store.list_agencies(path),
        "sources": sorted(snaps["source"].unique().tolist()) if len(snaps) else [],
        "dates": sorted(
            {pd.Timestamp(d).date() for d in snaps.loc[snaps["status"] == "active", "as_of"]}
        ),
    }


def catalog() -> dict:
    """Snapshots, agencies, sources and snapshot dates (refreshed when the file changes)."""
    return _catalog(db(), token())


def agencies() -> pd.DataFrame:
    return catalog()["agencies"]


def snapshots() -> pd.DataFrame:
    return catalog()["snapshots"]


def clear() -> None:
    """After a write in this process: drop everything cached."""
    _snapshot_ids.clear()
    _tasks.clear()
    _aggregate.clear()
    _catalog.clear()
