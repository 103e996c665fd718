"""The briefing as an A4 PDF: the cover lines, then one function per section (I to VII), drawn
with the kit of analytics/reports/pdf_kit.py. DejaVu Sans is embedded, so Vietnamese renders
everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from analytics import briefing, exports, leader, metrics
from analytics.i18n import fmt_date, fmt_int, fmt_month, fmt_pct, source_label, t
from analytics.reports.figures import (
    CHANGE_KEYS,
    BriefingData,
    agency_groups,
    agency_name,
    audit_head_text,
    check_lang,
    deadline_notes,
    due_of,
    lead_names,
    scope_text,
    snapshots_text,
)
from analytics.reports.pdf_kit import (
    GREY,
    HEAD_FILL,
    doc_class,
    hbars,
    heading,
    int_text,
    legend,
    month_chart,
    para,
    subheading,
    table,
)
from analytics.style import STATUS_ORDER

if TYPE_CHECKING:  # fpdf is imported only when a PDF is made (it costs 0.6 s at start-up)
    from fpdf import FPDF


def render_pdf(data: BriefingData, lang: str | None = None) -> tuple[bytes, int]:
    """The briefing as A4 PDF bytes and its page count."""
    lang = check_lang(lang or data.lang)
    pdf = _document(data, lang)
    _cover(pdf, data, lang)
    _overall_section(pdf, data, lang)
    if len(data.by_source):
        _source_section(pdf, data, lang)
    _reported_section(pdf, data, lang)
    _changes_section(pdf, data, lang)
    _agency_sections(pdf, data, lang)
    _month_section(pdf, data, lang)
    _year_section(pdf, data, lang)
    _task_sections(pdf, data, lang)
    out = bytes(pdf.output())
    return out, pdf.pages_count


def briefing_pdf(data: BriefingData, lang: str | None = None) -> bytes:
    """The briefing as an A4 PDF (DejaVu Sans embedded, so Vietnamese renders everywhere)."""
    return render_pdf(data, lang)[0]


def _document(data: BriefingData, lang: str) -> FPDF:
    """The A4 document with its running head, footer and metadata, on its first page."""
    date = fmt_date(data.as_of, lang)
    now = data.generated_at
    generated = t(
        "report.generated", lang, time=now.strftime("%H:%M"), date=fmt_date(now.date(), lang)
    )
    running = f"{t('report.title_short', lang)} · {t('report.cutoff', lang, date=date)}"
    head = audit_head_text(data, lang)
    pdf = doc_class()(
        lang, running, generated, f"{t('report.k_audit', lang)}: {head}" if head else ""
    )
    pdf.set_title(f"{t('report.title_short', lang)} – {date}")
    pdf.set_author(t("common.app_title", lang))
    pdf.set_creator("analytics.reports")
    pdf.add_page()
    return pdf


def _cover(pdf: FPDF, data: BriefingData, lang: str) -> None:
    date = fmt_date(data.as_of, lang)
    para(pdf, t("report.title", lang), size=14, bold=True, color=HEAD_FILL, h=7)
    para(pdf, t("common.app_subtitle", lang), size=9.5, color=GREY, h=4.8)
    pdf.ln(1.5)
    para(pdf, t("report.cutoff", lang, date=date), size=10.5, bold=True, h=5.5)
    para(
        pdf,
        t("report.snapshots_used", lang, items=snapshots_text(data.snapshots, lang)),
        size=8,
        color=GREY,
        h=4,
    )
    para(pdf, t("report.scope_line", lang, items=scope_text(data, lang)), size=8, color=GREY, h=4)
    pdf.ln(1)


def _overall_section(pdf: FPDF, data: BriefingData, lang: str) -> None:
    """I: the totals, the headline sentence, one sentence per source, how they are computed."""
    date = fmt_date(data.as_of, lang)
    p = data.parts
    heading(pdf, t("report.sec_overall", lang))
    if not len(data.snapshots):
        para(pdf, t("report.no_data", lang, date=date))
    para(
        pdf,
        t(
            "report.context",
            lang,
            total=fmt_int(p["total"], lang),
            due=fmt_int(p["due"], lang),
            date=date,
        ),
        size=9.5,
        h=5,
    )
    if p["cancelled"]:
        para(
            pdf, t("report.context_cancelled", lang, n=fmt_int(p["cancelled"], lang)), size=9, h=4.6
        )
    pdf.ln(0.5)
    # one set of numbers (issue 16): the figures among the tasks due in their own titled block,
    # the figures over all tasks in the cards' own words
    due = data.due or leader.due_parts(data.tasks, data.as_of)
    para(
        pdf,
        leader.due_block(due, lang) + " (*)",
        size=10.5,
        bold=True,
        h=5.6,
        fill=(234, 240, 248),
    )
    pdf.ln(0.5)
    para(pdf, data.reconciled_sentence(lang), size=9.5, bold=True, h=5)  # beside the official
    pdf.ln(0.5)
    para(pdf, leader.all_block(p, lang), size=9, h=4.6)
    if len(data.source_parts) > 1:
        pdf.ln(1)
        for src, sp in data.source_parts.items():
            label = source_label(src, lang)
            para(pdf, f"– {label}: {leader.due_block(due_of(sp), lang)}", size=8.5, h=4.4)
    pdf.ln(1)
    para(pdf, _footnote(p, data.as_of, lang), size=7, color=GREY, h=3.4)
    for line in metrics.held_back_notices(data.held_back, lang):
        para(pdf, f"{line}. {t('held_back.notice_more', lang)}", size=8, bold=True, h=4)


def _source_section(pdf: FPDF, data: BriefingData, lang: str) -> None:
    """Section I continued: the results by task source, as a table and as bars."""
    p = data.parts
    subheading(pdf, t("report.by_source_title", lang))
    keys = [
        "col.source",
        "col.total",
        "col.due",
        "report.h_due_completed",
        "report.h_rate",
        "report.h_on_time",
        "report.h_completed_late",
        "report.h_overdue",
        "col.in_progress",
        "report.h_no_deadline",
    ]
    widths = [42, 14, 14, 16, 16, 15, 15, 16, 16, 16]
    with_cancelled = bool(p["cancelled"])  # a column of its own, only when there are any
    if with_cancelled:
        keys.append("status.cancelled")
        widths = [30, *widths[1:], 12]
    headers = [t(k, lang) for k in keys]
    rows = []
    for src, sp in data.source_parts.items():
        rows.append([source_label(src, lang), *_source_cells(sp, lang, with_cancelled)])
    if len(data.source_parts) > 1:
        rows.append([t("common.all", lang), *_source_cells(p, lang, with_cancelled)])
    table(pdf, headers, rows, widths, ["L"] + ["R"] * (len(keys) - 1))
    if lang == "vi":
        para(pdf, t("report.abbrev_note", lang), size=6.5, color=GREY, h=3)
    subheading(pdf, t("report.chart_status", lang), keep=45)
    bars = []
    for src, sp in data.source_parts.items():
        bars.append((source_label(src, lang), [(s, sp[s]) for s in STATUS_ORDER]))
    if len(bars) > 1:
        bars.append((t("common.all", lang), [(s, p[s]) for s in STATUS_ORDER]))
    hbars(pdf, bars, lang)
    legend(pdf, [s for s in STATUS_ORDER if p[s]] or list(STATUS_ORDER), lang)


def _agency_sections(pdf: FPDF, data: BriefingData, lang: str) -> None:
    """III and IV: late tasks by ministry and by province, then the other bodies' table."""
    groups = agency_groups(data.by_agency)
    reported = data.reported_completed_by_agency()
    for sec, _sheet, rows in groups[:2]:
        bars = int((rows["late"] > 0).head(AGENCY_TOP).sum()) if len(rows) else 0
        heading(pdf, t(sec, lang), keep=min(30 + bars * 7.2, 140))
        _agency_block(pdf, rows, lang, reported)
    if len(groups[2][2]):
        subheading(pdf, t("report.other_agencies", lang))
        _agency_table(pdf, groups[2][2], lang, reported)


def _month_section(pdf: FPDF, data: BriefingData, lang: str) -> None:
    """V: the month-by-month workload, as columns and as a table."""
    heading(pdf, t("report.sec_months", lang), keep=90)
    if not len(data.by_month):
        para(pdf, t("report.no_months", lang))
        return
    para(pdf, t("report.chart_months", lang), size=8.5, bold=True, h=4.5)
    month_chart(pdf, data.by_month, data.as_of, lang)
    headers = [
        t(k, lang)
        for k in (
            "col.month",
            "col.due",
            "status.completed",
            "col.remaining",
            "col.of_which_overdue",
        )
    ]
    rows = [
        [
            fmt_month(r.month, lang),
            int_text(r.due, lang),
            int_text(r.completed, lang),
            int_text(r.remaining, lang),
            int_text(r.overdue, lang),
        ]
        for r in data.by_month.itertuples()
    ]
    table(pdf, headers, rows, [30, 20, 22, 20, 22], ["L", "R", "R", "R", "R"], size=7.5)
    para(
        pdf,
        t("report.months_note", lang, date=fmt_date(data.as_of, lang)),
        size=6.5,
        color=GREY,
        h=3,
    )


def _task_sections(pdf: FPDF, data: BriefingData, lang: str) -> None:
    """VI: the overdue tasks; VII: the cancelled tasks, apart (in none of the figures above)."""
    names = exports.agency_names(data.agencies, lang)
    heading(pdf, t("report.sec_overdue", lang))
    if len(data.overdue):
        para(
            pdf,
            t("report.overdue_count", lang, n=fmt_int(len(data.overdue), lang)),
            size=8.5,
            h=4.5,
        )
        _task_table(pdf, data.overdue, names, lang, days=True)
    else:
        para(pdf, t("report.no_overdue", lang))
    _difficult_section(pdf, data, names, lang)
    _month_open_section(pdf, data, names, lang)
    if len(data.cancelled):
        heading(pdf, t("report.sec_cancelled", lang))
        para(
            pdf,
            t("report.cancelled_count", lang, n=fmt_int(len(data.cancelled), lang)),
            size=8.5,
            h=4.5,
        )
        _task_table(pdf, data.cancelled, names, lang, days=False)


def _source_cells(sp: dict, lang: str, with_cancelled: bool = False) -> list[str]:
    cells = [
        int_text(sp["total"], lang),
        int_text(sp["due"], lang),
        int_text(sp["due_completed"], lang),
        fmt_pct(sp["due_completion_rate"], lang),
        int_text(sp["completed_on_time"], lang),
        int_text(sp["completed_late"], lang),
        int_text(sp["overdue"], lang),
        int_text(sp["in_progress"], lang),
        int_text(sp["no_deadline"], lang),
    ]
    return [*cells, int_text(sp["cancelled"], lang)] if with_cancelled else cells


def _changes_section(pdf: FPDF, data: BriefingData, lang: str) -> None:
    """II: the figures against the previous report's, and the tasks newly overdue."""
    heading(pdf, t("report.sec_changes", lang), keep=90 if data.changes is not None else 25)
    date = fmt_date(data.as_of, lang)
    if data.previous_as_of is None or data.changes is None:
        para(pdf, t("report.no_previous", lang, date=date))
        return
    para(
        pdf,
        t(
            "report.previous",
            lang,
            prev=fmt_date(data.previous_as_of, lang),
            items=snapshots_text(data.previous_snapshots, lang),
            date=date,
        ),
        size=8.5,
        h=4.4,
    )
    pdf.ln(1)
    before, after = data.previous_parts or {}, data.parts
    headers = [
        t("col.change", lang),
        t("report.change_before", lang),
        t("report.change_after", lang),
        t("report.change_delta", lang),
    ]
    rows = []
    keys = ["total", "due", "completed", "overdue", "in_progress"]
    if before.get("cancelled") or after["cancelled"]:
        keys.append("cancelled")
    for key in keys:
        b, a = int(before.get(key, 0)), int(after[key])
        rows.append(
            [
                t(f"status.{key}", lang) if key != "due" else t("report.k_due", lang),
                int_text(b, lang),
                int_text(a, lang),
                _delta(a - b, lang),
            ]
        )
    rows.append(
        [t("report.k_y", lang), fmt_pct(before.get("y"), lang), fmt_pct(after["y"], lang), ""]
    )
    counts = data.changes.counts()
    for key in ("new", "removed", "newly_completed", "newly_overdue", "deadline_moved"):
        rows.append([t(CHANGE_KEYS[key], lang), "", "", int_text(counts[key], lang)])
    table(pdf, headers, rows, [80, 30, 30, 40], ["L", "R", "R", "R"], size=8)
    newly = data.changes.newly_overdue
    if len(newly):
        para(pdf, t("report.newly_overdue_list", lang), size=8.5, bold=True, h=4.5)
        newly = newly.sort_values(
            ["days_overdue", "source", "task_id"], ascending=[False, True, True]
        )
        _task_table(pdf, newly, exports.agency_names(data.agencies, lang), lang, days=True)


def _delta(v: int, lang: str) -> str:
    return ("+" if v > 0 else "") + fmt_int(v, lang) if v else "0"


def _agency_rows(rows: pd.DataFrame, lang: str, reported: dict[str, int]) -> list[list[str]]:
    return [
        [
            str(i),
            agency_name(r, lang),
            int_text(r["total"], lang),
            int_text(r["due"], lang),
            int_text(r["due_completed"], lang),
            int_text(r["completed_late"], lang),
            int_text(r["overdue"], lang),
            int_text(r["late"], lang),
            fmt_pct(
                None if pd.isna(r["due_completion_rate"]) else float(r["due_completion_rate"]), lang
            ),
            int_text(reported.get(r["agency_id"], 0), lang),
        ]
        for i, (_, r) in enumerate(rows.iterrows(), start=1)
    ]


def _agency_table(pdf: FPDF, rows: pd.DataFrame, lang: str, reported: dict[str, int]) -> None:
    headers = [
        t(k, lang)
        for k in (
            "report.h_no",
            "col.agency",
            "col.total",
            "col.due",
            "report.h_due_completed",
            "report.h_completed_late",
            "report.h_overdue",
            "status.late",
            "report.h_rate",
            "briefing_reported.h_reported",
        )
    ]
    table(
        pdf,
        headers,
        _agency_rows(rows, lang, reported),
        [8, 48, 14, 14, 16, 16, 16, 15, 16, 17],
        ["R", "L", "R", "R", "R", "R", "R", "R", "R", "R"],
    )


AGENCY_TOP = 12


def _agency_block(
    pdf: FPDF, rows: pd.DataFrame, lang: str, reported: dict[str, int], top: int = AGENCY_TOP
) -> None:
    if rows.empty:
        para(pdf, t("report.no_agencies", lang))
        return
    late = rows[rows["late"] > 0].head(top)
    if len(late):
        para(pdf, t("report.chart_late", lang, n=len(late)), size=8.5, bold=True, h=4.5)
        bars = [
            (
                agency_name(r, lang),
                [("overdue", int(r["overdue"])), ("completed_late", int(r["completed_late"]))],
            )
            for _, r in late.iterrows()
        ]
        hbars(pdf, bars, lang, label_w=62)
        legend(pdf, ["overdue", "completed_late"], lang)
    else:
        para(pdf, t("common.no_late", lang))
    _agency_table(pdf, rows, lang, reported)


def _task_table(
    pdf: FPDF, tasks: pd.DataFrame, names: dict[str, str], lang: str, days: bool
) -> None:
    headers = [
        t(k, lang)
        for k in (
            "report.h_no",
            "col.id",
            "col.title",
            "col.lead",
            "col.deadline",
            "col.days_overdue",
        )
    ]
    titles = _titles_with_notes(tasks, lang)
    codes = exports.task_codes(tasks)
    rows = [
        [
            str(i),
            codes[i - 1],
            titles[i - 1],
            lead_names(r.lead_ids, names),
            fmt_date(r.deadline, lang),
            int_text(r.days_overdue, lang) if days else "",
        ]
        for i, r in enumerate(tasks.itertuples(), start=1)
    ]
    table(pdf, headers, rows, [8, 19, 83, 37, 17, 16], ["R", "L", "L", "L", "C", "R"], size=7)


def _titles_with_notes(tasks: pd.DataFrame, lang: str) -> list[str]:
    """Each task's title, followed by its approved deadline change in words when it has one."""
    titles = [v if isinstance(v, str) else "" for v in tasks["title"]]
    notes = deadline_notes(tasks, lang)
    return [f"{a} ({b})" if b else a for a, b in zip(titles, notes, strict=True)]


# --------------------------------------------------------------------------- what agencies reported


def _reported_section(pdf: FPDF, data: BriefingData, lang: str) -> None:
    """Section I continued, each part only when there is something to say: the open report
    round, the tasks reported completed awaiting confirmation, the missed commitments."""
    names = exports.agency_names(data.agencies, lang)
    if data.report_round is not None:
        subheading(pdf, t("briefing_reported.round_title", lang))
        for line in briefing.round_lines(data.report_round, names, lang):
            para(pdf, line, size=8.5, h=4.4)
    if len(data.claimed):
        subheading(pdf, t("briefing_reported.claims_title", lang))
        para(
            pdf,
            t("briefing_reported.claims_count", lang, n=fmt_int(len(data.claimed), lang)),
            size=8.5,
            h=4.5,
        )
        headers = [
            t(k, lang)
            for k in (
                "report.h_no",
                "col.id",
                "col.title",
                "col.lead",
                "pages_reported.col_claimed_on",
                "briefing_reported.col_evidence",
            )
        ]
        titles = _titles_with_notes(data.claimed, lang)
        codes = exports.task_codes(data.claimed)
        rows = [
            [
                str(i),
                codes[i - 1],
                titles[i - 1],
                lead_names(r.lead_ids, names),
                fmt_date(r.claimed_on, lang),
                r.claim_evidence if isinstance(r.claim_evidence, str) else "",
            ]
            for i, r in enumerate(data.claimed.itertuples(), start=1)
        ]
        table(pdf, headers, rows, [8, 17, 70, 34, 18, 53], ["R", "L", "L", "L", "C", "L"], size=7)
    if len(data.missed):
        subheading(pdf, t("pages_reported.missed_title", lang))
        para(pdf, t("briefing_reported.missed_caption", lang), size=8.5, h=4.5)
        headers = [
            t(k, lang)
            for k in (
                "report.h_no",
                "col.agency",
                "briefing_reported.col_missed",
                "briefing_reported.col_tasks",
            )
        ]
        rows = [
            [
                str(i),
                agency_name(r, lang),
                int_text(r["n"], lang),
                briefing.missed_task_text(r["task_ids"], r["titles"]),
            ]
            for i, (_, r) in enumerate(data.missed.iterrows(), start=1)
        ]
        table(pdf, headers, rows, [8, 50, 18, 104], ["R", "L", "R", "L"], size=7)


# --------------------------------------------------------------------------- the leader's questions
# (issue 16) the figures among the tasks due apart, the year's remaining workload by month and by
# agency, the difficult tasks, the open tasks due this month.


def _footnote(parts: dict, as_of, lang: str) -> str:
    text = t(
        "briefing16.footnote",
        lang,
        date=fmt_date(as_of, lang),
        in_progress=fmt_int(parts["in_progress"], lang),
        no_deadline=fmt_int(parts["no_deadline"], lang),
    )
    if parts.get("cancelled"):
        text += t("report.footnote_cancelled", lang, n=fmt_int(parts["cancelled"], lang))
    return text


def _year_section(pdf: FPDF, data: BriefingData, lang: str) -> None:
    """V.a: the open tasks due from the as-of month to December, as columns and by agency."""
    year = data.as_of.year
    heading(pdf, t("briefing16.sec_workload", lang, year=year), keep=90)
    months = data.year_months
    if months is None or not len(months) or not int(months["remaining"].sum()):
        para(pdf, t("briefing16.workload_none", lang, year=year))
        return
    para(pdf, t("briefing16.workload_caption", lang), size=8.5, h=4.5)
    month_chart(pdf, months, data.as_of, lang)
    wide = data.year_agency_months
    if wide is None or not len(wide):
        return
    cols = [c for c in wide.columns if c not in ("agency_id", "agency", "total")]
    subheading(pdf, t("briefing16.workload_agencies", lang, n=fmt_int(len(wide), lang)))
    headers = [
        t("report.h_no", lang),
        t("col.lead", lang),
        *[fmt_month(m, lang) for m in cols],
        t("workload.col_total", lang),
    ]
    rows = [
        [
            str(i),
            str(r["agency"]),
            *[int_text(r[m], lang) for m in cols],
            int_text(r["total"], lang),
        ]
        for i, (_, r) in enumerate(wide.iterrows(), start=1)
    ]
    sums = [int(wide[m].sum()) for m in cols]
    rows.append(
        ["", t("common.all", lang), *[int_text(v, lang) for v in sums], int_text(sum(sums), lang)]
    )
    month_w = 12 if len(cols) <= 6 else 9
    table(
        pdf,
        headers,
        rows,
        [8, 60, *[month_w] * len(cols), 14],
        ["R", "L", *["R"] * len(cols), "R"],
        size=7,
    )


def _difficult_section(pdf: FPDF, data: BriefingData, names: dict[str, str], lang: str) -> None:
    """VI.a: the difficult tasks (the frame's `difficult` column), overdue first."""
    heading(pdf, t("briefing16.sec_difficult", lang))
    diff = data.difficult
    if diff is None or not len(diff):
        para(pdf, t("briefing16.no_difficult", lang))
        return
    para(
        pdf,
        t(
            "briefing16.difficult_count",
            lang,
            n=fmt_int(len(diff), lang),
            open=fmt_int(int(diff["status"].isin(briefing.OPEN_STATUSES).sum()), lang),
            overdue=fmt_int(int((diff["status"] == "overdue").sum()), lang),
        ),
        size=8.5,
        h=4.5,
    )
    _task_table(pdf, diff, names, lang, days=True)


def _month_open_section(pdf: FPDF, data: BriefingData, names: dict[str, str], lang: str) -> None:
    """VI.b: the open tasks due in the as-of month (briefing.open_due_in_month), overdue ones
    included, as the briefing page's card counts them."""
    month = fmt_month(data.as_of.strftime("%Y-%m"), lang)
    heading(pdf, t("briefing16.sec_month", lang, month=month))
    tasks = data.month_open
    label = t("briefing.month_count", lang, month=month)
    para(pdf, f"{label}: {fmt_int(len(tasks), lang)}.", size=8.5, h=4.5)
    if tasks is None or not len(tasks):
        para(pdf, t("briefing16.no_month", lang))
        return
    _task_table(pdf, tasks, names, lang, days=True)
