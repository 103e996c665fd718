"""The daily cycle (issue 17, `python -m analytics daily`): pull every connected source, write the
day's briefing PDF, its workbook and one workbook per lead agency, then deliver them by e-mail.

1. pull: `analytics.connectors.pull.pull(db, load_sources(path))`; an unreachable source or a
   rejected payload stores nothing for it and the cycle goes on with the last good data (no
   sources file where none was asked for: nothing to pull, said so).
2. report: the briefing as of the day (Vietnam's today unless given), written as the report
   command writes it (analytics/reports/: `render_pdf`, `briefing_xlsx`, `agency_files`) into
   <out>/<yyyy-mm-dd>/ (the agencies' files in its agencies/ folder), each file complete before
   it appears.
3. deliver: leaders get the briefing PDF and its workbook, each agency recipient only its
   agency's file (analytics/delivery.py); every message's result is recorded (`deliveries`, the
   audit log) for the Data page. `send=False` writes the files and says who would get what.

One log line per step (step, result, counts, seconds) and one summary (`DailyRun.summary`).
Exit code (`DailyRun.code`), the worst of what happened, in this order of precedence:
1 the cycle itself failed (no briefing written, an unexpected error), 4 a delivery failed
(someone did not get their file), 3 a source was unreachable, 2 a payload or the sources file
was rejected, 0 all done.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from analytics import delivery, recipients, store
from analytics.i18n import t
from analytics.reporting.rules import VN, vn_today

log = logging.getLogger("analytics.daily")

DEFAULT_OUT = Path("var") / "daily"
AGENCY_FOLDER = "agencies"
PRECEDENCE = (1, 4, 3, 2)  # the first of these that happened is the exit code
LANG = "vi"  # the files are the official Vietnamese ones; the e-mails say both languages


@dataclass
class DailyRun:
    day: dt.date
    steps: list[dict] = field(default_factory=list)
    codes: set[int] = field(default_factory=set)
    errors: list[dict] = field(default_factory=list)
    pull: list[dict] = field(default_factory=list)
    files: dict = field(default_factory=dict)
    delivery: dict = field(default_factory=dict)

    @property
    def code(self) -> int:
        return next((c for c in PRECEDENCE if c in self.codes), 0)

    @property
    def summary(self) -> dict:
        return {
            "date": self.day.isoformat(),
            "exit_code": self.code,
            "steps": self.steps,
            "pull": self.pull,
            "files": self.files,
            "delivery": self.delivery,
            "errors": self.errors,
        }

    def fail(self, code: int, key: str, kind: str, **fmt) -> None:
        self.codes.add(code)
        self.errors.append(
            {
                "message": t(key, "en", **fmt),
                "message_vi": t(key, "vi", **fmt),
                "code": kind,
                **{k: str(v) for k, v in fmt.items()},
            }
        )


def _log_line(step: str, result: str, seconds: float, counts: dict) -> str:
    now = dt.datetime.now(VN).strftime("%d/%m/%Y %H:%M:%S")
    shown = " ".join(f"{k}={v}" for k, v in counts.items())
    return f"daily {now} step={step} result={result} {shown} seconds={seconds:.2f}".replace(
        "  ", " "
    )


def _write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(payload)
    os.replace(tmp, path)  # a reader never sees half a file


# --------------------------------------------------------------------------- the steps


def _pull(db, sources, run: DailyRun) -> tuple[str, dict]:
    from analytics.connectors.pull import exit_code, pull
    from analytics.connectors.sources import SOURCES_ENV, SourcesInvalid, load_sources

    try:
        chosen = load_sources(sources)
    except SourcesInvalid as exc:
        codes = {p.code for p in exc.errors}
        if sources is None and not os.environ.get(SOURCES_ENV) and codes == {"no_sources_file"}:
            return "skipped", {"reason": "no_sources_file"}
        run.codes.add(2)
        from analytics.cli.common import problem

        run.errors.extend(problem(p) for p in exc.errors)
        return "rejected", {"sources_file_errors": len(exc.errors)}
    results = pull(db, chosen)
    run.pull = [r.to_json() for r in results]
    code = exit_code(results)
    if code:
        run.codes.add(code)
    counts = {"sources": len(chosen)}
    for status in ("new_snapshot", "unchanged", "rejected", "unreachable"):
        counts[status] = sum(r.status == status for r in results)
    result = {0: "ok", 2: "rejected", 3: "unreachable"}.get(code, "failed")
    return result, counts


def _report(db, out: Path, run: DailyRun):
    """Write the day's files; (result, counts, what delivery needs) or no files."""
    from analytics.model import Filters, Scope
    from analytics.reports import (
        MIME,
        agency_file_name,
        agency_files,
        agency_ids_in,
        briefing_xlsx,
        build_briefing,
        file_name,
        headline_sentence,
        render_pdf,
    )

    day = run.day
    if not store.snapshots_in_force(db, day):
        run.fail(1, "daily.no_data", "no_data", date=day.strftime("%d/%m/%Y"))
        return "failed", {"files": 0}, None
    data = build_briefing(db, day, Filters(), Scope.everything(), LANG)
    folder = out / day.isoformat()
    pdf, pages = render_pdf(data, LANG)
    xlsx = briefing_xlsx(data, LANG)
    briefing = [
        delivery.Attachment(file_name("pdf", day, LANG), pdf, MIME["pdf"]),
        delivery.Attachment(file_name("xlsx", day, LANG), xlsx, MIME["xlsx"]),
    ]
    for a in briefing:
        _write(folder / a.name, a.data)
    by_name = agency_files(data, LANG)
    own: dict[str, delivery.Attachment] = {}
    for agency_id in agency_ids_in(data):
        name = agency_file_name(data, agency_id, LANG)
        own[agency_id] = delivery.Attachment(name, by_name[name], MIME["xlsx"])
        _write(folder / AGENCY_FOLDER / name, by_name[name])
    for old in (folder / AGENCY_FOLDER).glob("*.xlsx"):  # an earlier run's file of this day
        if old.name not in by_name:
            old.unlink()
    run.files = {
        "folder": str(folder),
        "briefing_pdf": str(folder / briefing[0].name),
        "briefing_xlsx": str(folder / briefing[1].name),
        "pages": pages,
        "agencies": {a: str(folder / AGENCY_FOLDER / f.name) for a, f in own.items()},
        "snapshots": list(data.snapshot_ids),
    }
    names = {
        str(r.agency_id): (str(r.name_vi), str(r.name_en or r.name_vi))
        for r in data.agencies.itertuples(index=False)
    }
    headlines = (headline_sentence(data.parts, "vi"), headline_sentence(data.parts, "en"))
    counts = {"files": 2 + len(own), "agencies": len(own), "pages": pages}
    return "ok", counts, (briefing, own, names, headlines)


def _deliver(db, made, send: bool, by: str | None, run: DailyRun) -> tuple[str, dict]:
    briefing, own, names, headlines = made
    listed = recipients.active_recipients(db)
    messages, skipped = delivery.plan(listed, run.day, briefing, own, names, headlines)
    if not send:
        run.delivery = {
            "sent": 0,
            "planned": [{"email": m.recipient.email, "files": m.files} for m in messages],
            "skipped": [s.to_json() for s in skipped],
        }
        return "not_sent", {"planned": len(messages), "skipped": len(skipped)}
    if not listed:
        run.delivery = {"sent": 0, "failed": 0, "skipped": 0, "messages": []}
        return "no_recipients", {"recipients": 0}
    try:
        cfg = delivery.settings()
    except delivery.NotConfigured as why:
        results = delivery.not_sent(messages, why)
        run.codes.add(4)
        run.errors.append({"message": why.reason, "message_vi": why.reason_vi, "code": why.code})
    else:
        results = delivery.send(messages, cfg)
    results += skipped
    run_id = delivery.record(db, run.day, results, by)
    counts = {
        "recipients": len(listed),
        "sent": sum(r.status == "sent" for r in results),
        "failed": sum(r.status == "failed" for r in results),
        "skipped": len(skipped),
    }
    run.delivery = {"run_id": run_id, **counts, "messages": [r.to_json() for r in results]}
    if counts["failed"]:
        run.codes.add(4)
        return ("failed" if not counts["sent"] else "partial"), counts
    return "ok", counts


# --------------------------------------------------------------------------- the cycle


def run_daily(
    db,
    *,
    sources: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    day: dt.date | None = None,
    send: bool = True,
    by: str | None = "daily",
    emit: Callable[[str], None] = print,
) -> DailyRun:
    """The whole cycle; `emit` receives one log line per step (step, result, counts, seconds)."""
    run = DailyRun(day or vn_today())
    target = Path(out) if out else DEFAULT_OUT
    made = None
    for step in ("pull", "report", "deliver"):
        started = time.monotonic()
        try:
            if step == "pull":
                result, counts = _pull(db, sources, run)
            elif step == "report":
                result, counts, made = _report(db, target, run)
            elif made is None:
                result, counts = "skipped", {"reason": "no_files"}
            else:
                result, counts = _deliver(db, made, send, by, run)
        except Exception as exc:  # the cycle goes on: the next step says what it can
            log.error("daily step %s failed", step, exc_info=exc)
            run.fail(1, "daily.step_failed", "unexpected_error", step=step)
            result, counts = "failed", {}
        seconds = time.monotonic() - started
        run.steps.append({"step": step, "result": result, **counts, "seconds": round(seconds, 2)})
        emit(_log_line(step, result, seconds, counts))
    return run
