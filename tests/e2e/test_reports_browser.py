"""Report downloads in a real browser: each button on the Briefing page yields its file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.e2e.conftest import screenshot, wait_idle

# The Briefing is the default page: its address is "/" ("/briefing" answers "Page not found"
# once the server has seen st.navigation).
BRIEFING = "/?as_of=2025-08-28"
BUTTONS = [
    ("report_pdf", ".pdf", b"%PDF"),
    ("report_xlsx", ".xlsx", b"PK"),
    ("report_zip", ".zip", b"PK"),
]


@pytest.mark.parametrize("key, suffix, magic", BUTTONS)
def test_briefing_report_buttons_download_files(server, page, key, suffix, magic):
    page.goto(server.url + BRIEFING)
    wait_idle(page)
    button = page.locator(f".st-key-{key} button:visible").first
    button.wait_for(timeout=30_000)
    with page.expect_download(timeout=120_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(suffix)
    assert "2025-08-28" in download.suggested_filename
    payload = Path(download.path()).read_bytes()
    assert len(payload) > 1000 and payload.startswith(magic)
    if suffix == ".xlsx":
        with zipfile.ZipFile(io.BytesIO(payload)) as zf:
            assert "xl/workbook.xml" in zf.namelist()
    if suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(payload)) as zf:
            names = zf.namelist()
        assert names and all(n.endswith(".xlsx") for n in names)
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, f"reports-{key}")


def test_export_is_recorded(server, page):
    """Producing a report records an 'export' event (when the audit log exists)."""
    from analytics import audit

    page.goto(server.url + BRIEFING)
    wait_idle(page)
    with page.expect_download(timeout=120_000):
        page.locator(".st-key-report_pdf button:visible").first.click()
    rows = audit.read(server.db, actions=["export"])
    assert "report_pdf" in set(rows["target"])


def test_agency_page_zip_holds_only_that_agency(server, page):
    page.goto(server.url + "/agency?agency=mof&as_of=2025-08-28")
    wait_idle(page)
    button = page.locator(".st-key-report_zip button:visible").first
    button.wait_for(timeout=30_000)
    with page.expect_download(timeout=120_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as zf:
        assert zf.namelist() == ["mof_Bo-Tai-chinh_2025-08-28.xlsx"]
    screenshot(page, "reports-agency")
