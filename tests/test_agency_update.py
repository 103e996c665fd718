"""An agency update changes only that agency's tasks: the command line keeps the page's rule."""

from __future__ import annotations

import datetime as dt

from analytics import accounts, uploads
from analytics.agency_update import outside_problems, rows_outside
from analytics.ingest import prepare
from tests.test_ingest_cli import GOOD_ROWS, ingest, snapshot_count, workbook

MOF_ONLY = [r for r in GOOD_ROWS if r[1] in ("NV-01", "NV-04")]  # rows led by Bộ Tài chính


def test_cli_agency_update_refuses_rows_of_other_agencies_naming_them(tmp_path):
    db = tmp_path / "tasks.duckdb"
    code, doc, err = ingest(
        tmp_path, db, workbook(GOOD_ROWS), "nq71.xlsx", "--update-agency", "mof"
    )
    assert code == 2, err
    refused = {(e["row"], e["value"]) for e in doc["errors"]}
    # NV-02 is led by MOST and MOF together: MOF may report on it. NV-03 is Bắc Giang's alone.
    assert len(refused) == 1
    ((row, value),) = refused
    assert value == "UBND tỉnh Bắc Giang" and row is not None
    assert doc["errors"][0]["column"] == "Cơ quan chủ trì"
    assert (
        "NV-03" in doc["errors"][0]["message_vi"] and "Bộ Tài chính" in doc["errors"][0]["message"]
    )
    assert not db.exists() or snapshot_count(db) == 0


def test_cli_advice_to_an_agency_editor_is_only_to_remove_the_row(tmp_path):
    # an operator may widen the update to that agency; the agency's own editor may not
    db = tmp_path / "tasks.duckdb"
    code, doc, _ = ingest(tmp_path, db, workbook(GOOD_ROWS), "nq71.xlsx", "--update-agency", "mof")
    assert code == 2 and "update that agency too" in doc["errors"][0]["message"]
    accounts.add_user(db, "mof_editor", "agency_editor", "correct-horse-9", agency_ids=["mof"])
    args = ("--update-agency", "mof", "--user", "mof_editor")
    code, doc, _ = ingest(tmp_path, db, workbook(GOOD_ROWS), "nq71.xlsx", *args)
    assert code == 2
    (error,) = doc["errors"]
    assert "too" not in error["message"] and "steering office" in error["message"]
    assert (
        "cả cơ quan đó" not in error["message_vi"] and "Văn phòng Chính phủ" in error["message_vi"]
    )


def test_cli_agency_update_of_own_rows_is_stored(tmp_path):
    db = tmp_path / "tasks.duckdb"
    code, doc, err = ingest(tmp_path, db, workbook(MOF_ONLY), "nq71.xlsx", "--update-agency", "mof")
    assert code == 0, err
    # no list yet: an agency's new tasks are proposals for the steering office
    assert doc["tasks"] == 0 and doc["proposed"] == ["NV-01", "NV-04"]


def test_cli_unknown_agency_to_update_is_refused(tmp_path):
    db = tmp_path / "tasks.duckdb"
    code, doc, _ = ingest(tmp_path, db, workbook(MOF_ONLY), "nq71.xlsx", "--update-agency", "xyz")
    assert code == 2
    assert "xyz" in doc["errors"][0]["message"]


def test_cli_account_of_another_agency_is_refused(tmp_path):
    db = tmp_path / "tasks.duckdb"
    accounts.add_user(db, "moet_editor", "agency_editor", "correct-horse-9", agency_ids=["moet"])
    accounts.add_user(db, "gone", "agency_editor", "correct-horse-9", agency_ids=["mof"])
    accounts.disable_user(db, "gone")
    args = ("--update-agency", "mof", "--user")
    code, doc, _ = ingest(tmp_path, db, workbook(MOF_ONLY), "nq71.xlsx", *args, "moet_editor")
    assert code == 2 and "mof" in doc["errors"][0]["message"]
    code, doc, _ = ingest(tmp_path, db, workbook(MOF_ONLY), "nq71.xlsx", *args, "gone")
    assert code == 2
    code, doc, _ = ingest(tmp_path, db, workbook(MOF_ONLY), "nq71.xlsx", "--user", "moet_editor")
    assert code == 2 and "--update-agency" in doc["errors"][0]["message"]
    assert snapshot_count(db) == 0
    code, doc, err = ingest(tmp_path, db, workbook(MOF_ONLY), "nq71.xlsx", *args, "cron")
    assert code == 0, err  # an operator's name, not an account


def test_page_and_cli_share_the_rule():
    prepared = prepare(workbook(GOOD_ROWS), "nq71.xlsx", as_of=dt.date(2025, 8, 28))
    outside = rows_outside(prepared.tasks, ["mof"])
    assert {tid for items in outside.values() for _r, tid in items} == {"NV-03"}
    problems = outside_problems(prepared.tasks, ["mof"])
    refusal = uploads.outside_refusal(
        prepared.tasks, uploads.Plan(prepared.source, prepared.as_of, ("mof",))
    )
    assert refusal is not None and refusal.reason == "outside_update"
    assert [p.row for p in problems] == [r for items in outside.values() for r, _t in items]
    assert (
        uploads.outside_refusal(prepared.tasks, uploads.Plan(prepared.source, prepared.as_of))
        is None
    )


def test_page_refuses_an_admins_agency_update_with_other_agencies_rows(tmp_path):
    from analytics.access import User

    db = tmp_path / "tasks.duckdb"
    prepared = prepare(workbook(GOOD_ROWS), "nq71.xlsx", as_of=dt.date(2025, 8, 28))
    admin = User("boss", "admin")
    plan = uploads.Plan(prepared.source, prepared.as_of, ("mof",))
    preview = uploads.build_preview(db, prepared, plan, admin)
    assert preview.refusal is not None and preview.refusal.reason == "outside_update"
    assert preview.refusal.tasks == {"p24": ["NV-03"]} or list(preview.refusal.tasks.values()) == [
        ["NV-03"]
    ]
    full = uploads.build_preview(db, prepared, uploads.Plan(prepared.source, prepared.as_of), admin)
    assert full.refusal is None


def test_a_row_without_an_id_is_named_by_its_title_never_a_derived_id():
    rows = [[r[0], None, *r[2:]] for r in GOOD_ROWS]
    prepared = prepare(workbook(rows), "nq71.xlsx", as_of=dt.date(2025, 8, 28))
    (problem,) = outside_problems(prepared.tasks, ["mof"])
    assert "auto-" not in problem.message + problem.message_vi
    assert "Kết nối hệ thống giải quyết TTHC" in problem.message_vi
