"""`python -m analytics report`: the briefing (PDF or workbook) or the per-agency files (zip)
as of a date, written where --out says, with a JSON account on stdout (exit 2 on bad input).
`--format docx --agency ID` (or `--format pdf --agency ID --document agency`) writes the
agency's own report instead (analytics/reports/agency_doc.py, issue 15).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from analytics import store
from analytics.agencies import CENTRAL_TYPES
from analytics.cli.common import fail, out
from analytics.i18n import LANGS, t
from analytics.model import Filters, Scope
from analytics.reports import (
    FORMATS,
    agency_ids_in,
    briefing_xlsx,
    build_briefing,
    file_name,
    headline_sentence,
    render_pdf,
    slug,
    zip_agency_files,
)


def _date_arg(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD or dd/mm/yyyy): {text!r}")


def _fold(text: str) -> str:
    return slug(str(text)).lower()


def resolve_agency(db, name: str) -> str | None:
    """An agency id from an id or a name (Vietnamese or English, with or without diacritics)."""
    agencies = store.list_agencies(db)
    key = _fold(name)
    for col in ("agency_id", "name_vi", "name_en"):
        hit = agencies.loc[agencies[col].fillna("").map(_fold) == key, "agency_id"]
        if len(hit):
            return str(hit.iloc[0])
    from analytics.agencies import default_resolver

    resolver = default_resolver()
    agency = resolver.get(name) or resolver.resolve(name)
    return agency.id if agency is not None else None


def _document(args) -> str:
    """briefing | agency: `--agency ID --format docx|pdf` is the agency's own report (issue 15);
    `--document briefing` keeps the briefing narrowed to the agencies for pdf."""
    if args.document:
        return args.document
    if args.format == "docx" or (args.format == "pdf" and len(args.agency or ()) == 1):
        return "agency"
    return "briefing"


def _bad(key: str) -> int:
    return fail(t(key, "en"), 2, message_vi=t(key, "vi"), kind="bad_arguments")


def _agency_report(args, db, as_of: dt.date, lang: str) -> int:
    """The agency's report (DOCX or PDF) of the one --agency; exit 2 on an unknown agency."""
    from analytics.reports.agency_doc import UnknownAgency, agency_report_from_store, resolve_agency
    from analytics.reports.agency_report import agency_docx, agency_pdf, agency_report_name

    if args.format not in ("docx", "pdf"):
        return _bad("agency_doc.agency_formats")
    if len(args.agency or ()) != 1:
        return _bad("agency_doc.needs_agency")
    try:
        agency = resolve_agency(db, args.agency[0])
    except UnknownAgency as exc:
        return fail(exc.message, 2, message_vi=exc.message_vi, kind=exc.code, value=exc.name)
    filters = Filters(
        sources=tuple(sorted(args.source or ())),
        difficult_only=bool(args.difficult_only),
        source_docs=tuple(args.source_doc or ()),
    )
    if not store.snapshots_in_force(db, as_of, filters.sources):
        return fail(
            f"No snapshot on or before {as_of.isoformat()}: nothing to report.",
            2,
            message_vi=f"Không có bản dữ liệu nào đến ngày {as_of.strftime('%d/%m/%Y')}: không "
            "có gì để báo cáo.",
        )
    report = agency_report_from_store(db, agency.id, as_of, lang, filters)
    payload = agency_docx(report, lang) if args.format == "docx" else agency_pdf(report, lang)
    name = agency_report_name(report, args.format, lang)
    path = Path(args.out) if args.out else Path(name)
    if args.out and (path.is_dir() or args.out.endswith(("/", os.sep))):
        path = path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(payload)
    os.replace(tmp, path)  # a reader never sees half a file
    out(
        {
            "path": str(path),
            "agency_id": agency.id,
            "format": args.format,
            "tasks": len(report.tasks),
            "bytes": len(payload),
            "as_of": as_of.isoformat(),
            "lang": lang,
        }
    )
    return 0


def cmd_report(args) -> int:
    db = args.db
    lang = args.lang
    document = _document(args)
    if document == "briefing" and args.format == "docx":
        return _bad("agency_doc.docx_briefing")
    if document == "briefing" and not args.out:
        return _bad("agency_doc.needs_out")
    as_of = args.as_of or store.latest_as_of(db)
    if as_of is None:
        return fail(
            "The database holds no snapshot: nothing to report.",
            2,
            message_vi="Cơ sở dữ liệu chưa có bản dữ liệu nào: không có gì để báo cáo.",
        )
    known_sources = set(store.sources(db))
    unknown = [s for s in args.source or () if s not in known_sources]
    if unknown:
        return fail(
            f"Unknown source: {unknown[0]}",
            2,
            message_vi=f"Không có nguồn nhiệm vụ: {unknown[0]}",
            choices=sorted(known_sources),
        )
    if document == "agency":
        return _agency_report(args, db, as_of, lang)
    agency_ids = []
    for name in args.agency or ():
        agency_id = resolve_agency(db, name)
        if agency_id is None:
            return fail(f"Unknown agency: {name}", 2, message_vi=f"Không có cơ quan: {name}")
        agency_ids.append(agency_id)
    types: tuple[str, ...] = ()
    if args.agency_type == "central":
        types = CENTRAL_TYPES
    elif args.agency_type == "province":
        types = ("province",)
    filters = Filters(
        sources=tuple(sorted(args.source or ())),
        agency_ids=tuple(agency_ids),
        agency_types=types,
        difficult_only=bool(args.difficult_only),
        source_docs=tuple(args.source_doc or ()),
    )
    if not store.snapshots_in_force(db, as_of, filters.sources):
        return fail(
            f"No snapshot on or before {as_of.isoformat()}: nothing to report.",
            2,
            message_vi=f"Không có bản dữ liệu nào đến ngày {as_of.strftime('%d/%m/%Y')}: không "
            "có gì để báo cáo.",
        )
    data = build_briefing(db, as_of, filters, Scope.everything(), lang)
    doc: dict = {}
    if args.format == "pdf":
        payload, pages = render_pdf(data, lang)
        doc["pages"] = pages
    elif args.format == "xlsx":
        payload = briefing_xlsx(data, lang)
    else:
        payload = zip_agency_files(data, lang)
        doc["files"] = len(agency_ids_in(data))
    path = Path(args.out)
    if path.is_dir() or args.out.endswith(("/", os.sep)):  # a folder: the file gets its usual name
        path = path / file_name(
            args.format, as_of, lang, agency_ids[0] if len(agency_ids) == 1 else None
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(payload)
    os.replace(tmp, path)  # a reader never sees half a file
    out(
        {
            "out": str(path),
            "format": args.format,
            **doc,
            "bytes": len(payload),
            "as_of": as_of.isoformat(),
            "lang": lang,
            "snapshots": list(data.snapshot_ids),
            "headline": headline_sentence(data.parts, lang),
            # the audit log's head, so that the daily log (cron) anchors it too
            "audit_head": (
                {"seq": data.audit_head[0], "hash": data.audit_head[1]} if data.audit_head else None
            ),
        }
    )
    return 0


def register_cli(subparsers) -> None:
    """Add `report` to the command line (the analytics/cli package calls this)."""
    p = subparsers.add_parser(
        "report",
        help="write the briefing (PDF or Excel), the per-agency Excel files (zip) or one agency's "
        "report (DOCX or PDF) as of a date",
        description="Write the briefing report as of a date: --format pdf (A4), xlsx (workbook) "
        "or zip (one Excel file per lead agency); --format docx --agency ID (or --format pdf "
        "--agency ID --document agency): the agency's report. JSON on stdout; exit 2 on bad input.",
    )
    p.add_argument(
        "--db", default=None, help="database file (default: $TASKS_DB or data/tasks.duckdb)"
    )
    p.add_argument(
        "--as-of",
        type=_date_arg,
        default=None,
        help="YYYY-MM-DD or dd/mm/yyyy (default: the latest snapshot's date)",
    )
    p.add_argument("--format", choices=(*FORMATS, "docx"), required=True)
    p.add_argument(
        "--document",
        choices=("briefing", "agency"),
        default=None,
        help="briefing (default) or agency: the --agency's own report (DOCX or PDF; "
        "--format docx always makes it)",
    )
    p.add_argument(
        "--out",
        default=None,
        help="output file, or a folder (existing, or ending with /); required for the briefing "
        "(the agency's report defaults to its usual name in the current folder)",
    )
    p.add_argument(
        "--agency",
        action="append",
        default=None,
        help="only tasks led by this agency (id or name); repeatable",
    )
    p.add_argument(
        "--source", action="append", default=None, help="only this task source; repeatable"
    )
    p.add_argument("--agency-type", choices=("all", "central", "province"), default="all")
    p.add_argument("--difficult-only", action="store_true")
    p.add_argument(
        "--source-doc",
        action="append",
        default=None,
        help="only the tasks of this assigning document (as written in the files); repeatable",
    )
    p.add_argument("--lang", choices=LANGS, default="vi", help="vi (default) or en")
    p.set_defaults(func=cmd_report)
