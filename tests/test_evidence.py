"""Evidence files (analytics/reporting/evidence.py): a real PDF (fpdf2) and DOCX (python-docx)
are accepted and kept by hash; every refusal names the file, says what to do in both languages
and never shows a library's words."""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
import zlib

import pytest
from docx import Document
from fpdf import FPDF

from analytics.reporting.evidence import (
    MAX_EVIDENCE_BYTES,
    Evidence,
    EvidenceRejected,
    checked,
)

LIBRARY_WORDS = ("Error", "Exception", "zipfile", "zlib", "Traceback", "BadZip")


def _pdf(**encryption) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Van ban so 123/BC-BTC ngay 20/8/2025")
    if encryption:
        pdf.set_encryption(**encryption)
    return bytes(pdf.output())


def _docx() -> bytes:
    doc = Document()
    doc.add_paragraph("Báo cáo tình hình thực hiện nhiệm vụ")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _rezip(data: bytes, extra: dict[str, bytes] = {}, replace: dict[str, bytes] = {}) -> bytes:  # noqa: B006
    """The package `data` with members added (`extra`) or rewritten (`replace`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for zi in src.infolist():
            body = replace.get(zi.filename, src.read(zi.filename))
            dst.writestr(zi.filename, body, compress_type=zipfile.ZIP_DEFLATED)
        for name, body in extra.items():
            dst.writestr(zipfile.ZipInfo(name), body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _hand_pdf(body: bytes) -> bytes:
    return b"%PDF-1.4\n" + body + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _refused(data: bytes, name: str, code: str) -> EvidenceRejected:
    with pytest.raises(EvidenceRejected) as info:
        checked(data, name)
    exc = info.value
    assert exc.code == code, (exc.code, exc.message)
    assert str(exc) == exc.message and exc.text("vi") == exc.message_vi
    for text in (exc.message, exc.message_vi):
        assert exc.file_name in text
        assert not any(word in text for word in LIBRARY_WORDS), text
    assert exc.message != exc.message_vi
    return exc


# --------------------------------------------------------------------------- accepted


def test_a_real_pdf_is_accepted_and_kept_by_hash():
    data = _pdf()
    ev = checked(data, "Báo cáo số 123.pdf")
    assert ev == Evidence("Báo cáo số 123.pdf", "pdf", hashlib.sha256(data).hexdigest(), len(data))


def test_a_real_docx_is_accepted():
    data = _docx()
    ev = checked(data, "bao-cao.docx")
    assert (ev.kind, ev.file_name, ev.size_bytes) == ("docx", "bao-cao.docx", len(data))
    assert ev.sha256 == hashlib.sha256(data).hexdigest()


def test_an_encrypted_pdf_is_accepted():
    ev = checked(_pdf(owner_password="chu-so-huu"), "mat.pdf")
    assert ev.kind == "pdf"


def test_the_content_decides_the_kind_and_the_name_gets_its_extension():
    assert checked(_pdf(), "bao-cao").file_name == "bao-cao.pdf"
    assert checked(_docx(), "bao-cao.txt").file_name == "bao-cao.txt.docx"
    assert checked(_pdf(), "BAO-CAO.PDF").file_name == "BAO-CAO.pdf"


# --------------------------------------------------------------------------- file names


def test_path_parts_are_dropped():
    assert checked(_pdf(), "..\\..\\x.pdf").file_name == "x.pdf"
    assert checked(_pdf(), "../../etc/x.pdf").file_name == "x.pdf"
    assert checked(_pdf(), "C:\\Users\\a\\Báo cáo.pdf").file_name == "Báo cáo.pdf"


def test_control_characters_are_dropped_and_vietnamese_kept():
    name = checked(_pdf(), "bá\x00o\x07 cá\x1fo\x7f tháng 8\u0085.pdf").file_name
    assert name == "báo cáo tháng 8.pdf"
    decomposed = unicodedata.normalize("NFD", "Kết quả thực hiện.docx")
    assert checked(_docx(), decomposed).file_name == "Kết quả thực hiện.docx"


def test_a_long_name_is_cut_to_120_characters_keeping_the_extension():
    name = checked(_pdf(), "ệ" * 500 + ".pdf").file_name
    assert len(name) == 120 and name.endswith(".pdf") and name.startswith("ệệệ")


@pytest.mark.parametrize("raw", ["", "   ", "..\\..\\", "a/b/", "\x00\x01", None])
def test_a_name_empty_after_cleaning_gets_the_default(raw):
    assert checked(_pdf(), raw).file_name == "minh-chung.pdf"
    assert checked(_docx(), raw).file_name == "minh-chung.docx"


def test_an_extension_alone_keeps_it():
    assert checked(_pdf(), ".pdf").file_name == "minh-chung.pdf"
    assert checked(_docx(), "..docx").file_name == "minh-chung.docx"


# --------------------------------------------------------------------------- refused


def test_an_empty_file():
    exc = _refused(b"", "bao-cao.pdf", "empty_file")
    assert exc.message_vi.startswith("Tệp minh chứng 'bao-cao.pdf' trống")
    _refused(b" \r\n\x00" * 10, "bao-cao.pdf", "empty_file")


def test_a_file_over_20_mb():
    data = b"%PDF-" + bytes(MAX_EVIDENCE_BYTES + 1 - 5)
    assert len(data) == MAX_EVIDENCE_BYTES + 1
    exc = _refused(data, "lon.pdf", "file_too_large")
    assert "20,1 MB" in exc.message_vi and "tối đa 20 MB" in exc.message_vi
    assert "20.1 MB" in exc.message and "the limit is 20 MB" in exc.message
    checked(_pdf() + b" " * 16, "ok.pdf")  # trailing spaces after %%EOF are fine


@pytest.mark.parametrize(
    ("data", "said_vi", "said_en"),
    [
        (b"MZ\x90\x00\x03" + bytes(400), "như .exe", "an .exe"),
        (b"\x7fELF\x02\x01\x01" + bytes(400), "chương trình", "a program"),
        (b"<!DOCTYPE html><html><body>%PDF-1.4</body></html>", "trang web", "a web page"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Office định dạng cũ", "old-format"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "tệp ảnh", "an image"),
        (b"{\\rtf1\\ansi hello}", "RTF", "RTF"),
        (b"just some words", "không rõ loại", "unknown kind"),
    ],
)
def test_another_kind_renamed_to_pdf(data, said_vi, said_en):
    exc = _refused(data, "bao-cao.pdf", "unsupported_format")
    assert said_vi in exc.message_vi and said_en in exc.message
    assert "PDF" in exc.message_vi and ".docx" in exc.message_vi  # says what to send instead


def test_an_excel_workbook_renamed_to_docx():
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    exc = _refused(buf.getvalue(), "bao-cao.docx", "unsupported_format")
    assert "sổ tính Excel" in exc.message_vi


def test_a_pdf_named_docx_and_a_docx_named_pdf():
    exc = _refused(_pdf(), "bao-cao.docx", "name_content_mismatch")
    assert ".docx" in exc.message_vi and "PDF" in exc.message_vi
    exc = _refused(_docx(), "bao-cao.pdf", "name_content_mismatch")
    assert "DOCX" in exc.message and ".pdf" in exc.message


def test_a_docm_with_macros():
    _refused(_rezip(_docx(), {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"}), "a.docx", "macro")
    plain = _docx()
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        types = zf.read("[Content_Types].xml")
    docm_types = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    assert docm_types != types
    exc = _refused(_rezip(plain, replace={"[Content_Types].xml": docm_types}), "a.docm", "macro")
    assert "macro" in exc.message_vi and "(.docx)" in exc.message_vi


def test_a_zip_bomb():
    bomb = _rezip(_docx(), {"word/media/image1.png": bytes(8 * 1024 * 1024)})
    assert len(bomb) < 200_000
    exc = _refused(bomb, "bom.docx", "zip_bomb")
    assert "bom nén" in exc.message_vi


def test_a_member_inflating_beyond_its_declared_size():
    """Declared sizes lie: the central directory says word/document.xml is 10 bytes long."""
    raw = bytearray(_docx())
    start = raw.find(b"PK\x01\x02")
    while start >= 0:
        name_len = int.from_bytes(raw[start + 28 : start + 30], "little")
        if raw[start + 46 : start + 46 + name_len] == b"word/document.xml":
            raw[start + 24 : start + 28] = (10).to_bytes(4, "little")
        start = raw.find(b"PK\x01\x02", start + 4)
    _refused(bytes(raw), "noi-dung.docx", "zip_bomb")


@pytest.mark.parametrize("member", ["../../evil.txt", "/etc/passwd", "word/../../x.xml", "C:/x"])
def test_a_member_with_an_unsafe_path(member):
    exc = _refused(_rezip(_docx(), {member: b"x"}), "a.docx", "unsafe_path")
    assert "/" not in exc.message.split("'")[3]  # the entry is shown without real slashes


def test_a_damaged_docx():
    data = _docx()
    _refused(data[: len(data) // 2], "hong.docx", "damaged_file")
    _refused(b"PK\x03\x04" + bytes(300), "hong.docx", "damaged_file")


def test_a_zip_that_is_not_a_word_document():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    exc = _refused(buf.getvalue(), "a.docx", "unsupported_format")
    assert "không phải văn bản Word" in exc.message_vi


@pytest.mark.parametrize(
    ("obj", "said"),
    [
        (b"<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>", "JavaScript"),
        (b"<< /Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (x) >> >>", "JavaScript"),
        (b"<< /Type /Catalog /OpenAction << /S /Launch /F (calc.exe) >> >>", "Launch"),
        (b"<< /Type /Catalog /Names << /EmbeddedFiles 2 0 R >> >>", "nhúng"),
    ],
)
def test_a_pdf_with_active_content(obj, said):
    exc = _refused(_hand_pdf(b"1 0 obj\n" + obj + b"\nendobj"), "x.pdf", "pdf_active_content")
    assert said in exc.message_vi


def test_javascript_hidden_in_an_object_stream():
    inner = b"2 0 << /S /JavaScript /JS (app.alert(1)) >>"
    packed = zlib.compress(inner)
    obj = (
        b"3 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream\nendobj"
    )
    _refused(_hand_pdf(obj), "an.pdf", "pdf_active_content")
    harmless = obj.replace(packed, zlib.compress(b"2 0 << /Type /Page >>"))
    assert checked(_hand_pdf(harmless), "ok.pdf").kind == "pdf"
    broken = obj.replace(packed, b"not flate data at all")
    _refused(_hand_pdf(broken), "hong.pdf", "pdf_unreadable")


def test_an_embedded_file_made_by_fpdf2(tmp_path):
    attached = tmp_path / "dinh-kem.txt"
    attached.write_text("x", encoding="utf-8")
    pdf = FPDF()
    pdf.add_page()
    pdf.embed_file(attached)
    _refused(bytes(pdf.output()), "co-dinh-kem.pdf", "pdf_active_content")


def test_a_pdf_cut_short():
    data = _pdf()
    exc = _refused(data[: len(data) // 2], "cat.pdf", "damaged_file")
    assert "xuất lại PDF" in exc.message_vi
