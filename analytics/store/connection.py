"""The store's file: where it is, a short-lived connection retried while another process holds
the file, the schema kept in place, the one write lock of this process, and the named queries
(analytics/sql/<name>.sql, with their shared fragments inlined).

Connections are short-lived (one per operation) so that the command line can write while the
dashboard is running; a locked database is retried briefly, then reported clearly.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics.problems import StoreBusy

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_DB = ROOT / "data" / "tasks.duckdb"
SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
SCHEMA_VERSION = "1"
# New database files are written in the storage format of DuckDB 1.5, the line requirements.txt
# pins (DuckDB's own default stays readable by 0.10): its string compression makes a first
# 100,000-task snapshot's insert and checkpoint about 8 % faster and the file 3 % smaller
# (measured with the benchmark's workbook). A file keeps the format it was created with, so
# connections need no setting: every later one opens it plainly.
STORAGE_VERSION = "v1.5.0"

_write_lock = threading.Lock()  # one writer per process; DuckDB locks across processes


# Expressions and queries shared by several queries, each in sql/<name>.sql, inlined where
# {<name>} appears: the content hash, how a task is judged at a date, and which snapshots are
# in force at a date (a query, inlined as the body of a CTE).
SQL_FRAGMENTS = (
    "content_hash",
    "task_completed",
    "task_status",
    "snapshots_in_force",
    "version_in_force",
    "task_decisions",
    "decided_columns",
)


@cache
def sql(name: str) -> str:
    """The text of analytics/sql/<name>.sql (names come from code, never from users), with the
    shared expressions of SQL_FRAGMENTS (sql/content_hash.sql, the content hash; task_completed
    and task_status, how a task is judged at a date; snapshots_in_force, the snapshots whose
    tasks make up the state at $as_of; version_in_force, the join of a version to a snapshot in its
    range) inlined where {<fragment>} appears."""
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


@contextmanager
def registered(con, name: str, table: pa.Table) -> Iterator[None]:
    """The Arrow table visible to the connection's queries as `name` while the block runs."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def insert_arrow(
    con, table: str, columns: dict[str, list], schema: pa.Schema, *, replace_key: str = ""
) -> None:
    """Append the rows given as `columns` (one list per column of `schema`) to the store's
    table `table` (a name from code, never from users) in one Arrow insert by column name; with
    `replace_key`, the table's rows with a key among the new rows' go first. No rows: nothing."""
    if not columns or not len(next(iter(columns.values()))):
        return
    incoming = f"incoming_{table}"
    with registered(con, incoming, pa.table(columns, schema=schema)):
        if replace_key:
            con.execute(  # names from code (see above), values bound through the Arrow table
                f"delete from {table} where {replace_key} in "  # noqa: S608
                f"(select {replace_key} from {incoming})"
            )
        con.execute(f"insert into {table} by name select * from {incoming}")  # noqa: S608
