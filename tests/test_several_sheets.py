"""A workbook with a task sheet per agency: every task sheet is read, the other sheets are named.

The workbook is built here: an instructions sheet, two task sheets of different layouts (one per
agency), a summary sheet of figures, a chart sheet and a hidden empty sheet. The tasks keep their
sheet and row, problems name the sheet, ids are unique across the sheets, the snapshot records the
sheets; the command line and the upload page list them and let one be left out.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference

from analytics import accounts, sandbox, store, uploads
from analytics.ingest import SOURCE_NQ71, SOURCE_TBKL, ingest, prepare
from analytics.model import Filters, Scope
from analytics.problems import InputRejected
from analytics.reading import common, read_table, read_tables
from tests import test_page_upload as page
from tests.helpers import PW

AS_OF = dt.date(2025, 8, 28)
MOF, HN = "Bộ Tài chính", "Hà Nội"
MOF_HEADER = [
    "STT",
    "Mã NV",
    "Nội dung nhiệm vụ",
    "Cơ quan chủ trì",
    "Thời hạn",
    "Tình hình thực hiện",
]
# another layout: other words, another order, the id last, no title block
HN_HEADER = ["TT", "Tên nhiệm vụ", "Đơn vị chủ trì", "Hạn hoàn thành", "Trạng thái", "Mã nhiệm vụ"]


def xlsx(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def workbook(
    *,
    hn_ids=("HN-01", "HN-02"),
    hn_deadline="31/12/2025",
    hidden_tasks: bool = False,
    hn_title: str | None = None,
    ids: bool = True,
) -> bytes:
    wb = openpyxl.Workbook()
    guide = wb.active
    guide.title = "Hướng dẫn"
    for line in (
        "HƯỚNG DẪN CẬP NHẬT",
        "1. Mỗi dòng một nhiệm vụ; cột 'Cơ quan chủ trì' ghi tên cơ quan.",
        "2. Thời hạn ghi dạng ngày/tháng/năm.",
    ):
        guide.append([line])
    mof = wb.create_sheet(MOF)
    mof.append(["TÌNH HÌNH THỰC HIỆN NHIỆM VỤ NGHỊ QUYẾT 71/NQ-CP"])
    mof.append([])
    mof.append(MOF_HEADER if ids else [h for h in MOF_HEADER if h != "Mã NV"])
    for k, (title, deadline, status) in enumerate(
        [
            ("Sửa đổi Luật Quản lý thuế", dt.date(2025, 9, 30), "Đang thực hiện"),
            ("Nghị định về quỹ đầu tư mạo hiểm", dt.date(2025, 6, 30), "Đã hoàn thành"),
            ("Chung một nhiệm vụ", dt.date(2025, 12, 31), "Đang thực hiện"),
        ],
        start=1,
    ):
        cells = [k, f"TC-0{k}", title, "Bộ Tài chính", deadline, status]
        mof.append(cells if ids else [c for j, c in enumerate(cells) if j != 1])
    hn = wb.create_sheet(HN)
    if hn_title:
        hn.append([hn_title])
        hn.append([])
    hn.append(HN_HEADER if ids else HN_HEADER[:-1])
    for k, (title, deadline) in enumerate(
        [("Chuyển đổi số các thủ tục", hn_deadline), ("Chung một nhiệm vụ", "30/06/2026")],
        start=1,
    ):
        cells = [k, title, "Bộ Tài chính" if title.startswith("Chung") else "Hà Nội", deadline]
        hn.append([*cells, "Đang thực hiện", *([hn_ids[k - 1]] if ids else [])])
    figures = wb.create_sheet("Tổng hợp")
    for row in (
        ["STT", "Cơ quan chủ trì", "Số nhiệm vụ", "Hoàn thành", "Tỷ lệ"],
        [1, "Bộ Tài chính", 3, 1, 0.33],
        [2, "Hà Nội", 2, 0, 0.0],
    ):
        figures.append(row)
    chart = BarChart()
    chart.add_data(Reference(figures, min_col=3, min_row=1, max_row=3), titles_from_data=True)
    wb.create_chartsheet("Biểu đồ").add_chart(chart)
    hidden = wb.create_sheet("Danh mục")
    hidden.sheet_state = "hidden"
    if hidden_tasks:
        hidden.append(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"])
        hidden.append([1, "Nhiệm vụ cũ", "Bộ Tài chính", "31/12/2024"])
    return xlsx(wb)


def skipped_codes(found) -> dict[str, str]:
    return {s.name: s.code for s in found}


# --------------------------------------------------------------------------- the reader


def test_every_task_sheet_is_read_with_its_own_header_and_mapping():
    found = read_tables(workbook(), "bo_nganh.xlsx")
    assert [t.sheet for t in found.tables] == [MOF, HN]
    mof, hn = found.tables
    assert (mof.header_row, hn.header_row) == (3, 1)
    assert mof.mapping["task_id"] == 1 and hn.mapping["task_id"] == 5  # each sheet's own columns
    assert mof.row_numbers == [4, 5, 6] and hn.row_numbers == [2, 3]
    assert hn.columns["task_id"] == ["HN-01", "HN-02"]
    assert skipped_codes(found.skipped) == {
        "Hướng dẫn": "no_header",
        "Tổng hợp": "figures",
        "Biểu đồ": "chart",
        "Danh mục": "empty",
    }
    for s in found.skipped:  # every reason said in both languages
        assert s.reason and s.reason_vi and s.reason != s.reason_vi
    assert "Số nhiệm vụ" in next(s for s in found.skipped if s.code == "figures").reason_vi


def test_read_table_still_reads_one_sheet():
    data = workbook()
    assert read_table(data, "bo_nganh.xlsx").sheet == MOF  # the first task sheet
    named = read_table(data, "bo_nganh.xlsx", sheet=HN)
    assert named.sheet == HN and named.n_rows == 2


def test_choosing_and_leaving_out_sheets():
    data = workbook()
    only = read_tables(data, "f.xlsx", sheets=[HN])
    assert [t.sheet for t in only.tables] == [HN]
    assert skipped_codes(only.skipped)[MOF] == "not_chosen"
    left = read_tables(data, "f.xlsx", skip_sheets=[MOF])
    assert [t.sheet for t in left.tables] == [HN]
    assert skipped_codes(left.skipped)[MOF] == "left_out"
    assert skipped_codes(left.skipped)["Hướng dẫn"] == "no_header"  # still said why
    for kw, code in (
        ({"skip_sheets": ["Trang 9"]}, "sheet_not_found"),
        ({"sheets": ["Hướng dẫn"]}, "no_header"),  # a sheet asked for by name must hold tasks
        ({"skip_sheets": [MOF, HN]}, "no_sheet_left"),
        ({"sheets": [HN], "skip_sheets": [HN]}, "no_sheet_chosen"),
    ):
        with pytest.raises(InputRejected) as exc:
            read_tables(data, "f.xlsx", **kw)
        assert exc.value.errors[0].code == code, kw


def test_a_hidden_task_sheet_is_named_but_read_only_when_no_visible_sheet_holds_tasks():
    found = read_tables(workbook(hidden_tasks=True), "f.xlsx")
    assert [t.sheet for t in found.tables] == [MOF, HN]
    assert skipped_codes(found.skipped)["Danh mục"] == "hidden"
    asked = read_tables(workbook(hidden_tasks=True), "f.xlsx", sheets=["Danh mục", HN])
    assert [t.sheet for t in asked.tables] == [HN, "Danh mục"]  # workbook order
    wb = openpyxl.Workbook()
    wb.active.title = "Bìa"
    wb.active["A1"] = "BÁO CÁO"
    ws = wb.create_sheet("Dữ liệu")
    ws.append(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"])
    ws.append([1, "Nhiệm vụ A", "Bộ Tài chính", "31/12/2025"])
    ws.sheet_state = "hidden"
    alone = read_tables(xlsx(wb), "f.xlsx")
    assert [t.sheet for t in alone.tables] == ["Dữ liệu"]
    assert skipped_codes(alone.skipped) == {"Bìa": "no_header"}


def test_a_workbook_without_a_task_sheet_is_refused_as_before():
    wb = openpyxl.Workbook()
    wb.active.title = "Hướng dẫn"
    wb.active["A1"] = "Hướng dẫn cập nhật"
    wb.create_sheet("Trống")
    data = xlsx(wb)
    with pytest.raises(InputRejected) as one:
        read_table(data, "f.xlsx")
    with pytest.raises(InputRejected) as every:
        read_tables(data, "f.xlsx")
    assert every.value.errors == one.value.errors
    assert one.value.errors[0].code == "no_header"


def test_the_row_limit_holds_for_every_sheet_together(monkeypatch):
    monkeypatch.setattr(common, "MAX_ROWS", 4)  # each sheet fits (3 and 2 rows), both do not
    read_table(workbook(), "f.xlsx")
    read_table(workbook(), "f.xlsx", sheet=HN)
    with pytest.raises(InputRejected) as exc:
        read_tables(workbook(), "f.xlsx")
    assert exc.value.errors[0].code == "too_many_rows"


# --------------------------------------------------------------------------- prepare and ingest


def test_all_task_sheets_are_one_snapshot_with_sheet_and_row_provenance():
    p = prepare(workbook(), "bo_nganh.xlsx", as_of=AS_OF)
    assert not p.errors
    assert p.source == SOURCE_NQ71  # from the first sheet's title block
    assert [(t.task_id, t.sheet, t.row) for t in p.tasks] == [
        ("TC-01", MOF, 4),
        ("TC-02", MOF, 5),
        ("TC-03", MOF, 6),
        ("HN-01", HN, 2),
        ("HN-02", HN, 3),
    ]
    assert p.sheet_counts() == [(MOF, 3), (HN, 2)]
    assert [s.name for s in p.skipped_sheets] == ["Hướng dẫn", "Tổng hợp", "Biểu đồ", "Danh mục"]
    hn_task = p.tasks[3]
    assert hn_task.deadline == dt.date(2025, 12, 31) and hn_task.lead_ids == ("p01",)


def test_problems_name_their_sheet():
    p = prepare(workbook(hn_deadline="31/02/2025"), "bo_nganh.xlsx", as_of=AS_OF)
    [bad] = [e for e in p.errors if e.code == "bad_deadline"]
    assert (bad.sheet, bad.row, bad.column) == (HN, 2, "Hạn hoàn thành")
    assert bad.message_vi.startswith("Trang 'Hà Nội', dòng 2: ")
    assert bad.message.startswith("Sheet 'Hà Nội', row 2: ")
    shown = uploads.problems_frame(p.errors, "vi")
    assert list(shown.iloc[0][["Trang", "Dòng"]]) == [HN, 2]
    held = p.accepting_valid_rows()
    assert not held.errors and [(h.sheet, h.row) for h in held.held_back] == [(HN, 2)]
    assert len(held.tasks) == 4
    # one sheet read: messages and the problem list stay as they were
    one = prepare(workbook(hn_deadline="31/02/2025"), "f.xlsx", as_of=AS_OF, sheet=HN)
    [bad] = [e for e in one.errors if e.code == "bad_deadline"]
    assert bad.sheet is None and bad.message_vi.startswith("Dòng 2: ")
    assert "Trang" not in uploads.problems_frame(one.errors, "vi").columns


def test_a_task_id_given_on_two_sheets_names_both_sheets_and_rows():
    p = prepare(workbook(hn_ids=("HN-01", "TC-02")), "bo_nganh.xlsx", as_of=AS_OF)
    [dup] = [e for e in p.errors if e.code == "duplicate_task_id"]
    assert (dup.sheet, dup.row, dup.value) == (HN, 3, "TC-02")
    assert "Trang 'Hà Nội', dòng 3" in dup.message_vi
    assert "trang 'Bộ Tài chính', dòng 5" in dup.message_vi
    assert "sheet 'Bộ Tài chính', row 5" in dup.message
    assert [t.task_id for t in p.tasks].count("TC-02") == 1  # the first sheet's row stands
    with pytest.raises(InputRejected):
        ingest(None, workbook(hn_ids=("HN-01", "TC-02")), "f.xlsx", as_of=AS_OF)


def test_an_agency_update_names_the_sheet_of_each_row_outside_it(tmp_path):
    with pytest.raises(InputRejected) as exc:
        ingest(tmp_path / "t.duckdb", workbook(), "f.xlsx", as_of=AS_OF, update_agencies=["mof"])
    [outside] = exc.value.errors
    assert (outside.code, outside.sheet, outside.row) == ("outside_agency_update", HN, 2)
    assert outside.column == "Đơn vị chủ trì"  # that sheet's own header
    assert outside.message_vi.startswith("Trang 'Hà Nội', dòng 2: nhiệm vụ 'HN-01'")


def test_derived_ids_stay_unique_across_sheets():
    p = prepare(workbook(ids=False), "bo_nganh.xlsx", as_of=AS_OF)
    assert not p.errors
    ids = [t.task_id for t in p.tasks]
    assert len(ids) == len(set(ids)) == 5  # "Chung một nhiệm vụ" of Bộ Tài chính, twice
    same = [t for t in p.tasks if t.title == "Chung một nhiệm vụ"]
    assert same[1].task_id == same[0].task_id + "-2"


def test_a_sheet_titled_for_another_source_is_warned_about():
    data = workbook(hn_title="DANH MỤC NHIỆM VỤ THEO THÔNG BÁO KẾT LUẬN CỦA BAN CHỈ ĐẠO TRUNG ƯƠNG")
    p = prepare(data, "bo_nganh.xlsx", as_of=AS_OF)
    assert p.source == SOURCE_NQ71
    [w] = [w for w in p.warnings if w.code == "sheet_other_source"]
    assert w.sheet == HN and w.value == SOURCE_TBKL
    assert not [w for w in prepare(workbook(), "f.xlsx", as_of=AS_OF).warnings if w.sheet]


def test_the_snapshot_records_its_sheets_and_older_snapshots_stay_readable(tmp_path):
    db = tmp_path / "tasks.duckdb"
    one, _ = ingest(db, workbook(), "one.xlsx", as_of=AS_OF, sheet=HN)
    both, _ = ingest(db, workbook(), "bo_nganh.xlsx", as_of=AS_OF + dt.timedelta(days=1))
    snaps = store.list_snapshots(db).set_index("snapshot_id")
    assert snaps.loc[one.snapshot_id, "sheet"] == HN  # one sheet: its name, as before
    assert snaps.loc[one.snapshot_id, "sheets"] == [HN]
    assert snaps.loc[both.snapshot_id, "sheets"] == [MOF, HN]
    assert both.tasks == 5
    tasks = store.load_tasks(db, AS_OF + dt.timedelta(days=1), Filters(), Scope.everything())
    where = zip(tasks["origin_sheet"], tasks["origin_row"], strict=True)
    got = dict(zip(tasks["task_id"], where, strict=True))
    assert got["TC-03"] == (MOF, 6) and got["HN-02"] == (HN, 3)
    assert store.sheet_names(None) == [] and store.sheet_names("Phụ lục") == ["Phụ lục"]


# --------------------------------------------------------------------------- command line


def run_cli(*args, db):
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *map(str, args), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None


def test_cli_reads_every_task_sheet_and_names_the_others(tmp_path):
    path = tmp_path / "bo_nganh.xlsx"
    path.write_bytes(workbook())
    db = tmp_path / "tasks.duckdb"
    rc, doc = run_cli("ingest", path, "--as-of", "2025-08-28", db=db)
    assert rc == 0, doc
    assert doc["tasks"] == 5
    assert doc["sheets"] == [{"name": MOF, "tasks": 3}, {"name": HN, "tasks": 2}]
    skipped = {s["name"]: s for s in doc["skipped_sheets"]}
    assert list(skipped) == ["Hướng dẫn", "Tổng hợp", "Biểu đồ", "Danh mục"]
    assert all(s["reason"] and s["reason_vi"] for s in skipped.values())
    rc, doc = run_cli(
        "ingest", path, "--as-of", "2025-08-29", "--skip-sheet", HN, db=tmp_path / "b.duckdb"
    )
    assert rc == 0, doc
    assert doc["sheets"] == [{"name": MOF, "tasks": 3}]
    assert {s["name"]: s["reason"] for s in doc["skipped_sheets"]}[HN] == "left out, as asked"
    rc, doc = run_cli(
        "ingest", path, "--sheet", HN, "--sheet", MOF, "--as-of", "2025-08-29", db=tmp_path / "c"
    )
    assert rc == 0 and [s["name"] for s in doc["sheets"]] == [MOF, HN]
    rc, doc = run_cli("ingest", path, "--skip-sheet", "Trang 9", db=tmp_path / "d.duckdb")
    assert rc == 2 and doc["errors"][0]["code"] == "sheet_not_found"
    assert not (tmp_path / "d.duckdb").exists() or store.list_snapshots(tmp_path / "d.duckdb").empty


def test_cli_problems_name_their_sheet(tmp_path):
    path = tmp_path / "bo_nganh.xlsx"
    path.write_bytes(workbook(hn_ids=("HN-01", "TC-02")))
    rc, doc = run_cli("ingest", path, "--as-of", "2025-08-28", db=tmp_path / "t.duckdb")
    assert rc == 2
    [dup] = [e for e in doc["errors"] if e["code"] == "duplicate_task_id"]
    assert dup["sheet"] == HN and dup["row"] == 3


# --------------------------------------------------------------------------- the annotated copy


def test_the_annotated_copy_marks_each_problem_on_its_own_sheet():
    p = prepare(workbook(hn_deadline="31/02/2025"), "bo_nganh.xlsx", as_of=AS_OF)
    problems = [*p.errors, *p.warnings]
    out = sandbox.annotate_file(
        workbook(hn_deadline="31/02/2025"), "f.xlsx", uploads.table_info(p), problems, "vi"
    )
    wb = openpyxl.load_workbook(io.BytesIO(out))
    assert wb[HN]["D2"].comment is not None  # 'Hạn hoàn thành' is column D on this sheet
    assert "31/02/2025" in wb[HN]["D2"].comment.text or "dòng 2" in wb[HN]["D2"].comment.text
    assert wb[MOF]["E2"].comment is None and wb[MOF]["D2"].comment is None


# --------------------------------------------------------------------------- the upload page


@pytest.fixture
def page_store(tmp_path, monkeypatch, app_clean):
    """An empty store with one administrator, for the upload page (see test_page_upload)."""
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("TASKS_DB", str(path))
    monkeypatch.setenv("TASKS_UPLOADS", str(tmp_path / "uploads"))
    accounts.add_user(path, "root", "admin", password=PW)
    return path


def sheets_table(at):
    [found] = [d.value for d in at.dataframe if "Số nhiệm vụ" in d.value.columns]
    return found


def tasks_shown(at) -> list[tuple[str, int]]:
    """(sheet, row) of the tasks in the preview table."""
    shown = next(d.value for d in at.dataframe if "Dòng" in d.value.columns)
    sheets = shown["Trang tính"] if "Trang tính" in shown.columns else [None] * len(shown)
    return sorted(zip(sheets, map(int, shown["Dòng"]), strict=True), key=str)


@pytest.mark.usefixtures("steady_server", "page_store")
def test_upload_page_lists_the_sheets_and_a_sheet_can_be_left_out():
    at = page.upload_page("root")
    at.file_uploader(key="up_file").upload("bo_nganh.xlsx", workbook(), page.XLSX).run()
    assert not at.exception, at.exception
    assert any("2 trang nhiệm vụ, 5 nhiệm vụ" in c for c in page.texts(at, "caption"))
    table = sheets_table(at).set_index("Trang")
    assert list(table.index) == ["Hướng dẫn", MOF, HN, "Tổng hợp", "Biểu đồ", "Danh mục"]
    assert (table.loc[MOF, "Số nhiệm vụ"], table.loc[HN, "Số nhiệm vụ"]) == (3, 2)
    assert table.loc["Danh mục", "Ghi chú"] == "Không đọc: trang trống"
    assert table.loc["Biểu đồ", "Ghi chú"].startswith("Không đọc: trang biểu đồ")
    assert "không phải bảng nhiệm vụ" in table.loc["Hướng dẫn", "Ghi chú"]
    assert tasks_shown(at) == sorted([(MOF, 4), (MOF, 5), (MOF, 6), (HN, 2), (HN, 3)], key=str)
    assert any("trang 'Hà Nội'" in m for m in page.texts(at, "markdown"))  # each sheet's mapping
    at.multiselect(key="up_sheets_read").unselect(HN).run()
    assert not at.exception, at.exception
    captions = page.texts(at, "caption")
    assert any("trang 'Bộ Tài chính', dòng tiêu đề 3, 3 nhiệm vụ" in c for c in captions)
    table = sheets_table(at).set_index("Trang")
    assert table.loc[HN, "Ghi chú"] == "Không đọc: được bỏ ra theo yêu cầu"
    assert tasks_shown(at) == [(None, 4), (None, 5), (None, 6)]  # one sheet: rows alone
    assert at.multiselect(key="up_sheets_read").value == [MOF]
    at.multiselect(key="up_sheets_read").select(HN).run()  # and back
    assert any("2 trang nhiệm vụ, 5 nhiệm vụ" in c for c in page.texts(at, "caption"))
    assert len(tasks_shown(at)) == 5
