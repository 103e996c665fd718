"""The DuckDB task store: dated, versioned snapshots and the state as of any date.

Connections are short-lived (one per operation) so that the command line can write while the
dashboard is running; a locked database is retried briefly, then reported clearly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from analytics.model import TASK_FIELDS, Task, TaskBatch
from analytics.problems import HeldBackRow, Problem, StoreBusy

if TYPE_CHECKING:  # pandas loads only where a frame is made (keeps `ingest` quick to start)
    import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "tasks.duckdb"
SQL_DIR = Path(__file__).resolve().parent / "sql"
SCHEMA_VERSION = "1"
# New database files are written in the storage format of DuckDB 1.5, the line requirements.txt
# pins (DuckDB's own default stays readable by 0.10): its string compression makes a first
# 100,000-task snapshot's insert and checkpoint about 8 % faster and the file 3 % smaller
# (measured with the benchmark's workbook). A file keeps the format it was created with, so
# connections need no setting: every later one opens it plainly.
STORAGE_VERSION = "v1.5.0"

_write_lock = threading.Lock()  # one writer per process; DuckDB locks across processes


class StaleBase(RuntimeError):
    """The state a change was prepared against is no longer the one in force (another commit
    landed in between); nothing was written."""


@dataclass(frozen=True)
class Scope:
    """Which lead agencies a user may see. `agency_ids=None` means every agency."""

    agency_ids: frozenset[str] | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def agencies(cls, ids: Sequence[str]) -> Scope:
        return cls(frozenset(ids))

    @property
    def is_all(self) -> bool:
        return self.agency_ids is None

    def key(self) -> tuple:
        return ("*",) if self.agency_ids is None else tuple(sorted(self.agency_ids))


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the view to; empty tuples mean no restriction."""

    sources: tuple[str, ...] = ()
    agency_ids: tuple[str, ...] = ()
    agency_types: tuple[str, ...] = ()
    difficult_only: bool = False
    source_docs: tuple[str, ...] = ()  # assigning documents ("Thông báo 05-TB/BCĐTW")


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


# Expressions shared by several queries, each in sql/<name>.sql, inlined where {<name>} appears.
SQL_FRAGMENTS = ("content_hash", "task_completed", "task_status")


@cache
def sql(name: str) -> str:
    """The text of analytics/sql/<name>.sql (names come from code, never from users), with the
    shared expressions of SQL_FRAGMENTS (sql/content_hash.sql, the content hash; task_completed
    and task_status, how a task is judged at a date) inlined where {<fragment>} appears."""
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    for fragment in SQL_FRAGMENTS:
        if "{" + fragment + "}" not in text:
            continue
        expr = "\n".join(
            line
            for line in (SQL_DIR / f"{fragment}.sql").read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("--")
        )
        text = text.replace("{" + fragment + "}", expr.strip())
    return text


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


def db_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("TASKS_DB") or DEFAULT_DB)


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text


@contextmanager
def connect(path: str | os.PathLike | None = None, *, timeout: float = 15.0) -> Iterator:
    """A short-lived connection; retried while another process holds the file."""
    target = db_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        _create(target)
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(target))
            break
        except duckdb.BinderException as exc:
            # Another thread of this process closed the file's last connection as this one
            # opened it: DuckDB's instance cache still names the file for a moment ("Unique
            # file handle conflict"). Seen in 17 of 600 opens by two threads; a retry opens it.
            if "unique file handle" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.005)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise StoreBusy(
                        f"The database {target.name} is in use by another process; "
                        f"tried for {timeout:.0f} s. Try again in a moment."
                    ) from exc
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
    try:
        _ensure_schema(con)
        yield con
    finally:
        con.close()


def _create(target: Path) -> None:
    """Create an empty database file in STORAGE_VERSION's format. Whoever else creates it at the
    same moment wins (the connection below then opens theirs, or waits for it)."""
    with suppress(duckdb.Error):
        duckdb.connect(
            str(target), config={"storage_compatibility_version": STORAGE_VERSION}
        ).close()


@cache
def _schema_widths() -> dict[str, int]:
    """The number of columns of each table of schema.sql (one column per line there)."""
    blocks = re.findall(r"create table if not exists (\w+) \((.*?)\n\);", sql("schema"), re.S)
    return {
        name: sum(1 for ln in body.splitlines() if ln.strip() and not ln.strip().startswith("--"))
        for name, body in blocks
    }


def _ensure_schema(con) -> None:
    """Every table and column of schema.sql in place: a new file gets them all, a file made
    before a table or a column was added to schema.sql gets the missing ones (every statement
    there is 'if not exists'; an added column also has its 'alter table ... add column if not
    exists'). Tables and their widths come from duckdb_tables(), which a new connection answers
    in a few milliseconds (information_schema.columns takes 20)."""
    widths = _schema_widths()
    present = dict(
        con.execute(
            "select table_name, column_count from duckdb_tables() "
            "where list_contains($names, table_name)",
            {"names": list(widths)},
        ).fetchall()
    )
    if any(present.get(name, 0) < width for name, width in widths.items()):
        con.execute(sql("schema"))
        if "snapshots" not in present:
            con.execute("insert into meta values ('schema_version', ?)", [SCHEMA_VERSION])


def version_token(path: str | os.PathLike | None = None) -> tuple:
    """Changes whenever the database file (or its WAL) changes: a cheap cache key."""
    target = db_path(path)
    parts = []
    for p in (target, target.with_name(target.name + ".wal")):
        try:
            st = p.stat()
            parts.append((st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            parts.append(None)
    return (str(target), *parts)


# --------------------------------------------------------------------------- writing

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
    _crash_after_stage: bool = False,
) -> CommitResult:
    """Store one file as one snapshot, all or nothing.

    `sheet`: the sheet read, or the sheets (a workbook's several task sheets; see sheet_text).
    `update_agencies`: the file holds only these agencies' tasks; everyone else's tasks in the
    source are carried over from the state in force at `as_of`.
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
                current = _in_force(con, as_of, (source,))
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
                crash=_crash_after_stage,
                held_back=held_back,
            )
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
    crash,
    held_back=(),
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
    last = con.execute(
        "select max(seq), max(as_of) from snapshots where source = ?", [source]
    ).fetchone()
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
    with _registered(con, "incoming", tasks_to_arrow(tasks, snapshot_id)):
        relation = "view" if all_new else "table"  # from this allow-list only
        con.execute(f"create or replace temp {relation} stage as {sql('staged_tasks')}")
        kept = _carry_over_held_back(con, source, as_of, held_ids, snapshot_id) if held_ids else ()
        if update_agencies:
            _carry_over_others(con, source, as_of, list(update_agencies))
        n_tasks = len(tasks) if all_new else con.execute("select count(*) from stage").fetchone()[0]
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
            new_seq = (last[0] or 0) + 1
            con.execute(
                "update snapshots set seq = ? where snapshot_id = ?", [new_seq, snapshot_id]
            )
            _append_versions(con, source, new_seq, all_new=all_new)
        else:
            params = {"source": source, "snapshot_id": snapshot_id}
            con.execute(sql("rebuild_versions"), params)
            con.execute("delete from task_versions where source = ?", [source])
            con.execute("insert into task_versions by name select * from rebuilt_versions")
            con.execute(
                """
                update snapshots set seq = o.new_seq
                from (
                    select snapshot_id,
                           row_number() over (order by as_of, snapshot_id) as new_seq
                    from snapshots where source = ?
                ) as o
                where snapshots.snapshot_id = o.snapshot_id
                """,
                [source],
            )
        if crash:  # fault injection for the crash test: die inside the open transaction
            os._exit(137)
        _store_warnings(con, snapshot_id, warnings)
        _store_held_back(con, snapshot_id, held_back, kept)
        _store_agencies(con, agencies)
        return CommitResult(
            snapshot_id, source, as_of, n_tasks, kind=kind, held_back=len(held_back), kept=kept
        )


@contextmanager
def _registered(con, name: str, table: pa.Table) -> Iterator[None]:
    """The Arrow table visible to the connection's queries as `name` while the block runs."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def _carry_over_others(con, source: str, as_of: dt.date, update_agencies: list[str]) -> None:
    """Add to stage the tasks in force for `source` at `as_of` that the update does not cover:
    those not in the file, unless every lead agency of the task is one of the update's (a task
    shared with another agency is never dropped by one agency's file, nor one whose lead was
    not recognised: no agency's file covers it)."""
    con.execute(
        """
        insert into stage by name
        with in_force as (
            select seq from snapshots
            where source = $source and status = 'active' and as_of <= $as_of
            order by as_of desc, snapshot_id desc
            limit 1
        )
        select v.* exclude (source, from_seq, to_seq)
        from task_versions as v, in_force as f
        where v.source = $source
          and v.from_seq <= f.seq and (v.to_seq is null or v.to_seq > f.seq)
          and not (coalesce(len(v.lead_ids), 0) > 0 and list_has_all($agencies, v.lead_ids))
          and v.task_id not in (select task_id from stage)
        """,
        {"source": source, "as_of": as_of, "agencies": update_agencies},
    )


def _carry_over_held_back(
    con, source: str, as_of: dt.date, task_ids: list[str], snapshot_id: int
) -> tuple[str, ...]:
    """Add to stage, for each held-back row's task id that the file does not give on a valid
    row, the task's version in force for `source` at `as_of`: a row that could not be read
    never removes or changes its task. Returns the ids kept so."""
    con.execute(sql("carry_over_held_back"), {"source": source, "as_of": as_of, "ids": task_ids})
    rows = con.execute(
        "select task_id from stage where list_contains($ids, task_id) "
        "and origin_snapshot is distinct from $snapshot order by task_id",
        {"ids": task_ids, "snapshot": snapshot_id},
    ).fetchall()
    return tuple(r[0] for r in rows)


def _append_versions(con, source: str, new_seq: int, *, all_new: bool) -> None:
    """Fast path: the new snapshot is the source's latest, so only open versions can continue."""
    if all_new:  # nothing of the source is open (its first snapshot): every task is new
        con.execute(
            "insert into task_versions by name "
            "select $source as source, s.*, $seq as from_seq, null::integer as to_seq from stage as s",
            {"source": source, "seq": new_seq},
        )
        return
    con.execute(
        """
        insert into task_versions by name
        select $source as source, s.*, $seq as from_seq, null::integer as to_seq
        from stage as s
        where not exists (
            select 1 from task_versions as v
            where v.source = $source and v.to_seq is null
              and v.task_id = s.task_id and v.content_hash = s.content_hash
        )
        """,
        {"source": source, "seq": new_seq},
    )
    con.execute(
        """
        update task_versions as v set to_seq = $seq
        where v.source = $source and v.to_seq is null and v.from_seq < $seq
          and not exists (
              select 1 from stage as s
              where s.task_id = v.task_id and s.content_hash = v.content_hash
          )
        """,
        {"source": source, "seq": new_seq},
    )


def _store_warnings(con, snapshot_id: int, warnings: Sequence[Problem]) -> None:
    if not warnings:
        return
    table = pa.table(
        {
            "snapshot_id": [snapshot_id] * len(warnings),
            "row_no": [w.row for w in warnings],
            "col": [w.column for w in warnings],
            "value": [w.value for w in warnings],
            "code": [w.code for w in warnings],
            "message": [w.message for w in warnings],
            "message_vi": [w.message_vi for w in warnings],
        },
        schema=pa.schema(
            [
                ("snapshot_id", pa.int32()),
                ("row_no", pa.int32()),
                ("col", pa.string()),
                ("value", pa.string()),
                ("code", pa.string()),
                ("message", pa.string()),
                ("message_vi", pa.string()),
            ]
        ),
    )
    con.register("incoming_warnings", table)
    try:
        con.execute("insert into ingest_warnings by name select * from incoming_warnings")
    finally:
        con.unregister("incoming_warnings")


def _store_held_back(
    con, snapshot_id: int, held_back: Sequence[HeldBackRow], kept: Sequence[str]
) -> None:
    """One line per error of each held-back row."""
    lines = [(h, p) for h in held_back for p in h.problems]
    if not lines:
        return
    kept_ids = set(kept)
    table = pa.table(
        {
            "snapshot_id": [snapshot_id] * len(lines),
            "sheet": [h.sheet for h, _p in lines],
            "row_no": [h.row for h, _p in lines],
            "col": [p.column for _h, p in lines],
            "value": [p.value for _h, p in lines],
            "code": [p.code for _h, p in lines],
            "message": [p.message for _h, p in lines],
            "message_vi": [p.message_vi for _h, p in lines],
            "task_id": [h.task_id for h, _p in lines],
            "lead_ids": [list(h.lead_ids) for h, _p in lines],
            "kept_previous": [h.task_id in kept_ids for h, _p in lines],
        },
        schema=pa.schema(
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
        ),
    )
    with _registered(con, "incoming_held_back", table):
        con.execute("insert into held_back_rows by name select * from incoming_held_back")


def _store_agencies(con, agencies: Sequence) -> None:
    if not agencies:
        return
    unique = {a.id: a for a in agencies}
    table = pa.table(
        {
            "agency_id": [a.id for a in unique.values()],
            "name_vi": [a.name_vi for a in unique.values()],
            "name_en": [a.name_en for a in unique.values()],
            "agency_type": [a.type for a in unique.values()],
        }
    )
    con.register("incoming_agencies", table)
    try:
        con.execute(
            "delete from agencies where agency_id in (select agency_id from incoming_agencies)"
        )
        con.execute("insert into agencies by name select * from incoming_agencies")
    finally:
        con.unregister("incoming_agencies")


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


# --------------------------------------------------------------------------- reading


def _list_param(values) -> list | None:
    return list(values) if values else None


def load_tasks(db, as_of: dt.date, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Every task in force at `as_of`, judged at `as_of`, narrowed by filters and scope.

    The scope is applied here, in the query, for every caller.
    """
    params = {
        "as_of": as_of,
        "sources": _list_param(filters.sources),
        "agencies": _list_param(filters.agency_ids),
        "agency_types": _list_param(filters.agency_types),
        "difficult_only": bool(filters.difficult_only),
        "source_docs": _list_param(filters.source_docs),
        "scope": None if scope.agency_ids is None else sorted(scope.agency_ids),
    }
    with connect(db) as con:
        params = with_units(con, params)
        return con.execute(sql("tasks_at"), params).fetch_arrow_table().to_pandas()


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


def judge_tasks(
    tasks: Sequence[Task], agencies: Sequence, source: str, as_of: dt.date
) -> pd.DataFrame:
    """Tasks not yet stored (an upload's preview), judged at `as_of` by the same SQL as the store."""
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
        params = {
            "as_of": as_of,
            "sources": None,
            "agencies": None,
            "agency_types": None,
            "difficult_only": False,
            "source_docs": None,
            "scope": None,
        }
        return con.execute(sql("tasks_at"), params).fetch_arrow_table().to_pandas()
    finally:
        con.close()


def snapshots_in_force(db, as_of: dt.date, sources: Sequence[str] = ()) -> tuple[int, ...]:
    """The snapshot ids whose tasks make up the state at `as_of` (a cache key)."""
    with connect(db) as con:
        return _in_force(con, as_of, sources)


def _in_force(con, as_of: dt.date, sources: Sequence[str] = ()) -> tuple[int, ...]:
    rows = con.execute(
        """
        select snapshot_id from snapshots
        where status = 'active' and as_of <= $as_of
          and ($sources is null or list_contains($sources, source))
        qualify row_number() over (partition by source order by as_of desc, snapshot_id desc) = 1
        order by snapshot_id
        """,
        {"as_of": as_of, "sources": _list_param(sources)},
    ).fetchall()
    return tuple(r[0] for r in rows)


def sheet_text(sheet: str | Sequence[str] | None) -> str | None:
    """What `snapshots.sheet` holds: the name of the one sheet read (as databases made before
    several sheets were read hold), or, for several task sheets, their names as a JSON list.
    Excel and ODS sheet names cannot hold '[', so the two never meet."""
    if sheet is None or isinstance(sheet, str):
        return sheet
    names = list(sheet)
    if not names:
        return None
    return names[0] if len(names) == 1 else json.dumps(names, ensure_ascii=False)


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
        frame = con.execute(
            """
            select snapshot_id, source, as_of, kind, update_agencies, file_name, file_sha256,
                   sheet, header_row, uploaded_at, uploaded_by, n_tasks, n_warnings, status,
                   status_changed_at, status_changed_by
            from snapshots order by as_of, snapshot_id
            """
        ).df()
    frame["sheets"] = frame["sheet"].map(sheet_names)
    return frame


def list_warnings(db, snapshot_ids: Sequence[int] | None = None) -> pd.DataFrame:
    with connect(db) as con:
        return con.execute(
            """
            select w.snapshot_id, s.source, s.as_of, s.file_name, w.row_no, w.col, w.value,
                   w.code, w.message, w.message_vi
            from ingest_warnings as w join snapshots as s using (snapshot_id)
            where $ids is null or list_contains($ids, w.snapshot_id)
            order by w.snapshot_id, w.row_no
            """,
            {"ids": _list_param(snapshot_ids)},
        ).df()


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
