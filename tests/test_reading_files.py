"""Tests for analytics.reading, text files and refused files: encodings and delimiters of CSV
and text, then damaged, disguised and hostile containers (zip bombs, lying sizes, OLE). Every
input is generated here or by the builders of tests/test_reading.py (the spreadsheet layouts)."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import pytest

from analytics.problems import InputRejected
from analytics.reading import check_container, decode_text, formats, read_table, sniff_format
from tests.test_reading import (
    appendix_workbook,
    cp1258_windows,
    rejected,
    rewrite_zip,
    simple_wb,
    xlsx,
)

# ---------------------------------------------------------------------------------------------
# text files


def test_csv_utf8_bom_semicolon():
    text = 'BÁO CÁO NHIỆM VỤ\nSTT;Nhiệm vụ;Cơ quan chủ trì;Thời hạn\n1;"Xây dựng; ban hành";Bộ Tư pháp;31/12/2025\n'
    data = "\ufeff".encode() + text.encode("utf-8")
    table = read_table(data, "nv.csv")
    assert (table.file_format, table.encoding, table.delimiter) == ("csv", "utf-8-sig", ";")
    assert table.header_row == 2
    assert table.rows[0].row == 3
    assert table.rows[0].values == {
        "row_no": "1",
        "task": "Xây dựng; ban hành",
        "lead_agency": "Bộ Tư pháp",
        "deadline": "31/12/2025",
    }


def test_utf16_tab_unicode_text():
    text = "STT\tNhiệm vụ\tCơ quan chủ trì\r\n1\tChuyển đổi số\tBộ Công an\r\n"
    data = b"\xff\xfe" + text.encode("utf-16-le")
    table = read_table(data, "unicode.txt")
    assert (table.encoding, table.delimiter, table.file_format) == ("utf-16-le", "\t", "tsv")
    assert table.rows[0].values["task"] == "Chuyển đổi số"


def test_cp1258_bytes_are_decoded_and_nfc_normalised():
    nfc_text = "Nhiệm vụ,Cơ quan chủ trì\nĐẩy mạnh tiến độ,Bộ Công Thương\n"
    windows = cp1258_windows(nfc_text)
    assert windows != nfc_text  # really decomposed: "ộ" is "ô" + combining dot below
    data = windows.encode("cp1258")
    text, encoding = decode_text(data)
    assert encoding == "cp1258"
    assert text == nfc_text
    table = read_table(data, "win.csv")
    assert table.rows[0].values["task"] == "Đẩy mạnh tiến độ"
    assert table.rows[0].values["lead_agency"] == "Bộ Công Thương"


def test_decode_text_refuses_undecodable_bytes():
    with pytest.raises(InputRejected) as exc:
        decode_text(b"Nhi\x81m v\x8d")
    assert rejected(exc)[0] == "unknown_encoding"
    assert decode_text(b"\xef\xbb\xbfabc") == ("abc", "utf-8-sig")
    assert decode_text("ộ".encode("utf-16-be").join([b"\xfe\xff", b""])) == ("ộ", "utf-16-be")


def test_ragged_csv_row_is_an_error_and_short_row_is_padded():
    text = (
        "STT,Nhiệm vụ,Cơ quan chủ trì,Thời hạn\n"
        "1,NV một,Bộ Y tế,2025\n"
        "2,NV hai, có dấu phẩy,Bộ Y tế,2026\n"
        "3,NV ba\n"
        "4,NV bốn,Bộ Công an,2027,\n"
    )
    table = read_table(text.encode(), "r.csv")
    (err,) = table.errors
    assert (err.code, err.row, err.value) == ("ragged_row", 3, "5")
    assert [r.row for r in table.rows] == [2, 4, 5]
    assert table.rows[1].values == {
        "row_no": "3",
        "task": "NV ba",
        "lead_agency": None,
        "deadline": None,
    }
    assert table.rows[2].values["lead_agency"] == "Bộ Công an"


def test_csv_ids_stay_text():
    text = "Mã NV|Nhiệm vụ|Cơ quan chủ trì\n007|NV|Bộ Y tế\n0010|NV2|Bộ Y tế\n"
    table = read_table(text.encode(), "ids.txt")
    assert table.delimiter == "|"
    assert [r.values["task_id"] for r in table.rows] == ["007", "0010"]


def test_csv_error_literals_are_row_errors():
    text = "Nhiệm vụ,Cơ quan chủ trì,Thời hạn\nNV,#N/A,2025\n"
    table = read_table(text.encode(), "e.csv")
    assert [(p.code, p.row, p.column, p.value) for p in table.errors] == [
        ("cell_error", 2, "Cơ quan chủ trì", "#N/A")
    ]


# ---------------------------------------------------------------------------------------------
# hostile files


def test_truncated_xlsx_is_refused_as_damaged():
    data = appendix_workbook()
    with pytest.raises(InputRejected) as exc:
        read_table(data[: len(data) // 2], "half.xlsx")
    code, en, vi = rejected(exc)
    assert code == "damaged_file"
    assert "damaged or incomplete" in en and "bị hỏng" in vi


def test_corrupt_member_is_refused_as_damaged():
    data = bytearray(appendix_workbook())
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo("xl/worksheets/sheet1.xml")
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    data[start + 10 : start + 60] = b"\xff" * 50
    with pytest.raises(InputRejected) as exc:
        read_table(bytes(data), "bad.xlsx")
    assert rejected(exc)[0] == "damaged_file"


@pytest.mark.parametrize(
    ("payload", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "executable"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
        (gzip.compress(b""), "gzip"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "executable"),
    ],
)
def test_other_files_renamed_xlsx_are_refused(payload, what):
    for fn in (sniff_format, read_table):
        with pytest.raises(InputRejected) as exc:
            fn(payload, "tasks.xlsx")
        code, en, _ = rejected(exc)
        assert code == "unsupported_format"
        assert what in en


def test_html_saved_as_xls_is_refused_with_advice():
    # a page with a table is read (tests/test_formats.py); one without is refused
    page = "<html><body><p>Nhiệm vụ</p><p>Cơ quan chủ trì</p></body></html>"
    with pytest.raises(InputRejected) as exc:
        read_table(page.encode(), "export.xls")
    code, en, _ = rejected(exc)
    assert code == "unsupported_format" and "web page" in en


def test_binary_garbage_is_refused():
    with pytest.raises(InputRejected) as exc:
        sniff_format(bytes(range(1, 128)) * 20, "x.csv")
    assert rejected(exc)[0] == "unsupported_format"


@pytest.mark.parametrize("payload", [b"", b"  \r\n", b"\xef\xbb\xbf"])
def test_empty_file_is_refused(payload):
    with pytest.raises(InputRejected) as exc:
        read_table(payload, "empty.xlsx")
    code, en, vi = rejected(exc)
    assert code == "empty_file"
    assert "empty" in en and "trống" in vi


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                fh.write(chunk)
    return buf.getvalue()


def test_zip_bomb_is_refused_from_the_directory_without_inflating():
    data = _bomb()
    assert len(data) < 3 * 2**20
    # The sheet's compressed bytes are made garbage: inflating them would fail as a damaged
    # file, so a "zip bomb" refusal can only come from the directory (nothing was inflated).
    zi = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    name_len, extra_len = struct.unpack_from("<HH", data, zi.header_offset + 26)
    start = zi.header_offset + 30 + name_len + extra_len
    data = data[:start] + b"\xff" * zi.compress_size + data[start + zi.compress_size :]
    with pytest.raises(InputRejected) as exc:
        check_container(data)
    code, en, vi = rejected(exc)
    assert code == "zip_bomb"
    assert "zip bomb" in en and "bom nén" in vi
    with pytest.raises(InputRejected) as exc:
        read_table(data, "bomb.xlsx")
    assert rejected(exc)[0] == "zip_bomb"


def test_declared_size_that_lies_is_caught_while_inflating():
    sheet = b"<worksheet>" + b"".join(b'<row r="%d"/>' % i for i in range(20_000)) + b"</worksheet>"
    data = bytearray(xlsx(simple_wb(["Nhiệm vụ", "Cơ quan chủ trì"], [["NV", "Bộ Y tế"]])))
    data = bytearray(
        rewrite_zip(bytes(data), lambda n, b: sheet if n == "xl/worksheets/sheet1.xml" else b)
    )
    check_container(bytes(data))  # honest sizes pass
    # claim 1,000 bytes in the central directory entry of the sheet
    name = b"xl/worksheets/sheet1.xml"
    pos = data.find(b"PK\x01\x02")
    while data[pos + 46 : pos + 46 + len(name)] != name:
        pos = data.find(b"PK\x01\x02", pos + 4)
    struct.pack_into("<I", data, pos + 24, 1000)
    check_container(bytes(data))  # the directory alone cannot tell
    with pytest.raises(InputRejected) as exc:
        read_table(bytes(data), "liar.xlsx")
    assert rejected(exc)[0] == "zip_bomb"


def test_too_many_members_is_refused(monkeypatch):
    monkeypatch.setattr(formats, "MAX_MEMBERS", 5)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(6):
            z.writestr(f"m{i}.xml", "<x/>")
    with pytest.raises(InputRejected) as exc:
        check_container(buf.getvalue())
    code, en, _ = rejected(exc)
    assert code == "zip_bomb" and "6 members" in en


def test_password_protected_ole_is_refused():
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptedPackage".encode("utf-16-le") + b"\x00" * 32
    data = header + directory + b"\x00" * 512
    for fn in (sniff_format, read_table):
        with pytest.raises(InputRejected) as exc:
            fn(data, "secret.xlsx")
        code, en, vi = rejected(exc)
        assert code == "password_protected"
        assert "password" in en and "mật khẩu" in vi


def test_fake_xls_is_refused_without_a_traceback():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le")
    assert sniff_format(data, "old.xls") == "xls"
    with pytest.raises(InputRejected) as exc:
        read_table(data + b"\x00" * 1024, "old.xls")
    assert rejected(exc)[0] == "damaged_file"
