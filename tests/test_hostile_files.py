"""Hostile files through the upload path (quarantine, then the sandbox child): each is refused
with a clear bilingual message, the child's memory stays bounded, the dashboard process does not
grow, and the store is unchanged. Every file is made here.

The limits themselves are tested too (a child that allocates too much or spins too long is
stopped), so that a refusal cannot come from a limit that silently stopped working.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import struct
import subprocess
import threading
import time
import zipfile

import openpyxl
import pytest

from analytics import sandbox, store, uploads
from analytics.model import Task

AS_OF = dt.date(2025, 8, 28)
GENEROUS_S = 90  # a refusal must come back well within this (no tighter timing is asserted)


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _peak_mb() -> float:
    """This process's peak resident memory since the last `_reset_peak` (VmHWM)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc/self/status")


def _reset_peak() -> None:
    """Start VmHWM again from the current resident memory (Linux: /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
        fh.write("5")


@pytest.fixture(scope="module")
def parent_rss():
    """The test process's resident memory before the hostile files (checked at the end)."""
    return {"start": _rss_mb()}


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "tasks.duckdb"
    monkeypatch.setenv("TASKS_DB", str(path))
    monkeypatch.setenv("TASKS_UPLOADS", str(tmp_path / "uploads"))
    task = Task(task_id="t1", title="Nhiệm vụ", lead_ids=("mof",), lead_text="Bộ Tài chính")
    store.commit_snapshot(
        path,
        source="NQ71",
        as_of=AS_OF,
        tasks=[task],
        agencies=[],
        file_bytes=b"seed",
        file_name="seed.xlsx",
    )
    return path


def base_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"])
    ws.append([1, "NVA", "Bộ Tài chính", dt.date(2025, 9, 30)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite(data: bytes, edit) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, edit(info.filename, src.read(info.filename)))
    return out.getvalue()


LOL = (
    '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
).encode()
XXE = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def with_dtd(member: str, dtd: bytes, ref: bytes) -> bytes:
    def edit(name: str, body: bytes) -> bytes:
        if name != member:
            return body
        if body.startswith(b"<?xml"):
            body = body.split(b"?>", 1)[1]
        return dtd + body.replace(b"<t>NVA</t>", b"<t>" + ref + b"</t>")

    return rewrite(base_xlsx(), edit)


def zip_bomb() -> bytes:
    """A small file (under 3 MB) whose sheet inflates to 300 MB of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                fh.write(chunk)
    return buf.getvalue()


def _with_streamed_sheet(head: bytes, rows, tail: bytes) -> bytes:
    """base_xlsx() with its sheet replaced by head + rows + tail, written in chunks (the test
    process never holds the inflated sheet)."""
    src = zipfile.ZipFile(io.BytesIO(base_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, src.read(info.filename))
                continue
            with dst.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(head)
                for chunk in rows:
                    fh.write(chunk)
                fh.write(tail)
    return out.getvalue()


SHEET_HEAD = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>STT</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>N\xe1\xbb\x99i dung nhi\xe1\xbb\x87m v\xe1\xbb\xa5</t></is></c>'
    b'<c r="C1" t="inlineStr"><is><t>C\xc6\xa1 quan ch\xe1\xbb\xa7 tr\xc3\xac</t></is></c></row>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def _million_rows(step: int = 20_000):
    for start in range(2, 1_000_002, step):
        yield b"".join(
            b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>x</t></is></c></row>'
            % (i, i, i, i)
            for i in range(start, min(start + step, 1_000_002))
        )


def lying_zip() -> bytes:
    """An honest-looking directory (a sheet 'of 1,000 bytes') over a sheet of 60 MB."""
    data = bytearray(_with_streamed_sheet(SHEET_HEAD, _million_rows(), SHEET_TAIL))
    name = b"xl/worksheets/sheet1.xml"
    pos = data.find(b"PK\x01\x02")
    while data[pos + 46 : pos + 46 + len(name)] != name:
        pos = data.find(b"PK\x01\x02", pos + 4)
    # zip64 entries keep the real size in the extra field: rewrite the plain field and drop zip64
    extra_len = struct.unpack_from("<H", data, pos + 30)[0]
    struct.pack_into("<I", data, pos + 24, 1000)
    if extra_len:
        struct.pack_into("<H", data, pos + 30, 0)
        start = pos + 46 + len(name)
        del data[start : start + extra_len]
        eocd = data.rfind(b"PK\x05\x06")
        size = struct.unpack_from("<I", data, eocd + 12)[0]
        struct.pack_into("<I", data, eocd + 12, size - extra_len)
        loc = data.rfind(b"PK\x06\x06")
        if loc >= 0:  # zip64 end record: central directory size
            size64 = struct.unpack_from("<Q", data, loc + 40)[0]
            struct.pack_into("<Q", data, loc + 40, size64 - extra_len)
    return bytes(data)


@functools.cache
def million_row_sheet() -> bytes:
    return _with_streamed_sheet(SHEET_HEAD, _million_rows(), SHEET_TAIL)


def million_row_csv() -> bytes:
    out = io.BytesIO()
    out.write("STT,Nội dung nhiệm vụ,Cơ quan chủ trì\n".encode())
    line = "1,x,Bộ Tài chính\n".encode()
    for _ in range(100):
        out.write(line * 10_000)
    return out.getvalue()


def docx_like() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return buf.getvalue()


HOSTILE = {
    "billion_laughs_sheet": (
        lambda: with_dtd("xl/worksheets/sheet1.xml", LOL, b"&lol9;"),
        "xml_entities",
    ),
    "billion_laughs_workbook": (lambda: with_dtd("xl/workbook.xml", LOL, b""), "xml_entities"),
    "external_entity": (
        lambda: with_dtd("xl/worksheets/sheet1.xml", XXE, b"&xxe;"),
        "xml_entities",
    ),
    "zip_bomb": (zip_bomb, "zip_bomb"),
    "declared_size_lies": (lying_zip, "zip_bomb"),
    "png_named_xlsx": (lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 2048, "unsupported_format"),
    "elf_named_xlsx": (lambda: b"\x7fELF\x02\x01\x01" + b"\0" * 4096, "unsupported_format"),
    "html_named_xls": (  # a page with a table is read (tests/test_formats.py)
        lambda: b"<html><body><p>1</p><script>alert(1)</script></body></html>",
        "unsupported_format",
    ),
    "word_named_xlsx": (docx_like, "unsupported_format"),
    "truncated_xlsx": (lambda: base_xlsx()[:1500], "damaged_file"),
    "million_row_sheet": (million_row_sheet, "too_many_rows"),
    "million_row_csv": (million_row_csv, "too_many_rows"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_file_is_refused_quickly_with_a_message_and_the_store_is_unchanged(
    kind, db, parent_rss
):
    make, code = HOSTILE[kind]
    data = make()
    name = f"{kind}.csv" if kind.endswith("csv") else f"{kind}.xlsx"
    counts, token = store.storage_counts(db), store.version_token(db)
    q = uploads.quarantine(data, name, "root")  # kept by hash first
    assert (uploads.quarantine_dir() / q.sha256).is_file()
    t0 = time.monotonic()
    result = sandbox.read_file(uploads.quarantined_bytes(q.sha256), name, as_of=AS_OF)
    elapsed = time.monotonic() - t0
    assert not result.ok
    assert [e.code for e in result.errors][:1] == [code], result.errors
    err = result.errors[0]
    assert err.message and err.message_vi and err.message != err.message_vi
    assert "root:" not in err.message + err.message_vi  # no file content leaked
    assert elapsed < GENEROUS_S
    peak = result.stats.get("peak_rss_mb")
    assert peak is not None and peak < sandbox.MEM_LIMIT_MB  # measured in the child
    assert store.storage_counts(db) == counts and store.version_token(db) == token


def test_openpyxl_in_this_process_and_in_the_child_parses_through_defusedxml():
    answer, _ = sandbox.run_action("_limits", {})
    assert answer["ok"] and answer["defusedxml"] is True
    assert answer["as"] == sandbox.MEM_LIMIT_MB * 2**20 and answer["fsize"] == 0
    assert "TASKS_DB" not in answer["env_keys"]  # the child never sees the store
    import openpyxl.xml.functions as oxf

    assert oxf.iterparse.__module__.startswith("defusedxml")  # this process too
    with pytest.raises(ValueError) as exc:  # openpyxl wraps the defusedxml error
        openpyxl.load_workbook(io.BytesIO(with_dtd("xl/worksheets/sheet1.xml", LOL, b"&lol9;")))
    causes, e = [], exc.value
    while e is not None:
        causes.append(type(e).__name__)
        e = e.__cause__ or e.__context__
    assert "EntitiesForbidden" in causes


def test_the_annotated_copy_refuses_a_hostile_workbook_too():
    data = with_dtd("xl/worksheets/sheet1.xml", XXE, b"&xxe;")
    table = {"file_format": "xlsx", "sheet": "Sheet", "header_row": 1, "headers": [], "mapping": {}}
    from analytics.problems import InputRejected

    with pytest.raises(InputRejected) as exc:
        sandbox.annotate_file(data, "x.xlsx", table, [])
    assert exc.value.errors[0].code == "xml_entities"


def test_the_memory_limit_stops_a_child_that_allocates_too_much():
    answer, _ = sandbox.run_action("_alloc", {"mb": 400}, mem_mb=1024)
    assert answer["ok"]  # the hook works under the limit...
    answer, _ = sandbox.run_action("_alloc", {"mb": 3000}, mem_mb=1024)
    assert not answer["ok"] and answer["limit"] == "memory"  # ...and is stopped above it
    result = sandbox.read_file(million_row_sheet(), "m.xlsx", as_of=AS_OF, mem_mb=300)
    assert [e.code for e in result.errors] == ["too_much_memory"]
    assert "memory" in result.errors[0].message and "bộ nhớ" in result.errors[0].message_vi


def test_the_time_limit_stops_a_slow_child_and_the_parent_keeps_answering():
    done = []

    def other_user():  # another session's work goes on while a child is busy
        for _ in range(20):
            done.append(sum(range(10_000)))
            time.sleep(0.05)

    t = threading.Thread(target=other_user)
    t.start()
    t0 = time.monotonic()
    answer, _ = sandbox.run_action("_spin", {"seconds": 60}, timeout=3)
    elapsed = time.monotonic() - t0
    during = len(done)  # what the other session did while this one waited for its child
    t.join()
    assert set(answer) == {"ok", "limit", "wall_s"}
    assert answer["ok"] is False and answer["limit"] == "timeout"
    assert 3 <= answer["wall_s"] < 30 and elapsed < 30  # stopped at the limit, not at 60 s
    assert during >= 10, during  # the parent was not blocked while the child spun
    result = sandbox.read_file(base_xlsx(), "ok.xlsx", as_of=AS_OF)
    assert result.ok  # the next file is read as usual


def test_too_many_children_at_once_wait_then_get_busy(monkeypatch):
    monkeypatch.setattr(sandbox, "WAIT_FOR_SLOT_S", 0.2)
    taken = []
    for _ in range(sandbox.MAX_PARALLEL):
        assert sandbox._slots.acquire(timeout=1)
        taken.append(1)
    try:
        with pytest.raises(sandbox.SandboxBusy):
            sandbox.run_action("_limits", {})
    finally:
        for _ in taken:
            sandbox._slots.release()


def test_an_oversized_file_never_reaches_a_child(monkeypatch):
    monkeypatch.setattr("analytics.reading.MAX_BYTES", 1000)

    def no_child(*a, **k):
        raise AssertionError("a child was started")

    monkeypatch.setattr(subprocess, "Popen", no_child)
    result = sandbox.read_file(b"x" * 2000, "big.csv", as_of=AS_OF)
    assert [e.code for e in result.errors] == ["file_too_large"]


def test_the_dashboard_process_did_not_grow(parent_rss):
    """After the hostile files above (same module), and on its own: while a child reads a
    million-row file (its peak measured by the child: hundreds of MB), this process's own peak
    grows by little more than the file's bytes, so the parsing happened elsewhere."""
    assert _rss_mb() - parent_rss["start"] < 200  # what the module's files left behind
    data = million_row_csv()  # 20 MB, made before the peak is taken
    _reset_peak()
    before = _peak_mb()
    result = sandbox.read_file(data, "m.csv", as_of=AS_OF)
    grown = _peak_mb() - before
    assert [e.code for e in result.errors] == ["too_many_rows"]
    child = result.stats["peak_rss_mb"]
    assert child > 150, child  # the reading was real work...
    assert grown < 80, (grown, child)  # ...done in the child (here it would add ~140 MB)
