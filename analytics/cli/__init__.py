"""Command line: `python -m analytics COMMAND ...`; JSON on stdout.

Exit codes: 0 success, 2 input rejected (nothing stored), 1 any other failure (said in JSON).
Every failure prints its JSON: `{"errors": [{"message": ..., "message_vi": ...}]}`, in plain words
(an unexpected one's traceback goes to the log and stderr only). A command that only reads the
store refuses a `--db` (or TASKS_DB) path where there is no database, and creates none.
"""

from __future__ import annotations

import argparse
import sys

from analytics.cli import bootstrap, ingest, snapshots, summary
from analytics.cli.common import fail, log, rejected, unexpected
from analytics.problems import InputRejected, StoreBusy

# The commands registered always (analytics/cli/ingest.py, summary.py, snapshots.py,
# bootstrap.py). The other groups (users, audit, agencies: cli/users.py, audit.py, agencies.py;
# report: cli/report.py, which loads pandas and fpdf; claim, confirm, return, extend, approve,
# reject, cancel: cli/reporting.py) are registered only when the command is not
# one of these, so a daily `ingest` starts in a third of a second.
CORE_COMMANDS = frozenset(
    {"ingest", "summary", "snapshots", "retract", "restore", "sample", "bootstrap"}
)

# Commands that only read the store (a subcommand's name with its group's): where --db or
# TASKS_DB names no database they refuse, instead of creating an empty one to read.
READ_ONLY_COMMANDS = frozenset(
    {
        ("summary", None),
        ("snapshots", None),
        ("report", None),
        ("export", None),
        ("users", "list"),
        ("agencies", "list"),
    }
)


def build_parser(*, extras: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (ingest, summary, snapshots, bootstrap):
        group.register_cli(sub)
    if not extras:
        return parser
    from analytics.cli import agencies, audit, report, reporting, users

    for group in (users, audit, agencies, report, reporting):
        group.register_cli(sub)
    from analytics.cli import pull as pull_cli  # connected sources (issue 17)

    pull_cli.register_cli(sub)
    from analytics.cli import daily  # the daily cycle: pull, report, deliver (issue 17)

    daily.register_cli(sub)
    from analytics.cli import export  # the store for other systems (issue 17)

    export.register_cli(sub)
    return parser


def _no_database(args) -> int | None:
    """Exit 2 for a read-only command whose database does not exist (nothing is created)."""
    sub = getattr(args, f"{args.command}_command", None)
    if (args.command, sub) not in READ_ONLY_COMMANDS or not hasattr(args, "db"):
        return None
    from analytics.store import db_path

    path = db_path(args.db)
    if path.exists():
        return None
    return fail(
        f"There is no database at {path}: nothing to read. Check --db or TASKS_DB "
        "(`python -m analytics ingest` or `sample` creates one).",
        2,
        f"Không có cơ sở dữ liệu tại {path}: không có gì để đọc. Hãy kiểm tra --db hoặc "
        "TASKS_DB (lệnh `python -m analytics ingest` hoặc `sample` tạo cơ sở dữ liệu).",
        kind="no_database",
        value=str(path),
    )


def main(argv: list[str] | None = None) -> int:
    """Run one command; whatever happens, a failure prints its JSON (see the module doc)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    try:
        parser = build_parser(extras=command not in CORE_COMMANDS)
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:
            if not exc.code:
                return 0
            return fail(
                "The command line is not valid; what is wrong and the usage are on stderr "
                "(python -m analytics COMMAND --help).",
                2,
                "Dòng lệnh không hợp lệ; lỗi và cách dùng được in ra stderr "
                "(python -m analytics LỆNH --help).",
                kind="bad_arguments",
            )
        refused = _no_database(args)
        if refused is not None:
            return refused
        return _run(args)
    except Exception as exc:  # the last word: plain JSON, the traceback in the log
        try:
            return unexpected(command, exc)
        except Exception:  # even the words failed (stdout closed?): the fixed ones
            log.exception("could not report the failure")
            sys.stdout.write(_LAST_WORDS)
            return 1


_LAST_WORDS = (
    '{"errors": [{"row": null, "column": null, "value": null, "message": "The command stopped '
    'on an unexpected error. The details are in the log.", "message_vi": "Lệnh dừng lại vì một '
    'lỗi không lường trước. Chi tiết có trong nhật ký.", "code": "unexpected_error"}], '
    '"warnings": []}\n'
)


def _run(args) -> int:
    try:
        return args.func(args)
    except StoreBusy as exc:
        return fail(
            str(exc),
            1,
            "Cơ sở dữ liệu đang được tiến trình khác sử dụng; hãy thử lại sau giây lát.",
            kind="store_busy",
        )
    except InputRejected as exc:
        return rejected(exc)
