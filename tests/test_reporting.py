"""Agencies report back (issue 15), in the store: reports, claims, deadline changes,
cancellations, rounds; the figures every page reads move with the steering office's decisions."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import accounts, audit, history, reporting, store
from analytics.model import Filters, Scope
from analytics.reporting import ReportFields
from tests.helpers import six_task_store

LATER = dt.date(2025, 10, 15)  # every task of the six-task store overdue (deadline 30/09/2025)
USERS = {
    "btc": ("agency_editor", ("mof",)),
    "hanoi": ("agency_editor", ("p01",)),
    "vpcp": ("coordinator", ()),
    "lead": ("leader", ()),
}


@pytest.fixture
def db(tmp_path, monkeypatch):
    return six_task_store(tmp_path, monkeypatch, USERS)


def user(db, name):
    return accounts.get_user(db, name)


def tasks(db, as_of=LATER, **filters):
    frame = store.load_tasks(db, as_of, Filters(**filters), Scope.everything())
    return frame.set_index("task_id")


DONE = ReportFields(
    status_reported="completed",
    completed_on=dt.date(2025, 9, 20),
    evidence_text="Văn bản số 123/BC-BTC ngày 20/9/2025",
)


def test_a_completion_claim_waits_then_a_confirmation_completes_the_task(db):
    saved = reporting.save_report(db, user(db, "btc"), "t1", DONE)
    assert saved["version"] == 1 and saved["claim_id"] == 1
    before = tasks(db)
    assert before.loc["t1", "status"] == "overdue"  # official: not yet
    assert bool(before.loc["t1", "reported_completed"])
    assert before.loc["t1", "reconciled_status"] == "completed_on_time"
    assert int(before["reported_completed"].sum()) == 1

    reporting.confirm_claim(db, user(db, "vpcp"), saved["claim_id"])
    after = tasks(db)
    assert after.loc["t1", "status"] == "completed_on_time"
    assert after.loc["t1", "completion_date"] == dt.date(2025, 9, 20)
    assert not bool(after.loc["t1", "reported_completed"])
    # the trend judges the same way
    trend = history.trend(db).set_index("as_of")
    frame = tasks(db, as_of=trend.index.max())
    assert trend.iloc[-1]["completed"] == int(frame["completed"].sum())
    actions = audit.read(db)["action"].tolist()
    assert "report_save" in actions and "claim_confirm" in actions


def test_a_returned_claim_leaves_the_figures_and_says_why(db):
    saved = reporting.save_report(db, user(db, "btc"), "t2", DONE)
    with pytest.raises(reporting.Refused) as exc:
        reporting.return_claim(db, user(db, "vpcp"), saved["claim_id"], "  ")
    assert exc.value.code == "invalid"
    reporting.return_claim(db, user(db, "vpcp"), saved["claim_id"], "Thiếu văn bản kèm theo")
    frame = tasks(db)
    assert frame.loc["t2", "status"] == "overdue"
    assert not bool(frame.loc["t2", "reported_completed"])
    claims = reporting.claims(db, states=None)
    assert claims.iloc[0]["state"] == "returned"
    assert claims.iloc[0]["decision_reason"] == "Thiếu văn bản kèm theo"
    with pytest.raises(reporting.Refused) as exc:
        reporting.confirm_claim(db, user(db, "vpcp"), saved["claim_id"])
    assert exc.value.code == "not_pending"


def test_an_approved_extension_moves_the_deadline_and_the_switch_judges_by_the_original(db):
    asked = reporting.request_deadline(
        db, user(db, "hanoi"), "t3", dt.date(2025, 12, 31), "Chờ ý kiến Bộ Tư pháp"
    )
    assert tasks(db).loc["t3", "deadline_requested"] == dt.date(2025, 12, 31)
    assert tasks(db).loc["t3", "status"] == "overdue"  # pending: nothing moves
    reporting.approve_request(db, user(db, "vpcp"), asked["request_id"])
    frame = tasks(db)
    assert frame.loc["t3", "status"] == "in_progress"
    assert frame.loc["t3", "deadline"] == dt.date(2025, 12, 31)
    assert frame.loc["t3", "deadline_original"] == dt.date(2025, 9, 30)
    assert bool(frame.loc["t3", "deadline_adjusted"])
    original = tasks(db, judge_original=True)
    assert original.loc["t3", "status"] == "overdue"
    assert original.loc["t3", "deadline"] == dt.date(2025, 9, 30)
    trend = history.trend(db, Filters(judge_original=True))
    assert int(trend.iloc[-1]["in_progress"]) == 6  # judged at 28/08 every task is in progress


def test_a_cancelled_task_is_shown_cancelled_never_deleted(db):
    with pytest.raises(reporting.Refused) as exc:
        reporting.cancel_task(db, user(db, "btc"), "t5", "Không còn phù hợp", "Quyết định 1/QĐ")
    assert exc.value.code == "not_allowed"
    with pytest.raises(reporting.Refused):
        reporting.cancel_task(db, user(db, "vpcp"), "t5", "Không còn phù hợp", "")
    done = reporting.cancel_task(
        db, user(db, "vpcp"), "t5", "Không còn phù hợp", "Thông báo 05-TB/BCĐTW"
    )
    frame = tasks(db)
    assert len(frame) == 6 and frame.loc["t5", "status"] == "cancelled"
    assert frame.loc["t5", "cancel_document"] == "Thông báo 05-TB/BCĐTW"
    reporting.revoke_cancellation(db, user(db, "vpcp"), done["cancel_id"])
    assert tasks(db).loc["t5", "status"] == "overdue"


def test_an_editor_of_another_agency_and_a_leader_are_refused_and_nothing_is_stored(db):
    with pytest.raises(reporting.Refused) as exc:
        reporting.save_report(db, user(db, "hanoi"), "t1", DONE)
    assert exc.value.code == "not_allowed" and "t1" in exc.value.message_vi
    with pytest.raises(reporting.Refused):
        reporting.save_report(db, user(db, "lead"), "t1", DONE)
    with pytest.raises(reporting.Refused) as exc:
        reporting.confirm_claim(db, user(db, "btc"), 1)
    assert exc.value.code == "not_allowed"
    with pytest.raises(reporting.Refused) as exc:
        reporting.save_report(db, user(db, "btc"), "t99", DONE)
    assert exc.value.code == "no_task"
    # a shared task: either lead may report
    assert reporting.save_report(db, user(db, "hanoi"), "t6", DONE)["version"] == 1
    assert len(reporting.report_versions(db, store.sources(db)[0], "t1")) == 0
    log = audit.read(db)
    refused = log[log["outcome"] == "refused"]
    assert set(refused["action"]) == {"report_save", "claim_confirm"}
    assert len(refused) == 4 and set(refused["username"]) == {"hanoi", "lead", "btc"}


def test_a_completion_needs_its_date_and_evidence(db):
    for bad in (
        ReportFields(status_reported="completed", evidence_text="VB 1"),
        ReportFields(status_reported="completed", completed_on=dt.date(2025, 9, 1)),
        ReportFields(
            status_reported="completed", completed_on=dt.date(2999, 1, 1), evidence_text="x"
        ),
        ReportFields(status_reported="in_progress", completed_on=dt.date(2025, 9, 1)),
        ReportFields(confidence="purple"),
        ReportFields(cause_codes=("weather",)),
    ):
        with pytest.raises(reporting.Refused) as exc:
            reporting.save_report(db, user(db, "btc"), "t1", bad)
        assert exc.value.code == "invalid", bad
    assert reporting.claims(db, states=None).empty


def test_two_editors_on_one_task_the_second_is_told_and_shown_the_first(tmp_path, monkeypatch):
    db = six_task_store(tmp_path, monkeypatch, {**USERS, "btc2": ("agency_editor", ("mof",))})
    first = ReportFields(
        status_reported="stuck", progress_note="Chờ kinh phí", cause_codes=("funding",)
    )
    reporting.save_report(db, user(db, "btc"), "t2", first, expected_version=None)
    second = ReportFields(status_reported="in_progress", progress_note="Đang làm")
    with pytest.raises(reporting.Conflict) as exc:
        reporting.save_report(db, user(db, "btc2"), "t2", second, expected_version=None)
    assert exc.value.current["progress_note"] == "Chờ kinh phí"
    assert exc.value.current["reported_by"] == "btc"
    again = reporting.save_report(db, user(db, "btc2"), "t2", second, expected_version=1)
    assert again["version"] == 2 and set(again["changed"]) >= {"status_reported", "progress_note"}


def test_undo_by_its_author_until_confirmed(db):
    one = reporting.save_report(db, user(db, "btc"), "t1", ReportFields(status_reported="stuck"))
    two = reporting.save_report(db, user(db, "btc"), "t1", DONE, expected_version=1)
    with pytest.raises(reporting.Refused):
        reporting.undo_report(db, user(db, "vpcp"), two["report_id"])
    with pytest.raises(reporting.Refused):
        reporting.undo_report(db, user(db, "btc"), one["report_id"])  # not the latest
    reporting.undo_report(db, user(db, "btc"), two["report_id"])
    frame = tasks(db)
    assert frame.loc["t1", "status_reported"] == "stuck"
    assert not bool(frame.loc["t1", "reported_completed"])
    assert reporting.claims(db, states=None).iloc[0]["state"] == "withdrawn"
    three = reporting.save_report(db, user(db, "btc"), "t1", DONE, expected_version=1)
    reporting.confirm_claim(db, user(db, "vpcp"), three["claim_id"])
    with pytest.raises(reporting.Refused) as exc:
        reporting.undo_report(db, user(db, "btc"), three["report_id"])
    assert exc.value.code == "invalid"


def test_a_missed_commitment(db):
    promise = ReportFields(status_reported="in_progress", commitment_date=dt.date(2025, 10, 1))
    reporting.save_report(db, user(db, "btc"), "t2", promise)
    assert bool(tasks(db).loc["t2", "commitment_missed"])
    assert not bool(tasks(db, as_of=dt.date(2025, 9, 15)).loc["t2", "commitment_missed"])


def test_rounds_and_stale_agencies(db):
    coordinator = user(db, "vpcp")
    reporting.start_round(db, coordinator, "Báo cáo trước 05/8/2025", dt.date(2025, 8, 5))
    round_ = reporting.open_round(db)
    reporting.save_report(db, user(db, "btc"), "t1", ReportFields(status_reported="stuck"))
    frame = reporting.agency_reporting(db, audit.now(), round_).set_index("agency_id")
    assert bool(frame.loc["mof", "reported_in_round"]) and not bool(
        frame.loc["most", "reported_in_round"]
    )
    assert not bool(frame.loc["mof", "stale"]) and bool(frame.loc["most", "stale"])
    later = audit.now() + dt.timedelta(days=30)
    assert bool(reporting.agency_reporting(db, later, round_).loc[0, "stale"])
    with pytest.raises(reporting.Refused):
        reporting.start_round(db, user(db, "btc"), "x", dt.date(2025, 8, 5))
    reporting.set_stale_days(db, coordinator, 60)
    assert reporting.stale_days(db) == 60


def test_a_round_of_some_agencies(db):
    coordinator = user(db, "vpcp")
    reporting.start_round(db, coordinator, "Đợt tháng 8", dt.date(2025, 8, 5), ["mof", "most"])
    round_ = reporting.open_round(db)
    assert round_["agency_ids"] == ["mof", "most"] and isinstance(round_["opened_at"], dt.datetime)
    frame = reporting.agency_reporting(db, audit.now(), round_).set_index("agency_id")
    assert frame["in_round"].to_dict() == {"mof": True, "most": True, "p01": False}
    reporting.close_round(db, coordinator, round_["round_id"])
    assert reporting.open_round(db) is None


def test_a_completion_sent_again_after_a_return_is_a_new_claim(db):
    first = reporting.claim(db, user(db, "btc"), "t1", dt.date(2025, 9, 20), "VB 1")
    reporting.return_claim(db, user(db, "vpcp"), first["claim_id"], "Thiếu phụ lục")
    again = reporting.claim(db, user(db, "btc"), "t1", dt.date(2025, 9, 20), "VB 1")
    assert again["claim_id"] == first["claim_id"] + 1 and again["changed"] == ["claim_resubmitted"]
    assert bool(tasks(db).loc["t1", "reported_completed"])
    same = reporting.claim(db, user(db, "btc"), "t1", dt.date(2025, 9, 20), "VB 1")
    assert same["changed"] == [] and "claim_id" not in same  # pending already: nothing new


def test_a_refused_claim_is_audited_once(db):
    with pytest.raises(reporting.Refused):
        reporting.claim(db, user(db, "hanoi"), "t1", dt.date(2025, 9, 20), "VB 1")
    log = audit.read(db)
    assert len(log[log["outcome"] == "refused"]) == 1


def test_every_refusal_names_a_text_and_every_refusal_text_is_named():
    """The refusals' words are looked up from a key built at run time (rules.refused), which
    tests/test_texts.py cannot follow: here each key the code names exists, and each [reporting]
    text is named by the code."""
    import re
    import tomllib

    from analytics.reporting.records import PERMISSION_KEYS
    from tests.helpers import ROOT

    code = "\n".join(
        p.read_text(encoding="utf-8")
        for p in [
            *(ROOT / "analytics" / "reporting").glob("*.py"),
            ROOT / "analytics/cli/reporting.py",
        ]
    )
    texts = tomllib.loads((ROOT / "analytics" / "texts.toml").read_text(encoding="utf-8"))
    named = set()
    for ns, key in re.findall(r'refused\(\s*"[a-z_]+",\s*"(?:([a-z_]+)\.)?([a-z_]+)"', code):
        named.add((ns or "reporting", key))
    named |= {("reporting", f"no_{p}") for p in PERMISSION_KEYS}  # _may's f"no_{permission}"
    named |= {("reporting", f"no_{k}") for k in ("claim_id", "request_id")}  # _pending's
    named.add(("reporting", "conflict"))  # Conflict
    missing = sorted(f"{ns}.{k}" for ns, k in named if k not in texts.get(ns, {}))
    assert not missing, missing
    unnamed = sorted(k for k in texts["reporting"] if ("reporting", k) not in named)
    unnamed = [k for k in unnamed if f'"reporting.{k}"' not in code]  # named as a whole key
    assert not unnamed, unnamed
