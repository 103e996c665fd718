"""What an upload leaves as it is, on the sample store: the preview's figures equal the tasks
still in force after the commit that the file does not touch, in its source and in the others.

Issue 13: an agency update said "0 nhiệm vụ của các cơ quan khác giữ nguyên" while 314 other
tasks stayed in force. The file was the dashboard's own list of one ministry's tasks, whose
source the reader does not recognise: it was read as a new source named after the file, where
no other agency has tasks, and nothing said that every other task stays, nor that the file's
tasks belong to another source.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import accounts, exports, store, templates, uploads
from analytics.access import User
from analytics.ingest import SOURCE_NQ71, SOURCE_TBKL, prepare
from analytics.model import Filters, Scope
from tests.helpers import PW, signed_in

MOH = "moh"  # Bộ Y tế: 16 of Resolution 71's 330 tasks in the sample
EDITOR = User("ed", "agency_editor", agency_ids=(MOH,))
ADMIN = User("root", "admin")


def in_force(db, as_of: dt.date) -> pd.DataFrame:
    return store.load_tasks(db, as_of, Filters(), Scope.everything())


def moh_tasks(db, as_of: dt.date) -> pd.DataFrame:
    return store.load_tasks(
        db, as_of, Filters(sources=(SOURCE_NQ71,), agency_ids=(MOH,)), Scope.everything()
    )


def my_tasks_file(db, as_of: dt.date) -> bytes:
    """The ministry's "my tasks" workbook with its first open task marked completed."""
    data = templates.my_tasks_workbook(
        moh_tasks(db, as_of), agency_name="Bộ Y tế", source=SOURCE_NQ71, as_of=as_of
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[templates.DATA_SHEET]
    cols = {f: i + 1 for i, (f, _h, _w) in enumerate(templates.TEMPLATE_COLUMNS)}
    for r in range(templates.HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(r, cols["task_id"]).value and not ws.cell(r, cols["completion_date"]).value:
            ws.cell(r, cols["status"], "Đã hoàn thành")
            ws.cell(r, cols["completion_date"], as_of)
            break
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def exported_list(db, as_of: dt.date) -> bytes:
    """The ministry's tasks as the dashboard's Excel download gives them (a 'Nguồn' column)."""
    columns = ["task_id", "source", "title", "lead", "status_label", "deadline", "deadline_text"]
    shown = exports.present_tasks(moh_tasks(db, as_of), store.list_agencies(db), "vi", columns)
    return exports.to_xlsx({"Nhiệm vụ": shown})


def untouched_after_commit(before: pd.DataFrame, after: pd.DataFrame, pv) -> pd.DataFrame:
    """The tasks in force before and after, with the same content, that the file did not give."""
    key = ["source", "task_id"]
    both = before[[*key, "content_hash"]].merge(after[[*key, "content_hash"]], on=key)
    same = both[both["content_hash_x"] == both["content_hash_y"]]
    given = (same["source"] == pv.plan.source) & same["task_id"].isin(set(pv.incoming["task_id"]))
    return same[~given]


def test_an_agency_update_counts_every_task_it_leaves_as_it_is(sample_copy):
    db = sample_copy
    as_of = store.latest_as_of(db)
    before = in_force(db, as_of)
    data = my_tasks_file(db, as_of)
    p = prepare(data, "nhiem_vu_bo_y_te.xlsx", as_of=as_of)
    assert p.source == SOURCE_NQ71 and not p.errors and len(p.tasks) == 16
    plan = uploads.Plan(SOURCE_NQ71, as_of, store.with_units_of(db, [MOH]))
    pv = uploads.build_preview(db, p, plan, EDITOR)
    assert pv.refusal is None
    nq71 = before[before["source"] == SOURCE_NQ71]
    assert (pv.kept, pv.kept_elsewhere) == (len(nq71) - 16, len(before) - len(nq71)) == (314, 338)
    assert pv.ids_elsewhere == {}  # the file's tasks are this source's
    uploads.commit(db, p, plan, data, "nhiem_vu_bo_y_te.xlsx", EDITOR, pv)
    left = untouched_after_commit(before, in_force(db, as_of), pv)
    assert len(left) == pv.untouched == 652
    assert (left["source"] == SOURCE_NQ71).sum() == pv.kept


def test_a_file_read_as_a_new_source_says_whose_tasks_it_holds_and_what_stays(sample_copy):
    db = sample_copy
    as_of = store.latest_as_of(db)
    before = in_force(db, as_of)
    data = exported_list(db, as_of)
    p = prepare(data, "bo_y_te.xlsx", as_of=as_of)
    assert p.source == "bo_y_te" and not p.errors  # the source was not recognised
    plan = uploads.Plan(p.source, as_of, (MOH,))
    pv = uploads.build_preview(db, p, plan, ADMIN)
    assert pv.before.empty and pv.kept == 0  # no other agency has tasks in a new source ...
    assert pv.kept_elsewhere == len(before) == 668  # ... and every task in force stays
    assert pv.ids_elsewhere == {SOURCE_NQ71: 16}  # the file's tasks are Resolution 71's
    uploads.commit(db, p, plan, data, "bo_y_te.xlsx", ADMIN, pv)
    left = untouched_after_commit(before, in_force(db, as_of), pv)
    assert len(left) == pv.untouched == 668
    assert set(left["source"]) == {SOURCE_NQ71, SOURCE_TBKL}


def test_a_full_upload_counts_the_other_sources_it_leaves(sample_copy):
    db = sample_copy
    as_of = store.latest_as_of(db)
    before = in_force(db, as_of)
    data = my_tasks_file(db, as_of)
    p = prepare(data, "nhiem_vu_bo_y_te.xlsx", as_of=as_of)
    plan = uploads.Plan(SOURCE_NQ71, as_of)
    pv = uploads.build_preview(db, p, plan, ADMIN)
    assert pv.kept == 0  # the file replaces the whole source
    assert pv.kept_elsewhere == (before["source"] == SOURCE_TBKL).sum() == 338


def test_a_task_whose_lead_was_not_recognised_stays_through_an_agency_update(tmp_path):
    """The preview counted it as kept while the store dropped it: no agency's file covers it."""
    from analytics.model import Task
    from tests.helpers import AGENCIES

    db = tmp_path / "tasks.duckdb"

    def task(tid: str, leads: tuple[str, ...]) -> Task:
        return Task(
            task_id=tid,
            title=f"Nhiệm vụ {tid}",
            lead_ids=leads,
            lead_text="Ban Quản lý dự án X" if not leads else "Bộ Tài chính",
            deadline=dt.date(2025, 9, 30),
            deadline_text="30/09/2025",
            deadline_kind="date",
            status_text="Đang thực hiện",
            status_class="in_progress_on_time",
            sheet="Sheet1",
            row=5,
        )

    first, second = dt.date(2025, 8, 1), dt.date(2025, 8, 28)
    tasks = [task("a", ("mof",)), task("b", ()), task("c", ("p01",))]
    store.commit_snapshot(
        db,
        source=SOURCE_NQ71,
        as_of=first,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=b"1",
        file_name="1.xlsx",
    )
    before = store.load_tasks(db, second, Filters(), Scope.everything())
    after, kept = uploads.merged_after(before, before[before["task_id"] == "a"], ["mof"])
    assert kept == 2 and set(after["task_id"]) == {"a", "b", "c"}
    store.commit_snapshot(
        db,
        source=SOURCE_NQ71,
        as_of=second,
        tasks=[task("a", ("mof",))],
        agencies=AGENCIES,
        file_bytes=b"2",
        file_name="2.xlsx",
        update_agencies=["mof"],
    )
    stored = store.load_tasks(db, second, Filters(), Scope.everything())
    assert set(stored["task_id"]) == {"a", "b", "c"}


# --------------------------------------------------------------------------- the page


@pytest.fixture
def editor_db(sample_copy, app_clean, steady_server, tmp_path, monkeypatch):
    monkeypatch.setenv("TASKS_UPLOADS", str(tmp_path / "uploads"))
    accounts.add_user(sample_copy, "ed", "agency_editor", password=PW, agency_ids=[MOH])
    return sample_copy


def upload_as_editor(db, name: str, data: bytes) -> AppTest:
    at = signed_in("ed")
    at.switch_page("pages/upload.py").run()
    at.date_input(key="up_as_of").set_value(store.latest_as_of(db))
    at.run()
    at.file_uploader(key="up_file").upload(name, data, templates.XLSX_MIME).run()
    assert not at.exception, at.exception
    return at


def test_the_upload_page_says_how_many_tasks_stay(editor_db):
    as_of = store.latest_as_of(editor_db)
    at = upload_as_editor(editor_db, "nhiem_vu_bo_y_te.xlsx", my_tasks_file(editor_db, as_of))
    info = " ".join(x.value for x in at.info)
    assert "314 nhiệm vụ của các cơ quan khác giữ nguyên." in info
    assert "338 nhiệm vụ của các nguồn khác giữ nguyên." in info
    assert not [w.value for w in at.warning if "theo mã nhiệm vụ" in w.value]


def test_the_upload_page_says_when_a_files_tasks_belong_to_another_source(editor_db):
    as_of = store.latest_as_of(editor_db)
    at = upload_as_editor(editor_db, "bo_y_te.xlsx", exported_list(editor_db, as_of))
    # the dashboard's own list does not say its source: the page asks for it
    at.selectbox(key="up_source").set_value(SOURCE_TBKL).run()  # the wrong one
    assert not at.exception, at.exception
    warned = " ".join(w.value for w in at.warning).replace("\\", "")
    assert (
        "16 trong 16 nhiệm vụ của tệp (theo mã nhiệm vụ) đang thuộc nguồn "
        f"'{SOURCE_NQ71}', không thuộc nguồn '{SOURCE_TBKL}'"
    ) in warned
    tbkl = store.load_tasks(editor_db, as_of, Filters(sources=(SOURCE_TBKL,)), Scope.everything())
    others = int(tbkl["lead_ids"].map(lambda ids: set(ids) != {MOH}).sum())  # 325 of 338
    info = " ".join(x.value for x in at.info)
    assert f"{others} nhiệm vụ của các cơ quan khác giữ nguyên. 330 nhiệm vụ của các nguồn" in info
    at.selectbox(key="up_source").set_value(SOURCE_NQ71).run()  # the right one
    info = " ".join(x.value for x in at.info)
    assert "314 nhiệm vụ của các cơ quan khác giữ nguyên." in info
    assert not [w.value for w in at.warning if "theo mã nhiệm vụ" in w.value]
