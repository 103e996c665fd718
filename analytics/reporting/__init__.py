"""Agencies report back (issue 15): progress reports on their tasks (versioned, undoable),
completion claims the steering office confirms or returns, deadline change requests it approves
or rejects, cancellations with their reason and document, report rounds and stale agencies.

`records` writes (each action one transaction with its audit entry; who may do what checked
there), `reads` reads, `rules` says what a report may hold; `evidence` checks an evidence file.
The decisions reach every figure through the store's query (sql/task_decisions.sql,
sql/decided_columns.sql): an approved deadline, a confirmed completion, a cancellation.
"""

from analytics.reporting.reads import (
    agency_reporting,
    cancellations,
    claims,
    open_round,
    report_versions,
    requests,
    rounds,
    stale_days,
)
from analytics.reporting.records import (
    approve_request,
    cancel_task,
    claim,
    close_round,
    confirm_claim,
    reject_request,
    request_deadline,
    return_claim,
    revoke_cancellation,
    save_report,
    set_stale_days,
    undo_report,
)
from analytics.reporting.records import (
    open_round as start_round,
)
from analytics.reporting.rules import (
    CAUSES,
    CONFIDENCE,
    REPORT_FIELDS,
    REPORT_STATUSES,
    Conflict,
    Refused,
    ReportFields,
)

__all__ = [
    "CAUSES",
    "CONFIDENCE",
    "REPORT_FIELDS",
    "REPORT_STATUSES",
    "Conflict",
    "Refused",
    "ReportFields",
    "agency_reporting",
    "approve_request",
    "cancel_task",
    "cancellations",
    "claim",
    "claims",
    "close_round",
    "confirm_claim",
    "open_round",
    "reject_request",
    "report_versions",
    "request_deadline",
    "requests",
    "return_claim",
    "revoke_cancellation",
    "rounds",
    "save_report",
    "set_stale_days",
    "stale_days",
    "start_round",
    "undo_report",
]
