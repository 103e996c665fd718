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


# --------------------------------------------------------------------------- a small store


def make_task(tid: str, leads=("mof",), done: dt.date | None = None, **more):
    """One task of the shape the stores in tests are made of: due 31/12/2025, led by `leads`
    (AGENCIES' ids), in progress, or completed on `done`; `more` sets any other Task field."""
    from analytics.model import Task

    names = {a.id: a.name_vi for a in AGENCIES}
    fields = dict(
        task_id=tid,
        title=f"Nhiệm vụ {tid}",
        lead_ids=tuple(leads),
        lead_text="; ".join(names[a] for a in leads),
        deadline=dt.date(2025, 12, 31),
        deadline_text="31/12/2025",
        deadline_kind="date",
        completion_date=done,
        status_text="Đã hoàn thành" if done else "Đang thực hiện",
        status_class="done_unspecified" if done else "in_progress_on_time",
        sheet="Sheet1",
        row=5,
    )
    return Task(**{**fields, **more})


SIX_TASKS_AS_OF = dt.date(2025, 8, 28)
SIX_TASK_LEADS = {
    "t1": ("mof",),
    "t2": ("mof",),
    "t3": ("p01",),
    "t4": ("p01",),
    "t5": ("most",),
    "t6": ("mof", "p01"),
}


def six_task_store(tmp_path: Path, monkeypatch, users: dict[str, tuple[str, tuple]]) -> Path:
    """A store with six tasks of Resolution 71 (Bộ Tài chính, Hà Nội, Bộ KH&CN; one shared) as
    of 28/08/2025 and the accounts `users` ({name: (role, agency ids)}, password PW); TASKS_DB
    and TASKS_UPLOADS point into tmp_path. The upload page's tests start from it."""
    from analytics import accounts, store
    from analytics.ingest import SOURCE_NQ71
    from analytics.model import Task

    names = {a.id: a.name_vi for a in AGENCIES}
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("TASKS_DB", str(path))
    monkeypatch.setenv("TASKS_UPLOADS", str(tmp_path / "uploads"))
    tasks = [
        Task(
            task_id=tid,
            title=f"Nhiệm vụ {tid}",
            lead_ids=leads,
            lead_text="; ".join(names[a] for a in leads),
            deadline=dt.date(2025, 9, 30),
            deadline_text="30/09/2025",
            deadline_kind="date",
            status_text="Đang thực hiện",
            status_class="in_progress_on_time",
            row=5 + i,
            sheet="Sheet1",
        )
        for i, (tid, leads) in enumerate(SIX_TASK_LEADS.items())
    ]
    store.commit_snapshot(
        path,
        source=SOURCE_NQ71,
        as_of=SIX_TASKS_AS_OF,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=b"tiny store",
        file_name="tiny.xlsx",
        user="tester",
    )
    for name, (role, agencies) in users.items():
        accounts.add_user(path, name, role, password=PW, agency_ids=agencies)
    return path
