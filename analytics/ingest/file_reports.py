"""The "my tasks" workbook's report columns, sent back as an agency update (issue 15, point 7):
the same reports as the in-app table, through the same function (analytics.reporting
save_report, channel "file"), after the snapshot commits. One path inside, not two.

A row whose report columns say what the task's latest report says makes nothing; a blank cell
keeps what the latest report says (a file never clears a report); any other row is saved as a
new version of the task's report, and a completion is a claim awaiting confirmation. A row
that cannot be stored (a completion without its evidence, a label not in the list, a task the
user may not report on) is a problem naming its row, its column and its value, and stores
nothing for that row; the snapshot stands. A row of a new task (a proposal) is not reported on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from analytics.deadlines import DateError, parse_date
from analytics.i18n import t
from analytics.problems import Problem, warning
from analytics.text import fold

# report column -> the ReportFields attribute it fills
ATTRIBUTE = {
    "report_status": "status_reported",
    "report_completed_on": "completed_on",
    "report_evidence": "evidence_text",
    "report_progress": "progress_note",
    "report_causes": "cause_codes",
    "report_cause_text": "cause_text",
    "report_commitment": "commitment_date",
    "report_proposals": "proposals",
    "report_confidence": "confidence",
}
COLUMN = {a: c for c, a in ATTRIBUTE.items()}
_LABELLED = {"report_status": "report_status", "report_confidence": "confidence"}
_SPLIT = re.compile(r"\s*[;\n]\s*")
_KIND = re.compile(r"\s*\((khach quan|chu quan|objective|subjective)\)$")


@dataclass
class FileReports:
    """What a file's report columns made: `saved` (task_id, row, report_id, version, claim_id)
    and the rows not stored (`problems`, warnings: the snapshot is committed)."""

    saved: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _CellRefused(Exception):
    def __init__(self, column: str, value: str | None, why_en: str, why_vi: str) -> None:
        super().__init__(why_en)
        self.column, self.value, self.why_en, self.why_vi = column, value, why_en, why_vi


def report_rows(tasks) -> list[tuple[str, int | None, str | None, dict]]:
    """(task id, row, sheet, report cells) of the tasks whose row gives any report column."""
    cols = getattr(tasks, "columns", None)
    if cols is not None:
        items = zip(cols["task_id"], cols["row"], cols["sheet"], cols["report"], strict=True)
    else:
        items = ((x.task_id, x.row, x.sheet, x.report) for x in tasks)
    return [(tid, row, sheet, cells) for tid, row, sheet, cells in items if cells]


def _labels(kind: str, codes) -> dict[str, str]:
    """Folded label (both languages) or code -> code."""
    out = {}
    for code in codes:
        out[fold(code)] = code
        for lang in ("vi", "en"):
            out[fold(t(f"{kind}.{code}", lang))] = code
    return out


def _code(column: str, text: str) -> str:
    from analytics.reporting.rules import CONFIDENCE, REPORT_STATUSES

    kind = _LABELLED[column]
    codes = REPORT_STATUSES if column == "report_status" else CONFIDENCE
    code = _labels(kind, codes).get(fold(text))
    if code is None:
        key = "bad_status" if column == "report_status" else "bad_confidence"
        raise _CellRefused(
            column,
            text,
            t(f"reporting.{key}", "en", value=text),
            t(f"reporting.{key}", "vi", value=text),
        )
    return code


def _causes(text: str) -> tuple[str, ...]:
    from analytics.reporting.rules import CAUSES

    known = _labels("cause", CAUSES)
    out = []
    for part in _SPLIT.split(text.strip()):
        if not part:
            continue
        code = known.get(_KIND.sub("", fold(part)))
        if code is None:
            en, vi = (t("reporting.bad_cause", lang, value=part) for lang in ("en", "vi"))
            raise _CellRefused("report_causes", text, en, vi)
        out.append(code)
    return tuple(out)


def _date(column: str, text: str) -> dt.date | None:
    try:
        return parse_date(text)
    except DateError as exc:
        raise _CellRefused(column, text, exc.message, exc.message_vi) from None


def parse_cells(cells: dict) -> dict:
    """The report columns of one row as ReportFields values (attribute -> value)."""
    out: dict = {}
    for column, text in cells.items():
        if column not in ATTRIBUTE or not str(text).strip():
            continue
        text = str(text).strip()
        if column in _LABELLED:
            value = _code(column, text)
        elif column == "report_causes":
            value = _causes(text)
        elif column in ("report_completed_on", "report_commitment"):
            value = _date(column, text)
        else:
            value = text
        out[ATTRIBUTE[column]] = value
    return out


def merged(latest: dict | None, given: dict):
    """The row's report: the latest report's fields, those the row gives in their place; a
    completion date only with a completion (unless the row itself gives one)."""
    from analytics.reporting.rules import REPORT_FIELDS, ReportFields, cleaned

    base = {k: (latest or {}).get(k) for k in REPORT_FIELDS}
    base["cause_codes"] = tuple(base.get("cause_codes") or ())
    base.update(given)
    if base.get("status_reported") != "completed" and "completed_on" not in given:
        base["completed_on"] = None
    return cleaned(ReportFields(**base))


def _column_of(exc, report) -> str:
    """The report column a refusal of save_report is about (check_report's order)."""
    from analytics.reporting.rules import CAUSES, CONFIDENCE, REPORT_STATUSES

    if exc.code != "invalid":
        return "task_id"
    status = report.status_reported
    if status is not None and status not in REPORT_STATUSES:
        return "report_status"
    if any(c not in CAUSES for c in report.cause_codes):
        return "report_causes"
    if report.confidence is not None and report.confidence not in CONFIDENCE:
        return "report_confidence"
    if status == "completed" and (report.completed_on is None or not report.evidence_text):
        return "report_status"  # the completion needs what the row does not give
    if report.completed_on is not None:
        return "report_completed_on"
    return "report_status"


class _Where:
    """The headers as the file wrote them, sheet by sheet."""

    def __init__(self, prepared) -> None:
        tables = list(getattr(prepared, "tables", None) or [prepared.table])
        self.several = len(tables) > 1
        self.headers = {}
        for table in tables:
            for f, c in (table.mapping or {}).items():
                if c < len(table.headers):
                    self.headers[(table.sheet, f)] = table.headers[c]

    def header(self, sheet, column: str) -> str:
        from analytics.templates import REPORT_COLUMNS, TEMPLATE_COLUMNS

        named = dict((f, h) for f, h, _w in TEMPLATE_COLUMNS + REPORT_COLUMNS)
        return self.headers.get((sheet, column)) or named.get(column, column)

    def problem(self, row, sheet, column, value, why_en, why_vi, code="report_not_stored"):
        header = self.header(sheet, column)
        shown = "" if value is None else str(value)
        p = warning(
            code,
            t("proposals.report_row", "en", row=row, column=header, value=shown, why=why_en),
            t("proposals.report_row", "vi", row=row, column=header, value=shown, why=why_vi),
            row=row,
            column=header,
            value=shown,
        )
        return p.on_sheet(sheet) if self.several else p


def apply_reports(db, user, prepared, result, user_name: str | None = None) -> FileReports:
    """Save the report of each row of an agency update's file whose report columns change the
    task's latest report (save_report, channel 'file', after the snapshot `result` committed).
    `user`: the analytics.access.User sending the file (None: no account, nothing is saved;
    `user_name`: the name given instead, for the problem that says so)."""
    from analytics import store
    from analytics.reporting.records import _latest_report, save_report
    from analytics.reporting.rules import Refused, changed_fields

    out = FileReports()
    if result.duplicate or result.kind != "agency_update":
        return out
    rows = report_rows(prepared.tasks)
    if not rows:
        return out
    if user is None:
        who = user_name or "-"
        out.problems.append(
            warning(
                "report_no_account",
                t("proposals.report_no_account", "en", user=who),
                t("proposals.report_no_account", "vi", user=who),
            )
        )
        return out
    where = _Where(prepared)
    proposed = set(result.proposed)
    with store.connect(db) as con:
        latest = {tid: _latest_report(con, result.source, tid) for tid, *_ in rows}
    for tid, row, sheet, cells in rows:
        if tid in proposed:
            why = [t("proposals.report_on_proposal", lg, task=tid) for lg in ("en", "vi")]
            out.problems.append(where.problem(row, sheet, "task_id", tid, *why))
            continue
        try:
            report = merged(latest[tid], parse_cells(cells))
        except _CellRefused as exc:
            out.problems.append(
                where.problem(row, sheet, exc.column, exc.value, exc.why_en, exc.why_vi)
            )
            continue
        if latest[tid] is not None and not changed_fields(latest[tid], report):
            continue
        try:
            done = save_report(
                db, user, tid, report, source=result.source, check_version=False, channel="file"
            )
        except Refused as exc:
            column = _column_of(exc, report)
            value = tid if column == "task_id" else cells.get(column, "")
            out.problems.append(
                where.problem(row, sheet, column, value, exc.message, exc.message_vi)
            )
            continue
        if done.get("changed"):
            keys = ("report_id", "version", "claim_id")
            out.saved.append({"task_id": tid, "row": row, **{k: done.get(k) for k in keys}})
    return out
