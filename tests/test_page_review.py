"""The review page ("Xác nhận, phê duyệt / Review") through AppTest, from the router, on a real
DuckDB file (the six-task store): agencies' claims and requests are made with
analytics.reporting, a coordinator decides them on the page, and the store shows the decisions.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from streamlit.testing.v1 import AppTest

from analytics import accounts, audit, reporting, store
from analytics.model import Filters, Scope
from tests.helpers import assert_clean, open_page, seeded_session, six_task_store

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")

LATER = dt.date(2025, 10, 15)  # every task of the six-task store overdue (deadline 30/09/2025)
USERS = {
    "btc": ("agency_editor", ("mof",)),
    "hanoi": ("agency_editor", ("p01",)),
    "lead": ("leader", ()),
}
DONE_ON = dt.date(2025, 9, 20)
EVIDENCE = "Văn bản số 123/BC-BTC ngày 20/9/2025"


@pytest.fixture
def db(tmp_path, monkeypatch):
    return six_task_store(tmp_path, monkeypatch, USERS)


def user(db, name):
    return accounts.get_user(db, name)


def tasks(db, as_of=LATER):
    frame = store.load_tasks(db, as_of, Filters(), Scope.everything())
    return frame.set_index("task_id")


def review_page(db, lang="vi") -> AppTest:
    session = seeded_session(db, "vpcp", "coordinator")
    return open_page("review", lang, session=session)


def plain(text: str) -> str:
    """Markdown as read: the escapes of ui.html.esc taken out."""
    return re.sub(r"\\(.)", r"\1", text)


def texts(at: AppTest, kind: str = "markdown") -> str:
    return "\n".join(plain(str(e.value)) for e in getattr(at, kind))


def tables(at: AppTest, tab: int) -> list:
    """The tables of one tab (0 claims, 1 requests, 2 cancellations, 3 rounds), in order."""
    return [d.value for d in at.tabs[tab].dataframe]


def errors(at: AppTest) -> list[str]:
    return [plain(e.value) for e in at.error]


def actions(db, outcome="ok") -> list[str]:
    log = audit.read(db)
    return log.loc[log["outcome"] == outcome, "action"].tolist()


def test_a_coordinator_confirms_a_claim_and_the_task_is_completed(db):
    claim = reporting.claim(db, user(db, "btc"), "t1", DONE_ON, EVIDENCE)["claim_id"]
    at = review_page(db)
    assert [t.value for t in at.title] == ["Xác nhận, phê duyệt"]
    assert [t.label for t in at.tabs][:2] == [
        "Báo cáo hoàn thành chờ xác nhận",
        "Đề nghị điều chỉnh thời hạn chờ duyệt",
    ]
    shown = texts(at)
    assert "Nhiệm vụ t1" in shown and "Bộ Tài chính" in shown and "đúng hạn" in shown
    assert "20/09/2025" in shown and "30/09/2025" in shown and "123/BC-BTC ngày 20/9/2025" in shown
    at.button(key=f"rv_confirm_{claim}").click().run()
    assert_clean(at)
    assert reporting.claims(db, None).set_index("claim_id").loc[claim, "state"] == "confirmed"
    frame = tasks(db)
    assert frame.loc["t1", "status"] == "completed_on_time"
    assert frame.loc["t1", "completion_date"] == DONE_ON
    assert "Đã xác nhận báo cáo hoàn thành số 1 (nhiệm vụ t1)." in texts(at, "success")
    assert "Không có báo cáo hoàn thành nào chờ xác nhận." in texts(at, "info")
    assert "claim_confirm" in actions(db)


def test_a_late_claim_says_so_and_several_are_confirmed_at_once(db):
    late = reporting.claim(db, user(db, "btc"), "t2", dt.date(2025, 10, 3), EVIDENCE)
    other = reporting.claim(db, user(db, "hanoi"), "t3", DONE_ON, "Báo cáo số 9/BC-UBND")
    at = review_page(db, "en")
    assert "3 days late" in texts(at) and "on time" in texts(at)
    ids = [late["claim_id"], other["claim_id"]]
    at.multiselect(key="rv_confirm_many").set_value(ids)
    at.button(key="rv_confirm_many_btn").click().run()
    assert_clean(at)
    assert "2 completions confirmed." in texts(at, "success")
    assert set(reporting.claims(db, None)["state"]) == {"confirmed"}
    frame = tasks(db)
    assert frame.loc["t2", "status"] == "completed_late"
    assert frame.loc["t3", "status"] == "completed_on_time"
    assert actions(db).count("claim_confirm") == 2


def test_a_claim_is_returned_only_with_a_reason(db):
    claim = reporting.claim(db, user(db, "btc"), "t2", DONE_ON, EVIDENCE)["claim_id"]
    at = review_page(db)
    at.button(key=f"rv_return_{claim}").click().run()
    assert not at.exception
    assert errors(at) == ["Cần ghi lý do."]
    assert reporting.claims(db, None).iloc[0]["state"] == "pending"
    assert "claim_return" not in actions(db) and "claim_return" in actions(db, "refused")

    at.text_input(key=f"rv_return_reason_{claim}").input("Thiếu văn bản kèm theo")
    at.button(key=f"rv_return_{claim}").click().run()
    assert_clean(at)
    decided = reporting.claims(db, None).iloc[0]
    assert decided["state"] == "returned" and decided["decision_reason"] == "Thiếu văn bản kèm theo"
    assert tasks(db).loc["t2", "status"] == "overdue"
    (table,) = tables(at, 0)
    assert list(table["Trạng thái"]) == ["Đã trả lại"]
    assert list(table["Người xử lý"]) == ["vpcp"]
    assert list(table["Lý do"]) == ["Thiếu văn bản kèm theo"]
    assert "claim_return" in actions(db)


def test_the_evidence_file_is_handed_out_and_the_download_audited(db, monkeypatch):
    from streamlit.runtime.media_file_manager import MediaFileManager

    from analytics.reporting import evidence

    deferred: dict[str, tuple] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kw)
        deferred[file_name] = (self, file_id)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    done = reporting.ReportFields(
        status_reported="completed", completed_on=DONE_ON, evidence_text=EVIDENCE
    )
    ev = evidence.checked(pdf, "bao-cao.pdf")
    saved = reporting.save_report(db, user(db, "btc"), "t1", done, evidence=ev, evidence_data=pdf)
    at = review_page(db)
    button = at.download_button(key=f"rv_evidence_{saved['claim_id']}")
    assert "bao-cao.pdf" in button.label
    button.click().run()
    assert_clean(at)
    manager, file_id = deferred[ev.file_name]
    url = manager.execute_deferred(file_id)  # what the browser's request runs
    assert manager._storage.get_file(url.rsplit("/", 1)[-1]).content == pdf
    exports = audit.read(db, actions=["export"])
    assert list(exports["target"]) == ["evidence"] and list(exports["username"]) == ["vpcp"]


def test_an_extension_is_approved_and_another_rejected(db):
    moved = reporting.request_deadline(
        db, user(db, "btc"), "t1", dt.date(2025, 12, 31), "Chờ ý kiến Bộ Tư pháp"
    )["request_id"]
    refused = reporting.request_deadline(
        db, user(db, "hanoi"), "t3", dt.date(2026, 3, 31), "Chưa có kinh phí"
    )["request_id"]
    at = review_page(db)
    shown = texts(at)
    assert "31/12/2025" in shown and "Chờ ý kiến Bộ Tư pháp" in shown
    at.button(key=f"rv_approve_{moved}").click().run()
    assert_clean(at)
    frame = tasks(db)
    assert frame.loc["t1", "deadline"] == dt.date(2025, 12, 31)
    assert frame.loc["t1", "status"] == "in_progress"  # judged by the new deadline

    at.button(key=f"rv_reject_{refused}").click().run()
    assert errors(at) == ["Cần ghi lý do."]
    at.text_input(key=f"rv_reject_reason_{refused}").input("Không đủ căn cứ")
    at.button(key=f"rv_reject_{refused}").click().run()
    assert_clean(at)
    assert tasks(db).loc["t3", "deadline"] == dt.date(2025, 9, 30)
    states = reporting.requests(db, None).set_index("request_id")["state"]
    assert states[moved] == "approved" and states[refused] == "rejected"
    (table,) = tables(at, 1)
    assert set(table["Trạng thái"]) == {"Đã duyệt", "Đã từ chối"}
    assert {"deadline_approve", "deadline_reject"} <= set(actions(db))


def test_a_task_is_cancelled_with_reason_and_document_then_restored(db):
    at = review_page(db)
    options = at.selectbox(key="rv_cancel_task").options
    assert "t4 — Nhiệm vụ t4" in options
    task = ("Nghị quyết 71/NQ-CP", "t4")
    at.selectbox(key="rv_cancel_task").set_value(task)
    at.text_input(key="rv_cancel_reason").input("Đã lồng ghép vào nhiệm vụ t3")
    at.button(key="rv_cancel").click().run()  # no document
    assert not at.exception
    assert len(errors(at)) == 1 and "văn bản quyết định" in errors(at)[0]
    assert reporting.cancellations(db).empty

    at.text_input(key="rv_cancel_doc").input("Thông báo số 45/TB-VPCP ngày 02/10/2025")
    at.button(key="rv_cancel").click().run()
    assert_clean(at)
    frame = tasks(db)
    assert "t4" in frame.index and frame.loc["t4", "status"] == "cancelled"
    listed = reporting.cancellations(db)
    assert list(listed["task_id"]) == ["t4"]
    assert "Đã lồng ghép vào nhiệm vụ t3" in texts(at)
    assert "t4 — Nhiệm vụ t4" not in at.selectbox(key="rv_cancel_task").options
    assert at.text_input(key="rv_cancel_reason").value == ""

    cancel_id = int(listed.iloc[0]["cancel_id"])
    at.button(key=f"rv_uncancel_{cancel_id}").click().run()
    assert_clean(at)
    assert tasks(db).loc["t4", "status"] == "overdue"
    assert not reporting.cancellations(db)["revoked_at"].isna().iloc[0]
    assert {"task_cancel", "task_uncancel"} <= set(actions(db))


def test_a_round_is_opened_and_shows_who_reported(db):
    at = review_page(db)
    assert "Chưa có đợt báo cáo nào đang mở." in texts(at, "info")
    at.text_input(key="rv_round_title").input("Báo cáo trước 05/8/2025")
    at.multiselect(key="rv_round_agencies").set_value(["mof", "most"])
    at.button(key="rv_round_open").click().run()
    assert_clean(at)
    opened = reporting.open_round(db)
    assert opened["title"] == "Báo cáo trước 05/8/2025"
    assert "round_open" in actions(db)

    reporting.save_report(
        db, user(db, "btc"), "t1", reporting.ReportFields(progress_note="Đang trình Chính phủ")
    )
    at.run()
    assert_clean(at)
    done, missing, stale = tables(at, 3)
    assert list(done["Cơ quan"]) == ["Bộ Tài chính"] and list(done["Số nhiệm vụ"]) == [3]
    assert list(missing["Cơ quan"]) == ["Bộ Khoa học và Công nghệ"]  # Hà Nội is not in it
    assert "chưa báo cáo lần nào" in list(missing["Lần báo cáo gần nhất"])

    at.number_input(key="rv_stale_days").set_value(30)
    at.button(key="rv_stale_save").click().run()
    assert_clean(at)
    assert reporting.stale_days(db) == 30
    stale = tables(at, 3)[-1]
    assert set(stale["Cơ quan"]) == {"Bộ Khoa học và Công nghệ", "Hà Nội"}

    at.button(key="rv_round_close").click().run()
    assert_clean(at)
    assert reporting.open_round(db) is None
    assert {"round_close", "setting_change"} <= set(actions(db))


@pytest.mark.parametrize("name", ["btc", "lead"])
def test_editors_and_leaders_do_not_get_the_page(db, name):
    at = open_page("briefing", session=seeded_session_of(db, name))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/review.py")


def seeded_session_of(db, name: str) -> dict:
    from ui import auth as ui_auth

    return {ui_auth.SESSION_KEY: name, ui_auth.SINCE_KEY: dt.datetime.now(dt.UTC)}


def _denied_script():
    import streamlit as st

    from analytics.access import User
    from ui.reporting import review

    if review.allowed(User("lead", "leader"), "vi"):
        st.write("shown")


def test_the_page_itself_denies_a_user_without_the_permission(db):
    at = AppTest.from_function(_denied_script, default_timeout=30).run()
    assert [e.value for e in at.error] == ["Bạn không có quyền thực hiện thao tác này."]
    assert not [m for m in at.markdown if m.value == "shown"]
    at.run()
    denied = audit.read(db, actions=["permission_denied"])
    assert list(denied["username"]) == ["lead"] and list(denied["target"]) == ["page_review"]
