"""Deterministic sample workbooks: the Government's task appendices ("Phụ lục") at three dates.

Two sources are generated, each with its own layout:

- "Nghị quyết 71/NQ-CP" (330 tasks), one header row (row 6);
- "Thông báo kết luận của Ban Chỉ đạo Trung ương" (322 tasks at 28/8/2025), a two-row header
  (rows 5-6, "Thời hạn" merged over "Theo kế hoạch" | "Ngày hoàn thành").

Snapshots are taken at 31/7/2025, 28/8/2025 and 28/10/2025. The figures reported at the
meetings of 1/8/2025 and 28/8/2025 and in Directive 33/CT-TTg come out of the files exactly when
each task is judged at the snapshot's date D by the dashboard's own rule (analytics.statuses.judge
evaluates the store's SQL, sql/task_status.sql): completed iff it has a completion date <= D (on
time iff completion <= deadline); otherwise no deadline -> no_deadline, deadline < D -> overdue,
else in progress. Deadlines written as periods resolve to the last day of the period.

Everything is drawn from one ``random.Random`` with a fixed seed, in a fixed order, so the files are
the same on every run (byte for byte: the zip entries and document properties carry a fixed time).

The modules, in the order the generator uses them: manifest (sources, dates, the bundled files),
vocabulary (agencies, titles, status words), deadlines, plans (each task's trajectory), snapshots
(the tasks at each date and the expected figures), workbooks (the files), large (the benchmarks'
workbook). ``python -m sample`` rewrites the bundled files in ``data/sample/``.
"""

from __future__ import annotations

from sample.large import write_large_workbook
from sample.manifest import (
    AS_OF_DATES,
    D1,
    D2,
    D3,
    SAMPLE_DIR,
    SEED,
    SOURCE_NQ71,
    SOURCE_TBKL,
    SOURCES,
    SampleFile,
    sample_files,
)
from sample.snapshots import SampleTask, build_snapshots, expected_counts
from sample.workbooks import DATA_START_ROW, HEADER_ROW, generate

__all__ = [
    "AS_OF_DATES",
    "D1",
    "D2",
    "D3",
    "DATA_START_ROW",
    "HEADER_ROW",
    "SAMPLE_DIR",
    "SEED",
    "SOURCES",
    "SOURCE_NQ71",
    "SOURCE_TBKL",
    "SampleFile",
    "SampleTask",
    "build_snapshots",
    "expected_counts",
    "generate",
    "sample_files",
    "write_large_workbook",
]
