"""What agencies reported, on the briefing (issue 15 points 2, 4, 5): the page, the PDF (also from
the command line) and the workbook show the official figure with the reconciled one beside it,
the tasks reported completed awaiting confirmation, the missed commitments by agency, the open
report round (who has reported, who has not, who is stale) and the adjusted deadline in words;
formula-like evidence stays inert text in the workbook."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from pypdf import PdfReader

from analytics import accounts, reporting, reports
from analytics.i18n import t
from analytics.model import Filters, Scope
from analytics.reporting import ReportFields, words
from tests.helpers import ROOT, assert_clean, open_page, six_task_store
from ui.html import esc

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")

LATER = dt.date(2025, 10, 15)  # every task of the six-task store past its deadline (30/09/2025)
EXTENDED_TO = dt.date(2025, 10, 5)  # t3's approved new deadline: still overdue at LATER
EVIDENCE = '=HYPERLINK("http://x","y")'
USERS = {
    "btc": ("agency_editor", ("mof",)),
    "hanoi": ("agency_editor", ("p01",)),
    "vpcp": ("coordinator", ()),
}
ROUND = "Báo cáo tháng 9"
XLSX_HEAD = 3  # the title row, a blank row, then the header row


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A round open for every agency; then Bộ Tài chính reports t1 completed (a formula-like
    evidence text) and t2 stuck past its commitment; Hà Nội's t3 extended to 05/10/2025 (a
    request, not a report: Hà Nội has not reported in the round and never reported, so stale);
    the coordinator reports Bộ KH&CN's t5 past its commitment."""
    path = six_task_store(tmp_path, monkeypatch, USERS)
    btc, hanoi, vpcp = (accounts.get_user(path, u) for u in ("btc", "hanoi", "vpcp"))
    reporting.start_round(path, vpcp, ROUND, dt.date(2025, 10, 10))
    done = ReportFields(
        status_reported="completed", completed_on=dt.date(2025, 9, 20), evidence_text=EVIDENCE
    )
    reporting.save_report(path, btc, "t1", done)
    stuck = ReportFields(
        status_reported="stuck",
        cause_codes=("funding", "staffing"),
        commitment_date=dt.date(2025, 10, 1),
        confidence="amber_red",
    )
    reporting.save_report(path, btc, "t2", stuck)
    asked = reporting.request_deadline(path, hanoi, "t3", EXTENDED_TO, "Chờ ý kiến Bộ Tư pháp")
    reporting.approve_request(path, vpcp, asked["request_id"])
    late = ReportFields(status_reported="in_progress", commitment_date=dt.date(2025, 8, 15))
    reporting.save_report(path, vpcp, "t5", late)
    return path


def briefing_data(db, lang="vi") -> reports.BriefingData:
    return reports.build_briefing(db, LATER, Filters(), Scope.everything(), lang)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def pdf_text(payload: bytes) -> str:
    return flat(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(payload)).pages))


def unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# --------------------------------------------------------------------------- the figures


def test_the_briefing_data_holds_what_agencies_reported(db):
    data = briefing_data(db)
    assert data.reconciled["reported_completed"] == 1
    assert data.reconciled_sentence("vi") == (
        "6 nhiệm vụ, 6 quá hạn; trong đó 1 đã báo cáo hoàn thành, chờ xác nhận "
        "(1 trong số quá hạn); nếu được xác nhận: 1 hoàn thành."
    )
    assert data.claimed["task_id"].tolist() == ["t1"]
    missed = data.missed.set_index("agency_id")
    assert missed["n"].to_dict() == {"most": 1, "mof": 1}
    assert missed.loc["mof", "task_ids"] == ("t2",)
    assert data.reported_completed_by_agency() == {"mof": 1, "most": 0, "p01": 0}
    status = data.report_round
    assert status.title == ROUND and status.due_on == dt.date(2025, 10, 10)
    assert status.reported == ("mof", "most") and status.not_reported == ("p01",)
    assert status.stale == ("p01",)


def test_without_reports_the_sentence_is_the_official_figure_alone(tmp_path, monkeypatch):
    path = six_task_store(tmp_path, monkeypatch, {})
    data = briefing_data(path)
    assert data.reconciled_sentence("vi") == "6 nhiệm vụ, 6 quá hạn."
    assert data.claimed.empty and data.missed.empty and data.report_round is None
    text = pdf_text(reports.briefing_pdf(data, "vi"))
    assert "6 nhiệm vụ, 6 quá hạn." in text
    assert t("briefing_reported.claims_title", "vi") not in text
    assert t("briefing_reported.round_title", "vi") not in text


# --------------------------------------------------------------------------- the page


def test_the_page_shows_the_sentence_the_missed_commitments_and_the_round(db):
    at = open_page("briefing", as_of=LATER)  # a guest reads the briefing
    assert_clean(at)
    captions = [c.value for c in at.caption]
    expected = esc(briefing_data(db).reconciled_sentence("vi"))
    assert expected in captions
    assert any("1 đã báo cáo hoàn thành, chờ xác nhận" in unescaped(c) for c in captions)

    subheaders = [s.value for s in at.subheader]
    assert "Cam kết không đạt" in subheaders and "Đợt báo cáo đang mở" in subheaders
    missed = next(d.value for d in at.dataframe if "Số nhiệm vụ không đạt cam kết" in d.value)
    assert missed["Cơ quan"].tolist() == ["Bộ Khoa học và Công nghệ", "Bộ Tài chính"]
    assert missed["Số nhiệm vụ không đạt cam kết"].tolist() == [1, 1]
    assert missed["Các nhiệm vụ"].tolist() == ["t5 – Nhiệm vụ t5", "t2 – Nhiệm vụ t2"]

    lines = [unescaped(m.value) for m in at.markdown]
    assert f"Đợt báo cáo «{ROUND}», hạn 10/10/2025: 2/3 cơ quan đã báo cáo" in lines
    assert "Chưa báo cáo: Hà Nội." in lines
    assert "Quá 14 ngày chưa báo cáo (chưa cập nhật): Hà Nội." in lines


def test_the_page_in_english_without_reports_shows_only_the_official_figure(tmp_path, monkeypatch):
    six_task_store(tmp_path, monkeypatch, {})
    at = open_page("briefing", "en", as_of=LATER)
    assert_clean(at)
    assert esc("6 tasks, 6 overdue.") in [c.value for c in at.caption]
    subheaders = [s.value for s in at.subheader]
    assert "Missed commitments" not in subheaders and "Open report round" not in subheaders


# --------------------------------------------------------------------------- the PDF


def assert_reported_pdf(text: str, data: reports.BriefingData) -> None:
    assert data.reconciled_sentence("vi") in text
    assert "Nhiệm vụ đã báo cáo hoàn thành, chờ xác nhận" in text
    assert f"t1 Nhiệm vụ t1 Bộ Tài chính 20/09/2025 {EVIDENCE}" in text  # the claims table
    assert "thời hạn điều chỉnh từ 30/09/2025 sang 05/10/2025, duyệt ngày" in text
    assert "Cam kết không đạt" in text and "t2 – Nhiệm vụ t2" in text
    assert f"Đợt báo cáo «{ROUND}», hạn 10/10/2025: 2/3 cơ quan đã báo cáo" in text
    assert "Chưa báo cáo: Hà Nội." in text
    # the agency table's last column: reported completed, awaiting confirmation
    assert "Bộ Tài chính 3 3 0 0 3 3 0,0% 1" in text


def test_the_pdf_has_the_sentence_the_claims_the_adjusted_deadline_and_the_round(db):
    data = briefing_data(db)
    assert_reported_pdf(pdf_text(reports.briefing_pdf(data, "vi")), data)
    english = pdf_text(reports.briefing_pdf(briefing_data(db, "en"), "en"))
    assert "of them 1 reported completed, awaiting confirmation" in english
    assert "deadline moved from 30/09/2025 to 05/10/2025" in english


def test_the_command_line_pdf_has_the_same_content(db, tmp_path):
    out = tmp_path / "briefing.pdf"
    cmd = [sys.executable, "-m", "analytics", "report", "--db", str(db)]
    cmd += ["--as-of", LATER.isoformat(), "--format", "pdf", "--out", str(out)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["out"] == str(out)
    assert_reported_pdf(pdf_text(out.read_bytes()), briefing_data(db))


# --------------------------------------------------------------------------- the workbook


def rows_of(ws) -> list[dict]:
    head = [c.value for c in ws[XLSX_HEAD]]
    return [
        dict(zip(head, r, strict=True))
        for r in ws.iter_rows(min_row=XLSX_HEAD + 1, values_only=True)
    ]


def test_the_workbook_has_the_reported_columns_and_neutralises_formula_like_evidence(db):
    payload = reports.briefing_xlsx(briefing_data(db), "vi")
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                xml = zf.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name
    wb = openpyxl.load_workbook(io.BytesIO(payload))
    ws = wb["Báo cáo của cơ quan"]
    rows = {r["Mã nhiệm vụ"]: r for r in rows_of(ws)}
    assert sorted(rows) == ["t1", "t2", "t3", "t5"]
    t1 = rows["t1"]
    assert t1["Báo cáo hoàn thành, chờ xác nhận"] == "Có"
    assert t1["Ngày hoàn thành (đơn vị báo cáo)"].date() == dt.date(2025, 9, 20)
    assert t1["Văn bản, sản phẩm (minh chứng)"] == EVIDENCE
    head = [c.value for c in ws[XLSX_HEAD]]
    cell = ws.cell(
        row=XLSX_HEAD + 1 + list(rows).index("t1"),
        column=head.index("Văn bản, sản phẩm (minh chứng)") + 1,
    )
    assert cell.value == EVIDENCE and cell.data_type == "s"
    t2 = rows["t2"]
    assert t2["Ngày cam kết hoàn thành"].date() == dt.date(2025, 10, 1)
    assert t2["Tình trạng cam kết"] == t("pages_reported.missed", "vi")
    assert t2["Mức độ tin cậy"] == words.confidence_label("amber_red", "vi")
    assert t2["Nguyên nhân (đơn vị báo cáo)"] == "; ".join(
        words.cause_labels(("funding", "staffing"), "vi")
    )
    t3 = rows["t3"]
    assert t3["Thời hạn ban đầu"].date() == dt.date(2025, 9, 30)
    assert t3["Thời hạn"].date() == EXTENDED_TO
    assert t3["Điều chỉnh thời hạn đã duyệt"].startswith(
        "thời hạn điều chỉnh từ 30/09/2025 sang 05/10/2025, duyệt ngày"
    )

    overdue = {r["Mã nhiệm vụ"]: r for r in rows_of(wb["Quá hạn"])}
    assert overdue["t3"]["Điều chỉnh thời hạn đã duyệt"] == t3["Điều chỉnh thời hạn đã duyệt"]
    assert not overdue["t1"]["Điều chỉnh thời hạn đã duyệt"]
    ministries = {r["Mã cơ quan"]: r for r in rows_of(wb["Bộ, ngành"])}
    assert ministries["mof"]["Báo cáo hoàn thành, chờ xác nhận"] == 1
    assert ministries["most"]["Báo cáo hoàn thành, chờ xác nhận"] == 0
    summary = {r[0]: r[1] for r in wb["Tổng hợp"].iter_rows(min_row=4, values_only=True)}
    assert summary["Kể cả nhiệm vụ đã báo cáo hoàn thành"] == briefing_data(db).reconciled_sentence(
        "vi"
    )
    assert summary["Cam kết không đạt"] == 2
    assert summary["Đợt báo cáo đang mở"].startswith(f"Đợt báo cáo «{ROUND}»")


def test_the_report_files_key_changes_with_what_agencies_reported(db):
    """The briefing's files are cached by snapshots and by what agencies reported: a decision
    (no new snapshot) makes a new key, a read does not."""
    from ui import data

    before = data.reporting_stamp()
    assert data.reporting_stamp() == before
    claim_id = int(reporting.claims(db)["claim_id"].iloc[0])
    reporting.confirm_claim(db, accounts.get_user(db, "vpcp"), claim_id)
    assert data.reporting_stamp() != before
