"""Reading what agencies reported and the steering office decided: a task's report versions,
the claims and deadline requests (by state, within an access scope), the report rounds, and
per agency when it last reported (stale after the setting's number of days)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from analytics import store
from analytics.model import Scope

if TYPE_CHECKING:
    import pandas as pd

FAR = dt.date(9999, 12, 31)  # "the latest state": every source's latest snapshot
DEFAULT_STALE_DAYS = 14


def _scope(scope: Scope | None) -> list | None:
    scope = scope or Scope.everything()
    return None if scope.agency_ids is None else sorted(scope.agency_ids)


def _params(con, scope, states) -> dict:
    params = {
        "as_of": FAR,
        "sources": None,
        "scope": _scope(scope),
        "states": list(states) if states else None,
    }
    return store.with_units(con, params)


def report_versions(db, source: str, task_id: str) -> pd.DataFrame:
    """Every version of the report on a task, newest first, undone ones included."""
    with store.connect(db) as con:
        return con.execute(
            "select * from task_reports where source = ? and task_id = ? order by version desc",
            [source, task_id],
        ).df()


def claims(db, states=("pending",), scope: Scope | None = None) -> pd.DataFrame:
    """Completion claims of `states` (None: all) with the task's title and leads."""
    with store.connect(db) as con:
        return con.execute(store.sql("reporting_claims"), _params(con, scope, states)).df()


def requests(db, states=("pending",), scope: Scope | None = None) -> pd.DataFrame:
    """Deadline change requests of `states` (None: all) with the task's title and leads."""
    with store.connect(db) as con:
        return con.execute(store.sql("reporting_requests"), _params(con, scope, states)).df()


def cancellations(db) -> pd.DataFrame:
    with store.connect(db) as con:
        return con.execute(
            "select * from task_cancellations order by cancelled_at desc, cancel_id desc"
        ).df()


def rounds(db) -> pd.DataFrame:
    """The report rounds, the open ones first, newest first."""
    with store.connect(db) as con:
        return con.execute(
            "select * from report_rounds order by closed_at is not null, opened_at desc"
        ).df()


def open_round(db) -> dict | None:
    """The newest round still open, as a dict of plain values (agency_ids a list or None),
    None without one."""
    with store.connect(db) as con:
        cur = con.execute(
            "select * from report_rounds where closed_at is null "
            "order by opened_at desc, round_id desc limit 1"
        )
        row = cur.fetchone()
        names = [c[0] for c in cur.description]
    if row is None:
        return None
    out = dict(zip(names, row, strict=True))
    out["agency_ids"] = list(out["agency_ids"]) if out["agency_ids"] else None
    return out


def stale_days(db) -> int:
    with store.connect(db) as con:
        row = con.execute("select value from meta where key = 'stale_days'").fetchone()
    try:
        return int(row[0]) if row else DEFAULT_STALE_DAYS
    except ValueError:
        return DEFAULT_STALE_DAYS


def agency_reporting(
    db, now: dt.datetime, round_: dict | None = None, days: int | None = None
) -> pd.DataFrame:
    """Per lead agency: n_tasks, last_report_at, last_file_at, last_activity_at, stale (no
    report nor agency file within `days`, the setting when None, before `now`, UTC),
    in_round (the round names it, or names none) and reported_in_round."""
    days = stale_days(db) if days is None else days
    since = round_["opened_at"] if round_ else None
    with store.connect(db) as con:
        frame = con.execute(
            store.sql("agency_reporting"), {"as_of": FAR, "sources": None, "since": since}
        ).df()
    limit = now - dt.timedelta(days=days)
    last = frame["last_activity_at"]
    frame["stale"] = last.isna() | (last < limit)
    wanted = set(round_["agency_ids"] or ()) if round_ is not None else set()
    frame["in_round"] = frame["agency_id"].isin(wanted) if wanted else round_ is not None
    frame["reported_in_round"] = frame["reported_in_round"].fillna(False).astype(bool)
    return frame
