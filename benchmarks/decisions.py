"""What the reporting-back overlay costs the figures (issue 15): the state at a date and the
trend of every date, with the steering office's decisions joined in (sql/task_decisions.sql,
sql/decided_columns.sql), against the same queries without them, in the same run.

Run: .venv/bin/python benchmarks/decisions.py [--tasks N] [--snapshots K] [--decisions D]
Builds a store as benchmarks/pages.py does, times load_tasks and history.trend (median of
--repeat runs) with no decisions, then with D reports, claims, deadline changes and
cancellations written through analytics.reporting, and prints each against the query text of
the revision before the overlay (--against, read with git show).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import reporting, store  # noqa: E402
from analytics.access import User  # noqa: E402
from analytics.model import Filters, Scope  # noqa: E402
from benchmarks.pages import build_store  # noqa: E402


def old_sql(rev: str, name: str) -> str:
    """The named query as it was at `rev`, its fragments inlined from the same revision."""

    def show(n):
        return subprocess.run(
            ["git", "show", f"{rev}:analytics/sql/{n}.sql"], cwd=ROOT, capture_output=True,
            text=True, check=True,
        ).stdout  # fmt: skip

    text = show(name)
    for fragment in ("task_completed", "task_status", "snapshots_in_force", "version_in_force"):
        if "{" + fragment + "}" in text:
            body = "\n".join(
                ln for ln in show(fragment).splitlines() if not ln.lstrip().startswith("--")
            )
            text = text.replace("{" + fragment + "}", body.strip())
    return text


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def run_old(db, text: str, params: dict):
    params = {k: v for k, v in params.items() if "$" + k in text}
    with store.connect(db) as con:
        return con.execute(text, params).to_arrow_table()


def add_decisions(db, n: int, as_of: dt.date) -> None:
    frame = store.load_tasks(db, as_of, Filters(), Scope.everything())
    boss = User("bench", "coordinator")
    done_on = min(as_of, dt.date.today())
    for i, row in enumerate(frame.head(n).itertuples()):
        kind = i % 4
        if kind == 0:
            out = reporting.claim(db, boss, row.task_id, done_on, f"VB {i}", source=row.source)
            if i % 8 == 0 and out.get("claim_id"):
                reporting.confirm_claim(db, boss, out["claim_id"])
        elif kind == 1:
            asked = reporting.request_deadline(
                db, boss, row.task_id, dt.date(2027, 1, 1), "bench", source=row.source
            )
            reporting.approve_request(db, boss, asked["request_id"])
        elif kind == 2:
            reporting.cancel_task(db, boss, row.task_id, "bench", "QĐ 1", source=row.source)
        else:
            fields = reporting.ReportFields(status_reported="stuck", commitment_date=as_of)
            reporting.save_report(db, boss, row.task_id, fields, source=row.source,
                                  check_version=False)  # fmt: skip


def measure(db, rev: str, repeat: int, label: str) -> None:
    latest = store.latest_as_of(db)
    params = {"as_of": latest, **store.filter_params(Filters(), Scope.everything())}
    old_at, old_trend = old_sql(rev, "tasks_at"), old_sql(rev, "history_trend")
    base_at = median_ms(lambda: run_old(db, old_at, params), repeat)
    new_at = median_ms(lambda: store.load_tasks(db, latest, Filters(), Scope.everything()), repeat)
    raw_at = median_ms(lambda: run_old(db, store.sql("tasks_at"), params), repeat)
    base_tr = median_ms(lambda: run_old(db, old_trend, params), repeat)
    new_tr = median_ms(lambda: run_old(db, store.sql("history_trend"), params), repeat)
    print(f"{label}")
    print(f"  tasks_at (to Arrow)    before {base_at:7.0f} ms   now {raw_at:7.0f} ms   "
          f"ratio {raw_at / base_at:5.2f}")  # fmt: skip
    print(f"  load_tasks (to pandas) now {new_at:7.0f} ms")
    print(f"  history_trend          before {base_tr:7.0f} ms   now {new_tr:7.0f} ms   "
          f"ratio {new_tr / base_tr:5.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--snapshots", type=int, default=30)
    parser.add_argument("--decisions", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--against", default="31b660a", help="the revision before the overlay")
    args = parser.parse_args()
    db = Path(tempfile.mkdtemp(prefix="bench-decisions-")) / "tasks.duckdb"
    secs = build_store(db, args.tasks, args.snapshots)
    print(f"store: {args.tasks:,} tasks x {args.snapshots} snapshots built in {secs:.1f} s")
    measure(db, args.against, args.repeat, "no decisions")
    t0 = time.perf_counter()
    add_decisions(db, args.decisions, store.latest_as_of(db))
    secs = time.perf_counter() - t0
    print(f"decisions: {args.decisions:,} written in {secs:.1f} s "
          f"({secs / max(args.decisions, 1) * 1000:.0f} ms each, audited)")  # fmt: skip
    measure(db, args.against, args.repeat, f"{args.decisions:,} decisions")


if __name__ == "__main__":
    main()
