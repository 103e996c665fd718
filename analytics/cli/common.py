"""What every command of the command line shares: JSON on stdout, the failure JSON, dates, the
--db option, the actor a change is recorded under, and the plain words of an unexpected failure."""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import json
import logging
import sys

from analytics.i18n import t

log = logging.getLogger("analytics.cli")  # one logger for the whole command line


def iso_date(text: str) -> dt.date:
    """An argparse type: YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def out(doc: dict) -> None:
    """Print a command's answer: JSON on stdout."""
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")


def problem(p) -> dict:
    """A Problem (analytics/problems.py) as the JSON of an error or a warning."""
    return {
        "row": p.row,
        "column": p.column,
        "value": p.value,
        "message": p.message,
        "message_vi": p.message_vi,
        "code": p.code,
        **({"sheet": p.sheet} if p.sheet else {}),
        **({"suggestions": list(p.suggestions)} if p.suggestions else {}),
    }


def rejected(exc) -> int:
    """An InputRejected as its errors and warnings; exit 2 (nothing stored)."""
    out(
        {
            "errors": [problem(p) for p in exc.errors],
            "warnings": [problem(p) for p in exc.warnings],
        }
    )
    return 2


def fail(
    message: str, code: int = 1, message_vi: str | None = None, kind: str | None = None, **extra
) -> int:
    """Print one error as the JSON every failure prints; return the exit code. `kind`: the
    error's "code" in the JSON."""
    error = {"row": None, "column": None, "value": None, "message": message}
    if message_vi is not None:
        error["message_vi"] = message_vi
    if kind is not None:
        error["code"] = kind
    out({"errors": [{**error, **extra}], "warnings": []})
    return code


def add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", default=None, help="database file (default: $TASKS_DB or data/tasks.duckdb)"
    )


def actor() -> str:
    """Who a change made from the command line is recorded under: cli:<login name>."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


_OS_ERRORS = {  # errno → its words in the catalogue (analytics/texts.toml, [os_error])
    errno.EACCES: "os_error.permission_denied",
    errno.EPERM: "os_error.permission_denied",
    errno.EROFS: "os_error.read_only",
    errno.ENOSPC: "os_error.disk_full",
    errno.EDQUOT: "os_error.quota",
    errno.ENOENT: "os_error.no_such_file",
    errno.ENOTDIR: "os_error.not_a_folder",
    errno.EISDIR: "os_error.is_a_folder",
    errno.EEXIST: "os_error.file_in_the_way",
}


def unexpected(command: str | None, exc: Exception) -> int:
    """An unexpected failure in plain words (exit 1); the traceback goes to the log (stderr
    when no log is set up), never into the JSON."""
    log.error("command %s failed", command, exc_info=exc)
    what = f"'{command}'" if command else ""
    if isinstance(exc, OSError) and exc.errno in _OS_ERRORS:
        why_en, why_vi = t(_OS_ERRORS[exc.errno], "en"), t(_OS_ERRORS[exc.errno], "vi")
        target = exc.filename or ""
        en = f"The command {what} could not read or write {target}: {why_en}."
        vi = f"Lệnh {what} không đọc hoặc ghi được {target}: {why_vi}."
        return fail(en, 1, vi, kind="os_error", value=str(target) or None)
    duckdb = sys.modules.get("duckdb")
    if duckdb is not None and isinstance(exc, duckdb.IOException | duckdb.SerializationException):
        en = (
            f"The command {what} stopped: the database could not be read or written (it may be "
            "damaged, or not a database of this program). The details are in the log."
        )
        vi = (
            f"Lệnh {what} dừng lại: không đọc hoặc ghi được cơ sở dữ liệu (có thể bị hỏng, hoặc "
            "không phải cơ sở dữ liệu của chương trình này). Chi tiết có trong nhật ký."
        )
        return fail(en, 1, vi, kind="database_error")
    en = f"The command {what} stopped on an unexpected error. The details are in the log."
    vi = f"Lệnh {what} dừng lại vì một lỗi không lường trước. Chi tiết có trong nhật ký."
    return fail(en, 1, vi, kind="unexpected_error")
