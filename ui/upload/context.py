"""What every step of the upload page needs, and the page's state in the session.

`Page` is decided once per run (pages/upload.py); `UploadState` is the one file being uploaded
in this session, kept under one session-state key (`STATE`) and reset when another file comes.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from analytics import exports, sandbox, uploads
from analytics import upload_plan as plan
from analytics.access import User
from analytics.i18n import t
from ui import auth, data, state

# The fields of the column mapping labelled as the task's columns are (the others: "field.<f>").
FIELD_KEYS = {
    "group": "col.group",
    "task_id": "col.task_id",
    "support_agencies": "col.support",
    "product": "col.product",
    "deadline": "col.deadline",
    "source_doc": "col.source_doc",
    "assigned_date": "col.assigned_date",
    "completion_date": "col.completion_date",
    "result": "common.result",
    "issues": "col.causes",
    "proposals": "col.proposals",
    "notes": "col.notes",
    "leader": "col.leader",
    "agency_comment": "col.agency_comment",
    # the "my tasks" workbook's report columns (analytics/templates.py REPORT_COLUMNS)
    "report_status": "my_tasks.col_status_reported",
    "report_completed_on": "pages_reported.col_claimed_on",
    "report_evidence": "my_tasks.col_evidence",
    "report_progress": "my_tasks.col_progress",
    "report_causes": "pages_reported.col_causes",
    "report_cause_text": "pages_reported.col_cause_text",
    "report_commitment": "pages_reported.col_commitment_date",
    "report_proposals": "briefing_reported.col_proposals",
    "report_confidence": "pages_reported.col_confidence",
}
STATE = "up_state"
SHEETS_KEY = "up_sheets_read"  # the task sheets chosen to be read
# the widgets of one reading: asked afresh when the file is read again
READING_WIDGETS = (
    "up_header_row",
    "up_sheet",
    "up_mode",
    "up_agencies",
    "up_annotated",
    "up_accept_valid",  # a new reading's rows with errors are asked about afresh
    SHEETS_KEY,
)


@dataclasses.dataclass(frozen=True)
class Page:
    """The run's view, user, language and database."""

    view: state.View
    me: User
    lg: str
    db: str

    def t(self, key: str, **fmt) -> str:
        """The text of `key` (analytics/texts.toml) in the page's language."""
        return t(key, self.lg, **fmt)

    def field_label(self, f: str) -> str:
        """The label of field `f` in the column mapping (the field's name when it has none)."""
        return t(FIELD_KEYS.get(f, f"field.{f}"), self.lg)

    def agency_frame(self, extra=()) -> pd.DataFrame:
        """The register's agencies and those only the file names."""
        return plan.with_extra_agencies(data.agencies(), extra)

    def agency_name(self, agencies: pd.DataFrame, agency_id: str) -> str:
        return state.agency_label(agencies, agency_id, self.lg)

    def present(self, frame: pd.DataFrame, agencies: pd.DataFrame, columns) -> pd.DataFrame:
        return exports.present_tasks(frame, agencies, self.lg, columns=columns)

    def audit(self, action: str, target: str | None, details, outcome: str = "ok") -> None:
        uploads.audit(self.db, self.me.username, action, target, details, outcome=outcome)


def current_user() -> User:
    """The user app.py decided in this run (GUEST when it did not run: deny by default)."""
    getter = getattr(auth, "user", None)
    return getter() if callable(getter) else auth.current_user()


@dataclasses.dataclass
class UploadState:
    """The file being uploaded in this session and what was made of it so far."""

    sha: str
    name: str
    size: int
    q: uploads.Quarantined
    params: dict = dataclasses.field(default_factory=dict)  # the reading chosen (READ_CHOICES)
    key: str | None = None  # upload_plan.read_key of `result`
    result: sandbox.ReadResult | None = None
    audited: bool = False  # the reading is in the audit log
    judged: tuple | None = None  # (upload_plan.judged_token, the judged tasks)
    auto_sheets: list[str] | None = None  # the task sheets read when nothing is chosen
    task_sheets: list[str] | None = None  # the task sheets offered so far
    removed_confirmed: str | None = None  # upload_plan.removed_fingerprint of the list ticked


def stored() -> UploadState | None:
    found = st.session_state.get(STATE)
    return found if isinstance(found, UploadState) else None


def forget() -> None:
    st.session_state.pop(STATE, None)


def reset_widgets(prefixes=("up_map_", "up_fix_")) -> None:
    """Forget the answers given about one reading (the mapping form, the agency questions …)."""
    for k in list(st.session_state.keys()):
        if isinstance(k, str) and k.startswith(prefixes):
            del st.session_state[k]
    for k in READING_WIDGETS:
        st.session_state.pop(k, None)


def current(q: uploads.Quarantined, name: str) -> UploadState:
    """This session's upload state, reset when another file arrives."""
    cur = stored()
    if cur is None or cur.sha != q.sha256:
        reset_widgets()
        for k in ("up_source_pick", "up_source_new"):  # a new file's task list is asked afresh
            st.session_state.pop(k, None)
        cur = UploadState(sha=q.sha256, name=name, size=q.size, q=q)
        st.session_state[STATE] = cur
    return cur
