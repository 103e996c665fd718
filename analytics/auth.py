"""Accounts, roles and the audit log, kept in the task store's DuckDB file.

No Streamlit here: the dashboard (ui/auth.py) and the command line (`python -m analytics users`)
both use these functions.

- `users`: one row per account. The role comes from this table on every request, so a change
  (or disabling an account) takes effect at once. Passwords are stored only as argon2id hashes.
- `audit_log`: append only, tamper-evident (analytics/audit.py: a chain keyed outside the
  store, its head anchored outside it; `record`, `read_audit` and `check_audit_chain` here are
  that module's). Nothing in the application changes or removes its rows.
- Sign-in rate limiting is per (username, client address), kept in `signin_failures` and
  `signin_lockouts` (sql/schema.sql): after a failed attempt the pair's next one must wait
  (1 s, 2 s, 4 s, 8 s ...); after `MAX_FAILURES` failures within `WINDOW` that pair is locked
  for `LOCK`, so a stranger's guesses never lock the account's owner out from another client;
  after `CLIENT_MAX_FAILURES` failures from one client within `WINDOW`, whatever the usernames,
  that client is locked for every username. Attempts made while waiting count as failures;
  attempts made while locked are refused and recorded, but do not extend the lock. Every
  attempt and lockout is in the audit log too ('signin', 'signin_lockout').
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import math
import re
import secrets
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from analytics import audit, store
from analytics.access import AGENCY_ROLES, ASSIGNABLE_ROLES, ROLES, User

MAX_FAILURES = 5  # per (username, client) within WINDOW: that pair is locked
CLIENT_MAX_FAILURES = 20  # per client, any usernames, within WINDOW: the client is locked
WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)
BASE_DELAY = 1.0  # seconds after the first failure; doubles with each further failure
MAX_DELAY = 30.0
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # longer inputs are refused without hashing

USERNAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._@+-]{0,126}[a-z0-9])?$")
RESERVED = frozenset({"guest", "sample", "system"})
EVERY_USER = "*"  # a lockout's username when it locks a client for every username
LOCAL_CLIENT = "local"  # the client of a sign-in from this machine, or of unknown origin

AUDIT_COLUMNS = audit.AUDIT_COLUMNS
LOCKOUT_COLUMNS = ["username", "client", "locked_at", "locked_until", "failures", "role"]
USER_COLUMNS = [
    "username",
    "display_name",
    "role",
    "agency_ids",
    "disabled",
    "created_at",
    "updated_at",
]

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)
_dummy_hash: str | None = None
# One sign-in at a time per username (striped locks), so that the check of the recent failures
# and the record of this attempt cannot interleave; different users do not wait for each other.
_signin_locks = tuple(threading.Lock() for _ in range(64))

_DDL = """
create table if not exists users (
    username varchar primary key,
    display_name varchar,
    role varchar not null,
    agency_ids varchar[] not null,
    password_hash varchar,
    disabled boolean not null default false,
    created_at timestamp not null,
    updated_at timestamp not null
);
"""


class AuthError(ValueError):
    """Bad input to an account operation (unknown role or agency, missing user ...)."""


class Locked(Exception):
    """Sign-in refused for now: too many failed attempts. `seconds` until it may be tried."""

    def __init__(self, seconds: float, reason: str = "locked") -> None:
        self.seconds = max(1, math.ceil(seconds))
        self.reason = reason  # 'locked' (lockout) or 'throttled' (waiting between attempts)
        super().__init__(f"sign-in {reason}; retry in {self.seconds} s")


# --------------------------------------------------------------------------- helpers


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _has_tables(con) -> bool:
    n = con.execute(
        "select count(*) from information_schema.tables where table_name in ('users', 'audit_log')"
    ).fetchone()[0]
    return n == 2


def _create_tables(con) -> None:
    if not _has_tables(con):
        con.execute(_DDL)


def normalize_username(username: object) -> str:
    return str(username or "").strip().lower()


def _valid_username(username: str) -> str:
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise AuthError(
            "A username is 1-128 characters: letters, digits and . _ @ + - "
            f"(not {str(username)[:40]!r})."
        )
    if name in RESERVED:
        raise AuthError(f"The username {name!r} is reserved.")
    return name


def _valid_role(role: object) -> str:
    if role not in ASSIGNABLE_ROLES:
        raise AuthError(f"Unknown role {role!r}; one of: {', '.join(ASSIGNABLE_ROLES)}.")
    return str(role)


def known_agencies() -> dict[str, object]:
    """Agency id → Agency for every agency in the reference lists."""
    from analytics.agencies import default_resolver

    return {a.id: a for a in default_resolver().all()}


def _valid_agencies(role: str, agency_ids: Iterable[str] | None) -> list[str]:
    ids = sorted({str(a).strip() for a in (agency_ids or ()) if str(a).strip()})
    known = known_agencies()
    unknown = [a for a in ids if a not in known]
    if unknown:
        raise AuthError(f"Unknown agency id(s): {', '.join(unknown)}.")
    if role in AGENCY_ROLES and not ids:
        raise AuthError(f"The role {role} needs at least one agency (--agency ID).")
    if role not in AGENCY_ROLES and ids:
        raise AuthError(f"The role {role} is not tied to an agency; give no agencies.")
    return ids


def _valid_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AuthError(f"A password needs at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AuthError(f"A password has at most {MAX_PASSWORD} characters.")
    return password


def generate_password() -> str:
    """A random password (about 96 bits), shown once and stored only as a hash."""
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _user_from_row(row, con=None) -> User | None:
    """The account's User; with a connection, an agency role's agencies take in their registered
    units (analytics/agency_units.py): a ministry's editor may update its units' tasks."""
    username, display_name, role, agency_ids, disabled = row
    if disabled or role not in ROLES or role == "guest":
        return None
    ids = tuple(agency_ids or ())
    if con is not None and role in AGENCY_ROLES and ids:
        ids += tuple(u for u in store.units_of(con, ids) if u not in ids)
    return User(
        username=username,
        role=role,
        display_name=display_name or "",
        agency_ids=ids,
    )


_clip = audit.clip


def _append(con, username, action, target=None, details=None, outcome="ok", ts=None) -> None:
    """Append one audit row (the caller holds the write lock and a connection from `_write`)."""
    audit.append(con, username, action, target, details, outcome, ts or _now())


@contextmanager
def _write(db) -> Iterator:
    """The process write lock, a connection, the tables in place; afterwards the audit log's
    head is anchored outside the store (audit.anchoring)."""
    with store._write_lock, store.connect(db) as con:
        _create_tables(con)
        with audit.anchoring(con):
            yield con


def _active_admins(con) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select username from users where role = 'admin' and not disabled order by username"
        ).fetchall()
    ]


def _fetch_user_row(con, username: str):
    return con.execute(
        "select username, display_name, role, agency_ids, disabled, password_hash "
        "from users where username = ?",
        [username],
    ).fetchone()


def _require_row(con, username: str):
    row = _fetch_user_row(con, username)
    if row is None:
        raise AuthError(f"No user {username!r}.")
    return row


def _keeps_an_admin(con, username: str) -> None:
    """Refuse a change that would leave no active administrator."""
    if _active_admins(con) == [username]:
        raise AuthError(
            f"{username!r} is the only active administrator; add another administrator first."
        )


# --------------------------------------------------------------------------- accounts


def add_user(
    db,
    username: str,
    role: str,
    password: str | None = None,
    agency_ids: Iterable[str] = (),
    display_name: str | None = None,
    by: str | None = None,
) -> str | None:
    """Create an account. Returns the generated password when none was given (show it once)."""
    name = _valid_username(username)
    role = _valid_role(role)
    ids = _valid_agencies(role, agency_ids)
    generated = None
    if password is None:
        password = generated = generate_password()
    _valid_password(password)
    display = _clip(display_name.strip(), 200) if display_name and display_name.strip() else None
    pw_hash = hash_password(password)
    now = _now()
    with _write(db) as con:
        if _fetch_user_row(con, name) is not None:
            raise AuthError(f"The user {name!r} already exists.")
        con.execute(
            "insert into users (username, display_name, role, agency_ids, password_hash, disabled, "
            "created_at, updated_at) values (?, ?, ?, ?, ?, false, ?, ?)",
            [name, display, role, ids, pw_hash, now, now],
        )
        _append(
            con,
            by,
            "user_add",
            name,
            {"role": role, "agency_ids": ids, "display_name": display},
            "ok",
            now,
        )
    return generated


def set_role(
    db, username: str, role: str, agency_ids: Iterable[str] | None = None, by: str | None = None
) -> User:
    """Change a user's role (and agencies; None keeps them when the new role needs them)."""
    name = normalize_username(username)
    role = _valid_role(role)
    now = _now()
    with _write(db) as con:
        row = _require_row(con, name)
        if agency_ids is None:
            agency_ids = row[3] if role in AGENCY_ROLES else ()
        ids = _valid_agencies(role, agency_ids)
        if row[2] == "admin" and role != "admin" and not row[4]:
            _keeps_an_admin(con, name)
        con.execute(
            "update users set role = ?, agency_ids = ?, updated_at = ? where username = ?",
            [role, ids, now, name],
        )
        _append(
            con,
            by,
            "user_set_role",
            name,
            {
                "from": {"role": row[2], "agency_ids": list(row[3] or ())},
                "to": {"role": role, "agency_ids": ids},
            },
            "ok",
            now,
        )
    return User(username=name, role=role, display_name=row[1] or "", agency_ids=tuple(ids))


def set_password(
    db, username: str, password: str | None = None, by: str | None = None
) -> str | None:
    """Replace a password. Returns the generated one when none was given (show it once).

    Also clears that user's sign-in lockouts and failures, from every client."""
    name = normalize_username(username)
    generated = None
    if password is None:
        password = generated = generate_password()
    _valid_password(password)
    pw_hash = hash_password(password)
    now = _now()
    with _write(db) as con:
        _require_row(con, name)
        con.execute(
            "update users set password_hash = ?, updated_at = ? where username = ?",
            [pw_hash, now, name],
        )
        _clear_signin(con, name, None, by, now)
        _append(con, by, "user_set_password", name, {"generated": generated is not None}, "ok", now)
    return generated


def _set_disabled(db, username: str, disabled: bool, by: str | None) -> None:
    name = normalize_username(username)
    now = _now()
    with _write(db) as con:
        row = _require_row(con, name)
        if disabled and row[2] == "admin" and not row[4]:
            _keeps_an_admin(con, name)
        con.execute(
            "update users set disabled = ?, updated_at = ? where username = ?",
            [disabled, now, name],
        )
        _append(
            con,
            by,
            "user_disable" if disabled else "user_enable",
            name,
            {"was_disabled": bool(row[4])},
            "ok",
            now,
        )


def disable_user(db, username: str, by: str | None = None) -> None:
    """Disable an account: its sessions lose access on their next rerun."""
    _set_disabled(db, username, True, by)


def enable_user(db, username: str, by: str | None = None) -> None:
    _set_disabled(db, username, False, by)


def unlock_user(db, username: str, by: str | None = None, client: str | None = None) -> int:
    """Clear the sign-in lockouts of `username` and forget its failures: from every client, or
    from `client` only (then the username need not be an account, and '*' clears that client's
    lockout for every username). Recorded; the attempts stay in the audit log. Returns the
    number of lockouts that were in force."""
    name = normalize_username(username)
    key = None if client is None else client_key(client)
    now = _now()
    with _write(db) as con:
        if key is None:
            _require_row(con, name)
        ended = _clear_signin(con, name, key, by, now)
        details = {"lockouts": ended, **({"client": key} if key else {})}
        _append(con, by, "user_unlock", name, details, "ok", now)
    return ended


def get_user(db, username: str | None) -> User | None:
    """The active user `username`, role from the table; None when missing or disabled."""
    name = normalize_username(username)
    if not name:
        return None
    with store.connect(db) as con:
        if not _has_tables(con):
            return None
        row = con.execute(
            "select username, display_name, role, agency_ids, disabled from users where username = ?",
            [name],
        ).fetchone()
        return _user_from_row(row, con) if row else None


def account_exists(db, username: str | None) -> bool:
    """Whether `username` names an account, disabled ones included."""
    name = normalize_username(username)
    if not name:
        return False
    with store.connect(db) as con:
        return _has_tables(con) and _fetch_user_row(con, name) is not None


def list_users(db) -> pd.DataFrame:
    """Every account (never the password hashes)."""
    with store.connect(db) as con:
        if not _has_tables(con):
            return pd.DataFrame(columns=USER_COLUMNS)
        return con.execute(
            "select username, display_name, role, agency_ids, disabled, created_at, updated_at "
            "from users order by username"
        ).df()


def ensure_admin(db) -> str | None:
    """If no active administrator exists, (re)create 'admin' with a generated password.

    Returns the password (to be shown once), or None when an active admin exists."""
    with store.connect(db) as con:
        if _has_tables(con) and _active_admins(con):
            return None
    password = generate_password()
    pw_hash = hash_password(password)
    now = _now()
    with _write(db) as con:
        if _active_admins(con):
            return None
        row = _fetch_user_row(con, "admin")
        if row is None:
            con.execute(
                "insert into users (username, display_name, role, agency_ids, password_hash, "
                "disabled, created_at, updated_at) values ('admin', ?, 'admin', [], ?, false, ?, ?)",
                ["Administrator", pw_hash, now, now],
            )
            _append(
                con,
                "system",
                "user_add",
                "admin",
                {"role": "admin", "reason": "no active administrator"},
                "ok",
                now,
            )
        else:
            con.execute(
                "update users set role = 'admin', agency_ids = [], disabled = false, "
                "password_hash = ?, updated_at = ? where username = 'admin'",
                [pw_hash, now],
            )
            _append(
                con,
                "system",
                "user_recover",
                "admin",
                {
                    "from": {"role": row[2], "disabled": bool(row[4])},
                    "reason": "no active administrator",
                },
                "ok",
                now,
            )
        _clear_signin(con, "admin", None, "system", now)
    return password


# --------------------------------------------------------------------------- sign-in


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
        return _clip(text, 64) or LOCAL_CLIENT
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return LOCAL_CLIENT
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _throttle(con, name: str, client: str, now: dt.datetime):
    """(the pair's failures that count now, the last one's time, the client's failures for any
    username, the end of a lockout in force for the pair or the whole client, or None)."""
    return con.execute(
        store.sql("signin_state"),
        {"username": name, "client": client, "since": now - WINDOW, "now": now},
    ).fetchone()


def _wait(n: int, last, locked_until, now: dt.datetime) -> tuple[float, str] | None:
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
    name = _clip(normalize_username(username), 256) or ""
    now = now or _now()
    with store.connect(db) as con:
        n, last, _, locked_until = _throttle(con, name, client_key(client), now)
    return _wait(n, last, locked_until, now)


def _record_failure(con, name: str, client: str, outcome: str, now: dt.datetime) -> None:
    con.execute("delete from signin_failures where ts <= ?", [now - WINDOW])
    con.execute(
        "insert into signin_failures (username, client, ts, outcome) values (?, ?, ?, ?)",
        [name, client, now, outcome],
    )


def _lockout(con, name: str, client: str, now: dt.datetime) -> float | None:
    """Lock the pair, or the whole client, when its failures have reached the limit (and no
    lockout is in force for it yet): the row, and a 'signin_lockout' audit row. Returns the
    seconds of the lock, or None."""
    n, _, client_n, locked_until = _throttle(con, name, client, now)
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
    _append(
        con,
        name,
        "signin_lockout",
        who,
        {"failures": failures, "locked_for_s": int(LOCK.total_seconds()), "client": client},
        "locked",
        now,
    )
    return LOCK.total_seconds()


def _clear_signin(con, name: str, client: str | None, by: str | None, now: dt.datetime) -> int:
    """End the lockouts in force of `name` (from `client`, or from every client) and forget the
    pair's failures. Returns the number of lockouts ended."""
    params = {"u": name, "c": client, "now": now}
    ended = con.execute(
        "select count(*) from signin_lockouts where username = $u "
        "and ($c is null or client = $c) and cleared_at is null and locked_until > $now",
        params,
    ).fetchone()[0]
    con.execute(
        "update signin_lockouts set cleared_at = $now, cleared_by = $by where username = $u "
        "and ($c is null or client = $c) and cleared_at is null and locked_until > $now",
        {**params, "by": _clip(by, 256)},
    )
    con.execute(
        "delete from signin_failures where username = $u and ($c is null or client = $c)",
        {"u": name, "c": client},
    )
    return ended


def lockouts(db, now: dt.datetime | None = None) -> pd.DataFrame:
    """The sign-in lockouts in force, admin accounts first: username ('*': every username from
    that client), client, locked_at, locked_until, failures, role ('' when no such account)."""
    with store.connect(db) as con:
        if not _has_tables(con):
            return pd.DataFrame(columns=LOCKOUT_COLUMNS)
        return con.execute(store.sql("signin_lockouts"), {"now": now or _now()}).df()


def _check_hash(pw_hash: str | None, password: str) -> bool:
    global _dummy_hash
    if pw_hash is None:  # unknown user: spend the same time so names cannot be guessed
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
        pw_hash = _dummy_hash
        password = password + "\0"
        with suppress(VerificationError, InvalidHashError):
            _hasher.verify(pw_hash, password)
        return False
    try:
        return _hasher.verify(pw_hash, password)
    except VerifyMismatchError:
        return False
    except (VerificationError, InvalidHashError):
        return False


def verify_password(
    db,
    username: str,
    password: str,
    *,
    client: str | None = None,
    source: str | None = None,
    method: str = "password",
) -> User | None:
    """Check a sign-in from `client` (the visitor's address; None: this machine or unknown).
    Returns the User, or None (wrong name or password, disabled account).

    Raises `Locked` (with the seconds left) when this username must wait or is locked out from
    this client, or the client is locked for every username; the same username from another
    client is not affected. Every attempt is recorded in the audit log (action 'signin', outcome
    ok | failure | throttled | locked), and the start of a lockout as 'signin_lockout'."""
    name = _clip(normalize_username(username), 256) or ""
    password = password if isinstance(password, str) else ""
    who = client_key(client)
    base = {"method": method, "client": who, **({"source": source} if source else {})}
    with _signin_locks[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(_signin_locks)]:
        now = _now()
        with _write(db) as con:
            n, last, _, locked_until = _throttle(con, name, who, now)
            wait = _wait(n, last, locked_until, now)
            if wait is not None:
                seconds, reason = wait
                _append(
                    con,
                    name,
                    "signin",
                    name,
                    {**base, "retry_after_s": math.ceil(seconds)},
                    reason,
                    now,
                )
                if reason == "locked":  # refused, counted on the lockout, not extending it
                    con.execute(
                        "update signin_lockouts set failures = failures + 1 where client = ? "
                        "and username in (?, ?) and cleared_at is null and locked_until > ?",
                        [who, name, EVERY_USER, now],
                    )
                else:  # tried while waiting: a failure
                    _record_failure(con, name, who, "throttled", now)
                    locked = _lockout(con, name, who, now)
                    if locked:
                        seconds, reason = locked, "locked"
                raise Locked(seconds, reason)
            row = _fetch_user_row(con, name) if USERNAME_RE.match(name) else None
            # counted before the (slow) hash, so that attempts made meanwhile see it; a success
            # removes it again
            _record_failure(con, name, who, "failure", now)
        # hash outside the database connection (slow on purpose)
        too_long = len(password) > MAX_PASSWORD
        ok = False if too_long else _check_hash(row[5] if row else None, password)
        user = _user_from_row(row[:5]) if (ok and row) else None
        rehash = None
        if user is not None and _hasher.check_needs_rehash(row[5]):
            rehash = hash_password(password)
        with _write(db) as con:
            now = _now()
            if user is None:
                reason = "wrong_password"
                if row is None:
                    reason = "unknown_user"
                elif ok:
                    reason = "disabled" if row[4] else "role_not_allowed"
                _append(
                    con,
                    name,
                    "signin",
                    name,
                    {**base, "reason": reason, "failures": n + 1},
                    "failure",
                    now,
                )
                _lockout(con, name, who, now)
                return None
            con.execute(
                "delete from signin_failures where username = ? and client = ?", [name, who]
            )
            if rehash:
                con.execute("update users set password_hash = ? where username = ?", [rehash, name])
            _append(con, name, "signin", name, base, "ok", now)
        return user


# --------------------------------------------------------------------------- audit log


def record(
    db,
    username: str | None,
    action: str,
    target: str | None = None,
    details=None,
    outcome: str = "ok",
) -> None:
    """Append one event to the audit log: who, what (target, details as JSON), outcome.

    Actions in use: signin, signin_lockout, signout, session_end, upload, commit, retract,
    restore, export, permission_denied, user_add, user_set_role, user_set_password,
    user_disable, user_enable, user_unlock, user_recover, agency_unit_add, agency_alias_add
    (analytics/agency_units.py).
    Outcomes: ok, failure, refused, denied, locked, throttled, error."""
    with _write(db) as con:
        _append(con, username, action, target, details, outcome)


def read_audit(
    db,
    limit: int = 1000,
    since: dt.datetime | dt.date | None = None,
    actions: Sequence[str] | None = None,
    username: str | None = None,
) -> pd.DataFrame:
    """The newest `limit` audit rows (newest first), optionally since a time / of some actions."""
    name = normalize_username(username) if username else None
    return audit.read(db, limit=limit, since=since, actions=actions, username=name)


def check_audit_chain(db) -> tuple[bool, int | None]:
    """(True, None) when the audit log verifies (audit.verify: every row against its keyed hash
    and the row before it, no gap, the anchored heads present), else (False, first bad id)."""
    return audit.check_chain(db)


verify_audit = audit.verify  # the full verdict: intact, first bad entry, reason, both languages
AuditError = audit.AuditError


# --------------------------------------------------------------------------- command line


def _out(doc) -> None:
    import sys

    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")


def _cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _user_doc(db, username: str) -> dict:
    frame = list_users(db)
    row = frame.loc[frame["username"] == normalize_username(username)]
    if row.empty:
        return {"username": normalize_username(username)}
    return _frame_records(row)[0]


def _frame_records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for rec in frame.to_dict(orient="records"):
        rec = dict(rec)
        ids = rec.get("agency_ids")
        rec["agency_ids"] = [str(a) for a in ids] if ids is not None else []
        rec["disabled"] = bool(rec.get("disabled"))
        for k in ("created_at", "updated_at"):
            v = rec.get(k)
            rec[k] = v.isoformat() if hasattr(v, "isoformat") else v
        rec["display_name"] = (
            rec.get("display_name") if isinstance(rec.get("display_name"), str) else None
        )
        out.append(rec)
    return out


def _cli_users(args) -> int:
    db = args.db
    by = _cli_actor()
    try:
        if args.users_command == "add":
            password = None
            if args.password_stdin:
                import sys

                password = sys.stdin.readline().rstrip("\r\n")
            generated = add_user(
                db,
                args.username,
                args.role,
                password=password,
                agency_ids=args.agency or (),
                display_name=args.display_name,
                by=by,
            )
            doc = {"user": _user_doc(db, args.username)}
            if generated:
                doc["password"] = generated
                doc["message"] = "Generated password, shown once; only its hash is stored."
            _out(doc)
        elif args.users_command == "list":
            _out({"users": _frame_records(list_users(db))})
        elif args.users_command == "disable":
            disable_user(db, args.username, by=by)
            _out({"user": _user_doc(db, args.username)})
        elif args.users_command == "enable":
            enable_user(db, args.username, by=by)
            _out({"user": _user_doc(db, args.username)})
        elif args.users_command == "set-role":
            set_role(db, args.username, args.role, agency_ids=args.agency, by=by)
            _out({"user": _user_doc(db, args.username)})
        elif args.users_command == "set-password":
            password = set_password(db, args.username, by=by)
            _out(
                {
                    "user": _user_doc(db, args.username),
                    "password": password,
                    "message": "Generated password, shown once; only its hash is stored.",
                }
            )
        elif args.users_command == "unlock":
            ended = unlock_user(db, args.username, by=by)
            _out({"user": _user_doc(db, args.username), "unlocked": True, "lockouts": ended})
        else:  # pragma: no cover - argparse requires a command
            raise AuthError("unknown users command")
    except AuthError as exc:
        _out({"errors": [{"row": None, "column": None, "value": None, "message": str(exc)}]})
        return 2
    return 0


def register_cli(subparsers) -> None:
    """Add `users add|list|disable|enable|set-role|set-password|unlock` to the command line."""
    p = subparsers.add_parser("users", help="manage dashboard accounts (JSON on stdout)")
    users = p.add_subparsers(dest="users_command", required=True)

    def add_db(q):
        q.add_argument(
            "--db", default=None, help="database file (default: $TASKS_DB or data/tasks.duckdb)"
        )
        q.set_defaults(func=_cli_users)

    q = users.add_parser(
        "add", help="create an account (password generated unless --password-stdin)"
    )
    q.add_argument("username")
    q.add_argument("--role", required=True, help=f"one of: {', '.join(ASSIGNABLE_ROLES)}")
    q.add_argument("--agency", action="append", default=None, help="agency id (repeat for several)")
    q.add_argument("--display-name", default=None)
    q.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add_db(q)

    q = users.add_parser("list", help="list accounts")
    add_db(q)

    for name, text in (
        ("disable", "disable an account"),
        ("enable", "enable an account"),
        ("unlock", "clear a sign-in lockout"),
    ):
        q = users.add_parser(name, help=text)
        q.add_argument("username")
        add_db(q)

    q = users.add_parser("set-role", help="change an account's role (and agencies)")
    q.add_argument("username")
    q.add_argument("role", help=f"one of: {', '.join(ASSIGNABLE_ROLES)}")
    q.add_argument("--agency", action="append", default=None, help="agency id (repeat for several)")
    add_db(q)

    q = users.add_parser("set-password", help="generate a new password (printed once)")
    q.add_argument("username")
    add_db(q)
