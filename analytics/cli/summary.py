"""`summary`: the figures as of a date (JSON), for every agency or one."""

from __future__ import annotations

import datetime as dt

from analytics.cli.common import add_db, fail, iso_date, out
from analytics.model import Filters, Scope


def _held_back(db, as_of, sources, agency_ids) -> dict:
    """The rows held back from the files in force (not read), and those files."""
    from analytics import store

    held = store.held_back_in_force(
        db, as_of, sources, Scope.agencies(agency_ids) if agency_ids else None
    )
    return {
        "held_back": int(held["n_rows"].sum()) if len(held) else 0,
        "held_back_files": [
            {"snapshot_id": int(r.snapshot_id), "file_name": r.file_name, "rows": int(r.n_rows)}
            for r in held.itertuples()
        ],
    }


def cmd_summary(args) -> int:
    from analytics import store
    from analytics.agency_units import resolver_for

    as_of = args.as_of or store.latest_as_of(args.db) or dt.date.today()
    agency_ids: tuple[str, ...] = ()
    if args.agency:
        resolver = resolver_for(args.db)  # a unit of the store's register too
        agency = resolver.get(args.agency) or resolver.resolve(args.agency)
        if agency is None:
            return fail(f"Unknown agency: {args.agency}", 2, f"Không có cơ quan: {args.agency}")
        agency_ids = (agency.id,)
    filters = Filters(
        sources=tuple(args.source or ()),
        agency_ids=agency_ids,
        source_docs=tuple(args.source_doc or ()),
        judge_original=args.judge_original,
    )
    if filters.source_docs:  # as written in the files: a name no task in force has is a typo
        known = set(store.source_docs(args.db, as_of, filters.sources)["source_doc"])
        unknown = [d for d in filters.source_docs if d not in known]
        if unknown:
            return fail(
                f"No task in force on {as_of.isoformat()} has the assigning document "
                f"'{unknown[0]}' / Không có nhiệm vụ nào theo văn bản giao '{unknown[0]}' "
                f"tính đến {as_of.strftime('%d/%m/%Y')}.",
                2,
            )
    scope = Scope.everything()
    df = store.load_tasks(args.db, as_of, filters, scope)
    from analytics import metrics  # pandas: loaded only for the commands that need it

    doc = metrics.summary_dict(
        df, store.list_agencies(args.db), as_of, scope_ids=set(agency_ids) or None
    )
    if filters.source_docs:
        doc["source_docs"] = list(filters.source_docs)
    doc.update(_held_back(args.db, as_of, filters.sources, agency_ids))
    out(doc)
    return 0


def register_cli(sub) -> None:
    p = sub.add_parser("summary", help="figures as of a date")
    add_db(p)
    p.add_argument("--as-of", type=iso_date, default=None)
    p.add_argument("--agency", default=None)
    p.add_argument("--source", action="append", default=None)
    p.add_argument(
        "--source-doc",
        action="append",
        default=None,
        help="only the tasks of this assigning document (as written in the files); repeatable",
    )
    p.add_argument(
        "--judge-original",
        action="store_true",
        help="judge by the deadlines the files gave, not the approved changes",
    )
    p.set_defaults(func=cmd_summary)
