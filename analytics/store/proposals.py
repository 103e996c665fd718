"""New tasks an agency's file sends: proposals, not tasks (issue 15, "Who owns what").

Inside an agency update's commit (store/snapshots.py), every task of the file whose id is not in
force in the source (sql/proposed_tasks.sql) leaves the snapshot and is kept in task_proposals,
pending, with the task as read (`task_json`: the Task as JSON, dates ISO), in the same
transaction. The steering office accepts a proposal (analytics/reporting/proposals.py: the task
joins the list in a snapshot of its own) or declines it. A newer file's proposal of the same
task replaces a pending one (the older is withdrawn, 'superseded')."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from analytics.model import TASK_FIELDS, Task, TaskBatch
from analytics.store.connection import sql

if TYPE_CHECKING:
    import pandas as pd

_DATES = ("deadline", "completion_date", "assigned_date")
_TUPLES = ("lead_ids", "support_ids")
_LEFT_OUT = ("report",)  # what the file reported on the task, not the task itself


def task_json(values: dict) -> str:
    """A task's fields (Task's, `report` left out) as JSON: dates ISO, id lists as lists."""
    doc = {}
    for name in TASK_FIELDS:
        if name in _LEFT_OUT:
            continue
        value = values.get(name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        doc[name] = value
    return json.dumps(doc, ensure_ascii=False, sort_keys=True)


def task_from_json(text: str) -> Task:
    """The Task a proposal's task_json holds."""
    doc = json.loads(text)
    kw = {}
    for name in TASK_FIELDS:
        if name not in doc:
            continue
        value = doc[name]
        if name in _DATES and value is not None:
            value = dt.date.fromisoformat(value)
        elif name in _TUPLES:
            value = tuple(value or ())
        kw[name] = value
    return Task(**kw)


def _values_by_id(tasks: Sequence[Task], ids: set[str]) -> dict[str, dict]:
    """task id -> its fields, for the ids asked (the first row of an id given twice)."""
    out: dict[str, dict] = {}
    if isinstance(tasks, TaskBatch):
        cols = tasks.columns
        for k, tid in enumerate(cols["task_id"]):
            if tid in ids and tid not in out:
                out[tid] = {f: cols[f][k] for f in TASK_FIELDS}
        return out
    for t in tasks:
        if t.task_id in ids and t.task_id not in out:
            out[t.task_id] = {f: getattr(t, f) for f in TASK_FIELDS}
    return out


def split_proposals(
    con,
    *,
    source: str,
    as_of: dt.date,
    tasks: Sequence[Task],
    snapshot_id: int,
    user: str | None,
    now: dt.datetime,
    accepted: Sequence[str] = (),
) -> tuple[str, ...]:
    """Inside an agency update's transaction, after `stage` holds the file's tasks: the tasks
    whose id is not in force for `source` at `as_of` (but `accepted`) taken out of stage and
    stored as pending proposals. Returns their ids."""
    params = {"source": source, "sources": [source], "as_of": as_of, "accepted": list(accepted)}
    ids = [r[0] for r in con.execute(sql("proposed_tasks"), params).fetchall()]
    if not ids:
        return ()
    values = _values_by_id(tasks, set(ids))
    con.execute(
        "update task_proposals set state = 'withdrawn', decided_at = ?, decided_by = ?, "
        "decision_reason = 'superseded' where source = ? and state = 'pending' "
        "and list_contains(?, task_id)",
        [now, user, source, ids],
    )
    first = con.execute("select coalesce(max(proposal_id), 0) + 1 from task_proposals").fetchone()[
        0
    ]
    rows = []
    for k, tid in enumerate(ids):
        v = values[tid]
        rows.append(
            [
                first + k,
                snapshot_id,
                source,
                tid,
                v.get("title") or "",
                list(v.get("lead_ids") or ()),
                task_json(v),
                now,
                user,
            ]
        )
    con.executemany(
        "insert into task_proposals (proposal_id, snapshot_id, source, task_id, title, lead_ids, "
        "task_json, proposed_at, proposed_by, state) values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
        rows,
    )
    con.execute("delete from stage where list_contains(?, task_id)", [ids])
    return tuple(ids)


# --------------------------------------------------------------------------- the upload preview


def proposed_ids(before: pd.DataFrame, incoming: pd.DataFrame, plan) -> list[str]:
    """The ids of an agency update's file (`incoming`) that the source does not hold (`before`:
    its tasks in force at the date): proposals, as the commit keeps them. [] for a full upload
    (`plan`: an analytics.uploads.Plan)."""
    if not getattr(plan, "is_agency_update", False) or incoming is None or incoming.empty:
        return []
    listed = set(before["task_id"]) if before is not None and len(before) else set()
    return sorted({str(i) for i in incoming["task_id"]} - listed)


def admitted(before: pd.DataFrame, incoming: pd.DataFrame, plan) -> pd.DataFrame:
    """The file's tasks as the commit writes them to the snapshot: an agency update's
    proposals (`proposed_ids`) left out."""
    ids = proposed_ids(before, incoming, plan)
    if not ids:
        return incoming
    return incoming[~incoming["task_id"].isin(ids)].reset_index(drop=True)
