"""Format judgements on the shapes real systems write (issue 12, point 9): workbooks with a
Default content type for .bin parts (SheetJS, macros, printer settings, embedded objects) are
read and only a real .xlsb is refused; a password-protected .xls is told as such; a text file
named .xls is judged by its content (a web page's tables are read, delimited text is read,
anything else is named); and no library text reaches a user. Every file is built here: the
compound files (OLE) and the BIFF8 records by hand, the zip parts with zipfile.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import quopri
import random
import re
import struct
import zipfile

import openpyxl
import pytest

from analytics import sandbox, uploads
from analytics.problems import InputRejected
from analytics.reading import read_table, sniff_format

AS_OF = dt.date(2025, 8, 28)
HEADER = ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"]
ROWS = [[1, "Xây dựng đề án A", "Bộ Tài chính", "31/12/2025"], [2, "Sửa thông tư B", "Bộ Y tế", ""]]


def rejected(exc: pytest.ExceptionInfo) -> tuple[str, str, str]:
    p = exc.value.errors[0]
    return p.code, p.message, p.message_vi


def openpyxl_book(header=HEADER, rows=ROWS) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite(data: bytes, edit, extra: dict[str, bytes] | None = None) -> bytes:
    """The zip with each member passed through edit(name, body), plus extra members."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, edit(info.filename, src.read(info.filename)))
        for name, body in (extra or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def add_default(data: bytes, ext: str, ctype: str, extra: dict[str, bytes]) -> bytes:
    tag = f'<Default Extension="{ext}" ContentType="{ctype}"/>'.encode()

    def edit(name: str, body: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return re.sub(rb"(<Types[^>]*>)", lambda m: m.group(1) + tag, body, count=1)
        return body

    return rewrite(data, edit, extra)


# ---------------------------------------------------------------------------------------------
# hand-written OOXML packages

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XLSB_MAIN = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _xml_text(v: str) -> str:
    return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def package(parts: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return buf.getvalue()


def sheetjs_like(header=HEADER, rows=ROWS) -> bytes:
    """The parts SheetJS writes, at their smallest: a Default content type for .bin parts (the
    .xlsb one, as SheetJS writes into every workbook), inline strings, no shared strings and no
    styles."""
    cells = []
    for r, row in enumerate([header, *rows], start=1):
        cs = []
        for c, v in enumerate(row):
            ref = f"{_col(c)}{r}"
            if isinstance(v, str):
                cs.append(f'<c r="{ref}" t="inlineStr"><is><t>{_xml_text(v)}</t></is></c>')
            else:
                cs.append(f'<c r="{ref}"><v>{v}</v></c>')
        cells.append(f'<row r="{r}">{"".join(cs)}</row>')
    return package(
        {
            "[Content_Types].xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Types xmlns="{CT_NS}"><Default Extension="xml" ContentType="application/xml"/>'
            f'<Default Extension="bin" ContentType="{XLSB_MAIN}"/>'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
            "_rels/.rels": f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
            "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
            "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetData>'
            f"{''.join(cells)}</sheetData></worksheet>",
        }
    )


def xlsb_like(with_rels: bool = True) -> bytes:
    """The package of a real .xlsb: the office document is xl/workbook.bin."""
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": f'<Types xmlns="{CT_NS}">'
        f'<Default Extension="bin" ContentType="{XLSB_MAIN}"/>'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.bin" '
        'ContentType="application/vnd.ms-excel.worksheet"/></Types>',
        "xl/workbook.bin": b"\x83\x01\x00\x84\x01\x00",
        "xl/worksheets/sheet1.bin": b"\x81\x01\x00\x82\x01\x00",
    }
    if with_rels:
        parts["_rels/.rels"] = (
            f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.bin"/></Relationships>'
        )
    return package(parts)


# ---------------------------------------------------------------------------------------------
# hand-written compound files (OLE) and BIFF8 records

ENDOFCHAIN, FREESECT, FATSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD


def compound_file(streams: dict[str, bytes], *, mini: bool = False) -> bytes:
    """A compound file (version 3, 512-byte sectors) with up to three streams under the root.
    A stream sits in regular sectors (padded to 4,096 bytes, the mini stream cutoff), or, with
    mini=True, in the mini stream (64-byte sectors), as small streams do."""
    assert len(streams) <= 3
    fat = [FATSECT, ENDOFCHAIN, ENDOFCHAIN]  # sector 0 FAT, 1 directory, 2 mini FAT
    mini_fat: list[int] = []
    container = b""
    entries = []
    regular: list[bytes] = []
    for name, body in streams.items():
        if mini:
            assert len(body) < 4096
            first = len(container) // 64
            padded = body + b"\x00" * (-len(body) % 64)
            n = len(padded) // 64
            mini_fat += [first + i + 1 for i in range(n - 1)] + [ENDOFCHAIN]
            container += padded
            entries.append((name, first, len(body)))
        else:
            padded = body + b"\x00" * (-len(body) % 512)
            padded += b"\x00" * max(0, 4096 - len(padded))
            regular.append(padded)
            entries.append((name, None, len(padded)))
    container += b"\x00" * (-len(container) % 512)
    sector = 3
    root_start = ENDOFCHAIN
    if container:
        root_start = sector
        n = len(container) // 512
        fat += [sector + i + 1 for i in range(n - 1)] + [ENDOFCHAIN]
        sector += n
    starts = []
    for padded in regular:
        n = len(padded) // 512
        starts.append(sector)
        fat += [sector + i + 1 for i in range(n - 1)] + [ENDOFCHAIN]
        sector += n
    assert len(fat) <= 128 and len(mini_fat) <= 128
    fat += [FREESECT] * (128 - len(fat))
    mini_fat += [FREESECT] * (128 - len(mini_fat))

    def dirent(name, kind, start, size, child=FREESECT, right=FREESECT) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", FREESECT, right, child)
            + b"\x00" * 36
            + struct.pack("<IQ", start, size)
        )

    it = iter(starts)
    ents = [dirent("Root Entry", 5, root_start, len(container), child=1)]
    for i, (name, first, size) in enumerate(entries):
        start = first if mini else next(it)
        ents.append(dirent(name, 2, start, size, right=i + 2 if i + 1 < len(entries) else FREESECT))
    directory = b"".join(ents).ljust(512, b"\x00")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 2, 1, ENDOFCHAIN, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREESECT) * 108
    )
    return (
        header
        + struct.pack("<128I", *fat)
        + directory
        + struct.pack("<128I", *mini_fat)
        + container
        + b"".join(regular)
    )


def _rec(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _bof(kind: int) -> bytes:
    return _rec(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))


FILEPASS_RC4 = _rec(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(range(48)))


def biff8(rows: list[list], *, encrypted: bool = False, sheet: str = "Sheet1") -> bytes:
    """A BIFF8 Workbook stream: globals (BOF, FILEPASS if encrypted, CODEPAGE, BOUNDSHEET,
    EOF), then one worksheet of LABEL and NUMBER cells."""
    name = sheet.encode("utf-16-le")
    head = _bof(0x0005) + (FILEPASS_RC4 if encrypted else b"") + _rec(0x0042, b"\xb0\x04")
    glob_len = len(head) + 4 + 8 + len(name) + 4
    boundsheet = _rec(0x0085, struct.pack("<IBBBB", glob_len, 0, 0, len(sheet), 1) + name)
    cells = []
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, str):
                if v:
                    text = v.encode("utf-16-le")
                    cells.append(_rec(0x0204, struct.pack("<HHHHB", r, c, 0, len(v), 1) + text))
            else:
                cells.append(_rec(0x0203, struct.pack("<HHHd", r, c, 0, float(v))))
    width = max(map(len, rows))
    dims = _rec(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
    sheet_part = _bof(0x0010) + dims + b"".join(cells) + _rec(0x000A)
    return head + boundsheet + _rec(0x000A) + sheet_part


# ---------------------------------------------------------------------------------------------
# 1. a Default content type for .bin parts is no .xlsb


@pytest.mark.parametrize(
    ("ctype", "member"),
    [
        ("application/vnd.ms-office.vbaProject", "xl/printerSettings/printerSettings1.bin"),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings",
            "xl/printerSettings/printerSettings1.bin",
        ),
        ("application/vnd.openxmlformats-officedocument.oleObject", "xl/embeddings/oleObject1.bin"),
        (XLSB_MAIN, "xl/printerSettings/printerSettings1.bin"),  # what SheetJS writes
    ],
)
def test_a_workbook_with_a_default_for_bin_parts_is_read(ctype, member):
    data = add_default(openpyxl_book(), "bin", ctype, {member: b"\x00\x01\x02\x03" * 64})
    assert sniff_format(data, "tasks.xlsx") == "xlsx"
    table = read_table(data, "tasks.xlsx")
    assert table.file_format == "xlsx"
    assert table.columns["task"] == ["Xây dựng đề án A", "Sửa thông tư B"]
    assert table.columns["lead_agency"] == ["Bộ Tài chính", "Bộ Y tế"]


def test_a_sheetjs_workbook_is_read():
    data = sheetjs_like()
    table = read_table(data, "export.xlsx")
    assert (table.file_format, table.sheet, table.header_row) == ("xlsx", "Sheet1", 1)
    assert table.columns["task"] == ["Xây dựng đề án A", "Sửa thông tư B"]
    assert table.columns["deadline"][0] == "31/12/2025"


def test_a_macro_workbook_with_a_vba_project_is_read_as_xlsm():
    data = add_default(
        openpyxl_book(),
        "bin",
        "application/vnd.ms-office.vbaProject",
        {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 60},
    )
    assert read_table(data, "macro.xlsm").file_format == "xlsm"


@pytest.mark.parametrize("with_rels", [True, False])
def test_a_real_xlsb_is_still_refused(with_rels):
    for fn in (sniff_format, read_table):
        with pytest.raises(InputRejected) as exc:
            fn(xlsb_like(with_rels), "binary.xlsb")
        code, en, vi = rejected(exc)
        assert code == "unsupported_format"
        assert ".xlsb" in en and ".xlsb" in vi and "Save it as .xlsx" in en


# ---------------------------------------------------------------------------------------------
# 2. a password-protected .xls


def test_a_hand_written_xls_is_read():
    data = compound_file({"Workbook": biff8([HEADER, *ROWS])})
    table = read_table(data, "old.xls")
    assert table.file_format == "xls"
    assert table.columns["task"] == ["Xây dựng đề án A", "Sửa thông tư B"]


@pytest.mark.parametrize("mini", [False, True], ids=["regular_sectors", "mini_stream"])
def test_a_password_protected_xls_is_reported_as_such(mini):
    data = compound_file({"Workbook": biff8([HEADER, *ROWS], encrypted=True)}, mini=mini)
    for fn in (sniff_format, read_table):
        with pytest.raises(InputRejected) as exc:
            fn(data, "secret.xls")
        code, en, vi = rejected(exc)
        assert code == "password_protected"
        assert "'secret.xls' is password-protected" in en and "mật khẩu" in vi


def test_an_encrypted_xlsx_and_the_xls_get_the_same_words():
    xlsx = compound_file(
        {"EncryptionInfo": b"\x04\x00\x04\x00" + b"\x00" * 60, "EncryptedPackage": b"\x01" * 900}
    )
    xls = compound_file({"Workbook": biff8([HEADER], encrypted=True)})
    texts = []
    for data in (xlsx, xls):
        with pytest.raises(InputRejected) as exc:
            read_table(data, "secret.xlsx")
        texts.append(rejected(exc))
    assert texts[0] == texts[1] and texts[0][0] == "password_protected"


@pytest.mark.parametrize(
    ("stream", "what"),
    [("WordDocument", "Word"), ("PowerPoint Document", "PowerPoint"), ("Contents", "Office")],
)
def test_other_office_files_named_xls_are_named(stream, what):
    with pytest.raises(InputRejected) as exc:
        read_table(compound_file({stream: b"\x00" * 100}), "report.xls")
    code, en, vi = rejected(exc)
    assert code == "unsupported_format" and what in en and "không phải" in vi


# ---------------------------------------------------------------------------------------------
# 3. text named .xls: judged by its content

EXCEL_PAGE = """<html xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=ProgId content=Excel.Sheet>
<style>td {mso-number-format:"\\@";} .t {font-weight:700}</style>
<!--[if gte mso 9]><xml><x:ExcelWorkbook><x:ExcelWorksheets><x:ExcelWorksheet>
<x:Name>DS</x:Name></x:ExcelWorksheet></x:ExcelWorksheets></x:ExcelWorkbook></xml><![endif]-->
<title>Danh sách nhiệm vụ</title><script>var x = "<td>not a cell</td>";</script></head>
<body>
<p align=center class=t>BỘ TÀI CHÍNH</p>
<h3>DANH SÁCH NHIỆM VỤ&nbsp;NĂM 2025</h3>
<table border=1>
<![if supportMisalignedColumns]><tr height=0 style='display:none'><td width=64></td></tr>
<![endif]>
<tr><th rowspan=2>TT</th><th rowspan=2>Tên nhiệm vụ</th><th rowspan=2>Đơn vị /Cá nhân đầu mối</th>
<th rowspan=2>Thời hạn HT</th><th colspan=2>Kết quả thực hiện</th></tr>
<tr><th>Tình trạng</th><th>Ngày hoàn thành</th></tr>
<tr><td>1</td><td>Xây dựng<br>đề án A</td><td>Bộ Tài chính</td><td>31/12/2025</td>
<td>Đang thực hiện</td><td></td></tr>
<tr><td>2</td><td>Sửa đổi   thông tư &amp; B</td><td rowspan=2>Bộ Y tế</td><td>30/06/2025</td>
<td>Đã hoàn thành</td><td>15/06/2025</td></tr>
<tr><td>3</td><td>Tổng kết C<td>30/09/2025<td>Đang thực hiện<td></tr>
</table>
</body></html>"""


def test_a_web_page_saved_as_xls_is_read_with_its_merged_cells():
    table = read_table(EXCEL_PAGE.encode(), "export.xls")
    assert table.file_format == "html" and table.sheet is None
    assert table.headers[4:] == [
        "Kết quả thực hiện / Tình trạng",
        "Kết quả thực hiện / Ngày hoàn thành",
    ]
    assert table.columns["task"] == [
        "Xây dựng\nđề án A",
        "Sửa đổi thông tư & B",
        "Tổng kết C",
    ]
    # the rowspan over rows 2 and 3 is a merged cell: both rows name the agency
    assert table.columns["lead_agency"] == ["Bộ Tài chính", "Bộ Y tế", "Bộ Y tế"]
    assert table.columns["deadline"] == ["31/12/2025", "30/06/2025", "30/09/2025"]
    assert table.columns["completion_date"] == [None, "15/06/2025", None]
    assert table.title_lines[:2] == ["BỘ TÀI CHÍNH", "DANH SÁCH NHIỆM VỤ NĂM 2025"]
    assert not table.errors


def test_a_web_page_in_utf16_or_with_a_bom_is_read():
    for data in (EXCEL_PAGE.encode("utf-16"), EXCEL_PAGE.encode("utf-8-sig")):
        table = read_table(data, "export.xls")
        assert table.columns["lead_agency"][0] == "Bộ Tài chính"


def test_a_rowspan_ends_with_its_table_and_text_outside_tables_is_a_row():
    page = (
        "<html><body><table><tr><td>Ghi chú</td><td rowspan=9>kéo dài</td></tr></table>"
        "<div>Kèm theo công văn số 12</div><table>"
        "<tr><td>STT</td><td>Nội dung nhiệm vụ</td><td>Cơ quan chủ trì</td></tr>"
        "<tr><td>1</td><td>Việc A</td><td>Bộ Tài chính</td></tr></table></body></html>"
    )
    table = read_table(page.encode(), "two_tables.xls")
    assert table.header_row == 3 and table.title_lines == [
        "Ghi chú",
        "kéo dài",
        "Kèm theo công văn số 12",
    ]
    assert table.columns == {"row_no": ["1"], "task": ["Việc A"], "lead_agency": ["Bộ Tài chính"]}


def test_a_page_too_wide_is_refused_and_empty_spans_past_the_limit_cost_nothing():
    cells = "<td colspan=1000></td>" * 5000  # five million empty columns, if they counted
    page = (
        "<table><tr><td>STT</td><td>Nội dung nhiệm vụ</td><td>Cơ quan chủ trì</td>"
        f"{cells}</tr><tr><td>1</td><td>Việc A</td><td>Bộ Tài chính</td></tr></table>"
    )
    assert read_table(page.encode(), "wide.xls").columns["task"] == ["Việc A"]
    wide = page.replace("</tr>", "<td>ghi chú</td></tr>", 1)
    with pytest.raises(InputRejected) as exc:
        read_table(wide.encode(), "wide.xls")
    assert rejected(exc)[0] == "too_many_columns"
    deep = "<table><tr><td>" * 5000 + "x" + "</td></tr></table>" * 5000
    with pytest.raises(InputRejected) as exc:
        read_table(deep.encode(), "deep.xls")
    assert rejected(exc)[0] == "no_header"


def _mhtml(page: str) -> bytes:
    frame = '<html><frameset rows="*,39"><frame src="export_files/sheet001.htm"></frameset></html>'
    boundary = "----=_NextPart_01DA0000.12345678"
    parts = []
    for location, body in (("export.htm", frame), ("export_files/sheet001.htm", page)):
        parts.append(
            f"--{boundary}\r\nContent-Location: file:///C:/T/{location}\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            'Content-Type: text/html; charset="utf-8"\r\n\r\n'
            + quopri.encodestring(body.encode()).decode("ascii")
            + "\r\n"
        )
    return (
        "MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\n"
        f'Content-Type: multipart/related; boundary="{boundary}"\r\n\r\n'
        + "".join(parts)
        + f"--{boundary}--\r\n"
    ).encode("ascii")


def test_a_single_file_web_page_saved_as_xls_is_read():
    table = read_table(_mhtml(EXCEL_PAGE), "export.xls")
    assert table.file_format == "html"
    assert table.columns["lead_agency"] == ["Bộ Tài chính", "Bộ Y tế", "Bộ Y tế"]


@pytest.mark.parametrize(
    ("text", "fmt", "delimiter"),
    [
        ("STT,Nội dung nhiệm vụ,Cơ quan chủ trì\n1,Việc A,Bộ Tài chính\n", "csv", ","),
        ("STT;Nội dung nhiệm vụ;Cơ quan chủ trì\n1;Việc A;Bộ Tài chính\n", "csv", ";"),
        ("STT\tNội dung nhiệm vụ\tCơ quan chủ trì\n1\tViệc A\tBộ Tài chính\n", "tsv", "\t"),
    ],
)
def test_delimited_text_named_xls_is_read_as_text(text, fmt, delimiter):
    table = read_table(text.encode(), "export.xls")
    assert (table.file_format, table.delimiter) == (fmt, delimiter)
    assert table.columns["lead_agency"] == ["Bộ Tài chính"]


@pytest.mark.parametrize(
    ("payload", "what_en", "what_vi"),
    [
        (b"<html><body><p>Danh s\xc3\xa1ch</p></body></html>", "holds no table", "không có bảng"),
        (
            _mhtml("<html><body><p>no table</p></body></html>"),
            "none of its pages holds a table",
            "không trang nào",
        ),
        ("Báo cáo tháng 8\nMọi việc đều ổn.\n".encode(), "plain text without columns", "văn bản"),
        (b'<?xml version="1.0"?><tasks><task>A</task></tasks>', "an XML file", "tệp XML"),
        (
            b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
            b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
            "XML Spreadsheet 2003",
            "XML Spreadsheet 2003",
        ),
        (b'{"tasks": [{"title": "A"}]}', "a JSON file", "tệp JSON"),
    ],
    ids=["page_without_table", "archive_without_table", "prose", "xml", "xml_2003", "json"],
)
def test_other_text_named_xls_is_refused_naming_what_it_is(payload, what_en, what_vi):
    for fn in (sniff_format, read_table):
        with pytest.raises(InputRejected) as exc:
            fn(payload, "export.xls")
        code, en, vi = rejected(exc)
        assert code == "unsupported_format"
        assert "'export.xls'" in en and what_en in en and what_vi in vi


def test_a_web_page_through_the_sandbox_shows_its_rows_and_makes_an_annotated_copy():
    data = EXCEL_PAGE.encode()
    result = sandbox.read_file(data, "export.xls", as_of=AS_OF)
    assert result.ok, result.errors
    assert result.file_format == "html"
    assert [t.title for t in result.prepared.tasks][:1] == ["Xây dựng\nđề án A"]
    # the picker's preview holds the page's cells, not its markup
    assert result.head.rows[3][:2] == ["TT", "Tên nhiệm vụ"]
    copy = sandbox.annotate_file(
        data, "export.xls", uploads.table_info(result.prepared), result.prepared.warnings
    )
    ws = openpyxl.load_workbook(io.BytesIO(copy)).worksheets[0]
    assert ws.cell(4, 3).value == "Đơn vị /Cá nhân đầu mối"


# ---------------------------------------------------------------------------------------------
# 4. no library text reaches a user

_LIBRARY_WORDS = ("Error", "Exception")
_LIBRARY_WORDS_ANY_CASE = ("calamine", "panic", "traceback", "zipfile", "0x", "b'", 'b"')
_REPR = re.compile(r"\w\(['\"]|object at |<class |\\x[0-9a-f]{2}|Errno")


def _ods(content: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
            compress_type=zipfile.ZIP_DEFLATED,
        )
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _sheet(edit) -> bytes:
    return rewrite(openpyxl_book(), lambda n, b: edit(b) if n == "xl/worksheets/sheet1.xml" else b)


def _broken_xls_stream() -> bytes:
    stream = biff8([HEADER, *ROWS])
    at = stream.index(struct.pack("<H", 0x0085))  # the BOUNDSHEET points past the stream
    stream = stream[: at + 4] + struct.pack("<I", 10**6) + stream[at + 8 :]
    return compound_file({"Workbook": stream[: len(stream) - 40] + b"\xff" * 40})


BROKEN = {
    "truncated_xlsx": lambda: openpyxl_book()[:2500],
    "sheet_xml_cut_off": lambda: _sheet(lambda b: b[: len(b) // 2]),
    "sheet_number_that_is_no_number": lambda: _sheet(
        lambda b: b.replace(b"<v>2</v>", b"<v>2x</v>")
    ),
    "workbook_xml_garbage": lambda: rewrite(
        openpyxl_book(), lambda n, b: b"<workbook><sheets>" if n == "xl/workbook.xml" else b
    ),
    "xls_broken_stream": _broken_xls_stream,
    "xls_unfollowable_directory": lambda: (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 504 + "Workbook".encode("utf-16-le") * 40
    ),
    "random_binary": lambda: random.Random(12).randbytes(6000),
    # (a NUL deep in a CSV is no broken file: the cell loses it, with a warning naming the row;
    # tests/test_control_chars.py)
    "csv_open_quote": lambda: (
        'STT,Nội dung nhiệm vụ,Cơ quan chủ trì\n1,"Việc A,Bộ Tài chính\n' + "x" * 140_000 + "\n"
    ).encode(),
    "ods_bad_content": lambda: _ods(b"<office:document-content><office:body><table:tab"),
    "page_markup_unreadable": lambda: b"<html><table><tr><td>STT<![bogus[ x ]]></td></tr></table>",
    "encrypted_xls": lambda: compound_file({"Workbook": biff8([HEADER], encrypted=True)}),
}


def _assert_plain(problems) -> None:
    assert problems
    for p in problems:
        for text in (p.message, p.message_vi):
            assert text
            for word in _LIBRARY_WORDS:
                assert word not in text, text
            for word in _LIBRARY_WORDS_ANY_CASE:
                assert word not in text.lower(), text
            assert not _REPR.search(text), text


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_broken_file_gets_plain_words_and_the_log_gets_the_details(kind, caplog):
    data = BROKEN[kind]()
    name = "broken.csv" if kind.startswith("csv") else "broken.xlsx"
    with caplog.at_level(logging.INFO), pytest.raises(InputRejected) as exc:
        read_table(data, name)
    _assert_plain(exc.value.errors)
    if kind in ("sheet_number_that_is_no_number", "ods_bad_content", "xls_broken_stream"):
        # calamine's own words are kept for whoever reads the server log
        logged = [r for r in caplog.records if r.name.startswith("analytics.reading")]
        assert any("calamine" in r.getMessage() for r in logged), logged


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_broken_file_through_the_upload_sandbox_gets_plain_words(kind):
    data = BROKEN[kind]()
    name = "broken.csv" if kind.startswith("csv") else "broken.xlsx"
    result = sandbox.read_file(data, name, as_of=AS_OF)
    assert not result.ok
    _assert_plain(result.errors)
    for p in result.warnings:
        _assert_plain([p])
