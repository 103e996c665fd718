"""The DuckDB store: versions, time travel, retraction, agency updates, crashes and locks."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from analytics import faults, store
from analytics.model import Filters, Scope, Task
from tests.helpers import AGENCIES

D = dt.date


AUG31 = D(2025, 8, 31)


def task(tid: str, lead: str = "mof", deadline=AUG31, done=None, title=None, **kw) -> Task:
    return Task(
        task_id=tid,
        title=title or f"Nhiệm vụ {tid}",
        lead_ids=(lead,),
        lead_text=lead,
        deadline=deadline,
        deadline_text=deadline.strftime("%d/%m/%Y") if deadline else None,
        deadline_kind="date" if deadline else "none",
        completion_date=done,
        status_class="done_unspecified" if done else "in_progress_on_time",
        row=int(tid[1:]) + 5 if tid[1:].isdigit() else 6,
        sheet="Sheet1",
        **kw,
    )


def commit(db, tasks, as_of, source="S", data=None, **kw):
    data = (
        data
        if data is not None
        else repr(
            (
                source,
                as_of,
                [t.task_id for t in tasks],
                [t.deadline for t in tasks],
                [t.completion_date for t in tasks],
            )
        ).encode()
    )
    return store.commit_snapshot(
        db,
        source=source,
        as_of=as_of,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=data,
        file_name="f.xlsx",
        user="tester",
        **kw,
    )


def state(db, as_of, **filters):
    df = store.load_tasks(db, as_of, Filters(**filters), Scope.everything())
    return {r.task_id: (r.source, r.status, r.deadline) for r in df.itertuples()}


@pytest.fixture
def db(tmp_path):
    return tmp_path / "t.duckdb"


def test_statuses_judged_at_the_date(db):
    commit(
        db,
        [
            task("t1", deadline=D(2025, 8, 15)),
            task("t2", deadline=D(2025, 8, 28)),
            task("t3", deadline=None),
            task("t4", deadline=D(2025, 8, 1), done=D(2025, 7, 30)),
            task("t5", deadline=D(2025, 8, 1), done=D(2025, 8, 2)),
        ],
        D(2025, 8, 28),
    )
    s = state(db, D(2025, 8, 28))
    assert {k: v[1] for k, v in s.items()} == {
        "t1": "overdue",
        "t2": "in_progress",
        "t3": "no_deadline",
        "t4": "completed_on_time",
        "t5": "completed_late",
    }
    # the same snapshot judged later: t2 is overdue the day after its deadline
    assert state(db, D(2025, 8, 29))["t2"][1] == "overdue"
    # before the snapshot's date there is nothing
    assert state(db, D(2025, 8, 27)) == {}


def test_unchanged_tasks_are_not_stored_again(db):
    tasks = [task(f"t{i}") for i in range(50)]
    commit(db, tasks, D(2025, 7, 31))
    commit(db, tasks, D(2025, 8, 28))
    assert store.storage_counts(db)["task_versions"] == 50
    changed = [*tasks[:49], task("t49", done=D(2025, 8, 20))]
    commit(db, changed, D(2025, 9, 30))
    assert store.storage_counts(db)["task_versions"] == 51
    assert state(db, D(2025, 8, 28))["t49"][1] == "in_progress"
    assert state(db, D(2025, 9, 30))["t49"][1] == "completed_on_time"


def test_back_dated_snapshot_gives_the_same_states_as_in_order(tmp_path):
    versions = {
        D(2025, 6, 30): [task("a"), task("b", deadline=D(2025, 6, 1))],
        D(2025, 7, 31): [task("a", deadline=D(2025, 9, 30)), task("c")],
        D(2025, 8, 28): [
            task("a", deadline=D(2025, 9, 30), done=D(2025, 8, 1)),
            task("b"),
            task("c"),
        ],
    }
    in_order, shuffled = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    for day in sorted(versions):
        commit(in_order, versions[day], day)
    for day in (D(2025, 8, 28), D(2025, 6, 30), D(2025, 7, 31)):
        commit(shuffled, versions[day], day)
    for day in (D(2025, 6, 30), D(2025, 7, 15), D(2025, 7, 31), D(2025, 8, 28), D(2025, 12, 1)):
        assert state(in_order, day) == state(shuffled, day), day
    assert state(shuffled, D(2025, 7, 31)).keys() == {"a", "c"}


def test_sources_are_independent_and_retraction_hides_but_keeps(db):
    commit(db, [task("a")], D(2025, 7, 31), source="NQ71")
    commit(db, [task("x")], D(2025, 7, 31), source="TBKL")
    second = commit(db, [task("a", done=D(2025, 8, 10)), task("b")], D(2025, 8, 28), source="NQ71")
    s = state(db, D(2025, 8, 28))
    assert set(s) == {"a", "b", "x"}
    assert state(db, D(2025, 8, 28), sources=("TBKL",)).keys() == {"x"}

    assert store.set_snapshot_status(db, second.snapshot_id, "retracted", user="admin")
    s = state(db, D(2025, 8, 28))
    assert set(s) == {"a", "x"} and s["a"][1] == "in_progress"
    snaps = store.list_snapshots(db)
    assert snaps.loc[snaps.snapshot_id == second.snapshot_id, "status"].item() == "retracted"
    assert store.set_snapshot_status(db, second.snapshot_id, "active")
    assert state(db, D(2025, 8, 28))["a"][1] == "completed_on_time"
    assert not store.set_snapshot_status(db, 999, "retracted")


def test_same_file_twice_adds_nothing(db):
    first = commit(db, [task("a")], D(2025, 7, 31), data=b"same bytes")
    again = commit(db, [task("a")], D(2025, 7, 31), data=b"same bytes")
    assert again.duplicate and again.snapshot_id == first.snapshot_id
    assert store.storage_counts(db) == {"snapshots": 1, "task_versions": 1, "blobs": 1}
    assert store.file_bytes(db, store.sha256(b"same bytes")) == b"same bytes"


def test_agency_update_changes_only_that_agencys_tasks(db):
    commit(
        db, [task("a", lead="mof"), task("b", lead="most"), task("c", lead="mof")], D(2025, 7, 31)
    )
    result = commit(
        db, [task("a", lead="mof", done=D(2025, 8, 1))], D(2025, 8, 28), update_agencies=["mof"]
    )
    assert result.kind == "agency_update" and result.tasks == 3
    s = state(db, D(2025, 8, 28))
    # an agency's file never removes a task: c (the ministry's own, not in the file) and b
    # (another agency's) are kept as they were
    assert set(s) == {"a", "b", "c"}
    assert s["a"][1] == "completed_on_time"


def test_scope_is_applied_in_the_query(db):
    commit(
        db, [task("a", lead="mof"), task("b", lead="most"), task("c", lead="p01")], D(2025, 7, 31)
    )
    df = store.load_tasks(db, D(2025, 7, 31), Filters(), Scope.agencies(["mof"]))
    assert list(df.task_id) == ["a"]
    # a filter cannot widen the scope
    df = store.load_tasks(
        db, D(2025, 7, 31), Filters(agency_ids=("most",)), Scope.agencies(["mof"])
    )
    assert df.empty
    df = store.load_tasks(
        db, D(2025, 7, 31), Filters(agency_types=("province",)), Scope.everything()
    )
    assert list(df.task_id) == ["c"]


CHILD = textwrap.dedent(
    """
    import datetime as dt, sys
    from types import SimpleNamespace
    from analytics import store
    from analytics.model import Task
    db, mode = sys.argv[1], sys.argv[2]
    tasks = [Task(task_id=f"n{i}", title="x", lead_ids=("mof",), lead_text="mof") for i in range(1000)]
    ag = [SimpleNamespace(id="mof", name_vi="Bộ Tài chính", name_en="MOF", type="ministry")]
    if mode == "crash":  # run with TASKS_FAULTS=store.commit.inside_transaction (analytics/faults.py)
        store.commit_snapshot(db, source="S", as_of=dt.date(2025, 9, 1), tasks=tasks, agencies=ag,
                              file_bytes=b"crash", file_name="c.xlsx")
        sys.exit("the fault point did not fire")
    elif mode == "hold":
        import duckdb, time
        con = duckdb.connect(db)
        print("held", flush=True)
        time.sleep(float(sys.argv[3]))
        con.close()
    else:
        r = store.commit_snapshot(db, source=mode, as_of=dt.date(2025, 9, 1), tasks=tasks, agencies=ag,
                                  file_bytes=mode.encode(), file_name="c.xlsx")
        print(r.snapshot_id)
    """
)


def run_child(db, *args, **kw):
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), *args], stdout=subprocess.PIPE, text=True, **kw
    )


def test_killed_ingest_leaves_previous_state(db):
    commit(db, [task("a")], D(2025, 7, 31))
    before = state(db, D(2025, 9, 1))
    proc = run_child(db, "crash", env=faults.env_with("store.commit.inside_transaction"))
    proc.communicate(timeout=60)  # waits, and closes the pipe
    assert proc.returncode == faults.EXIT_CODE
    assert state(db, D(2025, 9, 1)) == before
    assert store.storage_counts(db) == {"snapshots": 1, "task_versions": 1, "blobs": 1}


def test_two_ingests_at_once_both_land(db):
    commit(db, [task("a")], D(2025, 7, 31))
    procs = [run_child(db, "A"), run_child(db, "B")]
    ids = sorted(int(p.communicate(timeout=120)[0].strip()) for p in procs)
    assert all(p.returncode == 0 for p in procs)
    assert ids == [2, 3]
    assert set(state(db, D(2025, 9, 1), sources=("A",))) == {f"n{i}" for i in range(1000)}
    assert len(state(db, D(2025, 9, 1), sources=("B",))) == 1000


def test_lock_is_waited_for_then_reported(db):
    commit(db, [task("a")], D(2025, 7, 31))
    holder = run_child(db, "hold", "1.5")
    assert holder.stdout.readline().strip() == "held"
    start = time.monotonic()
    # waits for the short hold to end, then answers
    assert "a" in state(db, D(2025, 7, 31))
    assert time.monotonic() - start > 0.2
    holder.communicate(timeout=30)  # waits, and closes the pipe

    holder = run_child(db, "hold", "20")
    assert holder.stdout.readline().strip() == "held"
    try:
        with (
            pytest.raises(store.StoreBusy, match="in use by another process"),
            store.connect(db, timeout=0.5),
        ):
            pass
    finally:
        holder.kill()
        holder.communicate()


def test_connection_is_released_after_use(db):
    commit(db, [task("a")], D(2025, 7, 31))
    state(db, D(2025, 7, 31))
    # another process can open the file read-write right away
    con = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({str(db)!r}).close(); print('ok')"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert con.stdout.strip() == "ok", con.stderr
    assert isinstance(duckdb.__version__, str) and duckdb.__version__.startswith("1.5")


def test_agency_update_never_drops_a_task_shared_with_another_agency(db):
    shared = Task(
        task_id="s", title="Nhiệm vụ chung", lead_ids=("mof", "p01"), lead_text="BTC; Hà Nội"
    )
    commit(db, [task("a", lead="mof"), shared, task("c", lead="mof")], D(2025, 7, 31))
    commit(db, [task("a", lead="mof", done=D(2025, 8, 1))], D(2025, 8, 28), update_agencies=["mof"])
    # "s" (shared with Hà Nội) and "c" (led by the ministry alone) are kept as they were
    assert set(state(db, D(2025, 8, 28))) == {"a", "c", "s"}


def test_a_commit_prepared_against_an_older_state_is_refused(db):
    commit(db, [task("a")], D(2025, 7, 31))
    base = store.snapshots_in_force(db, D(2025, 8, 28), ("S",))
    commit(db, [task("a"), task("b")], D(2025, 8, 20))  # lands while the other is being prepared
    with pytest.raises(store.StaleBase):
        commit(db, [task("a", done=D(2025, 8, 2))], D(2025, 8, 28), expected_base=base)
    assert store.storage_counts(db)["snapshots"] == 2
    fresh = store.snapshots_in_force(db, D(2025, 8, 28), ("S",))
    assert (
        commit(db, [task("a", done=D(2025, 8, 2))], D(2025, 8, 28), expected_base=fresh).snapshot_id
        == 3
    )


def test_a_new_database_is_written_in_the_pinned_duckdb_storage_format(tmp_path):
    """A store made here uses DuckDB 1.5's storage format (store.STORAGE_VERSION); a file made
    elsewhere in the default format keeps it and is used as it is."""
    fresh, plain = tmp_path / "fresh.duckdb", tmp_path / "plain.duckdb"
    duckdb.connect(str(plain)).close()
    for path in (fresh, plain):
        commit(path, [task("T1"), task("T2", lead="moh")], D(2025, 8, 28))
    versions = {}
    for path in (fresh, plain):
        with store.connect(path) as con:
            versions[path.stem] = con.execute(
                "select tags['storage_version'] from duckdb_databases() where database_name = ?",
                [path.stem],
            ).fetchone()[0]
            assert con.execute("select count(*) from task_versions").fetchone()[0] > 0
    assert versions == {"fresh": "v1.5.0+", "plain": "v1.0.0+"}
    assert duckdb.__version__.startswith("1.5.")  # the line the format belongs to


def test_two_threads_opening_and_closing_one_file_never_fail(tmp_path):
    """DuckDB's instance cache can still name a file another thread is closing ("Unique file
    handle conflict", 17 of 600 plain opens by two threads here): connect() opens it again."""
    import threading

    path = tmp_path / "t.duckdb"
    with store.connect(path):
        pass
    errors: list[str] = []

    def work() -> None:
        for _ in range(300):
            try:
                with store.connect(path) as con:
                    con.execute("select 1").fetchone()
            except Exception as exc:  # any failure is the finding
                errors.append(str(exc))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
