"""The briefing as an Excel workbook: one sheet per section, every task listed (and the frames
the per-agency workbooks reuse: summary, months, changes).
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment

from analytics import briefing, exports, metrics
from analytics.changes import Changes
from analytics.i18n import fmt_date, fmt_month, source_label, t
from analytics.reports.figures import (
    CHANGE_KEYS,
    BriefingData,
    agency_groups,
    agency_name,
    audit_head_text,
    check_lang,
    footnote,
    lead_names,
    result_sentence,
    scope_text,
    snapshots_text,
)

PCT_FORMAT = "0.0%"
WRAP = Alignment(wrap_text=True, vertical="top")


def _sheet_name(key: str, lang: str) -> str:
    name = t(key, lang)
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]


def add_sheet(
    wb: Workbook,
    key: str,
    frame: pd.DataFrame,
    lang: str,
    title: str,
    pct_columns=(),
    pct_rows=(),
    wide_values: bool = False,
):
    """exports.write_sheet plus percentage formats for rate cells (and, for the summary, a
    wide wrapped value column)."""
    ws = wb.create_sheet(_sheet_name(key, lang))
    exports.write_sheet(ws, frame, lang, title)
    start = 3 if title else 1
    if wide_values:
        ws.column_dimensions["B"].width = 90
        for r in range(len(frame)):
            ws.cell(row=start + 1 + r, column=2).alignment = WRAP
    cols = [i for i, c in enumerate(frame.columns, start=1) if c in pct_columns]
    for r in range(len(frame)):
        for c in cols:
            ws.cell(row=start + 1 + r, column=c).number_format = PCT_FORMAT
    for r in pct_rows:
        ws.cell(row=start + 1 + r, column=2).number_format = PCT_FORMAT
    return ws


def summary_frame(
    data: BriefingData, parts: dict, lang: str, agency: str | None = None
) -> tuple[pd.DataFrame, list[int]]:
    rows: list[tuple[str, object]] = [(t("report.k_report", lang), t("report.title_short", lang))]
    if agency:
        rows.append((t("col.agency", lang), agency))
    rows += [
        (t("common.as_of", lang), data.as_of),
        (t("report.k_snapshots", lang), snapshots_text(data.snapshots, lang)),
        (t("report.k_scope", lang), scope_text(data, lang)),
        (
            t("report.k_previous", lang),
            data.previous_as_of if data.previous_as_of else t("report.none", lang),
        ),
        (t("common.result", lang), result_sentence(parts, lang)),
        *(_reported_summary_rows(data, lang) if agency is None else []),
        (t("status.total", lang), parts["total"]),
        (t("status.cancelled_apart", lang), parts["cancelled"]),
        (t("report.k_due", lang), parts["due"]),
        (t("report.k_x", lang), parts["x"]),
        (t("report.k_y", lang), parts["y"]),
        (t("report.k_a", lang), parts["a"]),
        (t("report.k_b", lang), parts["b"]),
    ]
    if parts["u"]:
        rows.append((t("report.k_u", lang), parts["u"]))
    rows += [
        (t("report.k_c", lang), parts["c"]),
        (t("report.k_d", lang), parts["d"]),
        (t("report.k_e", lang), parts["e"]),
        (t("status.completed", lang), parts["completed"]),
        (t("status.completed_on_time", lang), parts["completed_on_time"]),
        (t("status.completed_late", lang), parts["completed_late"]),
        (t("status.completed_timing_unknown", lang), parts["completed_timing_unknown"]),
        (t("status.overdue", lang), parts["overdue"]),
        (t("status.in_progress", lang), parts["in_progress"]),
        (t("status.no_deadline", lang), parts["no_deadline"]),
        (t("status.late", lang), parts["late"]),
    ]
    if data.changes is not None and agency is None:
        for key, value in data.changes.counts().items():
            rows.append((f"{t('col.change', lang)}: {t(CHANGE_KEYS[key], lang)}", value))
    rows += [
        (t("held_back.title", lang), line)
        for line in metrics.held_back_notices(data.held_back, lang)
    ]
    rows += [
        (t("col.notes", lang), footnote(parts, data.as_of, lang)),
        (
            t("report.k_generated", lang),
            data.generated_at.strftime("%d/%m/%Y %H:%M"),
        ),
    ]
    if data.audit_head is not None:  # the audit log's head when the figures were read
        rows.append((t("report.k_audit", lang), audit_head_text(data, lang)))
    frame = pd.DataFrame(
        {t("report.k_item", lang): [r[0] for r in rows], t("col.value", lang): [r[1] for r in rows]}
    )
    pct = [i for i, r in enumerate(rows) if r[0] == t("report.k_y", lang)]
    return frame, pct


def _reported_summary_rows(data: BriefingData, lang: str) -> list[tuple[str, object]]:
    """The summary's rows on what agencies reported: the sentence with the reconciled figure,
    the counts, the open round."""
    rec = data.reconciled or metrics.reconciled(data.tasks)
    rows: list[tuple[str, object]] = [
        (t("briefing_reported.k_reconciled", lang), data.reconciled_sentence(lang)),
        (t("pages_reported.awaiting", lang), rec.get("reported_completed", 0)),
        (t("pages_reported.missed_title", lang), rec.get("commitments_missed", 0)),
        (t("briefing_reported.k_adjusted", lang), rec.get("deadline_adjusted", 0)),
    ]
    if data.report_round is not None:
        names = exports.agency_names(data.agencies, lang)
        lines = briefing.round_lines(data.report_round, names, lang)
        text = " ".join([f"{lines[0]}.", *lines[1:]])
        rows.append((t("briefing_reported.round_title", lang), text))
    return rows


def _source_frame(data: BriefingData, lang: str) -> pd.DataFrame:
    recs = []
    for src, sp in data.source_parts.items():
        recs.append(_source_record(source_label(src, lang), sp, lang))
    if len(data.source_parts) > 1:
        recs.append(_source_record(t("common.all", lang), data.parts, lang))
    cols = [t("col.source", lang)] + [
        k for k, _ in _source_record("", _zero_parts(), lang).items()
    ][1:]
    return pd.DataFrame(recs, columns=cols)


def _zero_parts() -> dict:
    keys = (*metrics.COUNT_KEYS, "due", "due_completed", "late", "a", "b", "u", "c", "d", "e", "x")
    return {**dict.fromkeys(keys, 0), "due_completion_rate": None, "y": None}


def _source_record(src: str, sp: dict, lang: str) -> dict:
    return {
        t("col.source", lang): src,
        t("status.total", lang): sp["total"],
        t("report.k_due", lang): sp["due"],
        t("report.k_x", lang): sp["due_completed"],
        t("col.rate", lang): sp["due_completion_rate"],
        t("status.completed", lang): sp["completed"],
        t("status.completed_on_time", lang): sp["completed_on_time"],
        t("status.completed_late", lang): sp["completed_late"],
        t("status.completed_timing_unknown", lang): sp["completed_timing_unknown"],
        t("status.overdue", lang): sp["overdue"],
        t("status.in_progress", lang): sp["in_progress"],
        t("status.no_deadline", lang): sp["no_deadline"],
        t("status.late", lang): sp["late"],
        t("status.cancelled_apart", lang): sp["cancelled"],
    }


def _agency_frame(
    rows: pd.DataFrame, lang: str, reported: dict[str, int] | None = None
) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            t("report.c_agency_id", lang): rows["agency_id"].astype(str),
            t("col.agency", lang): [agency_name(r, lang) for _, r in rows.iterrows()],
            t("col.agency_type", lang): rows["agency_type"].map(
                lambda k: t(f"agency_type.{k}", lang)
            ),
            t("status.total", lang): rows["total"],
            t("report.k_due", lang): rows["due"],
            t("report.k_x", lang): rows["due_completed"],
            t("col.rate", lang): rows["due_completion_rate"],
            t("status.completed", lang): rows["completed"],
            t("status.completed_on_time", lang): rows["completed_on_time"],
            t("status.completed_late", lang): rows["completed_late"],
            t("status.overdue", lang): rows["overdue"],
            t("status.in_progress", lang): rows["in_progress"],
            t("status.no_deadline", lang): rows["no_deadline"],
            t("status.late", lang): rows["late"],
            t("status.cancelled_apart", lang): rows["cancelled"],
            t("pages_reported.awaiting", lang): [
                int((reported or {}).get(a, 0)) for a in rows["agency_id"]
            ],
        }
    )
    return out.reset_index(drop=True)


def month_frame(months: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("col.month", lang): [fmt_month(m, lang) for m in months["month"]],
            t("col.due", lang): months["due"].astype("int64"),
            t("status.completed", lang): months["completed"].astype("int64"),
            t("col.remaining", lang): months["remaining"].astype("int64"),
            t("col.of_which_overdue", lang): months["overdue"].astype("int64"),
        }
    )


# The task lists' columns (exports.present_tasks): the overdue sheet's, and the cancelled sheet's
# the same without what only an overdue task has.
OVERDUE_COLUMNS = [
    "task_id",
    "source",
    "title",
    "lead",
    "deadline",
    "deadline_text",
    "days_overdue",
    "status_text",
    "source_doc",
    "leader",
    "agency_comment",
    "support",
    "causes",
    "reported_causes",
    "cause_text",
    "proposals",
    "snapshot_as_of",
    "origin_file",
    "origin_sheet",
    "origin_row",
]
_OVERDUE_ONLY = {
    "days_overdue",
    "agency_comment",
    "causes",
    "reported_causes",
    "cause_text",
    "proposals",
}
CANCELLED_COLUMNS = [c for c in OVERDUE_COLUMNS if c not in _OVERDUE_ONLY]


def changes_frame(
    changes: Changes | None, agencies: pd.DataFrame, lang: str, with_leads: bool = False
):
    """One row per change (a task can appear under several kinds); with its lead sets if asked."""
    names = exports.agency_names(agencies, lang)
    cols = [
        t("col.change", lang),
        t("col.task_id", lang),
        t("col.source", lang),
        t("col.title", lang),
        t("col.lead", lang),
        t("report.c_status_before", lang),
        t("report.c_status_after", lang),
        t("report.c_deadline_before", lang),
        t("report.c_deadline_after", lang),
    ]
    recs: list[list] = []
    leads: list[frozenset] = []
    for key in (
        "new",
        "removed",
        "newly_completed",
        "newly_overdue",
        "deadline_moved",
        "status_changed",
    ):
        frame: pd.DataFrame = getattr(changes, key) if changes is not None else pd.DataFrame()
        for r in frame.to_dict("records"):
            ids = r.get("lead_ids")
            before = r.get("status_before") if key == "status_changed" else None
            after = r.get("status_after") if key == "status_changed" else r.get("status")
            recs.append(
                [
                    t(CHANGE_KEYS[key], lang),
                    exports.shown_id(r.get("task_id"), r.get("id_derived")),
                    source_label(r.get("source"), lang),
                    r.get("title"),
                    lead_names(ids, names),
                    t(f"status.{before}", lang) if isinstance(before, str) else None,
                    t(f"status.{after}", lang) if isinstance(after, str) else None,
                    _date_or_none(r.get("deadline_before")),
                    _date_or_none(r.get("deadline_after", r.get("deadline"))),
                ]
            )
            leads.append(frozenset(ids) if ids is not None else frozenset())
    frame = pd.DataFrame(recs, columns=cols)
    return (frame, leads) if with_leads else frame


def _date_or_none(value):
    if value is None or value is pd.NaT:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    return pd.Timestamp(value).date()


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def briefing_xlsx(data: BriefingData, lang: str | None = None) -> bytes:
    """The briefing as an Excel workbook: one sheet per section, every task listed.

    Styled header row, frozen header, autofilter, real date cells, widths, no formulas
    (exports.write_sheet); rates are numbers formatted as percentages.
    """
    lang = check_lang(lang or data.lang)
    date = fmt_date(data.as_of, lang)
    suffix = f" – {t('report.cutoff', lang, date=date)}"
    wb = Workbook()
    wb.remove(wb.active)
    frame, pct = summary_frame(data, data.parts, lang)
    add_sheet(
        wb,
        "report.sheet_summary",
        frame,
        lang,
        t("report.title", lang),
        pct_rows=pct,
        wide_values=True,
    )
    rate = t("col.rate", lang)
    add_sheet(
        wb,
        "report.sheet_sources",
        _source_frame(data, lang),
        lang,
        t("report.by_source_title", lang) + suffix,
        pct_columns=(rate,),
    )
    reported = data.reported_completed_by_agency()
    for sec, sheet, rows in agency_groups(data.by_agency):
        if sheet == "report.sheet_other" and rows.empty:
            continue
        frame = _agency_frame(rows, lang, reported)
        add_sheet(wb, sheet, frame, lang, t(sec, lang) + suffix, pct_columns=(rate,))
    add_sheet(
        wb,
        "report.sheet_months",
        month_frame(data.by_month, lang),
        lang,
        t("report.sec_months", lang) + suffix,
    )
    overdue = task_list(data.overdue, data.agencies, lang, OVERDUE_COLUMNS)
    add_sheet(wb, "col.overdue", overdue, lang, t("report.sec_overdue", lang) + suffix)
    if len(data.cancelled):
        cancelled = task_list(data.cancelled, data.agencies, lang, CANCELLED_COLUMNS)
        add_sheet(wb, "status.cancelled", cancelled, lang, t("report.sec_cancelled", lang) + suffix)
    title = t("report.sec_changes", lang)
    if data.previous_as_of:
        title += f" ({fmt_date(data.previous_as_of, lang)} → {date})"
    add_sheet(wb, "col.change", changes_frame(data.changes, data.agencies, lang), lang, title)
    tasks = task_list(data.tasks, data.agencies, lang)
    add_sheet(wb, "common.task_list", tasks, lang, t("common.task_list", lang) + suffix)
    add_sheet(
        wb,
        "briefing_reported.sheet",
        reported_frame(data.tasks, data.agencies, lang),
        lang,
        t("briefing_reported.sheet_title", lang) + suffix,
    )
    return workbook_bytes(wb)


# --------------------------------------------------------------------------- what agencies reported


def task_list(tasks: pd.DataFrame, agencies: pd.DataFrame, lang: str, columns=None):
    """exports.present_tasks with the approved deadline change in words (deadline_note, empty
    unless the deadline was adjusted) right after the deadline columns."""
    wanted = list(columns or exports.DEFAULT_COLUMNS)
    out = exports.present_tasks(tasks, agencies, lang, [*wanted, "deadline_note"])
    label = t("pages_reported.col_deadline_note", lang)
    if label not in out.columns:
        return out
    notes = out.pop(label)
    after = [t(k, lang) for k in ("col.deadline_text", "col.deadline")]
    at = next((out.columns.get_loc(c) + 1 for c in after if c in out.columns), len(out.columns))
    out.insert(at, label, notes.fillna("").to_numpy())
    return out


# The agencies' reports sheet: the task, the official status beside what its agency reported
# (exports' reported columns), then the claim's evidence, the progress note and the proposals.
REPORTED_COLUMNS = [
    "task_id",
    "source",
    "title",
    "lead",
    "status_label",
    "report_state",
    "claimed_on",
    "deadline",
    "deadline_original",
    "deadline_note",
    "commitment_date",
    "commitment_missed",
    "confidence",
    "reported_causes",
    "cause_text",
]


def reported_tasks(tasks: pd.DataFrame) -> pd.DataFrame:
    """The tasks with something reported or decided: a report, a claim awaiting confirmation,
    a deadline change asked for or approved."""
    if tasks.empty:
        return tasks
    mask = pd.Series(False, index=tasks.index)
    for col in ("report_id", "claim_id", "deadline_request_id", "deadline_approved_at"):
        if col in tasks.columns:
            mask |= tasks[col].notna()
    for col in ("reported_completed", "deadline_adjusted", "commitment_missed"):
        if col in tasks.columns:
            mask |= tasks[col].fillna(False).astype(bool)
    return tasks[mask]


def _texts(tasks: pd.DataFrame, col: str) -> list:
    if col not in tasks.columns:
        return [None] * len(tasks)
    return [v if isinstance(v, str) and v else None for v in tasks[col]]


def reported_frame(tasks: pd.DataFrame, agencies: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per task with something reported: the official status beside the agency's
    report (claim, evidence, commitment, confidence, causes) and the deadline change. Every
    text is written as text by exports.write_sheet (an evidence '=HYPERLINK(…)' stays inert)."""
    rows = reported_tasks(tasks)
    out = exports.present_tasks(rows, agencies, lang, REPORTED_COLUMNS)
    out = briefing.ordered(out, REPORTED_COLUMNS, lang)
    yes = t("common.yes", lang)
    claimed = (
        rows["reported_completed"].fillna(False).astype(bool)
        if "reported_completed" in rows.columns
        else pd.Series(False, index=rows.index)
    )
    evidence = [
        a or b
        for a, b in zip(_texts(rows, "claim_evidence"), _texts(rows, "evidence_text"), strict=True)
    ]
    at = out.columns.get_loc(t("pages_reported.col_report", lang)) + 1
    out.insert(at, t("pages_reported.awaiting", lang), [yes if c else "" for c in claimed])
    out.insert(at + 2, t("briefing_reported.col_evidence", lang), evidence)
    out[t("briefing_reported.col_progress_note", lang)] = _texts(rows, "progress_note")
    out[t("briefing_reported.col_proposals", lang)] = _texts(rows, "reported_proposals")
    return out
