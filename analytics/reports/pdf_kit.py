"""The PDF kit of the reports: the A4 document (running head, page footer, embedded DejaVu Sans),
paragraphs and headings, tables that continue over pages, and charts whose statuses keep their
patterns in a grey print. No figure is computed here.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analytics import safe_text
from analytics.i18n import fmt_date, fmt_int, fmt_month, t
from analytics.style import STATUS_COLORS, STATUS_PATTERNS

if TYPE_CHECKING:  # fpdf is imported only when a PDF is made (it costs 0.6 s at start-up)
    from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parents[2] / "data" / "fonts"
FONT = "DejaVu"
HEAD_FILL = (31, 56, 100)
ZEBRA = (242, 245, 250)
GREY = (90, 90, 90)
DARK_TEXT_ON = {"completed_late", "completed_timing_unknown", "no_deadline"}


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _s(value) -> str:
    """Text fit for the PDF: NFC (precomposed Vietnamese letters), no control characters, no
    character the fonts cannot draw (safe_text.for_pdf)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if value is pd.NA:
        return ""
    return safe_text.for_pdf(unicodedata.normalize("NFC", str(value)))


PAGE_TOTAL_ALIAS = "{nbp}"  # as wide as five digits in DejaVu Sans


@cache
def doc_class():
    """The A4 document class (built on first use so that fpdf loads only for PDFs)."""
    from fpdf import FPDF

    class _Doc(FPDF):
        def __init__(self, lang: str, running: str, generated: str, anchor: str = ""):
            super().__init__(orientation="P", unit="mm", format="A4")
            self.report_lang = lang
            self.running = running
            self.generated = generated
            self.anchor = anchor  # the audit log's head, under the footer's line
            self.set_margins(15, 14, 15)
            self.set_auto_page_break(True, margin=15)
            self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.set_font(FONT, size=10)
            self.set_lang("vi-VN" if lang == "vi" else "en")
            # The footer's total is written when the document closes, into the width its alias
            # takes: "{nb}" is narrower than 4 digits (a 4,470-page briefing overran it).
            self.alias_nb_pages(PAGE_TOTAL_ALIAS)

        def header(self):
            if self.page_no() == 1:
                return
            self.set_font(FONT, "", 7.5)
            self.set_text_color(*GREY)
            self.cell(0, 4, self.running, new_x="LMARGIN", new_y="NEXT")
            self.set_draw_color(170, 170, 170)
            self.set_line_width(0.2)
            self.line(self.l_margin, self.get_y() + 0.5, self.w - self.r_margin, self.get_y() + 0.5)
            self.ln(3)
            self.set_text_color(0, 0, 0)

        def footer(self):
            self.set_y(-11)
            self.set_font(FONT, "", 7.5)
            self.set_text_color(*GREY)
            self.cell(self.epw / 2, 4, self.generated, align="L")
            self.cell(
                self.epw / 2,
                4,
                t("report.page", self.report_lang, n=self.page_no(), nb=PAGE_TOTAL_ALIAS),
                align="R",
            )
            if self.anchor:
                self.set_xy(self.l_margin, -7)
                self.set_font(FONT, "", 6.5)
                self.cell(self.epw, 3.5, self.anchor, align="L")
            self.set_text_color(0, 0, 0)

    return _Doc


def para(
    pdf: FPDF, text: str, size: float = 9.5, bold: bool = False, color=(0, 0, 0), h=None, fill=None
):
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(*color)
    if fill is not None:
        pdf.set_fill_color(*fill)
    pdf.multi_cell(
        0,
        h or size * 0.5,
        _s(text),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
        fill=fill is not None,
    )
    pdf.set_text_color(0, 0, 0)


def _need(pdf: FPDF, height: float) -> None:
    """Start a new page unless `height` mm still fit on this one."""
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def heading(pdf: FPDF, text: str, keep: float = 35) -> None:
    pdf.ln(2)
    _need(pdf, keep)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*HEAD_FILL)
    pdf.multi_cell(0, 6, _s(text), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*HEAD_FILL)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + 40, pdf.get_y())
    pdf.ln(2)
    pdf.set_text_color(0, 0, 0)


def subheading(pdf: FPDF, text: str, keep: float = 25) -> None:
    pdf.ln(1)
    _need(pdf, keep)
    para(pdf, text, size=9.5, bold=True, h=5)


def table(
    pdf: FPDF,
    headers: list[str],
    rows: list[list],
    widths: list[float],
    aligns: list[str],
    size=7.5,
):
    """A table that continues over pages with its heading row repeated on each page.

    Drawn with cell() (fpdf2's table() measures every character of every cell and is several
    times slower); only cells too wide for their column are wrapped.
    """
    scale = pdf.epw / sum(widths)
    widths = [w * scale for w in widths]
    pad, line_h = 0.9, size * 0.43

    def wrap(text: str, w: float) -> list[str]:
        if not text:
            return [""]
        if pdf.get_string_width(text) <= w - 2 * pad:
            return [text]
        return pdf.multi_cell(w - 2 * pad, line_h, text, dry_run=True, output="LINES") or [""]

    def draw(cells: list[list[str]], heading: bool, zebra: bool) -> None:
        height = max(len(c) for c in cells) * line_h + 2 * pad
        x, y = pdf.l_margin, pdf.get_y()
        if heading or zebra:
            pdf.set_fill_color(*(HEAD_FILL if heading else ZEBRA))
            pdf.rect(x, y, pdf.epw, height, style="F")
        pdf.set_text_color(*((255, 255, 255) if heading else (0, 0, 0)))
        for lines, w, align in zip(cells, widths, aligns, strict=True):
            for k, line in enumerate(lines):
                pdf.set_xy(x + pad, y + pad + k * line_h)
                pdf.cell(w - 2 * pad, line_h, line, align="C" if heading else align)
            x += w
        pdf.set_draw_color(190, 198, 210)
        pdf.set_line_width(0.15)
        pdf.line(pdf.l_margin, y + height, pdf.l_margin + pdf.epw, y + height)
        pdf.set_xy(pdf.l_margin, y + height)
        pdf.set_text_color(0, 0, 0)

    pdf.set_font(FONT, "B", size)
    head = [wrap(_s(h), w) for h, w in zip(headers, widths, strict=True)]
    head_h = max(len(c) for c in head) * line_h + 2 * pad
    pdf.set_font(FONT, "", size)
    first = [wrap(_s(v), w) for v, w in zip(rows[0], widths, strict=True)] if rows else [[""]]
    first_h = max(len(c) for c in first) * line_h + 2 * pad
    if len(rows) <= 15:  # a short table is kept on one page when it fits on one
        whole = head_h + first_h + (len(rows) - 1) * (line_h + 2 * pad)
        _need(pdf, whole if whole < 90 else head_h + first_h)
    else:
        _need(pdf, head_h + first_h)
    pdf.set_font(FONT, "B", size)
    draw(head, heading=True, zebra=False)
    for i, values in enumerate(rows):
        pdf.set_font(FONT, "", size)
        cells = first if i == 0 else [wrap(_s(v), w) for v, w in zip(values, widths, strict=True)]
        height = max(len(c) for c in cells) * line_h + 2 * pad
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            pdf.set_font(FONT, "B", size)
            draw(head, heading=True, zebra=False)
            pdf.set_font(FONT, "", size)
        draw(cells, heading=False, zebra=i % 2 == 1)
    pdf.ln(2)


def _hatch(pdf: FPDF, x: float, y: float, w: float, h: float, status: str) -> None:
    """The status colour with its pattern (so a grey print still tells the statuses apart)."""
    if w <= 0 or h <= 0:
        return
    pdf.set_fill_color(*_rgb(STATUS_COLORS[status]))
    pdf.rect(x, y, w, h, style="F")
    pattern = STATUS_PATTERNS.get(status, "")
    if not pattern or w < 0.6 or h < 0.6:
        return
    pdf.set_draw_color(255, 255, 255)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_line_width(0.16)
    step = 1.8
    with pdf.rect_clip(x, y, w, h):
        if pattern in ("/", "x"):
            c = -h
            while c < w:
                pdf.line(x + c, y + h, x + c + h, y)
                if pattern == "x":
                    pdf.line(x + c, y, x + c + h, y + h)
                c += step * (1.4 if pattern == "x" else 1)
        elif pattern == ".":
            yy = y + 0.5
            while yy < y + h:
                xx = x + 0.5
                while xx < x + w:
                    pdf.rect(xx, yy, 0.35, 0.35, style="F")
                    xx += 1.1
                yy += 1.1
        elif pattern == "-":
            yy = y + 0.7
            while yy < y + h:
                xx = x + 0.3
                while xx < x + w:
                    pdf.line(xx, yy, xx + 0.8, yy)
                    xx += 1.4
                yy += 1.2


def legend(
    pdf: FPDF, statuses: Sequence[str], lang: str, labels: dict[str, str] | None = None
) -> None:
    pdf.set_font(FONT, "", 7)
    x, y = pdf.l_margin, pdf.get_y() + 1
    for s in statuses:
        label = _s((labels or {}).get(s) or t(f"status.{s}", lang))
        w = 5 + pdf.get_string_width(label) + 4
        if x + w > pdf.w - pdf.r_margin:
            x, y = pdf.l_margin, y + 4.5
        _hatch(pdf, x, y, 4, 3, s)
        pdf.set_xy(x + 5, y - 0.4)
        pdf.cell(w - 5, 3.8, label)
        x += w
    pdf.set_xy(pdf.l_margin, y + 5)


def _bar_label(
    pdf: FPDF, x: float, y: float, w: float, h: float, value: int, status: str, lang
) -> None:
    text = fmt_int(value, lang)
    pdf.set_font(FONT, "B", 6.5)
    if pdf.get_string_width(text) + 1.5 > w:
        return
    tw = pdf.get_string_width(text) + 1.2
    pdf.set_fill_color(*_rgb(STATUS_COLORS[status]))
    pdf.rect(x + (w - tw) / 2, y + h / 2 - 1.5, tw, 3, style="F")  # over the pattern
    pdf.set_text_color(*((0, 0, 0) if status in DARK_TEXT_ON else (255, 255, 255)))
    pdf.set_xy(x, y)
    pdf.cell(w, h, text, align="C")
    pdf.set_text_color(0, 0, 0)


def hbars(
    pdf: FPDF, rows: list[tuple[str, list[tuple[str, int]]]], lang: str, label_w: float = 58
) -> None:
    """Horizontal stacked bars: one row per label, segments (status, count)."""
    bar_h, gap = 5.0, 2.2
    total_w = 14
    plot_w = pdf.epw - label_w - total_w
    biggest = max((sum(v for _, v in segs) for _, segs in rows), default=0) or 1
    _need(pdf, len(rows) * (bar_h + gap) + 12)
    y = pdf.get_y() + 1
    for label, segs in rows:
        pdf.set_font(FONT, "", 7)
        lines = pdf.multi_cell(label_w - 2, 3, _s(label), dry_run=True, output="LINES")
        if len(lines) > 2:
            lines = [lines[0], lines[1][: max(len(lines[1]) - 1, 1)] + "…"]
        ly = y + (bar_h - 3 * len(lines)) / 2
        for i, line in enumerate(lines):
            pdf.set_xy(pdf.l_margin, ly + 3 * i)
            pdf.cell(label_w - 2, 3, line, align="R")
        x = pdf.l_margin + label_w
        for status, value in segs:
            w = plot_w * value / biggest
            _hatch(pdf, x, y, w, bar_h, status)
            if value:
                _bar_label(pdf, x, y, w, bar_h, value, status, lang)
            x += w
        pdf.set_font(FONT, "B", 7)
        pdf.set_xy(x + 1, y)
        pdf.cell(total_w - 1, bar_h, fmt_int(sum(v for _, v in segs), lang))
        y += bar_h + gap
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    top = pdf.get_y() + 1 - gap / 2
    pdf.line(pdf.l_margin + label_w, top, pdf.l_margin + label_w, y - gap / 2)
    pdf.set_xy(pdf.l_margin, y)


def month_chart(pdf: FPDF, months: pd.DataFrame, as_of: dt.date, lang: str) -> None:
    """Columns per deadline month: completed, overdue, remaining (not yet overdue)."""
    height, axis_w = 52.0, 9.0
    months = _all_months(months)
    _need(pdf, height + 24)
    x0 = pdf.l_margin + axis_w
    plot_w = pdf.epw - axis_w
    y0 = pdf.get_y() + 3
    base = y0 + height
    top = int(months["due"].max()) if len(months) else 1
    step = _nice_step(top)
    top = max(step * math.ceil(top / step), 1)
    pdf.set_font(FONT, "", 6.5)
    pdf.set_draw_color(215, 215, 215)
    pdf.set_line_width(0.15)
    tick = 0
    while tick <= top:
        yy = base - height * tick / top
        pdf.line(x0, yy, x0 + plot_w, yy)
        pdf.set_xy(pdf.l_margin, yy - 1.5)
        pdf.cell(axis_w - 1, 3, fmt_int(tick, lang), align="R")
        tick += step
    n = len(months)
    slot = plot_w / max(n, 1)
    bar_w = slot * 0.72
    every = max(1, math.ceil(7.5 / slot))
    current = as_of.strftime("%Y-%m")
    last_year = None
    for i, r in enumerate(months.itertuples()):
        x = x0 + i * slot + (slot - bar_w) / 2
        y = base
        open_not_overdue = int(r.remaining) - int(r.overdue)
        for status, value in (
            ("completed_on_time", int(r.completed)),
            ("overdue", int(r.overdue)),
            ("in_progress", open_not_overdue),
        ):
            h = height * value / top
            _hatch(pdf, x, y - h, bar_w, h, status)
            y -= h
        if int(r.due):
            pdf.set_font(FONT, "", 6)
            pdf.set_xy(x0 + i * slot - 2, y - 3.2)
            pdf.cell(slot + 4, 3, fmt_int(int(r.due), lang), align="C")
        if i % every == 0 or r.month == current:
            year, mon = r.month.split("-")
            first = f"T{int(mon)}" if lang == "vi" else fmt_month(r.month, lang).split()[0]
            pdf.set_font(FONT, "B" if r.month == current else "", 6)
            pdf.set_xy(x0 + i * slot - 3, base + 0.8)
            pdf.cell(slot + 6, 2.8, first, align="C")
            if year != last_year or r.month == current:
                pdf.set_xy(x0 + i * slot - 4, base + 3.4)
                pdf.cell(slot + 8, 2.8, year, align="C")
                last_year = year
        if r.month == current:
            pdf.set_draw_color(60, 60, 60)
            pdf.set_line_width(0.3)
            pdf.set_dash_pattern(dash=1, gap=0.8)
            pdf.line(x0 + i * slot, y0 - 1, x0 + i * slot, base)
            pdf.set_dash_pattern()
            pdf.set_font(FONT, "", 6)
            pdf.set_xy(x0 + i * slot + 0.5, y0 - 2.5)
            pdf.cell(30, 3, f"{t('report.as_of_mark', lang)} ({fmt_date(as_of, lang)})")
    pdf.set_draw_color(100, 100, 100)
    pdf.set_line_width(0.25)
    pdf.line(x0, base, x0 + plot_w, base)
    pdf.set_xy(pdf.l_margin, base + 7)
    labels = {
        "completed_on_time": t("status.completed", lang),
        "in_progress": t("col.remaining", lang),
    }
    legend(pdf, ["completed_on_time", "overdue", "in_progress"], lang, labels)


def _all_months(months: pd.DataFrame, limit: int = 60) -> pd.DataFrame:
    """The months between the first and the last, empty ones included (a true time axis)."""
    if months.empty:
        return months
    span = pd.period_range(months["month"].min(), months["month"].max(), freq="M").strftime("%Y-%m")
    if len(span) > limit:
        return months
    full = pd.DataFrame({"month": list(span)}).merge(months, on="month", how="left")
    return full.fillna(0).astype({c: "int64" for c in ("due", "completed", "remaining", "overdue")})


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if top / step <= 5:
            return step
    return 10 ** int(math.log10(max(top, 1)))


def int_text(v, lang) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return fmt_int(int(v), lang)
