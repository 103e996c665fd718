"""Exports neutralise formula-like text; comparisons of two states classify every change."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import load_workbook

from analytics import exports
from analytics.changes import compare

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "<img src=x onerror=alert(1)>",
]


def test_xlsx_has_no_formula_and_real_dates():
    frame = pd.DataFrame(
        {
            "Nhiệm vụ": HOSTILE,
            "Thời hạn": [dt.date(2025, 8, 31)] * len(HOSTILE),
            "n": range(len(HOSTILE)),
        }
    )
    wb = load_workbook(io.BytesIO(exports.to_xlsx({"Danh sách": frame}, "vi")))
    ws = wb["Danh sách"]
    values = [ws.cell(row=r, column=1).value for r in range(2, 2 + len(HOSTILE))]
    assert values == HOSTILE
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    assert (
        ws.cell(row=2, column=2).is_date and ws.cell(row=2, column=2).number_format == "DD/MM/YYYY"
    )
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.cell(row=1, column=1).font.bold


def test_csv_prefixes_formula_like_text_and_keeps_diacritics():
    text = exports.to_csv(pd.DataFrame({"Cơ quan": ["Bộ Tài chính", *HOSTILE]})).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[1] == "Bộ Tài chính"
    assert lines[2].startswith("\"'=HYPERLINK") and lines[3] == "'+1+1"
    assert "<img src=x onerror=alert(1)>" in text  # not a formula: kept as is


def frame(rows):
    return pd.DataFrame(rows, columns=["source", "task_id", "status", "deadline"])


def test_compare_classifies_changes():
    d = dt.date
    before = frame(
        [
            ("S", "a", "in_progress", d(2025, 8, 31)),
            ("S", "b", "in_progress", d(2025, 8, 1)),
            ("S", "c", "overdue", d(2025, 7, 1)),
            ("S", "gone", "in_progress", d(2025, 9, 1)),
        ]
    )
    after = frame(
        [
            ("S", "a", "completed_on_time", d(2025, 8, 31)),
            ("S", "b", "overdue", d(2025, 8, 1)),
            ("S", "c", "in_progress", d(2025, 12, 31)),
            ("S", "new", "in_progress", None),
        ]
    )
    ch = compare(before, after)
    assert list(ch.new.task_id) == ["new"]
    assert list(ch.removed.task_id) == ["gone"]
    assert list(ch.newly_completed.task_id) == ["a"]
    assert list(ch.newly_overdue.task_id) == ["b"]
    assert list(ch.deadline_moved.task_id) == ["c"]
    assert ch.counts() == {
        "new": 1,
        "removed": 1,
        "newly_completed": 1,
        "newly_overdue": 1,
        "deadline_moved": 1,
        "status_changed": 3,
    }


def test_compare_same_task_id_in_two_sources_is_two_tasks():
    d = dt.date(2025, 8, 1)
    ch = compare(frame([("A", "1", "in_progress", d)]), frame([("B", "1", "in_progress", d)]))
    assert ch.counts()["new"] == 1 and ch.counts()["removed"] == 1
