"""The map of provinces on the Briefing in a real browser: a click on a province's square
filters the page (the address names the province, the headline shows its figures), a second
click clears it; on a 390 × 844 phone the map fits the width and a tap still filters.

Screenshots land in tests/artifacts/ (province_map.png, province_map_phone.png).
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, wait_idle

pytestmark = pytest.mark.e2e

MAP = "[class*='st-key-briefing_province_map_'] [data-testid='stPlotlyChart']"
URL = "/briefing?as_of=2025-08-28"


def _no_error(page) -> None:
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stAlertContentError").count() == 0


def _total(page) -> str:
    card = page.get_by_test_id("stMetric").filter(has_text="Tổng số nhiệm vụ").first
    return card.get_by_test_id("stMetricValue").inner_text().strip()


def _map(page):
    """The map, mounted (charts mount one after another once the run is over)."""
    page.wait_for_selector(MAP + " g.trace.scatter path.point", timeout=15_000)
    chart = page.locator(MAP)
    chart.scroll_into_view_if_needed()
    return chart


def _click(page, name: str) -> None:
    """A click in the middle of the square whose text starts with `name` (the text's lines are
    read without their breaks: "Hà Nội" is "HàNội")."""
    chart = _map(page)
    texts = chart.locator("g.textpoint")
    written = [texts.nth(i).text_content() for i in range(texts.count())]
    index = next(i for i, w in enumerate(written) if w.startswith(name.replace(" ", "")))
    box = chart.locator("g.trace.scatter").first.locator("path.point").nth(index).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(500)
    wait_idle(page)
    _no_error(page)


def test_a_click_on_a_square_filters_the_page(server, page):
    page.goto(server.url + URL)
    wait_idle(page)
    _no_error(page)
    assert _total(page) == "652"
    assert _map(page).locator("g.trace.scatter path.point").count() == 34

    _click(page, "Hà Nội")
    page.wait_for_url(re.compile(r"agency=p01"), timeout=15_000)
    assert _total(page) == "4"  # Hà Nội leads 4 tasks on 28/08/2025
    assert page.get_by_text("Trang đang lọc theo Hà Nội").count() == 1
    lead = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")
    lead = lead.filter(has_text="Cơ quan chủ trì").first  # the sidebar's agency filter
    assert lead.locator("input").input_value() == "Hà Nội"
    block = page.locator("[data-testid='stHorizontalBlock']").filter(has=page.locator(MAP))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    block.screenshot(path=str(ARTIFACTS / "province_map.png"))

    _click(page, "Hà Nội")  # again: the whole country
    page.wait_for_function("!location.search.includes('agency=')", timeout=15_000)
    assert _total(page) == "652"
    assert page.get_by_text("Trang đang lọc theo").count() == 0


def test_on_a_phone_the_map_fits_the_width(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(server.url + URL)
        wait_idle(page)
        _no_error(page)
        chart = _map(page)
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        plot = chart.locator("svg.main-svg").first.bounding_box()
        assert plot["x"] >= 0 and plot["x"] + plot["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        chart.screenshot(path=str(ARTIFACTS / "province_map_phone.png"))
        _click(page, "TP.HCM")
        page.wait_for_url(re.compile(r"agency=p79"), timeout=15_000)
        assert _total(page) == "9"
    finally:
        context.close()
