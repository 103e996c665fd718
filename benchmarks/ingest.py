"""Ingest speed: a 100,000-row appendix workbook, end to end, against pandas+openpyxl reading it.

Run: .venv/bin/python benchmarks/ingest.py [--rows N] [--repeat K]
Prints the times and the ratio baseline / ours (higher is better), measured in rounds within this
run: each round times the baseline and then ours, back to back.
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

import pandas as pd  # noqa: E402

from analytics.ingest import ingest  # noqa: E402
from analytics.sample import write_large_workbook  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    book = tmp / f"tasks_{args.rows}.xlsx"
    start = time.perf_counter()
    write_large_workbook(book, args.rows)
    print(
        f"workbook: {args.rows:,} rows, {book.stat().st_size / 1e6:.1f} MB, written in {time.perf_counter() - start:.1f} s"
    )
    data = book.read_bytes()

    counter = iter(range(1000))

    def ours_in_process():
        db = tmp / f"inproc_{next(counter)}.duckdb"
        result, _ = ingest(db, data, book.name, as_of=dt.date(2025, 8, 28), source="bench")
        return result.tasks

    def ours_cli():
        db = tmp / f"cli_{next(counter)}.duckdb"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "analytics",
                "ingest",
                str(book),
                "--db",
                str(db),
                "--as-of",
                "2025-08-28",
                "--source",
                "bench",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )

    def second_snapshot():
        # a second, unchanged snapshot of the same tasks into an existing store
        db = tmp / "inproc_0.duckdb"
        result, _ = ingest(db, data + b"", book.name, as_of=dt.date(2025, 8, 29), source="bench")
        return result.tasks

    def baseline():
        return len(pd.read_excel(book, engine="openpyxl", header=None))

    # Rounds: the baseline, then ours in process, then ours as a new process, back to back, so a
    # change in the machine's speed during the run (this one varies by 30 %) hits both sides of
    # each ratio alike. Medians of the times and of the per-round ratios.
    base, inproc, cli, n_base, n_tasks = [], [], [], 0, 0
    for _ in range(args.repeat):
        t, n_base = timed(baseline, 1)
        base.append(t)
        t, n_tasks = timed(ours_in_process, 1)
        inproc.append(t)
        t, _ = timed(ours_cli, 1)
        cli.append(t)
    t_second, _ = timed(second_snapshot, 1)
    med = statistics.median
    r_in = med(b / o for b, o in zip(base, inproc, strict=True))
    r_cli = med(b / o for b, o in zip(base, cli, strict=True))
    print(f"rounds: {args.repeat} (medians below; per-round ratios in brackets)")
    print(
        f"baseline pandas.read_excel(engine='openpyxl'), read only: {med(base):8.2f} s ({n_base:,} rows)"
    )
    print(
        f"ours: ingest() read + validate + resolve + store:       {med(inproc):8.2f} s ({n_tasks:,} tasks)  "
        f"ratio {r_in:5.1f}x  [{', '.join(f'{b / o:.1f}' for b, o in zip(base, inproc, strict=True))}]"
    )
    print(
        f"ours: python -m analytics ingest (new process):          {med(cli):8.2f} s                 "
        f"ratio {r_cli:5.1f}x  [{', '.join(f'{b / o:.1f}' for b, o in zip(base, cli, strict=True))}]"
    )
    print(f"ours: second snapshot of the same tasks, same store:     {t_second:8.2f} s")


if __name__ == "__main__":
    main()
