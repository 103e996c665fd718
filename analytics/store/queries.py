"""Reading the store: the state in force at any date (every task judged at that date, narrowed
by filters and the access scope, in the query, for every caller), the snapshots, their warnings
and held-back rows, the agencies, the stored files."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from contextlib import suppress
from typing import TYPE_CHECKING

from analytics.model import Filters, Scope
from analytics.store.connection import connect, sql

if TYPE_CHECKING:  # pandas loads only where a frame is made (keeps `ingest` quick to start)
    import pandas as pd


def _list_param(values) -> list | None:
    return list(values) if values else None


def load_tasks(db, as_of: dt.date, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Every task in force at `as_of`, judged at `as_of`, narrowed by filters and scope.

    The scope is applied here, in the query, for every caller.
    """
    params = {"as_of": as_of, **filter_params(filters, scope)}
    with connect(db) as con:
        params = with_units(con, params)
        return con.execute(sql("tasks_at"), params).to_arrow_table().to_pandas()


def filter_params(filters: Filters, scope: Scope) -> dict:
    """The bound parameters of the filters and the access scope, as tasks_at.sql and
    history_trend.sql take them (a null list: no restriction)."""
    return {
        "sources": _list_param(filters.sources),
        "agencies": _list_param(filters.agency_ids),
        "agency_types": _list_param(filters.agency_types),
        "difficult_only": bool(filters.difficult_only),
        "source_docs": _list_param(filters.source_docs),
        "scope": None if scope.agency_ids is None else sorted(scope.agency_ids),
        "judge_original": bool(filters.judge_original),
    }


def with_units(con, params: dict) -> dict:
    """Query parameters with the agency filter ('agencies') and the access scope ('scope')
    widened to the registered units of the agencies they name: a ministry's filter, or its
    viewer's scope, takes in its units' tasks. The one place a parent id is expanded (its
    counterpart, counting a unit's task for its parent, is metrics.roll_up)."""
    out = dict(params)
    for name in ("agencies", "scope"):
        ids = out.get(name)
        if not ids:  # None: no restriction; []: nothing
            continue
        units = units_of(con, ids)
        if units:
            out[name] = sorted({*ids, *units})
    return out


def with_units_of(db, ids) -> tuple[str, ...]:
    """`ids` followed by their registered units (store.units_of): an agency update of a ministry
    covers its units' tasks, as its filter and its viewers' scope do."""
    ids = tuple(dict.fromkeys(ids or ()))
    if not ids:
        return ids
    with connect(db) as con:
        return ids + tuple(u for u in units_of(con, ids) if u not in ids)


def units_of(con, ids) -> list[str]:
    """The registered units (agency_units) of the agencies `ids`."""
    if not ids:
        return []
    rows = con.execute(
        "select agency_id from agency_units where list_contains($ids, parent_id) order by 1",
        {"ids": list(ids)},
    ).fetchall()
    return [r[0] for r in rows]


def snapshots_in_force(db, as_of: dt.date, sources: Sequence[str] = ()) -> tuple[int, ...]:
    """The snapshot ids whose tasks make up the state at `as_of` (a cache key)."""
    with connect(db) as con:
        return in_force(con, as_of, sources)


def in_force(con, as_of: dt.date, sources: Sequence[str] = ()) -> tuple[int, ...]:
    """snapshots_in_force over an open connection (sql/snapshot_ids_in_force.sql)."""
    params = {"as_of": as_of, "sources": _list_param(sources)}
    return tuple(r[0] for r in con.execute(sql("snapshot_ids_in_force"), params).fetchall())


def sheet_names(text: str | None) -> list[str]:
    """The sheets a snapshot was read from (`snapshots.sheet`, see sheet_text)."""
    if text is None or not isinstance(text, str) or text == "":
        return []
    if text.startswith("["):
        with suppress(ValueError):
            names = json.loads(text)
            if isinstance(names, list) and all(isinstance(n, str) for n in names):
                return names
    return [text]


def list_snapshots(db) -> pd.DataFrame:
    """Every snapshot, oldest first; `sheets` lists the sheets each was read from."""
    with connect(db) as con:
        frame = con.execute(sql("snapshots_list")).df()
    frame["sheets"] = frame["sheet"].map(sheet_names)
    return frame


def list_warnings(db, snapshot_ids: Sequence[int] | None = None) -> pd.DataFrame:
    with connect(db) as con:
        return con.execute(sql("warnings_list"), {"ids": _list_param(snapshot_ids)}).df()


def _scope_param(scope: Scope) -> list | None:
    return None if scope.agency_ids is None else sorted(scope.agency_ids)


def held_back_in_force(
    db, as_of: dt.date, sources: Sequence[str] = (), scope: Scope | None = None
) -> pd.DataFrame:
    """Per snapshot in force at `as_of` with rows held back: snapshot_id, source, as_of,
    file_name, n_rows (the rows `scope` may see)."""
    params = {
        "as_of": as_of,
        "sources": _list_param(sources),
        "scope": _scope_param(scope or Scope.everything()),
    }
    with connect(db) as con:
        return con.execute(sql("held_back_in_force"), params).df()


def list_held_back(
    db, snapshot_ids: Sequence[int] | None = None, scope: Scope | None = None
) -> pd.DataFrame:
    """The held-back rows of these snapshots (None: all), one line per error, as `scope` may
    see them."""
    params = {
        "ids": None if snapshot_ids is None else list(snapshot_ids) or [-1],  # -1: no snapshot
        "scope": _scope_param(scope or Scope.everything()),
    }
    with connect(db) as con:
        return con.execute(sql("held_back_list"), params).df()


def list_agencies(db) -> pd.DataFrame:
    """agency_id, name_vi, name_en, agency_type, parent_id (a registered unit's parent)."""
    with connect(db) as con:
        return con.execute(sql("agencies")).df()


def source_docs(
    db, as_of: dt.date, sources: Sequence[str] = (), scope: Scope | None = None
) -> pd.DataFrame:
    """The assigning documents of the tasks in force at `as_of` that `scope` may see:
    source_doc, n_tasks (sql/source_docs_at.sql)."""
    params = {
        "as_of": as_of,
        "sources": _list_param(sources),
        "scope": _scope_param(scope or Scope.everything()),
    }
    with connect(db) as con:
        params = with_units(con, params)
        return con.execute(sql("source_docs_at"), params).df()


def sources(db) -> list[str]:
    with connect(db) as con:
        return [
            r[0] for r in con.execute("select distinct source from snapshots order by 1").fetchall()
        ]


def latest_as_of(db) -> dt.date | None:
    with connect(db) as con:
        return con.execute("select max(as_of) from snapshots where status = 'active'").fetchone()[0]


def is_empty(db) -> bool:
    with connect(db) as con:
        return con.execute("select count(*) from snapshots").fetchone()[0] == 0


def file_bytes(db, file_sha: str) -> bytes | None:
    with connect(db) as con:
        row = con.execute("select data from blobs where sha256 = ?", [file_sha]).fetchone()
    return bytes(row[0]) if row else None


def storage_counts(db) -> dict:
    with connect(db) as con:
        return {
            "snapshots": con.execute("select count(*) from snapshots").fetchone()[0],
            "task_versions": con.execute("select count(*) from task_versions").fetchone()[0],
            "blobs": con.execute("select count(*) from blobs").fetchone()[0],
        }
