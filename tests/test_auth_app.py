"""Sign-in, roles and the admin page through Streamlit's AppTest (app.py + ui/auth.py + ui/state.py).

The router app.py is used as it is, with every page it names (`app_path` fails when one is
missing). The AppTest helpers are tests/helpers.py's (`new_app`, `submit_signin`, `signed_in`).

AppTest treats every run as the first run of a fresh server, and with a pages/ folder next to
app.py a fresh server runs a requested page by the old auto-discovery, without app.py. A real
server does that only until st.navigation has been called once; `steady_server` makes every
run go through app.py as it does then. `fresh_server` tests keep AppTest's behaviour.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import accounts, proxy, store, throttle
from analytics import audit as audit_log
from analytics.access import User
from analytics.i18n import t
from analytics.model import Filters, Scope, Task
from tests.helpers import AGENCIES, APP, PW, new_app, signed_in, submit_signin
from ui import audit_panel
from ui import auth as ui_auth
from ui import request as ui_request

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 8, 28)
LEADS = {"t1": "mof", "t2": "mof", "t3": "p01", "t4": "p01", "t5": "most"}
USERS = {
    "root": ("admin", ()),
    "ed": ("agency_editor", ("mof",)),
    "boss": ("leader", ()),
    "hn": ("agency_viewer", ("p01",)),
    "tc": ("agency_viewer", ("mof",)),
}


def _pages_in_router() -> list[str]:
    from ui import navigation

    return [e.script for e in navigation.PAGES]


@pytest.fixture(scope="session")
def app_path() -> str:
    """The router, once every page it names is there (a missing page fails, never a stub)."""
    pages = _pages_in_router()
    assert "pages/admin.py" in pages
    missing = [p for p in pages if not (ROOT / p).is_file()]
    assert not missing, f"app.py names pages that are missing: {missing}"
    return APP


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("TASKS_DB", str(path))
    tasks = [
        Task(
            task_id=tid,
            title=f"Nhiệm vụ {tid}",
            lead_ids=(lead,),
            lead_text=lead,
            deadline=dt.date(2025, 9, 30),
            deadline_text="30/09/2025",
            deadline_kind="date",
            status_class="in_progress_on_time",
            row=5 + i,
            sheet="Sheet1",
        )
        for i, (tid, lead) in enumerate(LEADS.items(), 1)
    ]
    store.commit_snapshot(
        path,
        source="NQ71",
        as_of=AS_OF,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=b"tiny store",
        file_name="tiny.xlsx",
        user="tester",
    )
    for name, (role, agencies) in USERS.items():
        accounts.add_user(path, name, role, password=PW, agency_ids=agencies)
    return path


@pytest.fixture
def nav(monkeypatch):
    """The visible pages app.py handed to st.navigation (url paths)."""
    seen: list[list[str]] = []
    original = st.navigation

    def spy(pages, *args, **kwargs):
        if kwargs.get("position") != "hidden":  # ui.auth.stop(): the empty sign-in navigation
            seen.append([p.url_path for p in pages if p.visibility != "hidden"])
        return original(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)
    return seen


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def rows_received(at: AppTest) -> set[str]:
    """The task ids the page gets for this session's view (the data layer applies the scope)."""
    from ui import data

    view = at.session_state["_view"]
    return set(data.tasks(view.as_of, view.filters, view.scope)["task_id"])


def audit(db, **kw):
    return audit_log.read(db, **kw)


GUEST_PAGES = ["briefing", "agency", "workload", "trends", "data"]


# --------------------------------------------------------------------------- guests


def test_guest_on_this_machine_sees_pages_but_no_upload_or_admin(app_path, db, nav):
    at = new_app(app_path).run()
    assert not at.exception
    assert nav[-1] == GUEST_PAGES
    assert "auth_user" not in at.session_state
    assert at.text_input(key="signin_user") is not None  # the sign-in form is offered
    assert at.session_state["_view"].scope == Scope.everything()
    assert rows_received(at) == set(LEADS)


def test_guest_cannot_open_admin_or_upload(app_path, db):
    at = new_app(app_path).run()
    for page in ("pages/admin.py", "pages/upload.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_guest_deep_link_to_admin_on_a_fresh_server_runs_nothing(app_path, db, fresh_server):
    # a fresh server with a pages/ folder runs a deep-linked page before st.navigation exists
    at = new_app(app_path)
    at.switch_page("pages/admin.py")
    at.run()
    assert not at.exception
    assert texts(at, "error") == [t("auth.denied", "vi")]
    assert not at.dataframe and not at.text_input
    denied = audit(db, actions=["permission_denied"])
    assert list(denied["username"]) == ["anonymous"] and list(denied["target"]) == ["page_admin"]


@pytest.mark.parametrize("guest", [None, "0", "", "yes"], ids=["unset", "0", "empty", "yes"])
def test_no_guest_unless_the_demo_turns_it_on(app_path, db, nav, monkeypatch, guest):
    # only `make run` (TASKS_GUEST=1) shows the guest view; by default visitors must sign in
    if guest is None:
        monkeypatch.delenv("TASKS_GUEST")
    else:
        monkeypatch.setenv("TASKS_GUEST", guest)
    at = new_app(app_path).run()
    assert not at.exception
    assert nav == []  # stopped before navigation: no page, no data
    assert "_view" not in at.session_state
    assert t("auth.must_signin", "vi") in texts(at, "info")
    submit_signin(at, "boss", PW)
    assert nav[-1] == GUEST_PAGES
    assert rows_received(at) == set(LEADS)


@pytest.mark.parametrize(
    "remote",
    [
        {"client_ip": lambda: "203.0.113.9"},
        {"headers": lambda: {"X-Forwarded-For": ["198.51.100.7"]}},
        {"headers": lambda: {"Via": ["1.1 proxy"]}},
        {"server_address": lambda: ""},  # listening on every interface
        {"server_address": lambda: "unix:/run/tasks.sock"},
        {"env": ("TASKS_TRUSTED_SECRET", "s" * 32)},  # a proxy is configured
    ],
    ids=["remote address", "through a proxy", "via", "all interfaces", "socket", "secret set"],
)
def test_no_guest_from_another_machine_or_behind_a_proxy(app_path, db, nav, monkeypatch, remote):
    for name, fn in remote.items():
        if name == "env":
            monkeypatch.setenv(*fn)
        else:
            monkeypatch.setattr(ui_request, name, fn)
    at = new_app(app_path).run()
    assert not at.exception
    assert nav == []
    assert t("auth.must_signin", "vi") in texts(at, "info")


# --------------------------------------------------------------------------- local sign-in


@pytest.mark.parametrize(
    ("username", "pages"),
    [
        ("root", [*GUEST_PAGES, "my_tasks", "review", "upload", "admin"]),
        ("ed", [*GUEST_PAGES, "my_tasks", "upload"]),
        ("boss", GUEST_PAGES),
        ("hn", GUEST_PAGES),
    ],
)
def test_each_role_gets_its_pages(app_path, db, nav, username, pages):
    at = signed_in(username, app=app_path)
    assert not at.exception
    assert nav[-1] == pages
    assert at.button(key="signout") is not None
    ok = audit(db, actions=["signin"], username=username)
    assert list(ok["outcome"]) == ["ok"]


def test_admin_signs_in_and_uses_the_admin_page(app_path, db, nav):
    at = signed_in("root", app=app_path)
    assert "admin" in nav[-1]
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    assert texts(at, "title")[-1] == "Quản trị"
    # add an agency viewer; the generated password is shown once
    at.text_input(key="admin_add_username").input("new.viewer@hanoi.gov.vn")
    at.selectbox(key="admin_add_role").select("agency_viewer")
    at.multiselect(key="admin_add_agencies").select("p01")
    [b for b in at.button if b.form_id == "admin_add"][0].click()
    at.run()
    assert not at.exception
    assert not texts(at, "error")
    password = at.code[0].value
    assert accounts.verify_password(db, "new.viewer@hanoi.gov.vn", password).agency_ids == ("p01",)
    # disable the editor
    at.selectbox(key="admin_pick").select("ed").run()
    at.button(key="admin_toggle").click().run()
    assert accounts.get_user(db, "ed") is None
    # the admin cannot disable their own account
    at.selectbox(key="admin_pick").select("root").run()
    at.button(key="admin_toggle").click().run()
    assert accounts.get_user(db, "root") is not None
    assert texts(at, "error")
    log = audit(db)
    assert {"user_add", "user_disable"} <= set(log.loc[log["username"] == "root", "action"])
    assert "refused" in set(log.loc[log["action"] == "user_disable", "outcome"])
    # the audit log is on the page, with downloads
    action = t("audit_column.action", "vi")  # the log as people read it (audit.for_people)
    assert any(len(df.value) and action in df.value.columns for df in at.dataframe)
    assert {b.label for b in at.get("download_button")} >= {"Tải Excel", "Tải CSV"}


def test_agency_viewer_cannot_widen_scope_by_url(app_path, db):
    at = signed_in("hn", app=app_path, query={"agency": "mof"})  # ?agency=<another agency>
    assert not at.exception
    view = at.session_state["_view"]
    assert view.scope == Scope.agencies(["p01"])
    assert view.filters.agency_ids == ()  # the URL's agency was dropped, not applied
    # one agency in scope: no lead-agency choice in the sidebar ("all" would be that one)
    assert "agency" not in [s.key for s in at.sidebar.selectbox]
    assert rows_received(at) == {"t3", "t4"}
    assert "mof" not in at.query_params.get("agency", [])


def test_agency_viewer_page_data_is_scoped(app_path, db):
    at = signed_in("hn", app=app_path)
    assert rows_received(at) == {"t3", "t4"}


def test_two_scopes_on_the_same_page_get_their_own_rows(app_path, db):
    hn = signed_in("hn", app=app_path)
    tc = signed_in("tc", app=app_path)
    assert rows_received(hn) == {"t3", "t4"}
    assert rows_received(tc) == {"t1", "t2"}
    hn.run()  # the cache now holds both: each still gets its own
    assert rows_received(hn) == {"t3", "t4"}
    from ui import data

    filters = Filters()
    assert set(data.tasks(AS_OF, filters, Scope.agencies(["p01"]))["task_id"]) == {"t3", "t4"}
    assert set(data.tasks(AS_OF, filters, Scope.agencies(["mof"]))["task_id"]) == {"t1", "t2"}


def test_disabled_user_loses_access_on_the_next_rerun(app_path, db, nav):
    at = signed_in("ed", app=app_path)
    assert "upload" in nav[-1]
    accounts.disable_user(db, "ed", by="root")
    at.run()
    assert not at.exception
    assert "auth_user" not in at.session_state
    assert t("auth.session_ended", "vi") in texts(at, "warning")
    assert nav[-1] == GUEST_PAGES
    ended = audit(db, actions=["session_end"])
    assert list(ended["target"]) == ["ed"]
    # and cannot sign in again
    submit_signin(at, "ed", PW)
    assert "auth_user" not in at.session_state


def test_role_change_takes_effect_at_once(app_path, db, nav):
    at = signed_in("boss", app=app_path)
    assert "upload" not in nav[-1]
    accounts.set_role(db, "boss", "agency_editor", agency_ids=["most"], by="root")
    at.run()
    assert "upload" in nav[-1]


def test_wrong_password_six_times_locks(app_path, db):
    at = new_app(app_path).run()
    for _ in range(6):
        submit_signin(at, "ed", "not-the-password")
    assert not at.exception
    assert "auth_user" not in at.session_state
    locked = t("auth.locked", "vi", minutes=15)
    assert locked in texts(at, "error")
    # even the right password is refused now
    submit_signin(at, "ed", PW)
    assert "auth_user" not in at.session_state
    assert locked in texts(at, "error")
    log = audit(db, username="ed")
    assert "signin_lockout" in set(log["action"])
    assert {"failure", "locked"} <= set(log["outcome"])


ATTACKER = "203.0.113.66"


def lock_out(db, username: str, client: str) -> None:
    """Five quick wrong passwords for `username` from `client` (tries while waiting count)."""
    for _ in range(throttle.MAX_FAILURES):
        with contextlib.suppress(accounts.Locked):
            accounts.verify_password(db, username, "not-the-password", client=client)
    assert throttle.retry_after(db, username, client=client)[1] == "locked"


def test_a_lockout_from_this_machine_leaves_another_address_signing_in(
    app_path, db, nav, monkeypatch
):
    at = new_app(app_path).run()
    for _ in range(6):
        submit_signin(at, "root", "not-the-password")
    assert t("auth.locked", "vi", minutes=15) in texts(at, "error")
    # the real admin, from their own machine: no guest there, the sign-in form, and it works
    monkeypatch.setattr(ui_request, "client_ip", lambda: "198.51.100.7")
    nav.clear()
    at = new_app(app_path).run()
    assert nav == []
    submit_signin(at, "root", PW)
    assert at.session_state["auth_user"] == "root"
    assert "admin" in nav[-1]
    ok = audit(db, actions=["signin"], username="root")
    assert json.loads(ok["details"][0])["client"] == "198.51.100.7"
    assert ok["outcome"][0] == "ok"


def lockouts_table(at: AppTest):
    (table,) = [df.value for df in at.dataframe if "Địa chỉ máy" in df.value.columns]
    return table


def test_admin_page_lists_lockouts_and_unlocking_clears_one(app_path, db):
    lock_out(db, "root", ATTACKER)
    for i in range(throttle.CLIENT_MAX_FAILURES):  # another address tries many names
        accounts.verify_password(db, f"guess{i}", "not-the-password", client="192.0.2.9")
    at = signed_in("root", app=app_path)  # from this machine: not locked
    at.switch_page("pages/admin.py").run()
    assert not at.exception and not texts(at, "error")
    told = ui_auth.esc(f"root ({ATTACKER})")
    assert any(told in w for w in texts(at, "warning"))  # told at the top, whatever the tab
    table = lockouts_table(at)
    assert table.values[:, [0, 2, 5]].tolist() == [
        ["root", ATTACKER, throttle.MAX_FAILURES],
        ["(mọi tài khoản)", "192.0.2.9", throttle.CLIENT_MAX_FAILURES],
    ]
    assert table["Vai trò"].tolist() == ["Quản trị viên", "(không có tài khoản)"]
    at.button(key=f"admin_lockout_unlock__root__{ATTACKER}").click().run()
    assert not at.exception and not texts(at, "error")
    done = f"Đã mở khoá đăng nhập cho root từ {ui_auth.esc(ATTACKER)}."
    assert done in texts(at, "success")
    assert throttle.lockouts(db)["client"].tolist() == ["192.0.2.9"]
    assert lockouts_table(at).shape[0] == 1
    assert not any(told in w for w in texts(at, "warning"))
    assert accounts.verify_password(db, "root", PW, client=ATTACKER).username == "root"
    unlock = audit(db, actions=["user_unlock"]).iloc[0]
    assert (unlock["username"], unlock["target"]) == ("root", "root")
    assert json.loads(unlock["details"]) == {"lockouts": 1, "client": ATTACKER}
    lockout = audit(db, actions=["signin_lockout"])
    assert set(lockout["target"]) == {"root", throttle.EVERY_USER}


def test_wrong_password_message_in_english(app_path, db):
    at = new_app(app_path, query={"lang": "en"}).run()
    submit_signin(at, "ed", "not-the-password")
    assert "Wrong username or password." in texts(at, "error")
    assert not at.exception


def test_sign_out(app_path, db, nav):
    at = signed_in("root", app=app_path)
    at.button(key="signout").click().run()
    assert not at.exception
    assert "auth_user" not in at.session_state
    assert nav[-1] == GUEST_PAGES
    assert list(audit(db, actions=["signout"])["username"]) == ["root"]


def test_hostile_username_is_inert(app_path, db):
    at = new_app(app_path).run()
    submit_signin(at, "<img src=x onerror=alert(1)>", "x" * 1000)
    assert not at.exception
    assert "auth_user" not in at.session_state
    assert t("auth.wrong", "vi") in texts(at, "error"), (
        texts(at, "warning"),
        texts(at, "error"),
    )
    row = audit(db, actions=["signin"]).iloc[0]
    assert row["username"] == "<img src=x onerror=alert(1)>" and row["outcome"] == "failure"


# --------------------------------------------------------------------------- OIDC and proxy header


def oidc_app(app_path, user: dict) -> AppTest:
    at = new_app(app_path)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "s" * 32,
        "client_id": "dash",
        "client_secret": "x",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
    at.user = user
    return at


def test_oidc_user_gets_role_from_the_table(app_path, db, nav):
    accounts.add_user(db, "leader@chinhphu.vn", "leader", password=PW)
    at = oidc_app(app_path, {"is_logged_in": True, "email": "Leader@ChinhPhu.vn"}).run()
    assert not at.exception
    assert nav[-1] == GUEST_PAGES
    log = audit(db, actions=["signin"])
    assert list(log["username"]) == ["leader@chinhphu.vn"]
    assert '"oidc"' in log["details"][0]


def test_oidc_unknown_user_is_not_authorised(app_path, db, nav):
    at = oidc_app(app_path, {"is_logged_in": True, "email": "stranger@example.com"}).run()
    assert not at.exception
    assert nav == []
    assert any("stranger" in e for e in texts(at, "error"))
    denied = audit(db, actions=["permission_denied"])
    assert list(denied["username"]) == ["stranger@example.com"]


def test_oidc_anonymous_on_this_machine_is_a_guest_with_a_login_button(app_path, db, nav):
    at = oidc_app(app_path, {"is_logged_in": False}).run()
    assert not at.exception
    assert nav[-1] == GUEST_PAGES
    assert at.button(key="signin_oidc") is not None


@pytest.fixture
def loopback_server():
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", before)


SECRET = "proxy-shared-secret-0123456789"


def behind_proxy(monkeypatch, headers: dict, secret: str | None = SECRET) -> None:
    """TASKS_TRUSTED_HEADER=X-Remote-User (and the secret, unless None); requests with `headers`."""
    monkeypatch.setenv("TASKS_TRUSTED_HEADER", "X-Remote-User")
    if secret is not None:
        monkeypatch.setenv("TASKS_TRUSTED_SECRET", secret)
    monkeypatch.setattr(ui_request, "headers", lambda: headers)


def test_trusted_header_on_loopback(app_path, db, nav, monkeypatch, loopback_server):
    behind_proxy(monkeypatch, {"X-Remote-User": "hn", "X-Proxy-Secret": SECRET})
    at = new_app(app_path).run()
    assert not at.exception
    assert nav[-1] == GUEST_PAGES
    assert at.session_state["_view"].scope == Scope.agencies(["p01"])
    assert rows_received(at) == {"t3", "t4"}


def test_trusted_header_secret_in_secrets_toml_and_its_header_configurable(
    app_path, db, nav, monkeypatch
):
    monkeypatch.setenv("TASKS_TRUSTED_SECRET_HEADER", "X-Gateway-Key")
    behind_proxy(monkeypatch, {"X-Remote-User": "hn", "X-Gateway-Key": SECRET}, secret=None)
    at = new_app(app_path)
    at.secrets["TASKS_TRUSTED_SECRET"] = SECRET
    at.run()
    assert not at.exception
    assert nav[-1] == GUEST_PAGES
    assert at.session_state["_view"].scope == Scope.agencies(["p01"])


@pytest.mark.parametrize(
    ("secret", "sent"),
    [(None, SECRET), (SECRET, None), (SECRET, SECRET + "x"), ("short", "short")],
    ids=["no secret configured", "none sent", "wrong secret", "too short"],
)
def test_trusted_header_without_the_secret_shows_the_sign_in_screen(
    app_path, db, nav, monkeypatch, caplog, secret, sent
):
    headers = {"X-Remote-User": "root", **({"X-Proxy-Secret": sent} if sent else {})}
    behind_proxy(monkeypatch, headers, secret=secret)
    with caplog.at_level("ERROR", logger="dashboard.auth"):
        at = new_app(app_path).run()
    assert not at.exception
    assert nav == []  # nothing shown, no guest
    assert "_view" not in at.session_state
    assert t("auth.must_signin", "vi") in texts(at, "info")
    assert at.text_input(key="signin_user") is not None
    assert any("refused" in r.getMessage() for r in caplog.records)
    assert audit(db, actions=["signin"]).empty  # root was not signed in by the header
    denied = audit(db, actions=["permission_denied"])
    if secret and len(secret) >= proxy.MIN_SECRET:  # a request naming a user got past the proxy
        assert json.loads(denied["details"][0]) == {
            "method": "header",
            "reason": "bad_secret",
            "claimed": "root",
            "source": "local",
        }
    else:  # a setting is wrong: the log says so
        assert denied.empty
    # the password form still works
    submit_signin(at, "boss", PW)
    assert nav[-1] == GUEST_PAGES


def test_trusted_header_unknown_or_missing_user(app_path, db, nav, monkeypatch, loopback_server):
    behind_proxy(monkeypatch, {"X-Remote-User": "intruder", "X-Proxy-Secret": SECRET})
    at = new_app(app_path).run()
    assert nav == [] and not at.exception
    behind_proxy(monkeypatch, {"X-Proxy-Secret": SECRET})
    at = new_app(app_path).run()
    assert nav == [] and not at.exception  # no guest behind the proxy
    assert t("auth.proxy_missing", "vi") in texts(at, "warning")


def test_trusted_header_refused_unless_bound_to_loopback(app_path, db, nav, monkeypatch):
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        behind_proxy(monkeypatch, {"X-Remote-User": "root", "X-Proxy-Secret": SECRET})
        at = new_app(app_path).run()
    finally:
        config.set_option("server.address", before)
    assert nav == [] and not at.exception
    assert t("auth.misconfigured", "vi") in texts(at, "error")


# --------------------------------------------------------------------------- helpers for pages


def test_recorded_export_writes_the_audit_row(db):
    u = User("tc", "agency_viewer", agency_ids=("mof",))
    produce = audit_panel.recorded(
        "tasks", lambda: b"a,b\n1,2\n", "csv", rows=1, details={"as_of": "2025-08-28"}, who=u
    )
    assert produce() == b"a,b\n1,2\n"
    row = audit(db, actions=["export"]).iloc[0]
    assert row["username"] == "tc" and row["target"] == "tasks"
    assert '"scope": ["mof"]' in row["details"] and '"bytes": 8' in row["details"]


UPLOAD_CHECK = """
import streamlit as st
from analytics.access import User
from ui import auth

u = User(st.session_state["who"], st.session_state["role"], agency_ids=("mof",))
ok = auth.require_agencies(u, st.session_state["leads"], "f.xlsx", {"sha256": "ab"})
st.write("OK" if ok else "REFUSED")
"""


@pytest.mark.parametrize(
    ("role", "leads", "ok", "refused"),
    [
        ("agency_editor", ["mof"], True, None),
        ("agency_editor", ["mof", "p01", "most"], False, ["most", "p01"]),
        ("admin", ["mof", "p01"], True, None),
        ("leader", ["mof"], False, ["mof"]),
    ],
)
def test_upload_of_other_agencies_tasks_is_refused_naming_them(db, role, leads, ok, refused):
    at = AppTest.from_string(UPLOAD_CHECK, default_timeout=30)
    at.session_state["who"], at.session_state["role"] = "ed", role
    at.session_state["leads"] = leads
    at.run()
    assert not at.exception
    assert at.markdown[-1].value == ("OK" if ok else "REFUSED")
    denied = audit(db, actions=["permission_denied"])
    if ok:
        assert denied.empty
        return
    assert json.loads(denied["details"][0])["refused_agencies"] == refused
    assert denied["target"][0] == "f.xlsx"
    if role == "agency_editor":  # the message names the agencies
        assert "Bộ Khoa học và Công nghệ" in at.error[0].value and "Hà Nội" in at.error[0].value
    else:
        assert at.error[0].value == t("auth.denied", "vi")
