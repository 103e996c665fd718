"""Command line: `python -m analytics COMMAND ...`; JSON on stdout.

Exit codes: 0 success, 2 input rejected (nothing stored), 1 any other failure (said in JSON).
Every failure prints its JSON: `{"errors": [{"message": ..., "message_vi": ...}]}`, in plain words
(an unexpected one's traceback goes to the log and stderr only). A command that only reads the
store refuses a `--db` (or TASKS_DB) path where there is no database, and creates none.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import json
import logging
import sys
from pathlib import Path

from analytics.problems import InputRejected, StoreBusy

MAX_FILE_BYTES = 25 * 1024 * 1024
log = logging.getLogger(__name__)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _print(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")


def _problem(p) -> dict:
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


def _fail(
    message: str, code: int = 1, message_vi: str | None = None, kind: str | None = None, **extra
) -> int:
    """Print one error as the JSON every failure prints; return the exit code. `kind`: the
    error's "code" in the JSON."""
    error = {"row": None, "column": None, "value": None, "message": message}
    if message_vi is not None:
        error["message_vi"] = message_vi
    if kind is not None:
        error["code"] = kind
    _print({"errors": [{**error, **extra}], "warnings": []})
    return code


def _update_refusal(args) -> str | None:
    """What the upload page would refuse before reading the file: an unknown agency to update,
    or an account (`--user` naming one) whose role may not make this upload."""
    from analytics import store
    from analytics.agency_units import resolver_for

    resolver = resolver_for(args.db)  # the store's units too
    ids = []
    for given in args.update_agency or ():
        agency = resolver.get(given) or resolver.resolve(given)
        if agency is None:
            return f"Unknown agency to update: {given} / Không có cơ quan: {given}"
        ids.append(agency.id)
    if ids:  # a ministry's update covers its units' tasks
        ids = list(store.with_units_of(args.db, ids))
    args.update_agency = ids
    if not args.user:
        return None
    from analytics import auth

    if not store.db_path(args.db).exists() or not auth.account_exists(args.db, args.user):
        return None  # an operator's name (cron): recorded with the snapshot, not an account
    account = auth.get_user(args.db, args.user)  # None: disabled
    if account is None or not account.can_upload:
        return f"User {args.user} may not upload data / Người dùng {args.user} không có quyền tải dữ liệu lên."
    if account.role == "agency_editor" and not ids:
        return (
            f"User {args.user} may only update their own agencies' tasks: give --update-agency "
            f"/ Tài khoản {args.user} chỉ được cập nhật nhiệm vụ của cơ quan mình."
        )
    outside = account.refused_agencies(ids)
    if outside:
        names = ", ".join(outside)
        return f"User {args.user} may not update {names} / Tài khoản {args.user} không được cập nhật {names}."
    return None


def cmd_ingest(args) -> int:
    from analytics.ingest import ingest

    path = Path(args.file)
    if not path.is_file():
        return _fail(f"File not found: {args.file}", 2, f"Không tìm thấy tệp: {args.file}")
    if path.stat().st_size > MAX_FILE_BYTES:
        mb = MAX_FILE_BYTES // (1024 * 1024)
        return _fail(f"The file is larger than {mb} MB.", 2, f"Tệp lớn hơn {mb} MB.")
    data = path.read_bytes()
    as_of = args.as_of or dt.date.today()
    refused = _update_refusal(args)
    if refused:
        return _fail(refused, 2)
    try:
        result, prepared = ingest(
            args.db,
            data,
            path.name,
            as_of=as_of,
            source=args.source,
            sheets=args.sheet or None,
            skip_sheets=args.skip_sheet or None,
            user=args.user,
            update_agencies=args.update_agency or None,
            accept_valid_rows=args.accept_valid_rows,
        )
    except InputRejected as exc:
        _print(
            {
                "errors": [_problem(p) for p in exc.errors],
                "warnings": [_problem(p) for p in exc.warnings],
            }
        )
        return 2
    doc = {
        "snapshot_id": result.snapshot_id,
        "source": result.source,
        "as_of": result.as_of.isoformat(),
        "tasks": result.tasks,
        "duplicate": result.duplicate,
        # every task sheet read with its count, and the sheets not read with the reason
        "sheets": [{"name": n, "tasks": k} for n, k in prepared.sheet_counts()],
        "skipped_sheets": [
            {"name": s.name, "reason": s.reason, "reason_vi": s.reason_vi, "code": s.code}
            for s in prepared.skipped_sheets
        ],
        "warnings": [_problem(p) for p in prepared.warnings],
    }
    if prepared.held_back:
        kept = set(result.kept)
        doc["held_back"] = len(prepared.held_back)
        doc["held_back_rows"] = [
            {**_problem(p), "task_id": h.task_id, "kept_previous": h.task_id in kept}
            for h in prepared.held_back
            for p in h.problems
        ]
        doc["kept_previous"] = list(result.kept)
    if result.duplicate:
        doc["message"] = (
            f"This file was already loaded for this source and date as snapshot {result.snapshot_id}; nothing added."
        )
    _print(doc)
    return 0


def cmd_summary(args) -> int:
    from analytics import store
    from analytics.agency_units import resolver_for

    as_of = args.as_of or store.latest_as_of(args.db) or dt.date.today()
    agency_ids: tuple[str, ...] = ()
    if args.agency:
        resolver = resolver_for(args.db)  # a unit of the store's register too
        agency = resolver.get(args.agency) or resolver.resolve(args.agency)
        if agency is None:
            return _fail(f"Unknown agency: {args.agency}", 2, f"Không có cơ quan: {args.agency}")
        agency_ids = (agency.id,)
    filters = store.Filters(
        sources=tuple(args.source or ()),
        agency_ids=agency_ids,
        source_docs=tuple(args.source_doc or ()),
    )
    if filters.source_docs:  # as written in the files: a name no task in force has is a typo
        known = set(store.source_docs(args.db, as_of, filters.sources)["source_doc"])
        unknown = [d for d in filters.source_docs if d not in known]
        if unknown:
            return _fail(
                f"No task in force on {as_of.isoformat()} has the assigning document "
                f"'{unknown[0]}' / Không có nhiệm vụ nào theo văn bản giao '{unknown[0]}' "
                f"tính đến {as_of.strftime('%d/%m/%Y')}.",
                2,
            )
    scope = store.Scope.everything()
    df = store.load_tasks(args.db, as_of, filters, scope)
    from analytics import metrics  # pandas: loaded only for the commands that need it

    doc = metrics.summary_dict(
        df, store.list_agencies(args.db), as_of, scope_ids=set(agency_ids) or None
    )
    if filters.source_docs:
        doc["source_docs"] = list(filters.source_docs)
    held = store.held_back_in_force(
        args.db, as_of, filters.sources, store.Scope.agencies(agency_ids) if agency_ids else None
    )
    doc["held_back"] = int(held["n_rows"].sum()) if len(held) else 0  # rows not read, in force
    doc["held_back_files"] = [
        {"snapshot_id": int(r.snapshot_id), "file_name": r.file_name, "rows": int(r.n_rows)}
        for r in held.itertuples()
    ]
    _print(doc)
    return 0


def cmd_snapshots(args) -> int:
    from analytics import store

    frame = store.list_snapshots(args.db)
    _print(
        {
            "snapshots": json.loads(
                frame.to_json(orient="records", date_format="iso", force_ascii=False)
            )
        }
    )
    return 0


def cmd_status(args, status: str) -> int:
    from analytics import store

    if not store.set_snapshot_status(args.db, args.snapshot_id, status, user=args.user):
        return _fail(
            f"No snapshot {args.snapshot_id}", 2, f"Không có bản dữ liệu {args.snapshot_id}"
        )
    _print({"snapshot_id": args.snapshot_id, "status": status})
    return 0


def cmd_sample(args) -> int:
    from analytics.ingest import ingest
    from analytics.sample import sample_files

    loaded = []
    for f in sample_files():
        result, _ = ingest(
            args.db, f.path.read_bytes(), f.path.name, as_of=f.as_of, source=f.source, user="sample"
        )
        loaded.append(
            {
                "snapshot_id": result.snapshot_id,
                "source": result.source,
                "as_of": result.as_of.isoformat(),
                "tasks": result.tasks,
                "duplicate": result.duplicate,
            }
        )
    _print({"loaded": loaded})
    return 0


def cmd_bootstrap(args) -> int:
    from analytics import store

    """What `make run` does first: load the sample into an empty database."""
    loaded = []
    if store.is_empty(args.db):
        code = cmd_sample(args)
        if code:
            return code
        loaded = ["sample"]
    sys.stderr.write(
        f"Database: {store.db_path(args.db)}" + (" (sample data loaded)" if loaded else "") + "\n"
    )
    from analytics import auth

    password = auth.ensure_admin(args.db)
    if password:
        sys.stderr.write(
            "\nAdministrator sign-in (shown only this once; only an argon2 hash is stored):\n"
            "  in the dashboard's sidebar open 'Đăng nhập / Sign in' and enter\n"
            "  username: admin\n"
            f"  password: {password}\n"
            "A new password at any time: python -m analytics users set-password admin\n\n"
        )
    else:
        sys.stderr.write(
            "Administrators sign in with their own accounts "
            "(python -m analytics users list | set-password USERNAME).\n"
        )
    return 0


# The commands defined in this module; the user, audit and report commands come from modules
# that load pandas and openpyxl, so they are registered only when the command is not one of these
# (a daily `ingest` starts in a third of a second).
CORE_COMMANDS = frozenset(
    {"ingest", "summary", "snapshots", "retract", "restore", "sample", "bootstrap"}
)


def build_parser(*, extras: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add_db(p):
        p.add_argument(
            "--db", default=None, help="database file (default: $TASKS_DB or data/tasks.duckdb)"
        )

    p = sub.add_parser("ingest", help="load one spreadsheet as a snapshot")
    p.add_argument("file")
    add_db(p)
    p.add_argument("--as-of", type=_date, default=None)
    p.add_argument("--source", default=None)
    p.add_argument(
        "--sheet",
        action="append",
        metavar="NAME",
        help="read only this sheet (repeatable); default: every sheet that holds a task table",
    )
    p.add_argument(
        "--skip-sheet", action="append", metavar="NAME", help="leave this sheet out (repeatable)"
    )
    p.add_argument("--user", default=None)
    p.add_argument(
        "--update-agency", action="append", help="the file updates only this agency's tasks (id)"
    )
    p.add_argument(
        "--accept-valid-rows",
        action="store_true",
        help="store the valid rows and hold back the rows with errors (recorded with the "
        "snapshot; a held-back task keeps its previous version); without it, any row error "
        "rejects the file",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("summary", help="figures as of a date")
    add_db(p)
    p.add_argument("--as-of", type=_date, default=None)
    p.add_argument("--agency", default=None)
    p.add_argument("--source", action="append", default=None)
    p.add_argument(
        "--source-doc",
        action="append",
        default=None,
        help="only the tasks of this assigning document (as written in the files); repeatable",
    )
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("snapshots", help="list snapshots")
    add_db(p)
    p.set_defaults(func=cmd_snapshots)

    for name, status in (("retract", "retracted"), ("restore", "active")):
        p = sub.add_parser(name, help=f"{name} a snapshot")
        p.add_argument("snapshot_id", type=int)
        add_db(p)
        p.add_argument("--user", default=None)
        p.set_defaults(func=lambda a, s=status: cmd_status(a, s))

    p = sub.add_parser("sample", help="load the bundled sample snapshots")
    add_db(p)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("bootstrap", help="load the sample into an empty database (make run)")
    add_db(p)
    p.set_defaults(func=cmd_bootstrap)
    if not extras:
        return parser
    from analytics import auth

    auth.register_cli(sub)

    from analytics import audit

    audit.register_cli(sub)

    from analytics import agency_units

    agency_units.register_cli(sub)

    from analytics import reports

    reports.register_cli(sub)
    return parser


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


def _no_database(args) -> int | None:
    """Exit 2 for a read-only command whose database does not exist (nothing is created)."""
    sub = getattr(args, f"{args.command}_command", None)
    if (args.command, sub) not in READ_ONLY_COMMANDS or not hasattr(args, "db"):
        return None
    from analytics.store import db_path

    path = db_path(args.db)
    if path.exists():
        return None
    return _fail(
        f"There is no database at {path}: nothing to read. Check --db or TASKS_DB "
        "(`python -m analytics ingest` or `sample` creates one).",
        2,
        f"Không có cơ sở dữ liệu tại {path}: không có gì để đọc. Hãy kiểm tra --db hoặc "
        "TASKS_DB (lệnh `python -m analytics ingest` hoặc `sample` tạo cơ sở dữ liệu).",
        kind="no_database",
        value=str(path),
    )


_OS_WORDS = {
    errno.EACCES: ("permission denied", "không có quyền"),
    errno.EPERM: ("permission denied", "không có quyền"),
    errno.EROFS: ("the file system is read-only", "hệ thống tệp chỉ cho đọc"),
    errno.ENOSPC: ("the disk is full", "ổ đĩa đã đầy"),
    errno.EDQUOT: ("the disk quota is used up", "đã hết hạn mức ổ đĩa"),
    errno.ENOENT: ("no such file or folder", "không có tệp hoặc thư mục này"),
    errno.ENOTDIR: (
        "a part of the path is not a folder",
        "một phần của đường dẫn không phải thư mục",
    ),
    errno.EISDIR: ("it is a folder", "đó là một thư mục"),
    errno.EEXIST: ("a file is where a folder should be", "có một tệp ở chỗ cần một thư mục"),
}


def _unexpected(command: str | None, exc: Exception) -> int:
    """An unexpected failure in plain words (exit 1); the traceback goes to the log (stderr
    when no log is set up), never into the JSON."""
    log.error("command %s failed", command, exc_info=exc)
    what = f"'{command}'" if command else ""
    if isinstance(exc, OSError) and exc.errno in _OS_WORDS:
        why_en, why_vi = _OS_WORDS[exc.errno]
        target = exc.filename or ""
        en = f"The command {what} could not read or write {target}: {why_en}."
        vi = f"Lệnh {what} không đọc hoặc ghi được {target}: {why_vi}."
        return _fail(en, 1, vi, kind="os_error", value=str(target) or None)
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
        return _fail(en, 1, vi, kind="database_error")
    en = f"The command {what} stopped on an unexpected error. The details are in the log."
    vi = f"Lệnh {what} dừng lại vì một lỗi không lường trước. Chi tiết có trong nhật ký."
    return _fail(en, 1, vi, kind="unexpected_error")


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
            return _fail(
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
            return _unexpected(command, exc)
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
        return _fail(
            str(exc),
            1,
            "Cơ sở dữ liệu đang được tiến trình khác sử dụng; hãy thử lại sau giây lát.",
            kind="store_busy",
        )
    except InputRejected as exc:
        _print(
            {
                "errors": [_problem(p) for p in exc.errors],
                "warnings": [_problem(p) for p in exc.warnings],
            }
        )
        return 2
