"""Page speed at scale: a 100,000-task store with 30 snapshots, every page's warm run in AppTest.

Run: .venv/bin/python benchmarks/pages.py [--tasks N] [--snapshots K] [--db PATH]
Builds the store (or reuses --db if it already has snapshots), then for each page: one cold run,
then the median of several warm runs (same view, caches filled), and the time of the underlying
store query (load_tasks) for comparison. The goal is every page under 300 ms warm. Last, the
briefing's PDF against building the briefing's figures it prints.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import store  # noqa: E402
from analytics.agencies import default_resolver  # noqa: E402
from analytics.model import Filters, Scope, Task  # noqa: E402

PAGES = ["briefing", "agency", "workload", "trends", "data"]


def build_store(db: Path, n_tasks: int, n_snapshots: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    agencies = [a for a in default_resolver().all() if a.type in ("ministry", "province")]
    start_day = dt.date(2025, 1, 31)
    deadlines = [dt.date(2025, m, 28) for m in range(1, 13)] + [
        dt.date(2026, m, 28) for m in range(1, 7)
    ]
    tasks = {}
    for i in range(n_tasks):
        lead = rng.choice(agencies)
        tasks[i] = dict(
            task_id=f"T{i:06d}",
            title=f"Nhiệm vụ số {i}: triển khai chuyển đổi số lĩnh vực {i % 97}",
            lead_ids=(lead.id,),
            lead_text=lead.name_vi,
            deadline=rng.choice(deadlines),
            completion_date=None,
            status_class="in_progress_on_time",
            difficult=rng.random() < 0.1,
            row=i + 8,
        )
    t0 = time.perf_counter()
    for k in range(n_snapshots):
        as_of = start_day + dt.timedelta(days=14 * k)
        for i in rng.sample(range(n_tasks), n_tasks // 50):  # 2% of tasks change per snapshot
            t = tasks[i]
            if t["completion_date"] is None and rng.random() < 0.7:
                t["completion_date"] = min(
                    as_of, t["deadline"] + dt.timedelta(days=rng.randint(-60, 20))
                )
                t["status_class"] = "done_unspecified"
            else:
                t["deadline"] = t["deadline"] + dt.timedelta(days=30)
        batch = [
            Task(
                **{
                    **t,
                    "deadline_text": t["deadline"].strftime("%d/%m/%Y"),
                    "deadline_kind": "date",
                }
            )
            for t in tasks.values()
        ]
        store.commit_snapshot(
            db,
            source="Nghị quyết 71/NQ-CP" if k % 2 == 0 else "Thông báo kết luận",
            as_of=as_of,
            tasks=batch,
            agencies=agencies,
            file_bytes=f"bench-{k}".encode(),
            file_name=f"bench_{k}.xlsx",
            user="bench",
        )
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--snapshots", type=int, default=30)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    db = (
        Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="bench-pages-")) / "tasks.duckdb"
    )
    if not db.exists() or store.is_empty(db):
        secs = build_store(db, args.tasks, args.snapshots)
        print(f"store: {args.tasks:,} tasks x {args.snapshots} snapshots built in {secs:.1f} s")
    counts = store.storage_counts(db)
    print(
        f"store: {counts['snapshots']} snapshots, {counts['task_versions']:,} task versions, "
        f"{db.stat().st_size / 1e6:.1f} MB"
    )
    os.environ["TASKS_DB"] = str(db)
    # the caches' budget (ui/cache.py): one view of 200,000 tasks keeps about 600 MB of frames
    # (the tasks at two dates, 153 MB each, and what the pages derive from them)
    os.environ.setdefault("TASKS_CACHE_MB", "1024")
    print(f"caches: TASKS_CACHE_MB={os.environ['TASKS_CACHE_MB']}")

    latest = store.latest_as_of(db)
    q = []
    for _ in range(args.warm):
        t0 = time.perf_counter()
        df = store.load_tasks(db, latest, Filters(), Scope.everything())
        q.append(time.perf_counter() - t0)
    print(
        f"query: load_tasks at {latest} ({len(df):,} tasks in force): {statistics.median(q) * 1000:7.0f} ms"
    )

    from streamlit import config
    from streamlit.testing.v1 import AppTest

    # the pages as `make run` serves them to this machine: the read-only guest view
    os.environ["TASKS_GUEST"] = "1"
    config.set_option("server.address", "127.0.0.1")

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    t0 = time.perf_counter()
    at.run()
    print(f"app: first run (cold caches) {time.perf_counter() - t0:7.2f} s")
    warm_label = f"warm ms (median of {args.warm})"
    print(f"{'page':10s} {'cold ms':>9s} {warm_label:>24s}")
    for name in PAGES:
        t0 = time.perf_counter()
        at.switch_page(f"pages/{name}.py").run()
        cold = time.perf_counter() - t0
        warm = []
        for _ in range(args.warm):
            t0 = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t0)
        failed = " (exception!)" if at.exception else ""
        print(f"{name:10s} {cold * 1000:9.0f} {statistics.median(warm) * 1000:24.0f}{failed}")

    from analytics import reports

    built, made = [], []
    for _ in range(args.warm):
        t0 = time.perf_counter()
        data = reports.build_briefing(db, latest, Filters(), Scope.everything(), "vi")
        built.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        reports.briefing_pdf(data, "vi")
        made.append(time.perf_counter() - t0)
    b, m = statistics.median(built), statistics.median(made)
    print(
        f"briefing PDF: figures {b * 1000:.0f} ms, PDF {m * 1000:.0f} ms "
        f"({m / b:.1f}x the figures' time; medians of {args.warm})"
    )


if __name__ == "__main__":
    main()
