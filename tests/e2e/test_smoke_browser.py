"""The frame in a real browser: the default page loads on a fresh server with no error."""

from tests.e2e.conftest import screenshot, wait_idle


def test_home_loads(server, page):
    page.goto(server.url + "/")
    wait_idle(page)
    assert page.get_by_test_id("stSidebarNav").is_visible()
    assert page.locator("h1").first.inner_text().strip() == "Tổng quan"
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "home")
