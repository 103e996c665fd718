"""New tasks in an agency's file are proposals (issue 15, "Who owns what"): an agency update
writes the tasks the list holds and keeps the new ones, pending, in task_proposals (same
transaction); a coordinator accepts one (the task joins the list in a snapshot of its own) or
declines it with a reason; an editor may do neither. A full upload is unchanged."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from analytics import accounts, audit, store, uploads
from analytics.ingest import SOURCE_NQ71, prepare
from analytics.model import Filters, Scope
from analytics.reporting import Refused
from analytics.reporting import proposals as props
from analytics.store.proposals import task_from_json, task_json
from tests.helpers import AGENCIES, PW, make_task

D = dt.date
JUL31, AUG28 = D(2025, 7, 31), D(2025, 8, 28)
OWN = [f"M{i:02d}" for i in range(1, 28)]  # Bộ Tài chính's 27 tasks
SENT, NEW = OWN[:9], ["N1", "N2", "N3"]
NAMES = {a.id: a.name_vi for a in AGENCIES}


task = make_task  # tests/helpers.py


def in_force(db, as_of=AUG28) -> set[str]:
    frame = store.load_tasks(db, as_of, Filters(sources=(SOURCE_NQ71,)), Scope.everything())
    return set(frame["task_id"])


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "t.duckdb"
    store.commit_snapshot(
        path,
        source=SOURCE_NQ71,
        as_of=JUL31,
        tasks=[task(t) for t in OWN] + [task("P1", ("p01",))],
        agencies=AGENCIES,
        file_bytes=b"the list",
        file_name="list.xlsx",
        user="admin",
    )
    accounts.add_user(path, "btc", "agency_editor", password=PW, agency_ids=["mof"])
    accounts.add_user(path, "vpcp", "coordinator", password=PW)
    return path


def send(db, tasks, as_of=AUG28, **kw):
    return store.commit_snapshot(
        db,
        source=SOURCE_NQ71,
        as_of=as_of,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=repr((as_of, tasks)).encode(),
        file_name="btc.xlsx",
        user="btc",
        update_agencies=["mof"],
        **kw,
    )


def test_an_agency_file_with_9_tasks_and_3_new_removes_none_and_proposes_3(db):
    before = in_force(db)
    result = send(db, [task(t, done=D(2025, 8, 20)) for t in SENT] + [task(t) for t in NEW])
    assert result.kind == "agency_update" and result.proposed == tuple(NEW)
    assert result.tasks == len(before) == 28  # none removed, none added: the list's count
    assert in_force(db) == before
    pending = props.list_proposals(db)
    assert list(pending["task_id"]) == NEW and set(pending["state"]) == {"pending"}
    assert set(pending["snapshot_id"]) == {result.snapshot_id}
    assert set(pending["proposed_by"]) == {"btc"}
    assert list(pending["lead_ids"].map(list)) == [["mof"]] * 3
    doc = json.loads(pending["task_json"].iloc[0])
    assert doc["task_id"] == "N1" and doc["deadline"] == "2025-12-31" and doc["lead_ids"] == ["mof"]
    assert task_from_json(
        task_json({"task_id": "x", "title": "T", "lead_ids": ("mof",)})
    ).lead_ids == ("mof",)

    # the same task sent again: one pending proposal, the newer
    again = send(db, [task("N1")], as_of=D(2025, 8, 29))
    assert again.proposed == ("N1",)
    n1 = props.list_proposals(db, states=None).query("task_id == 'N1'")
    assert list(n1["state"]) == ["withdrawn", "pending"]


def test_a_full_upload_still_adds_its_new_tasks(db):
    result = store.commit_snapshot(
        db,
        source=SOURCE_NQ71,
        as_of=AUG28,
        tasks=[task(t) for t in OWN] + [task("N1")],
        agencies=AGENCIES,
        file_bytes=b"full",
        file_name="full.xlsx",
        user="admin",
    )
    assert result.kind == "full" and result.proposed == () and "N1" in in_force(db)
    assert props.list_proposals(db).empty


def test_accept_one_decline_one_and_an_editor_may_do_neither(db):
    send(db, [task(t) for t in SENT] + [task(t) for t in NEW])
    pending = props.list_proposals(db)
    ids = dict(zip(pending["task_id"], pending["proposal_id"], strict=True))
    editor, coordinator = accounts.get_user(db, "btc"), accounts.get_user(db, "vpcp")
    with pytest.raises(Refused) as refused:
        props.accept_proposal(db, editor, ids["N1"])
    assert refused.value.code == "not_allowed"
    with pytest.raises(Refused):
        props.decline_proposal(db, editor, ids["N2"], "không thuộc Nghị quyết")
    assert "N1" not in in_force(db)

    done = props.accept_proposal(db, coordinator, ids["N1"])
    assert done["state"] == "accepted" and done["task_id"] == "N1"
    assert in_force(db) == {*OWN, "P1", "N1"}  # joined the list, nothing else moved
    snaps = store.list_snapshots(db).set_index("snapshot_id")
    accepted = snaps.loc[done["snapshot_id"]]
    assert accepted["kind"] == "agency_update" and accepted["n_tasks"] == 29
    assert accepted["file_name"] == f"de-xuat-{ids['N1']}.json"
    assert str(accepted["as_of"])[:10] == "2025-08-28"  # the source's latest date

    with pytest.raises(Refused) as refused:
        props.decline_proposal(db, coordinator, ids["N2"], "  ")
    assert "lý do" in refused.value.message_vi
    props.decline_proposal(db, coordinator, ids["N2"], "Không thuộc Nghị quyết 71")
    with pytest.raises(Refused) as refused:
        props.accept_proposal(db, coordinator, ids["N2"])
    assert refused.value.code == "not_pending"
    with pytest.raises(Refused) as refused:
        props.accept_proposal(db, coordinator, 999)
    assert refused.value.code == "not_found"

    every = props.list_proposals(db, states=None).set_index("task_id")
    assert every.loc["N1", "state"] == "accepted" and every.loc["N1", "decided_by"] == "vpcp"
    assert every.loc["N2", "state"] == "declined"
    assert every.loc["N2", "decision_reason"] == "Không thuộc Nghị quyết 71"
    assert every.loc["N3", "state"] == "pending"
    log = audit.read(db, actions=["proposal_accept", "proposal_decline"])
    assert set(log.loc[log["outcome"] == "refused", "action"]) <= {
        "proposal_accept",
        "proposal_decline",
    }
    log = log[log["outcome"] == "ok"]  # the refusals before are audited too
    assert sorted(log["action"]) == ["proposal_accept", "proposal_decline"]
    assert set(log["target"]) == {f"{SOURCE_NQ71}/N1", f"{SOURCE_NQ71}/N2"}
    verdict = audit.verify(db)  # the accept's entry, written inside the snapshot's commit
    assert verdict.intact and verdict.anchored == verdict.head[0], verdict.message


def test_the_upload_preview_counts_no_new_task_and_names_the_proposals(db):
    from tests.test_ingest_cli import workbook

    rows = [
        [i + 1, tid, f"Nhiệm vụ {tid}", "Bộ Tài chính", "31/12/2025", "Đang thực hiện", None]
        for i, tid in enumerate(SENT + NEW)
    ]
    data = workbook(rows)
    prepared = prepare(data, "btc.xlsx", as_of=AUG28, source=SOURCE_NQ71)
    editor = accounts.get_user(db, "btc")
    plan = uploads.Plan(SOURCE_NQ71, AUG28, ("mof",))
    preview = uploads.build_preview(db, prepared, plan, editor)
    assert preview.refusal is None
    assert store.proposed_ids(preview.before, preview.incoming, plan) == NEW
    assert preview.changes.new.empty and preview.changes.removed.empty
    assert preview.headline_after["total"] == preview.headline_before["total"] == 28
    result = uploads.commit(db, prepared, plan, data, "btc.xlsx", editor, preview)
    assert result.proposed == tuple(NEW) and in_force(db) == {*OWN, "P1"}


def test_the_cli_ingest_json_lists_the_proposals(db, tmp_path):
    from tests.test_ingest_cli import run, workbook

    rows = [
        [i + 1, tid, f"Nhiệm vụ {tid}", "Bộ Tài chính", "31/12/2025", "Đang thực hiện", None]
        for i, tid in enumerate(SENT + NEW)
    ]
    path = tmp_path / "btc.xlsx"
    path.write_bytes(workbook(rows))
    args = ("--as-of", "2025-08-28", "--source", SOURCE_NQ71, "--update-agency", "mof")
    code, doc, err = run("ingest", path, *args, "--user", "btc", db=db)
    assert code == 0, err
    assert doc["proposed"] == NEW and doc["tasks"] == 28
    assert list(props.list_proposals(db)["task_id"]) == NEW


def test_a_refused_decision_on_a_proposal_is_audited(tmp_path, monkeypatch):
    from analytics import accounts, audit, reporting
    from analytics.reporting import proposals
    from tests.helpers import six_task_store

    db = six_task_store(tmp_path, monkeypatch, {"btc": ("agency_editor", ("mof",))})
    with pytest.raises(reporting.Refused):
        proposals.decline_proposal(db, accounts.get_user(db, "btc"), 99, "không phù hợp")
    log = audit.read(db)
    refused = log[log["outcome"] == "refused"]
    assert refused["action"].tolist() == ["proposal_decline"]
    assert refused["target"].tolist() == ["proposal/99"]
