"""The review page's tab "Nhiệm vụ mới đề xuất / Proposed tasks" (pages/review.py, issue 15,
"Who owns what"): a new task an agency's update file sends is a proposal the steering office
accepts (the task joins the list) or declines with a reason.

Each pending proposal is shown with what the file said of it (its deadline as written, from
the proposal's `task_json`), who sent it and when (Vietnam time) and the file it came from;
the decided ones are listed below. The actions go through analytics.reporting.proposals (the
permission checked there again, the decision audited) with ui.reporting.review's helpers: a
refusal is said in the page's language, after a change the page runs again saying what it did.
Text from users and files is escaped.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from analytics.i18n import fmt_date
from analytics.reporting import proposals
from ui import data
from ui.html import esc
from ui.reporting.review import (
    Choice,
    Review,
    _leads,
    _lines,
    _table,
    _text,
    _when,
    decide,
    flash,
    names,
)

TAB = "proposals"  # the key of this tab's messages (rv_flash_proposals)
DECIDED = ("accepted", "declined", "withdrawn")
STATE_KEYS = {
    "accepted": "review_proposals.state_accepted",
    "declined": "review.state_rejected",
    "withdrawn": "review_proposals.state_withdrawn",
}


def _file_said(task_json) -> dict:
    """The task as the file gave it ({} when the JSON cannot be read)."""
    try:
        doc = json.loads(task_json) if isinstance(task_json, str) else {}
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def deadline_as_sent(rv: Review, task_json) -> str:
    """The deadline as the file wrote it ("Quý IV/2025", "31/12/2025"), else its date, else
    'no deadline'."""
    doc = _file_said(task_json)
    written = _text(doc.get("deadline_text")).strip()
    if written:
        return written
    try:
        day = dt.date.fromisoformat(doc["deadline"]) if doc.get("deadline") else None
    except (TypeError, ValueError):
        day = None
    return fmt_date(day, rv.lg) if day else rv.t("status.no_deadline")


def _files(rv: Review) -> dict[int, str]:
    """snapshot id -> 'file (snapshot #id, as of date)' for every snapshot stored."""
    out = {}
    for r in data.snapshots().to_dict("records"):
        out[int(r["snapshot_id"])] = rv.t(
            "review_proposals.from_file",
            name=_text(r["file_name"]),
            id=int(r["snapshot_id"]),
            date=fmt_date(r["as_of"], rv.lg),
        )
    return out


def _snapshot_of(row: dict) -> int | None:
    value = row.get("snapshot_id")
    return None if value is None or pd.isna(value) else int(value)


def proposals_tab(rv: Review) -> None:
    flash(TAB)
    agency_names = names(rv)
    files = _files(rv)
    frame = proposals.list_proposals(rv.db, states=None)
    rows = frame.to_dict("records")
    pending = [r for r in rows if r["state"] == "pending"]
    if not pending:
        st.info(rv.t("review_proposals.no_pending"))
    else:
        st.caption(rv.t("review_proposals.intro", n=len(pending)))
    for row in pending:
        proposal_card(rv, row, agency_names, files.get(_snapshot_of(row), ""))
    st.subheader(rv.t("review_proposals.decided"))
    decided = [r for r in rows if r["state"] in DECIDED]
    _table(
        rv, decided_frame(rv, decided), "rv_proposals_decided", "proposals_decided", "review.none"
    )


def proposal_card(rv: Review, row: dict, agency_names: dict[str, str], file_label: str) -> None:
    proposal_id = int(row["proposal_id"])
    task_id = str(row["task_id"])
    with st.container(border=True):
        head = f"#{proposal_id} · {task_id} — {row['title']}"
        st.markdown(f"**{esc(head)}**")
        st.markdown(
            _lines(
                [
                    (rv.t("col.lead"), _leads(agency_names, row["lead_ids"])),
                    (rv.t("col.deadline"), deadline_as_sent(rv, row["task_json"])),
                    (rv.t("col.source"), _text(row["source"])),
                    (
                        rv.t("review_proposals.proposed_by"),
                        rv.t(
                            "review.by_at",
                            who=_text(row["proposed_by"]),
                            when=_when(row["proposed_at"]),
                        ),
                    ),
                    (rv.t("col.file"), file_label),
                ]
            )
        )
        decide(
            rv,
            TAB,
            Choice("review_proposals.accept", f"rv_accept_{proposal_id}",
                   lambda _: proposals.accept_proposal(rv.db, rv.me, proposal_id),
                   rv.t("review_proposals.accepted", id=proposal_id, task=task_id)),
            Choice("review.reject", f"rv_decline_{proposal_id}",
                   lambda why: proposals.decline_proposal(rv.db, rv.me, proposal_id, why),
                   rv.t("review_proposals.declined", id=proposal_id, task=task_id)),
            "review.reject_reason",
            f"rv_decline_reason_{proposal_id}",
        )  # fmt: skip


def _reason(row: dict) -> str:
    """The decision's reason ('superseded', the store's word for a proposal a later file
    replaced, is said by the state)."""
    reason = _text(row["decision_reason"])
    return "" if row["state"] == "withdrawn" and reason == "superseded" else reason


def decided_frame(rv: Review, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            rv.t("col.id"): [int(r["proposal_id"]) for r in rows],
            rv.t("col.task_id"): [r["task_id"] for r in rows],
            rv.t("col.title"): [r["title"] for r in rows],
            rv.t("col.source"): [r["source"] for r in rows],
            rv.t("review_proposals.proposed_by"): [_text(r["proposed_by"]) for r in rows],
            rv.t("col.state"): [rv.t(STATE_KEYS[r["state"]]) for r in rows],
            rv.t("review.decided_by"): [_text(r["decided_by"]) for r in rows],
            rv.t("review.decided_at"): [_when(r["decided_at"]) for r in rows],
            rv.t("review.reason"): [_reason(r) for r in rows],
        }
    )
