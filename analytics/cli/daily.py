"""`daily [--sources FILE] [--db PATH] [--out DIR] [--date dd/mm/yyyy] [--no-send]`: the daily
cycle (analytics/daily.py): pull every source, write the day's briefing PDF, workbook and
per-agency files into DIR/<yyyy-mm-dd>/, then e-mail them to the recipients.

One log line per step on stderr ("daily <time> step=pull result=ok sources=2 ... seconds=0.41"),
the JSON summary on stdout (date, exit_code, steps, pull, files, delivery, errors). Exit code, the
worst of what happened: 1 the cycle failed (no briefing written), 4 a delivery failed, 3 a
source unreachable, 2 a payload or the sources file rejected, 0 all done.
"""

from __future__ import annotations

import sys

from analytics.cli.common import actor, add_db, out


def _emit(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def cmd_daily(args) -> int:
    from analytics.daily import run_daily

    run = run_daily(
        args.db,
        sources=args.sources,
        out=args.out,
        day=args.date,
        send=not args.no_send,
        by="daily:" + actor().removeprefix("cli:"),  # daily:<login name> in the audit log
        emit=_emit,
    )
    out(run.summary)
    return run.code


def register_cli(sub) -> None:
    from analytics.cli.report import _date_arg

    p = sub.add_parser(
        "daily",
        help="pull every source, write the day's briefing and per-agency files, e-mail them",
        description="The daily cycle: pull, report, deliver. One log line per step on stderr, "
        "the JSON summary on stdout; exit 0 all done, 1 the cycle failed, 2 a payload rejected, "
        "3 a source unreachable, 4 a delivery failed (1, then 4, then 3, then 2 wins).",
    )
    p.add_argument(
        "--sources",
        default=None,
        help="the sources file (default: $TASKS_SOURCES or sources.toml; none there: no pull)",
    )
    add_db(p)
    p.add_argument("--out", default=None, help="the folder of the days' files (default: var/daily)")
    p.add_argument(
        "--date",
        type=_date_arg,
        default=None,
        help="the day, dd/mm/yyyy (or YYYY-MM-DD); default: today in Vietnam",
    )
    p.add_argument(
        "--no-send", action="store_true", help="write the files, say who would get what, send none"
    )
    p.set_defaults(func=cmd_daily)
