"""`ingest FILE`: load one spreadsheet as a snapshot (what a daily job runs; quick to start)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from analytics.cli.common import add_db, fail, out, problem, rejected
from analytics.i18n import t
from analytics.problems import InputRejected

MAX_FILE_BYTES = 25 * 1024 * 1024


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
    from analytics import accounts

    if not store.db_path(args.db).exists() or not accounts.account_exists(args.db, args.user):
        return None  # an operator's name (cron): recorded with the snapshot, not an account
    account = accounts.get_user(args.db, args.user)  # None: disabled
    args.may_widen = account is None or account.role != "agency_editor"
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


def _result_doc(result, prepared, reports=None) -> dict:
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
        "warnings": [problem(p) for p in prepared.warnings],
        # an agency update's new tasks: proposals the steering office accepts or declines
        "proposed": list(result.proposed),
    }
    if reports is not None and (reports.saved or reports.problems):  # the report columns
        doc["reports"] = {
            "saved": reports.saved,
            "problems": [problem(p) for p in reports.problems],
        }
    if prepared.held_back:
        kept = set(result.kept)
        doc["held_back"] = len(prepared.held_back)
        doc["held_back_rows"] = [
            {**problem(p), "task_id": h.task_id, "kept_previous": h.task_id in kept}
            for h in prepared.held_back
            for p in h.problems
        ]
        doc["kept_previous"] = list(result.kept)
    if result.duplicate:
        doc["message"] = (
            f"This file was already loaded for this source and date as snapshot {result.snapshot_id}; nothing added."
        )
    return doc


def cmd_ingest(args) -> int:
    from analytics.ingest import ingest

    path = Path(args.file)
    if not path.is_file():
        return fail(f"File not found: {args.file}", 2, f"Không tìm thấy tệp: {args.file}")
    if path.stat().st_size > MAX_FILE_BYTES:
        mb = MAX_FILE_BYTES // (1024 * 1024)
        return fail(f"The file is larger than {mb} MB.", 2, f"Tệp lớn hơn {mb} MB.")
    data = path.read_bytes()
    refused = _update_refusal(args)
    if refused:
        return fail(refused, 2)
    try:
        as_of, as_of_from, as_of_text = args.as_of, None, None
        if as_of is None:  # the date the file states, never today silently
            found = _file_date(args, data, path.name)
            if found is None:
                return fail(
                    t("file_dates.none_stated", "en"),
                    2,
                    t("file_dates.none_stated", "vi"),
                    kind="no_file_date",
                )
            as_of, as_of_from, as_of_text = found
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
            may_widen=getattr(args, "may_widen", True),
        )
    except InputRejected as exc:
        return rejected(exc)
    doc = _result_doc(result, prepared, _file_reports(args, result, prepared))
    if as_of_from is not None:
        doc["as_of_from"] = as_of_from  # where the date came from: "title" | "file_name"
        doc["as_of_text"] = as_of_text
    out(doc)
    return 0


def _file_date(args, data: bytes, file_name: str):
    """(date, "title" | "file_name", text) the file states for its figures, or None; the
    sheets read as the ingest will read them (InputRejected: what the ingest would say)."""
    from analytics.file_dates import stated_date, titles_of
    from analytics.reading import read_tables

    found = read_tables(
        data, file_name, sheets=args.sheet or None, skip_sheets=args.skip_sheet or None
    )
    return stated_date(titles_of(found.tables), file_name)


def as_of_date(text: str) -> dt.date:
    """An argparse type: YYYY-MM-DD or dd/mm/yyyy (as `report --as-of` takes it)."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD or dd/mm/yyyy): {text!r}")


def _file_reports(args, result, prepared):
    """The report columns of an agency update's file, saved as the upload page saves them
    (analytics/ingest/file_reports.py), by the account `--user` names."""
    from analytics.ingest.file_reports import apply_reports, report_rows

    if result.kind != "agency_update" or result.duplicate or not report_rows(prepared.tasks):
        return None
    from analytics import accounts

    user = accounts.get_user(args.db, args.user) if args.user else None
    return apply_reports(args.db, user, prepared, result, user_name=args.user)


def register_cli(sub) -> None:
    p = sub.add_parser("ingest", help="load one spreadsheet as a snapshot")
    p.add_argument("file")
    add_db(p)
    p.add_argument(
        "--as-of",
        type=as_of_date,
        default=None,
        help="the figures' date (YYYY-MM-DD or dd/mm/yyyy); default: the date the file states "
        "in a title line or its name (none stated: refused)",
    )
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
