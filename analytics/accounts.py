"""Accounts and roles, kept in the task store's DuckDB file (the `users` table of sql/schema.sql).

No Streamlit here: the dashboard (ui/auth.py, the Administration page) and the command line
(`python -m analytics users`, analytics/cli/users.py) both use these functions.

- `users`: one row per account. The role comes from this table on every request, so a change
  (or disabling an account) takes effect at once. Passwords are stored only as argon2id hashes.
- Every change and every sign-in is written to the audit log (analytics/audit.py) in the same
  transaction; a sign-in is counted by the rate limiting of analytics/throttle.py (per username
  and client address), which raises `Locked` when it must wait.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import threading
from collections.abc import Iterable
from contextlib import suppress
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from analytics import audit, sessions, store, throttle
from analytics.access import AGENCY_ROLES, ASSIGNABLE_ROLES, ROLES, User
from analytics.audit import normalize_username
from analytics.throttle import Locked

if TYPE_CHECKING:
    import pandas as pd

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # longer inputs are refused without hashing

USERNAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._@+-]{0,126}[a-z0-9])?$")
RESERVED = frozenset({"guest", "sample", "system"})

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)
_dummy_hash: str | None = None
# One sign-in at a time per username (striped locks), so that the check of the recent failures
# and the record of this attempt cannot interleave; different users do not wait for each other.
_signin_locks = tuple(threading.Lock() for _ in range(64))


class AuthError(ValueError):
    """Bad input to an account operation (unknown role or agency, missing user ...)."""


# --------------------------------------------------------------------------- checks


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


def _insert_user(con, name, display, role, ids, pw_hash, now) -> None:
    con.execute(
        store.sql("user_add"),
        {
            "username": name,
            "display_name": display,
            "role": role,
            "agency_ids": ids,
            "password_hash": pw_hash,
            "now": now,
        },
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
    shown = display_name.strip() if display_name else None
    display = audit.clip(shown, 200) if shown else None
    pw_hash = hash_password(password)
    now = audit.now()
    with audit.writing(db) as con:
        if _fetch_user_row(con, name) is not None:
            raise AuthError(f"The user {name!r} already exists.")
        _insert_user(con, name, display, role, ids, pw_hash, now)
        audit.append(
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
    now = audit.now()
    with audit.writing(db) as con:
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
        audit.append(
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
    now = audit.now()
    with audit.writing(db) as con:
        _require_row(con, name)
        con.execute(
            "update users set password_hash = ?, updated_at = ? where username = ?",
            [pw_hash, now, name],
        )
        throttle.clear(con, name, None, by, now)
        details = {"generated": generated is not None}
        audit.append(con, by, "user_set_password", name, details, "ok", now)
        sessions.revoke_user(con, name, "password_changed", now, by)
    return generated


def _set_disabled(db, username: str, disabled: bool, by: str | None) -> None:
    name = normalize_username(username)
    now = audit.now()
    with audit.writing(db) as con:
        row = _require_row(con, name)
        if disabled and row[2] == "admin" and not row[4]:
            _keeps_an_admin(con, name)
        con.execute(
            "update users set disabled = ?, updated_at = ? where username = ?",
            [disabled, now, name],
        )
        audit.append(
            con,
            by,
            "user_disable" if disabled else "user_enable",
            name,
            {"was_disabled": bool(row[4])},
            "ok",
            now,
        )
        if disabled:
            sessions.revoke_user(con, name, "account_disabled", now, by)


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
    key = None if client is None else throttle.client_key(client)
    now = audit.now()
    with audit.writing(db) as con:
        if key is None:
            _require_row(con, name)
        ended = throttle.clear(con, name, key, by, now)
        details = {"lockouts": ended, **({"client": key} if key else {})}
        audit.append(con, by, "user_unlock", name, details, "ok", now)
    return ended


def get_user(db, username: str | None) -> User | None:
    """The active user `username`, role from the table; None when missing or disabled."""
    name = normalize_username(username)
    if not name:
        return None
    with store.connect(db) as con:
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
        return _fetch_user_row(con, name) is not None


def list_users(db) -> pd.DataFrame:
    """Every account (never the password hashes)."""
    with store.connect(db) as con:
        return con.execute(
            "select username, display_name, role, agency_ids, disabled, created_at, updated_at "
            "from users order by username"
        ).df()


def ensure_admin(db) -> str | None:
    """If no active administrator exists, (re)create 'admin' with a generated password.

    Returns the password (to be shown once), or None when an active admin exists."""
    with store.connect(db) as con:
        if _active_admins(con):
            return None
    password = generate_password()
    pw_hash = hash_password(password)
    now = audit.now()
    why = "no active administrator"
    with audit.writing(db) as con:
        if _active_admins(con):
            return None
        row = _fetch_user_row(con, "admin")
        if row is None:
            _insert_user(con, "admin", "Administrator", "admin", [], pw_hash, now)
            details = {"role": "admin", "reason": why}
            audit.append(con, "system", "user_add", "admin", details, "ok", now)
        else:
            con.execute(store.sql("user_recover"), {"password_hash": pw_hash, "now": now})
            details = {"from": {"role": row[2], "disabled": bool(row[4])}, "reason": why}
            audit.append(con, "system", "user_recover", "admin", details, "ok", now)
        throttle.clear(con, "admin", None, "system", now)
    return password


# --------------------------------------------------------------------------- sign-in


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


def _refuse_if_waiting(con, name: str, who: str, base: dict, now) -> int:
    """Raise Locked (recorded) when the pair must wait or is locked out; else return the pair's
    failures that count now."""
    n, last, _, locked_until = throttle.state(con, name, who, now)
    wait = throttle.wait(n, last, locked_until, now)
    if wait is None:
        return n
    seconds, reason = wait
    details = {**base, "retry_after_s": math.ceil(seconds)}
    audit.append(con, name, "signin", name, details, reason, now)
    if reason == "locked":  # refused, counted on the lockout, not extending it
        throttle.count_refused(con, name, who, now)
    else:  # tried while waiting: a failure
        throttle.record_failure(con, name, who, "throttled", now)
        locked = throttle.lock_if_due(con, name, who, now)
        if locked:
            seconds, reason = locked, "locked"
    raise Locked(seconds, reason)


def _failure_reason(row, ok: bool) -> str:
    if row is None:
        return "unknown_user"
    if ok:
        return "disabled" if row[4] else "role_not_allowed"
    return "wrong_password"


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
    name = throttle.signin_name(username)
    password = password if isinstance(password, str) else ""
    who = throttle.client_key(client)
    base = {"method": method, "client": who, **({"source": source} if source else {})}
    with _signin_locks[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(_signin_locks)]:
        now = audit.now()
        with audit.writing(db) as con:
            n = _refuse_if_waiting(con, name, who, base, now)
            row = _fetch_user_row(con, name) if USERNAME_RE.match(name) else None
            # counted before the (slow) hash, so that attempts made meanwhile see it; a success
            # removes it again
            throttle.record_failure(con, name, who, "failure", now)
        # hash outside the database connection (slow on purpose)
        too_long = len(password) > MAX_PASSWORD
        ok = False if too_long else _check_hash(row[5] if row else None, password)
        user = _user_from_row(row[:5]) if (ok and row) else None
        rehash = None
        if user is not None and _hasher.check_needs_rehash(row[5]):
            rehash = hash_password(password)
        with audit.writing(db) as con:
            now = audit.now()
            if user is None:
                details = {**base, "reason": _failure_reason(row, ok), "failures": n + 1}
                audit.append(con, name, "signin", name, details, "failure", now)
                throttle.lock_if_due(con, name, who, now)
                return None
            con.execute(
                "delete from signin_failures where username = ? and client = ?", [name, who]
            )
            if rehash:
                con.execute("update users set password_hash = ? where username = ?", [rehash, name])
            audit.append(con, name, "signin", name, base, "ok", now)
        return user
