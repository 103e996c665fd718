"""`python -m analytics pull` as an operator runs it: a subprocess, a sources file, a real HTTP
server on 127.0.0.1 (tests/http_source.py), a real DuckDB file; JSON on stdout, exit 0/2/3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import store
from tests import http_source
from tests.http_source import ROWS, XLSX, Route, workbook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server():
    s = http_source.Server()
    yield s
    s.stop()


def run(*args, db: Path, env: dict | None = None) -> tuple[int, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "pull", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_new_then_unchanged_then_unreachable_keeping_the_last_good_data(server, tmp_path):
    db = tmp_path / "tasks.duckdb"
    server.routes["/nq71.xlsx"] = Route(workbook(ROWS), XLSX)
    path = http_source.sources_file(
        tmp_path,
        {"name": "bcd-nq71", "kind": "http", "url": server.url("/nq71.xlsx"), "tries": 1,
         "task_source": "Nghị quyết 71/NQ-CP"},
    )  # fmt: skip
    code, doc = run("--sources", str(path), db=db)
    assert code == 0, doc
    [first] = doc["pulls"]
    assert (first["status"], first["tasks"], first["as_of"]) == ("new_snapshot", 3, "2025-08-28")
    assert "errors" not in doc
    code, doc = run("--sources", str(path), db=db)
    assert code == 0 and doc["pulls"][0]["status"] == "unchanged"
    assert doc["pulls"][0]["snapshot_id"] == first["snapshot_id"]
    assert len(store.list_snapshots(db)) == 1
    server.routes["/nq71.xlsx"] = Route(b"down", "text/plain", status=503)
    code, doc = run("--sources", str(path), db=db)
    assert code == 3
    assert doc["pulls"][0]["status"] == "unreachable"
    assert doc["errors"][0]["source"] == "bcd-nq71" and doc["errors"][0]["status"] == 503
    summary = subprocess.run(
        [sys.executable, "-m", "analytics", "summary", "--db", str(db), "--as-of", "2025-08-28"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert json.loads(summary.stdout)["totals"]["total"] == 3  # the last good data stays


def test_a_rejected_payload_exits_2_with_its_errors_and_stores_nothing(server, tmp_path):
    db = tmp_path / "tasks.duckdb"
    server.routes["/bad.xlsx"] = Route(workbook([["x", "y"]], header=["Cột một", "Cột hai"]), XLSX)
    path = http_source.sources_file(
        tmp_path, {"name": "bad", "kind": "http", "url": server.url("/bad.xlsx")}
    )
    code, doc = run("--sources", str(path), db=db)
    assert code == 2
    assert doc["pulls"][0]["status"] == "rejected" and doc["pulls"][0]["snapshot_id"] is None
    assert doc["errors"] and all(e["source"] == "bad" and e["message_vi"] for e in doc["errors"])
    assert store.list_snapshots(db).empty


def test_unreachable_wins_over_rejected(server, tmp_path):
    server.routes["/bad.xlsx"] = Route(workbook([["x"]], header=["Cột"]), XLSX)
    path = http_source.sources_file(
        tmp_path,
        {"name": "bad", "kind": "http", "url": server.url("/bad.xlsx")},
        {"name": "down", "kind": "http", "url": server.url("/none.xlsx"), "tries": 1},
    )
    code, doc = run("--sources", str(path), db=tmp_path / "t.duckdb")
    assert code == 3
    assert [p["status"] for p in doc["pulls"]] == ["rejected", "unreachable"]


def test_a_wrong_sources_file_is_refused_before_anything_is_fetched(server, tmp_path):
    server.routes["/nq71.xlsx"] = Route(workbook(ROWS), XLSX)
    (tmp_path / "sources.toml").write_text(
        f"""
[[source]]
name = "ok"
kind = "http"
url = "{server.url("/nq71.xlsx")}"

[[source]]
name = "ok"
kind = "ftp"

[[source]]
name = "leaky"
kind = "http"
url = "https://reader:hunter2@example.gov.vn/x.xlsx"
token = "abc123secret"
colour = "red"
""",
        encoding="utf-8",
    )
    code, doc = run(db=tmp_path / "t.duckdb", env={"TASKS_SOURCES": str(tmp_path / "sources.toml")})
    assert code == 2
    found = {(e["code"], e["column"]) for e in doc["errors"]}
    assert {
        ("bad_field", "kind"),
        ("duplicate_name", "name"),
        ("bad_field", "token"),
        ("bad_field", "colour"),
        ("bad_field", "url"),
    } <= found, found
    by_field = {e["column"]: e for e in doc["errors"]}
    assert "'leaky'" in by_field["token"]["message"] and "token_env" in by_field["token"]["message"]
    assert "'ok'" in by_field["kind"]["message"]
    text = json.dumps(doc)
    assert "hunter2" not in text and "abc123secret" not in text
    assert server.requests == []  # nothing fetched


def test_names_choose_sources_and_an_unknown_name_is_refused(server, tmp_path):
    db = tmp_path / "tasks.duckdb"
    server.routes["/a.xlsx"] = Route(workbook(ROWS), XLSX)
    path = http_source.sources_file(
        tmp_path,
        {"name": "a", "kind": "http", "url": server.url("/a.xlsx")},
        {"name": "b", "kind": "http", "url": server.url("/b.xlsx"), "tries": 1},
    )
    code, doc = run("a", "--sources", str(path), db=db)
    assert code == 0 and [p["source"] for p in doc["pulls"]] == ["a"]
    code, doc = run("c", "--sources", str(path), db=db)
    assert code == 2 and doc["errors"][0]["code"] == "unknown_source"
    assert server.hits("/b.xlsx") == 0


def test_no_sources_file_says_where_it_looked(tmp_path):
    code, doc = run("--sources", str(tmp_path / "none.toml"), db=tmp_path / "t.duckdb")
    assert code == 2 and doc["errors"][0]["code"] == "no_sources_file"
    assert "none.toml" in doc["errors"][0]["message_vi"]
