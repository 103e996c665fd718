"""Server-side sign-in sessions (analytics/sessions.py) and the cookie route (ui/session_route.py)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from analytics import accounts, sessions
from analytics import audit as audit_log
from ui import session_route

PW = "correct horse battery"
CONF = sessions.Settings(idle=dt.timedelta(hours=8), max_age=dt.timedelta(days=7))
# Streamlit's XSRF cookie of one browser, before and after a reload (re-masked), and another's
XSRF = "2|bb4aa9a7|734434928ab753337f5af145fac89646|1796591813"
XSRF_RELOADED = "2|cc2f2fab|0421b29efdd2d53f083f77498dad104a|1796591813"
OTHER_XSRF = "2|01020304|00112233445566778899aabbccddeeff|1796591813"
BROWSER = sessions.browser_binding(XSRF)


@pytest.fixture
def db(tmp_path, fast_hashing):
    path = tmp_path / "s.duckdb"
    accounts.add_user(path, "Alice", "leader", password=PW)
    accounts.add_user(path, "root", "admin", password=PW)
    return path


def events(db, action):
    frame = audit_log.read(db, actions=[action])
    return [
        (u, o, json.loads(d) if d else None)
        for u, o, d in frame[["username", "outcome", "details"]].itertuples(index=False)
    ][::-1]


def rows(db):
    con = duckdb.connect(str(db))
    try:
        return con.execute("select * from user_sessions order by created_at").fetchall()
    finally:
        con.close()


def test_settings_from_the_environment():
    assert sessions.settings({}) == CONF
    got = sessions.settings({"TASKS_SESSION_IDLE_HOURS": "1.5", "TASKS_SESSION_MAX_DAYS": "2"})
    assert got.idle == dt.timedelta(hours=1.5) and got.max_age == dt.timedelta(days=2)
    assert (
        sessions.settings({"TASKS_SESSION_IDLE_HOURS": "-1", "TASKS_SESSION_MAX_DAYS": "x"}) == CONF
    )


def test_start_and_resume_keep_only_the_hash_and_are_audited(db, clock):
    token = sessions.start(db, "Alice", "10.0.0.5", CONF)
    assert sessions.well_formed(token) and len(token) >= 43
    (row,) = rows(db)
    assert row[0] == sessions.token_hash(token) and token not in map(str, row)
    assert row[1] == "alice" and row[4] == clock.now + CONF.max_age and row[6] == "10.0.0.5"
    clock.tick(3600)
    assert sessions.resume(db, token, "10.0.0.6", CONF) == "alice"
    assert rows(db)[0][3] == clock.now  # last seen
    assert events(db, "session_start") == [("alice", "ok", {"client": "10.0.0.5"})]
    assert events(db, "session_resume") == [("alice", "ok", {"client": "10.0.0.6"})]


def test_a_stolen_hash_or_a_made_up_token_opens_nothing(db, clock):
    token = sessions.start(db, "alice", None, CONF)
    stolen = rows(db)[0][0]
    assert sessions.resume(db, stolen, None, CONF) is None  # the hash, used as a cookie
    assert sessions.resume(db, sessions.new_token(), None, CONF) is None
    for bad in ("", "short", "x" * 500, "a b;c" * 10, None, 42):
        assert sessions.resume(db, bad, None, CONF) is None
    assert sessions.resume(db, token, None, CONF) == "alice"


def test_idle_expiry(db, clock):
    token = sessions.start(db, "alice", None, CONF)
    clock.tick(7 * 3600)
    assert sessions.resume(db, token, None, CONF) == "alice"  # seen: the idle clock restarts
    clock.tick(8 * 3600 + 1)
    assert sessions.resume(db, token, None, CONF) is None
    clock.tick(1)
    assert sessions.resume(db, token, None, CONF) is None  # stays ended
    assert events(db, "session_end") == [("alice", "denied", {"reason": "expired_idle"})]


def test_absolute_expiry_however_busy(db, clock):
    token = sessions.start(db, "alice", None, CONF)
    h = sessions.token_hash(token)
    for _ in range(7 * 24 - 1):
        clock.tick(3600)
        assert sessions.check(db, h, conf=CONF) == "alice"
    clock.tick(3600)
    assert sessions.check(db, h, conf=CONF) is None
    assert events(db, "session_end") == [("alice", "denied", {"reason": "expired_absolute"})]


def test_rerun_checks_write_last_seen_at_most_once_a_minute(db, clock):
    token = sessions.start(db, "alice", None, CONF)
    h = sessions.token_hash(token)
    start = clock.now
    clock.tick(30)
    assert sessions.check(db, h, conf=CONF) == "alice"
    assert rows(db)[0][3] == start
    clock.tick(31)
    assert sessions.check(db, h, conf=CONF) == "alice"
    assert rows(db)[0][3] == clock.now
    assert events(db, "session_resume") == []  # a rerun is not a resume


def test_sign_out_ends_only_that_session(db, clock):
    a = sessions.start(db, "alice", None, CONF)
    b = sessions.start(db, "alice", None, CONF)
    assert sessions.end(db, sessions.token_hash(a)) is True
    assert sessions.end(db, sessions.token_hash(a)) is False
    assert sessions.resume(db, a, None, CONF) is None
    assert sessions.resume(db, b, None, CONF) == "alice"
    assert events(db, "session_end") == [("alice", "ok", {"reason": "signout"})]


def test_password_change_ends_every_session_of_that_user(db, clock):
    a = sessions.start(db, "alice", None, CONF)
    b = sessions.start(db, "alice", None, CONF)
    other = sessions.start(db, "root", None, CONF)
    accounts.set_password(db, "alice", "another good password", by="root")
    assert sessions.resume(db, a, None, CONF) is None
    assert sessions.resume(db, b, None, CONF) is None
    assert sessions.resume(db, other, None, CONF) == "root"
    (ended,) = events(db, "session_end")
    assert ended == ("root", "ok", {"reason": "password_changed", "sessions": 2, "user": "alice"})


def test_disable_ends_every_session_and_enable_does_not_bring_them_back(db, clock):
    a = sessions.start(db, "alice", None, CONF)
    accounts.disable_user(db, "alice", by="root")
    accounts.enable_user(db, "alice", by="root")
    assert sessions.resume(db, a, None, CONF) is None
    (ended,) = events(db, "session_end")
    assert ended[2]["reason"] == "account_disabled"


def test_handoff_code_is_one_time_short_lived_and_never_a_session(db, clock):
    code = sessions.handoff(db, "alice", BROWSER)
    assert sessions.resume(db, code, None, CONF) is None  # a code is not a cookie
    username, token = sessions.exchange(db, code, "10.0.0.5", CONF, binding=BROWSER)
    assert username == "alice" and token != code
    assert sessions.exchange(db, code, None, CONF, binding=BROWSER) is None  # spent
    assert sessions.resume(db, token, None, CONF) == "alice"
    late = sessions.handoff(db, "alice", BROWSER)
    clock.tick(sessions.HANDOFF_SECONDS)
    assert sessions.exchange(db, late, None, CONF, binding=BROWSER) is None
    assert [e[2].get("via") for e in events(db, "session_start")] == ["signin"]


def test_handoff_code_opens_nothing_from_another_browser(db, clock):
    # login CSRF: a code from one's own sign-in, brought by someone else's browser
    code = sessions.handoff(db, "alice", BROWSER)
    other = sessions.browser_binding(OTHER_XSRF)
    assert other is not None and other != BROWSER
    assert sessions.exchange(db, code, None, CONF, binding=other) is None
    assert sessions.exchange(db, code, None, CONF, binding=None) is None
    assert sessions.exchange(db, code, None, CONF) is None
    assert sessions.exchange(db, code, None, CONF, binding=BROWSER)[0] == "alice"
    with pytest.raises(ValueError):
        sessions.handoff(db, "alice", "")


def test_browser_binding_reads_streamlits_masked_xsrf_cookie():
    # one browser's cookie, re-masked on a reload (seen in chromium against serve.py): one binding
    assert sessions.browser_binding(XSRF) == sessions.browser_binding(XSRF_RELOADED) == BROWSER
    assert BROWSER.startswith("|") and len(BROWSER) == 65
    for bad in (None, "", "2|zz|00|1", "1|bb4aa9a7|7344|1", XSRF + "|x", 42):
        assert sessions.browser_binding(bad) is None


def test_password_change_also_spends_waiting_handoff_codes(db, clock):
    code = sessions.handoff(db, "alice", BROWSER)
    accounts.set_password(db, "alice", "another good password", by="root")
    assert sessions.exchange(db, code, None, CONF, binding=BROWSER) is None


# --------------------------------------------------------------------------- the route


class Client:
    """Calls the route handlers with a Starlette request (no HTTP client installed here)."""

    def get(self, path, params=None, headers=None, xsrf=XSRF):
        from urllib.parse import urlencode

        from starlette.requests import Request

        headers = {
            **(headers or {}),
            **({"Cookie": f"{sessions.XSRF_COOKIE}={xsrf}"} if xsrf else {}),
        }

        scope = {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "query_string": urlencode(params or {}).encode(),
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8501),
        }
        handler = {session_route.START: session_route.start, session_route.END: session_route.end}
        return handler[path](Request(scope))


@pytest.fixture
def client(db, monkeypatch):
    monkeypatch.setenv("TASKS_DB", str(db))
    monkeypatch.setattr(session_route, "MOUNTED", False)  # routes() sets it: undone afterwards
    assert [r.path for r in session_route.routes()] == [session_route.START, session_route.END]
    return Client()


def test_route_trades_the_code_for_an_httponly_lax_cookie(db, client, clock):
    code = sessions.handoff(db, "alice", BROWSER)
    r = client.get(session_route.START, params={"code": code, "next": "/upload"})
    assert r.status_code == 303 and r.headers["location"] == "/upload"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie and f"Max-Age={7 * 86400}" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert sessions.resume(db, token, None, CONF) == "alice"
    again = client.get(session_route.START, params={"code": code, "next": "/upload"})
    assert "set-cookie" not in again.headers  # spent


@pytest.mark.parametrize("xsrf", [OTHER_XSRF, None], ids=["another browser", "no cookie"])
def test_route_refuses_a_code_brought_by_another_browser(db, client, clock, xsrf):
    code = sessions.handoff(db, "alice", BROWSER)
    r = client.get(session_route.START, params={"code": code, "next": "/upload"}, xsrf=xsrf)
    assert r.status_code == 303 and "set-cookie" not in r.headers
    assert events(db, "session_start") == []


def test_route_marks_the_cookie_secure_over_https_and_refuses_foreign_targets(db, client, clock):
    code = sessions.handoff(db, "alice", BROWSER)
    r = client.get(
        session_route.START,
        params={"code": code, "next": "//evil.example/x"},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert r.headers["location"] == "/" and "Secure" in r.headers["set-cookie"]
    for bad in ("https://evil.example", "/a/../b", "javascript:alert(1)", "/x?y=1"):
        assert session_route.safe_next(bad) == "/"


def test_end_route_clears_the_cookie(client):
    r = client.get(session_route.END)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "Max-Age=0" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]


def test_rows_of_sessions_ended_long_ago_are_deleted_when_a_new_one_starts(db, clock):
    old = sessions.start(db, "alice", None, CONF)
    sessions.end(db, sessions.token_hash(old))
    live = sessions.start(db, "bob", None, CONF)
    clock.tick(int(sessions.KEEP_ENDED.total_seconds()) + 60)
    sessions.start(db, "carol", None, CONF)  # prunes alice's ended row, not bob's
    with duckdb.connect(str(db), read_only=True) as con:
        names = sorted(r[0] for r in con.execute("select username from user_sessions").fetchall())
    assert names == ["bob", "carol"]
    assert sessions.resume(db, live, None, CONF) is None  # bob's ran past its 7 days: ended
    assert [e[2].get("client") for e in events(db, "session_start")] == ["local"] * 3
