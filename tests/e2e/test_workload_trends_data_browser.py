"""The Workload, Trends and Data pages in a real browser: deep links on fresh servers, the charts
drawn, and a CSV download of a search on the Data page."""

from __future__ import annotations

import csv
import io
import shutil

import pytest

from tests.e2e.conftest import screenshot, start_server, stop_server, wait_idle

pytestmark = pytest.mark.e2e

TITLES = {"workload": "Khối lượng theo tháng", "trends": "Diễn biến", "data": "Dữ liệu"}


@pytest.fixture
def fresh(sample_db_template, tmp_path):
    """A server that has never served a page (a deep link is its first request)."""
    db = tmp_path / "tasks.duckdb"
    shutil.copy(sample_db_template, db)
    srv = start_server(db, tmp_path)
    yield srv
    stop_server(srv)


def show_all(page) -> None:
    """A tall window, so that a screenshot holds the whole page (the app scrolls inside)."""
    page.set_viewport_size({"width": 1400, "height": 3200})
    wait_idle(page)


@pytest.mark.parametrize("path", ["workload", "trends", "data"])
def test_deep_link_on_a_fresh_server(fresh, page, path):
    page.goto(f"{fresh.url}/{path}?as_of=2025-08-28")
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == TITLES[path]
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stAlertContentError").count() == 0
    assert page.get_by_test_id("stSidebarNav").is_visible()
    if path != "data":
        page.wait_for_selector(".js-plotly-plot", timeout=30_000)
        assert page.locator(".js-plotly-plot").count() >= 1
    show_all(page)
    screenshot(page, path)


def test_workload_figures_in_the_browser(server, page):
    page.goto(f"{server.url}/workload?as_of=2025-08-28")
    wait_idle(page)
    values = page.get_by_test_id("stMetricValue").all_inner_texts()
    assert values[:4] == ["614", "226", "388", "34"]
    assert page.get_by_test_id("stException").count() == 0


def test_data_search_and_csv_download(server, page):
    page.goto(f"{server.url}/data?as_of=2025-08-28")
    wait_idle(page)
    box = page.locator(".st-key-data_search input")
    box.fill("bo tai chinh")
    box.press("Enter")
    wait_idle(page)
    caption = page.get_by_text("Tìm thấy").first.inner_text()
    found = int(caption.split("Tìm thấy ")[1].split("/")[0].replace(".", ""))
    assert 0 < found < 652
    with page.expect_download() as info:
        page.locator(".st-key-data_dl_tasks_csv button").click()
    download = info.value
    assert download.suggested_filename == "nhiem_vu_2025-08-28.csv"
    raw = (download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel opens it with the diacritics right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == found
    assert all("Bộ Tài chính" in r["Cơ quan chủ trì"] + r["Cơ quan phối hợp"] for r in rows)
    assert all(r["Tệp"].endswith(".xlsx") and r["Dòng"] for r in rows)  # provenance
    assert page.get_by_test_id("stException").count() == 0
    show_all(page)
    screenshot(page, "data_search")
