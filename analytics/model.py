"""The canonical task model every reader produces and the store keeps, and the plain value
types that name what a view shows (`Scope`, `Filters`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

# Canonical fields a task sheet may carry (see data/reference/header_variants.csv).
# What an agency reports on a task (issue 15), read from the "my tasks" workbook's report columns
# (analytics/templates.py REPORT_COLUMNS) into Task.report and stored as its reports after the
# snapshot (analytics/ingest/file_reports.py), never as the task's own fields.
REPORT_COLUMN_FIELDS = (
    "report_status",
    "report_completed_on",
    "report_evidence",
    "report_progress",
    "report_causes",
    "report_cause_text",
    "report_commitment",
    "report_proposals",
    "report_confidence",
)
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
    "agency_comment",
    "progress",
    *REPORT_COLUMN_FIELDS,
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
    "cancelled",
    "unknown",
)
DONE_CLASSES = ("done_on_time", "done_late", "done_unspecified")

# Task status judged at a date D (computed in SQL, see analytics/sql/task_status.sql, and over
# plain values by analytics.statuses.judge). A task whose status class is cancelled is judged
# cancelled whatever its dates.
STATUSES = (
    "completed_on_time",
    "completed_late",
    "completed_timing_unknown",
    "overdue",
    "in_progress",
    "no_deadline",
    "cancelled",
)
# The statuses the figures count: the total, the completion rate and the split. Cancelled tasks
# are counted and listed apart, never in these.
COUNTED_STATUSES = tuple(s for s in STATUSES if s != "cancelled")


@dataclass(frozen=True)
class Scope:
    """Which lead agencies a user may see. `agency_ids=None` means every agency."""

    agency_ids: frozenset[str] | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def agencies(cls, ids: Sequence[str]) -> Scope:
        return cls(frozenset(ids))

    @property
    def is_all(self) -> bool:
        return self.agency_ids is None

    def key(self) -> tuple:
        return ("*",) if self.agency_ids is None else tuple(sorted(self.agency_ids))


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the view to; empty tuples mean no restriction."""

    sources: tuple[str, ...] = ()
    agency_ids: tuple[str, ...] = ()
    agency_types: tuple[str, ...] = ()
    difficult_only: bool = False
    source_docs: tuple[str, ...] = ()  # assigning documents ("Thông báo 05-TB/BCĐTW")
    judge_original: bool = False  # judge by the deadlines the files gave, not the approved ones


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
    # attributes real systems carry, shown in lists, filters and exports (after the provenance,
    # so that positional construction from TASK_FIELDS elsewhere keeps its order)
    source_doc: str | None = None  # the assigning document ("Văn bản giao", "Nguồn chỉ đạo")
    assigned_date: dt.date | None = None  # the date assigned ("Ngày giao", "Ngày chỉ đạo")
    leader: str | None = None  # the leader in charge ("Lãnh đạo Bộ phụ trách")
    agency_comment: str | None = None  # the agency's comment ("Ý kiến của đơn vị")
    progress: str | None = None  # narrative progress text beside a status column
    # the row's report columns as written (REPORT_COLUMN_FIELDS -> text), None without any
    report: dict | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)


TASK_FIELDS = tuple(f for f in Task.__dataclass_fields__ if f != "extra")


class TaskBatch(Sequence):
    """Resolved tasks held column by column: what a 100,000-row file becomes without building
    100,000 objects on the ingest path. It reads as a list of `Task` (built on first use)."""

    __slots__ = ("_n", "_tasks", "columns")

    def __init__(self, columns: dict[str, list]):
        missing = set(TASK_FIELDS) - set(columns)
        if missing:
            raise ValueError(f"task columns missing: {sorted(missing)}")
        lengths = {len(columns[f]) for f in TASK_FIELDS}
        if len(lengths) > 1:
            raise ValueError("task columns of unequal length")
        self.columns = {f: columns[f] for f in TASK_FIELDS}
        self._n = lengths.pop() if lengths else 0
        self._tasks: list[Task] | None = None

    def __len__(self) -> int:
        return self._n

    @property
    def tasks(self) -> list[Task]:
        if self._tasks is None:
            cols = [self.columns[f] for f in TASK_FIELDS]
            self._tasks = [Task(*vals) for vals in zip(*cols, strict=True)]
        return self._tasks

    def __getitem__(self, i):
        return self.tasks[i]

    def __iter__(self):
        return iter(self.tasks)

    def __eq__(self, other) -> bool:
        if isinstance(other, TaskBatch | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TaskBatch({self._n} tasks)"
