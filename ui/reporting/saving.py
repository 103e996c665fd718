"""Saving what the "My tasks" page's editor changed, one `reporting.save_report` call per
changed task, each from the report version its row was loaded with: plain values in, plain
results out (no Streamlit), so the page and the tests call the same thing.

A result is a dict: `kind` (saved | unchanged | refused | conflict | busy), `row` (1-based, in
the table), `source`, `task_id`, `version` and `claim_id` (saved), `field` and `value` (the
field a refusal is about), `message` ({"vi", "en"}: the refusal's words), `theirs` (a conflict:
the other person's report, `who`, `when`), `mine` (refused, conflict, busy: the editor's values,
kept so that nothing typed is lost)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analytics import reporting, store
from analytics.access import User
from analytics.reporting import Conflict, Refused, ReportFields
from ui.reporting.rows import (
    EDIT_COLUMNS,
    as_version,
    merged,
    missing,
    refused_field,
    shown_time,
    version_fields,
)


@dataclass(frozen=True)
class RowEdit:
    """One task's report as loaded and as the editor left it."""

    row: int  # 1-based, as the table shows it
    source: str
    task_id: str
    version: int | None  # the report version the row was loaded with (None: none yet)
    loaded: ReportFields
    edited: ReportFields

    @property
    def changed(self) -> bool:
        return self.loaded != self.edited


def exact_version(db, source: str, task_id: str, version: int | None) -> ReportFields | None:
    """The stored report version `version` of a task (None: no such version in force)."""
    if version is None:
        return None
    versions = reporting.report_versions(db, source, task_id)
    for row in versions.to_dict("records"):
        if as_version(row.get("version")) == version and missing(row.get("undone_at")):
            return version_fields(row)
    return None


def _mine(report: ReportFields) -> dict:
    return {c: getattr(report, c) for c in EDIT_COLUMNS}


def save_row(
    db, user: User, edit: RowEdit, *, evidence=None, evidence_data: bytes | None = None
) -> dict:
    """Save one row; Refused and Conflict become results (StoreBusy is raised)."""
    base = {"row": edit.row, "source": edit.source, "task_id": edit.task_id}
    exact = exact_version(db, edit.source, edit.task_id, edit.version) or edit.loaded
    report = merged(exact, edit.loaded, edit.edited)
    try:
        saved = reporting.save_report(
            db,
            user,
            edit.task_id,
            report,
            source=edit.source,
            expected_version=edit.version,
            channel="app",
            evidence=evidence,
            evidence_data=evidence_data,
        )
    except Conflict as exc:
        current = exc.current or {}
        return base | {
            "kind": "conflict",
            "message": {"vi": exc.message_vi, "en": exc.message},
            "theirs": version_fields(current).as_row(),
            "theirs_version": as_version(current.get("version")),
            "who": current.get("reported_by") or "",
            "when": shown_time(current.get("reported_at")),
            "mine": _mine(edit.edited),
        }
    except Refused as exc:
        field = refused_field(exc, report)
        return base | {
            "kind": "refused",
            "message": {"vi": exc.message_vi, "en": exc.message},
            "field": field,
            "value": getattr(report, field) if field else None,
            "mine": _mine(edit.edited),
        }
    if not saved.get("changed"):
        return base | {"kind": "unchanged", "version": saved.get("version")}
    return base | {
        "kind": "saved",
        "version": saved["version"],
        "claim_id": saved.get("claim_id"),
        "changed": list(saved["changed"]),
    }


def save_rows(db, user: User, edits: Sequence[RowEdit]) -> list[dict]:
    """Save every changed row, one call each, in order. The database busy: the rows not yet
    saved are results of kind busy (their values kept), nothing more is tried."""
    results = []
    todo = [e for e in edits if e.changed]
    for i, edit in enumerate(todo):
        try:
            results.append(save_row(db, user, edit))
        except store.StoreBusy:
            for rest in todo[i:]:
                results.append(
                    {
                        "row": rest.row,
                        "source": rest.source,
                        "task_id": rest.task_id,
                        "kind": "busy",
                        "mine": _mine(rest.edited),
                    }
                )
            break
    return results
