"""Ingest speed: a 100,000-row appendix workbook, end to end, against pandas+openpyxl reading it.

Run: .venv/bin/python benchmarks/ingest.py [--rows N] [--repeat K] [--against REF]
Prints the times and the ratio baseline / ours (higher is better), measured in rounds within this
run: each round times the baseline and then ours, back to back. `--against REF` also runs the
command line of an earlier commit (a git ref, exported to a temporary folder with `git archive`)
in each round, and prints earlier / ours: below 1.0 the change made ingest slower.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from analytics.ingest import ingest  # noqa: E402
from sample import write_large_workbook  # noqa: E402


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
    parser.add_argument("--against", default=None, help="a git ref whose command line to time too")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    earlier_root = export_ref(args.against, tmp / "earlier") if args.against else None
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

    def ours_cli(root: Path = ROOT):
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
            cwd=root,
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
    base, inproc, cli, earlier, n_base, n_tasks = [], [], [], [], 0, 0
    for _ in range(args.repeat):
        t, n_base = timed(baseline, 1)
        base.append(t)
        t, n_tasks = timed(ours_in_process, 1)
        inproc.append(t)
        t, _ = timed(ours_cli, 1)
        cli.append(t)
        if earlier_root is not None:
            t, _ = timed(lambda: ours_cli(earlier_root), 1)
            earlier.append(t)
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
    if earlier:
        r_e = med(e / o for e, o in zip(earlier, cli, strict=True))
        print(
            f"earlier ({args.against}) python -m analytics ingest:      {med(earlier):8.2f} s                 "
            f"earlier/ours {r_e:4.2f}  [{', '.join(f'{e / o:.2f}' for e, o in zip(earlier, cli, strict=True))}]"
        )


def export_ref(ref: str, into: Path) -> Path:
    """The tree of a git commit in a folder of its own (`git archive`: no work tree is touched)."""
    tar = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=ROOT, check=True, capture_output=True
    ).stdout
    into.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    return into


if __name__ == "__main__":
    main()
