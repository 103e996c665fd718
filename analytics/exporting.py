"""The store for other systems (`python -m analytics export`): the current state and the history
as one set of files in one folder, Parquet, CSV or JSON, with its manifest.

What a set holds (the allow-list `TABLES`; nothing else of the store is written: no accounts,
sessions, sign-ins, audit log or stored files):

- `tasks`: the tasks in force at the as-of date, judged at that date as every page and report
  judges them (the store's query sql/tasks_at.sql, no filter, no access scope: the status, the
  days overdue, the steering office's decisions applied), one row a task;
- `snapshots`, `task_versions`, `task_reports`, `completion_claims`, `deadline_requests`,
  `task_cancellations`: the history, whole, whatever the as-of date (rows of the sources asked
  for, all by default);
- `agencies`: the register the other files' agency ids name (sql/agencies.sql).

Formats: `parquet` and `csv` write one file a table (`<table>.parquet`, `<table>.csv`) with
DuckDB's COPY. CSV: UTF-8 without a BOM, a header row, dates YYYY-MM-DD, times in UTC written
2025-08-28T10:00:00.000000Z, lists as DuckDB writes them ([mof, p01]), and text that a
spreadsheet would run as a formula (starting with = + - @, a tab or CR) prefixed with an
apostrophe, as the dashboard's own CSV files are (analytics/exports.py): the one format whose
values are changed. `json`: the tasks as the JSON task feed (docs/task-feed.md,
docs/task-feed.schema.json), one file a source (`feed-<source>.json`, checked against the schema
before it is written), and the other tables as JSON Lines (`<table>.jsonl`), values as stored.

All or nothing: a set is written into a folder beside DIR (`.DIR.export-<pid>.tmp`), then renamed
into place, replacing the set DIR held; a failure (or a kill) leaves DIR as it was, and the next
export removes what a killed one left. DIR must be new, empty or a set an export wrote (nothing
but the files of its manifest). `manifest.json` lists every file with its table, source, rows,
bytes and SHA-256, and says the format, the as-of date, the store's last snapshot id and the
snapshots in force.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from analytics import faults
from analytics.i18n import t

log = logging.getLogger("analytics.exporting")

FORMATS = ("parquet", "csv", "json")
MANIFEST = "manifest.json"
FEED_SCHEMA = "urn:tasks-dashboard:task-feed:1"  # docs/task-feed.schema.json's $id
CURRENT = "tasks"

# The tables a set holds, in the order they are written: name -> the columns its rows are
# ordered by (names from code, never from users). `tasks` is the state at the as-of date.
HISTORY = {
    "snapshots": "snapshot_id",
    "task_versions": "source, task_id, from_seq",
    "task_reports": "report_id",
    "completion_claims": "claim_id",
    "deadline_requests": "request_id",
    "task_cancellations": "cancel_id",
}
REGISTER = "agencies"
TABLES = (*HISTORY, REGISTER, CURRENT)

_EXT = {"parquet": "parquet", "csv": "csv", "json": "jsonl"}
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # stored times are UTC without a zone


class ExportRefused(Exception):
    """What was asked cannot be exported (nothing written): exit 2. `key`: its words in
    texts.toml ([export]), `code`: the error's code in the JSON, `fmt`: the words' values."""

    def __init__(self, key: str, code: str, value: str | None = None, **fmt):
        self.key, self.code, self.value, self.fmt = key, code, value, fmt
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        """The words in `lang` (a value given as {"vi": ..., "en": ...} in its language)."""
        values = {k: v[lang] if isinstance(v, dict) else v for k, v in self.fmt.items()}
        return t(self.key, lang, **values)


class ExportFailed(ExportRefused):
    """A file of the set could not be written (nothing replaced): exit 1."""


@dataclass(frozen=True)
class ExportResult:
    out: Path
    format: str
    as_of: dt.date
    last_snapshot_id: int | None
    snapshots_in_force: tuple[int, ...]
    sources: tuple[str, ...]
    files: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "out": str(self.out),
            "format": self.format,
            "as_of": self.as_of.isoformat(),
            "last_snapshot_id": self.last_snapshot_id,
            "snapshots_in_force": list(self.snapshots_in_force),
            "sources": list(self.sources),
            "files": self.files,
            "manifest": str(self.out / MANIFEST),
        }


def export(
    db,
    fmt: str,
    out,
    *,
    as_of: dt.date | None = None,
    sources: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> ExportResult:
    """Write the set of `fmt` into the folder `out` (see the module's docstring); ExportRefused
    or ExportFailed, with DIR as it was, when it cannot."""
    from analytics import store

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    out = Path(os.path.realpath(out))  # a link to a folder: the folder it names
    _check_out(out)
    known = store.sources(db)
    unknown = [s for s in sources if s not in known]
    if unknown:
        raise ExportRefused(
            "export.unknown_source", "unknown_source", unknown[0], source=unknown[0]
        )
    sources = tuple(dict.fromkeys(sources))
    as_of = as_of or store.latest_as_of(db)
    if as_of is None:
        raise ExportRefused("export.no_snapshot", "no_snapshot")
    if not store.snapshots_in_force(db, as_of, sources):
        raise ExportRefused(
            "export.nothing_in_force",
            "nothing_in_force",
            as_of.isoformat(),
            date=as_of.strftime("%d/%m/%Y"),
        )
    moment = now or dt.datetime.now(dt.UTC)
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_left_over(out)
    work = _work_dir(out, "tmp")
    shutil.rmtree(work, ignore_errors=True)  # this process's own, from a pid used before
    work.mkdir()
    try:
        result = _write_set(db, fmt, work, out, as_of, sources, known, moment)
        _fsync_dir(work)
        _check_out(out)  # again: nothing put in DIR meanwhile is replaced with the old set
        _swap(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return result


# --------------------------------------------------------------------------- the folder


def _work_dir(out: Path, kind: str) -> Path:
    return out.parent / f".{out.name}.export-{os.getpid()}.{kind}"


def _check_out(out: Path) -> None:
    """DIR new, empty, or a set an export wrote; anything else is refused (nothing deleted)."""
    if not out.name:
        raise ExportRefused("export.out_not_a_set", "out_not_a_set", str(out), out=str(out))
    if out.exists() and not out.is_dir():
        raise ExportRefused("export.out_is_file", "out_is_file", str(out), out=str(out))
    if not out.exists():
        return
    present = {p.name for p in out.iterdir()}
    if not present:
        return
    listed = _manifest_files(out)
    if listed is None or not present <= {*listed, MANIFEST}:
        raise ExportRefused("export.out_not_a_set", "out_not_a_set", str(out), out=str(out))


def _manifest_files(folder: Path) -> set[str] | None:
    """The file names a set's manifest lists; None when the folder holds no manifest of ours."""
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        names = {f["file"] for f in doc["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not all(isinstance(n, str) and "/" not in n for n in names):
        return None
    return names


def _remove_left_over(out: Path) -> None:
    """Remove what an export to `out` killed before it finished left beside it (its process
    no longer running), never anything else; a set it had moved aside (`.old`) goes back to
    DIR when it was killed before the new one took its place."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.export-(\d+)\.(tmp|old)")
    for entry in sorted(out.parent.iterdir()):
        found = pattern.fullmatch(entry.name)
        if not found or not entry.is_dir() or _running(int(found.group(1))):
            continue
        if found.group(2) == "old" and not out.exists():
            os.replace(entry, out)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process's own: left by a process that had its pid before
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # none, or a number no process can have
        return False
    except PermissionError:  # another user's
        return True
    return True


def _swap(work: Path, out: Path) -> None:
    """The finished set `work` at `out`: a new or empty folder replaced in one rename; a set
    before it moved aside, the new one renamed in, the old one removed (for that moment there
    is no folder, never half a set)."""
    if not out.exists() or not any(out.iterdir()):
        os.replace(work, out)
    else:
        old = _work_dir(out, "old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(out, old)
        try:
            os.replace(work, out)
        except BaseException:
            os.replace(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(out.parent)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- the files


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _history_query(table: str) -> str:
    """Every row of a history table (of $sources; null: every source), in its order."""
    return (
        f"select * from {table} "  # noqa: S608 (names from HISTORY, never from users)
        f"where $sources is null or list_contains($sources, source) order by {HISTORY[table]}"
    )


def _neutralised(con, query: str, params: dict) -> str:
    """`query` with every text column's formula-like values prefixed with an apostrophe (the
    rule of analytics/exports.py: FORMULA_PREFIXES first)."""
    from analytics.exports import FORMULA_PREFIXES

    prefixes = ", ".join(f"chr({ord(p)})" for p in FORMULA_PREFIXES)
    described = con.execute(f"select * from ({query}) limit 0", params).description  # noqa: S608
    columns = []
    for name, kind, *_ in described:
        col = _ident(name)
        if str(kind) == "VARCHAR":
            columns.append(
                f"case when left({col}, 1) in ({prefixes}) then '''' || {col} else {col} end "
                f"as {col}"
            )
        else:
            columns.append(col)
    return f"select {', '.join(columns)} from ({query})"  # noqa: S608 (columns of our query)


def _copy(con, query: str, params: dict, path: Path, fmt: str) -> int:
    """COPY the rows of `query` into `path`; the number of rows written."""
    import duckdb

    if fmt == "csv":
        query = _neutralised(con, query, params)
        options = f"format csv, header true, timestampformat '{_TIME_FORMAT}'"
    elif fmt == "json":
        options = f"format json, timestampformat '{_TIME_FORMAT}'"
    else:
        options = "format parquet"
    try:
        return int(
            con.execute(f"copy ({query}) to {_quoted(path)} ({options})", params).fetchone()[0]
        )
    except duckdb.IOException as exc:
        if str(path) not in str(exc):
            raise  # not the file: the store (the command line says so)
        log.error("export: writing %s failed: %s", path, exc)  # the reason, for the log
        raise _write_failed(path) from exc


def _write_failed(path: Path) -> ExportFailed:
    """A file of the work folder not written: said of the folder the set goes in (its disk)."""
    return ExportFailed(
        "export.write_failed",
        "write_failed",
        path.name,
        file=path.name,
        folder=str(path.parent.parent),
    )


def _file_entry(path: Path, table: str, rows: int, source: str | None = None) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
        os.fsync(f.fileno())
    return {
        "file": path.name,
        "table": table,
        "source": source,
        "rows": rows,
        "bytes": path.stat().st_size,
        "sha256": digest.hexdigest(),
    }


def _write_bytes(path: Path, data: bytes) -> None:
    _write_chunks(path, (data,))


def _write_chunks(path: Path, chunks) -> None:
    try:
        with path.open("xb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        log.error("export: writing %s failed: %s", path, exc)  # the reason, for the log
        raise _write_failed(path) from exc


def _write_set(
    db, fmt, work: Path, out: Path, as_of, sources: tuple[str, ...], known, moment
) -> ExportResult:
    """Every file of the set into `work`, read in one transaction (one state of the store);
    `sources`: those asked for (none: every source, `known`)."""
    import duckdb

    from analytics import store
    from analytics.model import Filters, Scope
    from analytics.store.queries import filter_params, in_force

    with store.connect(db) as con:
        con.execute("begin transaction")
        try:
            in_force_ids = in_force(con, as_of, sources)
            last = con.execute("select max(snapshot_id) from snapshots").fetchone()[0]
            params = {"as_of": as_of, **filter_params(Filters(sources=sources), Scope.everything())}
            tasks = con.execute(store.sql("tasks_at"), params).to_arrow_table()
            history = {"sources": list(sources) or None}
            files = []
            for table in HISTORY:
                path = work / f"{table}.{_EXT[fmt]}"
                rows = _copy(con, _history_query(table), history, path, fmt)
                files.append(_file_entry(path, table, rows))
            faults.point("export.set.between_files")  # tests: die with half the set written
            path = work / f"{REGISTER}.{_EXT[fmt]}"
            rows = _copy(con, store.sql("agencies"), {}, path, fmt)
            files.append(_file_entry(path, REGISTER, rows))
            names = dict(con.execute("select agency_id, name_vi from agencies").fetchall())
        finally:
            with suppress(duckdb.Error):
                con.execute("rollback")  # it only read
    # the store is free again: the state, held in memory, is written without it
    if fmt == "json":
        files.extend(_write_feeds(work, tasks, names, as_of, moment))
    else:
        with duckdb.connect() as mem:
            mem.register("export_tasks", tasks)
            path = work / f"{CURRENT}.{fmt}"
            rows = _copy(mem, "select * from export_tasks", {}, path, fmt)
        files.append(_file_entry(path, CURRENT, rows))
    result = ExportResult(
        out=out,
        format=fmt,
        as_of=as_of,
        last_snapshot_id=last,
        snapshots_in_force=in_force_ids,
        sources=sources or tuple(known),
        files=files,
    )
    _write_bytes(work / MANIFEST, _manifest(result, moment))
    return result


def _manifest(result: ExportResult, moment: dt.datetime) -> bytes:
    from analytics.reporting.rules import VN

    doc = {
        "format": result.format,
        "as_of": result.as_of.isoformat(),
        "generated_at": moment.astimezone(VN).isoformat(timespec="seconds"),
        "last_snapshot_id": result.last_snapshot_id,
        "snapshots_in_force": list(result.snapshots_in_force),
        "sources": list(result.sources),
        "formulas_neutralised": result.format == "csv",
        "feed_schema": FEED_SCHEMA if result.format == "json" else None,
        "files": result.files,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- the JSON feed


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


# The columns of sql/tasks_at.sql a feed's task is made of (feed_task).
FEED_COLUMNS = (
    "source", "task_id", "title", "lead_ids", "lead_text", "support_ids", "deadline",
    "deadline_text", "status", "completion_date", "difficult", "grp", "source_doc",
    "assigned_date", "product", "leader", "progress", "result", "causes", "proposals", "notes",
)  # fmt: skip


def feed_task(row: dict, names: dict[str, str]) -> dict:
    """One task of the state (a row of sql/tasks_at.sql) as the feed writes it: agencies by
    their names in the register (an id it lacks as itself), the deadline in force (an approved
    change applied) and the completion date of the figures, the status as the dashboard judged
    it (one of analytics.model.STATUSES)."""

    def agencies(ids) -> list[str]:
        return [names.get(i) or i for i in ids or ()]

    return {
        "id": row["task_id"],
        "title": row["title"],
        "lead_agencies": agencies(row["lead_ids"]) or [row["lead_text"]],
        "support_agencies": agencies(row["support_ids"]),
        "deadline": _iso(row["deadline"]),
        "deadline_text": row["deadline_text"],
        "status": row["status"],
        "completed_on": _iso(row["completion_date"]),
        "difficult": row["difficult"],
        "group": row["grp"],
        "source_document": row["source_doc"],
        "assigned_on": _iso(row["assigned_date"]),
        "product": row["product"],
        "leader": row["leader"],
        "progress": row["progress"],
        "result": row["result"],
        "causes": row["causes"],
        "proposals": row["proposals"],
        "notes": row["notes"],
    }


def feed_document(source: str, rows: list[dict], names, as_of: dt.date, moment) -> dict:
    from analytics.reporting.rules import VN

    return {
        "$schema": FEED_SCHEMA,
        "as_of": as_of.isoformat(),
        "source": source,
        "generated_at": moment.astimezone(VN).isoformat(timespec="seconds"),
        "tasks": [feed_task(r, names) for r in rows],
    }


def feed_chunks(doc: dict):
    """The feed's bytes, a task a line (each encoded on its own: no copy of the whole document
    in memory, and JSON's C encoder, which an indented dump does not use)."""
    head = {k: v for k, v in doc.items() if k != "tasks"}
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "tasks": [\n').encode("utf-8")
    last = len(doc["tasks"]) - 1
    for i, task in enumerate(doc["tasks"]):
        line = json.dumps(task, ensure_ascii=False) + ("\n" if i == last else ",\n")
        yield line.encode("utf-8")
    yield b"]}\n"


def feed_file_name(source: str, taken: set[str]) -> str:
    from analytics.reports.file_names import slug

    base = f"feed-{slug(source)}"
    name, n = f"{base}.json", 1
    while name in taken:
        n += 1
        name = f"{base}-{n}.json"
    taken.add(name)
    return name


def _write_feeds(work: Path, tasks, names: dict, as_of, moment) -> list[dict]:
    """One feed a source with tasks in force, checked against the schema before it is written
    (the reader's own check: analytics/connectors/feed.py problems_of)."""
    from analytics.connectors.feed import problems_of

    by_source: dict[str, list[dict]] = {}
    for row in tasks.select(list(FEED_COLUMNS)).to_pylist():  # only what the feed says
        by_source.setdefault(row["source"], []).append(row)
    files, taken = [], set()
    for source in sorted(by_source):
        doc = feed_document(source, by_source[source], names, as_of, moment)
        problems = problems_of(doc)
        if problems:
            log.error(
                "export: the feed of %s does not fit the schema: %s", source, problems[0].message
            )
            raise ExportFailed(
                "export.feed_invalid",
                "feed_invalid",
                source,
                source=source,
                problem={"vi": problems[0].message_vi, "en": problems[0].message},
            )
        path = work / feed_file_name(source, taken)
        _write_chunks(path, feed_chunks(doc))
        files.append(_file_entry(path, CURRENT, len(doc["tasks"]), source))
    return files
