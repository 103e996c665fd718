"""Read uploaded files in a separate, limited process.

A hostile or huge file must not stall or kill the dashboard, which serves every user from one
process. So the dashboard never parses an upload itself: `read_file` (and `annotate_file`) start
`python -m analytics.sandbox` as a child process and talk to it over pipes:

- request on stdin: one JSON line (action, parameters, payload size), then the file bytes;
- answer on stdout: one JSON line (never a pickle), then an optional binary payload; what a
  Prepared becomes on the way is analytics/sandbox_wire.py.

The child limits itself once its code is imported, before it reads a byte of the request:

- address space (RLIMIT_AS, `TASKS_SANDBOX_MEM_MB`, default 2048 MB; a 150,000-row workbook
  peaks at about 1 GB of address space, 600 MB resident), CPU seconds (RLIMIT_CPU), no file
  written while reading (RLIMIT_FSIZE 0; the annotated copy may write openpyxl's scratch files,
  up to 256 MB, in a private temporary folder the parent removes), no core dumps, few open
  files, lower scheduling priority;
- its environment is minimal (no database path, no credentials) and openpyxl's defusedxml switch
  is forced on (and checked) before openpyxl is imported.

The parent adds a wall-clock limit (`TASKS_SANDBOX_TIMEOUT`, default 120 s; the child is killed
when it expires) and runs at most `MAX_PARALLEL` children at once (others wait, then get a "busy"
answer). A child that dies, runs out of memory or time becomes a clear bilingual refusal
(`InputRejected` problems), never a traceback. The same pipeline as the command line runs in the
child (`analytics.ingest.prepare`); formulas are never evaluated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from analytics import sandbox_wire as wire
from analytics.problems import InputRejected, Problem, error

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)

MEM_LIMIT_MB = int(os.environ.get("TASKS_SANDBOX_MEM_MB") or 2048)
TIMEOUT_S = float(os.environ.get("TASKS_SANDBOX_TIMEOUT") or 120)
MAX_PARALLEL = 2
WAIT_FOR_SLOT_S = 60.0
SCRATCH_FILE_BYTES = 256 * 2**20  # openpyxl writes each sheet to a temporary file (annotate)
HEAD_ROWS = 32  # rows of the sheet shown for choosing the header row and the columns
HEAD_CELL_CHARS = 120
MAX_HEADER_LINE = 1 << 20
MAX_PROBLEMS_TO_ANNOTATE = 20_000

# Rejections a user can fix by choosing another sheet, header row or column mapping.
LAYOUT_CODES = frozenset(
    {
        "no_header",
        "missing_columns",
        "no_rows",
        "bad_header_row",
        "bad_mapping",
        "sheet_not_found",
        "empty_sheet",
        "chart_sheet",
        "no_sheet_left",
        "no_sheet_chosen",
    }
)

_slots = threading.BoundedSemaphore(MAX_PARALLEL)


class SandboxBusy(RuntimeError):
    """Every reading slot stayed taken for WAIT_FOR_SLOT_S seconds."""


@dataclass
class Head:
    """The first rows of the sheet as text, for a header-row and column picker."""

    sheet: str | None
    sheets: list[str]
    rows: list[list[str]]

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class ReadResult:
    """What the child made of a file: a Prepared, or the problems that stopped it."""

    prepared: object | None  # analytics.ingest.Prepared (its table carries no rows)
    errors: list[Problem] = field(default_factory=list)  # set when the file could not be read
    warnings: list[Problem] = field(default_factory=list)
    head: Head | None = None
    stats: dict = field(default_factory=dict)
    file_format: str | None = None

    @property
    def ok(self) -> bool:
        return self.prepared is not None

    @property
    def layout_problem(self) -> bool:
        """The file was readable but its table was not found as asked (a picker can help)."""
        return self.prepared is None and any(p.code in LAYOUT_CODES for p in self.errors)


# --------------------------------------------------------------------------- messages


def _limit_problem(kind: str, detail: str = "") -> Problem:
    if kind == "timeout":
        return error(
            "too_slow",
            "Reading the file took longer than allowed and was stopped. A task list reads in "
            "seconds: the file may be damaged or far larger than a task list (split it, or save "
            "it again as .xlsx with only the task sheet).",
            "Việc đọc tệp quá thời gian cho phép nên đã dừng. Một danh mục nhiệm vụ chỉ mất vài "
            "giây để đọc: tệp có thể bị hỏng hoặc lớn hơn nhiều so với một danh mục nhiệm vụ "
            "(hãy tách tệp, hoặc lưu lại dạng .xlsx chỉ gồm trang nhiệm vụ).",
        )
    if kind == "memory":
        return error(
            "too_much_memory",
            "Reading the file needed more memory than allowed and was stopped. The file may be "
            "damaged or far larger than a task list (split it, or keep only the task sheet).",
            "Việc đọc tệp cần nhiều bộ nhớ hơn mức cho phép nên đã dừng. Tệp có thể bị hỏng hoặc "
            "lớn hơn nhiều so với một danh mục nhiệm vụ (hãy tách tệp hoặc chỉ giữ trang nhiệm vụ).",
        )
    extra = f" ({detail})" if detail else ""
    return error(
        "reader_failed",
        f"The file could not be read{extra}. Open it in Excel, save it again as .xlsx and upload "
        "that copy.",
        f"Không đọc được tệp{extra}. Hãy mở bằng Excel, lưu lại dạng .xlsx rồi tải lên bản đó.",
    )


def _dtd_problem(member: str) -> Problem:
    return error(
        "xml_entities",
        f"The file's part '{member}' declares XML entities or a document type (DTD). Spreadsheets "
        "never need them and they are a known attack (billion laughs, external entities): refused. "
        "Open the file in Excel, save it again as .xlsx and upload that copy.",
        f"Thành phần '{member}' của tệp khai báo thực thể XML hoặc kiểu tài liệu (DTD). Bảng tính "
        "không bao giờ cần chúng và đây là một kiểu tấn công đã biết: từ chối. Hãy mở tệp bằng "
        "Excel, lưu lại dạng .xlsx rồi tải lên bản đó.",
        value=member,
    )


# --------------------------------------------------------------------------- parent side


def _child_env(mem_mb: int, cpu_s: int) -> dict[str, str]:
    """A minimal environment: no database path, no secrets, defusedxml forced on."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": tempfile.gettempdir(),
        "OPENPYXL_DEFUSEDXML": "True",
        "OMP_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        "TASKS_SANDBOX_CHILD": "1",
        "TASKS_SANDBOX_MEM_MB": str(mem_mb),
        "TASKS_SANDBOX_CPU_S": str(cpu_s),
    }


def run_action(
    action: str,
    params: dict,
    data: bytes = b"",
    *,
    timeout: float | None = None,
    mem_mb: int | None = None,
) -> tuple[dict, bytes]:
    """Run one action in a fresh limited child; (answer header, payload).

    Limits that bite come back as {"ok": False, "limit": "timeout" | "memory" | "crash"}."""
    timeout = float(timeout or TIMEOUT_S)
    mem_mb = int(mem_mb or MEM_LIMIT_MB)
    cpu_s = int(timeout) + 5
    header = json.dumps({"action": action, "params": params, "size": len(data)}).encode()
    request = header + b"\n" + data
    if not _slots.acquire(timeout=WAIT_FOR_SLOT_S):
        raise SandboxBusy("every reading slot is taken")
    started = time.monotonic()
    scratch = tempfile.mkdtemp(prefix="tasks-sandbox-")
    try:
        proc = subprocess.Popen(
            [sys.executable, "-B", "-E", "-s", "-m", "analytics.sandbox"],
            cwd=str(ROOT),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**_child_env(mem_mb, cpu_s), "TMPDIR": scratch, "HOME": scratch},
            close_fds=True,
        )
        try:
            out, err = proc.communicate(request, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()  # our own child, by its handle
            proc.communicate()
            log.warning("reader child (%s) stopped: timeout after %.0f s", action, timeout)
            return {"ok": False, "limit": "timeout", "wall_s": time.monotonic() - started}, b""
    finally:
        _slots.release()
        shutil.rmtree(scratch, ignore_errors=True)  # the child's own scratch folder
    wall = time.monotonic() - started
    if err.strip():  # what the reader logged about the file, a traceback: the server log's
        log.warning(
            "reader child (%s, exit %s) said:\n%s",
            action,
            proc.returncode,
            err[-8000:].decode("utf-8", "replace").rstrip(),
        )
    line, _, payload = out.partition(b"\n")
    try:
        answer = json.loads(line) if line else None
    except ValueError:
        answer = None
    if proc.returncode != 0 or not isinstance(answer, dict):
        rc = proc.returncode
        tail = err[-2000:].decode("utf-8", "replace")
        if rc in (-signal.SIGXCPU, -signal.SIGKILL) and wall >= timeout * 0.5:
            kind = "timeout"
        elif (
            rc in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL)
            or "MemoryError" in tail
            or ("memory allocation" in tail)
        ):
            kind = "memory"
        else:
            kind = "crash"
        log.warning("reader child (%s) stopped: %s, exit %s", action, kind, rc)
        return {"ok": False, "limit": kind, "returncode": rc, "stderr": tail, "wall_s": wall}, b""
    if answer.get("limit"):
        log.warning("reader child (%s): %s %s", action, answer["limit"], answer.get("detail", ""))
    answer.setdefault("stats", {})["wall_s"] = round(wall, 3)
    return answer, payload


def _answer_problems(answer: dict) -> list[Problem]:
    limit = answer.get("limit")
    if limit:
        return [_limit_problem(limit)]
    return [wire.problem_from(x) for x in answer.get("errors", [])] or [_limit_problem("crash")]


def read_file(
    data: bytes,
    file_name: str,
    *,
    as_of: dt.date,
    source: str | None = None,
    sheet: str | None = None,
    sheets: list[str] | None = None,
    skip_sheets: list[str] | None = None,
    header_row: int | None = None,
    mapping: dict[str, int] | None = None,
    timeout: float | None = None,
    mem_mb: int | None = None,
    register=None,
) -> ReadResult:
    """`ingest.prepare` in a limited child; never raises for a bad file (see ReadResult).

    `register`: the store's agency register (`agency_units.Register`; the child never sees the
    store), so that the units and names it holds resolve as they do for `ingest`."""
    from analytics.reading import MAX_BYTES

    if len(data) > MAX_BYTES:
        from analytics.reading import read_table

        try:  # the reader's own size message, without starting a child
            read_table(data, file_name)
        except InputRejected as exc:
            return ReadResult(None, exc.errors, exc.warnings)
    params = {
        "file_name": file_name,
        "as_of": as_of.isoformat(),
        "source": source,
        "sheet": sheet,
        "sheets": list(sheets) if sheets else None,
        "skip_sheets": list(skip_sheets) if skip_sheets else None,
        "header_row": header_row,
        "mapping": mapping,
        "register": register.to_doc() if register else None,
    }
    answer, _ = run_action("prepare", params, data, timeout=timeout, mem_mb=mem_mb)
    head = None
    if answer.get("head"):
        h = answer["head"]
        head = Head(h.get("sheet"), list(h.get("sheets") or []), h.get("rows") or [])
    stats = answer.get("stats", {})
    if answer.get("ok") and answer.get("prepared"):
        prepared = wire.decode_prepared(answer["prepared"])
        return ReadResult(
            prepared,
            head=head,
            stats=stats,
            file_format=prepared.table.file_format,
        )
    warnings = [wire.problem_from(x) for x in answer.get("warnings", [])]
    return ReadResult(
        None,
        _answer_problems(answer),
        warnings,
        head=head,
        stats={**stats, **{k: answer[k] for k in ("limit", "returncode") if k in answer}},
        file_format=answer.get("file_format"),
    )


def annotate_file(
    data: bytes,
    file_name: str,
    table: dict,
    problems: list[Problem],
    lang: str = "vi",
    *,
    timeout: float | None = None,
    mem_mb: int | None = None,
) -> bytes:
    """The user's workbook with problem cells highlighted and explained (built in a child).

    `table`: file_format, sheet, header_row, headers, mapping, delimiter of the reading.
    Raises InputRejected when the copy cannot be made."""
    params = {
        "file_name": file_name,
        "table": table,
        "problems": [wire.problem_doc(p) for p in problems[:MAX_PROBLEMS_TO_ANNOTATE]],
        "lang": lang,
    }
    answer, payload = run_action("annotate", params, data, timeout=timeout, mem_mb=mem_mb)
    if not answer.get("ok"):
        raise InputRejected(_answer_problems(answer))
    return payload


# --------------------------------------------------------------------------- child side


def _limit_self() -> None:
    import resource

    mem = int(os.environ.get("TASKS_SANDBOX_MEM_MB") or MEM_LIMIT_MB) * 2**20
    cpu = int(os.environ.get("TASKS_SANDBOX_CPU_S") or TIMEOUT_S + 5)
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (SCRATCH_FILE_BYTES, SCRATCH_FILE_BYTES))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), min(256, hard)))
    with contextlib.suppress(OSError):
        os.nice(5)


def _check_defused() -> None:
    """openpyxl must parse through defusedxml (it decides when it is imported)."""
    import openpyxl
    import openpyxl.xml.functions as oxf

    if openpyxl.DEFUSEDXML is not True or not oxf.iterparse.__module__.startswith("defusedxml"):
        raise RuntimeError("openpyxl is not using defusedxml; refusing to open workbooks")


def _refuse_dtd(data: bytes) -> None:
    """Zip containers: refuse XML parts that declare a DTD or entities (checked after the
    central directory, reading only the first 4 KB of each XML part)."""
    if data[:2] != b"PK":
        return
    from analytics.reading import check_container

    check_container(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception:
        return  # the reader says what is wrong with the archive
    for zi in infos:
        if zi.is_dir() or not zi.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with zf.open(zi) as fh:
                head = fh.read(4096)
        except Exception:
            return
        probe = head.lower()
        if b"<!doctype" in probe or b"<!entity" in probe:
            raise InputRejected([_dtd_problem(zi.filename)])


def _cell_text(v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        return f"{v.day:02d}/{v.month:02d}/{v.year:04d}"
    text = " ".join(str(v).split())
    return text if len(text) <= HEAD_CELL_CHARS else text[: HEAD_CELL_CHARS - 1] + "…"


def _trim(rows: list[list]) -> list[list[str]]:
    from analytics.reading import MAX_COLS

    out = [[_cell_text(v) for v in r[:MAX_COLS]] for r in rows[:HEAD_ROWS]]
    width = 0
    for r in out:
        for i in range(len(r) - 1, -1, -1):
            if r[i]:
                width = max(width, i + 1)
                break
    return [r[:width] + [""] * (width - len(r[:width])) for r in out]


def _head(data: bytes, fmt: str | None, sheet: str | None, delimiter: str | None) -> dict | None:
    """The first rows of the sheet read (or of the first worksheet) as text."""
    import python_calamine as pc

    from analytics.reading import TEXT_FORMATS, _sniff
    from analytics.reading.delimited import text_rows
    from analytics.reading.xlsx import _calamine  # a calamine panic becomes InputRejected

    if fmt is None:
        fmt, info = _sniff(data, "file")
        delimiter = info.get("delimiter") if fmt in TEXT_FORMATS else None
    if fmt in TEXT_FORMATS:
        rows = text_rows(data, delimiter, HEAD_ROWS)
        return {"sheet": None, "sheets": [], "rows": _trim(rows)}
    wb = _calamine(lambda: pc.CalamineWorkbook.from_filelike(io.BytesIO(data)))
    names = list(wb.sheet_names)
    meta = {m.name: m for m in wb.sheets_metadata}

    def usable(n: str) -> bool:
        m = meta.get(n)
        return m is None or m.typ == pc.SheetTypeEnum.WorkSheet

    if sheet not in names:
        visible = [
            n
            for n in names
            if usable(n) and (meta.get(n) is None or meta[n].visible == pc.SheetVisibleEnum.Visible)
        ]
        sheet = (visible or [n for n in names if usable(n)] or [None])[0]
    if sheet is None:
        return {"sheet": None, "sheets": names, "rows": []}
    rows = _calamine(
        lambda: wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=HEAD_ROWS)
    )
    return {"sheet": sheet, "sheets": names, "rows": _trim(rows)}


def _do_prepare(params: dict, data: bytes) -> tuple[dict, bytes]:
    from analytics.ingest import prepare
    from analytics.reading import sniff_format

    fmt = None
    resolver = None
    if params.get("register"):
        from analytics.agency_units import Register, layered

        resolver = layered(Register.from_doc(params["register"]))
    try:
        _refuse_dtd(data)
        fmt = sniff_format(data, params["file_name"])
        prepared = prepare(
            data,
            params["file_name"],
            as_of=dt.date.fromisoformat(params["as_of"]),
            source=params.get("source"),
            sheet=params.get("sheet"),
            sheets=params.get("sheets"),
            skip_sheets=params.get("skip_sheets"),
            header_row=params.get("header_row"),
            mapping=params.get("mapping"),
            resolver=resolver,
        )
    except InputRejected as exc:
        answer = {
            "ok": False,
            "file_format": fmt,
            "errors": [wire.problem_doc(p) for p in exc.errors],
            "warnings": [wire.problem_doc(p) for p in exc.warnings],
        }
        if fmt is not None and any(p.code in LAYOUT_CODES for p in exc.errors):
            with contextlib.suppress(Exception):
                answer["head"] = _head(data, fmt, params.get("sheet"), None)
        return answer, b""
    t = prepared.table
    answer = {"ok": True, "file_format": t.file_format, "prepared": wire.encode_prepared(prepared)}
    with contextlib.suppress(Exception):
        answer["head"] = _head(data, t.file_format, t.sheet, t.delimiter)
    return answer, b""


def _do_annotate(params: dict, data: bytes) -> tuple[dict, bytes]:
    from analytics import templates

    _refuse_dtd(data)
    _check_defused()
    problems = [wire.problem_from(x) for x in params["problems"]]
    out = templates.annotate(
        data, params["file_name"], params["table"], problems, params.get("lang", "vi")
    )
    return {"ok": True, "size": len(out)}, out


def _do_feed(params: dict, data: bytes) -> tuple[dict, bytes]:
    """The JSON task feed (analytics/connectors/feed.py): parsed with its size and depth limits,
    checked against its schema, returned as CSV rows (the payload) for `read_file` to read."""
    from analytics.connectors import feed

    try:
        rows = feed.convert(data, params.get("max_bytes"))
    except feed.FeedRejected as exc:
        return {"ok": False, "errors": [wire.problem_doc(p) for p in exc.problems]}, b""
    answer = {"ok": True, "as_of": rows.as_of.isoformat(), "source": rows.source}
    return {**answer, "ids": list(rows.ids)}, rows.csv


def _do_alloc(params: dict, data: bytes) -> tuple[dict, bytes]:
    """Test hook: allocate and touch `mb` megabytes (the memory limit must stop it)."""
    block = bytearray(int(params["mb"]) * 2**20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return {"ok": True, "allocated_mb": len(block) // 2**20}, b""


def _do_spin(params: dict, data: bytes) -> tuple[dict, bytes]:
    """Test hook: burn CPU for `seconds` (the time limit must stop it)."""
    end = time.monotonic() + float(params["seconds"])
    n = 0
    while time.monotonic() < end:
        n += 1
    return {"ok": True, "n": n}, b""


def _do_limits(params: dict, data: bytes) -> tuple[dict, bytes]:
    """Test hook: the limits in force and the defusedxml switch, as the child sees them."""
    import resource

    _check_defused()
    import openpyxl

    return {
        "ok": True,
        "as": resource.getrlimit(resource.RLIMIT_AS)[0],
        "cpu": resource.getrlimit(resource.RLIMIT_CPU)[0],
        "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
        "defusedxml": openpyxl.DEFUSEDXML,
        "env_keys": sorted(os.environ),
    }, b""


WRITES_SCRATCH = frozenset({"annotate"})
ACTIONS = {
    "prepare": _do_prepare,
    "annotate": _do_annotate,
    "feed": _do_feed,
    "_alloc": _do_alloc,
    "_spin": _do_spin,
    "_limits": _do_limits,
}


def _stats() -> dict:
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "peak_rss_mb": round(ru.ru_maxrss / 1024, 1),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
    }


def main() -> int:
    # The protocol owns the real stdout; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    # Import the whole pipeline before the limits (imports are our code, not the input).
    import analytics.ingest
    import analytics.store  # ingest loads it lazily (a quick CLI start); the child wants it now
    import analytics.templates  # noqa: F401

    _limit_self()

    def reply(answer: dict, payload: bytes = b"") -> None:
        answer.setdefault("stats", {}).update(_stats())
        out.write(json.dumps(answer, ensure_ascii=False, default=str).encode() + b"\n")
        out.write(payload)
        out.flush()

    stdin = sys.stdin.buffer
    line = stdin.readline(MAX_HEADER_LINE)
    try:
        req = json.loads(line)
        action = ACTIONS[req["action"]]
        size = int(req["size"])
        data = stdin.read(size) if size else b""
        if len(data) != size:
            raise ValueError("short request")
    except MemoryError:  # the file alone does not fit under the memory limit
        reply({"ok": False, "limit": "memory"})
        return 0
    except Exception as exc:
        reply({"ok": False, "limit": "crash", "detail": f"bad request: {type(exc).__name__}"})
        return 2
    if req["action"] not in WRITES_SCRATCH:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # reading writes no file at all
    try:
        answer, payload = action(req.get("params") or {}, data)
    except InputRejected as exc:
        answer = {
            "ok": False,
            "errors": [wire.problem_doc(p) for p in exc.errors],
            "warnings": [wire.problem_doc(p) for p in exc.warnings],
        }
        payload = b""
    except MemoryError:
        answer, payload = {"ok": False, "limit": "memory"}, b""
    except RecursionError:
        answer, payload = {"ok": False, "limit": "crash", "detail": "recursion"}, b""
    except Exception as exc:  # the parent gets a clear refusal, stderr the detail
        import traceback

        traceback.print_exc()
        answer, payload = {"ok": False, "limit": "crash", "detail": type(exc).__name__}, b""
    try:
        reply(answer, payload)
    except MemoryError:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
