"""The canonical task model every reader produces and the store keeps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Canonical fields a task sheet may carry (see data/reference/header_variants.csv).
FIELDS = (
    "row_no",
    "group",
    "task_id",
    "task",
    "lead_agency",
    "support_agencies",
    "product",
    "submission_level",
    "deadline",
    "source_doc",
    "assigned_date",
    "status",
    "progress_pct",
    "completion_date",
    "result",
    "issues",
    "proposals",
    "notes",
    "leader",
    "focal_point",
    "difficulty",
)
REQUIRED_FIELDS = ("task", "lead_agency")

# Status classes derived from the status words (data/reference/status_vocabulary.csv).
STATUS_CLASSES = (
    "done_on_time",
    "done_late",
    "done_unspecified",
    "in_progress_on_time",
    "overdue_not_done",
    "not_done_unspecified",
    "at_risk",
    "unknown",
)
DONE_CLASSES = ("done_on_time", "done_late", "done_unspecified")

# Task status judged at a date D (computed in SQL, see analytics/sql/task_status.sql).
STATUSES = (
    "completed_on_time",
    "completed_late",
    "completed_timing_unknown",
    "overdue",
    "in_progress",
    "no_deadline",
)


@dataclass(slots=True)
class Task:
    """One task as resolved from one row of a sheet."""

    task_id: str
    title: str
    lead_ids: tuple[str, ...]
    lead_text: str
    group: str | None = None
    support_ids: tuple[str, ...] = ()
    support_text: str | None = None
    product: str | None = None
    deadline: dt.date | None = None
    deadline_text: str | None = None
    deadline_kind: str = "none"
    status_text: str | None = None
    status_class: str = "unknown"
    completion_date: dt.date | None = None
    difficult: bool = False
    priority: str | None = None
    causes: str | None = None
    proposals: str | None = None
    notes: str | None = None
    result: str | None = None
    id_derived: bool = False
    # provenance
    sheet: str | None = None
    row: int | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)
