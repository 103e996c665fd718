"""Cached access to the store, keyed on (snapshot ids in force, date, filters, scope).

Frames are cached as shared objects in the byte-bounded store (ui/cache.py): no copy per rerun,
so callers must treat them as read-only (every analytics function returns new frames). What is
in force is looked up keyed on `store.version_token` (the file's stat), so a commit by another
process is seen at the next rerun.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics import briefing as B
from analytics import changes, exports, history, metrics, store, workload
from analytics.i18n import t
from analytics.model import Filters, Scope
from analytics.style import LISTED_STATUS_ORDER
from ui import cache


def db() -> str:
    return str(store.db_path())


def token() -> tuple:
    """Changes when the database file changes (a stat, no query)."""
    return store.version_token(db())


@cache.resource(ttl=3600, generational=False)
def _snapshot_ids(
    path: str, tok: tuple, as_of: dt.date, sources: tuple[str, ...]
) -> tuple[int, ...]:
    return store.snapshots_in_force(path, as_of, sources)


def snapshot_ids(as_of: dt.date, sources: tuple[str, ...] = ()) -> tuple[int, ...]:
    return _snapshot_ids(db(), token(), as_of, sources)


@cache.resource(ttl=3600)
def _tasks(
    path: str, snap_ids: tuple[int, ...], as_of: dt.date, filters: Filters, scope: Scope
) -> pd.DataFrame:
    return store.load_tasks(path, as_of, filters, scope)


def tasks(as_of: dt.date, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Tasks in force at `as_of` within the user's scope (read-only shared frame)."""
    return _tasks(db(), snapshot_ids(as_of, filters.sources), as_of, filters, scope)


@cache.resource(ttl=3600)
def _aggregate(kind: str, path: str, snap_ids, as_of, filters: Filters, scope: Scope):
    df = _tasks(path, snap_ids, as_of, filters, scope)
    if kind == "headline":
        return metrics.headline(df, as_of)
    if kind == "by_source":
        return metrics.by_source(df)
    if kind == "by_agency":
        return metrics.by_agency(df, agencies(), as_of, scope.agency_ids)
    if kind == "by_month":
        return metrics.by_month(df)
    if kind == "reconciled":  # what agencies reported, beside the official figures
        return metrics.reconciled(df)
    raise ValueError(kind)


def aggregate(kind: str, as_of: dt.date, filters: Filters, scope: Scope):
    """headline | by_source | by_agency | by_month | reconciled of the tasks in view (cached)."""
    return _aggregate(kind, db(), snapshot_ids(as_of, filters.sources), as_of, filters, scope)


@cache.resource(ttl=3600)
def _held_back(
    path: str, snap_ids: tuple[int, ...], as_of: dt.date, sources: tuple[str, ...], scope: Scope
) -> pd.DataFrame:
    return store.held_back_in_force(path, as_of, sources, scope)


def held_back(as_of: dt.date, sources: tuple[str, ...], scope: Scope) -> pd.DataFrame:
    """The snapshots in force with rows held back, as `scope` may see them (read-only)."""
    return _held_back(db(), snapshot_ids(as_of, sources), as_of, sources, scope)


@cache.resource(ttl=3600)
def _source_docs(
    path: str, snap_ids: tuple[int, ...], as_of: dt.date, sources: tuple[str, ...], scope: Scope
) -> tuple[str, ...]:
    return tuple(store.source_docs(path, as_of, sources, scope)["source_doc"])


def source_docs(as_of: dt.date, sources: tuple[str, ...], scope: Scope) -> tuple[str, ...]:
    """The assigning documents of the tasks in force at `as_of` that `scope` may see."""
    return _source_docs(db(), snapshot_ids(as_of, sources), as_of, sources, scope)


@cache.resource(ttl=3600)
def _catalog(path: str, tok: tuple) -> dict:
    snaps = store.list_snapshots(path)
    return {
        "snapshots": snaps,
        "agencies": store.list_agencies(path),
        "sources": sorted(snaps["source"].unique().tolist()) if len(snaps) else [],
        "dates": sorted(
            {pd.Timestamp(d).date() for d in snaps.loc[snaps["status"] == "active", "as_of"]}
        ),
    }


def catalog() -> dict:
    """Snapshots, agencies, sources and snapshot dates (refreshed when the file changes)."""
    return _catalog(db(), token())


def agencies() -> pd.DataFrame:
    return catalog()["agencies"]


def snapshots() -> pd.DataFrame:
    return catalog()["snapshots"]


# --------------------------------------------------------------------------- the pages' tables
# What each page derives from the tasks in view, cached like the frames above (shared,
# read-only). The first arguments (the database, the snapshot ids in force) only key the cache.

BRIEFING_LIST_COLUMNS = {  # in display order
    # the late and overdue lists (issue 16): days overdue, the deadline as written, the causes
    # the file gives and those the agency reported, the date of the snapshot the row is of
    "late": [
        "task_id",
        "title",
        "lead",
        "status_label",
        "deadline",
        "deadline_text",
        "days_overdue",
        "days_late",
        "causes",
        "reported_causes",
        "cause_text",
        "source",
        "source_doc",
        "leader",
        "snapshot_as_of",
    ],
    "at_risk": [
        "task_id",
        "title",
        "lead",
        "deadline",
        "deadline_text",
        "source",
        "source_doc",
        "leader",
        "snapshot_as_of",
    ],
    "overdue": [
        "task_id",
        "title",
        "lead",
        "deadline",
        "deadline_text",
        "days_overdue",
        "causes",
        "reported_causes",
        "cause_text",
        "source",
        "source_doc",
        "leader",
        "snapshot_as_of",
    ],
    "difficult": [
        "task_id",
        "title",
        "lead",
        "status_label",
        "deadline",
        "deadline_text",
        "days_overdue",
        "causes",
        "reported_causes",
        "cause_text",
        "source",
        "source_doc",
        "leader",
        "snapshot_as_of",
    ],
    "changes": ["task_id", "title", "lead", "status_label", "deadline", "source"],
    "cancelled": [
        "task_id",
        "title",
        "lead",
        "deadline",
        "status_text",
        "source",
        "source_doc",
        "leader",
    ],
}
# The task attributes (assigning document, leader) show only where some task in a list has one.
AGENCY_TABLE_COLUMNS = [  # in display order (the reported ones shown where a task has them)
    "task_id",
    "title",
    "status_label",
    "report_state",
    "claimed_on",
    "deadline",
    "deadline_note",
    "deadline_original",
    "deadline_text",
    "days_overdue",
    "days_late",
    "commitment_date",
    "commitment_missed",
    "confidence",
    "reported_causes",
    "cause_text",
    "cancel_reason",
    "cancel_document",
    "source",
    "source_doc",
    "leader",
    "support",
    "causes",
    "agency_comment",
    "snapshot_as_of",
    "origin_file",
    "origin_sheet",
    "origin_row",
]
DATA_TASK_COLUMNS = [
    "task_id",
    "source",
    "title",
    "lead",
    "status_label",
    "report_state",
    "claimed_on",
    "deadline",
    "deadline_note",
    "deadline_original",
    "deadline_text",
    "days_overdue",
    "completion_date",
    "days_late",
    "commitment_date",
    "commitment_missed",
    "confidence",
    "reported_causes",
    "cause_text",
    "cancel_reason",
    "cancel_document",
    "support",
    "source_doc",
    "assigned_date",
    "leader",
    "agency_comment",
    "progress",
    "causes",
    "snapshot_as_of",
    "origin_file",
    "origin_sheet",
    "origin_row",
]
WORKLOAD_MONTH_COLUMNS = [
    "task_id",
    "source",
    "title",
    "lead",
    "status_label",
    "deadline",
    "deadline_text",
    "days_overdue",
    "causes",
    "reported_causes",
    "cause_text",
    "support",
    "snapshot_as_of",
]


def _present_list(frame: pd.DataFrame, agency_frame: pd.DataFrame, lang: str, kind: str):
    columns = exports.shown_columns(BRIEFING_LIST_COLUMNS[kind], frame)
    shown = exports.present_tasks(frame, agency_frame, lang, columns)
    return B.ordered(shown, columns, lang)


@cache.resource(ttl=3600)
def briefing_figures(
    path: str,
    ids: tuple[int, ...],
    prev_ids: tuple[int, ...],
    as_of: dt.date,
    prev_date: dt.date | None,
    filters: Filters,
    scope: Scope,
) -> dict:
    """Everything the Briefing shows, language-free (ids/dates only key the cache)."""
    df = tasks(as_of, filters, scope)
    out: dict = {
        "headline": aggregate("headline", as_of, filters, scope),
        "sources": B.source_headlines(df, as_of),
        "prev_headline": None,
        "prev_sources": None,
        "changes": None,
        "change_list": None,
    }
    if prev_date is not None:
        before = tasks(prev_date, filters, scope)
        out["prev_headline"] = aggregate("headline", prev_date, filters, scope)
        out["prev_sources"] = B.source_headlines(before, prev_date)
        ch = B.compare(before, df)
        out["changes"] = ch.counts()
        out["change_list"] = B.change_list(ch)
    table = aggregate("by_agency", as_of, filters, scope)
    for group in B.PEER_GROUPS:
        out[f"late_{group}"] = B.late_by_agency(
            table, group, filters.agency_ids, filters.agency_types
        )
    out["at_risk"] = B.at_risk(df, as_of)
    out["month"] = B.open_due_in_month(df, as_of)
    out["overdue"] = B.overdue_list(df)
    out["difficult"] = B.difficult_tasks(df)
    out["cancelled"] = B.cancelled_list(df)
    return out


@cache.resource(ttl=3600)
def briefing_lists(
    path: str,
    ids: tuple[int, ...],
    prev_ids: tuple[int, ...],
    as_of: dt.date,
    prev_date: dt.date | None,
    filters: Filters,
    scope: Scope,
    lang: str,
) -> dict[str, pd.DataFrame]:
    """The Briefing's lists as users read them (names, labels, headings in `lang`)."""
    d = briefing_figures(path, ids, prev_ids, as_of, prev_date, filters, scope)
    agency_frame = agencies()
    out = {}
    for name in ("at_risk", "overdue", "difficult", "cancelled"):
        out[name] = _present_list(d[name], agency_frame, lang, name)
    if d["change_list"] is not None and len(d["change_list"]):
        cl = d["change_list"]
        shown = _present_list(cl, agency_frame, lang, "changes")
        shown.insert(0, t("col.change", lang), [t(f"change.{k}", lang) for k in cl["change"]])
        shown[t("briefing.col_deadline_before", lang)] = pd.to_datetime(
            cl["deadline_before"]
        ).dt.date.to_numpy()
        out["changes"] = shown
    else:
        out["changes"] = None
    out["sources"] = B.source_table(d["sources"], d["prev_sources"], lang, prev_date)
    return out


@cache.resource(ttl=3600)
def late_list(
    path: str,
    ids: tuple[int, ...],
    as_of: dt.date,
    filters: Filters,
    scope: Scope,
    agency_id: str,
    lang: str,
) -> pd.DataFrame:
    """The Briefing's late tasks of one agency ('' for all), as shown."""
    df = tasks(as_of, filters, scope)
    return _present_list(B.late_tasks(df, agency_id or None), agencies(), lang, "late")


@cache.resource(ttl=3600)
def agency_ranking(
    path: str, ids: tuple[int, ...], as_of: dt.date, filters: Filters, scope: Scope
) -> pd.DataFrame:
    """Peer ranking of every agency in the view (the agency filters left out)."""
    return B.peer_ranking(aggregate("by_agency", as_of, filters, scope))


@cache.resource(ttl=3600)
def peer_ranks(
    path: str, ids: tuple[int, ...], as_of: dt.date, filters: Filters, scope: Scope
) -> pd.DataFrame:
    """The rank of each agency of `scope` among all its peers, whatever the scope (a limited
    scope's rank computed over every agency of the same type: access.agency_sees_rank). Only
    the scope's own rows come back; n_ranked says among how many."""
    ranking = B.peer_ranking(aggregate("by_agency", as_of, filters, Scope.everything()))
    if scope.agency_ids is None:
        return ranking
    return ranking[ranking["agency_id"].isin(list(scope.agency_ids))].reset_index(drop=True)


@cache.resource(ttl=3600)
def agency_tables(
    path: str, ids: tuple[int, ...], as_of: dt.date, filters: Filters, scope: Scope, lang: str
) -> dict:
    """The agency's task table as users read it, with the raw columns its filters need."""
    df = tasks(as_of, filters, scope)
    columns = exports.shown_columns(AGENCY_TABLE_COLUMNS, df)  # the attributes the tasks carry
    shown = B.ordered(exports.present_tasks(df, agencies(), lang, columns), columns, lang)
    keys = pd.DataFrame(
        {
            "status": df["status"].to_numpy(),
            "source": df["source"].to_numpy(),
            "month": pd.to_datetime(df["deadline"]).dt.strftime("%Y-%m").fillna("").to_numpy(),
        }
    )
    return {
        "table": shown,
        "keys": keys,
        "timeline": B.open_timeline(df),
        "months": B.task_months(df),
        "sources": sorted(df["source"].unique().tolist()),
        "statuses": [s for s in LISTED_STATUS_ORDER if (df["status"] == s).any()],
    }


@cache.resource(ttl=3600)
def agency_unit_table(
    path: str, ids: tuple[int, ...], as_of: dt.date, filters: Filters, scope: Scope, agency_id: str
) -> pd.DataFrame:
    """The agency's figures by its registered units (empty when it has none)."""
    agency_frame = agencies()
    if not metrics.units_of(agency_frame, agency_id):
        return pd.DataFrame()
    return metrics.by_unit(tasks(as_of, filters, scope), agency_frame, as_of, agency_id)


@cache.resource(ttl=3600)
def search_index(
    path: str, snap_ids: tuple, as_of: dt.date, filters: Filters, scope: Scope
) -> pd.Series:
    """The Data page's search index of the tasks in view (text without diacritics)."""
    return history.search_index(tasks(as_of, filters, scope), agencies())


@cache.resource(ttl=3600)
def found_tasks(
    path: str,
    snap_ids: tuple,
    as_of: dt.date,
    filters: Filters,
    scope: Scope,
    query: str,
    lang: str,
) -> tuple[int, pd.DataFrame]:
    """The Data page's tasks matching `query`: how many, and the table as shown."""
    df = tasks(as_of, filters, scope)
    hits = history.search(df, search_index(path, snap_ids, as_of, filters, scope), query)
    columns = exports.shown_columns(DATA_TASK_COLUMNS, df)  # the attributes the tasks carry
    return len(hits), exports.present_tasks(hits, agencies(), lang, columns=columns)


@cache.resource(ttl=3600)
def trend(path: str, snapshot_states: tuple, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Counts at every report date (keyed on the snapshots and their status)."""
    return history.trend(path, filters, scope)


@cache.resource(ttl=3600)
def changes_between(
    path: str,
    ids_from: tuple,
    ids_to: tuple,
    d_from: dt.date,
    d_to: dt.date,
    filters: Filters,
    scope: Scope,
) -> changes.Changes:
    """What changed between two report dates (the Trends page)."""
    return changes.compare(tasks(d_from, filters, scope), tasks(d_to, filters, scope))


@cache.resource(ttl=3600)
def workload_figures(
    path: str, snap_ids: tuple, as_of: dt.date, filters: Filters, scope: Scope, year: int
) -> dict:
    """Everything the Workload page computes for one view and year."""
    df = tasks(as_of, filters, scope)
    names = agencies()
    return {
        "years": workload.years(df, as_of),
        "monthly": workload.monthly(df, year, as_of),
        "pace": workload.pace(df, year, as_of),
        "agency_vi": workload.agency_month(df, names, year, "vi", scope.agency_ids, None),
        "agency_en": workload.agency_month(df, names, year, "en", scope.agency_ids, None),
    }


@cache.resource(ttl=3600)
def month_tasks(
    path: str,
    snap_ids: tuple,
    as_of: dt.date,
    filters: Filters,
    scope: Scope,
    month: str,
    lang: str,
) -> tuple[int, pd.DataFrame]:
    """The open tasks due in `month`, as the Workload page shows them."""
    due = workload.due_in_month(tasks(as_of, filters, scope), month)
    if due.empty:
        return 0, due
    return len(due), exports.present_tasks(due, agencies(), lang, columns=WORKLOAD_MONTH_COLUMNS)


def clear() -> None:
    """After a write in this process: drop everything cached."""
    _snapshot_ids.clear()
    _tasks.clear()
    _aggregate.clear()
    _held_back.clear()
    _source_docs.clear()
    _catalog.clear()


# --------------------------------------------------------------------------- what agencies reported
# The briefing's missed commitments and open report round (issue 15). Like every cache here they
# are keyed on the reporting tables' stamp (cache.keyed_on, below): a report, a claim or a round
# saved by anyone is seen at the next rerun; the round also on the store's version token, for the
# agency files that count as reports.


@cache.resource(ttl=3600)
def _missed(path: str, ids: tuple, as_of: dt.date, filters: Filters, scope: Scope) -> pd.DataFrame:
    return B.missed_commitments(tasks(as_of, filters, scope), agencies(), scope.agency_ids)


def missed_commitments(as_of: dt.date, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Per lead agency, the tasks in view whose commitment date passed without completion."""
    ids = snapshot_ids(as_of, filters.sources)
    return _missed(db(), ids, as_of, filters, scope)


@cache.resource(ttl=3600)
def _report_round(path: str, tok: tuple, today: dt.date, filters: Filters, scope: Scope):
    from analytics import audit, reporting

    open_ = reporting.open_round(path)
    if open_ is None:
        return None
    return B.round_status(
        open_,
        reporting.agency_reporting(path, audit.now(), open_),
        reporting.stale_days(path),
        B.view_agency_ids(agencies(), filters, scope),
    )


def report_round(filters: Filters, scope: Scope):
    """The open report round within the view (briefing.RoundStatus), None without one."""
    return _report_round(db(), token(), dt.date.today(), filters, scope)


# A new row or a decision in any of the reporting tables changes it.
REPORTING_STAMP_SQL = """
select
    (select count(*) from task_reports),
    (select max(greatest(reported_at, coalesce(undone_at, reported_at))) from task_reports),
    (select count(*) from completion_claims),
    (select max(greatest(claimed_at, coalesce(decided_at, claimed_at))) from completion_claims),
    (select count(*) from deadline_requests),
    (select max(greatest(requested_at, coalesce(decided_at, requested_at)))
        from deadline_requests),
    (select count(*) from task_cancellations),
    (select max(greatest(cancelled_at, coalesce(revoked_at, cancelled_at)))
        from task_cancellations),
    (select count(*) from report_rounds),
    (select max(greatest(opened_at, coalesce(closed_at, opened_at))) from report_rounds),
    (select max(value) from meta where key = 'stale_days')
"""


@cache.resource(ttl=3600, generational=False)
def _reporting_stamp(path: str, tok: tuple, today: dt.date) -> tuple:
    if tok[1] is None:  # no database file yet: nothing to stamp (and none made here)
        return (today,)
    with store.connect(path) as con:
        return (today, *con.execute(REPORTING_STAMP_SQL).fetchone())


def reporting_stamp() -> tuple:
    """Changes when a report, a claim, a deadline request, a cancellation or a round is saved
    or decided (and each day): what the briefing's files key on besides the snapshots."""
    return _reporting_stamp(db(), token(), dt.date.today())


# Every cache is keyed on it too (ui/cache.py keyed_on): a decision moves the figures without
# a new snapshot, and one made by another process (the command line) is seen at the next rerun.
cache.keyed_on(reporting_stamp)
