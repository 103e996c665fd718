"""`pull [NAME ...] [--sources FILE] [--db PATH]`: fetch the connected sources and ingest what
changed (analytics/connectors/pull.py).

JSON on stdout: {"pulls": [one per source (per file of a folder): status, snapshot_id, tasks,
as_of, content_hash, detail, tries, warnings, errors]}, and when any failed, "errors": every
pull's errors, each naming its source. Exit 0 every source fetched (changed or not), 2 a payload
rejected or the sources file wrong (nothing fetched then), 3 a source unreachable (3 wins).
"""

from __future__ import annotations

from analytics.cli.common import add_db, out, rejected


def cmd_pull(args) -> int:
    from analytics.connectors.pull import exit_code, pull
    from analytics.connectors.sources import SourcesInvalid, load_sources

    try:
        sources = load_sources(args.sources)
        results = pull(args.db, sources, args.names or None)
    except SourcesInvalid as exc:
        return rejected(exc)
    doc: dict = {"pulls": [r.to_json() for r in results]}
    errors = [{**e, "source": r.source} for r in results for e in r.errors]
    if errors:
        doc["errors"] = errors
        doc["warnings"] = []
    out(doc)
    return exit_code(results)


def register_cli(sub) -> None:
    p = sub.add_parser("pull", help="fetch the connected sources and ingest what changed")
    p.add_argument("names", nargs="*", metavar="NAME", help="only these sources (default: all)")
    p.add_argument(
        "--sources",
        default=None,
        help="the sources file (default: $TASKS_SOURCES or sources.toml in the working folder)",
    )
    add_db(p)
    p.set_defaults(func=cmd_pull)
