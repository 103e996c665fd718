"""New tasks an agency's file sends are proposals (issue 15, "Who owns what"), through AppTest
from the router on a real DuckDB file (the six-task store): the review page's tab "Nhiệm vụ mới
đề xuất / Proposed tasks" (a coordinator accepts one, declines another only with a reason,
both audited); the upload page says how many new tasks go as proposals, before and after the
commit; an editor's file with another agency's new task is refused without offering to choose
that agency (only the steering office can)."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace as NS

import openpyxl
import pytest

from analytics import audit, store, templates, uploads
from analytics.i18n import t
from analytics.ingest import SOURCE_NQ71
from analytics.model import Filters, Scope, Task
from analytics.reporting import proposals
from tests.helpers import AGENCIES, assert_clean, open_page, seeded_session, six_task_store

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")

AS_OF = dt.date(2025, 8, 28)  # the six-task store's date
USERS = {"btc": ("agency_editor", ("mof",)), "ed": ("agency_editor", ("mof",))}
NAMES = {a.id: a.name_vi for a in AGENCIES}
FILE = "bao_cao_btc.xlsx"


@pytest.fixture
def db(tmp_path, monkeypatch):
    return six_task_store(tmp_path, monkeypatch, USERS)


def new_task(tid: str, deadline_text: str, leads=("mof",)) -> Task:
    return Task(
        task_id=tid,
        title=f"Nhiệm vụ mới {tid}",
        lead_ids=leads,
        lead_text="; ".join(NAMES[a] for a in leads),
        deadline=dt.date(2025, 12, 31),
        deadline_text=deadline_text,
        deadline_kind="date",
        status_text="Đang thực hiện",
        status_class="in_progress_on_time",
        sheet="Sheet1",
        row=9,
    )


def propose_two(db) -> dict[str, int]:
    """Bộ Tài chính's update file: t1 and two new tasks, N1 and N2 (proposals)."""
    result = store.commit_snapshot(
        db,
        source=SOURCE_NQ71,
        as_of=AS_OF,
        tasks=[new_task("t1", "30/09/2025"), new_task("N1", "Quý IV/2025"), new_task("N2", "")],
        agencies=AGENCIES,
        file_bytes=b"the agency's file",
        file_name=FILE,
        user="btc",
        update_agencies=["mof"],
    )
    assert result.proposed == ("N1", "N2")
    pending = proposals.list_proposals(db)
    return {str(k): int(v) for k, v in zip(pending["task_id"], pending["proposal_id"], strict=True)}


def in_force(db) -> set[str]:
    frame = store.load_tasks(db, AS_OF, Filters(sources=(SOURCE_NQ71,)), Scope.everything())
    return set(frame["task_id"])


def review_page(db, lang="vi"):
    return open_page("review", lang, session=seeded_session(db, "vpcp", "coordinator"))


def plain(text) -> str:
    """Markdown as read: the escapes of ui.html.esc taken out."""
    return re.sub(r"\\(.)", r"\1", str(text))


def shown(at, kind="markdown") -> str:
    return "\n".join(plain(e.value) for e in getattr(at, kind))


def states(db) -> dict[str, str]:
    every = proposals.list_proposals(db, states=None)
    return dict(zip(every["task_id"], every["state"], strict=True))


# --------------------------------------------------------------------------- the review tab


def test_a_coordinator_accepts_one_proposal_and_declines_the_other_with_a_reason(db):
    ids = propose_two(db)
    at = review_page(db)
    assert [x.label for x in at.tabs][4] == "Nhiệm vụ mới đề xuất"
    text = shown(at.tabs[4])
    assert "Nhiệm vụ mới N1" in text and "Bộ Tài chính" in text and "btc, lúc " in text
    assert "Quý IV/2025" in text  # the deadline as the file wrote it
    assert "31/12/2025" in text  # N2's file wrote none: its date
    assert f"{FILE} (bản số liệu #2, ngày số liệu 28/08/2025)" in text
    assert "2 nhiệm vụ mới do cơ quan gửi" in shown(at.tabs[4], "caption")

    at.button(key=f"rv_accept_{ids['N1']}").click().run()
    assert_clean(at)
    assert f"Đã chấp nhận đề xuất số {ids['N1']}" in shown(at, "success")
    assert "N1" in in_force(db) and "N2" not in in_force(db)

    at.button(key=f"rv_decline_{ids['N2']}").click().run()  # no reason: refused
    assert not at.exception
    assert [plain(e.value) for e in at.error] == ["Cần ghi lý do."]
    assert states(db) == {"N1": "accepted", "N2": "pending"}

    at.text_input(key=f"rv_decline_reason_{ids['N2']}").input("Không thuộc Nghị quyết 71")
    at.button(key=f"rv_decline_{ids['N2']}").click().run()
    assert_clean(at)
    assert states(db) == {"N1": "accepted", "N2": "declined"}
    assert "N2" not in in_force(db)
    assert "Không có nhiệm vụ mới nào chờ chấp nhận." in shown(at.tabs[4], "info")
    (table,) = [d.value for d in at.tabs[4].dataframe]
    decided = table.set_index("Mã nhiệm vụ")
    assert decided.loc["N1", "Trạng thái"] == "Đã chấp nhận"
    assert decided.loc["N2", "Trạng thái"] == "Đã từ chối"
    assert decided.loc["N2", "Lý do"] == "Không thuộc Nghị quyết 71"
    assert set(decided["Người xử lý"]) == {"vpcp"}

    log = audit.read(db, actions=["proposal_accept", "proposal_decline"])
    assert set(log.loc[log["outcome"] == "refused", "action"]) <= {
        "proposal_accept",
        "proposal_decline",
    }
    log = log[log["outcome"] == "ok"]  # the refusals before are audited too
    assert sorted(zip(log["action"], log["target"], log["username"], strict=True)) == [
        ("proposal_accept", f"{SOURCE_NQ71}/N1", "vpcp"),
        ("proposal_decline", f"{SOURCE_NQ71}/N2", "vpcp"),
    ]


def test_a_refusal_is_said_in_the_pages_language(db):
    ids = propose_two(db)
    at = review_page(db, "en")
    assert [x.label for x in at.tabs][4] == "Proposed tasks"
    at.button(key=f"rv_decline_{ids['N1']}").click().run()
    assert [plain(e.value) for e in at.error] == ["A reason is needed."]
    assert states(db) == {"N1": "pending", "N2": "pending"}


# --------------------------------------------------------------------------- the upload page


def agency_file(db, *rows: dict) -> bytes:
    """Bộ Tài chính's "my tasks" workbook with only t1 of its tasks, plus `rows` (new ids)."""
    from tests.test_page_upload import set_row

    frame = store.load_tasks(db, AS_OF, Filters(sources=(SOURCE_NQ71,)), Scope.everything())
    data = templates.my_tasks_workbook(
        frame[frame["task_id"] == "t1"], agency_name="Bộ Tài chính", source=SOURCE_NQ71, as_of=AS_OF
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for row in rows:
        values = {k: v for k, v in row.items() if k != "task_id"}
        set_row(wb[templates.DATA_SHEET], row["task_id"], **values)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def new_row(tid: str, lead: str = "Bộ Tài chính") -> dict:
    return {
        "task_id": tid,
        "task": f"Nhiệm vụ mới {tid}",
        "lead_agency": lead,
        "deadline": dt.date(2025, 12, 31),
        "status": "Đang thực hiện",
        "source_doc": SOURCE_NQ71,
    }


def test_the_upload_preview_and_the_commit_say_the_new_tasks_go_as_proposals(db):
    from tests.test_page_upload import button, texts, upload_page

    at = upload_page("ed")
    data = agency_file(db, new_row("N1"), new_row("N2"))
    at.file_uploader(key="up_file").upload("nhiem_vu_btc.xlsx", data, templates.XLSX_MIME).run()
    assert not at.exception, at.exception
    info = texts(at, "info")
    note = "2 nhiệm vụ mới được gửi thành đề xuất, chờ điều phối viên chấp nhận: N1, N2."
    assert note in info, info
    assert any("2 nhiệm vụ của Bộ Tài chính mà tệp không nhắc đến giữ nguyên" in x for x in info)
    button(at, "up_commit").click()
    at.run()
    assert not at.exception, at.exception
    assert any("Đã ghi nhận bản số liệu #2" in x for x in texts(at, "success"))
    assert note in texts(at, "info")
    assert states(db) == {"N1": "pending", "N2": "pending"}
    assert in_force(db) == {f"t{i}" for i in range(1, 7)}


def test_an_editors_file_with_another_agencys_new_task_is_refused_without_choose_that_agency(db):
    from tests.test_page_upload import button, texts, upload_page

    at = upload_page("ed")
    data = agency_file(db, new_row("N9", lead="Hà Nội"))
    at.file_uploader(key="up_file").upload("nhiem_vu_btc.xlsx", data, templates.XLSX_MIME).run()
    assert not at.exception, at.exception
    (refused,) = [e for e in texts(at, "error") if "Không ghi nhận" in e]
    assert "Hà Nội" in refused and "Nhiệm vụ mới N9" in refused
    assert "chọn cả cơ quan đó" not in refused and "Văn phòng Chính phủ" in refused
    assert button(at, "up_commit").disabled
    assert proposals.list_proposals(db, states=None).empty


@pytest.mark.parametrize(
    ("role", "offers"), [("agency_editor", False), ("admin", True), ("coordinator", True)]
)
def test_only_the_steering_offices_refusal_offers_to_choose_that_agency(role, offers):
    from ui.upload.confirm import refusal_message

    refusal = uploads.Refusal(("p01",), {"p01": ["N9"]}, "outside_update")
    for lang, words in (("vi", "chọn cả cơ quan đó"), ("en", "choose that agency too")):
        pg = NS(
            me=NS(role=role),
            lg=lang,
            t=lambda key, lang=lang, **kw: t(key, lang, **kw),
            agency_name=lambda _frame, a: NAMES.get(a, a),
        )
        said = refusal_message(pg, refusal, None)
        assert "Hà Nội" in said
        assert (words in said) is offers, said
