"""Accounts, roles and the audit log, kept in the task store's DuckDB file.

No Streamlit here: the dashboard (ui/auth.py) and the command line (`python -m analytics users`)
both use these functions.

- `users`: one row per account. The role comes from this table on every request, so a change
  (or disabling an account) takes effect at once. Passwords are stored only as argon2id hashes.
- `audit_log`: append only. Every row carries the hash of the row before it, so an edit made
  outside the application shows up in `check_audit_chain`. This module only ever inserts into
  it; nothing in the application changes or removes its rows.
- Sign-in rate limiting is derived from the audit log itself: after a failed attempt the next
  one must wait (1 s, 2 s, 4 s, 8 s ...); after `MAX_FAILURES` failed attempts within `WINDOW`
  the username is locked for `LOCK` (a 'signin_lockout' row marks the start). Attempts made
  while waiting count as failures; attempts made while locked are refused and recorded, but do
  not extend the lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
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

from analytics import store
from analytics.access import AGENCY_ROLES, ASSIGNABLE_ROLES, ROLES, User

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)
BASE_DELAY = 1.0  # seconds after the first failure; doubles with each further failure
MAX_DELAY = 30.0
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # longer inputs are refused without hashing
MAX_DETAILS = 8000  # characters of JSON kept per audit row

USERNAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._@+-]{0,126}[a-z0-9])?$")
ACTION_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
RESERVED = frozenset({"guest", "sample", "system"})

AUDIT_COLUMNS = ["id", "ts", "username", "action", "target", "details", "outcome"]
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
create table if not exists audit_log (
    id bigint not null,
    ts timestamp not null,
    username varchar,
    action varchar not null,
    target varchar,
    details varchar,
    outcome varchar not null,
    prev_hash varchar,
    row_hash varchar not null
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


def _user_from_row(row) -> User | None:
    username, display_name, role, agency_ids, disabled = row
    if disabled or role not in ROLES or role == "guest":
        return None
    return User(
        username=username,
        role=role,
        display_name=display_name or "",
        agency_ids=tuple(agency_ids or ()),
    )


def _details_json(details) -> str | None:
    if details is None:
        return None
    text = json.dumps(details, ensure_ascii=False, default=str, sort_keys=True)
    if len(text) > MAX_DETAILS:
        text = json.dumps({"truncated": text[: MAX_DETAILS - 100]}, ensure_ascii=False)
    return text


def _clip(value, n: int = 200) -> str | None:
    if value is None:
        return None
    text = "".join(ch for ch in str(value) if ch.isprintable())
    return text[:n]


def _row_hash(prev_hash: str | None, row: Sequence) -> str:
    payload = json.dumps(
        [prev_hash, *[v.isoformat() if isinstance(v, dt.datetime) else v for v in row]],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _append(con, username, action, target=None, details=None, outcome="ok", ts=None) -> None:
    """Append one audit row (the caller holds the write lock and an open connection)."""
    if not isinstance(action, str) or not ACTION_RE.match(action):
        raise ValueError(f"bad audit action {action!r}")
    if not isinstance(outcome, str) or not ACTION_RE.match(outcome):
        raise ValueError(f"bad audit outcome {outcome!r}")
    last = con.execute("select id, row_hash from audit_log order by id desc limit 1").fetchone()
    new_id = (last[0] + 1) if last else 1
    prev = last[1] if last else None
    row = [
        new_id,
        (ts or _now()),
        _clip(username, 256),
        action,
        _clip(target, 512),
        _details_json(details),
        outcome,
    ]
    con.execute(
        "insert into audit_log (id, ts, username, action, target, details, outcome, prev_hash, row_hash) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [*row, prev, _row_hash(prev, row)],
    )


@contextmanager
def _write(db) -> Iterator:
    """The process write lock, a connection, the tables in place."""
    with store._write_lock, store.connect(db) as con:
        _create_tables(con)
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

    Also clears a sign-in lockout for that user."""
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


def unlock_user(db, username: str, by: str | None = None) -> None:
    """Clear a sign-in lockout (recorded; the failures stay in the log)."""
    name = normalize_username(username)
    with _write(db) as con:
        _require_row(con, name)
        _append(con, by, "user_unlock", name, None, "ok")


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
    return _user_from_row(row) if row else None


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
    return password


# --------------------------------------------------------------------------- sign-in


def _throttle(
    con, name: str, now: dt.datetime
) -> tuple[int, dt.datetime | None, dt.datetime | None]:
    """From the audit log: (failed attempts that count now, the last one's time, the last
    lockout's start). A success, an unlock or a new password starts the count again."""
    reset = con.execute(
        "select max(ts) from audit_log where "
        "(action = 'signin' and outcome = 'ok' and username = $u) or "
        "(action in ('user_unlock', 'user_set_password', 'user_recover') and target = $u)",
        {"u": name},
    ).fetchone()[0]
    lock = con.execute(
        "select max(ts) from audit_log where action = 'signin_lockout' and username = $u "
        "and ($reset is null or ts > $reset)",
        {"u": name, "reset": reset},
    ).fetchone()[0]
    since = max(t for t in (now - WINDOW, reset, lock) if t is not None)
    n, last = con.execute(
        "select count(*), max(ts) from audit_log where action = 'signin' and username = $u "
        "and outcome in ('failure', 'throttled') and ts > $since",
        {"u": name, "since": since},
    ).fetchone()
    return n, last, lock


def _wait(n: int, last, lock, now: dt.datetime) -> tuple[float, str] | None:
    """(seconds, 'locked' | 'throttled') to wait before the next attempt, or None."""
    if lock is not None and lock + LOCK > now:
        return (lock + LOCK - now).total_seconds(), "locked"
    if not n or last is None:
        return None
    if n >= MAX_FAILURES:  # a lockout that was not written down (should not happen)
        left = (last + LOCK - now).total_seconds()
        return (left, "locked") if left > 0 else None
    delay = min(BASE_DELAY * 2 ** (n - 1), MAX_DELAY)
    left = (last + dt.timedelta(seconds=delay) - now).total_seconds()
    return (left, "throttled") if left > 0 else None


def retry_after(db, username: str, now: dt.datetime | None = None) -> tuple[float, str] | None:
    """(seconds, 'locked'|'throttled') when a sign-in for `username` would be refused now."""
    name = _clip(normalize_username(username), 256) or ""
    now = now or _now()
    with store.connect(db) as con:
        if not _has_tables(con):
            return None
        n, last, lock = _throttle(con, name, now)
    return _wait(n, last, lock, now)


def _lockout(con, name: str, failures: int, now: dt.datetime) -> None:
    _append(
        con,
        name,
        "signin_lockout",
        name,
        {"failures": failures, "locked_for_s": int(LOCK.total_seconds())},
        "locked",
        now,
    )


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
    db, username: str, password: str, *, source: str | None = None, method: str = "password"
) -> User | None:
    """Check a sign-in. Returns the User, or None (wrong name or password, disabled account).

    Raises `Locked` (with the seconds left) when the username must wait or is locked out.
    Every attempt is recorded in the audit log (action 'signin', outcome ok | failure |
    throttled | locked), and the start of a lockout as action 'signin_lockout'."""
    name = _clip(normalize_username(username), 256) or ""
    password = password if isinstance(password, str) else ""
    base = {"method": method, **({"source": source} if source else {})}
    with _signin_locks[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(_signin_locks)]:
        now = _now()
        with _write(db) as con:
            n, last, lock = _throttle(con, name, now)
            wait = _wait(n, last, lock, now)
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
                if reason == "throttled" and n + 1 >= MAX_FAILURES:
                    _lockout(con, name, n + 1, now)
                    seconds, reason = LOCK.total_seconds(), "locked"
                raise Locked(seconds, reason)
            row = _fetch_user_row(con, name) if USERNAME_RE.match(name) else None
        # hash outside the database connection (slow on purpose)
        too_long = len(password) > MAX_PASSWORD
        ok = False if too_long else _check_hash(row[5] if row else None, password)
        user = _user_from_row(row[:5]) if (ok and row) else None
        rehash = None
        if user is not None and _hasher.check_needs_rehash(row[5]):
            rehash = hash_password(password)
        with _write(db) as con:
            if user is None:
                reason = "wrong_password"
                if row is None:
                    reason = "unknown_user"
                elif ok:
                    reason = "disabled" if row[4] else "role_not_allowed"
                now = _now()
                _append(
                    con,
                    name,
                    "signin",
                    name,
                    {**base, "reason": reason, "failures": n + 1},
                    "failure",
                    now,
                )
                if n + 1 >= MAX_FAILURES:
                    _lockout(con, name, n + 1, now)
                return None
            if rehash:
                con.execute("update users set password_hash = ? where username = ?", [rehash, name])
            _append(con, name, "signin", name, base, "ok", _now())
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
    user_disable, user_enable, user_unlock, user_recover.
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
    if isinstance(since, dt.date) and not isinstance(since, dt.datetime):
        since = dt.datetime.combine(since, dt.time())
    params = {
        "since": since,
        "actions": list(actions) if actions else None,
        "username": normalize_username(username) if username else None,
        "limit": max(1, min(int(limit), 1_000_000)),
    }
    with store.connect(db) as con:
        if not _has_tables(con):
            return pd.DataFrame(columns=AUDIT_COLUMNS)
        return con.execute(
            """
            select id, ts, username, action, target, details, outcome
            from audit_log
            where ($since is null or ts >= $since)
              and ($actions is null or list_contains($actions, action))
              and ($username is null or username = $username)
            order by id desc
            limit $limit
            """,
            params,
        ).df()


def check_audit_chain(db) -> tuple[bool, int | None]:
    """(True, None) when every audit row still matches its hash chain, else (False, first bad id)."""
    with store.connect(db) as con:
        if not _has_tables(con):
            return True, None
        rows = con.execute(
            "select id, ts, username, action, target, details, outcome, prev_hash, row_hash "
            "from audit_log order by id"
        ).fetchall()
    prev = None
    expected_id = 1
    for r in rows:
        if r[0] != expected_id or r[7] != prev or _row_hash(prev, r[:7]) != r[8]:
            return False, r[0]
        prev = r[8]
        expected_id += 1
    return True, None


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
            unlock_user(db, args.username, by=by)
            _out({"user": _user_doc(db, args.username), "unlocked": True})
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
