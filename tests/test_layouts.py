"""Layouts real systems write (issue 12, points 4 and 5), each built here with openpyxl (real
merged cells) or as CSV text: two-row headers, a group header over a row-number column, titles
that are only a number, and a template's unused numbered rows."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys

import openpyxl
import pytest

from analytics.problems import InputRejected
from analytics.reading import read_table

D = dt.date

# (STT, task, lead, deadline, status, completion date): the task rows of every layout below
TASKS = [
    (
        1,
        "Xây dựng Nghị định về quỹ đầu tư",
        "Bộ Tài chính",
        D(2025, 6, 30),
        "Đã hoàn thành",
        D(2025, 7, 15),
    ),
    (2, "Ban hành Thông tư hướng dẫn", "Bộ Y tế", D(2025, 9, 30), "Đang thực hiện", None),
    (
        3,
        "Kết nối cơ sở dữ liệu dân cư",
        "Bộ Công an",
        D(2025, 6, 30),
        "Đã hoàn thành",
        D(2025, 6, 20),
    ),
    (4, "Nâng cấp hạ tầng số", "Bộ Tài chính", D(2025, 7, 31), "Chưa hoàn thành", None),
]
TITLE = [
    "BỘ KẾ HOẠCH",
    "BÁO CÁO TÌNH HÌNH THỰC HIỆN NGHỊ QUYẾT 71/NQ-CP",
    "(Kèm theo Công văn số 12)",
]


def xlsx(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def result_group_workbook(*, colnum: bool = True, title: bool = False, blanks: int = 0) -> bytes:
    """STT | Nội dung nhiệm vụ | Cơ quan chủ trì | Thời hạn, each merged down over two rows;
    "Kết quả thực hiện" merged across "Tình trạng" | "Ngày hoàn thành"; "Ghi chú" merged down;
    then "(1) … (7)", the tasks and `blanks` unused numbered rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    top = 1
    if title:
        for r, line in enumerate(TITLE, 1):
            ws.cell(r, 1, line)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
        top = len(TITLE) + 2
    for col, text in zip(
        "ABCDG", ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Ghi chú"], strict=True
    ):
        ws[f"{col}{top}"] = text
        ws.merge_cells(f"{col}{top}:{col}{top + 1}")
    ws[f"E{top}"] = "Kết quả thực hiện"
    ws.merge_cells(f"E{top}:F{top}")
    ws[f"E{top + 1}"] = "Tình trạng"
    ws[f"F{top + 1}"] = "Ngày hoàn thành"
    r = top + 2
    if colnum:
        for c in range(1, 8):
            ws.cell(r, c, f"({c})")
        r += 1
    for row in TASKS:
        for c, v in enumerate(row, 1):
            if v is not None:
                ws.cell(r, c, v)
        r += 1
    for n in range(len(TASKS) + 1, len(TASKS) + 1 + blanks):
        ws.cell(r, 1, n)
        r += 1
    return xlsx(wb)


def deadline_group_workbook(*, colnum: bool = True) -> bytes:
    """ "Thời hạn" merged across "Theo kế hoạch" | "Thực tế", "Tình hình thực hiện" merged across
    "Trạng thái" | "Sản phẩm"; the other headers merged down over both rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for col, text in zip("ABC", ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì"], strict=True):
        ws[f"{col}1"] = text
        ws.merge_cells(f"{col}1:{col}2")
    ws["D1"] = "Thời hạn"
    ws.merge_cells("D1:E1")
    ws["D2"], ws["E2"] = "Theo kế hoạch", "Thực tế"
    ws["F1"] = "Tình hình thực hiện"
    ws.merge_cells("F1:G1")
    ws["F2"], ws["G2"] = "Trạng thái", "Sản phẩm"
    r = 3
    if colnum:
        ws.append([f"({c})" for c in range(1, 8)])
        r = 4
    for no, task, lead, deadline, status, done in TASKS:
        for c, v in enumerate([no, task, lead, deadline, done, status, "Nghị định"], 1):
            if v is not None:
                ws.cell(r, c, v)
        r += 1
    return xlsx(wb)


def result_group_csv(*, colnum: bool = True) -> bytes:
    """The same header as text: the group header once, blanks after it, the sub-headers below."""
    lines = [
        [
            "STT",
            "Nội dung nhiệm vụ",
            "Cơ quan chủ trì",
            "Thời hạn",
            "Kết quả thực hiện",
            "",
            "Ghi chú",
        ],
        ["", "", "", "", "Tình trạng", "Ngày hoàn thành", ""],
    ]
    if colnum:
        lines.append([f"({c})" for c in range(1, 8)])
    for no, task, lead, deadline, status, done in TASKS:
        lines.append(
            [
                str(no),
                task,
                lead,
                deadline.strftime("%d/%m/%Y"),
                status,
                done.strftime("%d/%m/%Y") if done else "",
                "",
            ]
        )
    return "\n".join(",".join(line) for line in lines).encode("utf-8")


RESULT_GROUP_MAPPING = {
    "row_no": 0,
    "task": 1,
    "lead_agency": 2,
    "deadline": 3,
    "status": 4,
    "completion_date": 5,
    "notes": 6,
}


def as_date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.datetime.strptime(value, "%d/%m/%Y").date()
    return value


# ---------------------------------------------------------------------------------------------
# two-row headers


@pytest.mark.parametrize(
    "build, name, header_row, first_task_row",
    [
        (lambda: result_group_workbook(), "merged.xlsx", 1, 4),
        (lambda: result_group_workbook(colnum=False), "no_numbers.xlsx", 1, 3),
        (lambda: result_group_workbook(title=True), "title.xlsx", 5, 8),
        (lambda: result_group_csv(), "text.csv", 1, 4),
        (lambda: result_group_csv(colnum=False), "text_no_numbers.csv", 1, 3),
    ],
    ids=["merged", "no-column-numbers", "title-block", "csv", "csv-no-column-numbers"],
)
def test_a_group_header_over_sub_headers_is_one_header(build, name, header_row, first_task_row):
    table = read_table(build(), name)
    assert table.header_row == header_row
    assert table.mapping == RESULT_GROUP_MAPPING
    assert table.headers[4] == "Kết quả thực hiện / Tình trạng"
    assert table.headers[5] == "Kết quả thực hiện / Ngày hoàn thành"
    assert table.headers[:4] == ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"]
    # neither the sub-header row nor the "(1) (2) …" row is a task
    assert table.row_numbers == list(range(first_task_row, first_task_row + len(TASKS)))
    assert table.columns["task"] == [t[1] for t in TASKS]
    assert [as_date(v) for v in table.columns["completion_date"]] == [t[5] for t in TASKS]
    assert table.columns["status"] == [t[4] for t in TASKS]
    assert table.warnings == []


def deadline_group_csv(*, colnum: bool = True) -> bytes:
    """deadline_group_workbook as text: each group header once, blanks after it."""
    lines = [
        ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "", "Tình hình thực hiện", ""],
        ["", "", "", "Theo kế hoạch", "Thực tế", "Trạng thái", "Sản phẩm"],
    ]
    if colnum:
        lines.append([f"({c})" for c in range(1, 8)])
    for no, task, lead, deadline, status, done in TASKS:
        done_text = done.strftime("%d/%m/%Y") if done else ""
        lines.append(
            [str(no), task, lead, deadline.strftime("%d/%m/%Y"), done_text, status, "Nghị định"]
        )
    return "\n".join(",".join(line) for line in lines).encode("utf-8")


@pytest.mark.parametrize("colnum", [True, False], ids=["column-numbers", "no-column-numbers"])
@pytest.mark.parametrize(
    "build, name",
    [(deadline_group_workbook, "deadline.xlsx"), (deadline_group_csv, "deadline.csv")],
    ids=["xlsx", "csv"],
)
def test_deadline_group_planned_and_actual_and_a_second_group(build, name, colnum):
    table = read_table(build(colnum=colnum), name)
    assert table.header_row == 1
    assert table.headers[3:7] == [
        "Thời hạn / Theo kế hoạch",
        "Thời hạn / Thực tế",
        "Tình hình thực hiện / Trạng thái",
        "Tình hình thực hiện / Sản phẩm",
    ]
    assert table.mapping["deadline"] == 3
    assert table.mapping["completion_date"] == 4
    assert table.mapping["product"] == 6
    assert table.row_numbers == list(range(4 if colnum else 3, (4 if colnum else 3) + len(TASKS)))
    assert [as_date(v) for v in table.columns["completion_date"]] == [t[5] for t in TASKS]
    assert [as_date(v) for v in table.columns["deadline"]] == [t[3] for t in TASKS]


def test_a_header_row_over_a_task_row_is_one_header_row():
    """The second row holds numbers and dates: a task, never the lower half of a header."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Việc", "Ai làm", "Hạn chót"])
    ws.append([1, "NV 1", "Bộ Y tế", "2025"])
    ws.append([2, "NV 2", "Bộ Y tế", D(2025, 9, 30)])
    table = read_table(
        xlsx(wb), "one_row.xlsx", header_row=1, mapping={"task": 1, "lead_agency": 2}
    )
    assert table.header_row == 1 and table.row_numbers == [2, 3]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("name_header", ["Nội dung", "Tên nhiệm vụ", "Mô tả"])
def test_a_group_over_a_number_column_and_a_name_column_takes_the_name_as_title(name_header, fmt):
    if fmt == "xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws["A1"] = "Nhiệm vụ"
        ws.merge_cells("A1:B1")
        ws["A2"], ws["B2"] = "#", name_header
        for col, text in zip("CD", ["Cơ quan chủ trì", "Thời hạn"], strict=True):
            ws[f"{col}1"] = text
            ws.merge_cells(f"{col}1:{col}2")
        for no, task, lead, deadline, *_ in TASKS:
            ws.append([no, task, lead, deadline])
        data = xlsx(wb)
    else:  # the group written once, a blank after it
        lines = ["Nhiệm vụ,,Cơ quan chủ trì,Thời hạn", f"#,{name_header},,"]
        lines += [
            f"{no},{task},{lead},{deadline:%d/%m/%Y}" for no, task, lead, deadline, *_ in TASKS
        ]
        data = "\n".join(lines).encode("utf-8")
    table = read_table(data, f"group_no.{fmt}")
    assert table.header_row == 1
    assert table.mapping["task"] == 1
    assert table.mapping["row_no"] == 0
    assert table.headers[:2] == ["Nhiệm vụ / #", f"Nhiệm vụ / {name_header}"]
    assert table.columns["task"] == [t[1] for t in TASKS]
    assert [int(v) for v in table.columns["row_no"]] == [1, 2, 3, 4]
    assert table.row_numbers == [3, 4, 5, 6]
    assert not table.errors


# ---------------------------------------------------------------------------------------------
# titles that are only a number or punctuation


@pytest.mark.parametrize("title", ["1", "2.", "#", "-", "...", "(3)", 17])
def test_a_title_that_is_only_a_number_or_punctuation_is_an_error_naming_the_cell(title):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"])
    ws.append([1, "Nhiệm vụ thật", "Bộ Y tế", D(2025, 9, 30)])
    ws.append([2, title, "Bộ Y tế", D(2025, 9, 30)])
    ws.append([3, "1. Nhiệm vụ có số ở đầu", "Bộ Y tế", None])
    table = read_table(xlsx(wb), "titles.xlsx")
    assert table.row_numbers == [2, 3, 4]
    [err] = table.errors
    assert err.code == "title_not_text"
    assert (err.row, err.column, err.value) == (3, "Nội dung nhiệm vụ", str(title))
    assert f"Row 3, column 'Nội dung nhiệm vụ' (B): the task title '{title}'" in err.message
    assert f"Dòng 3, cột 'Nội dung nhiệm vụ' (B): nội dung nhiệm vụ '{title}'" in err.message_vi


def plan_workbook(lead_header: str) -> bytes:
    """A project plan, no task list: a "#" column, a "Công việc" column holding "#", "1", "2",
    the names in a column without a header."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["KẾ HOẠCH DỰ ÁN PHẦN MỀM"])
    ws.append([])
    ws.append(["#", "Công việc", None, lead_header, "Bắt đầu", "Kết thúc"])
    for no, name in [("#", "Giai đoạn"), ("1", "Khảo sát"), ("2", "Thiết kế")]:
        ws.append([None, no, name, "Nhóm A", D(2025, 1, 6), D(2025, 2, 28)])
    return xlsx(wb)


def test_a_file_whose_every_title_is_a_number_is_no_task_list():
    with pytest.raises(InputRejected) as exc:
        read_table(plan_workbook("Đơn vị thực hiện"), "ke_hoach.xlsx")
    [err] = exc.value.errors
    assert err.code == "no_task_list"
    assert err.row == 3 and err.column == "Công việc"
    assert "No task list found" in err.message and "4 ('#'), 5 ('1'), 6 ('2')" in err.message
    assert "'Nội dung nhiệm vụ'" in err.message  # what to change
    assert "Không tìm thấy danh sách nhiệm vụ" in err.message_vi
    assert "'Cơ quan chủ trì'" in err.message_vi


@pytest.mark.parametrize(
    "group, subs, last, deadline_col",
    [
        ("Kinh phí (triệu đồng)", ("Tổng", "Đã giải ngân"), "Thời hạn", 5),  # no field's name
        ("Thời hạn", ("Lần đầu", "Gia hạn"), "Ghi chú", 3),  # sub-headers naming nothing
    ],
    ids=["unnamed-group", "unnamed-sub-headers"],
)
def test_a_sub_header_row_under_merged_down_headers_is_never_a_task(
    group, subs, last, deadline_col
):
    wb = openpyxl.Workbook()
    ws = wb.active
    for col, text in zip(
        "ABCF", ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", last], strict=True
    ):
        ws[f"{col}1"] = text
        ws.merge_cells(f"{col}1:{col}2")
    ws["D1"] = group
    ws.merge_cells("D1:E1")
    ws["D2"], ws["E2"] = subs
    for no, task, lead, deadline, *_ in TASKS:
        ws.append([no, task, lead, deadline, deadline, deadline])
    table = read_table(xlsx(wb), "merged_down.xlsx")
    assert table.header_row == 1
    assert table.headers[3:5] == [f"{group} / {subs[0]}", f"{group} / {subs[1]}"]
    assert table.row_numbers == [3, 4, 5, 6]
    assert table.columns["task"] == [t[1] for t in TASKS]
    assert table.mapping["deadline"] == deadline_col


# ---------------------------------------------------------------------------------------------
# blank numbered rows


def test_rows_holding_only_their_number_are_skipped_with_one_note():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Ghi chú"])
    for no, task, lead, deadline, *_ in TASKS:
        ws.append([no, task, lead, deadline])
    for n in range(5, 16):  # rows 6-16
        ws.append([n])
    ws.append(["16."])  # row 17
    ws.append([])  # row 18
    ws.append([17, '=IF(A19>100,"x","")'])  # row 19: a formula that leaves the title blank
    ws.append(["Ghi chú: số liệu đến ngày 28/8/2025"])
    table = read_table(xlsx(wb), "template.xlsx")
    assert table.row_numbers == [2, 3, 4, 5]
    assert table.errors == []
    [note] = table.warnings
    assert note.code == "numbered_blank_rows" and note.level == "warning"
    assert note.row == 6 and note.value == "13"
    assert note.message_vi.startswith(
        "13 dòng chỉ có số thứ tự, không có nội dung, đã bỏ qua (dòng 6–17, 19;"
    )
    assert note.message.startswith("13 rows hold only a row number and nothing else; skipped")
    assert "1 of them hold formulas" in note.message


def test_a_row_number_with_other_text_is_not_skipped():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"])
    ws.append([1, "Nhiệm vụ A", "Bộ Y tế", None])
    ws.append([2, None, "Bộ Y tế", None])  # a task without its title: an error at ingest
    ws.append(["-"])  # a bullet, no row number: a task without its title too
    table = read_table(xlsx(wb), "partial.xlsx")
    assert table.row_numbers == [2, 3, 4]
    assert not [p for p in table.warnings if p.code == "numbered_blank_rows"]


# ---------------------------------------------------------------------------------------------
# end to end: python -m analytics ingest + summary


def run(*args, db):
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *map(str, args), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    doc = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc.returncode, doc, proc.stderr


def ingest(tmp_path, db, data: bytes, name: str):
    path = tmp_path / name
    path.write_bytes(data)
    return run("ingest", path, "--as-of", "2025-08-28", "--source", "Nghị quyết 71/NQ-CP", db=db)


def test_a_two_row_header_with_unused_numbered_rows_loads_with_the_right_figures(tmp_path):
    db = tmp_path / "tasks.duckdb"
    data = result_group_workbook(title=True, blanks=12)
    code, doc, err = ingest(tmp_path, db, data, "bao_cao.xlsx")
    assert code == 0, (doc, err)
    assert doc["tasks"] == 4
    [note] = [w for w in doc["warnings"] if w["code"] == "numbered_blank_rows"]
    assert "12 dòng chỉ có số thứ tự" in note["message_vi"] and "(dòng 12–23)" in note["message_vi"]
    code, summary, err = run("summary", "--as-of", "2025-08-28", db=db)
    assert code == 0, err
    t = summary["totals"]
    # the completion dates decide on time / late: read from the sub-header "Ngày hoàn thành"
    assert (t["total"], t["completed_on_time"], t["completed_late"]) == (4, 1, 1)
    assert (t["overdue"], t["in_progress"], t["completed_timing_unknown"]) == (1, 1, 0)


@pytest.mark.parametrize("lead_header", ["Đơn vị thực hiện", "Người thực hiện"])
def test_a_project_plan_is_refused_and_nothing_is_stored(tmp_path, lead_header):
    db = tmp_path / "tasks.duckdb"
    code, doc, err = ingest(tmp_path, db, plan_workbook(lead_header), "ke_hoach.xlsx")
    assert code == 2, (doc, err)
    assert "Traceback" not in err
    first = doc["errors"][0]
    assert first["code"] in {"no_task_list", "missing_columns"}
    assert first["message"] and first["message_vi"]
    assert not db.exists()  # nothing stored: not even an empty database
    code, snaps, _ = run("snapshots", db=db)  # which a read-only command does not create
    assert code == 2 and snaps["errors"][0]["code"] == "no_database"
