"""The sign-in cookie in a real browser (analytics/sessions.py, ui/session_route.py): a server
started as `streamlit run serve.py` keeps a password sign-in across a reload, a new tab and a
deep link; sign-out and disabling the account end it; a signed-out deep link to a protected
page says "please sign in" and opens that page after sign-in."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from analytics import accounts
from tests.e2e.conftest import ROOT, Server, _free_port, screenshot, stop_server, wait_idle

USER = "root"
PW = "correct horse battery"
SIGNED_IN = re.compile("Đăng nhập: root")
# Streamlit's own message for an address st.navigation does not know (English, no text to set)
STREAMLIT_NOT_FOUND = re.compile("Page not found|You have requested page|Running the app's main")


def start_serve(db, tmp, guest: str = "1") -> Server:
    """As tests/e2e/conftest.py's start_server (guest view on unless `guest` is "0"), but
    through serve.py."""
    port = _free_port()
    log = tmp / f"serve-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKS_TRUSTED_")}
    env.update({"TASKS_DB": str(db), "TASKS_GUEST": guest, "PYTHONUNBUFFERED": "1"})
    out = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless", "true"]
        + ["--server.address", "127.0.0.1", "--server.port", str(port)]
        + ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    out.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return Server(url, db, proc, log)
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("serve.py did not start:\n" + log.read_text()[-3000:])


@pytest.fixture(scope="module")
def serve(sample_db_template, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e-sessions")
    db = tmp / "tasks.duckdb"
    shutil.copy(sample_db_template, db)
    accounts.add_user(db, USER, "admin", password=PW)
    srv = start_serve(db, tmp)
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def serve_signin(sample_db_template, tmp_path_factory):
    """serve.py without the guest view: every visitor signs in first."""
    tmp = tmp_path_factory.mktemp("e2e-sessions-signin")
    db = tmp / "tasks.duckdb"
    shutil.copy(sample_db_template, db)
    accounts.add_user(db, USER, "admin", password=PW)
    accounts.add_user(db, "boss", "leader", password=PW)
    srv = start_serve(db, tmp, guest="0")
    yield srv
    stop_server(srv)


def type_in(page, scope, label: str, text: str) -> None:
    # typed key by key: Playwright's fill() does not reach a Streamlit form's state here
    scope.get_by_label(label).click()
    scope.get_by_label(label).press_sequentially(text, delay=20)


def submit_signin(page, scope) -> None:
    type_in(page, scope, "Tên đăng nhập", USER)
    type_in(page, scope, "Mật khẩu", PW)
    page.keyboard.press("Tab")
    scope.get_by_test_id("stFormSubmitButton").get_by_role("button").click()


def signed_in(page) -> bool:
    wait_idle(page)
    return page.get_by_test_id("stSidebar").get_by_text(SIGNED_IN).count() > 0


def test_deep_link_reload_new_tab_sign_out(serve, page):
    # a signed-out deep link to /upload: "please sign in", not the briefing
    page.goto(serve.url + "/upload")
    wait_idle(page)
    main = page.get_by_test_id("stMain")
    assert main.get_by_text("Vui lòng đăng nhập").count() == 1
    assert not STREAMLIT_NOT_FOUND.search(page.inner_text("body"))
    assert page.url.split("?")[0].endswith("/upload"), "the address stays while signing in"
    assert page.locator("h1").first.inner_text().strip() == "Đăng nhập"
    screenshot(page, "session-deep-link-signed-out")
    submit_signin(page, main)
    page.wait_for_url(re.compile(r"/upload(\?|$)"), timeout=30_000)
    assert signed_in(page)
    assert page.get_by_test_id("stFileUploaderDropzoneInput").count() == 1
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "tasks_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert page.evaluate("document.cookie").find("tasks_session") == -1  # not for scripts

    page.reload()
    assert signed_in(page), "a reload keeps the sign-in"
    other = page.context.new_page()
    other.goto(serve.url + "/review")
    assert signed_in(other), "a new tab keeps the sign-in"
    assert other.url.split("?")[0].endswith("/review")
    other.close()

    page.get_by_test_id("stSidebar").get_by_role("button", name="Đăng xuất").click()
    page.wait_for_timeout(1500)
    page.reload()
    assert not signed_in(page), "after sign-out a reload is signed out"
    assert [c for c in page.context.cookies() if c["name"] == "tasks_session"] == []
    screenshot(page, "session-after-sign-out")


def test_disabling_the_account_ends_its_signed_in_browser(serve, page):
    page.goto(serve.url + "/")
    wait_idle(page)
    page.get_by_test_id("stSidebar").get_by_text("Đăng nhập").first.click()
    submit_signin(page, page.get_by_test_id("stSidebar"))
    page.get_by_text(SIGNED_IN).wait_for(timeout=30_000)
    accounts.add_user(serve.db, "other_admin", "admin", password=PW)  # keeps an admin
    accounts.disable_user(serve.db, USER, by="other_admin")
    page.reload()
    assert not signed_in(page), "a disabled account's cookie opens nothing"


def test_without_the_guest_view_a_deep_link_opens_its_page_after_sign_in(serve_signin, page):
    page.goto(serve_signin.url + "/review")
    wait_idle(page)
    main = page.get_by_test_id("stMain")
    assert main.get_by_text("Vui lòng đăng nhập").count() == 1
    assert not STREAMLIT_NOT_FOUND.search(page.inner_text("body"))
    assert page.url.split("?")[0].endswith("/review")
    assert page.get_by_test_id("stSidebarNav").count() == 0, "no page listed before sign-in"
    submit_signin(page, main)
    page.wait_for_url(re.compile(r"/review(\?|$)"), timeout=30_000)
    assert signed_in(page)
    assert page.locator("h1").first.inner_text().strip() == "Xác nhận, phê duyệt"


def test_an_unknown_address_and_a_page_without_permission_say_so_in_vietnamese(serve_signin, page):
    page.goto(serve_signin.url + "/admin")
    wait_idle(page)
    main = page.get_by_test_id("stMain")
    type_in(page, main, "Tên đăng nhập", "boss")
    type_in(page, main, "Mật khẩu", PW)
    page.keyboard.press("Tab")
    main.get_by_test_id("stFormSubmitButton").get_by_role("button").click()
    page.wait_for_url(re.compile(r"/admin(\?|$)"), timeout=30_000)
    wait_idle(page)
    page.get_by_text("Không có quyền mở trang này").first.wait_for(timeout=20_000)
    body = page.inner_text("body")
    assert not STREAMLIT_NOT_FOUND.search(body)
    assert "Quản trị" not in page.get_by_test_id("stSidebarNav").inner_text()  # not listed
    screenshot(page, "session-no-permission")

    page.goto(serve_signin.url + "/khong-co-trang-nay")
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == "Không tìm thấy trang"
    assert not STREAMLIT_NOT_FOUND.search(page.inner_text("body"))
    page.get_by_role("link", name="Mở trang Tổng quan").click()
    page.wait_for_url(re.compile(r"/briefing(\?|$)"), timeout=30_000)
    screenshot(page, "session-briefing-after-not-found")


def test_a_sign_in_code_opens_nothing_in_another_browser(serve_signin, browser, page):
    # login CSRF: the one-time code of one's own sign-in, sent to someone else's browser
    caught: list[str] = []

    def hold(route):
        caught.append(route.request.url)
        route.abort()

    page.route(re.compile(r"/_session/start\?"), hold)
    page.goto(serve_signin.url + "/briefing")
    wait_idle(page)
    submit_signin(page, page.get_by_test_id("stMain"))
    for _ in range(40):
        if caught:
            break
        page.wait_for_timeout(250)
    assert caught and "code=" in caught[0]
    other = browser.new_context()
    try:
        victim = other.new_page()
        victim.goto(serve_signin.url + "/briefing")  # the victim's browser has its own cookie
        wait_idle(victim)
        victim.goto(caught[0])
        wait_idle(victim)
        assert [c for c in other.cookies() if c["name"] == "tasks_session"] == []
        assert not signed_in(victim)
        assert (
            victim.get_by_text("Vui lòng đăng nhập").count()
            + victim.get_by_role("heading", name="Đăng nhập").count()
            > 0
        )
    finally:
        other.close()
