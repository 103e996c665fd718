"""The command line's failures (issue 13, points 1 and 6): every failure prints its JSON.

- An unexpected failure (a report written where no file can be, a damaged database file) exits
  1 with `{"errors": [{"message": ..., "message_vi": ...}]}` in plain words on stdout; the
  traceback goes to the log (stderr), never into the JSON.
- A command that only reads the store (summary, report, snapshots, users list, agencies list)
  refuses a --db or TASKS_DB path where there is no database (exit 2, "no database at PATH")
  and creates nothing there; the commands that write (ingest, sample, users add) create it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import cli

ROOT = Path(__file__).resolve().parent.parent
# what a user must never see: a traceback, an exception's class name, errno or library words
_LEAKS = re.compile(r"Traceback|\b\w+(Error|Exception)\b|Errno|_duckdb|IO Error|File \"")


def run(*args, env: dict | None = None) -> tuple[int, dict, str]:
    environ = {k: v for k, v in os.environ.items() if k != "TASKS_DB"}
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**environ, **(env or {})},
    )
    assert proc.stdout.strip(), proc.stderr  # every outcome prints its JSON
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def assert_plain(doc: dict) -> dict:
    (error,) = doc["errors"]
    assert error["message"] and error["message_vi"]
    text = json.dumps(doc, ensure_ascii=False)
    assert not _LEAKS.search(text), text
    return error


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    """A store with one snapshot (one file ingested through the command line)."""
    folder = tmp_path_factory.mktemp("cli")
    csv = folder / "nq71.csv"
    csv.write_text("STT,Nội dung nhiệm vụ,Cơ quan chủ trì\n1,Việc một,Bộ Tài chính\n", "utf-8")
    db = folder / "tasks.duckdb"
    code, doc, err = run("ingest", str(csv), "--db", str(db), "--as-of", "2025-08-28")
    assert code == 0, (doc, err)
    return db


# --------------------------------------------------------------------------- exit 1


def test_a_report_written_where_no_file_can_be_prints_json(small_db, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    out = blocker / "reports" / "briefing.xlsx"  # a file stands where a folder should be
    code, doc, err = run("report", "--db", str(small_db), "--format", "xlsx", "--out", str(out))
    assert code == 1
    error = assert_plain(doc)
    assert error["code"] == "os_error"
    assert str(blocker / "reports") in error["message"]
    assert "không đọc hoặc ghi được" in error["message_vi"]
    assert "Traceback" in err  # the details stay on stderr for whoever runs the job
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("summary",),
        ("snapshots",),
        ("report", "--format", "pdf", "--out", "x.pdf"),
        ("users", "list"),
        ("ingest", "FILE"),
    ],
)
def test_a_damaged_database_file_prints_json(tmp_path, args):
    db = tmp_path / "tasks.duckdb"
    db.write_bytes(b"this is no database " * 500)
    csv = tmp_path / "nq71.csv"
    csv.write_text("STT,Nội dung nhiệm vụ,Cơ quan chủ trì\n1,Việc một,Bộ Tài chính\n", "utf-8")
    args = tuple(
        str(csv) if a == "FILE" else str(tmp_path / a) if a == "x.pdf" else a for a in args
    )
    code, doc, err = run(*args, "--db", str(db))
    assert code == 1
    error = assert_plain(doc)
    assert error["code"] == "database_error"
    assert "damaged" in error["message"] and "bị hỏng" in error["message_vi"]
    assert "Traceback" in err


def test_an_unexpected_failure_goes_to_the_log_not_into_the_json(
    small_db, tmp_path, monkeypatch, capsys, caplog
):
    from analytics import store

    def broken(*_a, **_k):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(store, "list_snapshots", broken)
    with caplog.at_level(logging.ERROR, logger="analytics.cli"):
        code = cli.main(["snapshots", "--db", str(small_db)])
    assert code == 1
    doc = json.loads(capsys.readouterr().out)
    error = assert_plain(doc)
    assert error["code"] == "unexpected_error" and "'snapshots'" in error["message"]
    assert "secret internal detail" not in json.dumps(doc)
    (record,) = [r for r in caplog.records if r.name == "analytics.cli"]
    assert record.exc_info and "secret internal detail" in str(record.exc_info[1])


def test_a_bad_command_line_prints_json_too():
    code, doc, err = run("summary", "--as-of", "yesterday")
    assert code == 2
    error = assert_plain(doc)
    assert error["code"] == "bad_arguments"
    assert "usage" in err  # argparse's own words stay on stderr


# --------------------------------------------------------------------------- no database


@pytest.mark.parametrize(
    "args",
    [
        ("summary",),
        ("snapshots",),
        ("report", "--format", "xlsx", "--out", "OUT"),
        ("users", "list"),
        ("agencies", "list"),
    ],
)
@pytest.mark.parametrize("how", ["--db", "TASKS_DB"])
def test_a_read_only_command_refuses_a_missing_database_and_creates_none(tmp_path, args, how):
    db = tmp_path / "nowhere" / "tasks.duckdb"
    args = tuple(str(tmp_path / "report.xlsx") if a == "OUT" else a for a in args)
    if how == "--db":
        code, doc, _ = run(*args, "--db", str(db))
    else:
        code, doc, _ = run(*args, env={"TASKS_DB": str(db)})
    assert code == 2
    error = assert_plain(doc)
    assert error["code"] == "no_database" and error["value"] == str(db)
    assert f"There is no database at {db}" in error["message"]
    assert f"Không có cơ sở dữ liệu tại {db}" in error["message_vi"]
    assert not db.parent.exists()  # not the file, not even its folder
    assert not (tmp_path / "report.xlsx").exists()


def test_the_commands_that_write_still_create_the_store(tmp_path, sample_db):
    assert sample_db.is_file()  # `sample --db NEW` (the session's sample store) made it
    csv = tmp_path / "nq71.csv"
    csv.write_text("STT,Nội dung nhiệm vụ,Cơ quan chủ trì\n1,Việc một,Bộ Tài chính\n", "utf-8")
    db = tmp_path / "new" / "tasks.duckdb"
    code, doc, err = run("ingest", str(csv), "--db", str(db), "--as-of", "2025-08-28")
    assert code == 0 and doc["tasks"] == 1, (doc, err)
    other = tmp_path / "users.duckdb"
    code, doc, err = run("users", "add", "quantri", "--role", "admin", "--db", str(other))
    assert code == 0 and doc["user"]["username"] == "quantri", (doc, err)
    # and once they exist, the read-only commands read them
    code, doc, _ = run("users", "list", "--db", str(other))
    assert code == 0 and [u["username"] for u in doc["users"]] == ["quantri"]
    code, doc, _ = run("summary", "--db", str(db))
    assert code == 0 and doc["totals"]["total"] == 1
