"""Hostile task and agency names are inert text on every page and in exports (issue 5).

A store whose task titles and (unknown) agency names are script and link payloads and a formula;
every page is opened in a real browser: no dialog fires, no injected element or javascript link
exists, the payload is shown as text, and an exported workbook holds no formula.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from analytics import store
from analytics.model import Task
from tests.e2e.conftest import start_server, stop_server, wait_idle

IMG = "<img src=x onerror=alert(1)>"
LINK = "[x](javascript:alert(1))"
FORMULA = '=HYPERLINK("http://x","y")'
SCRIPT = "<script>alert(2)</script>"
PAGES = ["briefing", "agency", "workload", "trends", "data"]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    db = tmp / "tasks.duckdb"
    evil = SimpleNamespace(id="x-evil", name_vi=IMG, name_en=LINK, type="other")
    mof = SimpleNamespace(
        id="mof", name_vi="Bộ Tài chính", name_en="Ministry of Finance", type="ministry"
    )
    tasks = [
        Task(
            task_id="H1",
            title=IMG,
            lead_ids=("x-evil",),
            lead_text=IMG,
            deadline=dt.date(2025, 8, 1),
            deadline_kind="date",
            causes=SCRIPT,
            row=7,
        ),
        Task(
            task_id="H2",
            title=LINK,
            lead_ids=("x-evil", "mof"),
            lead_text=LINK,
            deadline=dt.date(2025, 8, 2),
            deadline_kind="date",
            row=8,
        ),
        Task(
            task_id="H3",
            title=FORMULA,
            lead_ids=("mof",),
            lead_text="Bộ Tài chính",
            deadline=dt.date(2025, 9, 30),
            deadline_kind="date",
            difficult=True,
            row=9,
        ),
    ]
    for day in (dt.date(2025, 8, 20), dt.date(2025, 8, 28)):
        store.commit_snapshot(
            db,
            source=SCRIPT,
            as_of=day,
            tasks=tasks,
            agencies=[evil, mof],
            file_bytes=f"hostile {day}".encode(),
            file_name=f"{IMG}.xlsx",
        )
    srv = start_server(db, tmp)
    yield srv
    stop_server(srv)


def assert_inert(page) -> None:
    assert page.dialogs == [], page.dialogs
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("script:has-text('alert(2)')").count() == 0
    assert page.get_by_test_id("stException").count() == 0


@pytest.mark.parametrize("name", PAGES)
def test_every_page_shows_hostile_names_as_text(hostile_server, page, name):
    query = "?agency=x-evil" if name == "agency" else ""
    page.goto(f"{hostile_server.url}/{name}{query}")
    wait_idle(page)
    if name in ("briefing", "agency", "data"):
        # the payload reaches the page and is rendered as text (escaped), not as an element
        # (tables and charts fill in after the run: wait for it rather than for a fixed time)
        page.wait_for_function(
            "document.documentElement.outerHTML.includes('&lt;img src=x onerror=alert(1)&gt;')",
            timeout=30_000,
        )
    page.wait_for_timeout(800)  # charts draw after the run ends
    assert_inert(page)
    if name in ("briefing", "agency", "data"):
        assert "&lt;img src=x onerror=alert(1)&gt;" in page.content()


def test_exported_workbook_has_no_formula(hostile_server, page):
    page.goto(f"{hostile_server.url}/data")
    wait_idle(page)
    button = page.get_by_test_id("stDownloadButton").filter(has_text="Excel").last
    with page.expect_download() as info:
        button.click()
    data = Path(info.value.path()).read_bytes()
    wb = load_workbook(io.BytesIO(data))
    values = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                values.append(cell.value)
    assert FORMULA in values or IMG in values
    assert_inert(page)
