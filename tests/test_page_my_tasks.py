"""Nhiệm vụ của đơn vị / My tasks through AppTest, from the router with a signed-in user on a real
DuckDB file (the six-task store): a completion with its evidence reported in the form waits for
confirmation; two rows saved at once from the table editor; someone else's newer report is
shown and nothing is overwritten; an editor sees and reports only its own agency's tasks; a
leader is denied; the author undoes; an evidence PDF is kept by hash; a deadline request waits.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from fpdf import FPDF
from streamlit.testing.v1 import AppTest

from analytics import accounts, audit, reporting, store
from analytics.model import Filters, Scope
from analytics.reporting import ReportFields
from tests.helpers import SIX_TASKS_AS_OF, assert_clean, open_page, six_task_store
from ui import auth as ui_auth
from ui.reporting import rows as R
from ui.reporting.saving import RowEdit, save_rows

USERS = {
    "btc": ("agency_editor", ("mof",)),
    "btc2": ("agency_editor", ("mof",)),
    "hanoi": ("agency_editor", ("p01",)),
    "vpcp": ("coordinator", ()),
    "lead": ("leader", ()),
}
EVIDENCE = "Văn bản số 123/BC-BTC ngày 20/8/2025"
DONE_ON = dt.date(2025, 8, 20)

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")


@pytest.fixture
def db(tmp_path, monkeypatch):
    return six_task_store(tmp_path, monkeypatch, USERS)


def session(name: str) -> dict:
    """The session state of `name` signed in (the account exists in the six-task store)."""
    return {ui_auth.SESSION_KEY: name, ui_auth.SINCE_KEY: dt.datetime.now(dt.UTC)}


def my_tasks(name: str, lang: str = "vi") -> AppTest:
    return open_page("my_tasks", lang, session=session(name))


def source_of(db) -> str:
    return store.load_tasks(db, SIX_TASKS_AS_OF, Filters(), Scope.everything())["source"].iloc[0]


def editor(at: AppTest):
    found = [d.value for d in at.dataframe if "status_reported" in d.value.columns]
    assert found, "no table editor"
    return found[0]


def texts(at: AppTest, kind: str) -> str:
    return " ".join(e.value for e in getattr(at, kind))


def pick_task(at: AppTest, db, task_id: str) -> AppTest:
    at.selectbox(key="mt_task").set_value(R.task_key(source_of(db), task_id))
    return at.run()


def fill_completion(at: AppTest) -> None:
    at.selectbox(key="mt_f_status").set_value("completed")
    at.date_input(key="mt_f_completed_on").set_value(DONE_ON)
    at.text_input(key="mt_f_evidence_text").input(EVIDENCE)


def tiny_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Van ban so 123/BC-BTC ngay 20/8/2025")
    return bytes(pdf.output())


def edit_rows(at: AppTest, edits: dict[str, dict]) -> AppTest:
    """Edits to the table editor's rows (by task id), as the browser sends them."""
    order = list(editor(at)["task_id"])
    at.session_state["mt_editor"] = {
        "edited_rows": {order.index(task): values for task, values in edits.items()},
        "added_rows": [],
        "deleted_rows": [],
    }
    return at


def test_an_editor_reports_a_completion_with_evidence_in_the_form(db):
    at = my_tasks("btc")
    assert list(editor(at)["task_id"]) == ["t1", "t2", "t6"]
    pick_task(at, db, "t1")
    fill_completion(at)
    at.text_area(key="mt_f_progress").input("Đã trình Chính phủ")
    at.multiselect(key="mt_f_causes").set_value(["funding", "late_start"])
    at.button(key="mt_form_save").click().run()
    assert_clean(at)
    claims = reporting.claims(db)
    assert list(claims["task_id"]) == ["t1"] and list(claims["state"]) == ["pending"]
    assert claims.iloc[0]["evidence_text"] == EVIDENCE
    assert claims.iloc[0]["completed_on"].date() == DONE_ON
    version = reporting.report_versions(db, source_of(db), "t1").iloc[0]
    assert list(version["cause_codes"]) == ["funding", "late_start"]
    assert version["channel"] == "app" and version["reported_by"] == "btc"
    assert "chờ xác nhận" in texts(at, "info")  # the task's state, in the detail
    table = editor(at).set_index("task_id")
    assert "Báo cáo hoàn thành, chờ xác nhận" in table.loc["t1", "report"]
    assert table.loc["t1", "status_reported"] == "completed"
    assert "phiên bản 1" in texts(at, "success")
    assert "report_save" in set(audit.read(db)["action"])


def test_two_rows_saved_at_once_from_the_table_editor(db):
    at = my_tasks("btc")
    edit_rows(
        at,
        {
            "t1": {"progress_note": "Đang lấy ý kiến", "confidence": "amber"},
            "t2": {"status_reported": "stuck", "cause_codes": ["coordination", "staffing"],
                   "commitment_date": "2025-10-15"},
        },
    )  # fmt: skip
    at.run()
    at.button(key="mt_save").click().run()
    assert_clean(at)
    src = source_of(db)
    t1 = reporting.report_versions(db, src, "t1")
    t2 = reporting.report_versions(db, src, "t2")
    assert len(t1) == 1 and t1.iloc[0]["progress_note"] == "Đang lấy ý kiến"
    assert t1.iloc[0]["confidence"] == "amber"
    assert t2.iloc[0]["status_reported"] == "stuck"
    assert list(t2.iloc[0]["cause_codes"]) == ["coordination", "staffing"]
    assert t2.iloc[0]["commitment_date"].date() == dt.date(2025, 10, 15)
    assert reporting.report_versions(db, src, "t6").empty
    assert texts(at, "success").count("đã lưu") == 2
    table = editor(at).set_index("task_id")  # the store's new state, read afresh
    assert table.loc["t2", "status_reported"] == "stuck"
    assert "Phiên bản 1" in table.loc["t1", "report"]


def test_the_save_function_saves_each_changed_row_from_its_version(db):
    btc = accounts.get_user(db, "btc")
    src = source_of(db)
    first = ReportFields(progress_note="Bắt đầu")
    reporting.save_report(db, btc, "t2", first, source=src)
    edits = [
        RowEdit(1, src, "t1", None, ReportFields(), ReportFields(confidence="red")),
        RowEdit(2, src, "t2", 1, first, ReportFields(progress_note="Bắt đầu", proposals="Bổ sung")),
        RowEdit(3, src, "t6", None, ReportFields(), ReportFields()),  # unchanged: not saved
        RowEdit(4, src, "t6", None, ReportFields(), ReportFields(status_reported="completed")),
    ]
    results = save_rows(db, btc, edits)
    assert [(r["task_id"], r["kind"]) for r in results] == [
        ("t1", "saved"),
        ("t2", "saved"),
        ("t6", "refused"),
    ]
    assert results[1]["version"] == 2 and results[1]["changed"] == ["proposals"]
    refused = results[2]
    assert refused["field"] == "completed_on" and refused["row"] == 4
    assert "ngày hoàn thành" in refused["message"]["vi"]
    assert refused["mine"]["status_reported"] == "completed"
    assert reporting.report_versions(db, src, "t6").empty


def test_a_conflict_shows_the_other_report_and_keeps_the_editors_values(db):
    at = my_tasks("btc")
    src = source_of(db)
    other = accounts.get_user(db, "btc2")
    reporting.save_report(db, other, "t1", ReportFields(progress_note="Của người khác"), source=src)
    edit_rows(at, {"t1": {"progress_note": "Của tôi", "confidence": "green"}})
    at.button(key="mt_save").click().run()
    assert not at.exception
    versions = reporting.report_versions(db, src, "t1")
    assert len(versions) == 1 and versions.iloc[0]["reported_by"] == "btc2"  # nothing stored
    assert "btc2" in texts(at, "warning") and "vẫn được giữ lại" in texts(at, "warning")
    compared = [d.value for d in at.dataframe if "Nội dung đã lưu" in d.value.columns]
    assert compared and "Của người khác" in set(compared[0]["Nội dung đã lưu"])
    assert "Của tôi" in set(compared[0]["Nội dung của bạn (chưa lưu)"])
    kept = editor(at).set_index("task_id")
    assert kept.loc["t1", "progress_note"] == "Của tôi" and kept.loc["t1", "confidence"] == "green"
    # seen now: saving again is a new version on top of theirs
    at.button(key="mt_save").click().run()
    assert_clean(at)
    versions = reporting.report_versions(db, src, "t1")
    assert list(versions["reported_by"]) == ["btc", "btc2"]
    assert versions.iloc[0]["progress_note"] == "Của tôi"


def test_an_editor_of_another_agency_sees_and_reports_only_its_tasks(db):
    at = my_tasks("hanoi")
    assert list(editor(at)["task_id"]) == ["t3", "t4", "t6"]
    offered = at.selectbox(key="mt_task").options
    assert [o.split(" — ")[0] for o in offered] == ["t3", "t4", "t6"]
    hanoi = accounts.get_user(db, "hanoi")
    src = source_of(db)
    edit = RowEdit(1, src, "t1", None, ReportFields(), ReportFields(progress_note="x"))
    [result] = save_rows(db, hanoi, [edit])
    assert result["kind"] == "refused" and "không được báo cáo" in result["message"]["vi"]
    assert reporting.report_versions(db, src, "t1").empty


def test_a_coordinator_chooses_the_agency(db):
    at = my_tasks("vpcp")
    assert len(editor(at)) == 6
    at.selectbox(key="mt_agency").set_value("p01").run()
    assert_clean(at)
    assert list(editor(at)["task_id"]) == ["t3", "t4", "t6"]


def test_a_leader_does_not_get_the_page(db):
    at = open_page("briefing", "vi", session=session("lead"))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/my_tasks.py")


def _denied_script():
    import datetime as dt

    from analytics import accounts
    from analytics.model import Filters, Scope
    from ui import data, state
    from ui.reporting import my_tasks

    view = state.View("vi", dt.date(2025, 8, 28), Filters(), Scope.everything(), None, None)
    me = accounts.get_user(data.db(), "lead")
    my_tasks.allowed(my_tasks.Page(view=view, me=me, db=data.db()))


def test_the_page_itself_denies_a_user_without_can_report_and_audits_once(db):
    at = AppTest.from_function(_denied_script, default_timeout=60).run()
    at.run()
    assert not at.exception
    assert "không báo cáo được" in texts(at, "error")
    denied = audit.read(db, actions=["permission_denied"])
    assert list(denied["username"]) == ["lead"] and list(denied["target"]) == ["page_my_tasks"]


def test_the_author_undoes_the_latest_version_and_nobody_else_may(db):
    src = source_of(db)
    btc = accounts.get_user(db, "btc")
    done = ReportFields(status_reported="completed", completed_on=DONE_ON, evidence_text=EVIDENCE)
    reporting.save_report(db, btc, "t1", done, source=src)
    other = my_tasks("btc2")
    pick_task(other, db, "t1")
    assert not [b for b in other.button if b.key == "mt_undo"]
    at = my_tasks("btc")
    pick_task(at, db, "t1")
    at.button(key="mt_undo").click().run()
    assert_clean(at)
    versions = reporting.report_versions(db, src, "t1")
    assert versions.iloc[0]["undone_by"] == "btc"
    assert list(reporting.claims(db, states=None)["state"]) == ["withdrawn"]
    assert "Đã hoàn tác phiên bản 1" in texts(at, "success")
    assert editor(at).set_index("task_id").loc["t1", "report"] == "Chưa có báo cáo"
    assert not [b for b in at.button if b.key == "mt_undo"]


def test_an_evidence_pdf_is_kept_by_its_hash(db):
    pdf = tiny_pdf()
    at = my_tasks("btc")
    pick_task(at, db, "t2")
    at.file_uploader(key="mt_evidence").upload("bao-cao.pdf", pdf, "application/pdf")
    fill_completion(at)
    at.button(key="mt_form_save").click().run()
    assert_clean(at)
    sha = hashlib.sha256(pdf).hexdigest()
    with store.connect(db) as con:
        kept = con.execute("select size_bytes, data from blobs where sha256 = ?", [sha]).fetchone()
    assert kept is not None and kept[0] == len(pdf) and bytes(kept[1]) == pdf
    version = reporting.report_versions(db, source_of(db), "t2").iloc[0]
    assert version["evidence_sha256"] == sha and version["evidence_name"] == "bao-cao.pdf"
    assert "Tệp minh chứng đã lưu" in texts(at, "caption")


def test_an_evidence_file_that_is_not_a_pdf_is_refused_and_nothing_is_stored(db):
    at = my_tasks("btc")
    pick_task(at, db, "t2")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    at.file_uploader(key="mt_evidence").upload("anh.pdf", png, "application/pdf")
    fill_completion(at)
    at.button(key="mt_form_save").click().run()
    assert not at.exception
    assert "anh" in texts(at, "error")
    assert not [e for e in at.error if "Traceback" in e.value or "Error" in e.value]
    assert reporting.report_versions(db, source_of(db), "t2").empty


def test_a_deadline_request_is_stored_pending(db):
    at = my_tasks("btc")
    pick_task(at, db, "t2")
    at.date_input(key="mt_ext_to").set_value(dt.date(2025, 12, 31))
    at.text_area(key="mt_ext_reason").input("Chờ ý kiến thẩm định của Bộ Tư pháp")
    at.button(key="mt_ext_send").click().run()
    assert_clean(at)
    requests = reporting.requests(db)
    assert list(requests["task_id"]) == ["t2"] and list(requests["state"]) == ["pending"]
    assert requests.iloc[0]["requested_deadline"].date() == dt.date(2025, 12, 31)
    assert requests.iloc[0]["requested_by"] == "btc"
    assert "Đang chờ duyệt" in texts(at, "info")
    table = editor(at).set_index("task_id")
    assert "sang 31/12/2025, chờ duyệt" in table.loc["t2", "report"]


def test_an_approved_deadline_change_is_shown_with_both_dates(db):
    btc, vpcp = accounts.get_user(db, "btc"), accounts.get_user(db, "vpcp")
    asked = reporting.request_deadline(db, btc, "t1", dt.date(2025, 12, 31), "Lý do")
    reporting.approve_request(db, vpcp, asked["request_id"])
    at = my_tasks("btc")
    shown = editor(at).set_index("task_id").loc["t1", "deadline_shown"]
    assert shown.startswith("31/12/2025 (thời hạn điều chỉnh từ 30/09/2025 sang 31/12/2025")


def test_a_missed_commitment_is_marked(db):
    btc = accounts.get_user(db, "btc")
    late = ReportFields(progress_note="Chậm", commitment_date=dt.date(2025, 8, 1))
    reporting.save_report(db, btc, "t2", late, source=source_of(db))
    table = editor(my_tasks("btc")).set_index("task_id")
    assert "Quá hạn cam kết" in table.loc["t2", "report"]
    assert "Quá hạn cam kết" not in table.loc["t1", "report"]


def test_english(db):
    at = my_tasks("btc", lang="en")
    assert at.title[0].value == "My tasks"
    assert editor(at).set_index("task_id").loc["t1", "report"] == "No report yet"
