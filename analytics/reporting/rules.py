"""What an agency's report on a task may say, and the refusals of the reporting-back actions.
Pure: values in, values or a `Refused` out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

from analytics.i18n import t

VN = dt.timezone(dt.timedelta(hours=7))

REPORT_STATUSES = ("not_started", "in_progress", "stuck", "completed")
"""What an agency says of its task (status_reported); 'completed' is a completion claim."""

CAUSES: dict[str, str] = {
    # objective causes (khách quan)
    "legal_framework": "objective",
    "funding": "objective",
    "coordination": "objective",
    "infrastructure": "objective",
    "external": "objective",
    # subjective causes (chủ quan)
    "staffing": "subjective",
    "direction": "subjective",
    "late_start": "subjective",
    "own_other": "subjective",
}
"""The causes of delay an agency picks from (code -> objective | subjective)."""

CONFIDENCE = ("green", "amber_green", "amber", "amber_red", "red")
"""Delivery confidence, five levels (the UK Infrastructure and Projects Authority's scale)."""

MAX_TEXT = 2000  # characters kept of a free text (note, causes, proposals, reason)
MAX_EVIDENCE_TEXT = 300


class Refused(ValueError):
    """A reporting-back action that was not done (nothing stored): `message` (English),
    `message_vi`, `code` (not_allowed | no_task | ambiguous_task | invalid | conflict |
    not_pending | not_found)."""

    def __init__(self, code: str, message: str, message_vi: str, **extra) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_vi = message_vi
        self.extra = extra

    def text(self, lang: str = "vi") -> str:
        return self.message_vi if lang == "vi" else self.message


def refused(code: str, key: str, **values) -> Refused:
    """A Refused whose words are texts.toml's `reporting.<key>`, or `key` itself when it names
    its namespace ("proposals.no_proposal")."""
    name = key if "." in key else f"reporting.{key}"
    return Refused(code, t(name, "en", **values), t(name, "vi", **values))


class Conflict(Refused):
    """Someone else saved a report on the task since this one was started: `current` is theirs
    (a dict of task_reports' columns), shown to the second author instead of overwriting it."""

    def __init__(self, current: dict) -> None:
        who = current.get("reported_by") or "?"
        at = current.get("reported_at")
        when = vn_time(at) if isinstance(at, dt.datetime) else ""
        super().__init__(
            "conflict",
            t("reporting.conflict", "en", who=who, when=when),
            t("reporting.conflict", "vi", who=who, when=when),
        )
        self.current = current


@dataclass(frozen=True)
class ReportFields:
    """One report on one task, as the editor filled it in."""

    status_reported: str | None = None
    completed_on: dt.date | None = None
    evidence_text: str | None = None
    progress_note: str | None = None
    cause_codes: tuple[str, ...] = field(default_factory=tuple)
    cause_text: str | None = None
    commitment_date: dt.date | None = None
    proposals: str | None = None
    confidence: str | None = None

    def as_row(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


REPORT_FIELDS = tuple(f.name for f in fields(ReportFields))


def vn_today() -> dt.date:
    return dt.datetime.now(VN).date()


def vn_day(value) -> dt.date | None:
    """A stored time (UTC, no zone; a datetime or a pandas Timestamp) as its day in Vietnam; a
    date as it is; None or NaT as None."""
    if value is None or value != value:  # None or NaT
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        zoned = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return zoned.astimezone(VN).date()
    return value


def vn_time(ts: dt.datetime | str) -> str:
    """A stored time (UTC: no zone, or an aware or ISO time of any zone) as Vietnam time,
    dd/mm/yyyy HH:MM; '' for a text that is no time."""
    if isinstance(ts, str):
        try:
            ts = dt.datetime.fromisoformat(ts)
        except ValueError:
            return ""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return ts.astimezone(VN).strftime("%d/%m/%Y %H:%M")


def vn_times(stored):
    """A column of stored times (UTC, no zone) as Vietnam times, dd/mm/yyyy HH:MM ('' for none)."""
    import pandas as pd

    local = pd.to_datetime(pd.Series(stored, dtype="object")) + pd.Timedelta(hours=7)
    return local.dt.strftime("%d/%m/%Y %H:%M").fillna("")


def clean_text(value, limit: int = MAX_TEXT) -> str | None:
    """A free text as stored: control characters out, trimmed, at most `limit` characters;
    empty is None."""
    if value is None:
        return None
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in str(value)).strip()
    return text[:limit] or None


def cleaned(report: ReportFields) -> ReportFields:
    """The report with its texts cleaned and its cause codes without repeats."""
    return ReportFields(
        status_reported=report.status_reported or None,
        completed_on=report.completed_on,
        evidence_text=clean_text(report.evidence_text, MAX_EVIDENCE_TEXT),
        progress_note=clean_text(report.progress_note),
        cause_codes=tuple(dict.fromkeys(str(c) for c in report.cause_codes or ())),
        cause_text=clean_text(report.cause_text),
        commitment_date=report.commitment_date,
        proposals=clean_text(report.proposals),
        confidence=report.confidence or None,
    )


def check_report(report: ReportFields, today: dt.date) -> None:
    """Refused (code invalid) when the report cannot be stored as it is: an unknown status,
    cause or confidence; a completion without its date or its evidence, or dated in the future;
    a completion date on a task not reported completed."""
    if report.status_reported is not None and report.status_reported not in REPORT_STATUSES:
        raise refused("invalid", "bad_status", value=report.status_reported)
    unknown = [c for c in report.cause_codes if c not in CAUSES]
    if unknown:
        raise refused("invalid", "bad_cause", value=unknown[0])
    if report.confidence is not None and report.confidence not in CONFIDENCE:
        raise refused("invalid", "bad_confidence", value=report.confidence)
    if report.status_reported == "completed":
        if report.completed_on is None:
            raise refused("invalid", "completed_needs_date")
        if not report.evidence_text:
            raise refused("invalid", "completed_needs_evidence")
    elif report.completed_on is not None:
        raise refused("invalid", "date_without_completed")
    if report.completed_on is not None and report.completed_on > today:
        raise refused(
            "invalid", "completed_in_future", date=report.completed_on.strftime("%d/%m/%Y")
        )


def changed_fields(before: dict | None, after: ReportFields) -> list[str]:
    """The fields of `after` that differ from the report `before` (None: every field given)."""
    row = after.as_row()
    if before is None:
        return [k for k, v in row.items() if v not in (None, ())]
    out = []
    for k, v in row.items():
        old = before.get(k)
        if k == "cause_codes":
            old, v = tuple(old or ()), tuple(v or ())
        if old != v:
            out.append(k)
    return out
