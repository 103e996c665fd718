"""Agencies report back from the command line (issue 15): claim, confirm, return, extend,
approve, reject, cancel, run as a user would (`python -m analytics ...` in a subprocess) on the
six-task store; `summary` shows what was reported beside the official figures
(reported_completed, cancelled, deadline_adjusted, commitments_missed, in the totals and per
agency) and judges by the files' deadlines with --judge-original. A refusal exits 2 with the
failure JSON in both languages and stores nothing; every action is in the audit log."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from analytics import accounts, audit, reporting, store
from analytics.i18n import t
from analytics.ingest import SOURCE_NQ71, SOURCE_TBKL
from analytics.model import Filters, Scope
from tests.helpers import AGENCIES, PW, ROOT, six_task_store

LATER = "2025-10-15"  # every task of the six-task store overdue (deadline 30/09/2025)
USERS = {
    "btc": ("agency_editor", ("mof",)),
    "hanoi": ("agency_editor", ("p01",)),
    "vpcp": ("coordinator", ()),
    "lead": ("leader", ()),
}
EVIDENCE = "Văn bản số 123/BC-BTC ngày 20/9/2025"
TABLES = ("task_reports", "completion_claims", "deadline_requests", "task_cancellations")


@pytest.fixture
def db(tmp_path, monkeypatch):
    return six_task_store(tmp_path, monkeypatch, USERS)


def run(*args, db) -> tuple[int, dict]:
    environ = {k: v for k, v in os.environ.items() if k != "TASKS_DB"}
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=environ,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def ok(*args, db) -> dict:
    code, doc = run(*args, db=db)
    assert code == 0, doc
    return doc


def refused(*args, db, kind: str) -> dict:
    """Exit 2, one error in both languages, its code `kind`."""
    code, doc = run(*args, db=db)
    assert code == 2, doc
    (error,) = doc["errors"]
    assert error["message"] and error["message_vi"] and error["message"] != error["message_vi"]
    assert error["code"] == kind, error
    return error


def summary(db, *extra, as_of=LATER) -> dict:
    return ok("summary", "--as-of", as_of, *extra, db=db)


def agency(doc: dict, agency_id: str) -> dict:
    return next(r for r in doc["by_agency"] if r["agency_id"] == agency_id)


def actions(db, outcome="ok") -> list[str]:
    log = audit.read(db)
    return log.loc[log["outcome"] == outcome, "action"].tolist()


def stored(db) -> dict:
    """What the reporting-back tables hold and what the audit log says was done."""
    with store.connect(db) as con:
        rows = {
            name: con.execute(f"select * from {name} order by all").fetchall() for name in TABLES
        }
    return {**rows, "done": actions(db)}


def claim(db, task="t1", user="btc", *extra) -> dict:
    return ok(
        "claim", task, "--completed-on", "2025-09-20", "--evidence", EVIDENCE, "--user", user,
        *extra, db=db,
    )  # fmt: skip


# --------------------------------------------------------------------------- the figures move


def test_a_claim_shows_as_reported_then_a_confirmation_completes_it(db):
    before = summary(db)
    assert before["totals"]["reported_completed"] == 0
    assert agency(before, "mof")["reported_completed"] == 0

    made = claim(db)
    assert made["claim_id"] == 1 and made["state"] == "pending"
    assert (made["task_id"], made["source"]) == ("t1", SOURCE_NQ71)
    doc = summary(db)
    assert doc["totals"]["reported_completed"] == 1
    assert agency(doc, "mof")["reported_completed"] == 1
    assert agency(doc, "p01")["reported_completed"] == 0
    assert (doc["totals"]["completed"], doc["totals"]["overdue"]) == (0, 6)  # official: not yet

    decided = ok("confirm", str(made["claim_id"]), "--user", "vpcp", db=db)
    assert decided == {
        "claim_id": 1,
        "source": made["source"],
        "task_id": "t1",
        "state": "confirmed",
    }
    doc = summary(db)
    assert doc["totals"]["reported_completed"] == 0
    assert (doc["totals"]["completed"], doc["totals"]["completed_on_time"]) == (1, 1)
    assert (agency(doc, "mof")["completed"], agency(doc, "mof")["reported_completed"]) == (1, 0)
    assert {"report_save", "claim_confirm"} <= set(actions(db))
    refused("confirm", "1", "--user", "vpcp", db=db, kind="not_pending")


def test_a_returned_claim_says_why_and_leaves_the_figures(db):
    made = claim(db, "t2")
    refused("return", str(made["claim_id"]), "--user", "vpcp", db=db, kind="invalid")  # no reason
    refused("return", "1", "--reason", "  ", "--user", "vpcp", db=db, kind="invalid")
    assert reporting.claims(db).iloc[0]["state"] == "pending"

    done = ok("return", "1", "--reason", "Thiếu văn bản kèm theo", "--user", "vpcp", db=db)
    assert (done["claim_id"], done["task_id"], done["state"]) == (1, "t2", "returned")
    row = reporting.claims(db, states=None).iloc[0]
    assert (row["state"], row["decision_reason"]) == ("returned", "Thiếu văn bản kèm theo")
    doc = summary(db)
    assert (doc["totals"]["reported_completed"], doc["totals"]["completed"]) == (0, 0)
    entry = audit.read(db, actions=["claim_return"]).iloc[0]
    assert json.loads(entry["details"])["reason"] == "Thiếu văn bản kèm theo"


def test_an_approved_extension_is_judged_both_ways_and_a_rejection_is_kept(db):
    asked = ok(
        "extend", "t3", "--to", "2025-12-31", "--reason", "Chưa bố trí được kinh phí",
        "--user", "hanoi", db=db,
    )  # fmt: skip
    assert (asked["request_id"], asked["task_id"], asked["state"]) == (1, "t3", "pending")
    assert summary(db)["totals"]["deadline_adjusted"] == 0  # pending: nothing moves yet
    decided = ok("approve", "1", "--user", "vpcp", db=db)
    assert (decided["request_id"], decided["state"]) == (1, "approved")

    new = summary(db)
    assert (new["totals"]["overdue"], new["totals"]["in_progress"]) == (5, 1)
    assert new["totals"]["deadline_adjusted"] == 1
    assert agency(new, "p01")["deadline_adjusted"] == 1
    assert agency(new, "mof")["deadline_adjusted"] == 0
    original = summary(db, "--judge-original")
    assert (original["totals"]["overdue"], original["totals"]["in_progress"]) == (6, 0)
    assert original["totals"]["deadline_adjusted"] == 0
    assert original["totals"]["total"] == new["totals"]["total"] == 6

    ok("extend", "t4", "--to", "2025-11-30", "--reason", "Chờ ý kiến", "--user", "hanoi", db=db)
    refused("reject", "2", "--user", "vpcp", db=db, kind="invalid")  # no reason
    done = ok("reject", "2", "--reason", "Không có căn cứ", "--user", "vpcp", db=db)
    assert (done["request_id"], done["task_id"], done["state"]) == (2, "t4", "rejected")
    refused("approve", "2", "--user", "vpcp", db=db, kind="not_pending")
    assert summary(db)["totals"]["deadline_adjusted"] == 1
    assert {"deadline_request", "deadline_approve", "deadline_reject"} <= set(actions(db))


def test_a_cancelled_task_leaves_the_total_and_stays_listed(db):
    no_document = ("cancel", "t5", "--reason", "Không còn phù hợp", "--user", "vpcp")
    refused(*no_document, db=db, kind="invalid")
    done = ok(
        "cancel", "t5", "--reason", "Không còn phù hợp", "--document", "Quyết định 12/QĐ-TTg",
        "--user", "vpcp", db=db,
    )  # fmt: skip
    assert (done["cancel_id"], done["task_id"], done["state"]) == (1, "t5", "cancelled")
    doc = summary(db)
    assert (doc["totals"]["total"], doc["totals"]["cancelled"]) == (5, 1)
    assert (agency(doc, "most")["total"], agency(doc, "most")["cancelled"]) == (0, 1)
    frame = store.load_tasks(db, dt.date(2025, 10, 15), Filters(), Scope.everything())
    task = frame.set_index("task_id").loc["t5"]
    assert (task["status"], task["cancel_document"]) == ("cancelled", "Quyết định 12/QĐ-TTg")
    again = ("cancel", "t5", "--reason", "x", "--document", "y", "--user", "vpcp")
    refused(*again, db=db, kind="invalid")  # already cancelled
    assert "task_cancel" in actions(db)


def test_a_missed_commitment_counts_in_the_summary(db):
    report = reporting.ReportFields(
        status_reported="in_progress", commitment_date=dt.date(2025, 10, 1)
    )
    reporting.save_report(db, accounts.get_user(db, "hanoi"), "t3", report)
    doc = summary(db)
    assert doc["totals"]["commitments_missed"] == 1
    assert (agency(doc, "p01")["commitments_missed"], agency(doc, "mof")["commitments_missed"]) == (
        1,
        0,
    )
    assert summary(db, as_of="2025-09-15")["totals"]["commitments_missed"] == 0  # not yet due


# --------------------------------------------------------------------------- refusals


def test_an_editor_of_another_agency_is_refused_and_nothing_changes(db):
    before, figures = stored(db), summary(db)
    error = refused(
        "claim", "t1", "--completed-on", "2025-09-20", "--evidence", EVIDENCE, "--user", "hanoi",
        db=db, kind="not_allowed",
    )  # fmt: skip
    assert "hanoi" in error["message"] and "t1" in error["message_vi"]
    refused("extend", "t1", "--to", "2025-12-31", "--reason", "x", "--user", "hanoi", db=db,
            kind="not_allowed")  # fmt: skip
    assert stored(db) == before
    assert summary(db) == figures
    log = audit.read(db)
    denied = log[log["outcome"] == "refused"]
    assert set(denied["action"]) == {"deadline_request", "report_save"}
    assert denied.iloc[0]["action"] == "deadline_request"  # newest first
    assert set(denied["username"]) == {"hanoi"}
    assert {json.loads(d)["reason"] for d in denied["details"]} == {"not_allowed"}


def _pending_claim(db) -> None:
    btc = accounts.get_user(db, "btc")
    reporting.claim(db, btc, "t2", dt.date(2025, 9, 20), EVIDENCE)


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (
            ("claim", "t1", "--completed-on", "2025-09-20", "--evidence", "x", "--user", "ghost"),
            "no_user",
        ),
        (
            ("claim", "t1", "--completed-on", "2025-09-20", "--evidence", "x", "--user", "gone"),
            "no_user",
        ),
        (
            ("claim", "t99", "--completed-on", "2025-09-20", "--evidence", "x", "--user", "btc"),
            "no_task",
        ),
        (
            ("claim", "t1", "--completed-on", "20/09/2025", "--evidence", "x", "--user", "btc"),
            "invalid",
        ),
        (
            ("claim", "t1", "--completed-on", "2999-01-01", "--evidence", "x", "--user", "btc"),
            "invalid",
        ),
        (("claim", "t1", "--completed-on", "2025-09-20", "--user", "btc"), "invalid"),
        (("extend", "t99", "--to", "2025-12-31", "--reason", "x", "--user", "btc"), "no_task"),
        (("extend", "t1", "--to", "2025-12-31", "--user", "btc"), "invalid"),
        (("extend", "t1", "--to", "2025-09-30", "--reason", "x", "--user", "btc"), "invalid"),
        (("confirm", "1", "--user", "lead"), "not_allowed"),
        (("confirm", "1", "--user", "btc"), "not_allowed"),
        (("confirm", "one", "--user", "vpcp"), "invalid"),
        (("confirm", "99", "--user", "vpcp"), "not_found"),
        (("return", "1", "--reason", "x", "--user", "lead"), "not_allowed"),
        (("approve", "99", "--user", "vpcp"), "not_found"),
        (("approve", "1", "--user", "hanoi"), "not_allowed"),
        (("reject", "1", "--reason", "x", "--user", "lead"), "not_allowed"),
        (("cancel", "t1", "--reason", "x", "--document", "y", "--user", "btc"), "not_allowed"),
        (("cancel", "t99", "--reason", "x", "--document", "y", "--user", "vpcp"), "no_task"),
    ],
    ids=lambda v: "-".join(v[:1] + v[-1:]) if isinstance(v, tuple) else v,
)
def test_a_refusal_exits_2_and_stores_nothing(db, args, kind):
    accounts.add_user(db, "gone", "agency_editor", password=PW, agency_ids=("mof",))
    accounts.disable_user(db, "gone")
    _pending_claim(db)  # claim 1 on t2, pending
    before = stored(db)
    refused(*args, db=db, kind=kind)
    assert stored(db) == before
    assert reporting.claims(db).iloc[0]["state"] == "pending"
    if kind == "not_allowed":
        assert audit.read(db).iloc[0]["outcome"] == "refused"


def test_an_id_in_two_sources_needs_its_source(db):
    from analytics.model import Task

    other = Task(
        task_id="t1", title="Nhiệm vụ khác", lead_ids=("mof",), lead_text="Bộ Tài chính",
        deadline=dt.date(2025, 12, 31), deadline_text="31/12/2025", deadline_kind="date",
        status_text="Đang thực hiện", status_class="in_progress_on_time", row=5, sheet="Sheet1",
    )  # fmt: skip
    store.commit_snapshot(
        db, source=SOURCE_TBKL, as_of=dt.date(2025, 8, 28), tasks=[other], agencies=AGENCIES,
        file_bytes=b"another file", file_name="tbkl.xlsx", user="tester",
    )  # fmt: skip
    before = stored(db)
    error = refused(
        "claim", "t1", "--completed-on", "2025-09-20", "--evidence", EVIDENCE, "--user", "btc",
        db=db, kind="ambiguous_task",
    )  # fmt: skip
    assert "--source" in error["message"]
    assert stored(db) == before
    made = claim(db, "t1", "btc", "--source", SOURCE_TBKL)
    assert (made["source"], made["task_id"], made["state"]) == (SOURCE_TBKL, "t1", "pending")
    assert reporting.claims(db).iloc[0]["source"] == SOURCE_TBKL


def test_no_database_is_created(tmp_path):
    missing = tmp_path / "none.duckdb"
    refused("confirm", "1", "--user", "vpcp", db=missing, kind="no_database")
    assert not missing.exists()


# --------------------------------------------------------------------------- the task id


def test_a_claims_task_id_is_the_one_the_exports_show(db, tmp_path):
    """`summary` has no per-task rows (it counts the stored tasks); the task lists of the
    exports (`report --format xlsx`, sheet "Danh sách nhiệm vụ", column "Mã nhiệm vụ") show
    the stored task_id, and a claim takes that id as it is and answers with it."""
    from openpyxl import load_workbook

    out = tmp_path / "briefing.xlsx"
    ok("report", "--format", "xlsx", "--as-of", LATER, "--out", str(out), db=db)
    sheet = load_workbook(out, read_only=True)[t("common.task_list", "vi")]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if t("col.task_id", "vi") in r)
    column = rows[header].index(t("col.task_id", "vi"))
    shown = [r[column] for r in rows[header + 1 :] if r[column] is not None]
    frame = store.load_tasks(db, dt.date(2025, 10, 15), Filters(), Scope.everything())
    assert sorted(shown) == sorted(frame["task_id"]) == ["t1", "t2", "t3", "t4", "t5", "t6"]
    made = claim(db, shown[0])
    assert made["task_id"] == shown[0]
    assert reporting.claims(db).iloc[0]["task_id"] == shown[0]
