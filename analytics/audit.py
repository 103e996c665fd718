"""The audit log: append only and tamper-evident against anyone who can write the database.

No Streamlit here: the accounts and sign-in modules (analytics/accounts.py, throttle.py), the
agency register, the pages (through ui/auth.py) and `python -m analytics audit verify`
(analytics/cli/audit.py) use these functions. Nothing in the application changes or removes a row.

Actions in use: `ACTIONS` below (tests/test_audit.py finds every one the code writes there, and
a Vietnamese and English name for each in texts.toml [audit_action]).
Outcomes: ok, failure, refused, denied, locked, throttled, error.

- A keyed chain. Every entry carries the hash of the one before it (`prev_hash`) and its own
  (`row_hash`): HMAC-SHA256, with a key kept outside the store (`audit_key`): TASKS_AUDIT_KEY in
  the environment, else `[audit] key = "..."` in .streamlit/secrets.toml, else a key file made
  once beside the database (`<db>.audit-key`, mode 0600). Whoever can write the database but not
  read the key cannot recompute the chain after an edit. Entries written before the key (the
  unkeyed SHA-256 chain) keep verifying as they were: the scheme is kept per entry (`chain`:
  'sha256', or NULL for files from before the column, and 'hmac-sha256'); the first keyed entry
  chains on the last unkeyed hash, and no unkeyed entry may follow a keyed one.
- The head anchored outside the store. After every write, the newest entry's number and hash go
  to an append-only file beside the database (`<db>.audit-anchor`: one line per write, "seq,
  time, hash, HMAC of the line", tab-separated), the report command prints the head, and the
  daily report's footer shows it (analytics/reports/), so that cutting the last entries, or
  rewriting the log with a recomputed chain (possible only with the key), is found.
- `verify` checks every entry against its predecessor and the key, that the numbers run 1, 2,
  3 ... without a gap, and that every head the anchor file records is in the log with the same
  hash. The first missing or altered entry is named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analytics import store

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

SHA256 = "sha256"  # the unkeyed chain of entries written before the key
HMAC_SHA256 = "hmac-sha256"
KEY_ENV = "TASKS_AUDIT_KEY"
SECRETS_FILE = store.ROOT / ".streamlit" / "secrets.toml"
KEY_SUFFIX = ".audit-key"
ANCHOR_SUFFIX = ".audit-anchor"
SHOWN_HASH = 8  # characters of a hash shown on paper and on screen

AUDIT_COLUMNS = ["id", "ts", "username", "action", "target", "details", "outcome"]
ACTION_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_DETAILS = 8000  # characters of JSON kept per audit row

# The head last written to each anchor file by this process (writes hold store._write_lock).
_anchored: dict[str, tuple[int, str]] = {}


class AuditError(RuntimeError):
    """The audit key cannot be read (a malformed secrets file, an unreadable key file)."""

    def __init__(self, message: str, message_vi: str) -> None:
        self.message = message
        self.message_vi = message_vi
        super().__init__(message)


# --------------------------------------------------------------------------- the key


def key_file(db) -> Path:
    """The key file made beside the database when no key is configured."""
    path = store.db_path(db)
    return path.with_name(path.name + KEY_SUFFIX)


def anchor_file(db) -> Path:
    """The append-only file beside the database that records the log's head after each write."""
    path = store.db_path(db)
    return path.with_name(path.name + ANCHOR_SUFFIX)


def _secrets_key() -> str | None:
    if not SECRETS_FILE.is_file():
        return None
    try:
        doc = tomllib.loads(SECRETS_FILE.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AuditError(
            f"The secrets file {SECRETS_FILE.name} cannot be read, so the audit key is unknown.",
            f"Không đọc được tệp bí mật {SECRETS_FILE.name} nên không có khoá của nhật ký kiểm toán.",
        ) from exc
    section = doc.get("audit")
    key = section.get("key") if isinstance(section, dict) else None
    return str(key) if key not in (None, "") else None


def _new_key_file(path: Path) -> None:
    """Write a random key to `path` (mode 0600), complete before it appears; the first of two
    processes doing this at once wins and the other reads its key."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def audit_key(db, create: bool = False) -> tuple[bytes, str] | None:
    """(key, where it came from: 'env' | 'secrets' | 'file'), or None when there is none and
    `create` is false. With `create`, a key file is made beside the database."""
    value = os.environ.get(KEY_ENV, "")
    if value.strip():
        return value.strip().encode("utf-8"), "env"
    value = _secrets_key()
    if value and value.strip():
        return value.strip().encode("utf-8"), "secrets"
    path = key_file(db)
    if not path.exists():
        if not create:
            return None
        _new_key_file(path)
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(
            f"The audit key file {path.name} cannot be read.",
            f"Không đọc được tệp khoá của nhật ký kiểm toán {path.name}.",
        ) from exc
    if not value:
        raise AuditError(
            f"The audit key file {path.name} is empty.",
            f"Tệp khoá của nhật ký kiểm toán {path.name} trống.",
        )
    return value.encode("utf-8"), "file"


# --------------------------------------------------------------------------- time and names


ACTIONS = (
    # sign-in (analytics/sessions.py, ui/auth.py)
    "signin", "signin_lockout", "signout", "session_start", "session_resume", "session_end",
    "permission_denied",
    # data (the upload page, the command line, analytics/agency_units.py)
    "upload", "commit", "retract", "restore", "export", "agency_unit_add", "agency_alias_add",
    # connected sources (analytics/connectors/pull.py)
    "pull",
    # accounts (analytics/accounts.py)
    "user_add", "user_set_role", "user_set_password", "user_disable", "user_enable",
    "user_unlock", "user_recover",
    # the daily cycle's recipients and e-mails (analytics/recipients.py, analytics/delivery.py)
    "recipient_add", "recipient_update", "recipient_remove", "delivery_send",
    # agencies reporting back (analytics/reporting/)
    "report_save", "report_undo", "claim_confirm", "claim_return", "deadline_request",
    "deadline_approve", "deadline_reject", "task_cancel", "task_uncancel", "proposal_accept",
    "proposal_decline", "round_open", "round_close", "setting_change",
)  # fmt: skip
OUTCOMES = ("ok", "failure", "refused", "denied", "locked", "throttled", "error")


def vn_midnight_utc(day: dt.date) -> dt.datetime:
    """The start of `day` in Vietnam as the log stores times (UTC, no zone)."""
    return dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=7)


def for_people(frame, lang: str):
    """The log as a reader sees it: times in Vietnam time (dd/mm/yyyy HH:MM:SS), actions and
    outcomes by their names, the columns named in the page's language (texts [audit_action],
    [audit_outcome], [audit_column])."""
    import pandas as pd

    from analytics.i18n import TEXTS, t

    def action(a) -> str:  # an action without a name (an old entry) shows as written
        return t(f"audit_action.{a}", lang) if f"audit_action.{a}" in TEXTS else str(a or "")

    def outcome(o) -> str:
        return t(f"audit_outcome.{o}", lang) if f"audit_outcome.{o}" in TEXTS else str(o or "")

    ts = pd.to_datetime(frame["ts"]) + pd.Timedelta(hours=7)  # stored in UTC, shown in Vietnam
    return pd.DataFrame(
        {
            t("audit_column.id", lang): frame["id"].astype("int64"),
            t("audit_column.ts", lang): ts.dt.strftime("%d/%m/%Y %H:%M:%S"),
            t("audit_column.username", lang): frame["username"],
            t("audit_column.action", lang): [action(a) for a in frame["action"]],
            t("audit_column.target", lang): frame["target"].fillna(""),
            t("audit_column.details", lang): frame["details"].fillna(""),
            t("audit_column.outcome", lang): [outcome(o) for o in frame["outcome"]],
        }
    )


def now() -> dt.datetime:
    """The time the log and sign-in throttling go by: UTC, without a zone (a test sets a clock
    here: analytics/accounts.py and throttle.py read it through this module)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def normalize_username(username: object) -> str:
    """A username as accounts and the log keep it: trimmed, lower case."""
    return str(username or "").strip().lower()


# --------------------------------------------------------------------------- hashing


def _payload(prev_hash: str | None, row: Sequence) -> bytes:
    return json.dumps(
        [prev_hash, *[v.isoformat() if isinstance(v, dt.datetime) else v for v in row]],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def row_hash(prev_hash: str | None, row: Sequence, key: bytes | None = None) -> str:
    """An entry's hash over its predecessor's hash and its seven columns (id ... outcome):
    HMAC-SHA256 with `key`, or the unkeyed SHA-256 of entries written before the key."""
    if key is None:
        return hashlib.sha256(_payload(prev_hash, row)).hexdigest()
    return hmac.new(key, _payload(prev_hash, row), hashlib.sha256).hexdigest()


def _line_mac(key: bytes, body: str) -> str:
    return hmac.new(key, b"audit-anchor\t" + body.encode("utf-8"), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- writing


def _details_json(details) -> str | None:
    if details is None:
        return None
    text = json.dumps(details, ensure_ascii=False, default=str, sort_keys=True)
    if len(text) > MAX_DETAILS:
        text = json.dumps({"truncated": text[: MAX_DETAILS - 100]}, ensure_ascii=False)
    return text


def clip(value, n: int = 200) -> str | None:
    """Text kept in the log: printable characters only, at most `n`."""
    if value is None:
        return None
    text = "".join(ch for ch in str(value) if ch.isprintable())
    return text[:n]


def _file_of(con) -> Path | None:
    """The database file a connection has open (None in memory)."""
    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return Path(row[0]) if row and row[0] else None


def append(
    con, username, action, target=None, details=None, outcome="ok", ts: dt.datetime | None = None
) -> None:
    """Append one entry, keyed, chained on the newest (the caller holds the write lock and a
    connection opened inside `anchoring`, as `writing` gives). `ts`: now when not given."""
    if not isinstance(action, str) or not ACTION_RE.match(action):
        raise ValueError(f"bad audit action {action!r}")
    if not isinstance(outcome, str) or not ACTION_RE.match(outcome):
        raise ValueError(f"bad audit outcome {outcome!r}")
    path = _file_of(con)
    if path is None:
        raise ValueError("the audit log is kept in a database file")
    key, _ = audit_key(path, create=True)
    last = con.execute("select id, row_hash from audit_log order by id desc limit 1").fetchone()
    new_id = (last[0] + 1) if last else 1
    prev = last[1] if last else None
    row = [
        new_id,
        ts or now(),
        clip(username, 256),
        action,
        clip(target, 512),
        _details_json(details),
        outcome,
    ]
    con.execute(
        "insert into audit_log (id, ts, username, action, target, details, outcome, prev_hash, "
        "row_hash, chain) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [*row, prev, row_hash(prev, row, key), HMAC_SHA256],
    )


def anchor(con) -> None:
    """Append the log's committed head to the anchor file (once per head per process). A
    failure is logged, never raised: the change it follows is already made, and a head not
    anchored only leaves the anchor behind (which `verify` tolerates)."""
    try:
        path = _file_of(con)
        if path is None:
            return
        head = con.execute("select id, row_hash from audit_log order by id desc limit 1").fetchone()
        if head is None:
            return
        target = anchor_file(path)
        seen = (int(head[0]), str(head[1]))
        if _anchored.get(str(target)) == seen:
            return
        key, _ = audit_key(path, create=True)
        ts = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        body = f"{seen[0]}\t{ts}\t{seen[1]}"
        line = f"{body}\t{_line_mac(key, body)}\n".encode("ascii")
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)  # one write of one short line: never interleaved with another
        finally:
            os.close(fd)
        _anchored[str(target)] = seen
    except Exception:
        log.exception("could not anchor the audit log's head")


@contextmanager
def anchoring(con) -> Iterator:
    """Around the writes of one connection: afterwards, the committed head is anchored. After an
    error, what is still uncommitted is rolled back first (as closing would), so the anchor never
    names an entry the log does not keep."""
    try:
        yield con
    except BaseException:
        with suppress(duckdb.Error):
            con.execute("rollback")
        anchor(con)
        raise
    anchor(con)


@contextmanager
def writing(db) -> Iterator:
    """The process write lock and a connection (the store's tables in place); afterwards the
    log's head is anchored outside the store (`anchoring`)."""
    with store._write_lock, store.connect(db) as con, anchoring(con):
        yield con


def record(
    db,
    username: str | None,
    action: str,
    target: str | None = None,
    details=None,
    outcome: str = "ok",
) -> None:
    """Append one event to the log: who, what (target, details as JSON), outcome (the actions
    and outcomes in use: ACTIONS, OUTCOMES)."""
    with writing(db) as con:
        append(con, username, action, target, details, outcome)


# --------------------------------------------------------------------------- reading


def read(
    db,
    limit: int = 1000,
    since: dt.datetime | dt.date | None = None,
    actions: Sequence[str] | None = None,
    username: str | None = None,
) -> pd.DataFrame:
    """The newest `limit` entries (newest first), optionally since a time, of some actions, of one
    username (trimmed, any case)."""
    if isinstance(since, dt.date) and not isinstance(since, dt.datetime):
        since = dt.datetime.combine(since, dt.time())
    params = {
        "since": since,
        "actions": list(actions) if actions else None,
        "username": normalize_username(username) or None,
        "limit": max(1, min(int(limit), 1_000_000)),
    }
    with store.connect(db) as con:
        return con.execute(store.sql("audit_log_read"), params).df()


def head(db) -> tuple[int, str] | None:
    """(number, hash) of the newest entry, or None when the log is empty."""
    with store.connect(db) as con:
        row = con.execute("select id, row_hash from audit_log order by id desc limit 1").fetchone()
    return (int(row[0]), str(row[1])) if row else None


def short(hash_: str) -> str:
    """A hash as shown on paper and on screen: its first characters."""
    return f"{hash_[:SHOWN_HASH]}…"


# --------------------------------------------------------------------------- verifying

REASONS = ("altered", "missing", "truncated", "anchor_mismatch", "key_missing")


@dataclass(frozen=True)
class Verdict:
    """What `verify` found. `first_bad`: the first entry missing or altered (its number)."""

    intact: bool
    entries: int
    head: tuple[int, str] | None
    anchored: int | None  # the newest entry the anchor file records
    message: str
    message_vi: str
    first_bad: int | None = None
    reason: str | None = None

    def text(self, lang: str = "vi") -> str:
        return self.message_vi if lang == "vi" else self.message

    def as_dict(self) -> dict:
        doc: dict = {"intact": self.intact}
        if not self.intact:
            doc.update(first_bad=self.first_bad, reason=self.reason)
        doc.update(message=self.message, message_vi=self.message_vi, entries=self.entries)
        doc["head"] = {"seq": self.head[0], "hash": self.head[1]} if self.head else None
        doc["anchored"] = self.anchored
        return doc


def _where_key() -> tuple[str, str]:
    return (
        f"{KEY_ENV}, [audit] key in .streamlit/secrets.toml, or the key file beside the database",
        f"{KEY_ENV}, [audit] key trong .streamlit/secrets.toml, hoặc tệp khoá cạnh cơ sở dữ liệu",
    )


def _bad(reason: str, n: int | None, en: str, vi: str, entries: int, head_, anchored) -> Verdict:
    return Verdict(False, entries, head_, anchored, en, vi, first_bad=n, reason=reason)


def _read_anchor(path: Path) -> list[tuple[int, list[str] | None]]:
    """(line number, its four fields or None when malformed); a last line without its newline
    (a write cut short) is left out."""
    if not path.is_file():
        return []
    lines = path.read_bytes().split(b"\n")
    out = []
    for i, raw in enumerate(lines[:-1], start=1):  # lines[-1]: after the last newline
        try:
            fields = raw.decode("ascii").split("\t")
        except UnicodeDecodeError:
            fields = []
        out.append((i, fields if len(fields) == 4 and fields[0].isdigit() else None))
    return out


# A problem found by verify: (reason, the first bad entry's number or None, English, Vietnamese).
_Finding = tuple[str, int | None, str, str]


def verify(db) -> Verdict:
    """Check the whole log: each entry against its predecessor and the key, the numbers without
    a gap, every head in the anchor file present with the same hash."""
    path = store.db_path(db)
    with store.connect(path) as con:
        rows = con.execute(
            "select id, ts, username, action, target, details, outcome, prev_hash, row_hash, "
            "chain from audit_log order by id"
        ).fetchall()
    found = audit_key(path, create=False)
    key = found[0] if found else None
    n = len(rows)
    head_ = (int(rows[-1][0]), str(rows[-1][8])) if rows else None
    anchor_path = anchor_file(path)
    lines = _read_anchor(anchor_path)
    anchored = max((int(f[0]) for _, f in lines if f), default=None)
    finding, keyed_from = _check_entries(rows, key)
    if finding is None:
        finding = _check_anchor_file(path, anchor_path, lines, rows, key, keyed_from)
    if finding is not None:
        reason, first, en, vi = finding
        return _bad(reason, first, en, vi, n, head_, anchored)
    return _intact(n, head_, anchored)


def _check_entries(rows: list, key: bytes | None) -> tuple[_Finding | None, int | None]:
    """The entries in order: numbered without a gap, each matching its hash (keyed from the
    first keyed entry on, never unkeyed after it) and the entry before it. Returns (the first
    problem or None, the number of the first keyed entry or None)."""
    key_en, key_vi = _where_key()
    prev = None
    keyed_from = None  # the first keyed entry
    for expected, r in enumerate(rows, start=1):
        seq = int(r[0])
        if seq != expected:
            return _numbering(expected, seq), keyed_from
        chain = r[9] or SHA256
        if chain == HMAC_SHA256 and keyed_from is None:
            keyed_from = seq
            if key is None:
                return (
                    "key_missing",
                    seq,
                    f"The audit key is not available ({key_en}): entries from #{seq} on cannot "
                    "be checked.",
                    f"Không có khoá của nhật ký kiểm toán ({key_vi}): không kiểm tra được các mục "
                    f"từ #{seq}.",
                ), keyed_from
        keyed = chain == HMAC_SHA256
        downgraded = chain == SHA256 and keyed_from is not None
        if (
            chain not in (SHA256, HMAC_SHA256)
            or downgraded
            or r[7] != prev
            or not hmac.compare_digest(
                row_hash(prev, r[:7], key if keyed else None), str(r[8] or "")
            )
        ):
            hint_en = hint_vi = ""
            if seq == keyed_from:
                hint_en = " (or the key in use is not the one the log was written with)"
                hint_vi = " (hoặc khoá đang dùng không phải khoá đã ghi nhật ký)"
            return (
                "altered",
                seq,
                f"Audit log entry #{seq} was altered: it no longer matches its keyed hash and "
                f"the entry before it{hint_en}.",
                f"Mục #{seq} của nhật ký kiểm toán đã bị sửa: không còn khớp mã kiểm tra có khoá "
                f"và mục đứng trước{hint_vi}.",
            ), keyed_from
        prev = r[8]
    return None, keyed_from


def _numbering(expected: int, seq: int) -> _Finding:
    """Entry number `seq` where `expected` belongs: entries deleted, or one added twice."""
    if seq > expected:
        after_en = f"from #{expected - 1} to" if expected > 1 else "at"
        after_vi = f"nhảy từ mục #{expected - 1} sang" if expected > 1 else "bắt đầu từ mục"
        return (
            "missing",
            expected,
            f"Audit log entry #{expected} is missing: the log goes {after_en} #{seq}. "
            "Entries were deleted.",
            f"Thiếu mục #{expected} của nhật ký kiểm toán: nhật ký {after_vi} #{seq}. "
            "Đã có mục bị xoá.",
        )
    return (
        "altered",
        seq,
        f"Audit log entry #{seq} appears twice: an entry was added outside the application.",
        f"Mục #{seq} của nhật ký kiểm toán xuất hiện hai lần: đã có mục được thêm ngoài ứng dụng.",
    )


def _check_anchor_file(
    path: Path,
    anchor_path: Path,
    lines: list[tuple[int, list[str] | None]],
    rows: list,
    key: bytes | None,
    keyed_from: int | None,
) -> _Finding | None:
    """The anchor file beside the store: present when a keyed write happened, each line
    matching its keyed MAC, every head it records present in the log with the same hash.
    Returns the problem about the earliest entry, or None."""
    n = len(rows)
    # A keyed write always anchors, and the key file beside the store is made by the first one:
    # with that file there, a missing anchor file was removed, even if every entry was turned
    # back into the old unkeyed chain.
    if not lines and (keyed_from is not None or (n and key_file(path).exists())):
        return (
            "anchor_mismatch",
            None,
            f"The anchor file {anchor_path.name} is missing: the log's head cannot be checked "
            "(entries after the last one may have been cut).",
            f"Không có tệp neo {anchor_path.name}: không kiểm tra được mục cuối của nhật ký "
            "(có thể đã bị cắt bớt các mục cuối).",
        )
    if lines and key is None:
        key_en, key_vi = _where_key()
        return (
            "key_missing",
            None,
            f"The audit key is not available ({key_en}): the anchor file cannot be checked.",
            f"Không có khoá của nhật ký kiểm toán ({key_vi}): không kiểm tra được tệp neo.",
        )
    worst: tuple[int, str, str, str] | None = None  # (entry, reason, en, vi), the earliest
    for i, fields in lines:
        problem = _anchor_line(i, fields, anchor_path, rows, key)
        if problem is not None and (worst is None or problem[0] < worst[0]):
            worst = problem
    if worst is None:
        return None
    return worst[1], worst[0] or None, worst[2], worst[3]


def _anchor_line(
    i: int, fields: list[str] | None, anchor_path: Path, rows: list, key: bytes
) -> tuple[int, str, str, str] | None:
    """What is wrong with line `i` of the anchor file: (entry, reason, en, vi), or None."""
    n = len(rows)
    claimed = int(fields[0]) if fields else None
    if fields is None or not hmac.compare_digest(_line_mac(key, "\t".join(fields[:3])), fields[3]):
        return (
            claimed or 0,
            "anchor_mismatch",
            f"Line {i} of the anchor file {anchor_path.name} was altered.",
            f"Dòng {i} của tệp neo {anchor_path.name} đã bị sửa.",
        )
    if claimed > n:
        return (
            n + 1,
            "truncated",
            f"The audit log was cut: entries from #{n + 1} on are missing (the anchor file "
            f"records entry #{claimed}; the log ends at #{n}).",
            f"Nhật ký kiểm toán đã bị cắt: thiếu các mục từ #{n + 1} (tệp neo ghi nhận mục "
            f"#{claimed}; nhật ký chỉ còn đến mục #{n}).",
        )
    if claimed and rows[claimed - 1][8] != fields[2]:
        return (
            claimed,
            "anchor_mismatch",
            f"Audit log entry #{claimed} is not the one the anchor file records: the log "
            f"was rewritten or cut and added to, at #{claimed} or before.",
            f"Mục #{claimed} của nhật ký kiểm toán không phải mục mà tệp neo ghi nhận: "
            f"nhật ký đã bị viết lại hoặc bị cắt rồi ghi thêm, từ mục #{claimed} trở về trước.",
        )
    return None


def _intact(n: int, head_: tuple[int, str] | None, anchored: int | None) -> Verdict:
    """The verdict on a log with nothing wrong."""
    if not n:
        en, vi = "Audit log intact: no entries yet.", "Nhật ký toàn vẹn: chưa có mục nào."
    else:
        where_en = f"; entry #{anchored} anchored outside the database" if anchored else ""
        where_vi = f"; mục #{anchored} đã được neo ngoài cơ sở dữ liệu" if anchored else ""
        en = (
            f"Audit log intact: {n} entries, each matching its hash and the entry before it"
            f"{where_en}. Newest: #{head_[0]}, hash {short(head_[1])}."
        )
        vi = (
            f"Nhật ký toàn vẹn: {n} mục, mục nào cũng khớp mã kiểm tra và mục đứng trước"
            f"{where_vi}. Mục mới nhất: #{head_[0]}, mã {short(head_[1])}."
        )
    return Verdict(True, n, head_, anchored, en, vi)


def check_chain(db) -> tuple[bool, int | None]:
    """(True, None) when the log verifies, else (False, the first bad entry's number)."""
    verdict = verify(db)
    return verdict.intact, (None if verdict.intact else verdict.first_bad)
