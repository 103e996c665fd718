"""Command line: `python -m analytics COMMAND ...`; JSON on stdout.

Exit codes: 0 success, 2 input rejected (nothing stored), 1 any other failure (said in JSON).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from analytics.problems import InputRejected, StoreBusy

MAX_FILE_BYTES = 25 * 1024 * 1024


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
        **({"suggestions": list(p.suggestions)} if p.suggestions else {}),
    }


def _fail(message: str, code: int = 1) -> int:
    _print(
        {
            "errors": [{"row": None, "column": None, "value": None, "message": message}],
            "warnings": [],
        }
    )
    return code


def _update_refusal(args) -> str | None:
    """What the upload page would refuse before reading the file: an unknown agency to update,
    or an account (`--user` naming one) whose role may not make this upload."""
    from analytics.agencies import default_resolver

    resolver = default_resolver()
    ids = []
    for given in args.update_agency or ():
        agency = resolver.get(given) or resolver.resolve(given)
        if agency is None:
            return f"Unknown agency to update: {given} / Không có cơ quan: {given}"
        ids.append(agency.id)
    args.update_agency = ids
    if not args.user:
        return None
    from analytics import auth, store

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
        return _fail(f"File not found: {args.file}", 2)
    if path.stat().st_size > MAX_FILE_BYTES:
        return _fail(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.", 2)
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
            sheet=args.sheet,
            user=args.user,
            update_agencies=args.update_agency or None,
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
        "warnings": [_problem(p) for p in prepared.warnings],
    }
    if result.duplicate:
        doc["message"] = (
            f"This file was already loaded for this source and date as snapshot {result.snapshot_id}; nothing added."
        )
    _print(doc)
    return 0


def cmd_summary(args) -> int:
    from analytics import store
    from analytics.agencies import default_resolver

    as_of = args.as_of or store.latest_as_of(args.db) or dt.date.today()
    agency_ids: tuple[str, ...] = ()
    if args.agency:
        resolver = default_resolver()
        agency = resolver.get(args.agency) or resolver.resolve(args.agency)
        if agency is None:
            return _fail(f"Unknown agency: {args.agency}", 2)
        agency_ids = (agency.id,)
    filters = store.Filters(sources=tuple(args.source or ()), agency_ids=agency_ids)
    scope = store.Scope.everything()
    df = store.load_tasks(args.db, as_of, filters, scope)
    from analytics import metrics  # pandas: loaded only for the commands that need it

    doc = metrics.summary_dict(
        df, store.list_agencies(args.db), as_of, scope_ids=set(agency_ids) or None
    )
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
        return _fail(f"No snapshot {args.snapshot_id}", 2)
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
    p.add_argument("--sheet", default=None)
    p.add_argument("--user", default=None)
    p.add_argument(
        "--update-agency", action="append", help="the file updates only this agency's tasks (id)"
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("summary", help="figures as of a date")
    add_db(p)
    p.add_argument("--as-of", type=_date, default=None)
    p.add_argument("--agency", default=None)
    p.add_argument("--source", action="append", default=None)
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

    from analytics import reports

    reports.register_cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(extras=command not in CORE_COMMANDS)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        return args.func(args)
    except StoreBusy as exc:
        return _fail(str(exc), 1)
    except InputRejected as exc:
        _print(
            {
                "errors": [_problem(p) for p in exc.errors],
                "warnings": [_problem(p) for p in exc.warnings],
            }
        )
        return 2
