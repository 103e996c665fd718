"""Sign-in throttling by (username, client address) against real DuckDB files
(analytics/throttle.py).

A stranger's guesses lock the account for the stranger's address only; the owner, from another
address, still signs in. One address guessing across many usernames is stopped for all of them.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from analytics import accounts, audit, throttle

PW = "correct horse battery"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "throttle.duckdb"
    accounts.add_user(path, "admin", "admin", password=PW)
    accounts.add_user(path, "root", "admin", password=PW)
    accounts.add_user(path, "boss", "leader", password=PW)
    return path


@pytest.fixture(autouse=True)
def fast_hashes(fast_hashing):
    """Cheap argon2id parameters (tests/conftest.py)."""


def fail(db, clock, username: str, client: str | None, times: int = 1, gap: float = 60) -> None:
    for _ in range(times):
        assert accounts.verify_password(db, username, "not-the-password", client=client) is None
        clock.tick(gap)  # past the growing delay of the pair


def lock_admin_from(db, clock, client: str) -> None:
    fail(db, clock, "admin", client, throttle.MAX_FAILURES)
    with pytest.raises(accounts.Locked) as info:
        accounts.verify_password(db, "admin", PW, client=client)
    assert info.value.reason == "locked"


# --------------------------------------------------------------------------- one pair


def test_a_lockout_leaves_the_right_password_working_from_another_client(db, clock):
    lock_admin_from(db, clock, ATTACKER)
    # the real admin, elsewhere, is not locked out, and neither is this machine
    assert accounts.verify_password(db, "admin", PW, client=OWNER).username == "admin"
    assert accounts.verify_password(db, "admin", PW).username == "admin"
    # and the owner's success does not lift the attacker's lockout
    with pytest.raises(accounts.Locked):
        accounts.verify_password(db, "admin", PW, client=ATTACKER)
    assert throttle.retry_after(db, "admin", client=ATTACKER)[1] == "locked"
    assert throttle.retry_after(db, "admin", client=OWNER) is None
    lockout = audit.read(db, actions=["signin_lockout"])
    assert list(lockout["target"]) == ["admin"]
    assert json.loads(lockout["details"][0])["client"] == ATTACKER
    clients = [json.loads(d)["client"] for d in audit.read(db, actions=["signin"])["details"]]
    assert set(clients) == {ATTACKER, OWNER, "local"}


def test_the_delay_grows_per_pair_not_per_username(db, clock):
    for n in range(1, 4):
        assert accounts.verify_password(db, "boss", "wrong-wrong", client=ATTACKER) is None
        seconds, reason = throttle.retry_after(db, "boss", client=ATTACKER)
        assert reason == "throttled" and seconds == pytest.approx(2 ** (n - 1))
        assert throttle.retry_after(db, "boss", client=OWNER) is None
        if n < 3:
            clock.tick(2 ** (n - 1) + 0.01)
    # no time passes: the attacker must wait (4 s after the third failure), the owner need not
    with pytest.raises(accounts.Locked) as info:
        accounts.verify_password(db, "boss", PW, client=ATTACKER)
    assert (info.value.reason, info.value.seconds) == ("throttled", 4)
    assert accounts.verify_password(db, "boss", PW, client=OWNER).username == "boss"


def test_one_ipv6_network_is_one_client(db, clock):
    # a machine holds a whole /64: rotating the low bits does not buy more guesses
    for i in range(throttle.MAX_FAILURES):
        fail(db, clock, "admin", f"2001:db8:1:2::{i + 1:x}")
    with pytest.raises(accounts.Locked):
        accounts.verify_password(db, "admin", PW, client="2001:db8:1:2:ffff::1")
    assert accounts.verify_password(db, "admin", PW, client="2001:db8:1:3::1").username == "admin"
    assert throttle.lockouts(db)["client"].tolist() == ["2001:db8:1:2::/64"]


@pytest.mark.parametrize(
    ("address", "key"),
    [
        (None, "local"),
        ("", "local"),
        ("127.0.0.1", "local"),
        ("::1", "local"),
        ("::ffff:127.0.0.1", "local"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("198.51.100.7", "198.51.100.7"),
        ("2001:DB8::1", "2001:db8::/64"),
        ("[2001:db8::1]", "2001:db8::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("not an address\n", "not an address"),
    ],
)
def test_client_key(address, key):
    assert throttle.client_key(address) == key


# --------------------------------------------------------------------------- many usernames


def test_one_client_guessing_across_thirty_usernames_is_stopped(db, clock):
    names = [f"user{i:02d}" for i in range(30)]
    refused = []
    for name in names:
        try:
            accounts.verify_password(db, name, "guess-guess", client=ATTACKER)
        except accounts.Locked as exc:
            refused.append((name, exc.reason))
        clock.tick(1)
    assert len(refused) == 30 - throttle.CLIENT_MAX_FAILURES
    assert {r for _, r in refused} == {"locked"}
    assert [n for n, _ in refused] == names[throttle.CLIENT_MAX_FAILURES :]
    # every username, right password included, is refused from that client ...
    with pytest.raises(accounts.Locked):
        accounts.verify_password(db, "boss", PW, client=ATTACKER)
    # ... and from nowhere else
    assert accounts.verify_password(db, "boss", PW, client=OWNER).username == "boss"
    # only the guessed names were hashed: the 10 refused attempts are in the log, not counted
    failures = audit.read(db, actions=["signin"])
    assert (failures["outcome"] == "failure").sum() == throttle.CLIENT_MAX_FAILURES
    lockout = audit.read(db, actions=["signin_lockout"])
    assert list(lockout["target"]) == [throttle.EVERY_USER]
    listed = throttle.lockouts(db)
    assert listed[["username", "client"]].values.tolist() == [[throttle.EVERY_USER, ATTACKER]]
    assert listed["failures"].iloc[0] == throttle.CLIENT_MAX_FAILURES + 11  # 10 names + boss


def test_the_client_limit_ends_with_the_lock(db, clock):
    for i in range(throttle.CLIENT_MAX_FAILURES):
        fail(db, clock, f"user{i:02d}", ATTACKER, gap=1)
    with pytest.raises(accounts.Locked) as info:
        accounts.verify_password(db, "boss", PW, client=ATTACKER)
    assert info.value.seconds == throttle.LOCK.total_seconds() - 1  # locked at the last failure
    clock.tick(throttle.LOCK.total_seconds())
    assert accounts.verify_password(db, "boss", PW, client=ATTACKER).username == "boss"


# --------------------------------------------------------------------------- admins and unlocking


def test_lockouts_list_admin_accounts_first_and_count_refused_attempts(db, clock):
    fail(db, clock, "boss", OWNER, throttle.MAX_FAILURES)
    lock_admin_from(db, clock, ATTACKER)  # one refused attempt during the lock
    listed = throttle.lockouts(db)
    assert listed.columns.tolist() == throttle.LOCKOUT_COLUMNS
    assert listed[["username", "client", "role", "failures"]].values.tolist() == [
        ["admin", ATTACKER, "admin", throttle.MAX_FAILURES + 1],
        ["boss", OWNER, "leader", throttle.MAX_FAILURES],
    ]
    assert listed["locked_until"].iloc[0] - listed["locked_at"].iloc[0] == throttle.LOCK
    clock.tick(throttle.LOCK.total_seconds())
    assert throttle.lockouts(db).empty  # over by itself


def test_unlocking_one_client_clears_that_pair_only(db, clock):
    lock_admin_from(db, clock, ATTACKER)
    lock_admin_from(db, clock, OWNER)
    assert accounts.unlock_user(db, "admin", by="root", client=OWNER) == 1
    assert throttle.lockouts(db)["client"].tolist() == [ATTACKER]
    assert accounts.verify_password(db, "admin", PW, client=OWNER).username == "admin"
    with pytest.raises(accounts.Locked):
        accounts.verify_password(db, "admin", PW, client=ATTACKER)
    row = audit.read(db, actions=["user_unlock"]).iloc[0]
    assert (row["username"], row["target"]) == ("root", "admin")
    assert json.loads(row["details"]) == {"lockouts": 1, "client": OWNER}


def test_unlocking_a_username_clears_every_client_and_a_client_wide_lock(db, clock):
    lock_admin_from(db, clock, ATTACKER)
    lock_admin_from(db, clock, OWNER)
    assert accounts.unlock_user(db, "admin", by="root") == 2
    assert throttle.lockouts(db).empty
    assert accounts.verify_password(db, "admin", PW, client=ATTACKER).username == "admin"
    for i in range(throttle.CLIENT_MAX_FAILURES):
        fail(db, clock, f"user{i:02d}", ATTACKER, gap=1)
    assert throttle.lockouts(db)["username"].tolist() == [throttle.EVERY_USER]
    with pytest.raises(accounts.AuthError):
        accounts.unlock_user(db, throttle.EVERY_USER, by="root")  # a client is needed
    assert accounts.unlock_user(db, throttle.EVERY_USER, by="root", client=ATTACKER) == 1
    assert accounts.verify_password(db, "boss", PW, client=ATTACKER).username == "boss"


def test_a_new_password_clears_the_lockouts(db, clock):
    lock_admin_from(db, clock, ATTACKER)
    accounts.set_password(db, "admin", PW + "!", by="root")
    assert throttle.lockouts(db).empty
    assert accounts.verify_password(db, "admin", PW + "!", client=ATTACKER).username == "admin"


# --------------------------------------------------------------------------- the store


def test_a_database_made_before_the_sign_in_tables_works(db, clock):
    con = duckdb.connect(str(db))
    try:
        con.execute("drop table signin_failures")
        con.execute("drop table signin_lockouts")
    finally:
        con.close()
    fail(db, clock, "admin", ATTACKER, throttle.MAX_FAILURES)
    assert throttle.lockouts(db)["username"].tolist() == ["admin"]
    assert accounts.verify_password(db, "admin", PW, client=OWNER).username == "admin"


def test_old_failures_are_not_kept(db, clock):
    fail(db, clock, "boss", ATTACKER, 3)
    clock.tick(throttle.WINDOW.total_seconds() + 1)
    fail(db, clock, "boss", OWNER)
    con = duckdb.connect(str(db))
    try:
        rows = con.execute("select username, client from signin_failures").fetchall()
    finally:
        con.close()
    assert rows == [("boss", OWNER)]
