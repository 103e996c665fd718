"""The agency's report document (issue 15, point 6): "BÁO CÁO Tình hình thực hiện nhiệm vụ được
giao của Bộ X" in the layout of an administrative report (Decree 30/2020/NĐ-CP), as a DOCX the
ministry edits and signs (python-docx) and as a PDF made like the briefing (pdf_kit).

Pure functions over plain values: the caller gives an `AgencyReport` (figures and every task of
the agency, already judged); `_content` turns it into lines once, and the DOCX and the PDF draw
the same lines. Every user-provided string is plain text: NFC, control characters removed,
whitespace collapsed to single spaces (`_clean`); nothing in it is read as markup or formula.

    I.   the figures as sentences
    II.  overdue tasks (longest overdue first), then tasks completed late: deadline (adjusted
         or not), days, causes, progress, commitment, proposals, confidence
    III. tasks reported completed, awaiting confirmation, with their evidence
    IV.  proposals and recommendations, per task
    then the recipients and the signature block.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analytics import safe_text
from analytics.i18n import fmt_int, fmt_pct, source_label, t
from analytics.reporting.rules import VN
from analytics.reports.figures import check_lang
from analytics.reports.file_names import slug
from analytics.reports.pdf_kit import FONT, doc_class, heading, para, subheading

if TYPE_CHECKING:  # fpdf and python-docx are imported only when a document is made
    from fpdf import FPDF

CONFIDENCE = ("green", "amber_green", "amber", "amber_red", "red")
FORMATS = ("docx", "pdf")
MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
COMPLETED = ("completed_on_time", "completed_late", "completed_timing_unknown")
FONT_NAME = "Times New Roman"
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}  # Decree 30/2020, Annex I
HEADER_SPLIT = 0.4  # the left column's share of the width (agency | national motto)


@dataclass(frozen=True)
class ReportTask:
    source: str  # e.g. "Nghị quyết 71/NQ-CP"
    task_id: str
    title: str
    status: str  # an analytics.model STATUSES code
    deadline: dt.date | None  # the deadline in force (adjusted if a change was approved)
    deadline_original: dt.date | None = None  # set only when the deadline was adjusted
    deadline_approved_on: dt.date | None = None
    days_overdue: int | None = None
    days_late: int | None = None
    completion_date: dt.date | None = None
    claim_pending_on: dt.date | None = None  # reported completed on this date, not confirmed
    evidence: str | None = None  # "Văn bản số 123/BC-BTC ngày 20/8/2025"
    progress_note: str | None = None
    causes: tuple[str, ...] = ()  # cause labels already in the report's language
    cause_text: str | None = None
    commitment_date: dt.date | None = None
    commitment_missed: bool = False
    proposals: str | None = None
    confidence: str | None = None  # green | amber_green | amber | amber_red | red


@dataclass(frozen=True)
class AgencyReport:
    agency_id: str
    agency_name_vi: str
    agency_name_en: str
    as_of: dt.date
    made_at: dt.datetime  # Vietnam time
    counts: dict  # total, completed, completed_on_time, completed_late, overdue, in_progress,
    # no_deadline, cancelled, due, due_completed
    reported_completed: int  # claims awaiting confirmation on tasks not officially completed
    commitments_missed: int
    tasks: tuple[ReportTask, ...]  # every task of the agency
    sources: tuple[str, ...] = ()  # the programmes the tasks come from
    doc_code: str = ""  # the agency's code in document numbers ("BTC"); "Số: …/BC-BTC"


# --------------------------------------------------------------------------- content


@dataclass(frozen=True)
class _Line:
    """One line of the document: `kind` is text (a paragraph), item ("- …"), sub (a bold
    sub-heading), task (a task's title, bold)."""

    text: str
    kind: str = "text"


@dataclass(frozen=True)
class _Section:
    heading: str
    lines: tuple[_Line, ...]


@dataclass(frozen=True)
class _Content:
    agency: str
    number: str
    place_date: str
    title: str
    subtitle: str
    as_of: str
    sections: tuple[_Section, ...]
    recipients: tuple[str, ...]
    national: str
    motto: str
    recipients_head: str
    sign_title: str
    sign_note: str


def _clean(value) -> str:
    """A user-provided value as one line of plain text (see the module doc)."""
    if value is None:
        return ""
    text = safe_text.remove_controls(unicodedata.normalize("NFC", str(value)))
    return " ".join(text.split())


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _n(counts: dict, key: str) -> int:
    value = counts.get(key) or 0
    return int(value)


def _agency_name(report: AgencyReport, lang: str) -> str:
    vi = _clean(report.agency_name_vi) or _clean(report.agency_id)
    return vi if lang == "vi" else _clean(report.agency_name_en) or vi


def _place_date(day: dt.date, lang: str) -> str:
    """ "Hà Nội, ngày 05 tháng 02 năm 2025": a day below 10 and the months 1 and 2 take a
    leading zero (Decree 30/2020, Annex I); the English date is dd/mm/yyyy."""
    if lang == "vi":
        d = f"{day.day:02d}"
        m = f"{day.month:02d}" if day.month < 3 else str(day.month)
    else:
        d, m = f"{day.day:02d}", f"{day.month:02d}"
    return t("agency_report.place_date", lang, day=d, month=m, year=day.year)


def _content(report: AgencyReport, lang: str) -> _Content:
    agency = _agency_name(report, lang)
    code = _clean(report.doc_code) or "……"
    sections = (
        _Section(t("report.sec_overall", lang), _overall_lines(report, agency, lang)),
        _Section(t("agency_report.sec_late", lang), _late_lines(report, lang)),
        _Section(t("agency_report.sec_pending", lang), _pending_lines(report, lang)),
        _Section(t("agency_report.sec_proposals", lang), _proposal_lines(report, lang)),
    )
    recipients = (
        t("agency_report.recipient_gov_office", lang),
        t("agency_report.recipient_most", lang),
        t("agency_report.recipient_archive", lang),
    )
    return _Content(
        agency=agency,
        number=t("agency_report.number", lang, code=code),
        place_date=_place_date(report.made_at.date(), lang),
        title=t("agency_report.title", lang),
        subtitle=t("agency_report.subtitle", lang, agency=agency),
        as_of=t("agency_report.as_of", lang, date=_date(report.as_of)),
        sections=sections,
        recipients=recipients,
        national=t("agency_report.national", lang),
        motto=t("agency_report.motto", lang),
        recipients_head=t("agency_report.recipients", lang),
        sign_title=t("agency_report.sign_title", lang),
        sign_note=t("agency_report.sign_note", lang),
    )


def _sources(report: AgencyReport) -> list[str]:
    given = [_clean(s) for s in report.sources] or [_clean(x.source) for x in report.tasks]
    return [s for s in dict.fromkeys(given) if s]


def _overall_lines(report: AgencyReport, agency: str, lang: str) -> tuple[_Line, ...]:
    c = report.counts
    total, completed, due = _n(c, "total"), _n(c, "completed"), _n(c, "due")
    sources = _sources(report)
    intro = (
        t("agency_report.intro_sources", lang, agency=agency, sources=", ".join(sources))
        if sources
        else t("agency_report.intro", lang, agency=agency)
    )
    lines = [_Line(intro)]
    if not report.tasks and not total:
        lines.append(_Line(t("agency_report.no_tasks", lang)))
    n = {k: fmt_int(_n(c, k), lang) for k in ("overdue", "in_progress", "no_deadline")}
    figures = [
        t("agency_report.s_total", lang, total=fmt_int(total, lang), due=fmt_int(due, lang)),
        t(
            "agency_report.s_completed",
            lang,
            completed=fmt_int(completed, lang),
            on_time=fmt_int(_n(c, "completed_on_time"), lang),
            late=fmt_int(_n(c, "completed_late"), lang),
        ),
        t(
            "agency_report.s_open" if _n(c, "no_deadline") else "agency_report.s_open_dated",
            lang,
            open=fmt_int(max(total - completed, 0), lang),
            **n,
        )
        + (
            t("agency_report.s_pending", lang, n=fmt_int(report.reported_completed, lang))
            if report.reported_completed
            else ""
        )
        + ".",
    ]
    if due:
        done = _n(c, "due_completed")
        rate = fmt_pct(done / due, lang)
        figures.append(
            t(
                "agency_report.s_rate",
                lang,
                rate=rate,
                done=fmt_int(done, lang),
                due=fmt_int(due, lang),
            )
        )
    else:
        figures.append(t("agency_report.s_rate_none", lang))
    figures.append(
        t("agency_report.s_commitments", lang, n=fmt_int(report.commitments_missed, lang))
    )
    if _n(c, "cancelled"):
        figures.append(t("agency_report.s_cancelled", lang, n=fmt_int(_n(c, "cancelled"), lang)))
    lines.extend(_Line(f"- {text}", "item") for text in figures)
    return tuple(lines)


def _late_order(task: ReportTask) -> tuple:
    """Overdue first, longest overdue first; then completed late, latest first."""
    days = task.days_overdue if task.status == "overdue" else task.days_late
    return (
        0 if task.status == "overdue" else 1,
        -(days or 0),
        task.deadline or dt.date.max,
        _clean(task.source),
        _clean(task.task_id),
    )


def _late_lines(report: AgencyReport, lang: str) -> tuple[_Line, ...]:
    lines: list[_Line] = []
    groups = [
        [x for x in report.tasks if x.status == status] for status in ("overdue", "completed_late")
    ]
    number = 0
    for status, tasks in zip(("overdue", "completed_late"), groups, strict=True):
        if not tasks:
            continue
        number += 1
        label = t(f"status.{status}", lang)
        head = t("agency_report.group", lang, label=label, count=fmt_int(len(tasks), lang))
        lines.append(_Line(f"{number}. {head}", "sub"))
        for k, task in enumerate(sorted(tasks, key=_late_order), start=1):
            lines.append(_Line(f"{number}.{k}. {_clean(task.title)}", "task"))
            lines.extend(_Line(f"- {text}", "item") for text in _late_details(task, lang))
    return tuple(lines) or (_Line(t("agency_report.none_late", lang)),)


def _task_ref(task: ReportTask, lang: str) -> str:
    source = _clean(source_label(task.source, lang))
    if not task.task_id:  # an id derived for a row without one names nothing: the source only
        return t("viewer16.d_ref_source", lang, source=source)
    return t("agency_report.d_ref", lang, source=source, task_id=_clean(task.task_id))


def _deadline_text(task: ReportTask, lang: str) -> str:
    """ "Thời hạn: 30/09/2025 (thời hạn điều chỉnh từ 30/06/2025 sang 30/09/2025, duyệt ngày
    15/06/2025)"; '' without a deadline."""
    if task.deadline is None:
        return ""
    text = t("agency_report.d_deadline", lang, date=_date(task.deadline))
    if task.deadline_original and task.deadline_original != task.deadline:
        old, new = _date(task.deadline_original), _date(task.deadline)
        adjusted = (
            t("reported.deadline_moved", lang, old=old, new=new, on=_date(approved))
            if (approved := task.deadline_approved_on)
            else t("reported.deadline_moved_undated", lang, old=old, new=new)
        )
        text += f" ({adjusted})"
    return text


def _late_details(task: ReportTask, lang: str) -> list[str]:
    """The lines under an overdue or late task's title."""
    timing = [_deadline_text(task, lang)]
    if task.status == "overdue" and task.days_overdue is not None:
        timing.append(t("agency_report.d_days_overdue", lang, n=fmt_int(task.days_overdue, lang)))
    if task.status == "completed_late" and task.completion_date:
        done = _date(task.completion_date)
        timing.append(
            t("agency_report.d_done_late", lang, date=done, n=fmt_int(task.days_late, lang))
            if task.days_late is not None
            else t("agency_report.d_done_on", lang, date=done)
        )
    out = [_task_ref(task, lang)]
    if any(timing):
        out.append("; ".join(x for x in timing if x) + ".")
    if task.claim_pending_on and task.status not in COMPLETED:
        out.append(t("agency_report.d_claimed", lang, date=_date(task.claim_pending_on)) + ".")
    causes = "; ".join(x for x in (_clean(c) for c in task.causes) if x)
    if text := _clean(task.cause_text):
        causes = f"{causes}. {text}" if causes else text
    out.append(
        t("agency_report.d_causes", lang, text=causes or t("agency_report.not_reported", lang))
    )
    if text := _clean(task.progress_note):
        out.append(t("agency_report.d_progress", lang, text=text))
    if task.commitment_date:
        commitment = _date(task.commitment_date)
        if task.commitment_missed:
            commitment += f" ({t('agency_report.commitment_missed', lang)})"
    else:
        commitment = t("agency_report.not_reported", lang)
    out.append(t("agency_report.d_commitment", lang, date=commitment))
    if text := _clean(task.proposals):
        out.append(t("agency_report.d_proposals", lang, text=text))
    if label := _confidence(task.confidence, lang):
        out.append(t("agency_report.d_confidence", lang, label=label))
    return out


def _confidence(code: str | None, lang: str) -> str:
    code = _clean(code)
    if code in CONFIDENCE:
        return t(f"agency_report.confidence_{code}", lang)
    return code


def _pending_lines(report: AgencyReport, lang: str) -> tuple[_Line, ...]:
    tasks = sorted(
        (x for x in report.tasks if x.claim_pending_on and x.status not in COMPLETED),
        key=lambda x: (x.claim_pending_on, _clean(x.source), _clean(x.task_id)),
    )
    lines: list[_Line] = []
    for k, task in enumerate(tasks, start=1):
        lines.append(_Line(f"{k}. {_clean(task.title)}", "task"))
        status = t("agency_report.d_status", lang, status=t(f"status.{task.status}", lang))
        deadline = _deadline_text(task, lang)
        details = [
            _task_ref(task, lang),
            status,
            *([deadline] if deadline else []),
            t("agency_report.d_reported", lang, date=_date(task.claim_pending_on)),
            t(
                "agency_report.d_evidence",
                lang,
                text=_clean(task.evidence) or t("agency_report.not_reported", lang),
            ),
        ]
        if task.completion_date:
            details.insert(3, t("agency_report.d_done_on", lang, date=_date(task.completion_date)))
        lines.extend(_Line(f"- {text}", "item") for text in details)
    return tuple(lines) or (_Line(t("agency_report.none_pending", lang)),)


def _proposal_lines(report: AgencyReport, lang: str) -> tuple[_Line, ...]:
    def order(task: ReportTask) -> tuple:
        late = task.status in ("overdue", "completed_late")
        return (0, *_late_order(task)) if late else (1, _clean(task.source), _clean(task.task_id))

    tasks = sorted((x for x in report.tasks if _clean(x.proposals)), key=order)
    lines: list[_Line] = []
    for k, task in enumerate(tasks, start=1):
        lines.append(_Line(f"{k}. {_clean(task.title)}", "task"))
        lines.append(_Line(f"- {_task_ref(task, lang)}", "item"))
        lines.append(_Line(f"- {_clean(task.proposals)}", "item"))
    return tuple(lines) or (_Line(t("agency_report.none_proposals", lang)),)


# --------------------------------------------------------------------------- DOCX


def agency_docx(report: AgencyReport, lang: str = "vi") -> bytes:
    """The report as a DOCX (Times New Roman 13 pt, A4, the margins of Decree 30/2020)."""
    from docx import Document

    lang = check_lang(lang)
    content = _content(report, lang)
    doc = Document()
    _docx_page(doc)
    _docx_properties(doc, report, content)
    _docx_header_table(doc, content)
    for text, size in ((content.title, 14), (content.subtitle, 14)):
        _docx_par(doc, text, bold=True, size=size, align="center", after=0)
    _docx_par(doc, content.as_of, italic=True, align="center", after=12)
    for section in content.sections:
        _docx_par(doc, section.heading, bold=True, before=6, keep=True, indent=True)
        for line in section.lines:
            bold = line.kind in ("sub", "task")
            _docx_par(doc, line.text, bold=bold, keep=bold, indent=True, align="justify")
    _docx_signature(doc, content)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _docx_page(doc) -> None:
    """A4, the decree's margins, the Normal style in Times New Roman 13 pt, and the page number
    at the top centre from the second page on."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    normal = doc.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = Pt(13)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT_NAME)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    fld.append(run)
    number._p.append(fld)


def _docx_properties(doc, report: AgencyReport, content: _Content) -> None:
    made = report.made_at
    made = (made if made.tzinfo else made.replace(tzinfo=VN)).astimezone(dt.UTC)
    props = doc.core_properties
    props.title = f"{content.title} – {content.agency}"
    props.subject = content.subtitle
    props.author = content.agency
    props.last_modified_by = content.agency
    props.comments = ""
    props.keywords = ""
    props.created = props.modified = made.replace(tzinfo=None)
    props.revision = 1


def _docx_par(
    container,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align: str = "left",
    before: float = 0,
    after: float | None = None,
    keep: bool = False,
    indent: bool = False,
):
    """A paragraph of one run of plain text (python-docx escapes it; nothing is markup)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    aligns = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }
    par = container.add_paragraph()
    par.alignment = aligns[align]
    fmt = par.paragraph_format
    fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    if indent:
        fmt.first_line_indent = Cm(1.27)
    fmt.keep_with_next = keep
    run = par.add_run(text)
    run.bold = bold or None
    run.italic = italic or None
    if size:
        run.font.size = Pt(size)
    return par


def _docx_table(doc, widths_mm: tuple[float, float]):
    """A one-row, two-column table without borders, of the given column widths."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "nil")
        borders.append(line)
    look = tbl_pr.find(qn("w:tblLook"))
    if look is not None:  # tblPr's children are in the schema's order
        look.addprevious(borders)
    else:
        tbl_pr.append(borders)
    for column, cell, width in zip(table.columns, table.rows[0].cells, widths_mm, strict=True):
        column.width = cell.width = Mm(width)
    return table


def _cell_lines(cell, lines: list[tuple[str, dict]]) -> None:
    """Fill a table cell: its first paragraph, then one paragraph per further line."""
    first = cell.paragraphs[0]
    for k, (text, style) in enumerate(lines):
        _docx_par(cell, text, after=0, **style)
        if k == 0:  # the cell's own empty paragraph goes
            first._p.getparent().remove(first._p)


def _text_width_mm() -> float:
    return 210 - MARGINS_MM["left"] - MARGINS_MM["right"]


def _docx_header_table(doc, content: _Content) -> None:
    """The agency and the number on the left, the national motto and the date on the right."""
    width = _text_width_mm()
    table = _docx_table(doc, (width * HEADER_SPLIT, width * (1 - HEADER_SPLIT)))
    left, right = table.rows[0].cells
    centre = {"align": "center"}
    _cell_lines(
        left,
        [
            (content.agency.upper(), {**centre, "bold": True, "size": 12}),
            ("", centre),
            (content.number, centre),
        ],
    )
    _cell_lines(
        right,
        [
            (content.national, {**centre, "bold": True, "size": 12}),
            (content.motto, {**centre, "bold": True}),
            ("", centre),
            (content.place_date, {**centre, "italic": True}),
        ],
    )
    _docx_par(doc, "", after=6)


def _docx_signature(doc, content: _Content) -> None:
    """ "Nơi nhận:" and its list on the left, the signature block on the right."""
    width = _text_width_mm()
    _docx_par(doc, "", after=0)
    table = _docx_table(doc, (width * 0.5, width * 0.5))
    left, right = table.rows[0].cells
    items = [(f"- {item}", {"size": 11}) for item in content.recipients]
    _cell_lines(
        left, [(content.recipients_head, {"bold": True, "italic": True, "size": 12}), *items]
    )
    centre = {"align": "center"}
    _cell_lines(
        right,
        [
            (content.sign_title, {**centre, "bold": True}),
            (content.sign_note, {**centre, "italic": True}),
        ],
    )


# --------------------------------------------------------------------------- PDF


def agency_pdf(report: AgencyReport, lang: str = "vi") -> bytes:
    """The report as an A4 PDF, the same lines as the DOCX, drawn with the briefing's kit."""
    lang = check_lang(lang)
    content = _content(report, lang)
    made = report.made_at
    generated = t("report.generated", lang, time=made.strftime("%H:%M"), date=_date(made.date()))
    pdf = doc_class()(lang, f"{content.subtitle} {content.as_of}", generated)
    pdf.set_margins(MARGINS_MM["left"], MARGINS_MM["top"], MARGINS_MM["right"])
    pdf.set_auto_page_break(True, margin=MARGINS_MM["bottom"])
    pdf.set_title(f"{content.title} – {content.agency}")
    pdf.set_author(content.agency)
    pdf.set_creator("analytics.reports")
    pdf.set_creation_date(made if made.tzinfo else made.replace(tzinfo=VN))
    pdf.add_page()
    agency = [(content.agency.upper(), True, 10), ("", False, 4), (content.number, False, 10)]
    _pdf_columns(
        pdf,
        [
            (HEADER_SPLIT, "C", agency),
            (
                1 - HEADER_SPLIT,
                "C",
                [
                    (content.national, True, 10),
                    (content.motto, True, 10.5),
                    ("", False, 4),
                    (content.place_date, False, 10.5),
                ],
            ),
        ],
    )
    pdf.ln(6)
    _pdf_columns(
        pdf,
        [
            (
                1,
                "C",
                [
                    (content.title, True, 13),
                    (content.subtitle, True, 12),
                    (content.as_of, False, 10.5),
                ],
            )
        ],
    )
    for section in content.sections:
        heading(pdf, section.heading, keep=25)
        for line in section.lines:
            if line.kind == "sub":
                subheading(pdf, line.text)
            else:
                para(pdf, line.text, size=10, bold=line.kind == "task", h=5)
                pdf.ln(0.8)
    pdf.ln(6)
    _pdf_signature(pdf, content)
    return bytes(pdf.output())


def _pdf_columns(pdf: FPDF, columns: list[tuple[float, str, list[tuple[str, bool, float]]]]):
    """Columns side by side, each (share of the width, alignment, lines of (text, bold, size)),
    each line wrapped in its column; the cursor ends under the tallest one."""
    top, x = pdf.get_y(), pdf.l_margin
    bottom = top
    for share, align, lines in columns:
        width = pdf.epw * share
        pdf.set_xy(x, top)
        for text, bold, size in lines:
            pdf.set_font(FONT, "B" if bold else "", size)
            pdf.set_x(x)
            pdf.multi_cell(
                width, size * 0.5, safe_text.for_pdf(text), align=align, new_x="LEFT", new_y="NEXT"
            )
        bottom = max(bottom, pdf.get_y())
        x += width
    pdf.set_xy(pdf.l_margin, bottom)


def _pdf_signature(pdf: FPDF, content: _Content) -> None:
    """ "Nơi nhận:" and its list on the left, the signature block on the right, kept together."""
    if pdf.get_y() + 6 * (len(content.recipients) + 2) > pdf.page_break_trigger:
        pdf.add_page()
    recipients = [(content.recipients_head, True, 10)]
    recipients += [(f"- {item}", False, 9) for item in content.recipients]
    sign = [(content.sign_title, True, 10.5), (content.sign_note, False, 9.5)]
    _pdf_columns(pdf, [(0.5, "L", recipients), (0.5, "C", sign)])


# --------------------------------------------------------------------------- file name


def agency_report_name(report: AgencyReport, fmt: str, lang: str = "vi") -> str:
    """An ASCII file name: "bao-cao-BTC-2025-08-20.docx" (the agency's document code, or its
    id when it has none)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")
    agency = slug(_clean(report.doc_code) or _clean(report.agency_id))
    name = t("agency_report.file", lang, agency=agency, date=report.as_of.isoformat())
    return f"{name}.{fmt}"
