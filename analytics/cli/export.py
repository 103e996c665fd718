"""`python -m analytics export`: the current state and the history for other systems, one set
of files in one folder (analytics/exporting.py: what a set holds, its formats, its manifest).
JSON on stdout naming what was written; exit 2 on bad input, 1 when a file could not be written
(the folder then stays as it was)."""

from __future__ import annotations

from analytics.cli.common import add_db, fail, out
from analytics.cli.ingest import as_of_date


def cmd_export(args) -> int:
    from analytics import exporting

    try:
        result = exporting.export(
            args.db, args.format, args.out, as_of=args.as_of, sources=args.source or ()
        )
    except exporting.ExportRefused as exc:
        code = 1 if isinstance(exc, exporting.ExportFailed) else 2
        return fail(exc.text("en"), code, exc.text("vi"), kind=exc.code, value=exc.value)
    out(result.to_json())
    return 0


def register_cli(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write the current state and the history (Parquet, CSV or JSON) into a folder",
        description="Write the tasks in force at a date (judged as the dashboard judges them) and "
        "the history (snapshots, task versions, agencies' reports, claims, deadline requests, "
        "cancellations, the agency register) into --out: one file a table (json: the tasks as "
        "the JSON task feed of docs/task-feed.md, one file a source; the rest as JSON Lines) "
        "and manifest.json (rows and SHA-256 of each file). The whole set replaces what --out "
        "held, or nothing does.",
    )
    p.add_argument("--format", choices=("parquet", "csv", "json"), required=True)
    p.add_argument(
        "--out", required=True, help="the folder: new, empty, or one an earlier export wrote"
    )
    add_db(p)
    p.add_argument(
        "--as-of",
        type=as_of_date,
        default=None,
        help="the date of the current state (dd/mm/yyyy or YYYY-MM-DD; default: the latest "
        "snapshot's); the history is written whole",
    )
    p.add_argument(
        "--source",
        action="append",
        default=None,
        metavar="NAME",
        help="only this task source (repeatable); default: every source",
    )
    p.set_defaults(func=cmd_export)
