"""analytics.workload on small stores built here: months, backlog, trajectory, pace, agencies."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from analytics import metrics, store, workload
from analytics.model import Filters, Scope, Task
from tests.helpers import AGENCIES

D = dt.date


def task(tid, leads=("mof",), deadline=None, done=None, status_class=None) -> Task:
    return Task(
        task_id=tid,
        title=f"Nhiệm vụ {tid}",
        lead_ids=tuple(leads),
        lead_text=", ".join(leads),
        deadline=deadline,
        deadline_text=deadline.strftime("%d/%m/%Y") if deadline else None,
        deadline_kind="date" if deadline else "none",
        completion_date=done,
        status_class=status_class or ("done_unspecified" if done else "in_progress_on_time"),
        sheet="Sheet1",
        row=6,
    )


def frame(tmp_path, tasks, as_of, scope=Scope.everything()) -> pd.DataFrame:  # noqa: B008
    db = tmp_path / "w.duckdb"
    if not db.exists():
        store.commit_snapshot(
            db,
            source="S",
            as_of=as_of,
            tasks=tasks,
            agencies=AGENCIES,
            file_bytes=repr([t.task_id for t in tasks]).encode(),
            file_name="f.xlsx",
        )
    return store.load_tasks(db, as_of, Filters(), scope)


AS_OF = D(2025, 8, 28)
TASKS = [
    task("a", deadline=D(2024, 12, 15)),  # open, from last year: backlog for every month
    task("b", deadline=D(2025, 3, 10), done=D(2025, 3, 1)),  # on time, completed in March
    task("c", deadline=D(2025, 3, 20), done=D(2025, 5, 2)),  # late, completed in May
    task("d", deadline=D(2025, 6, 30)),  # open, overdue at the as-of date
    task("e", leads=("mof", "most"), deadline=D(2025, 8, 31)),  # open, in progress, two leads
    task("f", leads=("p01",), deadline=D(2025, 9, 15)),  # open, future
    task("g", deadline=D(2025, 9, 30), done=D(2024, 11, 1)),  # done before the year
    task("h", leads=("most",), deadline=D(2025, 12, 31)),  # open, December
    task("i", deadline=D(2025, 2, 1), status_class="done_on_time"),  # done, date not recorded
    task("j", deadline=None),  # no deadline: in no month
    task("k", leads=("most",), deadline=D(2026, 1, 10)),  # next year
]


@pytest.fixture
def df(tmp_path):
    return frame(tmp_path, TASKS, AS_OF)


def by_month(table: pd.DataFrame) -> dict:
    return table.set_index("month").to_dict("index")


def test_monthly_has_twelve_months_and_equals_metrics_by_month(df):
    table = workload.monthly(df, 2025, AS_OF)
    assert list(table["month"]) == [f"2025-{m:02d}" for m in range(1, 13)]
    reference = metrics.by_month(df).set_index("month")
    for row in table.itertuples():
        if row.month in reference.index:
            ref = reference.loc[row.month]
            got, want = (
                (row.due, row.completed, row.remaining),
                (ref.due, ref.completed, ref.remaining),
            )
            assert got == want
        else:
            assert (row.due, row.completed, row.remaining) == (0, 0, 0)
    m = by_month(table)
    assert (m["2025-03"]["due"], m["2025-03"]["completed"], m["2025-03"]["remaining"]) == (2, 2, 0)
    assert m["2025-03"]["completed_on_time"] == 1 and m["2025-03"]["completed_late"] == 1
    assert m["2025-06"]["overdue"] == 1 and m["2025-08"]["in_progress"] == 1
    assert m["2025-09"]["due"] == 2 and m["2025-09"]["remaining"] == 1
    # statuses of the due tasks add up to the due count
    parts = table[list(workload.STATUS_COLUMNS)].sum(axis=1)
    assert (parts == table["due"]).all()
    assert table["due"].sum() == 8  # a, j, k are outside 2025


def test_backlog_counts_open_tasks_due_before_the_month(df):
    m = by_month(workload.monthly(df, 2025, AS_OF))
    # a (Dec 2024) is carried into every month; d (June) from July; e (Aug) from Sept; f (Sept) from Oct
    backlog = [m[f"2025-{k:02d}"]["backlog"] for k in range(1, 13)]
    assert backlog == [1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 4, 4]


def test_cumulative_planned_and_actual(df):
    table = workload.monthly(df, 2025, AS_OF)
    assert list(table["planned_cum"]) == list(table["due"].cumsum())
    assert table["planned_cum"].iloc[-1] == 8
    done = list(table["completed_in_month"])
    # g done before the year → January; b March; c May; i (no date) → the as-of month, August
    assert done == [1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0]
    actual = table["actual_cum"]
    assert list(actual.iloc[:8]) == [1, 1, 2, 2, 3, 3, 3, 4]
    assert actual.iloc[8:].isna().all()  # the future is not drawn


def test_actual_line_covers_a_past_year_and_nothing_of_a_future_one(tmp_path):
    df = frame(tmp_path, TASKS, AS_OF)
    future = workload.monthly(df, 2026, AS_OF)
    assert future["actual_cum"].isna().all() and future["due"].sum() == 1
    later = D(2027, 2, 1)
    past = workload.monthly(
        store.load_tasks(tmp_path / "w.duckdb", later, Filters(), Scope()), 2025, later
    )
    assert past["actual_cum"].notna().all()


def test_pace(df):
    p = workload.pace(df, 2025, AS_OF)
    # open tasks due in 2025: d, e, f, h → 4; months left Aug..Dec = 5
    assert (p["due"], p["open"], p["overdue"], p["months_left"]) == (8, 4, 1, 5)
    assert p["per_month"] == pytest.approx(0.8)
    assert p["per_month_ceil"] == 1
    assert p["achieved_per_month"] == pytest.approx(4 / 8)
    ahead = workload.pace(df, 2026, AS_OF)
    assert (ahead["open"], ahead["months_left"]) == (1, 12)
    assert ahead["per_month"] == pytest.approx(1 / 12)
    assert ahead["achieved_per_month"] is None
    over = workload.pace(df, 2024, AS_OF)
    assert over["months_left"] == 0 and over["per_month"] is None


def test_pace_in_december_counts_the_current_month(tmp_path):
    as_of = D(2025, 12, 5)
    df = frame(tmp_path, TASKS, as_of)
    p = workload.pace(df, 2025, as_of)
    assert p["months_left"] == 1 and p["per_month"] == p["open"]


def test_agency_month_counts_each_lead_and_names_in_the_language(df):
    wide = workload.agency_month(df, store_agencies(), 2025, "vi", top=None)
    rows = wide.set_index("agency_id")
    assert set(rows.index) == {"mof", "most", "p01"}
    assert rows.loc["mof", "agency"] == "Bộ Tài chính"
    # mof: d (June), e (Aug) — most: e (Aug), h (Dec) — p01: f (Sept)
    assert list(rows.loc["mof", ["2025-06", "2025-08", "total"]]) == [1, 1, 2]
    assert list(rows.loc["most", ["2025-08", "2025-12", "total"]]) == [1, 1, 2]
    assert rows.loc["p01", "2025-09"] == 1
    assert wide["total"].sum() == 5  # e counts twice
    en = workload.agency_month(df, store_agencies(), 2025, "en", top=None)
    names = {"Ministry of Finance", "Ministry of Science and Technology", "Hanoi"}
    assert set(en["agency"]) == names
    top = workload.agency_month(df, store_agencies(), 2025, "vi", top=1)
    assert len(top) == 1 and top["total"].iloc[0] == 2


def test_agency_month_keeps_only_the_scope(tmp_path):
    scope = Scope.agencies(["most"])
    df = frame(tmp_path, TASKS, AS_OF, scope)
    assert set(df["task_id"]) == {"e", "h", "k"}  # the store applies the scope
    wide = workload.agency_month(df, store_agencies(), 2025, "vi", scope.agency_ids, top=None)
    # e is co-led by mof, but mof is outside the scope: no row for it
    assert list(wide["agency_id"]) == ["most"]
    assert wide["total"].iloc[0] == 2


def test_years_and_month_lists(df):
    assert workload.years(df, AS_OF) == [2024, 2025, 2026]
    assert workload.years(df.iloc[0:0], AS_OF) == [2025]
    due = workload.due_in_month(df, "2025-09")
    assert list(due["task_id"]) == ["f"]
    assert set(workload.due_in_month(df, "2025-09", open_only=False)["task_id"]) == {"f", "g"}


def test_empty_frame(tmp_path):
    df = frame(tmp_path, [task("x", deadline=None)], AS_OF).iloc[0:0]
    table = workload.monthly(df, 2025, AS_OF)
    assert len(table) == 12 and table["due"].sum() == 0 and table["backlog"].sum() == 0
    assert workload.agency_month(df, store_agencies(), 2025).empty
    p = workload.pace(df, 2025, AS_OF)
    assert p["open"] == 0 and p["per_month"] == 0
    assert not math.isnan(p["achieved_per_month"])


def store_agencies() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agency_id": [a.id for a in AGENCIES],
            "name_vi": [a.name_vi for a in AGENCIES],
            "name_en": [a.name_en for a in AGENCIES],
            "agency_type": [a.type for a in AGENCIES],
        }
    )


def test_backlog_boundary_a_deadline_on_the_first_is_not_carried_into_its_own_month(tmp_path):
    tasks = [task("p", deadline=D(2025, 11, 1)), task("q", deadline=D(2025, 10, 31))]
    table = workload.monthly(frame(tmp_path, tasks, AS_OF), 2025, AS_OF)
    m = by_month(table)
    assert (m["2025-10"]["backlog"], m["2025-11"]["backlog"], m["2025-12"]["backlog"]) == (0, 1, 2)
