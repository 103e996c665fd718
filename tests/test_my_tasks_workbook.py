"""The "my tasks" workbook's report columns (issue 15, point 7): filled with each task's latest
report, recognised by the reader, and sent back as an agency update they make exactly the
reports the in-app table makes (analytics.reporting.save_report, channel "file"); a row that
cannot be stored is a problem naming its row, its column and its value, and the snapshot
stands."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from analytics import accounts, reporting, store, templates, uploads
from analytics.ingest import SOURCE_NQ71, prepare
from analytics.ingest.file_reports import apply_reports
from analytics.model import REPORT_COLUMN_FIELDS, Filters, Scope
from analytics.reporting import ReportFields
from tests.helpers import SIX_TASKS_AS_OF, six_task_store

AS_OF = SIX_TASKS_AS_OF
USERS = {"btc": ("agency_editor", ("mof",)), "vpcp": ("coordinator", ())}
EVIDENCE = "Văn bản số 123/BC-BTC ngày 20/8/2025"
HEADERS = {f: h for f, h, _w in templates.REPORT_COLUMNS}


@pytest.fixture
def db(tmp_path, monkeypatch):
    return six_task_store(tmp_path, monkeypatch, USERS)


def mof_tasks(db):
    return store.load_tasks(db, AS_OF, Filters(agency_ids=("mof",)), Scope.everything())


def workbook(db) -> openpyxl.Workbook:
    data = templates.my_tasks_workbook(
        mof_tasks(db), agency_name="Bộ Tài chính", source=SOURCE_NQ71, as_of=AS_OF
    )
    return openpyxl.load_workbook(io.BytesIO(data))


def columns(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[templates.HEADER_ROW] if c.value}


def row_of(ws, task_id: str) -> int:
    col = columns(ws)["Mã nhiệm vụ"]
    return next(
        r
        for r in range(templates.HEADER_ROW + 1, ws.max_row + 1)
        if ws.cell(r, col).value == task_id
    )


def fill(ws, task_id: str, **cells) -> int:
    cols, r = columns(ws), row_of(ws, task_id)
    for field, value in cells.items():
        ws.cell(r, cols[HEADERS[field]], value)
    return r


def as_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(db, data: bytes, name="nhiem_vu_btc.xlsx", username="btc"):
    """What the upload page's confirm button runs (ui/upload/confirm.py do_commit): the
    preview, the commit, then the report columns."""
    user = accounts.get_user(db, username)
    prepared = prepare(data, name, as_of=AS_OF)
    assert not prepared.errors, prepared.errors
    plan = uploads.Plan(prepared.source, AS_OF, store.with_units_of(db, ["mof"]))
    preview = uploads.build_preview(db, prepared, plan, user)
    assert preview.refusal is None
    result = uploads.commit(db, prepared, plan, data, name, user, preview)
    return result, apply_reports(db, user, prepared, result)


def test_the_workbook_has_the_report_columns_with_their_lists_and_the_latest_report(db):
    btc = accounts.get_user(db, "btc")
    reporting.save_report(
        db,
        btc,
        "t2",
        ReportFields(
            status_reported="stuck",
            cause_codes=("funding", "late_start"),
            commitment_date=dt.date(2025, 11, 30),
            confidence="amber_red",
        ),
    )
    wb = workbook(db)
    ws = wb[templates.DATA_SHEET]
    heads = [c.value for c in ws[templates.HEADER_ROW]]
    assert heads == [h for _f, h, _w in templates.TEMPLATE_COLUMNS + templates.REPORT_COLUMNS]
    for header in ("Tình trạng báo cáo", "Văn bản minh chứng (số, ngày)", "Nguyên nhân (diễn giải)",
                   "Ngày cam kết hoàn thành", "Mức độ tin cậy"):  # fmt: skip
        assert header in heads
    lists = wb[templates.LISTS_SHEET]
    listed = {c.value for col in lists.iter_cols() for c in col if c.value}
    assert {"Báo cáo đã hoàn thành", "Chưa bố trí được kinh phí", "Vàng-Đỏ: khó đúng hạn"} <= listed
    validated = {
        str(dv.sqref).split(":")[0].rstrip("0123456789")
        for dv in ws.data_validations.dataValidation
    }
    cols = columns(ws)
    for field in ("report_status", "report_causes", "report_confidence", "report_commitment"):
        letter = openpyxl.utils.get_column_letter(cols[HEADERS[field]])
        assert letter in validated, field
    r = row_of(ws, "t2")
    value = {f: ws.cell(r, cols[h]).value for f, h in HEADERS.items()}
    assert value["report_status"] == "Vướng mắc"
    assert value["report_causes"] == "Chưa bố trí được kinh phí; Triển khai chậm"
    assert value["report_commitment"].date() == dt.date(2025, 11, 30)
    assert value["report_confidence"] == "Vàng-Đỏ: khó đúng hạn"
    # the reader recognises every column, the task's own and the report's
    prepared = prepare(as_bytes(wb), "btc.xlsx", as_of=AS_OF)
    assert set(REPORT_COLUMN_FIELDS) <= set(prepared.table.mapping)
    assert {"status", "completion_date", "progress", "issues", "proposals"} <= set(
        prepared.table.mapping
    )
    t2 = next(t for t in prepared.tasks if t.task_id == "t2")
    assert t2.report["report_commitment"] == "30/11/2025" and t2.status_text == "Đang thực hiện"


def test_a_completion_and_a_commitment_sent_back_make_the_same_reports_as_the_table(db):
    wb = workbook(db)
    ws = wb[templates.DATA_SHEET]
    fill(ws, "t1", report_status="Báo cáo đã hoàn thành", report_completed_on=dt.date(2025, 8, 20),
         report_evidence=EVIDENCE)  # fmt: skip
    fill(
        ws,
        "t2",
        report_commitment=dt.date(2025, 11, 30),
        report_confidence="Vàng: có rủi ro, cần theo dõi",
    )
    bad = fill(
        ws, "t6", report_status="Báo cáo đã hoàn thành", report_completed_on=dt.date(2025, 8, 21)
    )
    result, reports = upload(db, as_bytes(wb))
    assert result.kind == "agency_update" and result.tasks == 6 and result.proposed == ()

    claims = reporting.claims(db)
    assert list(claims["task_id"]) == ["t1"] and list(claims["state"]) == ["pending"]
    assert str(claims["completed_on"].iloc[0])[:10] == "2025-08-20"
    frame = mof_tasks(db).set_index("task_id")
    assert frame.loc["t2", "commitment_date"] == dt.date(2025, 11, 30)
    assert frame.loc["t2", "confidence"] == "amber"
    assert (
        bool(frame.loc["t1", "reported_completed"]) and frame.loc["t1", "status"] == "in_progress"
    )
    assert [s["task_id"] for s in reports.saved] == ["t1", "t2"]
    versions = reporting.report_versions(db, SOURCE_NQ71, "t1")
    assert list(versions["channel"]) == ["file"] and list(versions["reported_by"]) == ["btc"]

    (problem,) = reports.problems
    assert (problem.row, problem.column, problem.value) == (
        bad,
        "Tình trạng báo cáo",
        "Báo cáo đã hoàn thành",
    )
    assert "văn bản" in problem.message_vi and f"Dòng {bad}" in problem.message_vi
    assert reporting.report_versions(db, SOURCE_NQ71, "t6").empty  # nothing stored for it

    # the workbook made again and sent back unchanged makes nothing new
    result, again = upload(db, as_bytes(workbook(db)), name="lan_hai.xlsx")
    assert again.saved == [] and again.problems == [] and len(reporting.claims(db)) == 1


def test_a_label_or_a_date_the_list_does_not_hold_names_its_cell(db):
    wb = workbook(db)
    ws = wb[templates.DATA_SHEET]
    r1 = fill(ws, "t1", report_causes="Thiếu người; Mưa bão")
    r2 = fill(ws, "t2", report_commitment="cuối năm")
    _result, reports = upload(db, as_bytes(wb))
    found = {(p.row, p.column, p.value) for p in reports.problems}
    assert found == {
        (r1, "Nguyên nhân (danh mục)", "Thiếu người; Mưa bão"),
        (r2, "Ngày cam kết hoàn thành", "cuối năm"),
    }
    assert reports.saved == []


def test_the_command_line_makes_the_same_reports(db, tmp_path):
    from tests.test_ingest_cli import run

    wb = workbook(db)
    ws = wb[templates.DATA_SHEET]
    fill(ws, "t1", report_status="Báo cáo đã hoàn thành", report_completed_on=dt.date(2025, 8, 20),
         report_evidence=EVIDENCE)  # fmt: skip
    bad = fill(
        ws, "t6", report_status="Báo cáo đã hoàn thành", report_completed_on=dt.date(2025, 8, 21)
    )
    path = tmp_path / "btc.xlsx"
    path.write_bytes(as_bytes(wb))
    args = ("--as-of", AS_OF.isoformat(), "--update-agency", "mof", "--user", "btc")
    code, doc, err = run("ingest", path, *args, db=db)
    assert code == 0, err
    assert [s["task_id"] for s in doc["reports"]["saved"]] == ["t1"]
    assert [(p["row"], p["column"]) for p in doc["reports"]["problems"]] == [
        (bad, "Tình trạng báo cáo")
    ]
    assert list(reporting.claims(db)["task_id"]) == ["t1"]
