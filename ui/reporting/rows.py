"""The "My tasks" page's pure part: a task's report as plain values (from the task frame, from a
stored version, from the table editor), the table editor's rows, what changed between two
versions, the field a refusal is about, and a report as the page shows it. No Streamlit."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import fields, replace

import pandas as pd
import pyarrow as pa

from analytics.i18n import fmt_date, t
from analytics.reporting import REPORT_FIELDS, Refused, ReportFields
from analytics.reporting.rules import CAUSES, vn_time
from analytics.reporting.words import cause_labels, confidence_label, deadline_note, status_label

EDIT_COLUMNS = REPORT_FIELDS[:4] + ("cause_codes", "commitment_date", "proposals", "confidence")
"""The report's fields the table editor edits (the causes' text only in the detailed form)."""
DATE_COLUMNS = ("completed_on", "commitment_date")
INFO_COLUMNS = ("task_id", "title", "deadline_shown", "official", "report")

FIELD_KEYS = {  # a report field -> the text that names it
    "status_reported": "my_tasks.col_status_reported",
    "completed_on": "col.completion_date",
    "evidence_text": "my_tasks.col_evidence",
    "progress_note": "my_tasks.col_progress",
    "cause_codes": "pages_reported.col_causes",
    "cause_text": "pages_reported.col_cause_text",
    "commitment_date": "pages_reported.col_commitment_date",
    "proposals": "col.proposals",
    "confidence": "pages_reported.col_confidence",
    "evidence_file": "my_tasks.col_evidence_file",
}
CAUSE_ORDER = tuple(sorted(CAUSES, key=lambda c: (CAUSES[c] != "objective", list(CAUSES).index(c))))
"""The causes as they are offered: the objective ones first, then the subjective ones."""

# the refusals about one field: (texts.toml key in [reporting], field, placeholders from it)
_FIELD_REFUSALS = (
    ("bad_status", "status_reported", "value"),
    ("bad_confidence", "confidence", "value"),
    ("completed_needs_date", "completed_on", None),
    ("date_without_completed", "completed_on", None),
    ("completed_in_future", "completed_on", "date"),
    ("completed_needs_evidence", "evidence_text", None),
)


# --------------------------------------------------------------------------- plain values


def missing(value) -> bool:
    """None, NaN, NaT, pd.NA (a list or an array is never missing)."""
    if value is None:
        return True
    if isinstance(value, list | tuple) or hasattr(value, "__len__") and not isinstance(value, str):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_text(value) -> str | None:
    if missing(value):
        return None
    text = str(value).strip()
    return text or None


def as_date(value) -> dt.date | None:
    """A date from what a frame, a widget or the table editor holds (ISO text included)."""
    if missing(value):
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10]) if value.strip() else None
        except ValueError:
            return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def as_codes(value) -> tuple[str, ...]:
    if missing(value):
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(str(v) for v in value if not missing(v) and str(v))


def as_version(value) -> int | None:
    if missing(value):
        return None
    number = float(value)
    return None if math.isnan(number) else int(number)


def normalised(report: ReportFields) -> ReportFields:
    """The report as compared and saved: blank texts None, dates as dates, codes a tuple."""
    return ReportFields(
        status_reported=as_text(report.status_reported),
        completed_on=as_date(report.completed_on),
        evidence_text=as_text(report.evidence_text),
        progress_note=as_text(report.progress_note),
        cause_codes=as_codes(report.cause_codes),
        cause_text=as_text(report.cause_text),
        commitment_date=as_date(report.commitment_date),
        proposals=as_text(report.proposals),
        confidence=as_text(report.confidence),
    )


def task_key(source: str, task_id: str) -> str:
    return f"{source}\t{task_id}"


def loaded_fields(row: Mapping) -> ReportFields:
    """The latest report on a task as the task frame (store.load_tasks) carries it. Its
    completion date is the pending (or confirmed) claim's: the frame has no other."""
    status = as_text(row.get("status_reported"))
    completed_on = as_date(row.get("claimed_on"))
    if completed_on is None and status == "completed":
        completed_on = as_date(row.get("confirmed_on"))
    return normalised(
        ReportFields(
            status_reported=status,
            completed_on=completed_on,
            evidence_text=row.get("evidence_text"),
            progress_note=row.get("progress_note"),
            cause_codes=row.get("cause_codes"),
            cause_text=row.get("cause_text"),
            commitment_date=row.get("commitment_date"),
            proposals=row.get("reported_proposals"),
            confidence=row.get("confidence"),
        )
    )


def version_fields(row: Mapping) -> ReportFields:
    """A stored version (a row of reporting.report_versions or Conflict.current)."""
    return normalised(ReportFields(**{k: row.get(k) for k in REPORT_FIELDS}))


def edited_fields(values: Mapping, base: ReportFields) -> ReportFields:
    """The report a table editor's row makes: its edited columns over `base` (the fields the
    table does not show, the causes' text, kept as they are)."""
    return normalised(replace(base, **{c: values.get(c) for c in EDIT_COLUMNS}))


def merged(exact: ReportFields, loaded: ReportFields, edited: ReportFields) -> ReportFields:
    """What to save: each field the editor changed (edited differs from what was loaded), the
    stored version's value (`exact`) for the others."""
    out = {}
    for f in fields(ReportFields):
        mine, before = getattr(edited, f.name), getattr(loaded, f.name)
        out[f.name] = mine if mine != before else getattr(exact, f.name)
    return normalised(ReportFields(**out))


def refused_field(exc: Refused, report: ReportFields) -> str | None:
    """The field a refusal of `report` is about (None: the whole report or the task)."""
    for key, field, placeholder in _FIELD_REFUSALS:
        value = getattr(report, field)
        values = {}
        if placeholder == "value":
            values["value"] = value
        elif placeholder == "date":
            values["date"] = value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else ""
        if exc.message == t(f"reporting.{key}", "en", **values):
            return field
    for code in report.cause_codes:
        if exc.message == t("reporting.bad_cause", "en", value=code):
            return "cause_codes"
    return None


# --------------------------------------------------------------------------- as shown


def field_label(field: str, lang: str) -> str:
    return t(FIELD_KEYS.get(field, field), lang)


def cause_label(code: str, lang: str) -> str:
    labels = cause_labels([code], lang)
    return labels[0] if labels else str(code)


def shown_value(field: str, value, lang: str) -> str:
    """A report field's value as a reader reads it."""
    if field == "status_reported":
        return status_label(value, lang)
    if field == "confidence":
        return confidence_label(value, lang)
    if field == "cause_codes":
        return "; ".join(cause_labels(as_codes(value), lang))
    if field in ("completed_on", "commitment_date"):
        return fmt_date(as_date(value), lang)
    return as_text(value) or ""


def comparison(theirs: ReportFields, mine: ReportFields, lang: str) -> pd.DataFrame:
    """Their saved report beside the editor's unsaved one, a row per field either fills."""
    rows = []
    for f in REPORT_FIELDS:
        a, b = shown_value(f, getattr(theirs, f), lang), shown_value(f, getattr(mine, f), lang)
        if a or b:
            rows.append((field_label(f, lang), a, b))
    return pd.DataFrame(
        rows,
        columns=[
            t("my_tasks.col_field", lang),
            t("my_tasks.col_theirs", lang),
            t("my_tasks.col_yours", lang),
        ],
    )


def shown_time(value) -> str:
    """A stored time (UTC) as Vietnam time, dd/mm/yyyy HH:MM ('' when missing)."""
    if missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return vn_time(value) if isinstance(value, dt.datetime) else str(value)


def deadline_shown(row: Mapping, lang: str) -> str:
    """The deadline in force, with the approved change it comes from."""
    deadline = as_date(row.get("deadline"))
    text = fmt_date(deadline, lang) if deadline else t("reported.no_deadline", lang)
    if bool(row.get("deadline_adjusted")):
        note = deadline_note(
            as_date(row.get("deadline_original")),
            deadline,
            row.get("deadline_approved_at"),
            lang,
        )
        if note:
            text = f"{text} ({note})"
    return text


def report_summary(row: Mapping, lang: str) -> str:
    """The latest report's state in a line: the completion awaiting confirmation, a missed
    commitment, a deadline change awaiting a decision, who reported and when."""
    parts = []
    if bool(row.get("reported_completed")):
        parts.append(t("pages_reported.awaiting", lang))
    if bool(row.get("commitment_missed")):
        parts.append(t("pages_reported.missed", lang))
    requested = as_date(row.get("deadline_requested"))
    if requested is not None:
        parts.append(t("my_tasks.deadline_requested", lang, date=fmt_date(requested, lang)))
    version = as_version(row.get("report_version"))
    if version is None:
        parts.append(t("my_tasks.not_reported", lang))
    else:
        when = shown_time(row.get("reported_at"))
        who = as_text(row.get("reported_by")) or ""
        parts.append(t("my_tasks.version_line", lang, version=version, who=who, when=when))
    return " · ".join(parts)


def editor_frame(tasks: pd.DataFrame, lang: str, kept: Mapping | None = None) -> pd.DataFrame:
    """The table editor's rows, one per task of `tasks` in its order: the task (read-only)
    and its report's editable columns, the unsaved values `kept` ({task_key: {column: value}})
    over what is stored."""
    kept = kept or {}
    rows = []
    for row in tasks.to_dict("records"):
        report = loaded_fields(row)
        values = {c: getattr(report, c) for c in EDIT_COLUMNS}
        values.update(kept.get(task_key(row["source"], row["task_id"]), {}))
        values["cause_codes"] = list(as_codes(values["cause_codes"]))
        rows.append(
            {
                "task_id": row["task_id"],
                "title": row.get("title") or "",
                "deadline_shown": deadline_shown(row, lang),
                "official": t(f"status.{row['status']}", lang),
                "report": report_summary(row, lang),
                **values,
            }
        )
    columns = [*INFO_COLUMNS, *EDIT_COLUMNS]
    frame = pd.DataFrame(rows, columns=columns)
    # Types that do not depend on the values: a keyed editor keeps the edits in progress while
    # its columns' types stay the same (a column of None only would be typed anew once someone
    # fills it). The causes stay lists of Python objects, which the editor edits correctly.
    for c in columns:
        if c in DATE_COLUMNS:
            frame[c] = pd.Series(frame[c].tolist(), dtype=pd.ArrowDtype(pa.date32()))
        elif c != "cause_codes":
            frame[c] = frame[c].astype("string")
    return frame


def version_changes(versions: pd.DataFrame) -> list[list[str]]:
    """For each version of `versions` (newest first, reporting.report_versions): the fields it
    changed against the version in force before it (every field it fills for the first)."""
    rows = versions.to_dict("records")
    out = []
    for i, row in enumerate(rows):
        mine = version_fields(row)
        before = None
        for older in rows[i + 1 :]:
            undone = older.get("undone_at")
            if missing(undone) or undone > row["reported_at"]:
                before = version_fields(older)
                break
        changed = [
            f
            for f in REPORT_FIELDS
            if getattr(mine, f) != (getattr(before, f) if before else None)
            and (before is not None or getattr(mine, f) not in (None, ()))
        ]
        older_sha = None
        if before is not None and i + 1 < len(rows):
            older_sha = rows[i + 1].get("evidence_sha256")
        sha = row.get("evidence_sha256")
        if not missing(sha) and sha != older_sha:
            changed.append("evidence_file")
        out.append(changed)
    return out
