"""An agency's file never removes a task (issue 15, "Who owns what").

The story: an agency leads 27 tasks of a source; its editor sends a file with 9 of them
changed and 3 new. Before, the 18 the file did not mention left the list (an agency update
kept only the tasks it did not "cover"). Now every task the file does not mention stays in
force unchanged, whatever its lead agencies, through the store, the command line and the
upload page; only a full-list upload (mode "full") leaves tasks out.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from analytics import changes, history, store, templates
from analytics.model import Filters, Scope, Task
from tests.helpers import AGENCIES, make_task

D = dt.date
JUL31, AUG28, SEP30 = D(2025, 7, 31), D(2025, 8, 28), D(2025, 9, 30)
SRC = "Nghị quyết 71/NQ-CP"
OWN = [f"M{i:02d}" for i in range(1, 28)]  # the 27 tasks of Bộ Tài chính
CHANGED, UNTOUCHED = OWN[:9], OWN[9:]
NEW = ["N1", "N2", "N3"]
OTHERS = {"P1": ("p01",), "T1": ("most",), "S1": ("mof", "p01")}
NAMES = {a.id: a.name_vi for a in AGENCIES}


task = make_task  # tests/helpers.py


def full_list() -> list[Task]:
    return [task(t) for t in OWN] + [task(t, leads) for t, leads in OTHERS.items()]


def commit(db, tasks, as_of, **kw):
    return store.commit_snapshot(
        db,
        source=SRC,
        as_of=as_of,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=repr((as_of, tasks, kw)).encode(),
        file_name="f.xlsx",
        user="tester",
        **kw,
    )


def in_force(db, as_of) -> dict[str, tuple]:
    frame = store.load_tasks(db, as_of, Filters(sources=(SRC,)), Scope.everything())
    return {r.task_id: (r.content_hash, r.status, r.completion_date) for r in frame.itertuples()}


def test_an_agency_update_of_9_of_27_tasks_keeps_the_other_18_as_they_were(tmp_path):
    db = tmp_path / "t.duckdb"
    commit(db, full_list(), JUL31)
    before = in_force(db, JUL31)
    sent = [task(t, done=D(2025, 8, 20)) for t in CHANGED] + [task(t) for t in NEW]
    result = commit(db, sent, AUG28, update_agencies=["mof"])
    # the 3 new tasks are proposals the steering office accepts or declines (tests/test_proposals.py)
    assert result.kind == "agency_update" and result.tasks == 27 + len(OTHERS)
    assert result.proposed == tuple(NEW)
    after = in_force(db, AUG28)
    assert set(after) == set(OWN) | set(OTHERS)
    assert all(after[t][1] == "completed_on_time" for t in CHANGED)
    assert all(after[t][0] != before[t][0] for t in CHANGED)
    # the 18 the file does not mention, and the other agencies' tasks: the same content
    assert {t: after[t] for t in [*UNTOUCHED, *OTHERS]} == {
        t: before[t] for t in [*UNTOUCHED, *OTHERS]
    }
    with store.connect(db) as con:  # one version each, in force from the first snapshot on
        versions = dict(
            con.execute(
                "select task_id, count(*) from task_versions where list_contains(?, task_id) "
                "group by task_id",
                [UNTOUCHED],
            ).fetchall()
        )
    assert versions == dict.fromkeys(UNTOUCHED, 1)

    # Trends: nothing removed, nothing new (the 3 are proposals); a later full list with the 3
    # counts them new and none of the 18 as new again
    commit(
        db,
        [task(t, done=D(2025, 8, 20)) for t in CHANGED]
        + [task(t) for t in [*UNTOUCHED, *NEW]]
        + [task(t, leads) for t, leads in OTHERS.items()],
        SEP30,
    )
    frames = {
        d: store.load_tasks(db, d, Filters(sources=(SRC,)), Scope.everything())
        for d in (JUL31, AUG28, SEP30)
    }
    first = changes.compare(frames[JUL31], frames[AUG28])
    assert first.removed.empty and first.new.empty
    later = changes.compare(frames[AUG28], frames[SEP30])
    assert later.removed.empty and set(later.new["task_id"]) == set(NEW)
    assert later.status_changed.empty
    trend = history.trend(db, Filters(sources=(SRC,))).set_index("as_of")["total"]
    assert trend.to_dict() == {JUL31: 30, AUG28: 30, SEP30: 33}


def test_a_full_upload_still_removes_what_it_leaves_out(tmp_path):
    db = tmp_path / "t.duckdb"
    commit(db, full_list(), JUL31)
    result = commit(db, [task(t) for t in CHANGED], AUG28)
    assert result.kind == "full"
    assert set(in_force(db, AUG28)) == set(CHANGED)


# --------------------------------------------------------------------------- the command line


def rows(ids, done: str | None = None) -> list[list]:
    status = "Đã hoàn thành" if done else "Đang thực hiện"
    return [
        [i + 1, tid, f"Nhiệm vụ {tid}", "Bộ Tài chính", "31/12/2025", status, done]
        for i, tid in enumerate(ids)
    ]


def test_ingest_update_agency_keeps_the_tasks_its_file_does_not_mention(tmp_path):
    from tests.test_ingest_cli import run, workbook

    db = tmp_path / "t.duckdb"
    full = tmp_path / "full.xlsx"
    others = [
        [28, "P1", "Nhiệm vụ P1", "UBND tỉnh Bắc Giang", "31/12/2025", "Đang thực hiện", None]
    ]
    full.write_bytes(workbook(rows(OWN) + others))
    code, doc, err = run("ingest", full, "--as-of", "2025-07-31", "--source", SRC, db=db)
    assert code == 0, err
    before = in_force(db, JUL31)
    assert len(before) == 28
    part = tmp_path / "mof.xlsx"
    part.write_bytes(workbook(rows(CHANGED, done="20/08/2025") + rows(NEW)))
    args = ("--as-of", "2025-08-28", "--source", SRC, "--update-agency", "mof")
    code, doc, err = run("ingest", part, *args, db=db)
    assert code == 0, err
    assert doc["tasks"] == 28 and doc["proposed"] == NEW  # the new tasks: proposals
    after = in_force(db, AUG28)
    assert set(after) == set(OWN) | {"P1"}
    assert all(after[t][1] == "completed_on_time" for t in CHANGED)
    assert {t: after[t] for t in [*UNTOUCHED, "P1"]} == {t: before[t] for t in [*UNTOUCHED, "P1"]}


# --------------------------------------------------------------------------- the upload page


@pytest.fixture
def page_db(tmp_path, monkeypatch):
    from analytics import accounts
    from tests.helpers import PW

    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("TASKS_DB", str(path))
    monkeypatch.setenv("TASKS_UPLOADS", str(tmp_path / "uploads"))
    tasks = [task(t) for t in OWN] + [task("P1", ("p01",)), task("T1", ("most",))]
    store.commit_snapshot(
        path,
        source=SRC,
        as_of=AUG28,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=b"27 tasks of mof",
        file_name="tiny.xlsx",
        user="tester",
    )
    accounts.add_user(path, "ed", "agency_editor", password=PW, agency_ids=["mof"])
    return path


@pytest.mark.usefixtures("steady_server", "app_clean")
def test_the_upload_page_says_the_18_tasks_stay_and_removes_none(page_db):
    from tests.test_page_upload import button, counts, set_row, texts, upload_page, xlsx

    db = page_db
    frame = store.load_tasks(db, AUG28, Filters(sources=(SRC,)), Scope.everything())
    data = templates.my_tasks_workbook(
        frame[frame["task_id"].isin(CHANGED)], agency_name="Bộ Tài chính", source=SRC, as_of=AUG28
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for tid in CHANGED:
        set_row(
            wb[templates.DATA_SHEET], tid, status="Đã hoàn thành", completion_date=D(2025, 8, 20)
        )
    before = in_force(db, AUG28)
    at = upload_page("ed")
    at.file_uploader(key="up_file").upload("nhiem_vu_btc.xlsx", xlsx(wb), templates.XLSX_MIME)
    at.run()
    assert not at.exception, at.exception
    info = " ".join(texts(at, "info"))
    assert "18 nhiệm vụ của Bộ Tài chính mà tệp không nhắc đến giữ nguyên" in info, info
    assert "2 nhiệm vụ của các cơ quan khác giữ nguyên" in info
    shown = counts(at)
    assert shown["Nhiệm vụ không còn trong danh mục"] == "0"
    assert shown["Mới hoàn thành"] == "9" and shown["Nhiệm vụ mới"] == "0"
    button(at, "up_commit").click()
    at.run()
    assert any("Đã ghi nhận bản số liệu #2" in x for x in texts(at, "success"))
    after = in_force(db, AUG28)
    assert set(after) == set(before)
    assert all(after[t][1] == "completed_on_time" for t in CHANGED)
    assert {t: after[t] for t in UNTOUCHED} == {t: before[t] for t in UNTOUCHED}
