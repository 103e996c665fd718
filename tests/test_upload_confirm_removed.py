"""A full-list upload that drops tasks names them in red and commits only once the user has
confirmed that exact list (issue 15): the pure rule (analytics.upload_plan) and the page
through AppTest, signed in as an admin, the file read in the real sandbox child."""

from __future__ import annotations

import io
from types import SimpleNamespace as NS

import openpyxl
import pandas as pd
import pytest

from analytics import audit, store, templates
from analytics import upload_plan as plan
from analytics.ingest import SOURCE_NQ71
from analytics.model import Filters, Scope
from tests.helpers import (
    AGENCIES,
    SIX_TASK_LEADS,
    SIX_TASKS_AS_OF,
    signed_in,
    six_task_store,
)

AS_OF = SIX_TASKS_AS_OF
NAMES = {a.id: a.name_vi for a in AGENCIES}
LEADS = SIX_TASK_LEADS
BOX = "up_confirm_removed"


# --------------------------------------------------------------------------- the rule


def preview_dropping(*ids: str):
    return NS(refusal=None, changes=NS(removed=pd.DataFrame({"task_id": list(ids)})))


def test_the_fingerprint_is_the_sorted_ids_hashed():
    assert plan.removed_fingerprint(["b", "a"]) == plan.removed_fingerprint(["a", "b"])
    assert plan.removed_fingerprint(["a", "b"]) != plan.removed_fingerprint(["a", "c"])
    assert plan.removed_ids(preview_dropping("t5", "t4")) == ["t4", "t5"]
    assert plan.removed_ids(None) == [] and plan.removed_ids(NS(refusal=None)) == []


def test_dropped_tasks_block_the_confirm_button_until_that_exact_list_is_confirmed():
    ready = NS(ready=True)
    dropping = preview_dropping("t4", "t5")
    assert plan.removal_unconfirmed(["t4", "t5"], None)
    assert not plan.removal_unconfirmed([], None)
    assert plan.confirm_blocked(ready, dropping, False)
    assert plan.confirm_blocked(ready, dropping, False, plan.removed_fingerprint(["t4"]))
    assert not plan.confirm_blocked(ready, dropping, False, plan.removed_fingerprint(["t5", "t4"]))
    assert not plan.confirm_blocked(ready, preview_dropping(), False)  # nothing dropped
    refused = NS(refusal=object(), changes=dropping.changes)  # a tick never lifts a refusal
    assert plan.confirm_blocked(ready, refused, False, plan.removed_fingerprint(["t4", "t5"]))


def test_the_audit_detail_names_the_dropped_tasks_or_counts_them_when_many():
    assert plan.removed_audit_detail([]) == {}
    few = plan.removed_audit_detail(["t5", "t4"])
    assert few["removed"] == ["t4", "t5"] and few["removed_count"] == 2
    many = plan.removed_audit_detail([f"k{i}" for i in range(60)])
    assert "removed" not in many and many["removed_count"] == 60
    assert many["removed_fingerprint"] == plan.removed_fingerprint([f"k{i}" for i in range(60)])
    pl = NS(source="NQ", as_of=AS_OF, update_agencies=())
    result = NS(tasks=4, kind="full", duplicate=False, held_back=0, kept=[])
    assert plan.commit_audit_detail("sha", "f", pl, result, ["t4"])["removed"] == ["t4"]
    assert "removed" not in plan.commit_audit_detail("sha", "f", pl, result)


# --------------------------------------------------------------------------- the page

pytestmark_page = pytest.mark.usefixtures("steady_server", "app_clean")


@pytest.fixture
def db(tmp_path, monkeypatch):
    """Six tasks of Resolution 71 and an admin."""
    return six_task_store(tmp_path, monkeypatch, {"root": ("admin", ())})


def full_list(without=()) -> bytes:
    """The source's tasks (less `without`), with their ids: an admin's whole list."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    ws.append(["DANH MỤC NHIỆM VỤ NGHỊ QUYẾT 71/NQ-CP"])
    ws.append([])
    ws.append(["STT", "Mã nhiệm vụ", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn",
               "Trạng thái"])  # fmt: skip
    kept = [(tid, leads) for tid, leads in LEADS.items() if tid not in without]
    for i, (tid, leads) in enumerate(kept, 1):
        lead = " ; ".join(NAMES[a] for a in leads)
        ws.append([i, tid, f"Nhiệm vụ {tid}", lead, "30/09/2025", "Đang thực hiện"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(data: bytes):
    at = signed_in("root")
    at.switch_page("pages/upload.py").run()
    at.date_input(key="up_as_of").set_value(AS_OF)
    at.run()
    at.file_uploader(key="up_file").upload("ds.xlsx", data, templates.XLSX_MIME).run()
    assert not at.exception, at.exception
    return at


def commit_button(at):
    found = [b for b in at.button if b.key == "up_commit"]
    assert len(found) == 1, [b.key for b in at.button]
    return found[0]


def in_order(node):
    """The page's elements in the order they are drawn."""
    yield node
    children = getattr(node, "children", None) or {}
    for i in sorted(children):
        yield from in_order(children[i])


def red_list(at) -> list:
    """The tables drawn right after the red message naming the dropped tasks."""
    found, after = [], False
    for node in in_order(at.main):
        kind = getattr(node, "type", None)
        if kind == "error":
            after = "sẽ không còn trong danh mục" in str(node.value)
        elif kind in ("arrow_data_frame", "dataframe") and after:
            found.append(node.value)
            after = False
    return found


def boxes(at):
    return [c for c in at.checkbox if c.key == BOX]


def state(db):
    return store.load_tasks(db, AS_OF, Filters(sources=(SOURCE_NQ71,)), Scope.everything())


@pytestmark_page
def test_a_full_list_dropping_two_tasks_names_them_and_commits_once_they_are_confirmed(db):
    at = upload(full_list(without=("t4", "t5")))
    assert at.radio(key="up_mode").value == "full"
    assert any("2 nhiệm vụ dưới đây sẽ không còn" in e.value for e in at.error)
    named = red_list(at)
    assert len(named) == 1 and list(named[0].iloc[:, 0]) == ["t4", "t5"]
    assert {"Nhiệm vụ t4", "Nhiệm vụ t5"} <= set(named[0].astype(str).to_numpy().ravel())
    assert commit_button(at).disabled
    [box] = boxes(at)
    assert "Tôi xác nhận 2 nhiệm vụ trên" in box.label and not box.value
    box.check().run()
    assert not at.exception, at.exception
    assert not commit_button(at).disabled
    commit_button(at).click().run()
    assert not at.exception, at.exception
    assert any("Đã ghi nhận bản số liệu #2" in s.value for s in at.success)
    assert sorted(state(db)["task_id"]) == ["t1", "t2", "t3", "t6"]
    log = audit.read(db, username="root")
    details = log[log["action"] == "commit"].iloc[-1]["details"]
    assert "t4" in str(details) and "t5" in str(details)


@pytestmark_page
def test_a_tick_is_for_one_list_only(db):
    at = upload(full_list(without=("t4", "t5")))
    boxes(at)[0].check().run()
    assert not commit_button(at).disabled
    # another file dropping another list: the tick no longer counts
    at.file_uploader(key="up_file").upload(
        "ds2.xlsx", full_list(without=("t5",)), templates.XLSX_MIME
    ).run()
    assert not at.exception, at.exception
    [box] = boxes(at)
    assert not box.value and "Tôi xác nhận 1 nhiệm vụ" in box.label
    assert commit_button(at).disabled


@pytestmark_page
def test_a_full_list_dropping_nothing_asks_nothing_more(db):
    at = upload(full_list())
    assert not boxes(at)
    assert not red_list(at)
    assert not commit_button(at).disabled
    commit_button(at).click().run()
    assert not at.exception, at.exception
    assert len(state(db)) == 6
