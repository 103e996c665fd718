"""Server-side sign-in sessions: a random token in an HttpOnly cookie, kept only as its SHA-256.

A browser that signed in holds `COOKIE` = a token from `secrets.token_urlsafe(32)`; the store
keeps `token_hash(token)` in `user_sessions` with the username, when it started, when it was
last seen and when it ends at the latest. A session ends when it was not seen for
`Settings.idle` (TASKS_SESSION_IDLE_HOURS, 8 by default), at its `expires_at` (created +
TASKS_SESSION_MAX_DAYS, 7 by default), at sign-out, and when the account's password is changed
or the account is disabled (`revoke_user`, called by analytics/accounts.py in the same
transaction). Every start, resume and end is in the audit log (session_start, session_resume,
session_end). Nothing lives in the process: several servers sharing one store agree.

The cookie is set by an HTTP route, not by the Streamlit script (which cannot send headers):
after a password sign-in the script makes a one-time `handoff` code (a row of its own, client
'handoff', valid `HANDOFF_SECONDS`) and sends the browser to ui/session_route.py, which trades
the code for a session (`exchange`) and sets the cookie. A stolen hash opens nothing: `resume`
hashes what it is given.

No Streamlit here; the time is `audit.now()` (tests set a clock there).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import secrets
from dataclasses import dataclass

from analytics import audit, store

log = logging.getLogger("analytics.sessions")

COOKIE = "tasks_session"
HANDOFF = "handoff"  # the client of a one-time code row: never resumed as a session
HANDOFF_SECONDS = 30  # the redirect follows at once; short, as the code is in a URL for a moment
TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen_at is written at most this often
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,128}")


@dataclass(frozen=True)
class Settings:
    idle: dt.timedelta = dt.timedelta(hours=8)
    max_age: dt.timedelta = dt.timedelta(days=7)


def _positive(env, name: str, default: float) -> float:
    raw = str(env.get(name, "") or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value <= 0:
        log.error("%s=%r is not a positive number: using %s", name, raw, default)
        return default
    return value


def settings(env=None) -> Settings:
    """The expiries from the environment (TASKS_SESSION_IDLE_HOURS, TASKS_SESSION_MAX_DAYS)."""
    env = os.environ if env is None else env
    return Settings(
        idle=dt.timedelta(hours=_positive(env, "TASKS_SESSION_IDLE_HOURS", 8)),
        max_age=dt.timedelta(days=_positive(env, "TASKS_SESSION_MAX_DAYS", 7)),
    )


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def well_formed(token: object) -> bool:
    return isinstance(token, str) and _TOKEN_SHAPE.fullmatch(token) is not None


def _insert(
    con, username: str, client: str, now: dt.datetime, expires: dt.datetime, bound: str = ""
) -> str:
    """A new row; returns its token. `bound` (a handoff code's browser) is hashed with the token,
    so the code opens nothing presented from another browser."""
    token = new_token()
    prune(con, now)
    con.execute(
        "insert into user_sessions values (?, ?, ?, ?, ?, null, ?)",
        [token_hash(token + bound), username, now, now, expires, client],
    )
    return token


KEEP_ENDED = dt.timedelta(days=30)
"""How long an ended session's row stays (its start and end are in the audit log for good)."""


def prune(con, now: dt.datetime) -> int:
    """Delete the rows of sessions and codes that ended (revoked or past their absolute expiry)
    more than KEEP_ENDED ago, inside the caller's transaction; the number deleted."""
    before = now - KEEP_ENDED
    return con.execute(
        "delete from user_sessions where coalesce(revoked_at, expires_at) < ?", [before]
    ).fetchone()[0]


XSRF_COOKIE = "_streamlit_xsrf"
"""Streamlit's own per-browser cookie ("2|mask|masked token|time"): a handoff code is bound to it."""
_XSRF_SHAPE = re.compile(r"2\|([0-9a-f]{8})\|([0-9a-f]{32,128})\|[0-9]{1,12}")


def browser_binding(cookie: object) -> str | None:
    """What ties a handoff code to the browser that signed in: Streamlit's XSRF cookie's token,
    unmasked (the mask changes on every page load, the token not), or None without one.

    Without it a code taken from one's own sign-in could sign another person's browser in as
    oneself (login CSRF): the code is refused unless the browser that brings it is the one that
    asked for it."""
    found = _XSRF_SHAPE.fullmatch(cookie) if isinstance(cookie, str) else None
    if found is None:
        return None
    mask, masked = bytes.fromhex(found[1]), bytes.fromhex(found[2])
    token = bytes(b ^ mask[i % 4] for i, b in enumerate(masked))
    return "|" + hashlib.sha256(token).hexdigest()


def start(db, username: str, client: str | None = None, conf: Settings | None = None) -> str:
    """A new session for `username` (already authenticated); returns its token (for the cookie)."""
    conf = conf or settings()
    now = audit.now()
    name = audit.normalize_username(username)
    with audit.writing(db) as con:
        token = _insert(con, name, client or "local", now, now + conf.max_age)
        audit.append(con, name, "session_start", None, {"client": client or "local"}, "ok", now)
    return token


def handoff(db, username: str, binding: str) -> str:
    """A one-time code (valid HANDOFF_SECONDS) that ui/session_route.py trades for a session,
    only from the browser of `binding` (browser_binding)."""
    if not binding:
        raise ValueError("a handoff code needs the browser it is for")
    now = audit.now()
    name = audit.normalize_username(username)
    expires = now + dt.timedelta(seconds=HANDOFF_SECONDS)
    with store._write_lock, store.connect(db) as con:
        return _insert(con, name, HANDOFF, now, expires, bound=binding)


def exchange(
    db,
    code: object,
    client: str | None = None,
    conf: Settings | None = None,
    binding: str | None = None,
):
    """Trade a handoff code for a new session: (username, token), or None when the code is
    unknown, used, expired or brought by another browser than the one it was made for
    (`binding`, browser_binding of the request's cookie). The code is spent once found."""
    if not well_formed(code) or not binding:
        return None
    conf = conf or settings()
    now = audit.now()
    hash_ = token_hash(code + binding)
    with audit.writing(db) as con:
        row = con.execute(
            "select username, expires_at from user_sessions "
            "where token_hash = ? and client = ? and revoked_at is null",
            [hash_, HANDOFF],
        ).fetchone()
        if row is None:
            return None
        con.execute("update user_sessions set revoked_at = ? where token_hash = ?", [now, hash_])
        if now >= row[1]:
            return None
        token = _insert(con, row[0], client or "local", now, now + conf.max_age)
        details = {"client": client or "local", "via": "signin"}
        audit.append(con, row[0], "session_start", None, details, "ok", now)
    return row[0], token


def _ended(row, now: dt.datetime, conf: Settings) -> str | None:
    """Why the session (last_seen_at, expires_at, revoked_at) is over, or None if it is live."""
    last_seen, expires, revoked = row
    if revoked is not None:
        return "revoked"
    if now >= expires:
        return "expired_absolute"
    if now - last_seen > conf.idle:
        return "expired_idle"
    return None


def _end(con, hash_: str, username: str, reason: str, now: dt.datetime, outcome: str) -> None:
    con.execute(
        "update user_sessions set revoked_at = ? where token_hash = ? and revoked_at is null",
        [now, hash_],
    )
    audit.append(con, username, "session_end", None, {"reason": reason}, outcome, now)


def check(
    db,
    hash_: str,
    *,
    resume: bool = False,
    client: str | None = None,
    conf: Settings | None = None,
) -> str | None:
    """The username of the live session with this token hash, else None (an expiry found here
    ends the session and is recorded once). `resume`: a new browser tab or a reload presents
    the cookie (recorded as session_resume); otherwise a rerun of a running page (last_seen_at
    written at most every TOUCH_EVERY, nothing recorded)."""
    conf = conf or settings()
    now = audit.now()
    with store.connect(db) as con:
        row = con.execute(
            "select username, last_seen_at, expires_at, revoked_at from user_sessions "
            "where token_hash = ? and client is distinct from ?",
            [hash_, HANDOFF],
        ).fetchone()
    if row is None:
        return None
    username, why = row[0], _ended(row[1:], now, conf)
    if why == "revoked":
        return None
    if why is None and not resume and now - row[1] < TOUCH_EVERY:
        return username
    with audit.writing(db) as con:
        if why is not None:
            _end(con, hash_, username, why, now, "denied")
            return None
        con.execute("update user_sessions set last_seen_at = ? where token_hash = ?", [now, hash_])
        if resume:
            details = {"client": client or "local"}
            audit.append(con, username, "session_resume", None, details, "ok", now)
    return username


def resume(db, token: object, client: str | None = None, conf: Settings | None = None):
    """The username of the live session the cookie's token opens, else None."""
    if not well_formed(token):
        return None
    return check(db, token_hash(token), resume=True, client=client, conf=conf)


def end(db, hash_: str, reason: str = "signout") -> bool:
    """End one session (sign-out). False when it was not live."""
    now = audit.now()
    with audit.writing(db) as con:
        row = con.execute(
            "select username from user_sessions where token_hash = ? and revoked_at is null",
            [hash_],
        ).fetchone()
        if row is None:
            return False
        _end(con, hash_, row[0], reason, now, "ok")
    return True


def revoke_user(con, username: str, reason: str, now: dt.datetime, by: str | None = None) -> int:
    """End every live session (and handoff code) of `username` inside the caller's transaction
    (password changed, account disabled); recorded once with the number ended."""
    name = audit.normalize_username(username)
    n = con.execute(
        "select count(*) from user_sessions where username = ? and revoked_at is null "
        "and client is distinct from ?",
        [name, HANDOFF],
    ).fetchone()[0]
    con.execute(
        "update user_sessions set revoked_at = ? where username = ? and revoked_at is null",
        [now, name],
    )
    if n:
        details = {"reason": reason, "sessions": int(n), "user": name}
        audit.append(con, by, "session_end", name, details, "ok", now)
    return int(n)
