"""Control characters (issue 13, point 1): one NUL byte must not break every Excel export.

In: every reader path (xlsx, xls, ods, csv, tsv, txt, a web page saved as .xls) takes the
control characters out of cells, header cells, section headings and title lines the same way
(`analytics.safe_text.remove_controls`), with one warning per row naming the row, the column
and what was removed ("U+0000").

Out: a value already stored with every control in it (written straight into a real store, as
an older database or another system would) goes through every export: the command line's
report (xlsx, zip, pdf), the exports module's workbook, the "my tasks" workbook, the annotated
copy of an upload and a page's "Tải Excel" button; each file is opened afterwards.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from analytics import exports, safe_text, sandbox, store, templates, uploads
from analytics.ingest import ingest, prepare
from analytics.model import Filters, Scope, Task
from analytics.reading import common, read_table
from tests.helpers import open_page, seeded_session
from tests.test_formats import _ods, biff8, compound_file, rewrite

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 8, 28)

C0 = "".join(chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
C1 = "".join(chr(c) for c in range(0x80, 0xA0))
# every control a stored value can carry (a store holds UTF-8: no lone surrogates)
CTL = C0 + "\x7f" + C1 + "\ufffe\uffff"
TITLE = "Việc" + CTL + " một"  # read as "Việc một": the whitespace-like controls are spaces
HEADER = ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Ghi chú"]


def _rows(title: str, notes: str, head_mark: str, title_mark: str, section_mark: str):
    return [
        [f"Báo cáo{title_mark} NQ71"],
        ["STT", f"Nội dung{head_mark} nhiệm vụ", "Cơ quan chủ trì", "Ghi chú"],
        ["I", f"Nhóm{section_mark} một", "", ""],
        [1, title, "Bộ Tài chính", notes],
        [2, "Việc hai", "Bộ Y tế", "không có gì"],
    ]


def _plain_rows():
    return _rows(TITLE, "ghi" + CTL + "chú", "\x01", "\x07", "\x1b")


# --------------------------------------------------------------------------- files


def xlsx_file() -> bytes:
    """Excel writes a control character in a cell as the escape _xHHHH_ (XML cannot hold it);
    C1 characters and U+FFFE/U+FFFF are written as they are."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in _rows("Việc@ALL@ một", "ghi@ALL@chú", "@01@", "@07@", "@1B@"):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    every = "".join(f"_x{ord(c):04X}_" for c in C0) + "\x7f" + C1 + "\ufffe\uffff"

    def edit(name: str, body: bytes) -> bytes:
        if not name.startswith("xl/"):
            return body
        body = body.replace(b"@ALL@", every.encode())
        for mark in (b"01", b"07", b"1B"):
            body = body.replace(b"@" + mark + b"@", b"_x00" + mark + b"_")
        return body

    return rewrite(buf.getvalue(), edit)


def xls_file() -> bytes:
    return compound_file({"Workbook": biff8(_plain_rows())})


def ods_file() -> bytes:
    def cell(v) -> str:
        if isinstance(v, str):
            return (
                '<table:table-cell office:value-type="string">'
                f"<text:p>{v}</text:p></table:table-cell>"
            )
        return (
            f'<table:table-cell office:value-type="float" office:value="{v}">'
            f"<text:p>{v}</text:p></table:table-cell>"
        )

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
        for row in _plain_rows()
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="NV">'
        + body
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    return _ods(content.encode())


def delimited_file(delimiter: str) -> bytes:
    return "\n".join(delimiter.join(str(v) for v in row) for row in _plain_rows()).encode()


def page_file() -> bytes:
    rows = _plain_rows()
    cells = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in rows[1:])
    return f"<html><body><p>{rows[0][0]}</p><table>{cells}</table></body></html>".encode()


FILES = {
    "tasks.xlsx": xlsx_file,
    "tasks.xls": xls_file,
    "tasks.ods": ods_file,
    "tasks.csv": lambda: delimited_file(","),
    "tasks.tsv": lambda: delimited_file("\t"),
    "tasks.txt": lambda: delimited_file(";"),
    "export.xls": page_file,  # a web page saved as .xls
}


# --------------------------------------------------------------------------- in


@pytest.mark.parametrize("name", list(FILES))
def test_every_format_takes_the_controls_out_the_same_way(name):
    table = read_table(FILES[name](), name)
    assert (
        table.file_format
        == {
            "tasks.xlsx": "xlsx",
            "tasks.xls": "xls",
            "tasks.ods": "ods",
            "tasks.csv": "csv",
            "tasks.tsv": "tsv",
            "tasks.txt": "csv",
            "export.xls": "html",
        }[name]
    )
    assert table.title_lines == ["Báo cáo NQ71"]
    assert table.headers == HEADER
    assert table.columns["task"] == ["Việc một", "Việc hai"]
    assert table.columns["notes"] == ["ghi chú", "không có gì"]
    assert table.groups == ["Nhóm một", "Nhóm một"]
    for values in table.columns.values():
        assert not any(isinstance(v, str) and safe_text.has_controls(v) for v in values)

    found = [p for p in table.warnings if p.code == "control_characters"]
    assert [p.row for p in found] == [1, 2, 3, 4]  # title, header, section, task: one each
    assert all(p.level == "warning" for p in found)
    title, head, section, task = found
    assert "U+0007" in title.message and "U+0007" in title.message_vi
    assert head.column == "Nội dung nhiệm vụ" and head.value == "U+0001"
    assert "Row 2" in head.message and "Dòng 2" in head.message_vi
    assert section.value == "U+001B"
    # the task row: both its columns in one warning, with what was removed shown
    assert task.column == "Nội dung nhiệm vụ"
    for text in (task.message, task.message_vi):
        assert "'Nội dung nhiệm vụ' (B)" in text and "'Ghi chú' (D)" in text
        assert "U+0000, U+0001" in text
    assert task.message.startswith("Row 4:") and task.message_vi.startswith("Dòng 4:")
    assert "not text" in task.message and "không phải chữ" in task.message_vi


def test_every_format_stores_the_same_clean_tasks(tmp_path):
    stored = {}
    for k, (name, make) in enumerate(FILES.items()):
        db = tmp_path / f"{k}.duckdb"
        result, prepared = ingest(db, make(), name, as_of=AS_OF, source="NQ71")
        assert not prepared.errors and result.tasks == 2
        df = store.load_tasks(db, AS_OF, Filters(), Scope.everything())
        stored[name] = sorted(zip(df["title"], df["notes"].fillna(""), df["grp"], strict=True))
    first = next(iter(stored.values()))
    assert first == [("Việc hai", "không có gì", "Nhóm một"), ("Việc một", "ghi chú", "Nhóm một")]
    assert all(v == first for v in stored.values()), stored


def test_a_nul_deep_in_a_csv_is_taken_out_not_refused():
    """The file the issue was about: thousands of good rows, then a NUL in a cell."""
    rows = "".join(f"{i},Việc số {i},Bộ Tài chính\n" for i in range(1, 2000))
    data = ("STT,Nội dung nhiệm vụ,Cơ quan chủ trì\n" + rows + "2000,Vi\x00ệc,Bộ Y tế\n").encode()
    p = prepare(data, "nq71.csv", as_of=AS_OF)
    assert not p.errors and len(p.tasks) == 2000
    assert p.tasks[-1].title == "Việc"
    (w,) = [w for w in p.warnings if w.code == "control_characters"]
    assert (w.row, w.column, w.value) == (2001, "Nội dung nhiệm vụ", "U+0000")


def test_the_upload_sandbox_reads_the_same_and_annotates_the_row():
    data = delimited_file(",")
    result = sandbox.read_file(data, "tasks.csv", as_of=AS_OF)
    assert result.prepared is not None and not result.prepared.errors
    assert [t.title for t in result.prepared.tasks] == ["Việc một", "Việc hai"]
    warned = {w.row for w in result.prepared.warnings if w.code == "control_characters"}
    assert warned == {1, 2, 3, 4}
    copy = sandbox.annotate_file(
        data, "tasks.csv", uploads.table_info(result.prepared), result.prepared.warnings
    )
    wb = openpyxl.load_workbook(io.BytesIO(copy))
    sheet = wb.worksheets[0]
    assert sheet["B4"].value.startswith("Việc") and sheet["B4"].value.endswith("một")
    assert not _illegal_in_workbook(wb)
    assert "U+0000" in sheet["B4"].comment.text  # the warning, on the cell it names


def test_many_rows_with_controls_are_named_one_by_one_then_together():
    lines = "".join(f"{i},Việc\x07 {i},Bộ Tài chính\n" for i in range(1, 81))
    table = read_table(("STT,Nội dung nhiệm vụ,Cơ quan chủ trì\n" + lines).encode(), "x.csv")
    found = [p for p in table.warnings if p.code == "control_characters"]
    assert len(found) == 51
    assert [p.row for p in found[:50]] == list(range(2, 52))
    assert found[-1].value == "30" and "52–81" in found[-1].message
    assert table.columns["task"][0] == "Việc 1"


def test_cells_with_controls_take_the_slow_path_and_say_so():
    cells = ["Bộ Tài chính", "a\x00b", "x\x1fy", "Việc\u0301", "ok"]
    found: list[int] = []
    assert common._clean_strs(cells, found) == ["Bộ Tài chính", "ab", "x y", "Việ\u0107", "ok"]
    assert found == [1, 2]
    found = []
    assert common._clean_strs(["e\x07\u0301", "no controls"], found) == ["é", "no controls"]
    assert found == [0]
    # lone surrogates (a reader can meet them; a store cannot hold them) are controls too
    assert common._clean_str("a\ud800b\udfffc") == "abc"
    assert safe_text.show_controls("\x00\x00\ud800\x85") == "U+0000, U+D800, U+0085"


# --------------------------------------------------------------------------- out


def _illegal_in_workbook(wb) -> list:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return [
        (ws.title, cell.coordinate)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
        and (ILLEGAL_CHARACTERS_RE.search(cell.value) or "\ufffe" in cell.value)
    ]


def _open_xlsx(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert not _illegal_in_workbook(wb)
    return wb


def _texts(wb) -> str:
    return "\n".join(
        str(cell.value) for ws in wb.worksheets for row in ws.iter_rows() for cell in row
    )


def poisoned_store(path: Path) -> Path:
    """A store whose task holds every control character in every text field, written as an
    older database or another system would (not through the reader)."""
    poison = {
        f: f"{f}{CTL}end"
        for f in ("group", "product", "deadline_text", "status_text", "causes", "proposals")
    }
    poison |= {f: f"{f}{CTL}end" for f in ("notes", "result", "support_text", "source_doc")}
    poison |= {f: f"{f}{CTL}end" for f in ("leader", "agency_comment", "progress")}
    tasks = [
        Task(
            task_id="T1" + CTL,
            title="Nhiệm vụ" + CTL + "độc",
            lead_ids=("mof",),
            lead_text="Bộ Tài chính" + CTL,
            deadline=dt.date(2025, 8, 1),
            deadline_kind="date",
            status_class="overdue_not_done",
            sheet="Trang" + CTL,
            row=5,
            **poison,
        ),
        Task(
            task_id="T2",
            title='=HYPERLINK("http://x","y")' + CTL,
            lead_ids=("mof",),
            lead_text="Bộ Tài chính",
            status_class="in_progress_on_time",
            row=6,
        ),
    ]
    store.commit_snapshot(
        path,
        source="NQ71",
        as_of=AS_OF,
        tasks=tasks,
        agencies=[],
        file_bytes=b"poisoned",
        file_name="bao_cao" + CTL + ".xlsx",
        sheet="Trang" + CTL,
        user="other-system" + CTL,
    )
    df = store.load_tasks(path, AS_OF, Filters(), Scope.everything())
    assert CTL in df.set_index("task_id").loc["T1" + CTL, "title"]  # stored as it came
    return path


@pytest.fixture
def poisoned(tmp_path) -> Path:
    return poisoned_store(tmp_path / "tasks.duckdb")


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


@pytest.mark.parametrize("fmt", ["xlsx", "zip", "pdf"])
def test_the_report_command_writes_every_format_from_a_poisoned_store(poisoned, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    proc = _cli("report", "--db", str(poisoned), "--format", fmt, "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["out"] == str(out)
    data = out.read_bytes()
    if fmt == "xlsx":
        text = _texts(_open_xlsx(data))
        assert "Nhiệm vụ" in text and "độc" in text
    elif fmt == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            assert names
            for name in names:
                _open_xlsx(zf.read(name))
    else:
        reader = PdfReader(io.BytesIO(data))
        text = "".join(page.extract_text() for page in reader.pages)
        assert "Nhiệm vụ" in text and "độc" in text
        assert not safe_text.has_controls(text.replace("\ufffd", ""))
        assert "missing the following glyphs" not in proc.stderr


def test_the_exports_workbook_of_a_poisoned_store_opens(poisoned):
    df = store.load_tasks(poisoned, AS_OF, Filters(), Scope.everything())
    shown = exports.present_tasks(df, store.list_agencies(poisoned), "vi")
    data = exports.to_xlsx({"nhiem_vu" + CTL: shown}, "vi", titles={"nhiem_vu" + CTL: CTL})
    wb = _open_xlsx(data)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[3]]
    title = ws.cell(
        4 + list(df["task_id"]).index("T1" + CTL), header.index("Nội dung nhiệm vụ") + 1
    )
    assert title.value.startswith("Nhiệm vụ") and title.value.endswith("độc")
    formula = [c for row in ws.iter_rows() for c in row if str(c.value).startswith("=HYPER")]
    assert formula and all(c.data_type == "s" for c in formula)  # still inert text


def test_the_my_tasks_workbook_of_a_poisoned_store_opens(poisoned):
    mine = store.load_tasks(poisoned, AS_OF, Filters(agency_ids=("mof",)), Scope.everything())
    data = templates.my_tasks_workbook(
        mine, agency_name="Bộ Tài chính" + CTL, source="NQ71", as_of=AS_OF
    )
    wb = _open_xlsx(data)
    assert "độc" in _texts(wb)
    # and it reads back (what the workbook still holds of the stored controls, the C1 ones
    # an xlsx file can carry, is taken out and named again)
    p = prepare(data, "nhiem_vu_mof.xlsx", as_of=AS_OF)
    assert not p.errors
    titles = [t.title for t in p.tasks]
    assert any(t.startswith("Nhiệm vụ") and t.endswith("độc") for t in titles)
    assert not any(safe_text.has_controls(t) for t in titles)


def test_the_annotated_copy_cleans_what_a_workbook_cannot_hold():
    """The annotated copy of a text upload is rebuilt from its cells as written (controls
    included) and holds its problems' words: all of it must open."""
    data = ("STT,Nội dung nhiệm vụ,Cơ quan chủ trì\n1,Việc" + C0 + ",Bộ Tài chánh\n").encode()
    table = {
        "file_format": "csv",
        "sheet": None,
        "header_row": 1,
        "delimiter": ",",
        "headers": ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì"],
        "mapping": {"task": 1, "lead_agency": 2},
    }
    from analytics.problems import warning

    problems = [
        warning("x", "Row 2: bad" + CTL, "Dòng 2: sai" + CTL, row=2, column="Nội dung nhiệm vụ"),
        warning("y", "no row", "không dòng", column="Cơ quan chủ trì", value=CTL),
    ]
    wb = _open_xlsx(templates.annotate(data, "tệp" + CTL + ".csv", table, problems, "vi"))
    sheet = wb.worksheets[0]
    assert sheet["B2"].value.startswith("Việc")
    assert "Dòng 2: sai" in sheet["B2"].comment.text


@pytest.mark.usefixtures("steady_server", "app_clean")
def test_the_pages_excel_button_delivers_a_poisoned_table(poisoned, monkeypatch):
    """'Tải Excel' on the Data page: the file the button hands out (Streamlit makes it when the
    browser asks for it) is produced and opens."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    monkeypatch.setenv("TASKS_DB", str(poisoned))
    deferred: dict[str, tuple] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kw)
        deferred[file_name] = (self, file_id)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    session = seeded_session(poisoned, "quantri", "admin")
    at = open_page("data", "vi", as_of=AS_OF, session=session, check=False)
    assert not at.exception, [e.value for e in at.exception]
    button = next(b for b in at.download_button if b.key == "data_dl_tasks_xlsx")
    assert button.label == "Tải Excel"
    button.click().run()
    assert not at.exception
    name = next(n for n in deferred if n.startswith("nhiem_vu_") and n.endswith(".xlsx"))
    manager, file_id = deferred[name]
    url = manager.execute_deferred(file_id)  # what the browser's request runs
    payload = manager._storage.get_file(url.rsplit("/", 1)[-1]).content
    wb = _open_xlsx(payload)
    assert "độc" in _texts(wb)
