"""Sign-in rate limiting per (username, client address), kept in the task store's DuckDB file.

No Streamlit here: `accounts.verify_password` counts every attempt here, the Administration page
lists and clears the lockouts (`lockouts`, `accounts.unlock_user`).

The failures and lockouts are kept in `signin_failures` and `signin_lockouts` (sql/schema.sql):
after a failed attempt the pair's next one must wait (1 s, 2 s, 4 s, 8 s ...); after
`MAX_FAILURES` failures within `WINDOW` that pair is locked for `LOCK`, so a stranger's guesses
never lock the account's owner out from another client; after `CLIENT_MAX_FAILURES` failures
from one client within `WINDOW`, whatever the usernames, that client is locked for every
username. Attempts made while waiting count as failures; attempts made while locked are refused
and recorded, but do not extend the lock. Every attempt and lockout is in the audit log too
('signin', 'signin_lockout').
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from typing import TYPE_CHECKING

from analytics import audit, store

if TYPE_CHECKING:
    import pandas as pd

MAX_FAILURES = 5  # per (username, client) within WINDOW: that pair is locked
CLIENT_MAX_FAILURES = 20  # per client, any usernames, within WINDOW: the client is locked
WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)
BASE_DELAY = 1.0  # seconds after the first failure; doubles with each further failure
MAX_DELAY = 30.0

EVERY_USER = "*"  # a lockout's username when it locks a client for every username
LOCAL_CLIENT = "local"  # the client of a sign-in from this machine, or of unknown origin
LOCKOUT_COLUMNS = ["username", "client", "locked_at", "locked_until", "failures", "role"]


class Locked(Exception):
    """Sign-in refused for now: too many failed attempts. `seconds` until it may be tried."""

    def __init__(self, seconds: float, reason: str = "locked") -> None:
        self.seconds = max(1, math.ceil(seconds))
        self.reason = reason  # 'locked' (lockout) or 'throttled' (waiting between attempts)
        super().__init__(f"sign-in {reason}; retry in {self.seconds} s")


def client_key(address: object) -> str:
    """The client a sign-in is counted against: an IPv4 address, the /64 network of an IPv6
    address (one machine or one home holds a whole /64), or 'local' for this machine and when
    the address is unknown."""
    text = str(address or "").strip()
    if not text or text == LOCAL_CLIENT:
        return LOCAL_CLIENT
    try:
        ip = ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return audit.clip(text, 64) or LOCAL_CLIENT
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return LOCAL_CLIENT
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def signin_name(username: object) -> str:
    """The username a sign-in is counted under (normalised, at most 256 characters)."""
    return audit.clip(audit.normalize_username(username), 256) or ""


def state(con, name: str, client: str, now: dt.datetime):
    """(the pair's failures that count now, the last one's time, the client's failures for any
    username, the end of a lockout in force for the pair or the whole client, or None)."""
    return con.execute(
        store.sql("signin_state"),
        {"username": name, "client": client, "since": now - WINDOW, "now": now},
    ).fetchone()


def wait(n: int, last, locked_until, now: dt.datetime) -> tuple[float, str] | None:
    """(seconds, 'locked' | 'throttled') to wait before the pair's next attempt, or None."""
    if locked_until is not None and locked_until > now:
        return (locked_until - now).total_seconds(), "locked"
    if not n or last is None:
        return None
    if n >= MAX_FAILURES:  # a lockout that was not written down (should not happen)
        left = (last + LOCK - now).total_seconds()
        return (left, "locked") if left > 0 else None
    delay = min(BASE_DELAY * 2 ** (n - 1), MAX_DELAY)
    left = (last + dt.timedelta(seconds=delay) - now).total_seconds()
    return (left, "throttled") if left > 0 else None


def retry_after(
    db, username: str, now: dt.datetime | None = None, client: str | None = None
) -> tuple[float, str] | None:
    """(seconds, 'locked'|'throttled') when a sign-in for `username` from `client` would be
    refused now."""
    name = signin_name(username)
    now = now or audit.now()
    with store.connect(db) as con:
        n, last, _, locked_until = state(con, name, client_key(client), now)
    return wait(n, last, locked_until, now)


def record_failure(con, name: str, client: str, outcome: str, now: dt.datetime) -> None:
    """Count a failed attempt of the pair (outcome: failure | throttled); older ones go."""
    con.execute("delete from signin_failures where ts <= ?", [now - WINDOW])
    con.execute(
        "insert into signin_failures (username, client, ts, outcome) values (?, ?, ?, ?)",
        [name, client, now, outcome],
    )


def count_refused(con, name: str, client: str, now: dt.datetime) -> None:
    """An attempt refused during a lockout: counted on the lockout, not extending it."""
    con.execute(
        store.sql("signin_lockout_refused"),
        {"username": name, "client": client, "every_user": EVERY_USER, "now": now},
    )


def lock_if_due(con, name: str, client: str, now: dt.datetime) -> float | None:
    """Lock the pair, or the whole client, when its failures have reached the limit (and no
    lockout is in force for it yet): the row, and a 'signin_lockout' audit row. Returns the
    seconds of the lock, or None."""
    n, _, client_n, locked_until = state(con, name, client, now)
    if locked_until is not None:
        return None
    if client_n >= CLIENT_MAX_FAILURES:
        who, failures = EVERY_USER, client_n
    elif n >= MAX_FAILURES:
        who, failures = name, n
    else:
        return None
    con.execute("delete from signin_lockouts where locked_until < ?", [now - dt.timedelta(days=1)])
    con.execute(
        "insert into signin_lockouts (username, client, locked_at, locked_until, failures) "
        "values (?, ?, ?, ?, ?)",
        [who, client, now, now + LOCK, failures],
    )
    audit.append(
        con,
        name,
        "signin_lockout",
        who,
        {"failures": failures, "locked_for_s": int(LOCK.total_seconds()), "client": client},
        "locked",
        now,
    )
    return LOCK.total_seconds()


def clear(con, name: str, client: str | None, by: str | None, now: dt.datetime) -> int:
    """End the lockouts in force of `name` (from `client`, or from every client) and forget the
    pair's failures. Returns the number of lockouts ended."""
    ended = con.execute(
        store.sql("signin_lockout_clear"),
        {"username": name, "client": client, "now": now, "by": audit.clip(by, 256)},
    ).fetchall()
    con.execute(
        "delete from signin_failures where username = $u and ($c is null or client = $c)",
        {"u": name, "c": client},
    )
    return len(ended)


def lockouts(db, now: dt.datetime | None = None) -> pd.DataFrame:
    """The sign-in lockouts in force, admin accounts first: username ('*': every username from
    that client), client, locked_at, locked_until, failures, role ('' when no such account);
    the columns of LOCKOUT_COLUMNS."""
    with store.connect(db) as con:
        return con.execute(store.sql("signin_lockouts"), {"now": now or audit.now()}).df()
