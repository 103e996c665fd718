"""Tests for analytics.reading, spreadsheets: layouts, headers, sections, cells and limits. Every input
is generated here (openpyxl, zipfile or bytes); text files and refused files are in
tests/test_reading_files.py, which uses the builders below."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference

from analytics import reading
from analytics.problems import InputRejected
from analytics.reading import (
    MAX_CELL_CHARS,
    RawTable,
    candidate_header_rows,
    common,
    read_table,
    sniff_format,
)

# ---------------------------------------------------------------------------------------------
# builders


def xlsx(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def simple_wb(header, rows, *, title: str = "Sheet1", start_row: int = 1) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for c, h in enumerate(header, 1):
        ws.cell(start_row, c, h)
    for r, row in enumerate(rows, start_row + 1):
        for c, v in enumerate(row, 1):
            if v is not None:
                ws.cell(r, c, v)
    return wb


def rewrite_zip(data: bytes, edit) -> bytes:
    """Copy a zip, passing each member's bytes through edit(name, bytes) -> bytes | None."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = edit(info.filename, src.read(info.filename))
            if body is not None:
                dst.writestr(info.filename, body)
    return out.getvalue()


def problems(table: RawTable, code: str):
    return [p for p in table.warnings if p.code == code]


def rejected(exc_info) -> tuple[str, str, str]:
    err = exc_info.value.errors[0]
    return err.code, err.message, err.message_vi


def cp1258_windows(text: str) -> str:
    """Vietnamese as Windows cp1258 writes it: precomposed vowel (â ê ô ă ơ ư) + combining tone."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = "".join(p for p in parts if p not in tones)
        tone = "".join(p for p in parts if p in tones)
        out.append(unicodedata.normalize("NFC", base) + tone)
    return "".join(out)


def appendix_workbook() -> bytes:
    """A Government-Office style appendix: title block, merged two-row header, column numbers,
    roman sections, a lead agency merged over three rows, a total row and a note row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục I"
    ws["A1"] = "Phụ lục I"
    ws.merge_cells("A1:H1")
    ws["A2"] = "DANH MỤC NHIỆM VỤ TRIỂN KHAI NGHỊ QUYẾT SỐ 71/NQ-CP"
    ws.merge_cells("A2:H2")
    ws["A3"] = "(Kèm theo Báo cáo số 123/BC-VPCP ngày 28/8/2025)"
    ws.merge_cells("A3:H3")
    top = ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn"]
    for c, h in enumerate(top, 1):
        ws.cell(4, c, h)
    ws["G4"] = "Tình hình thực hiện"
    ws["H4"] = "Ghi chú"
    for col in "ABCDGH":
        ws.merge_cells(f"{col}4:{col}5")
    ws.merge_cells("E4:F4")
    ws["E5"] = "Theo kế hoạch"
    ws["F5"] = "Thực tế"
    for c in range(1, 9):
        ws.cell(6, c, f"({c})")
    ws["A7"] = "I"
    ws["B7"] = "HOÀN THIỆN THỂ CHẾ"
    ws.merge_cells("B7:H7")
    data = [
        (1, "Xây dựng Nghị định A", "Bộ Tài chính", "Bộ Tư pháp", dt.date(2025, 9, 30)),
        (2, "Xây dựng Thông tư B", None, None, "Quý IV/2025"),
        (3, "Đề án C", None, "Bộ  Công\u00a0an ", dt.date(2025, 6, 30)),
    ]
    for r, row in enumerate(data, 8):
        for c, v in enumerate(row, 1):
            if v is not None:
                ws.cell(r, c, v)
    ws["F10"] = dt.date(2025, 7, 2)
    ws["G8"] = "Đang thực hiện"
    ws["G10"] = "Đã hoàn thành"
    ws.merge_cells("C8:C10")
    ws["A11"] = "II"
    ws["B11"] = "CHUYỂN ĐỔI SỐ"
    ws.merge_cells("B11:H11")
    ws["A12"] = 4
    ws["B12"] = "Nền tảng D"
    ws["C12"] = "Bộ Công an"
    ws["E12"] = "Năm 2025"
    ws["A13"] = "Tổng cộng"
    ws["C13"] = "4 nhiệm vụ"
    ws["A14"] = "Ghi chú: số liệu tính đến ngày 28/8/2025"
    return xlsx(wb)


# ---------------------------------------------------------------------------------------------
# spreadsheets


def test_appendix_workbook_title_block_two_row_header_sections_merges_totals():
    table = read_table(appendix_workbook(), "phu_luc.xlsx")
    assert table.file_format == "xlsx"
    assert table.sheet == "Phụ lục I"
    assert table.header_row == 4
    assert table.headers[4] == "Thời hạn / Theo kế hoạch"
    assert table.headers[5] == "Thời hạn / Thực tế"
    assert table.mapping == {
        "row_no": 0,
        "task": 1,
        "lead_agency": 2,
        "support_agencies": 3,
        "deadline": 4,
        "completion_date": 5,
        "status": 6,
        "notes": 7,
    }
    # title rows, header rows, column-number row, sections, total and note rows are not tasks
    assert [r.row for r in table.rows] == [8, 9, 10, 12]
    assert [r.group for r in table.rows] == ["HOÀN THIỆN THỂ CHẾ"] * 3 + ["CHUYỂN ĐỔI SỐ"]
    # the lead agency merged over C8:C10 reaches every row it covers
    assert [r.values["lead_agency"] for r in table.rows] == ["Bộ Tài chính"] * 3 + ["Bộ Công an"]
    first, _, third, fourth = table.rows
    assert first.values["task"] == "Xây dựng Nghị định A"
    assert first.values["row_no"] == 1
    assert first.values["deadline"] == dt.date(2025, 9, 30)
    assert third.values["completion_date"] == dt.date(2025, 7, 2)
    assert third.values["support_agencies"] == "Bộ Công an"  # NBSP and double space cleaned
    assert fourth.values["deadline"] == "Năm 2025"
    assert table.warnings == []


def test_headers_without_diacritics_and_upper_case():
    wb = simple_wb(
        [
            "STT",
            "NOI DUNG NHIEM VU",
            "Co quan chu tri",
            "Co quan phoi hop",
            "Thoi han",
            "Tinh trang",
        ],
        [[1, "Nhiệm vụ 1", "Bộ Y tế", "Bộ Tài chính", "31/12/2025", "Đang thực hiện"]],
    )
    table = read_table(xlsx(wb), "t.xlsx")
    assert table.mapping == {
        "row_no": 0,
        "task": 1,
        "lead_agency": 2,
        "support_agencies": 3,
        "deadline": 4,
        "status": 5,
    }
    assert table.rows[0].values["lead_agency"] == "Bộ Y tế"


def test_english_headers():
    header = [
        "No.",
        "Task ID",
        "Task",
        "Lead agency",
        "Supporting agencies",
        "Due date",
        "Status",
        "Completed on",
        "Output",
        "Reason for delay",
        "Proposals",
        "Notes",
        "Priority",
    ]
    wb = simple_wb(header, [[1, "T-1", "Draft decree", "MOF", "MOJ", "2025-12-31", "Done"]])
    table = read_table(xlsx(wb), "en.xlsx")
    assert table.mapping == {
        "row_no": 0,
        "task_id": 1,
        "task": 2,
        "lead_agency": 3,
        "support_agencies": 4,
        "deadline": 5,
        "status": 6,
        "completion_date": 7,
        "product": 8,
        "issues": 9,
        "proposals": 10,
        "notes": 11,
        "difficulty": 12,
    }
    assert table.rows[0].values["task"] == "Draft decree"


def test_longer_and_exact_variants_win():
    header = [
        "Nhiệm vụ",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Tiến độ",
        "Tiến độ thực hiện",
        "Thời gian hoàn thành thực tế",
        "Mức độ khó",
    ]
    wb = simple_wb(header, [["NV", "Bộ Nội vụ", "Bộ Tư pháp", "Quý III", "Đang làm", None, "Khó"]])
    table = read_table(xlsx(wb), "v.xlsx")
    assert table.mapping["support_agencies"] == 2
    assert table.mapping["lead_agency"] == 1
    assert table.mapping["deadline"] == 3
    assert table.mapping["status"] == 4
    assert table.mapping["completion_date"] == 5
    assert table.mapping["difficulty"] == 6


def test_difficulty_flag_column_and_each_field_once():
    header = ["Nhiệm vụ", "Đơn vị chủ trì", "Chủ trì", "Nhiệm vụ khó khăn"]
    wb = simple_wb(header, [["NV 1", "Bộ Xây dựng", "x", "x"]])
    table = read_table(xlsx(wb), "d.xlsx")
    assert table.mapping["difficulty"] == 3
    assert table.mapping["lead_agency"] == 1  # longer exact variant beats the shorter one
    assert 2 not in table.mapping.values()


def test_second_sheet_is_the_real_one():
    wb = openpyxl.Workbook()
    guide = wb.active
    guide.title = "Hướng dẫn"
    guide["A1"] = "Hướng dẫn điền biểu mẫu"
    guide["A2"] = "Ghi đầy đủ nhiệm vụ và cơ quan chủ trì ở trang sau."
    wb.create_sheet("Trống")
    ws = wb.create_sheet("Nhiệm vụ")
    for c, h in enumerate(["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"], 1):
        ws.cell(2, c, h)
    ws.append([1, "Nhiệm vụ thật", "Bộ Ngoại giao", "2025"])
    data = xlsx(wb)
    table = read_table(data, "multi.xlsx")
    assert table.sheet == "Nhiệm vụ"
    assert table.sheets == ["Hướng dẫn", "Trống", "Nhiệm vụ"]
    assert table.header_row == 2
    assert [(r.row, r.values["task"]) for r in table.rows] == [(3, "Nhiệm vụ thật")]
    with pytest.raises(InputRejected) as exc:
        read_table(data, "multi.xlsx", sheet="Sheet9")
    code, en, vi = rejected(exc)
    assert code == "sheet_not_found"
    assert "Sheet9" in en and "'Nhiệm vụ'" in en and "'Hướng dẫn'" in en
    assert "Sheet9" in vi


def test_no_sheet_with_a_header_lists_the_sheets():
    wb = openpyxl.Workbook()
    wb.active.title = "Bìa"
    wb.active["A1"] = "Báo cáo tháng 8"
    wb.create_sheet("Số liệu")["B2"] = 42
    with pytest.raises(InputRejected) as exc:
        read_table(xlsx(wb), "cover.xlsx")
    code, en, _vi = rejected(exc)
    assert code == "no_header"
    assert "'Bìa'" in en and "'Số liệu'" in en
    with pytest.raises(InputRejected) as exc:
        read_table(xlsx(wb), "cover.xlsx", sheet="Bìa")
    code, en, vi = rejected(exc)
    assert code == "no_header" and "'Bìa'" in en and "'Bìa'" in vi


def test_chart_sheet_only_workbook_is_refused_clearly():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 1
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=1, min_row=1, max_row=1))
    wb.create_chartsheet("Biểu đồ").add_chart(chart)
    wb.remove(ws)
    with pytest.raises(InputRejected) as exc:
        read_table(xlsx(wb), "chart.xlsx")
    code, en, vi = rejected(exc)
    assert code == "chart_sheets_only"
    assert "chart" in en and "biểu đồ" in vi


def test_chart_sheet_is_skipped_when_a_table_follows():
    wb = simple_wb(["Nhiệm vụ", "Cơ quan chủ trì"], [["NV", "Bộ Y tế"]], title="Data")
    chart = BarChart()
    chart.add_data(Reference(wb.active, min_col=1, min_row=1, max_row=1))
    wb.create_chartsheet("Chart", 0).add_chart(chart)
    table = read_table(xlsx(wb), "c.xlsx")
    assert table.sheets == ["Chart", "Data"]
    assert table.sheet == "Data"


def test_missing_lead_agency_is_refused_naming_it():
    wb = simple_wb(
        ["STT", "Nhiệm vụ", "Thời hạn", "Tình trạng"], [[1, "NV", "2025", "Đang thực hiện"]]
    )
    with pytest.raises(InputRejected) as exc:
        read_table(xlsx(wb), "nolead.xlsx")
    err = exc.value.errors[0]
    assert err.code == "missing_columns"
    assert err.row == 1 and err.column is None
    assert "lead_agency" in err.message and "'Thời hạn'" in err.message
    assert "cơ quan chủ trì" in err.message_vi


def test_header_only_is_refused():
    wb = simple_wb(["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"], [], start_row=3)
    wb.active["A1"] = "DANH MỤC NHIỆM VỤ"
    with pytest.raises(InputRejected) as exc:
        read_table(xlsx(wb), "empty_table.xlsx")
    code, en, vi = rejected(exc)
    assert code == "no_rows"
    assert "no task rows found below the header on row 3" in en.lower()
    assert "dòng tiêu đề 3" in vi


def test_sections_hierarchical_numbers_and_noi_nhan_block():
    header = ["TT", "Nhiệm vụ", "Chủ trì", "Thời hạn"]
    rows = [
        ["A", "KHỐI KINH TẾ", None, None],
        ["1", "Nhóm giải pháp tài chính", None, None],
        ["1.1", "Sửa Luật Thuế", "Bộ Tài chính", "2025"],
        ["a)", "Tiểu mục a", None, None],
        ["1.2", "Sửa Nghị định phí", "Bộ Tài chính", "2026"],
        [None, "Nhóm không số", None, None],
        ["2", "Nhiệm vụ thiếu chủ trì", None, None],
        ["3", "Nhiệm vụ cuối", "Bộ Công Thương", "2025"],
        ["Cộng:", None, "3", None],
        ["Nơi nhận:", None, None, None],
        ["- Như trên;", "Lưu VT", "x", "y"],
    ]
    table = read_table(xlsx(simple_wb(header, rows)), "s.xlsx")
    got = [(r.row, r.values["task"], r.group) for r in table.rows]
    assert got == [
        (4, "Sửa Luật Thuế", "Nhóm giải pháp tài chính"),
        (6, "Sửa Nghị định phí", "Tiểu mục a"),
        (8, "Nhiệm vụ thiếu chủ trì", "Nhóm không số"),
        (9, "Nhiệm vụ cuối", "Nhóm không số"),
    ]


def test_merged_section_title_across_columns_is_one_section_row():
    wb = simple_wb(["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"], [])
    ws = wb.active
    ws["A2"] = "Nhóm chuyển đổi số"
    ws.merge_cells("A2:D2")
    ws.append([1, "Nền tảng dữ liệu", "Bộ Công an", "2025"])
    table = read_table(xlsx(wb), "m.xlsx")
    assert [(r.row, r.group) for r in table.rows] == [(3, "Nhóm chuyển đổi số")]


def test_ids_stay_text_and_float_ids_become_integers_as_text():
    wb = simple_wb(
        ["Mã nhiệm vụ", "Nhiệm vụ", "Cơ quan chủ trì", "Tiến độ (%)"],
        [["007", "NV bảy", "Bộ Y tế", 50.0], [7.0, "NV số", "Bộ Y tế", 12.5]],
    )
    table = read_table(xlsx(wb), "ids.xlsx")
    assert [r.values["task_id"] for r in table.rows] == ["007", "7"]
    assert [r.values["progress_pct"] for r in table.rows] == [50, 12.5]


def test_error_cells_are_row_errors_naming_row_column_value():
    wb = simple_wb(
        ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
        [[1, "NV 1", "#N/A", "2025"], [2, "NV 2", "Bộ Y tế", "#REF!"], [3, "NV 3", "Bộ Y tế", "x"]],
    )
    wb.active["D4"] = "=1/0"
    data = rewrite_zip(
        xlsx(wb),
        lambda name, body: (  # openpyxl writes an empty value as <v /> or <v></v> (with lxml)
            re.sub(
                rb'<c r="D4"><f>1/0</f>(?:<v ?/>|<v></v>)</c>',
                b'<c r="D4" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
                body,
            )
            if name == "xl/worksheets/sheet1.xml"
            else body
        ),
    )
    table = read_table(data, "err.xlsx")
    errs = [(p.row, p.column, p.value, p.level) for p in problems(table, "cell_error")]
    assert errs == [
        (2, "Cơ quan chủ trì", "#N/A", "error"),
        (3, "Thời hạn", "#REF!", "error"),
        (4, "Thời hạn", "#DIV/0!", "error"),
    ]
    assert table.errors == problems(table, "cell_error")
    first = table.warnings[0]
    assert "Row 2, column 'Cơ quan chủ trì' (C)" in first.message and "#N/A" in first.message
    assert "Dòng 2, cột 'Cơ quan chủ trì' (C)" in first.message_vi
    assert [r.row for r in table.rows] == [2, 3, 4]
    assert table.rows[0].values["lead_agency"] is None


def test_formula_without_cached_value_reads_empty_with_a_warning():
    wb = simple_wb(["Nhiệm vụ", "Cơ quan chủ trì", "Ghi chú"], [["NV", "Bộ Y tế", None]])
    wb.active["C2"] = '=CONCAT("a","b")'
    table = read_table(xlsx(wb), "f.xlsx")
    assert table.rows[0].values["notes"] is None
    warn = problems(table, "formula_no_cached_value")
    assert [(p.row, p.column, p.level) for p in warn] == [(2, "Ghi chú", "warning")]
    assert table.errors == []


def test_cell_text_too_long_is_an_error():
    wb = simple_wb(["Nhiệm vụ", "Cơ quan chủ trì"], [["LONG", "Bộ Y tế"], ["NV", "Bộ Y tế"]])
    long_text = "x" * (MAX_CELL_CHARS + 10)
    data = rewrite_zip(
        xlsx(wb),
        lambda name, body: (
            body.replace(b"<t>LONG</t>", f"<t>{long_text}</t>".encode())
            if name == "xl/worksheets/sheet1.xml"
            else body
        ),
    )
    for payload, fname in [
        (data, "long.xlsx"),
        (f"Nhiệm vụ,Cơ quan chủ trì\n{long_text},Bộ Y tế\nNV,Bộ Y tế\n".encode(), "long.csv"),
    ]:
        table = read_table(payload, fname)
        (err,) = table.errors
        assert (err.code, err.row, err.column) == ("cell_too_long", 2, "Nhiệm vụ")
        assert [r.values["task"] for r in table.rows] == [None, "NV"]


def test_strings_are_nfc_and_line_breaks_kept():
    nfd = unicodedata.normalize("NFD", "Bộ Khoa học và Công nghệ")
    wb = simple_wb(
        ["Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp"],
        [["  Đề án\u00a0số   1 ", nfd, "Bộ Tài chính\r\n  Bộ Tư pháp  "]],
    )
    values = read_table(xlsx(wb), "nfc.xlsx").rows[0].values
    assert values["lead_agency"] == "Bộ Khoa học và Công nghệ"
    assert values["task"] == "Đề án số 1"
    assert values["support_agencies"] == "Bộ Tài chính\nBộ Tư pháp"


def test_1904_workbook_sets_epoch_and_dates_are_right():
    wb = simple_wb(
        ["Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"], [["NV", "Bộ Y tế", dt.date(2025, 1, 1)]]
    )
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    table = read_table(xlsx(wb), "mac.xlsx")
    assert table.epoch_1904 is True
    assert table.rows[0].values["deadline"] == dt.date(2025, 1, 1)
    plain = simple_wb(["Nhiệm vụ", "Cơ quan chủ trì"], [["NV", "Bộ Y tế"]])
    assert read_table(xlsx(plain), "pc.xlsx").epoch_1904 is False


def test_manual_mapping_and_header_row_override_detection():
    wb = simple_wb(
        ["STT", "Việc", "Ai làm", "Hạn chót"], [[1, "NV 1", "Bộ Y tế", "2025"]], start_row=2
    )
    wb.active["A1"] = "Nhiệm vụ | Cơ quan chủ trì | Thời hạn"
    data = xlsx(wb)
    with pytest.raises(InputRejected):
        read_table(data, "m.xlsx", header_row=2)
    table = read_table(data, "m.xlsx", header_row=2, mapping={"task": 1, "lead_agency": 2})
    assert table.header_row == 2
    assert table.mapping["task"] == 1 and table.mapping["lead_agency"] == 2
    assert table.rows[0].values["lead_agency"] == "Bộ Y tế"
    assert table.rows[0].row == 3
    with pytest.raises(InputRejected) as exc:
        read_table(data, "m.xlsx", header_row=2, mapping={"task": 1, "lead_agency": 99})
    assert rejected(exc)[0] == "bad_mapping"


def test_mapping_override_moves_a_field_and_frees_the_column():
    wb = simple_wb(
        ["Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp"], [["NV", "Bộ Y tế", "Bộ Công an"]]
    )
    table = read_table(xlsx(wb), "o.xlsx", mapping={"lead_agency": 2})
    assert table.mapping == {"task": 0, "lead_agency": 2}
    assert table.rows[0].values == {"task": "NV", "lead_agency": "Bộ Công an"}


def test_candidate_header_rows_best_first():
    ranked = candidate_header_rows(appendix_workbook(), "p.xlsx")
    assert ranked[0][0] in (4, 5)
    assert {4, 5} <= {row for row, _ in ranked[:2]}
    assert all(a[1] >= b[1] for a, b in zip(ranked, ranked[1:], strict=False))


def test_too_many_columns_and_rows_are_refused(monkeypatch):
    wb = simple_wb(["Nhiệm vụ", "Cơ quan chủ trì"], [["NV", "Bộ Y tế"]])
    wb.active.cell(1, reading.MAX_COLS + 5, "extra")
    with pytest.raises(InputRejected) as exc:
        read_table(xlsx(wb), "wide.xlsx")
    assert rejected(exc)[0] == "too_many_columns"
    monkeypatch.setattr(common, "MAX_ROWS", 5)
    many = simple_wb(["Nhiệm vụ", "Cơ quan chủ trì"], [[f"NV {i}", "Bộ Y tế"] for i in range(8)])
    with pytest.raises(InputRejected) as exc:
        read_table(xlsx(many), "long.xlsx")
    assert rejected(exc)[0] == "too_many_rows"
    text = "Nhiệm vụ,Cơ quan chủ trì\n" + "NV,Bộ Y tế\n" * 60
    with pytest.raises(InputRejected) as exc:
        read_table(text.encode(), "long.csv")
    assert rejected(exc)[0] == "too_many_rows"


def test_file_over_the_size_limit_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    with pytest.raises(InputRejected) as exc:
        read_table(b"Nhiem vu,Chu tri\n" + b"x,y\n" * 50, "big.csv")
    assert rejected(exc)[0] == "file_too_large"


def test_ods_is_read():
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="NV">'
        + "".join(
            "<table:table-row>"
            + "".join(
                f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
                for v in row
            )
            + "</table:table-row>"
            for row in [["Nhiệm vụ", "Cơ quan chủ trì"], ["NV ods", "Bộ Nội vụ"]]
        )
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    data = buf.getvalue()
    assert sniff_format(data, "x.xlsx") == "ods"
    table = read_table(data, "x.ods")
    assert (table.file_format, table.sheet) == ("ods", "NV")
    assert table.rows[0].values == {"task": "NV ods", "lead_agency": "Bộ Nội vụ"}


def test_xlsm_and_strict_and_docx_are_told_apart():
    base = xlsx(simple_wb(["Nhiệm vụ", "Cơ quan chủ trì"], [["NV", "Bộ Y tế"]]))
    assert sniff_format(base, "a.bin") == "xlsx"
    buf = io.BytesIO(base)
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr("xl/vbaProject.bin", b"\x00" * 10)
    assert sniff_format(buf.getvalue(), "a.xlsx") == "xlsm"
    strict = rewrite_zip(
        base,
        lambda name, body: (
            body.replace(
                b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                b"http://purl.oclc.org/ooxml/spreadsheetml/main",
            )
            if name == "xl/workbook.xml"
            else body
        ),
    )
    with pytest.raises(InputRejected) as exc:
        sniff_format(strict, "strict.xlsx")
    assert rejected(exc)[0] == "strict_ooxml"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(InputRejected) as exc:
        sniff_format(buf.getvalue(), "report.xlsx")
    code, en, _ = rejected(exc)
    assert code == "unsupported_format" and "Word" in en
