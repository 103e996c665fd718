"""The file, sheet and row a task table shows are where the figures of that date were read
(issue 16): a task unchanged since an earlier file keeps one stored version, but at a later date
its row names the later file (store.task_rows), not the file that first brought the task.
Real DuckDB files, the store's own commit and query, and the table as exported."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import duckdb
import pytest
from openpyxl import load_workbook

from analytics import exports, store
from analytics.model import Filters, Scope, Task
from tests.helpers import AGENCIES

D = dt.date
JUL, AUG, SEP = D(2025, 7, 31), D(2025, 8, 28), D(2025, 9, 30)


def task(tid: str, lead: str = "mof", row: int = 6, sheet: str = "Phụ lục", **kw) -> Task:
    return Task(
        task_id=tid,
        title=f"Nhiệm vụ {tid}",
        lead_ids=(lead,),
        lead_text=lead,
        deadline=D(2025, 12, 31),
        deadline_text="31/12/2025",
        deadline_kind="date",
        status_class="in_progress_on_time",
        row=row,
        sheet=sheet,
        **kw,
    )


def commit(db, tasks, as_of, name: str, **kw):
    return store.commit_snapshot(
        db,
        source="S",
        as_of=as_of,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=name.encode(),
        file_name=name,
        user="tester",
        **kw,
    )


def where(db, as_of) -> dict[str, tuple]:
    df = store.load_tasks(db, as_of, Filters(), Scope.everything())
    return {r.task_id: (r.origin_file, r.origin_sheet, int(r.origin_row)) for r in df.itertuples()}


@pytest.fixture
def db(tmp_path):
    return tmp_path / "rows.duckdb"


def test_a_task_unchanged_in_a_later_file_names_that_file_and_its_row(db):
    commit(db, [task("a", row=6), task("b", lead="most", row=7)], JUL, "ds_31-07.xlsx")
    # August: the same two tasks, unchanged, on other rows of another sheet, and a new one
    aug = [task("c", row=6, sheet="PL1"), task("a", row=7, sheet="PL1"), task("b", lead="most",
           row=9, sheet="PL1")]  # fmt: skip
    commit(db, aug, AUG, "ds_28-08.xlsx")
    assert store.storage_counts(db)["task_versions"] == 3  # stored once each, as before
    assert where(db, JUL) == {"a": ("ds_31-07.xlsx", "Phụ lục", 6), "b": ("ds_31-07.xlsx",
                              "Phụ lục", 7)}  # fmt: skip
    assert where(db, AUG) == {
        "a": ("ds_28-08.xlsx", "PL1", 7),
        "b": ("ds_28-08.xlsx", "PL1", 9),
        "c": ("ds_28-08.xlsx", "PL1", 6),
    }
    # the table as exported names the August file for the August figures
    df = store.load_tasks(db, AUG, Filters(), Scope.everything())
    shown = exports.present_tasks(df, store.list_agencies(db), "vi")
    book = load_workbook(io.BytesIO(exports.to_xlsx({"ds": shown}, "vi")))["ds"]
    head = [c.value for c in book[1]]
    files = {row[head.index("Mã nhiệm vụ")]: row[head.index("Tệp")] for row in
             book.iter_rows(min_row=2, values_only=True)}  # fmt: skip
    assert files == dict.fromkeys(("a", "b", "c"), "ds_28-08.xlsx")


def test_an_agency_file_names_itself_for_its_tasks_and_keeps_the_others_where_they_were(db):
    commit(db, [task("a", row=6), task("b", lead="most", row=7)], JUL, "ds_31-07.xlsx")
    commit(db, [task("a", row=8), task("b", lead="most", row=11)], AUG, "ds_28-08.xlsx")
    # the Ministry of Finance's own file in September: its task unchanged, on its row 3
    commit(db, [task("a", row=3, sheet="BTC")], SEP, "btc_30-09.xlsx", update_agencies=["mof"])
    assert where(db, SEP) == {
        "a": ("btc_30-09.xlsx", "BTC", 3),
        "b": ("ds_28-08.xlsx", "Phụ lục", 11),  # carried over: read from the August list
    }
    assert where(db, AUG)["b"] == ("ds_28-08.xlsx", "Phụ lục", 11)


def test_a_back_dated_file_names_itself_at_its_dates_only(db):
    commit(db, [task("a", row=6)], JUL, "ds_31-07.xlsx")
    commit(db, [task("a", row=9)], SEP, "ds_30-09.xlsx")
    commit(db, [task("a", row=7)], AUG, "ds_28-08.xlsx")  # sent late
    assert where(db, JUL)["a"] == ("ds_31-07.xlsx", "Phụ lục", 6)
    assert where(db, AUG)["a"] == ("ds_28-08.xlsx", "Phụ lục", 7)
    assert where(db, SEP)["a"] == ("ds_30-09.xlsx", "Phụ lục", 9)
    # a retracted August file: its dates fall back on the July file and its row
    store.set_snapshot_status(db, 3, "retracted")
    assert where(db, AUG)["a"] == ("ds_31-07.xlsx", "Phụ lục", 6)


def test_a_store_made_before_task_rows_falls_back_on_the_first_file(db):
    commit(db, [task("a", row=6)], JUL, "ds_31-07.xlsx")
    commit(db, [task("a", row=7)], AUG, "ds_28-08.xlsx")
    with duckdb.connect(str(db)) as con:  # as a file written before the table existed
        con.execute("delete from task_rows")
    assert where(db, AUG)["a"] == ("ds_31-07.xlsx", "Phụ lục", 6)
    # and the next snapshot, carried from such a snapshot, still names a file and a row
    changed = dataclasses.replace(task("b", lead="most", row=4))
    commit(db, [changed], SEP, "hn.xlsx", update_agencies=["most"], accepted=["b"])
    assert where(db, SEP)["a"] == ("ds_31-07.xlsx", "Phụ lục", 6)
