"""The agency's report document from the store (issue 15, point 6): analytics/reports/agency_doc.py
reads an agency's tasks, claims, deadline changes and commitments into the generator's plain
values; `report --agency ID --format docx|pdf` writes the file; the Agency page's two buttons
(ui/agency_report.py) hand out the same files."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys

import docx
import pytest
from pypdf import PdfReader

from analytics import accounts, audit, reporting, store
from analytics.model import Filters, Scope
from analytics.reporting import ReportFields
from analytics.reports.agency_doc import UnknownAgency, agency_report_from_store
from tests.helpers import ROOT, six_task_store

LATER = dt.date(2025, 10, 15)  # every task of the six-task store overdue (deadline 30/09/2025)
USERS = {
    "btc": ("agency_editor", ("mof",)),
    "vpcp": ("coordinator", ()),
}
EVIDENCE = "Văn bản số 123/BC-BTC ngày 20/9/2025"
EXTENDED_TO = dt.date(2025, 10, 10)  # t2: still overdue at LATER, judged by the new deadline
PROPOSAL = "Đề nghị Bộ Tài chính bổ sung kinh phí năm 2025"


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = six_task_store(tmp_path, monkeypatch, USERS)
    btc, vpcp = accounts.get_user(path, "btc"), accounts.get_user(path, "vpcp")
    done = ReportFields(
        status_reported="completed", completed_on=dt.date(2025, 9, 20), evidence_text=EVIDENCE
    )
    reporting.save_report(path, btc, "t1", done)  # a claim awaiting confirmation
    asked = reporting.request_deadline(path, btc, "t2", EXTENDED_TO, "Chờ ý kiến Bộ Tư pháp")
    reporting.approve_request(path, vpcp, asked["request_id"])
    promise = ReportFields(
        status_reported="in_progress",
        progress_note="Đã hoàn thiện dự thảo",
        cause_codes=("funding", "staffing"),
        cause_text="Dự toán chờ phê duyệt",
        commitment_date=dt.date(2025, 10, 1),
        proposals=PROPOSAL,
        confidence="amber_red",
    )
    reporting.save_report(path, btc, "t6", promise)  # missed by LATER
    return path


def by_id(report):
    return {x.task_id: x for x in report.tasks}


def approved_day(db) -> dt.date:
    frame = store.load_tasks(db, LATER, Filters(), Scope.everything()).set_index("task_id")
    return (frame.loc["t2", "deadline_approved_at"] + dt.timedelta(hours=7)).date()


# --------------------------------------------------------------------------- from the store


def test_the_report_of_mof_from_the_store(db):
    report = agency_report_from_store(db, "mof", LATER)
    assert (report.agency_id, report.agency_name_vi, report.doc_code) == (
        "mof",
        "Bộ Tài chính",
        "BTC",
    )
    assert report.as_of == LATER and report.sources == ("Nghị quyết 71/NQ-CP",)
    assert report.made_at.utcoffset() == dt.timedelta(hours=7)
    tasks = by_id(report)
    assert set(tasks) == {"t1", "t2", "t6"}  # t6 is shared with Hà Nội
    assert report.counts["total"] == 3 and report.counts["overdue"] == 3
    assert (report.reported_completed, report.commitments_missed) == (1, 1)

    claimed = tasks["t1"]  # the pending claim
    assert claimed.status == "overdue" and claimed.claim_pending_on == dt.date(2025, 9, 20)
    assert claimed.evidence == EVIDENCE and claimed.completion_date is None

    moved = tasks["t2"]  # the adjusted deadline
    assert moved.deadline == EXTENDED_TO and moved.deadline_original == dt.date(2025, 9, 30)
    assert moved.deadline_approved_on == approved_day(db) and moved.days_overdue == 5
    assert tasks["t1"].deadline_original is None  # only when adjusted

    missed = tasks["t6"]
    assert missed.commitment_missed and missed.commitment_date == dt.date(2025, 10, 1)
    assert missed.causes == (
        "Chưa bố trí được kinh phí (khách quan)",
        "Thiếu nhân lực, chuyên môn (chủ quan)",
    )
    assert (missed.cause_text, missed.proposals, missed.confidence) == (
        "Dự toán chờ phê duyệt",
        PROPOSAL,
        "amber_red",
    )
    assert missed.progress_note == "Đã hoàn thiện dự thảo"

    english = by_id(agency_report_from_store(db, "Ministry of Finance", LATER, "en"))
    assert english["t6"].causes[0] == "Funding not yet allocated (objective)"


def test_the_latest_date_a_province_and_an_unknown_agency(db):
    assert agency_report_from_store(db, "mof").as_of == store.latest_as_of(db)
    hanoi = agency_report_from_store(db, "p01", LATER)
    assert hanoi.agency_name_vi == "Ủy ban nhân dân thành phố Hà Nội" and hanoi.doc_code == "UBND"
    assert set(by_id(hanoi)) == {"t3", "t4", "t6"}
    with pytest.raises(UnknownAgency) as exc:
        agency_report_from_store(db, "Bộ Không Tồn Tại", LATER)
    assert isinstance(exc.value, ValueError)
    assert "Bộ Không Tồn Tại" in exc.value.text("vi") and "No agency" in exc.value.text("en")


# --------------------------------------------------------------------------- the command line


def cli(db, *args):
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "report", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout), done.stderr


def docx_lines(payload: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(payload))
    cells = [p.text for tb in document.tables for c in tb._cells for p in c.paragraphs]
    return [p.text for p in document.paragraphs] + cells


def test_the_cli_writes_the_docx_with_the_overdue_tasks(db, tmp_path):
    code, doc, err = cli(db, "--agency", "mof", "--format", "docx", "--as-of", "2025-10-15",
                         "--out", str(tmp_path) + "/")  # fmt: skip
    assert code == 0, (doc, err)
    path = tmp_path / "bao-cao-BTC-2025-10-15.docx"
    assert doc == {
        "path": str(path),
        "agency_id": "mof",
        "format": "docx",
        "tasks": 3,
        "bytes": path.stat().st_size,
        "as_of": "2025-10-15",
        "lang": "vi",
    }
    lines = docx_lines(path.read_bytes())
    text = "\n".join(lines)
    assert "Tình hình thực hiện nhiệm vụ được giao của Bộ Tài chính" in text
    assert "1. Quá hạn chưa hoàn thành (3 nhiệm vụ)" in lines
    for title in ("Nhiệm vụ t1", "Nhiệm vụ t2", "Nhiệm vụ t6"):
        assert any(line.endswith(". " + title) for line in lines), title
    approved = approved_day(db).strftime("%d/%m/%Y")
    for expected in (
        "- Nguyên nhân: Chưa bố trí được kinh phí (khách quan); Thiếu nhân lực, chuyên môn "
        "(chủ quan). Dự toán chờ phê duyệt",
        "- Cam kết hoàn thành: 01/10/2025 (đã quá hạn cam kết)",
        "- Đề xuất, kiến nghị: " + PROPOSAL,
        "- Thời hạn: 10/10/2025 (thời hạn điều chỉnh từ 30/09/2025 sang 10/10/2025, duyệt ngày "
        f"{approved}); quá hạn 5 ngày.",
        "- Đã báo cáo hoàn thành ngày 20/09/2025, chờ xác nhận (mục III).",
        "- Văn bản, sản phẩm: " + EVIDENCE,
        "Số:        /BC-BTC",
    ):
        assert expected in lines, expected
    assert "Nhiệm vụ t3" not in text  # Hà Nội's


def test_the_cli_writes_the_pdf_in_english(db, tmp_path):
    out = tmp_path / "mof.pdf"
    code, doc, err = cli(db, "--agency", "Bộ Tài chính", "--format", "pdf", "--document", "agency",
                         "--as-of", "2025-10-15", "--out", str(out), "--lang", "en")  # fmt: skip
    assert code == 0, (doc, err)
    assert doc["path"] == str(out) and doc["bytes"] == out.stat().st_size
    text = " ".join(p.extract_text() for p in PdfReader(out).pages)
    assert "Ministry of Finance" in text and "Nhiệm vụ t6" in text
    assert "commitment missed" in " ".join(text.split())


def test_the_cli_refuses_an_unknown_agency_and_keeps_the_briefing(db, tmp_path):
    out = tmp_path / "x.docx"
    code, doc, _ = cli(db, "--agency", "Bộ Không Tồn Tại", "--format", "docx", "--out", str(out))
    assert code == 2 and not out.exists()
    error = doc["errors"][0]
    assert error["code"] == "unknown_agency" and "Bộ Không Tồn Tại" in error["message_vi"]
    code, doc, _ = cli(db, "--format", "docx", "--out", str(out))  # which agency?
    assert code == 2 and doc["errors"][0]["code"] == "bad_arguments" and not out.exists()
    # --format pdf with one --agency is the agency's report; --document briefing the briefing
    code, doc, err = cli(db, "--agency", "mof", "--format", "pdf", "--out", str(tmp_path / "a.pdf"))
    assert code == 0 and doc["agency_id"] == "mof" and doc["format"] == "pdf", err
    code, doc, err = cli(db, "--agency", "mof", "--format", "pdf", "--document", "briefing",
                         "--out", str(tmp_path / "b.pdf"))  # fmt: skip
    assert code == 0 and doc["out"] == str(tmp_path / "b.pdf") and doc["pages"] >= 1, err


# --------------------------------------------------------------------------- the page's buttons


def _buttons_script(path: str, agency_id: str, as_of) -> None:
    from ui.agency_report import agency_report_buttons

    agency_report_buttons(path, agency_id, as_of, "vi", None)


@pytest.mark.usefixtures("app_clean")
def test_the_buttons_offer_both_files(db, monkeypatch):
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import AppTest

    deferred: dict[str, tuple] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kw)
        deferred[file_name] = (self, file_id)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    at = AppTest.from_function(_buttons_script, args=(str(db), "mof", LATER), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    buttons = {b.key: b for b in at.download_button}
    assert set(buttons) == {"ag_report_docx", "ag_report_pdf"}
    assert buttons["ag_report_docx"].label == "Báo cáo của cơ quan (Word)"
    files = {}
    for name in ("bao-cao-BTC-2025-10-15.docx", "bao-cao-BTC-2025-10-15.pdf"):
        manager, file_id = deferred[name]
        url = manager.execute_deferred(file_id)  # what the browser's request runs
        files[name] = manager._storage.get_file(url.rsplit("/", 1)[-1]).content
    lines = docx_lines(files["bao-cao-BTC-2025-10-15.docx"])
    assert "- Cam kết hoàn thành: 01/10/2025 (đã quá hạn cam kết)" in lines
    assert files["bao-cao-BTC-2025-10-15.pdf"].startswith(b"%PDF")
    exports = audit.read(db)
    targets = exports.loc[exports["action"] == "export", "target"].tolist()
    assert sorted(targets) == ["agency_report_docx", "agency_report_pdf"]
