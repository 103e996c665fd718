"""One bad row does not sink 400 good ones: with `accept valid rows` the rows with errors are
held back (recorded with the snapshot, never tasks; a task they name keeps its previous
version), the valid rows are stored; without it, all or nothing. Real workbooks built here, real
DuckDB files, the command line as a process, the pages through AppTest."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from analytics import accounts, reports, store, templates
from analytics.ingest import SOURCE_NQ71, ingest, prepare
from analytics.model import Filters, Scope
from analytics.problems import InputRejected
from tests.helpers import PW, open_page, signed_in

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 8, 28)
EARLIER = dt.date(2025, 7, 31)
HEADER = [
    "STT",
    "Mã nhiệm vụ",
    "Nội dung nhiệm vụ",
    "Cơ quan chủ trì",
    "Thời hạn",
    "Tình hình thực hiện",
]
LEADS = ("Bộ Tài chính", "Hà Nội", "Bộ Khoa học và Công nghệ")


def good_row(i: int, lead: str | None = None, deadline="31/12/2025", status="Đang thực hiện"):
    return [i, f"NV-{i:03d}", f"Nhiệm vụ số {i}", lead or LEADS[i % 3], deadline, status]


def workbook(rows, header=HEADER) -> bytes:
    """A title line, the header on row 3, then the rows (sheet row = 4 + index)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws.append(["DANH MỤC NHIỆM VỤ NGHỊ QUYẾT 71/NQ-CP"])
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_row(index: int) -> int:
    return 4 + index


def four_hundred_and_two() -> tuple[bytes, list[tuple[int, str, str]]]:
    """400 good rows and 2 bad: an Excel error cell in a deadline (the reader's row error: the
    row is still read) and an impossible deadline (the resolver's). Returns the bytes and the
    bad rows' (sheet row, column, value)."""
    rows = [good_row(i) for i in range(1, 401)]
    rows.insert(100, [9001, "NV-BAD-1", "Nhiệm vụ có ô lỗi", "Bộ Tài chính", "#N/A", ""])
    rows.insert(300, [9002, "NV-BAD-2", "Nhiệm vụ có hạn sai", "Hà Nội", "31/02/2025", ""])
    bad = [(sheet_row(100), "Thời hạn", "#N/A"), (sheet_row(300), "Thời hạn", "31/02/2025")]
    return workbook(rows), bad


def run(*args, db):
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *map(str, args), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    doc = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc.returncode, doc, proc.stderr


def tasks_at(db, as_of=AS_OF, scope=None):
    return store.load_tasks(db, as_of, Filters(), scope or Scope.everything())


# --------------------------------------------------------------------------- the command line


def test_cli_without_the_option_rejects_the_file_and_with_it_holds_back_two_rows(tmp_path):
    db = tmp_path / "tasks.duckdb"
    data, bad = four_hundred_and_two()
    path = tmp_path / "nq71_phu_luc.xlsx"
    path.write_bytes(data)
    common = ("ingest", path, "--as-of", AS_OF, "--source", SOURCE_NQ71)

    code, doc, err = run(*common, db=db)
    assert code == 2, err
    assert [(e["row"], e["code"]) for e in doc["errors"]] == [
        (bad[0][0], "cell_error"),
        (bad[1][0], "bad_deadline"),
    ]
    assert not db.exists()  # nothing stored: not even an empty database
    code, snaps, _ = run("snapshots", db=db)  # which a read-only command does not create
    assert code == 2 and snaps["errors"][0]["code"] == "no_database"

    code, doc, err = run(*common, "--accept-valid-rows", db=db)
    assert code == 0, err
    assert doc["tasks"] == 400 and doc["held_back"] == 2
    assert [(h["row"], h["column"], h["value"]) for h in doc["held_back_rows"]] == bad
    for h in doc["held_back_rows"]:
        assert f"Row {h['row']}" in h["message"] and f"Dòng {h['row']}" in h["message_vi"]
        assert h["kept_previous"] is False  # nothing was known before
    stored = tasks_at(db)
    assert len(stored) == 400
    assert not {"NV-BAD-1", "NV-BAD-2"} & set(stored["task_id"])  # the error cell's row too

    code, summary, err = run("summary", "--as-of", AS_OF, db=db)
    assert code == 0, err
    assert summary["held_back"] == 2
    assert summary["held_back_files"] == [
        {"snapshot_id": 1, "file_name": "nq71_phu_luc.xlsx", "rows": 2}
    ]


def test_cli_with_the_option_still_rejects_a_file_without_one_valid_row(tmp_path):
    db = tmp_path / "tasks.duckdb"
    path = tmp_path / "nq71.xlsx"
    path.write_bytes(workbook([[1, "A", "Việc một", "Bộ Tài chính", "31/02/2025", ""]]))
    code, doc, _ = run("ingest", path, "--as-of", AS_OF, "--accept-valid-rows", db=db)
    assert code == 2
    assert [e["code"] for e in doc["errors"]] == ["bad_deadline", "no_valid_rows"]
    assert "Không dòng nào" in doc["errors"][-1]["message_vi"]
    assert store.storage_counts(db)["snapshots"] == 0


# --------------------------------------------------------------------------- the store


def test_a_held_back_row_of_a_known_task_keeps_its_previous_version(tmp_path):
    db = tmp_path / "tasks.duckdb"
    first = [good_row(i, deadline="30/09/2025") for i in range(1, 6)]
    ingest(db, workbook(first), "nq71.xlsx", as_of=EARLIER, source=SOURCE_NQ71)
    before = tasks_at(db, EARLIER).set_index("task_id")

    second = [good_row(i, deadline="31/12/2025") for i in range(1, 6)]
    second[2][4] = "31/02/2026"  # NV-003: an impossible deadline
    second[3][2] = None  # NV-004: no title
    second.append(good_row(6))  # a new task
    data = workbook(second)
    with pytest.raises(InputRejected):  # all or nothing without the option
        ingest(db, data, "nq71.xlsx", as_of=AS_OF, source=SOURCE_NQ71)
    assert store.storage_counts(db)["snapshots"] == 1

    result, prepared = ingest(
        db, data, "nq71.xlsx", as_of=AS_OF, source=SOURCE_NQ71, accept_valid_rows=True
    )
    assert [(h.row, h.task_id) for h in prepared.held_back] == [
        (sheet_row(2), "NV-003"),
        (sheet_row(3), "NV-004"),
    ]
    assert result.held_back == 2 and result.kept == ("NV-003", "NV-004")
    after = tasks_at(db).set_index("task_id")
    assert sorted(after.index) == [f"NV-{i:03d}" for i in range(1, 7)]  # nothing disappeared
    for kept in ("NV-003", "NV-004"):  # as they were, not as the file's bad rows say
        assert after.loc[kept, "deadline"] == before.loc[kept, "deadline"] == dt.date(2025, 9, 30)
        assert after.loc[kept, "title"] == before.loc[kept, "title"]
    assert after.loc["NV-001", "deadline"] == dt.date(2025, 12, 31)  # the valid rows are new
    rows = store.list_held_back(db, [result.snapshot_id])
    assert rows[["row_no", "code", "task_id", "kept_previous"]].values.tolist() == [
        [sheet_row(2), "bad_deadline", "NV-003", True],
        [sheet_row(3), "missing_title", "NV-004", True],
    ]
    assert rows["col"].tolist() == ["Thời hạn", "Nội dung nhiệm vụ"]
    assert rows["value"].tolist() == ["31/02/2026", ""]


def test_a_held_back_row_without_an_id_column_keeps_the_task_of_its_derived_id(tmp_path):
    db = tmp_path / "tasks.duckdb"
    header = ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Ngày hoàn thành"]
    rows = [[i, f"Việc {i}", "Bộ Tài chính", "30/09/2025", None] for i in range(1, 4)]
    ingest(db, workbook(rows, header), "nq71.xlsx", as_of=EARLIER, source=SOURCE_NQ71)
    ids = sorted(tasks_at(db, EARLIER)["task_id"])
    rows[1][4] = "99/99/2025"  # a completion date that is no date
    result, prepared = ingest(
        db,
        workbook(rows, header),
        "nq71.xlsx",
        as_of=AS_OF,
        source=SOURCE_NQ71,
        accept_valid_rows=True,
    )
    (held,) = prepared.held_back
    assert held.task_id in ids and result.kept == (held.task_id,)
    assert sorted(tasks_at(db)["task_id"]) == ids


def test_an_agency_update_with_a_held_back_row_keeps_that_task_and_the_others(tmp_path):
    db = tmp_path / "tasks.duckdb"
    first = [good_row(i, lead=LEADS[i % 2]) for i in range(1, 7)]  # Hà Nội: 1, 3, 5
    ingest(db, workbook(first), "nq71.xlsx", as_of=EARLIER, source=SOURCE_NQ71)
    mof = [r for r in first if r[3] == "Bộ Tài chính"]  # NV-002, NV-004, NV-006
    update = [[*r[:5], "Đã hoàn thành"] for r in mof]
    update[1][4] = "#N/A"
    result, _ = ingest(
        db,
        workbook(update),
        "mof.xlsx",
        as_of=AS_OF,
        source=SOURCE_NQ71,
        update_agencies=["mof"],
        accept_valid_rows=True,
    )
    assert result.kept == ("NV-004",)
    after = tasks_at(db).set_index("task_id")
    assert len(after) == 6
    assert after.loc["NV-004", "status_class"] == "in_progress_on_time"  # as before
    assert after.loc["NV-002", "status_class"] == "done_unspecified"  # updated


def test_a_ragged_text_row_is_held_back_without_an_id():
    head = "STT;Mã nhiệm vụ;Nội dung nhiệm vụ;Cơ quan chủ trì;Thời hạn"
    lines = [head, "1;A1;Việc một;Bộ Tài chính;31/12/2025", "2;A2;Việc hai;Hà Nội;31/12/2025;x;y"]
    data = ("\n".join([*lines, "3;A3;Việc ba;Bộ Tài chính;31/12/2025"]) + "\n").encode()
    plain = prepare(data, "nq71.csv", as_of=AS_OF)
    assert [e.code for e in plain.errors] == ["ragged_row"] and not plain.accepted
    p = prepare(data, "nq71.csv", as_of=AS_OF, accept_valid_rows=True)
    assert p.ok and p.accepted and [t.task_id for t in p.tasks] == ["A1", "A3"]
    assert [(h.row, h.task_id, h.problems[0].code) for h in p.held_back] == [
        (3, None, "ragged_row")
    ]


def test_held_back_counts_follow_the_snapshots_in_force_and_the_scope(tmp_path):
    db = tmp_path / "tasks.duckdb"
    data, _bad = four_hundred_and_two()
    first, _ = ingest(
        db, data, "nq71.xlsx", as_of=EARLIER, source=SOURCE_NQ71, accept_valid_rows=True
    )
    held = store.held_back_in_force(db, EARLIER)
    assert held[["snapshot_id", "n_rows"]].values.tolist() == [[first.snapshot_id, 2]]
    hanoi = store.held_back_in_force(db, EARLIER, scope=Scope.agencies(["p01"]))
    assert hanoi["n_rows"].tolist() == [1]  # only the row whose lead agency is Hà Nội
    assert store.list_held_back(db, scope=Scope.agencies(["p01"]))["task_id"].tolist() == [
        "NV-BAD-2"
    ]
    clean = workbook([good_row(i) for i in range(1, 401)])
    ingest(db, clean, "nq71_sach.xlsx", as_of=AS_OF, source=SOURCE_NQ71)
    assert store.held_back_in_force(db, AS_OF).empty  # the later file was read whole
    assert len(store.held_back_in_force(db, EARLIER)) == 1


# --------------------------------------------------------------------------- pages and reports


@pytest.fixture
def page_db(tmp_path, monkeypatch, app_clean):
    """Five known tasks as of 31/07, then a file of 28/08 whose NV-003 row could not be read."""
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("TASKS_DB", str(path))
    monkeypatch.setenv("TASKS_UPLOADS", str(tmp_path / "uploads"))
    rows = [good_row(i, deadline="30/09/2025") for i in range(1, 6)]
    ingest(path, workbook(rows), "nq71_t7.xlsx", as_of=EARLIER, source=SOURCE_NQ71)
    accounts.add_user(path, "root", "admin", password=PW)
    return path


def bad_file() -> bytes:
    rows = [good_row(i, deadline="31/12/2025") for i in range(1, 6)]
    rows[2][4] = "31/02/2026"
    return workbook(rows)


@pytest.mark.usefixtures("steady_server")
def test_the_upload_page_shows_the_held_back_rows_and_commits_the_valid_ones(page_db):
    at = signed_in("root")
    at.switch_page("pages/upload.py").run()
    at.selectbox(key="up_source").set_value(SOURCE_NQ71)
    at.date_input(key="up_as_of").set_value(AS_OF)
    at.run()
    at.file_uploader(key="up_file").upload("nq71_t8.xlsx", bad_file(), templates.XLSX_MIME).run()
    assert not at.exception, at.exception
    held = table_with(at, "Giá trị", "31/02/2026")
    assert held[["Dòng", "Cột", "Giá trị"]].values.tolist() == [
        [sheet_row(2), "Thời hạn", "31/02/2026"]
    ]
    assert "Dòng 6" in held["Nội dung"].iloc[0]
    assert not [b for b in at.button if b.key == "up_commit"]  # nothing to commit unasked
    accept = at.checkbox(key="up_accept_valid")
    assert accept.label == "Ghi các dòng hợp lệ (4), giữ lại 1 dòng lỗi"
    accept.check().run()
    assert any("NV\\-003" in x.value for x in at.info), [x.value for x in at.info]  # kept as now
    removed = {m.label: m.value for m in at.metric}["Nhiệm vụ không còn trong danh mục"]
    assert removed == "0"
    [b for b in at.button if b.key == "up_commit"][0].click()
    at.run()
    assert not at.exception, at.exception
    assert any("1 dòng bị giữ lại" in x.value for x in at.success)
    after = tasks_at(page_db).set_index("task_id")
    assert len(after) == 5 and after.loc["NV-003", "deadline"] == dt.date(2025, 9, 30)
    assert after.loc["NV-001", "deadline"] == dt.date(2025, 12, 31)
    rows = store.list_held_back(page_db)
    assert rows[["snapshot_id", "row_no", "value"]].values.tolist() == [[2, 6, "31/02/2026"]]


@pytest.fixture
def held_db(page_db):
    ingest(
        page_db,
        bad_file(),
        "nq71_t8.xlsx",
        as_of=AS_OF,
        source=SOURCE_NQ71,
        accept_valid_rows=True,
    )
    return page_db


def table_with(at: AppTest, column: str, contains: object | None = None):
    """The first table on the page with `column` (holding `contains`, when given)."""
    for d in at.dataframe:
        v = d.value
        if column in v.columns and (contains is None or contains in set(v[column])):
            return v
    raise AssertionError(f"no table with {column!r} holding {contains!r}")


@pytest.mark.usefixtures("steady_server", "held_db")
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_briefing_says_rows_of_the_file_could_not_be_read_with_a_link(lang):
    at = open_page("briefing", lang)
    notices = [w.value for w in at.warning if "nq71" in w.value]
    assert len(notices) == 1
    said = (
        "1 dòng của tệp nq71\\_t8\\.xlsx không đọc được"
        if lang == "vi"
        else "1 row of file nq71\\_t8\\.xlsx could not be read"
    )
    assert said in notices[0]
    # the link opens the rows in this tab (a page link, not a markdown link to a new tab)
    links = [x.proto for x in at.page_link if x.proto.page == "data"]
    assert [x.query_string for x in links] == [f"held_back=2&lang={lang}"]
    assert "](" not in notices[0]


@pytest.mark.usefixtures("steady_server", "held_db")
@pytest.mark.parametrize("page", ["agency", "workload", "trends"])
def test_every_figure_page_says_so(page):
    at = open_page(page, "vi")
    assert any("không đọc được" in w.value for w in at.warning)


@pytest.mark.usefixtures("steady_server", "held_db")
def test_the_data_page_lists_the_held_back_rows_and_a_link_opens_them():
    at = open_page("data", "vi", query={"held_back": "2"})
    assert at.selectbox(key="data_held_back").value == 2
    table = table_with(at, "Giữ phiên bản trước")
    assert table[["Dòng", "Cột", "Giá trị", "Mã nhiệm vụ"]].values.tolist() == [
        [6, "Thời hạn", "31/02/2026", "NV-003"]
    ]
    assert table["Giữ phiên bản trước"].tolist() == [True]
    assert "Dòng 6" in table["Nội dung"].iloc[0]
    en = open_page("data", "en")
    table = table_with(en, "Previous version kept")
    assert "Row 6" in table["Message"].iloc[0]


def test_the_reports_say_rows_of_the_file_could_not_be_read(held_db):
    data = reports.build_briefing(held_db, AS_OF, lang="vi")
    pdf = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(reports.briefing_pdf(data))).pages
    )
    assert "1 dòng của tệp nq71_t8.xlsx không đọc được" in " ".join(pdf.split())
    book = openpyxl.load_workbook(io.BytesIO(reports.briefing_xlsx(data)))
    cells = {str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value}
    assert "1 dòng của tệp nq71_t8.xlsx không đọc được" in cells
    before = reports.build_briefing(held_db, EARLIER, lang="en")  # nothing held back then
    book = openpyxl.load_workbook(io.BytesIO(reports.briefing_xlsx(before, "en")))
    cells = {str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value}
    assert not any("could not be read" in c for c in cells)
