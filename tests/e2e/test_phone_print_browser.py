"""The briefing on a phone and on paper (issue 16, items 4 and 5) in a real browser: Debian's
chromium driven by Playwright against a fresh server on a copy of the sample.

- a 390×844 phone (touch, mobile): the four numbers a leader asks for (total, completed,
  overdue, due this month; read from the sample through analytics) inside the first screen,
  the page shorter than before this change, the bars carrying their values;
- a 1440×900 desktop: no chart's toolbar over any legend;
- print media: no sidebar, header, buttons, downloads, inputs or chart toolbars; charts no
  wider than the sheet; an A4 PDF of the briefing and of the workload page with their text.

Screenshots and the PDF land in tests/artifacts/ (phone_briefing.png, desktop_briefing.png,
briefing_print.pdf, workload_print.pdf).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest

from analytics import leader, reports
from analytics.i18n import fmt_int, t
from analytics.model import Filters, Scope
from tests.e2e.conftest import ARTIFACTS, screenshot, wait_idle
from ui import layout

pytestmark = pytest.mark.e2e

AUG = dt.date(2025, 8, 28)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
# The phone page's height before issue 16 item 4 (stMain's scrollHeight at 390×844, touch,
# /briefing?as_of=2025-08-28 on the sample): 10605 px, about 12.6 screens.
HEIGHT_BEFORE = 10_605
A4_CONTENT_PX = 186 / 25.4 * 96  # PAPER_WIDTH (186 mm) in CSS pixels

BOX = """(el) => { const r = el.getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width,
          height: r.height}; }"""


@pytest.fixture(scope="module")
def expected(sample_db_template):
    """The four numbers (label, value) as analytics computes them on the sample at 28/08/2025."""
    data = reports.build_briefing(sample_db_template, AUG, Filters(), Scope.everything(), "vi")
    return leader.key_numbers(data.headline, len(data.month_open), "vi", AUG), data.headline


def _context(browser, viewport, **extra):
    return browser.new_context(viewport=viewport, locale="vi-VN", accept_downloads=True, **extra)


def _open_briefing(pg, server) -> None:
    pg.goto(server.url + "/briefing?as_of=2025-08-28")
    wait_idle(pg, timeout=60_000)
    assert pg.get_by_test_id("stException").count() == 0
    # charts mount one after another once the run is over: wait for the three of the page
    pg.wait_for_function(
        "document.querySelectorAll(\"[data-testid='stPlotlyChart'] .main-svg\").length >= 3",
        timeout=30_000,
    )
    pg.wait_for_timeout(500)


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


def test_the_phone_shows_the_four_numbers_first(server, browser, expected):
    numbers, _ = expected
    context = _context(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    pg = context.new_page()
    try:
        _open_briefing(pg, server)
        block = pg.get_by_test_id("key-numbers")
        assert block.is_visible()
        for label, value in numbers:
            cell = block.locator(".key-number").filter(has_text=label)
            assert cell.count() == 1, label
            shown = cell.get_by_test_id("key-value")
            assert shown.inner_text().strip() == value
            box = shown.evaluate(BOX)
            assert box["height"] > 0 and box["top"] >= 0 and box["bottom"] <= PHONE["height"], (
                label,
                box,
            )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "phone_briefing.png"))  # the first screen

        height = pg.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollHeight")
        screens = height / PHONE["height"]
        print(f"phone page height: {height} px ({screens:.1f} screens), before: {HEIGHT_BEFORE}")
        assert height < HEIGHT_BEFORE

        # the bars carry their values: text elements inside the bar traces of both charts
        bars = pg.locator("[data-testid='stPlotlyChart']").filter(has=pg.locator("g.trace.bars"))
        assert bars.count() >= 2
        for i in range(bars.count()):
            texts = [
                s.strip()
                for s in bars.nth(i).locator("g.trace.bars text").all_text_contents()
                if s.strip()
            ]
            assert texts and all(s.isdigit() for s in texts), texts
    finally:
        context.close()


def test_no_chart_toolbar_covers_a_legend_on_the_desktop(server, browser):
    context = _context(browser, DESKTOP)
    pg = context.new_page()
    try:
        _open_briefing(pg, server)
        # on a wide screen the cards say the four numbers: the phone's block is not drawn
        assert not pg.get_by_test_id("key-numbers").is_visible()
        charts = pg.get_by_test_id("stPlotlyChart")
        checked = 0
        for i in range(charts.count()):
            chart = charts.nth(i)
            if chart.locator(".legend").count() == 0:
                continue
            chart.scroll_into_view_if_needed()
            chart.hover()  # the toolbar shows while the pointer is over the chart
            bar = chart.locator(".modebar")
            bar.wait_for(state="visible", timeout=5_000)
            toolbar = bar.evaluate(BOX)
            for legend in chart.locator(".legend").all():
                box = legend.evaluate(BOX)
                assert box["width"] > 0 and not _overlap(toolbar, box), (i, toolbar, box)
            checked += 1
        assert checked >= 3  # the status donut and the two charts of late tasks
        pg.mouse.move(0, 0)
        screenshot(pg, "desktop_briefing")
    finally:
        context.close()


def _printed(pg) -> None:
    """In print media: the frame, the buttons and the inputs are not drawn; charts fit."""
    pg.emulate_media(media="print")
    pg.wait_for_timeout(1_500)  # Streamlit draws a chart again when its box changes size
    shown = pg.evaluate(
        """(ids) => ids.map(id => [id, [...document.querySelectorAll(`[data-testid='${id}']`)]
             .filter(e => e.checkVisibility()).length])""",
        [
            "stSidebar",
            "stHeader",
            "stToolbar",
            "stDownloadButton",
            "stButton",
            "stSelectbox",
            "stDateInput",
            "stMultiSelect",
            "stCheckbox",
            "stRadio",
        ],
    )
    assert [s for s in shown if s[1]] == []
    assert pg.get_by_test_id("stSidebar").evaluate("e => getComputedStyle(e).display") == "none"
    for bar in pg.locator(".modebar").all():
        assert not bar.is_visible()
    widths = pg.evaluate(
        """() => [...document.querySelectorAll("[data-testid='stPlotlyChart'] .main-svg")]
             .map(s => s.getBoundingClientRect().width)"""
    )
    assert widths and max(widths) <= A4_CONTENT_PX + 1, widths
    cards = pg.get_by_test_id("stMetric")
    if cards.count():
        assert cards.first.evaluate("e => getComputedStyle(e).breakInside") == "avoid"


def _pdf_text(payload: bytes) -> tuple[int, str]:
    try:
        from pypdf import PdfReader
    except ImportError:  # without pypdf: the count of pages only
        return payload.count(b"/Type /Page") - payload.count(b"/Type /Pages"), ""
    pages = PdfReader(io.BytesIO(payload)).pages
    return len(pages), " ".join(" ".join(p.extract_text().split()) for p in pages)


def test_the_briefing_prints_on_a4(server, browser, expected):
    _, head = expected
    context = _context(browser, DESKTOP)
    pg = context.new_page()
    try:
        _open_briefing(pg, server)
        _printed(pg)
        payload = pg.pdf(format="A4", print_background=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "briefing_print.pdf").write_bytes(payload)
        pages, text = _pdf_text(payload)
        print(f"briefing: {pages} A4 pages")
        assert 2 <= pages <= 20
        if text:
            assert t("page.briefing", "vi") in text
            assert f"{t('status.total', 'vi')} {fmt_int(head['total'], 'vi')}" in text
            assert t("common.download_xlsx", "vi") not in text  # no buttons on paper
            assert t("common.legend", "vi") in text
    finally:
        context.close()


def test_another_page_prints_on_a4(server, browser):
    context = _context(browser, DESKTOP)
    pg = context.new_page()
    try:
        pg.goto(server.url + "/workload?as_of=2025-08-28")
        wait_idle(pg, timeout=60_000)
        assert pg.get_by_test_id("stException").count() == 0
        pg.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=30_000)
        _printed(pg)
        payload = pg.pdf(format="A4", print_background=True)
        (ARTIFACTS / "workload_print.pdf").write_bytes(payload)
        pages, text = _pdf_text(payload)
        print(f"workload: {pages} A4 pages")
        assert 1 <= pages <= 20
        if text:
            assert t("page.workload", "vi") in text
            assert t("common.download_xlsx", "vi") not in text
    finally:
        context.close()


def test_the_stylesheet_is_the_fixed_one(server, browser):
    """The page carries the stylesheet of ui/layout.py as it is, once."""
    context = _context(browser, DESKTOP)
    pg = context.new_page()
    try:
        pg.goto(server.url + "/agency?agency=mof&as_of=2025-08-28")
        wait_idle(pg, timeout=60_000)
        sheets = pg.evaluate(
            """() => [...document.querySelectorAll('style')]
                 .filter(s => s.textContent.includes('@page')).map(s => s.textContent)"""
        )
        assert len(sheets) == 1
        inner = layout.STYLESHEET.removeprefix("<style>").removesuffix("</style>")
        assert sheets[0].strip() == inner.strip()
    finally:
        context.close()
