"""Pull the connected sources: fetch, compare, ingest, record (`python -m analytics pull`).

For each source of the sources file (analytics/connectors/sources.py):

1. fetch its payload (analytics.connectors.fetch), trying again inside the run while it is
   unreachable and trying again may help (`Source.tries`, 3; waits `backoff_seconds`, 1 s,
   doubled after each: 1 s, 2 s); a folder gives its settled new files one by one;
2. hash the payload's bytes (SHA-256) and compare with the last successful pull of the source
   whose snapshot is still active: the same bytes make no snapshot ("unchanged");
3. read it in the upload sandbox (analytics/sandbox.py) like an uploaded file: the JSON task
   feed first becomes rows there (analytics/connectors/feed.py); the figures' date is the one
   the payload states (as_of = "payload": the feed's as_of, a title line, the file name; none
   stated: rejected) or the fetch day in Vietnam (as_of = "fetch_date");
4. store it as one snapshot of `task_source` (store.commit_snapshot, the upload's commit,
   recorded as made by "pull:<name>"), the pull's row in `source_pulls` written in the same
   transaction; every other outcome is recorded there too, and every pull is audited ("pull").

Statuses: new_snapshot | unchanged | rejected (nothing stored, the problems said) |
unreachable (nothing stored, the last good data stays).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from analytics import connectors
from analytics.connectors import Payload, Rejected, Unreachable, problem
from analytics.connectors.sources import Source, SourcesInvalid
from analytics.problems import Problem

log = logging.getLogger("analytics.pull")

STATUSES = ("new_snapshot", "unchanged", "rejected", "unreachable")
SUCCEEDED = ("new_snapshot", "unchanged")


@dataclass
class PullResult:
    """What one pull of one source (one file of a folder) came to."""

    source: str
    status: str  # STATUSES
    snapshot_id: int | None = None
    tasks: int | None = None
    errors: list[dict] = field(default_factory=list)  # as the ingest command's JSON errors
    content_hash: str | None = None
    detail: str = ""
    as_of: dt.date | None = None
    warnings: int = 0
    tries: int = 1
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return self.status in SUCCEEDED

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "status": self.status,
            "snapshot_id": self.snapshot_id,
            "tasks": self.tasks,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "content_hash": self.content_hash,
            "detail": self.detail,
            "tries": self.tries,
            "warnings": self.warnings,
            "errors": self.errors,
        }


def error_doc(p: Problem) -> dict:
    """A Problem as the ingest command's JSON error (analytics/cli/common.py `problem`)."""
    from analytics.cli.common import problem as as_json

    return as_json(p)


def unreachable_doc(exc: Unreachable) -> dict:
    doc = {"row": None, "column": None, "value": None, "message": exc.reason}
    doc.update({"message_vi": exc.reason_vi, "code": exc.code})
    if exc.status is not None:
        doc["status"] = exc.status
    return doc


# --------------------------------------------------------------------------- the store


def last_pull(db, source_name: str) -> tuple | None:
    """(content_hash, snapshot_id, n_tasks, as_of) of the source's last successful pull whose
    snapshot is active (sql/source_last_hash.sql), or None."""
    from analytics import store

    with store.connect(db) as con:
        return con.execute(store.sql("source_last_hash"), {"source_name": source_name}).fetchone()


def _record(con, result: PullResult, started: dt.datetime) -> None:
    from analytics import store

    con.execute(
        store.sql("source_pull_add"),
        {
            "source_name": result.source,
            "started_at": started,
            "finished_at": connectors.utc_now(),
            "status": result.status,
            "content_hash": result.content_hash,
            "snapshot_id": result.snapshot_id,
            "n_tasks": result.tasks,
            "errors": json.dumps(result.errors, ensure_ascii=False) if result.errors else None,
            "detail": result.detail,
        },
    )


def record(db, result: PullResult, started: dt.datetime) -> None:
    """The pull's row in source_pulls (a new snapshot's is written with the snapshot)."""
    from analytics import store

    with store._write_lock, store.connect(db) as con:
        _record(con, result, started)


def _audit(db, result: PullResult) -> None:
    from analytics import audit

    outcome = {"new_snapshot": "ok", "unchanged": "ok", "rejected": "refused"}
    details = {k: v for k, v in result.to_json().items() if k not in ("errors", "source")}
    details["errors"] = [e.get("code") for e in result.errors][:20]
    try:
        audit.record(
            db,
            f"pull:{result.source}",
            "pull",
            result.source,
            details,
            outcome.get(result.status, "failure"),
        )
    except Exception:  # the pull is recorded in source_pulls; the log says what failed
        log.exception("could not audit the pull of %s", result.source)


# --------------------------------------------------------------------------- reading


@dataclass
class _Reading:
    data: bytes  # what the sandbox reads: the payload, or the feed's rows as CSV
    file_name: str
    as_of: dt.date | None  # the date the payload states, if known before reading
    task_source: str | None
    ids: tuple[str, ...] | None = None  # a feed's task ids (its problems are said of tasks)


def _reading(source: Source, payload: Payload) -> _Reading:
    if PurePath(payload.file_name).suffix.lower() != ".json":
        return _Reading(payload.data, payload.file_name, payload.as_of, source.task_source)
    from analytics.connectors import feed

    try:
        rows = feed.read_feed(payload.data, max_bytes=source.cap)
    except feed.FeedRejected as exc:
        raise Rejected(exc.problems) from None
    name = f"{PurePath(payload.file_name).stem}.csv"
    return _Reading(rows.csv, name, rows.as_of, source.task_source or rows.source, rows.ids)


def _title_lines(result) -> list[str]:
    """The texts above the header row of the sheet read (the upload page's rule:
    ui/upload/file_date.py title_lines)."""
    prepared, head = result.prepared, result.head
    if prepared is None or head is None or head.sheet != prepared.table.sheet:
        return []
    above = head.rows[: max(int(prepared.table.header_row or 1) - 1, 0)]
    return [c.strip() for row in above for c in row if isinstance(c, str) and c.strip()]


def _read(db, source: Source, payload: Payload, reading: _Reading):
    """(Prepared, as_of) of the payload read in the sandbox; Rejected with its problems."""
    from analytics import agency_units, sandbox
    from analytics.file_dates import name_date, stated_date
    from analytics.reporting.rules import vn_day

    fetch_day = vn_day(payload.fetched_at)
    as_of = fetch_day if source.as_of == "fetch_date" else reading.as_of
    register = agency_units.read_register(db)

    def read(day: dt.date):
        try:
            result = sandbox.read_file(
                reading.data,
                reading.file_name,
                as_of=day,
                source=reading.task_source,
                register=register,
            )
        except sandbox.SandboxBusy:
            raise Unreachable.said("connectors.busy", code="busy", source=source.name) from None
        if not result.ok:
            raise Rejected(_said_of_tasks(result.errors, reading), result.warnings)
        return result

    first = as_of or name_date(payload.file_name) or fetch_day  # often what the title says
    result = read(first)
    if as_of is None:  # as_of = "payload": the date the file states
        found = stated_date(_title_lines(result), payload.file_name)
        if found is None:
            raise Rejected(
                [
                    problem(
                        "connectors.no_as_of",
                        code="no_file_date",
                        column="as_of",
                        source=source.name,
                    )
                ]
            )
        as_of = found[0]
        if as_of != first:  # statuses are judged at the figures' date
            result = read(as_of)
    prepared = result.prepared
    if prepared.errors:
        raise Rejected(_said_of_tasks(prepared.errors, reading), prepared.warnings)
    return prepared, as_of


def _said_of_tasks(problems, reading: _Reading) -> list[Problem]:
    if reading.ids is None:
        return list(problems)
    from analytics.connectors.feed import as_task_problem

    return [as_task_problem(p, reading.ids) for p in problems]


def _ingest(db, source: Source, payload: Payload, result: PullResult, started) -> PullResult:
    """Store the payload as a snapshot (its source_pulls row in the same transaction)."""
    from analytics import store

    reading = _reading(source, payload)
    prepared, as_of = _read(db, source, payload, reading)
    result.as_of = as_of
    warnings = _said_of_tasks(prepared.warnings, reading)

    def inside(con, commit) -> None:
        result.snapshot_id, result.tasks = commit.snapshot_id, commit.tasks
        _record(con, result, started)

    commit = store.commit_snapshot(
        db,
        source=prepared.source,
        as_of=as_of,
        tasks=prepared.tasks,
        agencies=prepared.agencies,
        file_bytes=payload.data,
        file_name=payload.file_name,
        sheet=prepared.sheet_names or None,
        header_row=prepared.table.header_row,
        user=f"pull:{source.name}",
        warnings=warnings,
        held_back=prepared.held_back,
        inside=inside,
    )
    result.snapshot_id, result.tasks = commit.snapshot_id, commit.tasks
    result.duplicate, result.warnings = commit.duplicate, len(warnings)
    if commit.duplicate:  # already stored (inside was not called): its row now
        record(db, result, started)
    return result


def _process(db, source: Source, payload: Payload, tries: int) -> PullResult:
    """One payload: unchanged, a new snapshot, or rejected (recorded and audited)."""
    started = payload.fetched_at
    digest = hashlib.sha256(payload.data).hexdigest()
    result = PullResult(source.name, "new_snapshot", content_hash=digest, detail=payload.detail)
    result.tries = tries
    try:
        last = last_pull(db, source.name)
        if last is not None and last[0] == digest:
            result.status = "unchanged"
            result.snapshot_id, result.tasks, result.as_of = last[1:]
            record(db, result, started)
        else:
            _ingest(db, source, payload, result, started)
    except Rejected as exc:
        result.status, result.snapshot_id, result.tasks = "rejected", None, None
        result.errors = [error_doc(p) for p in exc.problems]
        record(db, result, started)
    except Unreachable as exc:
        result.status, result.snapshot_id = "unreachable", None
        result.errors = [unreachable_doc(exc)]
        record(db, result, started)
    _audit(db, result)
    return result


# --------------------------------------------------------------------------- fetching


def _fetch(source: Source, sleep: Callable[[float], None]) -> tuple[Payload, int]:
    """The payload and the number of tries it took; Unreachable after the last try."""
    from analytics.connectors import fetch

    for attempt in range(1, source.tries + 1):
        try:
            return fetch(source), attempt
        except Unreachable as exc:
            exc.tries = attempt
            if not exc.retry or attempt == source.tries:
                raise
            wait = source.backoff_seconds * 2 ** (attempt - 1)
            log.info("pull %s: %s; trying again in %g s", source.name, exc.code, wait)
            sleep(wait)
        except ModuleNotFoundError as exc:  # a kind whose connector is not installed here
            log.warning("pull %s: %s", source.name, exc)
            raise Unreachable.said(
                "connectors.kind_unavailable",
                code="kind_unavailable",
                retry=False,
                source=source.name,
                kind=source.kind,
            ) from None
    raise AssertionError("unreachable")  # tries >= 1


def _failed(db, source: Source, exc: Exception, started, tries: int) -> PullResult:
    result = PullResult(source.name, "unreachable", detail=source.detail, tries=tries)
    if isinstance(exc, Rejected):
        result.status = "rejected"
        result.errors = [error_doc(p) for p in exc.problems]
    else:
        result.errors = [unreachable_doc(exc)]
    record(db, result, started)
    _audit(db, result)
    return result


def _pull_folder(db, source: Source, started) -> list[PullResult]:
    from analytics.connectors import folder
    from analytics.reporting.rules import vn_time

    try:
        files = folder.pending(source)
    except Unreachable as exc:
        return [_failed(db, source, exc, started, 1)]
    if not files:
        result = PullResult(source.name, "unchanged", detail=source.detail)
        record(db, result, started)
        _audit(db, result)
        return [result]
    results = []
    for path in files:
        try:
            payload = folder.read(source, path)
        except Rejected as exc:
            results.append(_failed(db, source, exc, started, 1))
            results[-1].detail = str(path)
        except OSError:
            log.warning("pull %s: %s could not be read; left for the next pull", source.name, path)
            continue
        else:
            results.append(_process(db, source, payload, 1))
        done = results[-1]
        if done.status == "unreachable":
            continue  # the file stays for the next pull
        problems = [_problem_from(e) for e in done.errors]
        folder.settle(source, path, done.ok, problems, vn_time(connectors.utc_now()))
    return results


def _problem_from(doc: dict) -> Problem:
    return Problem(doc.get("code") or "", doc.get("message") or "", doc.get("message_vi") or "")


def pull(
    db,
    sources: Sequence[Source],
    names: Sequence[str] | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> list[PullResult]:
    """Pull every source (or those named), in the file's order; one PullResult per source (per
    file of a folder). SourcesInvalid when a name is not a source of the file."""
    chosen = list(sources)
    if names:
        known = {s.name for s in sources}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SourcesInvalid(
                [
                    problem("connectors.unknown_source", code="unknown_source", value=n, name=n)
                    for n in unknown
                ]
            )
        chosen = [s for s in sources if s.name in set(names)]
    results: list[PullResult] = []
    for source in chosen:
        started = connectors.utc_now()
        if source.kind == "folder":
            results.extend(_pull_folder(db, source, started))
            continue
        try:
            payload, tries = _fetch(source, sleep)
        except (Unreachable, Rejected) as exc:
            results.append(_failed(db, source, exc, started, getattr(exc, "tries", 1)))
            continue
        results.append(_process(db, source, payload, tries))
    for r in results:
        log.info("pull %s: %s snapshot=%s tasks=%s", r.source, r.status, r.snapshot_id, r.tasks)
    return results


def exit_code(results: Sequence[PullResult]) -> int:
    """0 every source fetched (changed or not), 2 a payload rejected, 3 a source unreachable
    (3 wins over 2)."""
    statuses = {r.status for r in results}
    if "unreachable" in statuses:
        return 3
    return 2 if "rejected" in statuses else 0
