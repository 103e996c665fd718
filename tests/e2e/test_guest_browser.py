"""The guest view in a real browser: on in the demo (`make run`: TASKS_GUEST=1), off by default.

A reverse proxy on the same machine that sends no forwarding header (nginx's default) looks
exactly like a local visitor to the server, so only the setting can tell them apart: a server
started without TASKS_GUEST=1 shows every visitor the sign-in screen and no data.
"""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.conftest import screenshot, start_server, stop_server, wait_idle


@pytest.fixture(scope="module")
def plain_server(sample_db_template, tmp_path_factory):
    """A server started as a deployment would be: no TASKS_GUEST."""
    tmp = tmp_path_factory.mktemp("e2e-no-guest")
    db = tmp / "tasks.duckdb"
    shutil.copy(sample_db_template, db)
    srv = start_server(db, tmp, env_extra={"TASKS_GUEST": None})
    yield srv
    stop_server(srv)


def signin_screen(page) -> bool:
    return page.locator("h1").first.inner_text().strip() == "Đăng nhập"


def test_the_demo_server_shows_the_guest_view(server, page):
    page.goto(server.url + "/")
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == "Tổng quan"
    assert page.get_by_test_id("stSidebarNav").is_visible()
    assert page.get_by_test_id("stException").count() == 0


def test_a_server_without_the_setting_shows_the_sign_in_screen(plain_server, page):
    page.goto(plain_server.url + "/")
    wait_idle(page)
    assert signin_screen(page)
    assert "Bạn cần đăng nhập" in page.get_by_test_id("stAlert").first.inner_text()
    assert page.get_by_test_id("stSidebarNav").count() == 0
    assert page.get_by_test_id("stMetricValue").count() == 0  # no figures
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "signin_no_guest")


def test_the_demo_server_behind_a_forwarding_proxy_shows_the_sign_in_screen(server, browser):
    context = browser.new_context(
        locale="vi-VN", extra_http_headers={"X-Forwarded-For": "198.51.100.7"}
    )
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        wait_idle(page)
        assert signin_screen(page)
        assert page.get_by_test_id("stSidebarNav").count() == 0
        assert page.get_by_test_id("stMetricValue").count() == 0
    finally:
        context.close()
