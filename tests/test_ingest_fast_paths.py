"""The fast paths of an ingest give the same answers as the plain ones they replace.

benchmarks/ingest.py measures the speed; these tests pin the behaviour: one-pass text cleaning,
column-wise resolution (problems still in sheet order), the task batch, the content hash kept
comparable across DuckDB versions, the thread-less fallback, the paused garbage collector and the
command line that loads only what `ingest` needs.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import random
import struct
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest

from analytics import reading, safe_text, store
from analytics.ingest import ingest, prepare
from analytics.ingest.cells import _id_column, _per_distinct, _text_column
from analytics.ingest.planning import _bulk
from analytics.model import TASK_FIELDS, Task, TaskBatch
from analytics.reading import common, xlsx
from analytics.reading import rows as row_conversion

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 8, 28)


def test_cleaning_many_cells_at_once_equals_cleaning_each():
    pieces = [
        "",
        " a ",
        "Bộ Tài chính",
        "Bo\u0301 ",  # decomposed: NFC composes it
        "\u0301x",  # a combining mark at the start must not join the previous cell
        "a  b",
        "x\u00a0y",
        "l1\r\nl2 ",
        "\t",
        "#N/A",
        "E",
        "a\x00b",  # NUL: the joined pass cannot be used
        "line\n\nline2",
        "\u3000wide\u2003space",
        # control characters: removed (the whitespace-like ones read as a space)
        "x\x01y",
        "e\x07\u0301",  # a mark after a removed control composes with the letter before
        "\x0bv\x0ct\x1f",
        "\x7f\x85\x9f",
        "\ud800",
        "\ufffe\uffff",
    ]
    rng = random.Random(7)
    for _ in range(3000):
        cells = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 3))) for _ in range(5)]
        found: list[int] = []
        assert common._clean_strs(cells, found) == [common._clean_str(c) for c in cells], cells
        assert common._clean_strs(cells) == [common._clean_str(c) for c in cells], cells
        assert found == [k for k, c in enumerate(cells) if safe_text.has_controls(c)], cells
    for cell in pieces:
        cleaned = common._clean_str(cell)
        assert cleaned is None or not safe_text.has_controls(cleaned), cell


def test_odd_space_class_is_exactly_pythons_whitespace_but_the_space():
    odd = {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c != " "}
    matched = {c for c in map(chr, range(sys.maxunicode + 1)) if common._ODD_CHAR.fullmatch(c)}
    assert matched == odd
    assert not any(c.isprintable() for c in odd)  # _clean_strs skips the scan for printable text
    # the scan of cells joined by NUL: odd spaces and control characters, NUL left out
    controls = {c for c in map(chr, range(sys.maxunicode + 1)) if safe_text.has_controls(c)}
    scanned = {
        c for c in map(chr, range(sys.maxunicode + 1)) if common._UNCLEAN_JOINED.fullmatch(c)
    }
    assert scanned == (odd | controls) - {"\x00"}
    assert not any(c.isprintable() for c in scanned)


@pytest.mark.parametrize(
    ("xml", "found"),
    [
        (b'<c r="A1"><f>SUM(B1:B2)</f><v>3</v></c>', True),
        (b'<c r="A2"><f t="shared" si="0"/><v>1</v></c>', True),
        (b"<c><f/></c>", True),
        (b'<x:c r="A1"><x:f>1+1</x:f></x:c>', True),
        (b'<autoFilter><filterColumn colId="0"/></autoFilter><c><v>1</v></c>', False),
        (b"<c><is><t>a:fine text</t></is></c>", False),
    ],
)
def test_formula_elements_are_found_and_lookalikes_are_not(xml, found):
    assert xlsx._has_formula(xml) is found
    # the same within a larger buffer: only the span asked about is looked at
    pad = b"<f>1</f><x:f>2</x:f>"
    assert xlsx._has_formula(pad + xml + pad, len(pad), len(pad) + len(xml)) is found


def test_text_and_id_columns_never_confuse_true_with_one():
    assert _text_column([True, 1, 1.0, "x", None, ""]) == ["True", "1", "1", "x", None, None]
    assert _id_column([7.0, 7, " A-1 ", None, 2.5]) == ["7", "7", "A-1", None, "2.5"]


def test_each_distinct_value_is_looked_up_once_and_true_is_never_one():
    calls = []

    def fn(v):
        calls.append(v)
        return repr(v)

    mixed = [1, True, 1.0, "1", None, "1", True, dt.date(2025, 1, 1), dt.datetime(2025, 1, 1)]
    results: list = []
    assert _per_distinct(mixed, fn, results) == [repr(v) for v in mixed]
    assert len(calls) == len(results) == 7  # "1" and True twice: looked up once each
    calls.clear()
    texts = ["Quý III/2025", "31/12/2025", "Quý III/2025", None, 45000.0, 45000.0]
    assert _per_distinct(texts, fn) == [repr(v) for v in texts]
    assert sorted(map(repr, calls)) == sorted(map(repr, set(texts)))


def test_number_and_date_cells_in_text_columns_are_read_as_text():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã nhiệm vụ", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Sản phẩm", "Ghi chú"])
    ws.append([101, "Việc một", "Bộ Tài chính", 2025, dt.date(2025, 9, 1)])
    ws.append(["A-2", "Việc hai", "Bộ Công an", "Nghị định", True])
    buf = io.BytesIO()
    wb.save(buf)
    p = prepare(buf.getvalue(), "nq71.xlsx", as_of=AS_OF)
    assert not p.errors
    assert [(t.task_id, t.product, t.notes) for t in p.tasks] == [
        ("101", "2025", "01/09/2025"),
        ("A-2", "Nghị định", "True"),
    ]


def test_task_batch_reads_as_a_list_of_tasks():
    columns = {f: [] for f in TASK_FIELDS}
    one = Task(task_id="a", title="T", lead_ids=("mof",), lead_text="Bộ Tài chính", row=7)
    for f in TASK_FIELDS:
        columns[f].append(getattr(one, f))
    batch = TaskBatch(columns)
    assert len(batch) == 1 and batch[0] == one and list(batch) == [one] and batch == [one]
    with pytest.raises(ValueError, match="missing"):
        TaskBatch({"task_id": ["a"]})
    columns["title"] = ["T", "U"]
    with pytest.raises(ValueError, match="unequal"):
        TaskBatch(columns)


def _csv(rows: list[list[str]]) -> bytes:
    head = "STT;Mã nhiệm vụ;Nội dung nhiệm vụ;Cơ quan chủ trì;Thời hạn;Tình hình thực hiện;Ngày hoàn thành"
    return ("\n".join([head, *(";".join(r) for r in rows)]) + "\n").encode()


def test_problems_come_out_row_by_row_in_the_order_the_checks_run():
    data = _csv(
        [
            ["1", "A1", "Việc một", "Bộ Không Có Thật", "Sớm nhất có thể", "Đang thực hiện", ""],
            ["2", "A2", "", "Bộ Tài chính", "31/12/2025", "", ""],
            ["3", "A1", "Việc ba", "Bộ Tài chính", "31/12/2025", "", ""],
            ["4", "A4", "Việc bốn", "Bộ Tài chính", "31/02/2025", "", ""],
            ["5", "A5", "Việc năm", "Bộ Tài chính", "30/06/2025", "Đã hoàn thành", "99/99/2025"],
            ["6", "A6", "Việc sáu", "Bộ Tài chính", "30/06/2025", "Đang thực hiện trong hạn", ""],
            ["7", "", "Việc bảy", "Bộ Ngoại giao", "Quý III/2025", "", ""],
        ]
    )
    p = prepare(data, "nq71.csv", as_of=AS_OF)
    assert [(e.row, e.code) for e in p.errors] == [
        (3, "missing_title"),
        (4, "duplicate_task_id"),
        (5, "bad_deadline"),
        (6, "bad_completion_date"),
    ]
    assert [(w.row, w.code) for w in p.warnings if w.row] == [
        (2, "unknown_agency"),
        (2, "free_text_deadline"),
        (7, "dates_vs_words"),
        (8, "missing_task_id"),
    ]
    assert [t.task_id for t in p.tasks] == ["A1", "A6", p.tasks[2].task_id]
    assert p.tasks[2].id_derived and p.tasks[2].task_id.startswith("auto-")
    assert p.tasks[1].status_class == "in_progress_on_time"


def _rows(db: Path) -> int:
    return store.storage_counts(db)["task_versions"]


def test_stored_hashes_are_recomputed_when_the_hash_function_changed(tmp_path):
    db = tmp_path / "h.duckdb"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Mã nhiệm vụ", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"])
    for i in range(1, 21):
        ws.append([i, f"T{i}", f"Việc {i}", "Bộ Tài chính", "31/12/2025"])
    first = io.BytesIO()
    wb.save(first)
    ingest(db, first.getvalue(), "nq71.xlsx", as_of=dt.date(2025, 7, 31))
    assert _rows(db) == 20
    # as if written by another DuckDB version: every stored hash differs from today's function
    with store.connect(db) as con:
        con.execute("update task_versions set content_hash = 'old:' || content_hash")
        con.execute("update meta set value = 'md5 of json' where key = 'content_hash'")
    ws.append([21, "T21", "Việc 21", "Bộ Tài chính", "31/12/2025"])
    second = io.BytesIO()
    wb.save(second)
    ingest(db, second.getvalue(), "nq71.xlsx", as_of=AS_OF)
    assert _rows(db) == 21  # the 20 unchanged tasks continue; only T21 is new
    with store.connect(db) as con:
        engine = con.execute("select value from meta where key = 'content_hash'").fetchone()[0]
    assert engine == store.CONTENT_HASH_ENGINE


def test_the_collector_pause_is_undone_whatever_happens():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), _bulk():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with _bulk():
            pass
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        gc.enable()


def _book() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Danh mục nhiệm vụ"])
    ws.append(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"])
    ws.append(["I", "Thể chế"])
    ws.append([1, "Việc một", "Bộ Tài chính", dt.date(2025, 9, 30)])
    ws.append([2, "Việc hai", "BCA", "Quý III/2025"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("split", [False, True])
def test_reading_works_where_no_thread_can_be_started(monkeypatch, split):
    data = _book()
    if split:  # the two parts are then parsed one after the other, here
        monkeypatch.setattr(xlsx, "SPLIT_SHEET_BYTES", 1)
    expected = reading.read_table(data, "a.xlsx")

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    table = reading.read_table(data, "a.xlsx")
    assert (table.row_numbers, table.groups, table.columns) == (
        expected.row_numbers,
        expected.groups,
        expected.columns,
    )
    assert table.columns["deadline"] == [dt.date(2025, 9, 30), "Quý III/2025"]


def test_a_first_snapshot_and_a_staged_one_store_the_same_content(tmp_path):
    data = _book()
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    ingest(one, data, "nq71.xlsx", as_of=AS_OF, source="S")  # every task new: straight from Arrow
    other = openpyxl.Workbook()
    other.active.append(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"])
    other.active.append([9, "Việc khác", "Bộ Y tế", "31/12/2025"])
    buf = io.BytesIO()
    other.save(buf)
    ingest(two, buf.getvalue(), "nq71.xlsx", as_of=AS_OF - dt.timedelta(days=1), source="S")
    ingest(two, data, "nq71.xlsx", as_of=AS_OF, source="S")  # open versions: the staged table
    cols = "task_id, content_hash, title, lead_ids, deadline, deadline_kind, grp, origin_row"
    query = f"select {cols} from task_versions where title like 'Việc %' and title != 'Việc khác'"
    with store.connect(one) as con:
        a = con.execute(query + " order by task_id").fetchall()
    with store.connect(two) as con:
        b = con.execute(query + " order by task_id").fetchall()
    assert a == b and len(a) == 2


def test_the_ingest_command_loads_neither_reports_nor_users():
    code = (
        "import sys, io, contextlib\n"
        "from analytics.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    rc = main(['ingest', {str(ROOT / 'data/sample/nq71_2025-07-31.xlsx')!r}, "
        "'--db', sys.argv[1], '--as-of', '2025-07-31'])\n"
        "print(rc, 'analytics.reports' in sys.modules, 'analytics.accounts' in sys.modules)\n"
    )
    db = Path(tempfile.mkdtemp()) / "c.duckdb"
    out = subprocess.run(
        [sys.executable, "-c", code, str(db)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["0", "False", "False"]


# --- a large sheet parsed in two parts at once (xlsx._Splitter, _Halves) -----------------------


def _merged_book() -> bytes:
    """Title block and headings merged across the row, a vertical merge, numbers, dates, text,
    a section heading and a closing note: what a split must keep exactly as a whole parse."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws.append(["BỘ KHOA HỌC VÀ CÔNG NGHỆ"])
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Tình trạng"])
    ws.append(["I", "Thể chế"])
    ws.merge_cells("B4:E4")
    for i in range(1, 121):
        deadline = dt.date(2025, 1 + i % 12, 1 + i % 28) if i % 3 else f"Quý {1 + i % 4}/2025"
        ws.append(
            [i, f"Việc số {i}", "Bộ Tài chính" if i % 2 else "BCA", deadline, "Đang thực hiện"]
        )
    ws.merge_cells("C100:C103")  # one lead agency over four rows, near the end
    ws.append(["Ghi chú: số liệu đến 28/8/2025"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sample_book(tmp_path) -> bytes:
    from sample import write_large_workbook

    path = tmp_path / "large.xlsx"
    write_large_workbook(path, 400, seed=5)
    return path.read_bytes()


def _read_both_ways(monkeypatch, data: bytes, **kw):
    """(read whole, read in two parts, whether the parts were used)."""
    joined = []
    real_join = xlsx._Halves.join

    def spy(*args):
        result = real_join(*args)
        joined.append(result is not None)
        return result

    monkeypatch.setattr(xlsx._Halves, "join", staticmethod(spy))
    monkeypatch.setattr(xlsx, "SPLIT_SHEET_BYTES", 10**12)
    whole = reading.read_table(data, "a.xlsx", **kw)
    monkeypatch.setattr(xlsx, "SPLIT_SHEET_BYTES", 1)
    monkeypatch.setattr(xlsx, "_INFLATE_STEP", 97)  # many small pieces: a cut mid-sheet
    parts = reading.read_table(data, "a.xlsx", **kw)
    return whole, parts, joined


def _same(a: reading.RawTable, b: reading.RawTable) -> None:
    assert (a.sheet, a.header_row, a.headers, a.mapping) == (
        b.sheet,
        b.header_row,
        b.headers,
        b.mapping,
    )
    assert (a.row_numbers, a.groups, a.columns, a.title_lines) == (
        b.row_numbers,
        b.groups,
        b.columns,
        b.title_lines,
    )
    assert [(p.code, p.row, p.message) for p in a.warnings] == [
        (p.code, p.row, p.message) for p in b.warnings
    ]


@pytest.mark.parametrize("book", ["openpyxl_shared_strings", "sample_inline_strings"])
def test_a_sheet_read_in_two_parts_equals_it_read_whole(monkeypatch, tmp_path, book):
    data = _merged_book() if book == "openpyxl_shared_strings" else _sample_book(tmp_path)
    whole, parts, joined = _read_both_ways(monkeypatch, data)
    assert joined == [True]  # the two parts were used, not the whole-sheet fallback
    _same(whole, parts)
    if book == "openpyxl_shared_strings":
        assert parts.groups[0] == "Thể chế"
        lead = parts.columns["lead_agency"]
        # C100:C103 gives row 100's agency to rows 101-103 (their own were alternating)
        assert [lead[parts.row_numbers.index(r)] for r in range(99, 105)] == [
            "Bộ Tài chính",
            "BCA",
            "BCA",
            "BCA",
            "BCA",
            "BCA",
        ]


def test_a_named_sheet_after_a_hidden_one_is_read_in_two_parts(monkeypatch):
    wb = openpyxl.load_workbook(io.BytesIO(_merged_book()))
    hidden = wb.create_sheet("Nháp", 0)
    hidden.append(["nothing to see"])
    hidden.sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    whole, parts, joined = _read_both_ways(monkeypatch, out.getvalue(), sheet="Phụ lục")
    assert joined == [True]
    _same(whole, parts)
    whole, parts, joined = _read_both_ways(monkeypatch, out.getvalue())  # the visible one first
    assert joined == [True] and parts.sheet == "Phụ lục"
    _same(whole, parts)


def test_the_two_parts_switched_off_read_every_sheet_whole(monkeypatch):
    data = _merged_book()
    whole, parts, joined = _read_both_ways(monkeypatch, data)
    assert joined == [True]
    monkeypatch.setattr(xlsx, "SPLIT_SHEETS", False)  # SPLIT_SHEET_BYTES is still 1 here
    off = reading.read_table(data, "a.xlsx")
    assert joined == [True]  # no second join: nothing was parsed in parts
    _same(whole, off)


def test_the_two_parts_are_switched_off_by_the_environment():
    code = "from analytics.reading import xlsx; print(xlsx.SPLIT_SHEETS, xlsx.split_sheet(1 << 40))"
    env = {"PATH": "/usr/bin:/bin", "TASKS_READ_SPLIT": "0"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]
    del env["TASKS_READ_SPLIT"]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "True"]


def _rewrite_sheet(data: bytes, edit) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(
                info.filename, edit(body) if info.filename.endswith("sheet1.xml") else body
            )
    return out.getvalue()


def test_rows_written_out_of_order_fall_back_to_the_whole_sheet(monkeypatch):
    def move_first_task_row_to_the_end(xml: bytes) -> bytes:
        start = xml.index(b'<row r="5"')
        end = xml.index(b"</row>", start) + len(b"</row>")
        row = xml[start:end]
        xml = xml[:start] + xml[end:]
        close = xml.index(b"</sheetData>")
        return xml[:close] + row + xml[close:]

    data = _rewrite_sheet(_merged_book(), move_first_task_row_to_the_end)
    whole, parts, joined = _read_both_ways(monkeypatch, data)
    assert joined == [False]  # the second part starts above the first part's end
    _same(whole, parts)
    assert parts.columns["task"][0] == "Việc số 1"


def test_a_part_calamine_cannot_parse_leaves_the_whole_sheet_to_say_why(monkeypatch):
    def break_a_late_row(xml: bytes) -> bytes:  # a number cell that holds no number
        at = xml.index(b'<row r="110"')
        return xml[:at] + xml[at:].replace(b"<v>106</v>", b"<v>1x6</v>", 1)

    data = _rewrite_sheet(_merged_book(), break_a_late_row)
    before = threading.active_count()
    messages = []
    for split in (10**12, 1):
        monkeypatch.setattr(xlsx, "SPLIT_SHEET_BYTES", split)
        monkeypatch.setattr(xlsx, "_INFLATE_STEP", 97)
        with pytest.raises(reading.InputRejected) as caught:
            reading.read_table(data, "a.xlsx")
        messages.append([(e.code, e.message) for e in caught.value.errors])
    assert messages[0] == messages[1] and messages[0][0][0] == "damaged_file"
    assert threading.active_count() == before


def test_prefixed_markup_is_not_split(monkeypatch):
    def prefix(xml: bytes) -> bytes:
        return (
            xml.replace(b"<worksheet xmlns=", b"<x:worksheet xmlns:x=")
            .replace(b"</worksheet>", b"</x:worksheet>")
            .replace(b"<sheetData>", b"<x:sheetData>")
            .replace(b"</sheetData>", b"</x:sheetData>")
        )

    data = _rewrite_sheet(_merged_book(), prefix)
    whole, parts, joined = _read_both_ways(monkeypatch, data)
    assert joined == []  # nothing was handed over to parse ahead
    _same(whole, parts)


def test_the_splitter_cuts_at_a_row_tag_and_keeps_every_byte():
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(1, 400)
    )
    head = b'<?xml version="1.0"?><worksheet xmlns="m"><dimension ref="A1:A399"/><sheetData>'
    tail = b'</sheetData><mergeCells count="1"><mergeCell ref="A1:A2"/></mergeCells></worksheet>'
    xml = head + rows + tail
    for size in (60, 100, 4096, len(xml)):  # inflating yields far larger pieces
        handed: list[bytes] = []
        splitter = xlsx._Splitter(len(xml), lambda pieces, out=handed: out.append(b"".join(pieces)))
        for pos in range(0, len(xml), size):
            splitter.write(xml[pos : pos + size])
        splitter.close()
        first, second = handed
        assert first.startswith(head) and first.endswith(b"</row></sheetData></worksheet>")
        assert second.startswith(head + b'<row r="') and second.endswith(tail)
        cut = len(first) - len(b"</sheetData></worksheet>")
        assert first[:cut] + second[len(head) :] == xml
        assert cut >= xlsx._Splitter.FIRST_PART * len(xml) - size  # in the piece that crossed
    handed = []
    splitter = xlsx._Splitter(len(xml), handed.append)
    for pos in range(len(xml)):
        splitter.write(xml[pos : pos + 1])
    splitter.close()
    assert handed == []  # no piece holds a whole "<row ": not split, read whole
    short = (
        head
        + b'<row r="1"/>'
        + b"</sheetData>"
        + b"<extLst>"
        + b" " * 5000
        + b"</extLst></worksheet>"
    )
    handed = []
    splitter = xlsx._Splitter(len(short), handed.append)
    for pos in range(0, len(short), 100):
        splitter.write(short[pos : pos + 100])
    splitter.close()
    assert handed == []  # the rows end before half the part: nothing to split


def test_stored_zip_is_a_valid_archive():
    members = [
        ("[Content_Types].xml", [b"<Types/>"]),
        ("xl/worksheets/sheet1.xml", [b"<a>", memoryview(b"xyz<b/>")[3:], b"</a>"]),
        ("xl/tên.xml", [b""]),
    ]
    zf = zipfile.ZipFile(io.BytesIO(xlsx._stored_zip(members)))
    assert zf.testzip() is None  # every CRC checks
    assert zf.namelist() == ["[Content_Types].xml", "xl/worksheets/sheet1.xml", "xl/tên.xml"]
    assert zf.read("xl/worksheets/sheet1.xml") == b"<a><b/></a>"
    assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())


def test_a_lying_member_is_refused_while_parts_are_parsed(monkeypatch):
    """The cap still refuses a member that inflates beyond its declared size; the parsing
    threads started on the part inflated so far are waited for."""
    data = bytearray(_merged_book())
    name = b"xl/worksheets/sheet1.xml"
    pos = data.find(b"PK\x01\x02")
    while data[pos + 46 : pos + 46 + len(name)] != name:
        pos = data.find(b"PK\x01\x02", pos + 4)
    declared = struct.unpack_from("<I", data, pos + 24)[0]
    struct.pack_into("<I", data, pos + 24, declared - 50)  # the sheet says it is 50 bytes shorter
    monkeypatch.setattr(xlsx, "SPLIT_SHEET_BYTES", 1)
    monkeypatch.setattr(xlsx, "_INFLATE_STEP", 97)
    before = threading.active_count()
    with pytest.raises(reading.InputRejected) as caught:
        reading.read_table(bytes(data), "a.xlsx")
    assert caught.value.errors[0].code in ("zip_bomb", "damaged_file")
    assert threading.active_count() == before


def _error_and_formula(xml: bytes) -> bytes:
    """An error cell early in the sheet (first part) and a formula without a saved result late
    in it (second part): the inflating skips looking for them in a split sheet; the parts are
    looked at instead."""
    early = xml.index(b'<c r="C7"')
    early_end = xml.index(b"</c>", early) + 4
    xml = xml[:early] + b'<c r="C7" t="e"><v>#N/A</v></c>' + xml[early_end:]
    late = xml.index(b'<c r="E118"')
    late_end = xml.index(b"</c>", late) + 4
    return xml[:late] + b'<c r="E118"><f>CONCAT("a","b")</f><v></v></c>' + xml[late_end:]


@pytest.mark.parametrize("prefixed", [False, True])
def test_error_cells_and_formulas_are_found_in_a_sheet_read_in_two_parts(monkeypatch, prefixed):
    def edit(xml: bytes) -> bytes:
        xml = _error_and_formula(xml)
        if prefixed:  # not split: the sheet is looked at once it is asked for
            xml = (
                xml.replace(b"<worksheet xmlns=", b"<x:worksheet xmlns:x=")
                .replace(b"</worksheet>", b"</x:worksheet>")
                .replace(b"<sheetData>", b"<x:sheetData>")
                .replace(b"</sheetData>", b"</x:sheetData>")
            )
        return xml

    data = _rewrite_sheet(_merged_book(), edit)
    whole, parts, joined = _read_both_ways(monkeypatch, data)
    assert joined == ([] if prefixed else [True])
    _same(whole, parts)
    found = [(p.code, p.row, p.column) for p in parts.warnings]
    assert ("cell_error", 7, "Cơ quan chủ trì") in found
    assert ("formula_no_cached_value", 118, "Tình trạng") in found


@pytest.mark.parametrize("task_id", [False, True])
def test_a_text_column_converts_the_same_cell_by_cell_or_once_per_distinct_value(
    monkeypatch, task_id
):
    """_convert_column judges repetition on a text column's first cells; what it returns must not
    depend on that choice (error literals, over-long cells, odd spaces and blanks included)."""
    rng = random.Random(3)
    pool = [
        "Việc số 1",
        "  Việc có khoảng trắng  ",
        "Cong\u0301 viê\u0323c",  # decomposed: NFC composes it
        "#N/A",
        "  #REF!",
        "Err:502",
        "Establish the data centre",
        "x" * (reading.MAX_CELL_CHARS + 1),
        "",
        "a\u00a0b",
        "Việc\x00 có\x1f ký tự điều khiển\x07",
    ]
    distinct = [f"Nhiệm vụ {i}" for i in range(3_000)]
    texts = (
        distinct + pool,  # mostly distinct
        pool + distinct,
        distinct[:300] + [rng.choice(pool) for _ in range(5_000)],  # distinct only at first
        [rng.choice(pool) for _ in range(5_000)],  # repeated
    )
    others = (
        [float(i) if i % 7 else "" for i in range(3_000)],  # numbers with blank cells
        [*range(2, 400), True, 1, *range(400, 3_000)],  # True == 1: never one conversion
        [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(3_000)] + ["Quý III/2025"],
    )
    for column in (*texts, *others):
        results = []
        for probe in (100, 10**9):  # judged on the first 100 cells / on every cell
            monkeypatch.setattr(row_conversion, "_DISTINCT_PROBE", probe)
            found: set[str] = set()
            results.append(
                (*row_conversion._convert_column(list(column), task_id, None, found), found)
            )
        assert results[0] == results[1]
        assert [type(v) for v in results[0][0]] == [type(v) for v in results[1][0]]
        conv, bad, found = results[0]
        assert found == {v for v in column if isinstance(v, str) and safe_text.has_controls(v)}
        if column in texts:
            assert conv[column.index("#N/A")] is None and bad["#N/A"] == ("error", "#N/A")
            assert bad["x" * (reading.MAX_CELL_CHARS + 1)][0] == "long"
            assert conv[column.index("  Việc có khoảng trắng  ")] == "Việc có khoảng trắng"
            at = column.index("Việc\x00 có\x1f ký tự điều khiển\x07")
            assert conv[at] == "Việc có ký tự điều khiển"
