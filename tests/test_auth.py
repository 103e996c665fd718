"""Accounts, roles, sign-in rate limiting and the append-only audit log (analytics/accounts.py,
throttle.py, audit.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analytics import access, accounts, throttle
from analytics import audit as audit_log
from analytics.access import GUEST, User

ROOT = Path(__file__).resolve().parent.parent
PW = "correct horse battery"
PRODUCTION_HASHER = accounts._hasher  # before the fixture below swaps in a fast one


def commit_small_store(db) -> None:
    """Two agencies' tasks in one snapshot, so the store is not empty."""
    from types import SimpleNamespace

    from analytics import store
    from analytics.model import Task

    agencies = [
        SimpleNamespace(
            id="mof", name_vi="Bộ Tài chính", name_en="Ministry of Finance", type="ministry"
        ),
        SimpleNamespace(id="p01", name_vi="Hà Nội", name_en="Hanoi", type="province"),
    ]
    tasks = [
        Task(
            task_id=f"t{i}",
            title=f"Nhiệm vụ {i}",
            lead_ids=(lead,),
            lead_text=lead,
            deadline=dt.date(2025, 9, 30),
            deadline_text="30/09/2025",
            deadline_kind="date",
            status_class="in_progress_on_time",
            row=5 + i,
            sheet="Sheet1",
        )
        for i, lead in enumerate(["mof", "p01"], 1)
    ]
    store.commit_snapshot(
        db,
        source="S",
        as_of=dt.date(2025, 8, 28),
        tasks=tasks,
        agencies=agencies,
        file_bytes=b"small store",
        file_name="f.xlsx",
    )


@pytest.fixture
def db(tmp_path):
    return tmp_path / "auth.duckdb"


@pytest.fixture(autouse=True)
def fast_hashes(fast_hashing):
    """Cheap argon2id parameters for speed (the production ones are checked separately)."""


def signins(db, username):
    frame = audit_log.read(db, actions=["signin"], username=username)
    return list(zip(frame["outcome"], frame["details"].map(json.loads), strict=True))[::-1]


# --------------------------------------------------------------------------- hashing


def test_production_hasher_is_argon2id_with_strong_parameters():
    h = PRODUCTION_HASHER
    assert h.type.name == "ID"
    assert h.memory_cost >= 64 * 1024 and h.time_cost >= 3 and h.salt_len >= 16


def test_password_stored_only_as_argon2_hash(db):
    accounts.add_user(db, "Alice", "leader", password=PW)
    con = duckdb.connect(str(db))
    try:
        stored = con.execute("select password_hash from users where username = 'alice'").fetchone()[
            0
        ]
    finally:
        con.close()
    assert stored.startswith("$argon2id$")
    assert PW not in stored
    assert "password_hash" not in accounts.list_users(db).columns


def test_generated_password_signs_in_and_wrong_password_fails(db, clock):
    generated = accounts.add_user(db, "bob", "leader")
    assert generated and len(generated) >= 16
    u = accounts.verify_password(db, "BOB ", generated)  # names are case- and space-insensitive
    assert u == User("bob", "leader", "", ())
    clock.tick(60)
    assert accounts.verify_password(db, "bob", generated + "x") is None
    assert [o for o, _ in signins(db, "bob")] == ["ok", "failure"]
    assert signins(db, "bob")[1][1]["reason"] == "wrong_password"


def test_given_password_must_be_long_enough(db):
    with pytest.raises(accounts.AuthError, match="at least"):
        accounts.add_user(db, "carol", "leader", password="short")
    assert accounts.get_user(db, "carol") is None


# --------------------------------------------------------------------------- rate limiting


def test_lockout_after_five_failures_and_audit_records_it(db, clock):
    accounts.add_user(db, "dan", "agency_editor", password=PW, agency_ids=["mof"])
    for i in range(throttle.MAX_FAILURES):
        assert accounts.verify_password(db, "dan", f"guess-{i}") is None
        clock.tick(60)  # wait out the growing delay each time
    # the right password is refused now: locked for 15 minutes from the last failure
    with pytest.raises(accounts.Locked) as info:
        accounts.verify_password(db, "dan", PW)
    assert info.value.reason == "locked"
    assert 10 * 60 <= info.value.seconds <= 15 * 60
    events = signins(db, "dan")
    assert [o for o, _ in events] == ["failure"] * 5 + ["locked"]
    assert [e["failures"] for _, e in events[:5]] == [1, 2, 3, 4, 5]
    lockout = audit_log.read(db, actions=["signin_lockout"])
    assert list(lockout["username"]) == ["dan"] and list(lockout["outcome"]) == ["locked"]
    assert json.loads(lockout["details"][0]) == {
        "failures": 5,
        "locked_for_s": 15 * 60,
        "client": "local",
    }
    # the lock runs 15 minutes from the fifth failure; attempts during it do not extend it
    clock.tick(13 * 60)
    with pytest.raises(accounts.Locked) as info:
        accounts.verify_password(db, "dan", PW)
    assert info.value.seconds == 60
    clock.tick(60)
    assert accounts.verify_password(db, "dan", PW).username == "dan"
    # a success resets the count
    assert throttle.retry_after(db, "dan") is None


def test_rapid_attempts_are_slowed_and_count_towards_the_lockout(db, clock):
    accounts.add_user(db, "erin", "leader", password=PW)
    assert accounts.verify_password(db, "erin", "nope-nope-1") is None
    waits = []
    for _ in range(5):  # no time passes: each attempt falls inside the growing delay
        with pytest.raises(accounts.Locked) as info:
            accounts.verify_password(db, "erin", PW)
        waits.append((info.value.reason, info.value.seconds))
    # the fifth attempt starts the lockout
    assert waits == [
        ("throttled", 1),
        ("throttled", 2),
        ("throttled", 4),
        ("locked", 900),
        ("locked", 900),
    ]
    assert [o for o, _ in signins(db, "erin")] == ["failure"] + ["throttled"] * 4 + ["locked"]


def test_delay_grows_per_failure(db, clock):
    accounts.add_user(db, "fay", "leader", password=PW)
    for n in range(1, 5):
        assert accounts.verify_password(db, "fay", "wrong-wrong") is None
        seconds, reason = throttle.retry_after(db, "fay")
        assert reason == "throttled" and seconds == pytest.approx(2 ** (n - 1))
        clock.tick(2 ** (n - 1) + 0.01)


def test_unknown_user_is_throttled_like_a_known_one(db, clock):
    for _ in range(5):
        assert accounts.verify_password(db, "nobody", "whatever-1") is None
        clock.tick(60)
    with pytest.raises(accounts.Locked):
        accounts.verify_password(db, "nobody", "whatever-1")
    assert signins(db, "nobody")[0][1]["reason"] == "unknown_user"


def test_admin_unlock_clears_a_lockout(db, clock):
    accounts.add_user(db, "gus", "leader", password=PW)
    for _ in range(5):
        accounts.verify_password(db, "gus", "wrong-wrong")
        clock.tick(60)
    with pytest.raises(accounts.Locked):
        accounts.verify_password(db, "gus", PW)
    accounts.unlock_user(db, "gus", by="root")
    clock.tick(1)
    assert accounts.verify_password(db, "gus", PW).username == "gus"


# --------------------------------------------------------------------------- disabled users, roles


def test_disabled_user_cannot_sign_in(db, clock):
    accounts.add_user(db, "hal", "agency_editor", password=PW, agency_ids=["mof"])
    assert accounts.get_user(db, "hal").agency_ids == ("mof",)
    accounts.disable_user(db, "hal", by="root")
    assert accounts.get_user(db, "hal") is None
    assert accounts.verify_password(db, "hal", PW) is None
    assert signins(db, "hal")[-1][1]["reason"] == "disabled"
    accounts.enable_user(db, "hal", by="root")
    clock.tick(60)
    assert accounts.verify_password(db, "hal", PW).role == "agency_editor"
    actions = audit_log.read(db, actions=["user_disable", "user_enable"])
    assert set(actions["username"]) == {"root"} and set(actions["target"]) == {"hal"}


@pytest.mark.parametrize(
    ("role", "agencies", "message"),
    [
        ("superuser", (), "Unknown role"),
        ("guest", (), "Unknown role"),
        ("", (), "Unknown role"),
        ("agency_viewer", (), "needs at least one agency"),
        ("agency_editor", ("no-such-agency",), "Unknown agency"),
        ("admin", ("mof",), "not tied to an agency"),
    ],
)
def test_role_and_agency_validation(db, role, agencies, message):
    with pytest.raises(accounts.AuthError, match=message):
        accounts.add_user(db, "ivy", role, password=PW, agency_ids=agencies)
    assert accounts.get_user(db, "ivy") is None


@pytest.mark.parametrize("name", ["", " ", "a b", "x" * 200, "guest", "<script>", "a;drop"])
def test_bad_usernames_are_refused(db, name):
    with pytest.raises(accounts.AuthError):
        accounts.add_user(db, name, "leader", password=PW)


def test_set_role_and_agencies(db):
    accounts.add_user(db, "jo", "agency_viewer", password=PW, agency_ids=["p01"])
    assert accounts.get_user(db, "jo").scope.agency_ids == frozenset({"p01"})
    accounts.set_role(db, "jo", "agency_editor", by="root")  # agencies kept
    assert accounts.get_user(db, "jo") == User("jo", "agency_editor", "", ("p01",))
    accounts.set_role(db, "jo", "leader", by="root")  # agencies dropped
    assert accounts.get_user(db, "jo") == User("jo", "leader", "", ())
    with pytest.raises(accounts.AuthError):
        accounts.set_role(db, "jo", "agency_viewer")  # needs an agency again
    with pytest.raises(accounts.AuthError):
        accounts.set_role(db, "jo", "root")
    with pytest.raises(accounts.AuthError, match="No user"):
        accounts.set_role(db, "nobody", "leader")


def test_unknown_role_in_the_table_is_denied(db):
    accounts.add_user(db, "kim", "leader", password=PW)
    con = duckdb.connect(str(db))
    try:
        con.execute("update users set role = 'superuser' where username = 'kim'")
    finally:
        con.close()
    assert accounts.get_user(db, "kim") is None
    assert User("kim", "superuser").scope.agency_ids == frozenset()
    assert not User("kim", "superuser").allows("view")


def test_last_active_admin_cannot_be_removed(db):
    accounts.add_user(db, "root", "admin", password=PW)
    with pytest.raises(accounts.AuthError, match="only active administrator"):
        accounts.disable_user(db, "root")
    with pytest.raises(accounts.AuthError, match="only active administrator"):
        accounts.set_role(db, "root", "leader")
    accounts.add_user(db, "root2", "admin", password=PW)
    accounts.disable_user(db, "root")
    assert accounts.get_user(db, "root") is None


def test_ensure_admin(db, clock):
    password = accounts.ensure_admin(db)
    assert password
    assert accounts.verify_password(db, "admin", password).is_admin
    assert accounts.ensure_admin(db) is None
    # no active admin any more (the table was edited by hand): 'admin' is restored
    con = duckdb.connect(str(db))
    try:
        con.execute("update users set disabled = true where username = 'admin'")
    finally:
        con.close()
    again = accounts.ensure_admin(db)
    assert again and again != password
    clock.tick(60)
    assert accounts.verify_password(db, "admin", again).is_admin
    assert "user_recover" in set(audit_log.read(db)["action"])


# --------------------------------------------------------------------------- roles and permissions


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (
            "admin",
            {
                "view",
                "export",
                "upload",
                "report",
                "retract",
                "restore",
                "manage_users",
                "manage_agencies",
                "read_audit",
                "admin",
                "confirm",
                "approve",
                "cancel",
                "open_round",
            },
        ),
        ("agency_editor", {"view", "export", "upload", "report"}),
        ("leader", {"view", "export"}),
        ("agency_viewer", {"view", "export"}),
        ("guest", {"view", "export"}),
        ("nonsense", set()),
    ],
)
def test_permission_matrix(role, allowed):
    u = User("u", role, agency_ids=("mof",) if role.startswith("agency") else ())
    perms = set(access.PERMISSIONS) | {"delete_everything"}
    assert {p for p in perms if u.allows(p)} == allowed
    assert u.can_admin == ("admin" in allowed)
    assert u.can_upload == ("upload" in allowed)
    assert u.can_read_audit == ("read_audit" in allowed)


def test_agency_editor_may_update_only_its_own_agencies():
    editor = User("e", "agency_editor", agency_ids=("mof",))
    assert editor.may_update(["mof"])
    assert not editor.may_update(["mof", "p01", "most"])
    assert editor.refused_agencies(["mof", "p01", "most"]) == ("most", "p01")
    assert User("a", "admin").refused_agencies(["mof", "p01"]) == ()
    assert User("l", "leader").refused_agencies(["mof"]) == ("mof",)
    assert not GUEST.may_update([])
    assert User("v", "agency_viewer", agency_ids=("p01",)).scope.agency_ids == frozenset({"p01"})
    assert User("v", "agency_viewer").scope.agency_ids == frozenset()  # no agency: nothing


# --------------------------------------------------------------------------- the audit log


def test_record_and_read_audit(db, clock):
    audit_log.record(db, "root", "upload", "f.xlsx", {"sha256": "ab" * 32, "rows": 3})
    clock.tick(3600)
    audit_log.record(db, "ed", "commit", "snapshot 4", {"tasks": 12, "title": '=HYPERLINK("x")'})
    clock.tick(60)
    audit_log.record(db, "ed", "export", "tasks", {"format": "csv"}, outcome="ok")
    frame = audit_log.read(db)
    assert list(frame["action"]) == ["export", "commit", "upload"]  # newest first
    assert json.loads(frame.loc[1, "details"])["title"] == '=HYPERLINK("x")'
    assert list(audit_log.read(db, since=dt.datetime(2025, 9, 1, 8, 30))["action"]) == [
        "export",
        "commit",
    ]
    assert list(audit_log.read(db, actions=["upload"])["target"]) == ["f.xlsx"]
    assert len(audit_log.read(db, limit=1)) == 1
    assert list(audit_log.read(db, username="ED")["action"]) == ["export", "commit"]
    with pytest.raises(ValueError):
        audit_log.record(db, "x", "drop table; --")
    assert audit_log.check_chain(db) == (True, None)


def test_audit_chain_reveals_edits_made_outside_the_app(db):
    for i in range(3):
        audit_log.record(db, "u", "export", f"t{i}")
    con = duckdb.connect(str(db))
    try:
        # Tampering by hand (what the application never does), written so that the
        # code-base scan below does not mistake this test for application code.
        con.execute(" ".join(["UPDATE", "audit_log", "SET target = 'x' WHERE id = 2"]))
    finally:
        con.close()
    assert audit_log.check_chain(db) == (False, 2)


def test_read_functions_work_on_an_empty_database(db):
    assert accounts.get_user(db, "x") is None
    assert accounts.list_users(db).empty
    assert audit_log.read(db).empty
    assert throttle.retry_after(db, "x") is None


APPEND_ONLY_VIOLATION = re.compile(
    r"\b(?:update\s+(?:\w+\.)?audit_log"
    r"|delete\s+from\s+(?:\w+\.)?audit_log"
    r"|truncate\s+(?:table\s+)?(?:\w+\.)?audit_log"
    r"|drop\s+table\s+(?:if\s+exists\s+)?(?:\w+\.)?audit_log"
    r"|alter\s+table\s+(?:\w+\.)?audit_log"
    r"|insert\s+or\s+replace\s+into\s+(?:\w+\.)?audit_log)\b",
    re.IGNORECASE,
)


def test_no_code_changes_or_deletes_audit_rows():
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in {".venv", ".git", "node_modules"} or "site-packages" in rel.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in APPEND_ONLY_VIOLATION.finditer(text):  # also across line breaks
            lineno = text.count("\n", 0, m.start()) + 1
            offenders.append(f"{rel}:{lineno}: {m.group(0)!r}")
    assert offenders == []
    # the scan does find such statements (samples assembled here so it does not find itself)
    for verb in ("DELETE FROM", "update main.", "Truncate table", "drop table if exists"):
        sample = verb + ("" if verb.endswith(".") else " ") + "audit_log"
        assert APPEND_ONLY_VIOLATION.search(f'con.execute("{sample} where id = 1")'), sample


# --------------------------------------------------------------------------- command line


def cli(*args, db, stdin=None):
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *args, "--db", str(db)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None, proc.stderr


def test_cli_users_add_list_disable(db):
    code, doc, _ = cli(
        "users",
        "add",
        "Viewer1",
        "--role",
        "agency_viewer",
        "--agency",
        "p01",
        "--display-name",
        "Sở Hà Nội",
        db=db,
    )
    assert code == 0
    assert doc["user"] == {
        **doc["user"],
        "username": "viewer1",
        "role": "agency_viewer",
        "agency_ids": ["p01"],
        "disabled": False,
        "display_name": "Sở Hà Nội",
    }
    generated = doc["password"]
    assert accounts.verify_password(db, "viewer1", generated).scope.agency_ids == frozenset({"p01"})

    code, doc, _ = cli(
        "users",
        "add",
        "ed",
        "--role",
        "agency_editor",
        "--agency",
        "mof",
        "--agency",
        "most",
        "--password-stdin",
        db=db,
        stdin=PW + "\n",
    )
    assert code == 0 and "password" not in doc
    assert doc["user"]["agency_ids"] == ["mof", "most"]

    code, doc, _ = cli("users", "list", db=db)
    assert code == 0
    assert [u["username"] for u in doc["users"]] == ["ed", "viewer1"]
    assert all("password_hash" not in u for u in doc["users"])

    code, doc, _ = cli("users", "disable", "ed", db=db)
    assert code == 0 and doc["user"]["disabled"] is True
    assert accounts.get_user(db, "ed") is None
    code, doc, _ = cli("users", "enable", "ed", db=db)
    assert code == 0 and doc["user"]["disabled"] is False

    code, doc, _ = cli("users", "set-role", "ed", "leader", db=db)
    assert code == 0 and doc["user"]["role"] == "leader" and doc["user"]["agency_ids"] == []

    code, doc, _ = cli("users", "set-password", "ed", db=db)
    assert code == 0 and accounts.verify_password(db, "ed", doc["password"]).role == "leader"

    audit = audit_log.read(db)
    assert set(audit["action"]) >= {
        "user_add",
        "user_disable",
        "user_enable",
        "user_set_role",
        "user_set_password",
    }
    assert all(str(u).startswith("cli") for u in audit.loc[audit["action"] != "signin", "username"])


@pytest.mark.parametrize(
    "args",
    [
        ("users", "add", "x1", "--role", "boss"),
        ("users", "add", "x1", "--role", "agency_viewer"),
        ("users", "add", "x1", "--role", "agency_viewer", "--agency", "atlantis"),
        ("users", "disable", "ghost"),
        ("users", "set-role", "ghost", "leader"),
        ("users", "add", "bad name", "--role", "leader"),
    ],
)
def test_cli_bad_input_exits_2_with_json(db, args):
    code, doc, _ = cli(*args, db=db)
    assert code == 2
    assert doc["errors"][0]["message"]


def test_cli_short_password_on_stdin_is_refused(db):
    code, doc, _ = cli(
        "users", "add", "x2", "--role", "leader", "--password-stdin", db=db, stdin="abc\n"
    )
    assert code == 2 and "at least" in doc["errors"][0]["message"]
    assert accounts.get_user(db, "x2") is None


def test_bootstrap_prints_a_one_time_admin_password(db):
    commit_small_store(db)  # not empty, so bootstrap does not need the bundled sample
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "bootstrap", "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    match = re.search(r"username: admin\s+password: (\S+)", proc.stderr)
    assert match, proc.stderr
    assert "hash" in proc.stderr
    assert accounts.verify_password(db, "admin", match.group(1)).is_admin
    again = subprocess.run(
        [sys.executable, "-m", "analytics", "bootstrap", "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert again.returncode == 0
    assert "password:" not in again.stderr
