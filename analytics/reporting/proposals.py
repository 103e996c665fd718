"""New tasks an agency's file sends are proposals (issue 15, "Who owns what"): the task list
belongs to the steering office, so an agency update never adds a task silently.

The store keeps them (store/proposals.py, in the agency update's own transaction; the upload
preview finds them there too: `proposed_ids`, and `admitted`, the file's tasks the figures after
the upload count); here the steering office decides: `accept_proposal` (the task joins the list
in a new agency-update snapshot of its source, through store.commit_snapshot so every rule of a
commit holds, the decision written in the same transaction) or `decline_proposal` (with a
reason). Both need the 'confirm' permission (admins, coordinators), are audited
(proposal_accept, proposal_decline) and raise `Refused` with the reason in both languages.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from analytics import audit, store
from analytics.reporting.records import _id_target, _may, _transaction, audited, refused
from analytics.reporting.rules import clean_text
from analytics.store.proposals import admitted, proposed_ids, task_from_json

if TYPE_CHECKING:
    import pandas as pd

    from analytics.access import User

__all__ = [
    "COLUMNS",
    "STATES",
    "accept_proposal",
    "admitted",
    "decline_proposal",
    "list_proposals",
    "proposed_ids",
]

STATES = ("pending", "accepted", "declined", "withdrawn")
COLUMNS = (
    "proposal_id",
    "snapshot_id",
    "source",
    "task_id",
    "title",
    "lead_ids",
    "proposed_at",
    "proposed_by",
    "state",
    "decided_at",
    "decided_by",
    "decision_reason",
    "task_json",
)


# --------------------------------------------------------------------------- reading


def list_proposals(db, states=("pending",)) -> pd.DataFrame:
    """The proposals in `states` (None: all), oldest first."""
    import pandas as pd

    with store.connect(db) as con:
        cur = con.execute(
            f"select {', '.join(COLUMNS)} from task_proposals "  # noqa: S608 (names from code)
            "where $states is null or list_contains($states, state) order by proposal_id",
            {"states": list(states) if states else None},
        )
        rows = cur.fetchall()
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _proposal(con, proposal_id) -> dict:
    try:
        ident = int(proposal_id)
    except (TypeError, ValueError):
        raise refused("not_found", "proposals.no_proposal", id=proposal_id) from None
    cur = con.execute(
        f"select {', '.join(COLUMNS)} from task_proposals where proposal_id = ?",  # noqa: S608
        [ident],
    )
    row = cur.fetchone()
    if row is None:
        raise refused("not_found", "proposals.no_proposal", id=proposal_id)
    found = dict(zip(COLUMNS, row, strict=True))
    if found["state"] != "pending":
        raise refused("not_pending", "not_pending", id=ident, state=found["state"])
    return found


def _target(p: dict) -> str:
    return f"{p['source']}/{p['task_id']}"


# --------------------------------------------------------------------------- deciding


def _accept_date(con, p: dict) -> dt.date:
    """The source's latest date (its latest active snapshot), else the proposal's own."""
    row = con.execute(
        "select max(as_of) from snapshots where source = ? and status = 'active'", [p["source"]]
    ).fetchone()
    if row and row[0] is not None:
        return row[0]
    row = con.execute(
        "select as_of from snapshots where snapshot_id = ?", [p["snapshot_id"]]
    ).fetchone()
    return row[0] if row else dt.date.today()


@audited("proposal_accept", _id_target("proposal"))
def accept_proposal(db, user: User, proposal_id: int) -> dict:
    """The proposed task joins the list: a new agency-update snapshot of its source, dated the
    source's latest date, holding just that task (its file: the task as JSON); the proposal
    accepted in the same transaction. Returns proposal_id, snapshot_id, source, task_id."""
    _may(user, "confirm")
    with store.connect(db) as con:
        p = _proposal(con, proposal_id)
        listed = con.execute(
            store.sql("task_in_force"), {"task_id": p["task_id"], "source": p["source"]}
        ).fetchall()
        as_of = _accept_date(con, p)
    if listed:
        raise refused("invalid", "proposals.already_listed", task=p["task_id"], source=p["source"])
    task = task_from_json(p["task_json"])

    def decided(con, result) -> None:  # inside the snapshot's transaction
        state = con.execute(
            "select state from task_proposals where proposal_id = ?", [p["proposal_id"]]
        ).fetchone()[0]
        if state != "pending":  # decided by someone else meanwhile: nothing is stored
            raise refused("not_pending", "not_pending", id=p["proposal_id"], state=state)
        con.execute(
            "update task_proposals set state = 'accepted', decided_at = ?, decided_by = ? "
            "where proposal_id = ?",
            [audit.now(), user.username, p["proposal_id"]],
        )
        audit.append(
            con,
            user.username,
            "proposal_accept",
            _target(p),
            {"proposal_id": p["proposal_id"], "snapshot_id": result.snapshot_id},
        )

    result = store.commit_snapshot(
        db,
        source=p["source"],
        as_of=as_of,
        tasks=[task],
        agencies=[],  # the proposing commit stored the file's agencies
        file_bytes=p["task_json"].encode("utf-8"),
        file_name=f"de-xuat-{p['proposal_id']}.json",
        user=user.username,
        update_agencies=list(task.lead_ids) or list(p["lead_ids"] or ()) or ["-"],
        accepted=[p["task_id"]],
        inside=decided,
    )
    if result.duplicate:  # the same task, accepted before, in a retracted snapshot
        raise refused(
            "invalid", "proposals.accepted_before", id=result.snapshot_id, task=p["task_id"]
        )
    with store.connect(db) as con:  # the audit log's head, anchored outside the store
        audit.anchor(con)
    return {
        "proposal_id": p["proposal_id"],
        "snapshot_id": result.snapshot_id,
        "source": p["source"],
        "task_id": p["task_id"],
        "state": "accepted",
    }


@audited("proposal_decline", _id_target("proposal"))
def decline_proposal(db, user: User, proposal_id: int, reason: str) -> dict:
    """Decline a proposal, with the reason (required): the task does not join the list."""
    _may(user, "confirm")
    reason = clean_text(reason)
    if not reason:
        raise refused("invalid", "reason_needed")
    with _transaction(db) as con:
        p = _proposal(con, proposal_id)
        con.execute(
            "update task_proposals set state = 'declined', decided_at = ?, decided_by = ?, "
            "decision_reason = ? where proposal_id = ?",
            [audit.now(), user.username, reason, p["proposal_id"]],
        )
        audit.append(
            con,
            user.username,
            "proposal_decline",
            _target(p),
            {"proposal_id": p["proposal_id"], "reason": reason},
        )
    return {
        "proposal_id": p["proposal_id"],
        "source": p["source"],
        "task_id": p["task_id"],
        "state": "declined",
    }
