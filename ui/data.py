"""Cached access to the store, keyed on (snapshot ids in force, date, filters, scope).

Frames are cached as shared objects in the byte-bounded store (ui/cache.py): no copy per rerun,
so callers must treat them as read-only (every analytics function returns new frames). What is
in force is looked up keyed on `store.version_token` (the file's stat), so a commit by another
process is seen at the next rerun.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics import metrics, store
from analytics.store import Filters, Scope
from ui import cache


def db() -> str:
    return str(store.db_path())


def token() -> tuple:
    """Changes when the database file changes (a stat, no query)."""
    return store.version_token(db())


@cache.resource(ttl=3600)
def _snapshot_ids(
    path: str, tok: tuple, as_of: dt.date, sources: tuple[str, ...]
) -> tuple[int, ...]:
    return store.snapshots_in_force(path, as_of, sources)


def snapshot_ids(as_of: dt.date, sources: tuple[str, ...] = ()) -> tuple[int, ...]:
    return _snapshot_ids(db(), token(), as_of, sources)


@cache.resource(ttl=3600)
def _tasks(
    path: str, snap_ids: tuple[int, ...], as_of: dt.date, filters: Filters, scope: Scope
) -> pd.DataFrame:
    return store.load_tasks(path, as_of, filters, scope)


def tasks(as_of: dt.date, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Tasks in force at `as_of` within the user's scope (read-only shared frame)."""
    return _tasks(db(), snapshot_ids(as_of, filters.sources), as_of, filters, scope)


@cache.resource(ttl=3600)
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


@cache.resource(ttl=3600)
def _held_back(
    path: str, snap_ids: tuple[int, ...], as_of: dt.date, sources: tuple[str, ...], scope: Scope
) -> pd.DataFrame:
    return store.held_back_in_force(path, as_of, sources, scope)


def held_back(as_of: dt.date, sources: tuple[str, ...], scope: Scope) -> pd.DataFrame:
    """The snapshots in force with rows held back, as `scope` may see them (read-only)."""
    return _held_back(db(), snapshot_ids(as_of, sources), as_of, sources, scope)


@cache.resource(ttl=3600)
def _source_docs(
    path: str, snap_ids: tuple[int, ...], as_of: dt.date, sources: tuple[str, ...], scope: Scope
) -> tuple[str, ...]:
    return tuple(store.source_docs(path, as_of, sources, scope)["source_doc"])


def source_docs(as_of: dt.date, sources: tuple[str, ...], scope: Scope) -> tuple[str, ...]:
    """The assigning documents of the tasks in force at `as_of` that `scope` may see."""
    return _source_docs(db(), snapshot_ids(as_of, sources), as_of, sources, scope)


@cache.resource(ttl=3600)
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
    _held_back.clear()
    _source_docs.clear()
    _catalog.clear()
