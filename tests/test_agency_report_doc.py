"""The agency's report document (issue 15, point 6): the DOCX read back with python-docx and the
PDF with pypdf, so what is checked is what a ministry opens, edits and signs."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt
from pypdf import PdfReader

from analytics.reports.agency_report import (
    AgencyReport,
    ReportTask,
    agency_docx,
    agency_pdf,
    agency_report_name,
)

D = dt.date
NQ71 = "Nghị quyết 71/NQ-CP"
AS_OF = D(2025, 8, 20)
MADE = dt.datetime(2025, 8, 21, 9, 30)

OVERDUE_LONG = ReportTask(
    NQ71,
    "NQ71-12",
    "Xây dựng cơ sở dữ liệu quốc gia về khoa học, công nghệ và đổi mới sáng tạo",
    "overdue",
    D(2025, 6, 30),
    days_overdue=51,
    causes=("Khách quan: thiếu kinh phí", "Chủ quan: phối hợp chưa chặt chẽ"),
    cause_text="Dự toán chờ phê duyệt",
    progress_note="Đã hoàn thiện dự thảo đề án",
    commitment_date=D(2025, 8, 1),
    commitment_missed=True,
    proposals="Đề nghị Bộ Tài chính bổ sung kinh phí năm 2025",
    confidence="amber_red",
)
CLAIMED = ReportTask(
    NQ71,
    "NQ71-20",
    "Báo cáo đánh giá tình hình chuyển đổi số",
    "in_progress",
    D(2025, 9, 30),
    claim_pending_on=D(2025, 8, 18),
    completion_date=D(2025, 8, 15),
    evidence="Văn bản số 123/BC-BTC ngày 18/8/2025",
)
ADJUSTED = ReportTask(
    NQ71,
    "NQ71-31",
    "Ban hành thông tư hướng dẫn thi hành",
    "overdue",
    D(2025, 7, 31),
    deadline_original=D(2025, 6, 30),
    deadline_approved_on=D(2025, 6, 15),
    days_overdue=20,
    commitment_date=D(2025, 9, 15),
    confidence="green",
)
ON_TIME = ReportTask(
    NQ71,
    "NQ71-40",
    "Tổng kết thí điểm",
    "completed_on_time",
    D(2025, 7, 1),
    completion_date=D(2025, 6, 28),
)
LATE = ReportTask(
    NQ71,
    "NQ71-41",
    "Sửa đổi quy chế phối hợp",
    "completed_late",
    D(2025, 7, 1),
    completion_date=D(2025, 7, 11),
    days_late=10,
    causes=("Khách quan: chờ ý kiến các bộ",),
)
CANCELLED = ReportTask(NQ71, "NQ71-50", "Nhiệm vụ đã được đưa ra khỏi danh mục", "cancelled", None)
TASKS = (ADJUSTED, ON_TIME, CLAIMED, LATE, CANCELLED, OVERDUE_LONG)
COUNTS = {
    "total": 5,
    "completed": 2,
    "completed_on_time": 1,
    "completed_late": 1,
    "overdue": 2,
    "in_progress": 1,
    "no_deadline": 0,
    "cancelled": 1,
    "due": 4,
    "due_completed": 2,
}


def report(tasks=TASKS, counts=COUNTS, reported=1, missed=1, **kw) -> AgencyReport:
    return AgencyReport(
        agency_id="mof",
        agency_name_vi="Bộ Tài chính",
        agency_name_en="Ministry of Finance",
        as_of=AS_OF,
        made_at=MADE,
        counts=counts,
        reported_completed=reported,
        commitments_missed=missed,
        tasks=tasks,
        sources=(NQ71,),
        **kw,
    )


def docx_paragraphs(payload: bytes) -> list[str]:
    """Every paragraph of the document's body, table cells included, in order."""
    document = docx.Document(io.BytesIO(payload))
    body = document.element.body
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p"))]


def docx_text(payload: bytes) -> str:
    return "\n".join(docx_paragraphs(payload))


def pdf_text(payload: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(payload)).pages)


def squeeze(text: str) -> str:
    """Without whitespace: a PDF wraps long lines anywhere."""
    return re.sub(r"\s+", "", text)


def index_of(lines: list[str], text: str) -> int:
    return next(i for i, line in enumerate(lines) if text in line)


# --------------------------------------------------------------------------- DOCX, Vietnamese


def test_the_vietnamese_report_has_its_header_title_and_figures():
    lines = docx_paragraphs(agency_docx(report()))
    text = "\n".join(lines)
    for expected in (
        "BỘ TÀI CHÍNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hà Nội, ngày 21 tháng 8 năm 2025",
        "BÁO CÁO",
        "Tình hình thực hiện nhiệm vụ được giao của Bộ Tài chính",
        "(số liệu đến ngày 20/08/2025)",
        "I. KẾT QUẢ CHUNG",
        "Tổng số nhiệm vụ được giao: 5 nhiệm vụ, trong đó 4 nhiệm vụ đã đến hạn.",
        "Đã hoàn thành: 2 nhiệm vụ (1 đúng hạn, 1 quá hạn).",
        "trong đó 1 nhiệm vụ đã báo cáo hoàn thành, chờ xác nhận",
        "50,0% (2/4 nhiệm vụ)",
        "Số nhiệm vụ đã quá hạn cam kết mà chưa hoàn thành: 1.",
    ):
        assert expected in text, expected
    assert any(re.fullmatch(r"Số:\s+/BC-……", line) for line in lines)
    assert "0 không có thời hạn" not in text  # a zero the sentence need not carry


def test_the_document_number_takes_the_agency_code():
    assert "/BC-BTC" in docx_text(agency_docx(report(doc_code="BTC")))


def test_overdue_and_late_tasks_with_causes_commitments_and_proposals():
    lines = docx_paragraphs(agency_docx(report()))
    text = "\n".join(lines)
    sec2, sec3 = (
        index_of(lines, "II. NHIỆM VỤ QUÁ HẠN VÀ HOÀN THÀNH MUỘN"),
        index_of(lines, "III. NHIỆM VỤ ĐÃ BÁO CÁO HOÀN THÀNH"),
    )
    late = lines[sec2:sec3]
    # overdue first, the longest overdue first, then the late one
    order = [index_of(late, x.title) for x in (OVERDUE_LONG, ADJUSTED, LATE)]
    assert order == sorted(order)
    assert "1. Quá hạn chưa hoàn thành (2 nhiệm vụ)" in late
    assert "1.1. " + OVERDUE_LONG.title in late
    assert "1.2. " + ADJUSTED.title in late
    assert "2. Hoàn thành quá hạn (1 nhiệm vụ)" in late
    assert "2.1. " + LATE.title in late
    assert not any(ON_TIME.title in x or CLAIMED.title in x for x in late)
    assert not any(CANCELLED.title in x for x in lines)
    for expected in (
        "- Thời hạn: 30/06/2025; quá hạn 51 ngày.",
        "- Nguyên nhân: Khách quan: thiếu kinh phí; Chủ quan: phối hợp chưa chặt chẽ. "
        "Dự toán chờ phê duyệt",
        "- Tình hình thực hiện: Đã hoàn thiện dự thảo đề án",
        "- Cam kết hoàn thành: 01/08/2025 (đã quá hạn cam kết)",
        "- Đề xuất, kiến nghị: Đề nghị Bộ Tài chính bổ sung kinh phí năm 2025",
        "- Mức độ tin cậy hoàn thành: Vàng-Đỏ",
        "- Mức độ tin cậy hoàn thành: Xanh",
        "- Thời hạn: 01/07/2025; hoàn thành ngày 11/07/2025, muộn 10 ngày.",
        "- Nguyên nhân: Khách quan: chờ ý kiến các bộ",
        "- Cam kết hoàn thành: chưa báo cáo",
    ):
        assert expected in late, expected
    assert "Ngoài ra, 1 nhiệm vụ đã hủy" in text


def test_the_adjusted_deadline_sentence():
    text = docx_text(agency_docx(report()))
    assert (
        "- Thời hạn: 31/07/2025 (thời hạn điều chỉnh từ 30/06/2025 sang 31/07/2025, "
        "duyệt ngày 15/06/2025); quá hạn 20 ngày."
    ) in text
    assert "- Cam kết hoàn thành: 15/09/2025" in text.split("\n")
    undated = ReportTask(
        NQ71, "NQ71-61", "Gia hạn chưa rõ ngày duyệt", "overdue", D(2025, 7, 31),
        deadline_original=D(2025, 6, 30), days_overdue=20,
    )  # fmt: skip
    text = docx_text(agency_docx(report(tasks=(undated,))))
    assert "(thời hạn điều chỉnh từ 30/06/2025 sang 31/07/2025); quá hạn 20 ngày." in text
    english = docx_text(agency_docx(report(), "en"))
    assert "deadline moved from 30/06/2025 to 31/07/2025, approved on 15/06/2025" in english


def test_an_overdue_task_with_a_pending_claim_says_so_in_both_sections():
    claimed = ReportTask(
        NQ71, "NQ71-70", "Quá hạn nhưng đã báo cáo hoàn thành", "overdue", D(2025, 7, 31),
        days_overdue=20, claim_pending_on=D(2025, 8, 18),
    )  # fmt: skip
    lines = docx_paragraphs(agency_docx(report(tasks=(claimed,))))
    assert "- Đã báo cáo hoàn thành ngày 18/08/2025, chờ xác nhận (mục III)." in lines
    sec3 = index_of(lines, "III. NHIỆM VỤ ĐÃ BÁO CÁO HOÀN THÀNH")
    assert "1. " + claimed.title in lines[sec3:]
    assert "- Văn bản, sản phẩm: chưa báo cáo" in lines[sec3:]


def test_the_pending_claims_section_and_the_proposals():
    lines = docx_paragraphs(agency_docx(report()))
    sec3 = index_of(lines, "III. NHIỆM VỤ ĐÃ BÁO CÁO HOÀN THÀNH, CHỜ XÁC NHẬN")
    sec4 = index_of(lines, "IV. ĐỀ XUẤT, KIẾN NGHỊ")
    pending = lines[sec3:sec4]
    assert "1. " + CLAIMED.title in pending
    for expected in (
        "- Nguồn: Nghị quyết 71/NQ-CP; mã nhiệm vụ: NQ71-20",
        "- Tình trạng chính thức: Đang thực hiện trong hạn",
        "- Thời hạn: 30/09/2025",
        "- Báo cáo hoàn thành ngày 18/08/2025",
        "- Ngày hoàn thành: 15/08/2025",
        "- Văn bản, sản phẩm: Văn bản số 123/BC-BTC ngày 18/8/2025",
    ):
        assert expected in pending, expected
    assert len([x for x in pending if re.match(r"\d+\. ", x)]) == 1
    proposals = lines[sec4 : index_of(lines, "Nơi nhận:")]
    assert proposals[1:] == [
        "1. " + OVERDUE_LONG.title,
        "- Nguồn: Nghị quyết 71/NQ-CP; mã nhiệm vụ: NQ71-12",
        "- " + OVERDUE_LONG.proposals,
        "",
    ]


def test_the_recipients_and_the_signature_block():
    document = docx.Document(io.BytesIO(agency_docx(report())))
    header, sign = document.tables
    assert len(header.rows) == 1 and len(header.columns) == 2
    assert [p.text for p in sign.rows[0].cells[0].paragraphs] == [
        "Nơi nhận:",
        "- Văn phòng Chính phủ;",
        "- Bộ Khoa học và Công nghệ;",
        "- Lưu: VT.",
    ]
    assert [p.text for p in sign.rows[0].cells[1].paragraphs] == [
        "THỦ TRƯỞNG CƠ QUAN",
        "(Ký, ghi rõ họ tên, đóng dấu)",
    ]
    for table in (header, sign):  # no borders
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        assert {b.get(qn("w:val")) for b in borders} == {"nil"}


def test_the_page_font_and_margins_follow_the_decree():
    document = docx.Document(io.BytesIO(agency_docx(report())))
    section = document.sections[0]
    sizes = [section.page_width, section.page_height, section.top_margin, section.bottom_margin]
    sizes += [section.left_margin, section.right_margin]
    assert [round(x.mm, 1) for x in sizes] == [210, 297, 20, 20, 30, 15]  # stored in twips
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(13)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "Times New Roman"
    assert document.core_properties.author == "Bộ Tài chính"
    # the page number from page 2 on, at the top
    assert section.different_first_page_header_footer
    assert section.header._element.xpath(".//w:fldSimple[@w:instr='PAGE']")


# --------------------------------------------------------------------------- English


def test_the_english_report_has_the_same_structure():
    lines = docx_paragraphs(agency_docx(report(), "en"))
    text = "\n".join(lines)
    for expected in (
        "MINISTRY OF FINANCE",
        "SOCIALIST REPUBLIC OF VIET NAM",
        "Hanoi, 21/08/2025",
        "REPORT",
        "Progress of the tasks assigned to Ministry of Finance",
        "(figures as of 20/08/2025)",
        "1. OVERALL RESULTS",
        "2. OVERDUE AND LATE TASKS",
        "3. TASKS REPORTED COMPLETED, AWAITING CONFIRMATION",
        "4. PROPOSALS AND RECOMMENDATIONS",
        "of these, 1 reported completed, awaiting confirmation",
        "- Committed completion date: 01/08/2025 (commitment missed)",
        "- Delivery confidence: Amber/Red",
        "- Evidence: Văn bản số 123/BC-BTC ngày 18/8/2025",
        "Recipients:",
        "HEAD OF AGENCY",
        "(Signature, full name and seal)",
    ):
        assert expected in text, expected
    assert "1.1. " + OVERDUE_LONG.title in lines
    assert "Nguyên nhân" not in text and "BÁO CÁO" not in text


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError):
        agency_docx(report(), "fr")


# --------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_agency_without_tasks_makes_a_valid_document(lang):
    empty = AgencyReport("moj", "Bộ Tư pháp", "Ministry of Justice", AS_OF, MADE, {}, 0, 0, ())
    payload = agency_docx(empty, lang)
    assert zipfile.ZipFile(io.BytesIO(payload)).testzip() is None
    text = docx_text(payload)
    expected = {
        "vi": [
            "Đến ngày báo cáo, cơ quan không có nhiệm vụ nào được giao.",
            "Không có nhiệm vụ quá hạn hoặc hoàn thành muộn.",
            "Không có nhiệm vụ đã báo cáo hoàn thành đang chờ xác nhận.",
            "Không có đề xuất, kiến nghị.",
            "Chưa có nhiệm vụ nào đến hạn.",
            "THỦ TRƯỞNG CƠ QUAN",
        ],
        "en": [
            "As of the report date, the agency has no task assigned.",
            "No task is overdue or was completed late.",
            "No task reported completed is awaiting confirmation.",
            "No proposals or recommendations.",
            "No task is due yet.",
            "HEAD OF AGENCY",
        ],
    }[lang]
    for line in expected:
        assert line in text, line
    assert pdf_text(agency_pdf(empty, lang))


HOSTILE = "=cmd|' /C calc'!A0 " + "\x00\x07\x1b" + "Nhiệm vụ <b>đậm</b> & {x} \u202e" + "ư" * 2000


def test_a_hostile_title_is_kept_as_plain_text():
    task = ReportTask(
        NQ71,
        "X\x01-1",
        HOSTILE,
        "overdue",
        D(2025, 7, 1),
        days_overdue=50,
        causes=("=1+1",),
        cause_text="line one\nline two\tthree",
        proposals="@SUM(A1)",
    )
    payload = agency_docx(report(tasks=(task,)))
    text = docx_text(payload)
    clean = "=cmd|' /C calc'!A0 Nhiệm vụ <b>đậm</b> & {x} \u202e" + "ư" * 2000
    assert "1.1. " + clean in text
    assert "\x00" not in text and "\x07" not in text and "\x1b" not in text
    assert "- Nguồn: Nghị quyết 71/NQ-CP; mã nhiệm vụ: X-1" in text
    assert "- Nguyên nhân: =1+1. line one line two three" in text
    assert "- Đề xuất, kiến nghị: @SUM(A1)" in text
    assert "<b>" not in zipfile.ZipFile(io.BytesIO(payload)).read("word/document.xml").decode()
    pdf = squeeze(pdf_text(agency_pdf(report(tasks=(task,)))))
    assert squeeze("=cmd|' /C calc'!A0 Nhiệm vụ <b>đậm</b> & {x}") in pdf
    assert pdf.count("ư") >= 2000  # the title goes on over a page break (and its running head)


# --------------------------------------------------------------------------- PDF


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_pdf_has_the_same_tasks_and_sections(lang):
    payload = agency_pdf(report(), lang)
    assert payload.startswith(b"%PDF")
    text = squeeze(pdf_text(payload))
    document = docx_paragraphs(agency_docx(report(), lang))
    for task in (OVERDUE_LONG, ADJUSTED, CLAIMED, LATE):
        assert squeeze(task.title) in text
    assert squeeze(CANCELLED.title) not in text
    for line in document:  # every line of the DOCX is in the PDF
        assert squeeze(line) in text, line


# --------------------------------------------------------------------------- file name


def test_the_file_name():
    assert agency_report_name(report(doc_code="BTC"), "docx") == "bao-cao-BTC-2025-08-20.docx"
    assert agency_report_name(report(), "pdf") == "bao-cao-mof-2025-08-20.pdf"
    assert agency_report_name(report(), "pdf", "en") == "report-mof-2025-08-20.pdf"
    odd = AgencyReport("../Bộ X/..", "Bộ X", "X", AS_OF, MADE, {}, 0, 0, ())
    assert agency_report_name(odd, "docx") == "bao-cao-Bo-X-2025-08-20.docx"
    with pytest.raises(ValueError):
        agency_report_name(report(), "xlsx")
