"""Writing the store: one file becomes one snapshot, all or nothing, its tasks' versions valid
over snapshot ranges (a task that did not change keeps its version); retracting and restoring a
snapshot. Every write holds the process's write lock and one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from analytics import faults
from analytics.model import TASK_FIELDS, Filters, Scope, Task, TaskBatch
from analytics.problems import HeldBackRow, Problem
from analytics.store.connection import SQL_DIR, _write_lock, connect, insert_arrow, registered, sql
from analytics.store.proposals import split_proposals
from analytics.store.queries import filter_params, in_force

if TYPE_CHECKING:  # pandas loads only where a frame is made (keeps `ingest` quick to start)
    import pandas as pd


class StaleBase(RuntimeError):
    """The state a change was prepared against is no longer the one in force (another commit
    landed in between); nothing was written."""


@dataclass(frozen=True)
class CommitResult:
    snapshot_id: int
    source: str
    as_of: dt.date
    tasks: int
    duplicate: bool = False
    kind: str = "full"
    held_back: int = 0  # rows of the file held back (recorded in held_back_rows)
    kept: tuple[str, ...] = ()  # held-back rows' tasks whose previous version stays in force
    proposed: tuple[str, ...] = ()  # an agency file's new tasks, kept as proposals (not stored)


def _expression(name: str) -> str:
    """The expression of sql/<name>.sql without its comments, on one line."""
    lines = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8").splitlines()
    return " ".join(" ".join(ln for ln in lines if not ln.lstrip().startswith("--")).split())


# What computed the stored content hashes; a different value means recompute them first: another
# DuckDB, or another expression (a column added to sql/content_hash.sql: a file's stored hashes
# are then recomputed over the same columns as the new ones before anything is compared).
CONTENT_HASH_ENGINE = (
    f"hash() of duckdb {duckdb.__version__} over "
    + hashlib.sha256(_expression("content_hash").encode()).hexdigest()[:12]
)


def _ensure_content_hashes(con) -> None:
    """Inside a write transaction: make the stored hashes comparable with new ones."""
    row = con.execute("select value from meta where key = 'content_hash'").fetchone()
    if row is not None and row[0] == CONTENT_HASH_ENGINE:
        return
    con.execute(sql("rehash_versions"))
    con.execute("delete from meta where key = 'content_hash'")
    con.execute("insert into meta values ('content_hash', ?)", [CONTENT_HASH_ENGINE])


_TASK_SCHEMA = pa.schema(
    [
        ("task_id", pa.string()),
        ("grp", pa.string()),
        ("title", pa.string()),
        ("lead_ids", pa.list_(pa.string())),
        ("lead_text", pa.string()),
        ("support_ids", pa.list_(pa.string())),
        ("support_text", pa.string()),
        ("product", pa.string()),
        ("deadline", pa.date32()),
        ("deadline_text", pa.string()),
        ("deadline_kind", pa.string()),
        ("status_text", pa.string()),
        ("status_class", pa.string()),
        ("completion_date", pa.date32()),
        ("difficult", pa.bool_()),
        ("priority", pa.string()),
        ("causes", pa.string()),
        ("proposals", pa.string()),
        ("notes", pa.string()),
        ("result", pa.string()),
        ("id_derived", pa.bool_()),
        ("origin_snapshot", pa.int32()),
        ("origin_sheet", pa.string()),
        ("origin_row", pa.int32()),
        ("source_doc", pa.string()),
        ("assigned_date", pa.date32()),
        ("leader", pa.string()),
        ("agency_comment", pa.string()),
        ("progress", pa.string()),
    ]
)


_ATTR = {"grp": "group", "origin_sheet": "sheet", "origin_row": "row"}


def tasks_to_arrow(tasks: Sequence[Task], snapshot_id: int) -> pa.Table:
    """Tasks as an Arrow table, built column by column (a TaskBatch hands over its columns)."""
    n = len(tasks)
    if isinstance(tasks, TaskBatch):
        columns = tasks.columns
    else:
        columns = {f: [getattr(t, f) for t in tasks] for f in TASK_FIELDS}
    cols: dict[str, object] = {}
    for name in _TASK_SCHEMA.names:
        attr = _ATTR.get(name, name)
        if name == "origin_snapshot":
            cols[name] = pa.repeat(pa.scalar(snapshot_id, pa.int32()), n)
        elif name in ("difficult", "id_derived") and not isinstance(tasks, TaskBatch):
            cols[name] = [bool(v) for v in columns[attr]]  # a TaskBatch holds bools already
        else:
            cols[name] = columns[attr]
    return pa.table(cols, schema=_TASK_SCHEMA)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_duplicate(con, file_sha: str, source: str, as_of: dt.date) -> int | None:
    row = con.execute(
        "select min(snapshot_id) from snapshots where file_sha256 = ? and source = ? and as_of = ?",
        [file_sha, source, as_of],
    ).fetchone()
    return row[0] if row and row[0] is not None else None


def sheet_text(sheet: str | Sequence[str] | None) -> str | None:
    """What `snapshots.sheet` holds: the name of the one sheet read (as databases made before
    several sheets were read hold), or, for several task sheets, their names as a JSON list.
    Excel and ODS sheet names cannot hold '[', so the two never meet (see queries.sheet_names)."""
    if sheet is None or isinstance(sheet, str):
        return sheet
    names = list(sheet)
    if not names:
        return None
    return names[0] if len(names) == 1 else json.dumps(names, ensure_ascii=False)


def commit_snapshot(
    db: str | os.PathLike | None,
    *,
    source: str,
    as_of: dt.date,
    tasks: Sequence[Task],
    agencies: Sequence,
    file_bytes: bytes,
    file_name: str,
    sheet: str | Sequence[str] | None = None,
    header_row: int | None = None,
    user: str | None = None,
    warnings: Sequence[Problem] = (),
    update_agencies: Sequence[str] | None = None,
    expected_base: tuple[int, ...] | None = None,
    held_back: Sequence[HeldBackRow] = (),
    timeout: float = 30.0,
    accepted: Sequence[str] = (),
    inside: Callable[[object, CommitResult], None] | None = None,
) -> CommitResult:
    """Store one file as one snapshot, all or nothing.

    `sheet`: the sheet read, or the sheets (a workbook's several task sheets; see sheet_text).
    `update_agencies`: the file holds only these agencies' tasks; every task of the source in
    force at `as_of` that the file does not give is carried over unchanged (an agency's file
    never removes a task), and every task it gives whose id is not in force in the source is
    not stored but kept as a pending proposal (store/proposals.py; CommitResult.proposed), but
    for the ids `accepted` (a proposal accepted: the task joins the list).
    `inside`: called with the connection and the result inside the transaction, after the
    snapshot is written (what must be stored with it, or not at all).
    `expected_base`: the snapshot ids of `source` in force at `as_of` when the change was
    prepared (an upload's preview); checked inside the write, so a commit that landed in between
    raises StaleBase instead of being silently overwritten.
    """
    file_sha = sha256(file_bytes)
    kind = "agency_update" if update_agencies else "full"
    with _write_lock, connect(db, timeout=timeout) as con:
        dup = find_duplicate(con, file_sha, source, as_of)
        if dup is not None:
            n = con.execute(
                "select n_tasks from snapshots where snapshot_id = ?", [dup]
            ).fetchone()[0]
            return CommitResult(dup, source, as_of, n, duplicate=True, kind=kind)
        # One thread: the write is a few scans of an Arrow table and one append, where a second
        # thread costs more than it brings (measured: stage + append 0.43 s -> 0.34 s on 100k
        # tasks); reset afterwards, as the setting belongs to the database instance.
        con.execute("set threads = 1")
        con.execute("begin transaction")
        try:
            if expected_base is not None:
                current = in_force(con, as_of, (source,))
                if tuple(current) != tuple(expected_base):
                    raise StaleBase(
                        f"{source}: the snapshots in force changed from {tuple(expected_base)} "
                        f"to {tuple(current)} since the change was prepared"
                    )
            result = _write(
                con,
                source=source,
                as_of=as_of,
                tasks=tasks,
                agencies=agencies,
                file_bytes=file_bytes,
                file_sha=file_sha,
                file_name=file_name,
                sheet=sheet_text(sheet),
                header_row=header_row,
                user=user,
                warnings=warnings,
                update_agencies=update_agencies,
                kind=kind,
                held_back=held_back,
                accepted=accepted,
            )
            if inside is not None:
                inside(con, result)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        finally:
            con.execute("reset threads")
    return result


def _write(
    con,
    *,
    source,
    as_of,
    tasks,
    agencies,
    file_bytes,
    file_sha,
    file_name,
    sheet,
    header_row,
    user,
    warnings,
    update_agencies,
    kind,
    held_back=(),
    accepted=(),
) -> CommitResult:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    snapshot_id = con.execute("select coalesce(max(snapshot_id), 0) + 1 from snapshots").fetchone()[
        0
    ]
    # A plain VALUES insert: a select with the bytes as a parameter copies them (0.17 s for a
    # 6.5 MB file against 0.02 s).
    if con.execute("select count(*) from blobs where sha256 = ?", [file_sha]).fetchone()[0] == 0:
        con.execute(
            "insert into blobs values (?, ?, ?, ?)", [file_sha, len(file_bytes), file_bytes, now]
        )
    _ensure_content_hashes(con)
    last_seq = con.execute("select max(seq) from snapshots where source = ?", [source]).fetchone()[
        0
    ]
    later = con.execute(
        "select count(*) from snapshots where source = ? and as_of > ?", [source, as_of]
    ).fetchone()[0]
    open_versions = con.execute(
        "select count(*) from task_versions where source = ? and to_seq is null", [source]
    ).fetchone()[0]
    # Every task is new when the file is a whole list, the source's latest, and nothing of the
    # source is open: the tasks go straight from Arrow into task_versions (no staged copy).
    held_ids = sorted({h.task_id for h in held_back if h.task_id})
    all_new = not update_agencies and not held_ids and later == 0 and open_versions == 0
    with registered(con, "incoming", tasks_to_arrow(tasks, snapshot_id)):
        relation = "view" if all_new else "table"  # from this allow-list only
        con.execute(f"create or replace temp {relation} stage as {sql('staged_tasks')}")
        kept = _carry_over_held_back(con, source, as_of, held_ids, snapshot_id) if held_ids else ()
        proposed: tuple[str, ...] = ()
        if update_agencies:  # the file's new tasks are proposals, then every other task stays
            proposed = split_proposals(
                con, source=source, as_of=as_of, tasks=tasks, snapshot_id=snapshot_id,
                user=user, now=now, accepted=accepted,
            )  # fmt: skip
            _carry_over_others(con, source, as_of)
        n_tasks = len(tasks) if all_new else con.execute("select count(*) from stage").fetchone()[0]
        base = in_force(con, as_of, (source,))  # before this snapshot is in it
        con.execute(
            "insert into snapshots values (?, ?, ?, null, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', null, null)",
            [
                snapshot_id,
                source,
                as_of,
                now,
                user,
                file_name,
                file_sha,
                sheet,
                header_row,
                kind,
                list(update_agencies) if update_agencies else None,
                n_tasks,
                len(warnings),
            ],
        )
        if later == 0:
            new_seq = (last_seq or 0) + 1
            con.execute(
                "update snapshots set seq = ? where snapshot_id = ?", [new_seq, snapshot_id]
            )
            _append_versions(con, source, new_seq, all_new=all_new)
        else:
            _rebuild_versions(con, source, snapshot_id)
        con.execute(  # where each of its tasks was read (the file, sheet, row tables show)
            sql("task_rows_add"), {"snapshot_id": snapshot_id, "base": base[0] if base else None}
        )
        faults.point("store.commit.inside_transaction")  # tests: die in the open transaction
        _store_warnings(con, snapshot_id, warnings)
        _store_held_back(con, snapshot_id, held_back, kept)
        _store_agencies(con, agencies)
        return CommitResult(
            snapshot_id, source, as_of, n_tasks, kind=kind, held_back=len(held_back), kept=kept,
            proposed=proposed,
        )  # fmt: skip


def _carry_over_others(con, source: str, as_of: dt.date) -> None:
    """Add to stage, unchanged, every task in force for `source` at `as_of` that an agency
    update's file does not give, whatever its lead agencies: an agency's file never removes a
    task."""
    con.execute(sql("carry_over_others"), {"source": source, "sources": [source], "as_of": as_of})


def _carry_over_held_back(
    con, source: str, as_of: dt.date, task_ids: list[str], snapshot_id: int
) -> tuple[str, ...]:
    """Add to stage, for each held-back row's task id that the file does not give on a valid
    row, the task's version in force for `source` at `as_of`: a row that could not be read
    never removes or changes its task. Returns the ids kept so."""
    con.execute(
        sql("carry_over_held_back"),
        {"source": source, "sources": [source], "as_of": as_of, "ids": task_ids},
    )
    rows = con.execute(
        "select task_id from stage where list_contains($ids, task_id) "
        "and origin_snapshot is distinct from $snapshot order by task_id",
        {"ids": task_ids, "snapshot": snapshot_id},
    ).fetchall()
    return tuple(r[0] for r in rows)


def _append_versions(con, source: str, new_seq: int, *, all_new: bool) -> None:
    """Fast path: the new snapshot is the source's latest, so only open versions can continue."""
    params = {"source": source, "seq": new_seq}
    if all_new:  # nothing of the source is open (its first snapshot): every task is new
        con.execute(
            "insert into task_versions by name "
            "select $source as source, s.*, $seq as from_seq, null::integer as to_seq from stage as s",
            params,
        )
        return
    con.execute(sql("append_versions"), params)
    con.execute(sql("close_versions"), params)


def _rebuild_versions(con, source: str, snapshot_id: int) -> None:
    """A back-dated snapshot (before the source's latest): every validity range of the source
    recomputed (sql/rebuild_versions.sql), the snapshots numbered again in date order."""
    con.execute(sql("rebuild_versions"), {"source": source, "snapshot_id": snapshot_id})
    con.execute("delete from task_versions where source = ?", [source])
    con.execute("insert into task_versions by name select * from rebuilt_versions")
    con.execute(sql("renumber_snapshots"), {"source": source})


_WARNING_ROWS = pa.schema(
    [
        ("snapshot_id", pa.int32()),
        ("row_no", pa.int32()),
        ("col", pa.string()),
        ("value", pa.string()),
        ("code", pa.string()),
        ("message", pa.string()),
        ("message_vi", pa.string()),
    ]
)
_HELD_BACK_ROWS = pa.schema(
    [
        ("snapshot_id", pa.int32()),
        ("sheet", pa.string()),
        ("row_no", pa.int32()),
        ("col", pa.string()),
        ("value", pa.string()),
        ("code", pa.string()),
        ("message", pa.string()),
        ("message_vi", pa.string()),
        ("task_id", pa.string()),
        ("lead_ids", pa.list_(pa.string())),
        ("kept_previous", pa.bool_()),
    ]
)
_AGENCY_ROWS = pa.schema(
    [
        ("agency_id", pa.string()),
        ("name_vi", pa.string()),
        ("name_en", pa.string()),
        ("agency_type", pa.string()),
    ]
)


def _problem_columns(problems: Sequence[Problem]) -> dict[str, list]:
    """The columns a stored problem line shares (ingest_warnings and held_back_rows)."""
    return {
        "col": [p.column for p in problems],
        "value": [p.value for p in problems],
        "code": [p.code for p in problems],
        "message": [p.message for p in problems],
        "message_vi": [p.message_vi for p in problems],
    }


def _store_warnings(con, snapshot_id: int, warnings: Sequence[Problem]) -> None:
    columns = {
        "snapshot_id": [snapshot_id] * len(warnings),
        "row_no": [w.row for w in warnings],
        **_problem_columns(warnings),
    }
    insert_arrow(con, "ingest_warnings", columns, _WARNING_ROWS)


def _store_held_back(
    con, snapshot_id: int, held_back: Sequence[HeldBackRow], kept: Sequence[str]
) -> None:
    """One line per error of each held-back row."""
    lines = [(h, p) for h in held_back for p in h.problems]
    kept_ids = set(kept)
    columns = {
        "snapshot_id": [snapshot_id] * len(lines),
        "sheet": [h.sheet for h, _p in lines],
        "row_no": [h.row for h, _p in lines],
        **_problem_columns([p for _h, p in lines]),
        "task_id": [h.task_id for h, _p in lines],
        "lead_ids": [list(h.lead_ids) for h, _p in lines],
        "kept_previous": [h.task_id in kept_ids for h, _p in lines],
    }
    insert_arrow(con, "held_back_rows", columns, _HELD_BACK_ROWS)


def _store_agencies(con, agencies: Sequence) -> None:
    """The agencies named by the tasks, each replacing its earlier record."""
    unique = list({a.id: a for a in agencies}.values())
    columns = {
        "agency_id": [a.id for a in unique],
        "name_vi": [a.name_vi for a in unique],
        "name_en": [a.name_en for a in unique],
        "agency_type": [a.type for a in unique],
    }
    insert_arrow(con, "agencies", columns, _AGENCY_ROWS, replace_key="agency_id")


def set_snapshot_status(
    db, snapshot_id: int, status: str, user: str | None = None, timeout: float = 30.0
) -> bool:
    """Retract ('retracted') or restore ('active') a snapshot. Nothing is ever deleted."""
    if status not in ("active", "retracted"):
        raise ValueError(f"unknown snapshot status {status!r}")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with _write_lock, connect(db, timeout=timeout) as con:
        found = con.execute(
            "select count(*) from snapshots where snapshot_id = ?", [snapshot_id]
        ).fetchone()[0]
        if not found:
            return False
        con.execute(
            "update snapshots set status = ?, status_changed_at = ?, status_changed_by = ? "
            "where snapshot_id = ?",
            [status, now, user, snapshot_id],
        )
    return True


def judge_tasks(
    tasks: Sequence[Task], agencies: Sequence, source: str, as_of: dt.date
) -> pd.DataFrame:
    """Tasks not yet stored (an upload's preview), judged at `as_of` by the same SQL as the
    store: written as a snapshot of a database in memory, then read as `load_tasks` reads."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(sql("schema"))
        con.register("incoming", tasks_to_arrow(tasks, 0))
        con.execute(f"create temp table stage as {sql('staged_tasks')}")
        con.execute(
            "insert into snapshots (snapshot_id, source, as_of, seq, uploaded_at, kind, n_tasks, n_warnings, status, file_name) "
            "values (0, ?, ?, 1, now(), 'preview', ?, 0, 'active', 'preview')",
            [source, as_of, len(tasks)],
        )
        con.execute(
            "insert into task_versions by name select ? as source, 1 as from_seq, s.* from stage as s",
            [source],
        )
        _store_agencies(con, agencies)
        params = {"as_of": as_of, **filter_params(Filters(), Scope.everything())}
        return con.execute(sql("tasks_at"), params).to_arrow_table().to_pandas()
    finally:
        con.close()
