"""The Briefing and Agency pages in a real browser, each by deep link on a server that has never
served a page: title shown, no exception, an Excel download, a click on a bar filtering the list.

Screenshots land in tests/artifacts/ (briefing.png, briefing_clicked.png, agency.png, agency_en.png).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import screenshot, start_server, stop_server, wait_idle

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def agency_server(sample_db_template, tmp_path_factory):
    """A second fresh server, so that /agency is also the first page its server ever serves."""
    tmp = tmp_path_factory.mktemp("e2e-agency")
    db = tmp / "tasks.duckdb"
    shutil.copy(sample_db_template, db)
    srv = start_server(db, tmp)
    yield srv
    stop_server(srv)


def _no_error(page) -> None:
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stAlertContentError").count() == 0
    assert page.get_by_text("Page not found").count() == 0


def _metric(page, label: str) -> str:
    card = page.get_by_test_id("stMetric").filter(has_text=label).first
    return card.get_by_test_id("stMetricValue").inner_text().strip()


def _download_xlsx(page, button_text: str) -> bytes:
    button = (
        page.get_by_test_id("stDownloadButton").filter(has_text=button_text, visible=True).first
    )
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=30_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    return Path(download.path()).read_bytes()


def test_briefing_deep_link(server, page):
    page.goto(server.url + "/briefing?as_of=2025-08-28")
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == "Tổng quan"
    _no_error(page)
    # the meeting of 28/08/2025: 652 tasks, 34 overdue
    assert _metric(page, "Tổng số nhiệm vụ") == "652"
    assert _metric(page, "Quá hạn chưa hoàn thành") == "34"
    assert page.get_by_text("Thay đổi so với số liệu ngày 31/07/2025").first.is_visible()
    # charts mount one after another once the run is over: wait for the third (fails after 15 s)
    page.wait_for_function(
        "document.querySelectorAll(\"[data-testid='stPlotlyChart']\").length >= 3",
        timeout=15_000,
    )
    screenshot(page, "briefing")

    # the first visible table is the late-task list: 99 tasks overdue or completed late
    assert page.get_by_text("Tất cả nhiệm vụ chậm, muộn: 99").count() == 1
    ws = load_workbook(io.BytesIO(_download_xlsx(page, "Tải Excel"))).worksheets[0]
    assert ws["A1"].value == "Mã nhiệm vụ" and ws.max_row == 100

    # a click on the top bar of the ministries chart filters the late-task list
    picked = page.get_by_test_id("stSelectbox").filter(has_text="Lọc danh sách theo cơ quan").first
    assert picked.locator("input").input_value() == "Tất cả cơ quan"
    chart = page.get_by_test_id("stPlotlyChart").nth(1)
    chart.scroll_into_view_if_needed()
    # the first point of the first trace (overdue) is the top bar: the most late tasks
    bar = chart.locator("g.trace.bars").first.locator("g.point path").first
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(500)
    wait_idle(page)
    _no_error(page)
    assert picked.locator("input").input_value() == "Bộ Khoa học và Công nghệ"
    assert page.get_by_text("Nhiệm vụ chậm, muộn của cơ quan đã chọn:").count() == 1
    screenshot(page, "briefing_clicked")


def test_agency_deep_link(agency_server, page):
    page.goto(agency_server.url + "/agency?agency=mof&as_of=2025-08-28")
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == "Bộ, ngành, địa phương"
    _no_error(page)
    assert page.locator("h2").filter(has_text="Bộ Tài chính").count() == 1
    assert _metric(page, "Tổng số nhiệm vụ") == "59"
    assert _metric(page, "Quá hạn chưa hoàn thành") == "5"
    assert _metric(page, "Xếp hạng") == "12/15"
    screenshot(page, "agency")

    data = _download_xlsx(page, "Tải Excel")
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    headers = [c.value for c in ws[1]]
    assert "Tệp" in headers and "Dòng" in headers  # provenance columns exported
    assert ws.max_row == 60  # header + Bộ Tài chính's 59 tasks


def test_agency_in_english(agency_server, page):
    page.goto(agency_server.url + "/agency?agency=mof&as_of=2025-08-28&lang=en")
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == "Agency"
    _no_error(page)
    assert page.locator("h2").filter(has_text="Ministry of Finance").count() == 1
    assert _metric(page, "Total tasks") == "59"
    screenshot(page, "agency_en")
