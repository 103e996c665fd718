"""Small shared test data and the AppTest helpers, once each (pytest fixtures live in
conftest.py: `app_clean`, `steady_server`, `fast_hashing`).

AppTest helpers: `new_app` (the router, not yet run), `open_page` (the router switched to a
page), `submit_signin` / `signed_in` (through the sign-in form), `seeded_session` (a signed-in
session without the form), `assert_clean` (no exception, no error element). Each takes the
address's parameters as `query` and session state as `session` (plus `lang` and `as_of`,
which go into session state as the sidebar's widgets hold them).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PW = "correct horse battery"  # every test user's password

# Three agencies in the shape the store takes (id, Vietnamese and English name, type).
AGENCIES = [
    SimpleNamespace(
        id="mof", name_vi="Bộ Tài chính", name_en="Ministry of Finance", type="ministry"
    ),
    SimpleNamespace(
        id="most",
        name_vi="Bộ Khoa học và Công nghệ",
        name_en="Ministry of Science and Technology",
        type="ministry",
    ),
    SimpleNamespace(id="p01", name_vi="Hà Nội", name_en="Hanoi", type="province"),
]


def clear_caches() -> None:
    """Streamlit's caches and the pages' byte-bounded ones (ui/cache.py)."""
    import streamlit as st

    from ui import cache

    st.cache_data.clear()
    st.cache_resource.clear()
    cache.clear()


def new_app(
    app: str = APP,
    *,
    lang: str | None = None,
    as_of: dt.date | None = None,
    query: dict | None = None,
    session: dict | None = None,
    timeout: float = 60,
):
    """AppTest of the router (or of `app`), not yet run: the address's parameters `query`, then
    the session state (`lang`, the sidebar's date `as_of`, any other keys in `session`)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(app, default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if lang:
        at.session_state["lang"] = lang
    if as_of:
        at.session_state["as_of"] = as_of
    for k, v in (session or {}).items():
        at.session_state[k] = v
    return at


def assert_clean(at) -> None:
    """No exception and no error element on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def page_path(page: str) -> str:
    """'briefing' or 'pages/briefing.py' as the path AppTest.switch_page takes."""
    return page if page.endswith(".py") else f"pages/{page}.py"


def open_page(
    page: str,
    lang: str | None = None,
    *,
    as_of: dt.date | None = None,
    query: dict | None = None,
    session: dict | None = None,
    check: bool = True,
    timeout: float = 60,
):
    """AppTest of the router run once, then switched to `page` ('agency' or
    'pages/agency.py'); with `check`, fails on an exception or an error element."""
    at = new_app(lang=lang, as_of=as_of, query=query, session=session, timeout=timeout)
    at.run()
    at.switch_page(page_path(page)).run()
    if check:
        assert_clean(at)
    return at


def submit_signin(at, username: str, password: str = PW):
    """Fill in and send the sign-in form of a run app; returns the app after the next run."""
    at.text_input(key="signin_user").input(username)
    at.text_input(key="signin_password").input(password)
    [b for b in at.button if b.form_id == "signin"][0].click()
    return at.run()


def signed_in(
    username: str,
    password: str = PW,
    *,
    app: str = APP,
    as_of: dt.date | None = None,
    query: dict | None = None,
    timeout: float = 120,
):
    """The router run, then signed in through the form as `username` (checked)."""
    at = new_app(app, as_of=as_of, query=query, timeout=timeout).run()
    submit_signin(at, username, password)
    assert at.session_state["auth_user"] == username
    return at


def seeded_session(db, username: str, role: str, agencies=(), password: str = PW) -> dict:
    """Add the user to `db` and return the session state of that user signed in (what
    ui/auth.py keeps after a sign-in), for `session=`: no form, no password check."""
    from analytics import accounts
    from ui import auth as ui_auth

    accounts.add_user(db, username, role, password=password, agency_ids=agencies)
    return {ui_auth.SESSION_KEY: username, ui_auth.SINCE_KEY: dt.datetime.now(dt.UTC)}


def number(text: str) -> int:
    """A figure as shown (1.234 or 1,234) as an int."""
    return int(text.replace(".", "").replace(",", ""))
