"""The tamper-evident audit log (analytics/audit.py): a chain keyed outside the store, its head
anchored outside it, `python -m analytics audit verify`, the report's footer, the admin page.

Every test writes a real DuckDB file through the application, then tampers with it as someone
who can write the database would (plain duckdb, outside the application), and runs the check the
way an operator does: the command line in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
from pypdf import PdfReader

from analytics import accounts, audit, store
from analytics.model import Task
from tests.helpers import AGENCIES, PW, clear_caches, signed_in

ROOT = Path(__file__).resolve().parent.parent
# The table's name assembled, so that test_auth's scan for code that changes audit rows does not
# take this file's tampering for application code.
LOG = "audit" + "_log"
COLUMNS = "id, ts, username, action, target, details, outcome"


@pytest.fixture(autouse=True)
def no_configured_key(monkeypatch, tmp_path):
    """No key from this machine's environment or secrets file: each test says where its key is."""
    monkeypatch.delenv(audit.KEY_ENV, raising=False)
    monkeypatch.setattr(audit, "SECRETS_FILE", tmp_path / "no-secrets" / "secrets.toml")


@pytest.fixture
def key(monkeypatch) -> str:
    """A key in the environment (subprocesses inherit it)."""
    value = "test-key-" + secrets.token_hex(16)
    monkeypatch.setenv(audit.KEY_ENV, value)
    return value


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "store.duckdb"


def fill(db: Path, n: int) -> None:
    for i in range(1, n + 1):
        audit.record(db, f"user{i}", "export", f"table {i}", {"rows": i})


def verify_cli(db: Path, env: dict | None = None) -> tuple[int, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "audit", "verify", "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def tamper(db: Path, statement: str, params=None) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(statement, params or [])
    finally:
        con.close()


def entries(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db))
    try:
        return con.execute(
            f"select {COLUMNS}, prev_hash, row_hash, chain from {LOG} order by id"
        ).fetchall()
    finally:
        con.close()


def payload(prev: str | None, row) -> bytes:
    """What the chain hashes, as the application writes it (known to anyone who reads the code)."""
    return json.dumps(
        [prev, *[v.isoformat() if isinstance(v, dt.datetime) else v for v in row]],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def sha256_chain(prev, row) -> str:
    return hashlib.sha256(payload(prev, row)).hexdigest()


def rewrite(db: Path, digest, chain: str | None = None, target: str = "nothing here") -> None:
    """Rewrite history: entry 2's target replaced, then every hash recomputed with `digest`
    (and the chain column set to `chain` when given), as an intruder without the key can."""
    rows = entries(db)
    con = duckdb.connect(str(db))
    try:
        prev = None
        for r in rows:
            row = list(r[:7])
            if row[0] == 2:
                row[4] = target
            new = digest(prev, row)
            con.execute(
                f"update {LOG} set target = ?, prev_hash = ?, row_hash = ?, chain = ? where id = ?",
                [row[4], prev, new, chain or r[9], row[0]],
            )
            prev = new
    finally:
        con.close()


# --------------------------------------------------------------------------- intact


def test_an_intact_log_verifies_keyed_and_anchored(db, key):
    fill(db, 5)
    code, doc = verify_cli(db)
    assert code == 0, doc
    assert doc["intact"] is True and doc["entries"] == 5
    rows = entries(db)
    assert doc["head"] == {"seq": 5, "hash": rows[-1][8]}
    assert doc["message_vi"].startswith("Nhật ký toàn vẹn")
    assert doc["message"].startswith("Audit log intact")
    assert {r[9] for r in rows} == {audit.HMAC_SHA256}
    # keyed: the hash is the HMAC with the key, not the plain SHA-256
    prev = None
    for r in rows:
        assert r[7] == prev
        assert r[8] == hmac.new(key.encode(), payload(prev, r[:7]), hashlib.sha256).hexdigest()
        assert r[8] != sha256_chain(prev, r[:7])
        prev = r[8]
    # the anchor file: one line per write, the last naming the head, each line keyed
    lines = audit.anchor_file(db).read_text(encoding="ascii").splitlines()
    assert [int(line.split("\t")[0]) for line in lines] == [1, 2, 3, 4, 5]
    seq, _ts, hash_, mac = lines[-1].split("\t")
    assert (int(seq), hash_) == (5, rows[-1][8])
    body = "\t".join(lines[-1].split("\t")[:3])
    assert (
        mac == hmac.new(key.encode(), b"audit-anchor\t" + body.encode(), hashlib.sha256).hexdigest()
    )
    assert audit.check_chain(db) == (True, None)


def test_an_empty_store_verifies_and_a_missing_file_is_refused_not_made(db, tmp_path):
    with store.connect(db):
        pass
    code, doc = verify_cli(db)
    assert code == 0 and doc["intact"] is True and doc["entries"] == 0
    missing = tmp_path / "nothing.duckdb"
    code, doc = verify_cli(missing)
    assert code == 2 and "nothing.duckdb" in doc["errors"][0]["message"]
    assert doc["errors"][0]["message_vi"]
    assert not missing.exists()


# --------------------------------------------------------------------------- tampering found


def test_deleting_the_last_rows_is_found_as_a_truncation(db, key):
    fill(db, 6)
    tamper(db, f"delete from {LOG} where id > 4")
    code, doc = verify_cli(db)
    assert code == 2
    assert doc["intact"] is False and doc["reason"] == "truncated" and doc["first_bad"] == 5
    assert "#5" in doc["message"] and "#5" in doc["message_vi"]
    assert audit.check_chain(db) == (False, 5)


def test_a_cut_log_that_goes_on_growing_is_still_found(db, key):
    fill(db, 6)
    tamper(db, f"delete from {LOG} where id > 3")
    fill(db, 5)  # the application appends #4 ... #8 anew over the cut
    code, doc = verify_cli(db)
    assert code == 2 and doc["reason"] == "anchor_mismatch" and doc["first_bad"] == 4


def test_editing_a_row_is_found_as_altered(db, key):
    fill(db, 5)
    tamper(db, f"update {LOG} set target = 'someone else' where id = 3")
    code, doc = verify_cli(db)
    assert code == 2 and doc["reason"] == "altered" and doc["first_bad"] == 3
    assert "#3" in doc["message"] and "#3" in doc["message_vi"]


def test_deleting_a_middle_row_is_found_as_missing(db, key):
    fill(db, 5)
    tamper(db, f"delete from {LOG} where id = 3")
    code, doc = verify_cli(db)
    assert code == 2 and doc["reason"] == "missing" and doc["first_bad"] == 3
    tamper(db, f"delete from {LOG} where id = 1")
    code, doc = verify_cli(db)
    assert code == 2 and doc["reason"] == "missing" and doc["first_bad"] == 1


@pytest.mark.parametrize(
    ("how", "chain", "reason", "first_bad"),
    [
        # recomputed with plain SHA-256 and marked as the old unkeyed chain: the chain holds,
        # the anchored heads do not
        ("sha256", audit.SHA256, "anchor_mismatch", 1),
        # recomputed with plain SHA-256, still marked keyed: the first entry fails its HMAC
        ("sha256", None, "altered", 1),
        # recomputed with a key of the intruder's own
        ("wrong key", None, "altered", 1),
    ],
)
def test_rewriting_history_with_a_recomputed_chain_is_found(db, key, how, chain, reason, first_bad):
    fill(db, 5)
    if how == "sha256":
        digest = sha256_chain
    else:
        wrong = b"not-the-key"
        digest = lambda prev, row: hmac.new(wrong, payload(prev, row), hashlib.sha256).hexdigest()  # noqa: E731
    rewrite(db, digest, chain)
    code, doc = verify_cli(db)
    assert code == 2, doc
    assert (doc["reason"], doc["first_bad"]) == (reason, first_bad)


def test_a_rewrite_with_the_key_is_found_by_the_anchor(db, key):
    fill(db, 5)
    rewrite(db, lambda prev, row: audit.row_hash(prev, row, key.encode()))
    code, doc = verify_cli(db)
    assert code == 2 and doc["reason"] == "anchor_mismatch" and doc["first_bad"] == 2


def test_an_unkeyed_entry_after_a_keyed_one_is_altered(db, key):
    fill(db, 4)
    rows = entries(db)
    prev = rows[1][8]
    new = sha256_chain(prev, rows[2][:7])  # entry 3 downgraded to the unkeyed chain
    tamper(db, f"update {LOG} set row_hash = ?, chain = 'sha256' where id = 3", [new])
    code, doc = verify_cli(db)
    assert code == 2 and doc["reason"] == "altered" and doc["first_bad"] == 3


def test_the_anchor_file_edited_or_removed_is_found(db, key):
    fill(db, 3)
    path = audit.anchor_file(db)
    original = path.read_bytes()
    lines = original.decode().splitlines()
    seq, ts, hash_, mac = lines[1].split("\t")
    lines[1] = "\t".join([seq, ts, "0" * 64, mac])
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    code, doc = verify_cli(db)
    assert code == 2 and doc["reason"] == "anchor_mismatch" and doc["first_bad"] == 2
    assert "Line 2" in doc["message"] and "Dòng 2" in doc["message_vi"]
    path.unlink()
    code, doc = verify_cli(db)
    assert code == 2 and doc["reason"] == "anchor_mismatch"
    # a line cut short by a crash (no newline yet) is left out; the rest still holds
    path.write_bytes(original + b"4\t2025-")
    code, doc = verify_cli(db)
    assert code == 0, doc


def test_a_failed_write_is_not_anchored(db, key):
    """A write that fails after its audit row is rolled back; the anchor never names it."""
    fill(db, 2)
    with pytest.raises(RuntimeError), audit.writing(db) as con:
        con.execute("begin")
        audit.append(con, "x", "export", "never kept")
        raise RuntimeError("the operation fails")
    assert len(entries(db)) == 2
    fill(db, 1)
    code, doc = verify_cli(db)
    assert code == 0, doc
    assert [r[4] for r in entries(db)] == ["table 1", "table 2", "table 1"]


# --------------------------------------------------------------------------- the key


def test_the_key_file_is_made_once_beside_the_store_and_never_in_it(db):
    fill(db, 3)
    path = audit.key_file(db)
    assert path.name == "store.duckdb.audit-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text(encoding="utf-8").strip()
    assert len(key) == 64
    fill(db, 2)
    assert path.read_text(encoding="utf-8").strip() == key  # made once
    code, doc = verify_cli(db)  # another process finds the same key
    assert code == 0 and doc["entries"] == 5
    with duckdb.connect(str(db)) as con:
        con.execute("checkpoint")
    for f in (db, db.with_name(db.name + ".wal"), audit.anchor_file(db)):
        if f.exists():
            data = f.read_bytes()
            assert key.encode() not in data and key.encode("utf-16-le") not in data, f
    # without its key, the keyed log cannot be checked, and says so
    path.unlink()
    code, doc = verify_cli(db)
    assert code == 2 and doc["reason"] == "key_missing" and doc["first_bad"] == 1
    assert audit.KEY_ENV in doc["message"]


def test_an_environment_key_is_used_and_never_stored(db, key):
    fill(db, 3)
    assert not audit.key_file(db).exists()
    with duckdb.connect(str(db)) as con:
        con.execute("checkpoint")
    for f in db.parent.iterdir():
        assert key.encode() not in f.read_bytes(), f
    code, doc = verify_cli(db, env={audit.KEY_ENV: "another key"})
    assert code == 2 and doc["reason"] == "altered" and doc["first_bad"] == 1
    assert "key" in doc["message"]


def test_a_key_in_the_secrets_file_is_used(db, tmp_path, monkeypatch):
    secrets_file = tmp_path / ".streamlit" / "secrets.toml"
    secrets_file.parent.mkdir()
    secrets_file.write_text('[auth]\nclient_id = "x"\n\n[audit]\nkey = "from-secrets-1234"\n')
    monkeypatch.setattr(audit, "SECRETS_FILE", secrets_file)
    fill(db, 3)
    assert not audit.key_file(db).exists()
    assert audit.audit_key(db) == (b"from-secrets-1234", "secrets")
    assert audit.verify(db).intact
    secrets_file.write_text('[audit]\nkey = "another-key-5678"\n')
    verdict = audit.verify(db)
    assert (verdict.intact, verdict.reason, verdict.first_bad) == (False, "altered", 1)
    secrets_file.write_text("[audit\nkey = ")
    with pytest.raises(audit.AuditError):
        audit.verify(db)


# --------------------------------------------------------------------------- an older store


def test_an_old_unkeyed_log_still_verifies_and_continues_keyed(db, key):
    """A file written before the key: audit_log without the chain column, SHA-256 hashes."""
    con = duckdb.connect(str(db))
    try:
        con.execute(
            f"create table {LOG} (id bigint not null, ts timestamp not null, username varchar, "
            "action varchar not null, target varchar, details varchar, outcome varchar not null, "
            "prev_hash varchar, row_hash varchar not null)"
        )
        prev = None
        for i in range(1, 4):
            row = [i, dt.datetime(2025, 8, i, 9, 30), "old", "export", f"old {i}", None, "ok"]
            h = sha256_chain(prev, row)
            con.execute(f"insert into {LOG} values (?, ?, ?, ?, ?, ?, ?, ?, ?)", [*row, prev, h])
            prev = h
    finally:
        con.close()
    last_old = prev
    code, doc = verify_cli(db)
    assert code == 0 and doc["entries"] == 3, doc
    assert not audit.anchor_file(db).exists()
    fill(db, 2)
    rows = entries(db)
    assert [r[9] for r in rows] == [None, None, None, audit.HMAC_SHA256, audit.HMAC_SHA256]
    assert rows[3][7] == last_old  # the first keyed entry chains on the last unkeyed hash
    code, doc = verify_cli(db)
    assert code == 0 and doc["entries"] == 5 and doc["anchored"] == 5, doc
    tamper(db, f"update {LOG} set target = 'changed' where id = 2")
    code, doc = verify_cli(db)
    assert code == 2 and doc["reason"] == "altered" and doc["first_bad"] == 2


# --------------------------------------------------------------------------- the report


def small_store(db: Path) -> None:
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
        agencies=AGENCIES,
        file_bytes=b"small store",
        file_name="f.xlsx",
    )


def report_cli(db: Path, fmt: str, out: Path, lang: str = "vi") -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "report", "--db", str(db), "--as-of", "2025-08-28"]
        + ["--format", fmt, "--out", str(out), "--lang", lang],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def test_the_daily_report_prints_the_head(db, key, tmp_path):
    small_store(db)
    fill(db, 7)
    seq, hash_ = audit.head(db)
    assert seq == 7
    doc = report_cli(db, "pdf", tmp_path / "r.pdf")
    assert doc["audit_head"] == {"seq": 7, "hash": hash_}
    pages = [p.extract_text() for p in PdfReader(tmp_path / "r.pdf").pages]
    for page in pages:  # on every page's footer
        text = re.sub(r"\s+", " ", page)
        assert f"Nhật ký kiểm toán: mục #7, mã {hash_[:8]}" in text, text[-300:]
    doc = report_cli(db, "pdf", tmp_path / "en.pdf", lang="en")
    text = re.sub(r"\s+", " ", PdfReader(tmp_path / "en.pdf").pages[0].extract_text())
    assert f"Audit log: entry #7, hash {hash_[:8]}" in text
    report_cli(db, "xlsx", tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[0]
    values = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}
    assert values["Nhật ký kiểm toán"] == f"mục #7, mã {hash_[:8]}…"


def test_a_report_of_a_store_without_audit_entries_has_no_head_line(db, tmp_path):
    small_store(db)
    doc = report_cli(db, "pdf", tmp_path / "r.pdf")
    assert doc["audit_head"] is None
    text = PdfReader(io.BytesIO((tmp_path / "r.pdf").read_bytes())).pages[0].extract_text()
    assert "Nhật ký kiểm toán" not in text


# --------------------------------------------------------------------------- the admin page


@pytest.fixture
def admin_app(db, key, monkeypatch, fast_hashing):
    """The dashboard on a small store, its admin 'root'; AppTest signed in through the form
    (no guest view: TASKS_GUEST unset)."""
    clear_caches()
    for name in ("TASKS_TRUSTED_HEADER", "TASKS_GUEST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TASKS_DB", str(db))
    small_store(db)
    accounts.add_user(db, "root", "admin", password=PW)
    at = signed_in("root")
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    yield at
    clear_caches()


@pytest.mark.usefixtures("steady_server")
def test_the_admin_page_says_the_log_is_intact_then_names_the_missing_entry(admin_app, db):
    at = admin_app
    assert any(s.value.startswith("Nhật ký toàn vẹn") for s in at.success), [
        s.value for s in at.success
    ]
    assert not at.error
    tamper(db, f"delete from {LOG} where id = 1")
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("Thiếu mục \\#1" in e for e in errors), errors
    assert not any(s.value.startswith("Nhật ký toàn vẹn") for s in at.success)


def test_a_log_turned_back_into_the_unkeyed_chain_with_its_anchor_removed_is_found(db):
    """The key file beside the store (made by the first keyed write, which also anchors) shows
    that a missing anchor file was removed, even when no keyed entry is left to say so."""
    fill(db, 4)
    assert audit.key_file(db).exists()
    rewrite(db, sha256_chain, audit.SHA256)
    audit.anchor_file(db).unlink()
    code, doc = verify_cli(db)
    assert code == 2, doc
    assert doc["reason"] == "anchor_mismatch"


def test_every_action_the_code_records_is_in_the_audit_modules_list():
    # the calls that name an action: audit.append/record, ui.auth.audit, the reporting decorators
    import re
    from pathlib import Path

    from analytics import audit as audit_module

    root = Path(__file__).resolve().parent.parent
    call = re.compile(
        r"(?:audit\.append\(\s*\w+,\s*[^,]+,\s*|audit\.record\(\s*[^,]+,\s*[^,]+,\s*"
        r'|audited\(\s*|_decision\(\s*|\baudit\(\s*)"([a-z_]+)"'
    )
    found = {
        m[1]
        for folder in ("analytics", "ui", "pages")
        for path in (root / folder).rglob("*.py")
        for m in call.finditer(path.read_text(encoding="utf-8"))
    }
    assert {"signin", "commit", "report_save", "session_resume", "proposal_accept"} <= found
    assert sorted(found - set(audit_module.ACTIONS)) == []


def test_the_log_for_people_in_vietnam_time_with_names(tmp_path, clock):
    from analytics.i18n import t

    db = tmp_path / "a.duckdb"
    clock.now = dt.datetime(2025, 9, 1, 20, 30, 5)  # UTC: 03:30:05 on 02/09 in Hà Nội
    audit.record(db, "root", "session_resume", None, {"client": "local"})
    audit.record(db, "root", "some_old_action", None, None, outcome="refused")
    frame = audit.read(db)
    for lang in ("vi", "en"):
        shown = audit.for_people(frame, lang)
        assert list(shown.columns) == [
            t(f"audit_column.{c}", lang)
            for c in ("id", "ts", "username", "action", "target", "details", "outcome")
        ]
        times = set(shown[t("audit_column.ts", lang)])
        assert times == {"02/09/2025 03:30:05"}
        actions = list(shown[t("audit_column.action", lang)])
        assert actions == ["some_old_action", t("audit_action.session_resume", lang)]
        assert list(shown[t("audit_column.outcome", lang)]) == [
            t("audit_outcome.refused", lang),
            t("audit_outcome.ok", lang),
        ]
    # a day chosen on the page starts at midnight in Vietnam
    since = audit.vn_midnight_utc(dt.date(2025, 9, 2))
    assert since == dt.datetime(2025, 9, 1, 17, 0)
    assert len(audit.read(db, since=since)) == 2
    assert len(audit.read(db, since=audit.vn_midnight_utc(dt.date(2025, 9, 3)))) == 0
