"""`python -m analytics export` (issue 17, item 6), run as an operator would (a subprocess) on a
copy of the bundled sample with what agencies reported and the steering office decided added:
every format's files, their rows counted in the store by queries of this test, Parquet read back,
CSV's formula-like text neutralised, the JSON feeds validated against docs/task-feed.schema.json
(with jsonschema when it is installed, else their structure checked here), the manifest's hashes,
refusals that write nothing, a failed or killed export leaving the folder as it was, a back-dated
state, and the round trip: the feeds pulled into a fresh store from folder sources (`pull`, with
the feed reader of analytics/connectors/feed.py) give the same `summary`."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analytics import accounts, reporting, store
from analytics.model import STATUSES, Filters, Scope
from tests.helpers import PW, ROOT

SCHEMA = ROOT / "docs" / "task-feed.schema.json"
HISTORY = (
    "snapshots",
    "task_versions",
    "task_reports",
    "completion_claims",
    "deadline_requests",
    "task_cancellations",
)
EXT = {"parquet": "parquet", "csv": "csv", "json": "jsonl"}
LATEST = dt.date(2025, 10, 28)  # the sample's last snapshots
FIRST = dt.date(2025, 7, 31)  # its first
NOTE = '=HYPERLINK("http://example.invalid/x","bấm")'  # a progress note a spreadsheet would run
REASON = "@SUM(1) Không còn phù hợp"  # a cancellation reason likewise
REPORTED_KEYS = ("reported_completed", "deadline_adjusted", "commitments_missed")


def run(*args, db, env=None, preexec_fn=None) -> tuple[int, dict]:
    environ = {k: v for k, v in (env or os.environ).items() if k != "TASKS_DB"}
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=environ,
        preexec_fn=preexec_fn,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def export(db, fmt, out, *extra, **kw) -> tuple[int, dict]:
    return run("export", "--format", fmt, "--out", str(out), *extra, db=db, **kw)


def ok_export(db, fmt, out, *extra) -> dict:
    code, doc = export(db, fmt, out, *extra)
    assert code == 0, doc
    return doc


def refused(code_doc, exit_code: int, kind: str) -> dict:
    code, doc = code_doc
    assert code == exit_code, doc
    (error,) = doc["errors"]
    assert error["code"] == kind, error
    assert error["message"] and error["message_vi"] and error["message"] != error["message_vi"]
    return error


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (names relative to it) and its SHA-256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def beside(out: Path) -> list[str]:
    """What an export left next to its folder (its work folders are named .<DIR>.export-*)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


# --------------------------------------------------------------------------- the store


def _tasks_at(db, as_of):
    return store.load_tasks(db, as_of, Filters(), Scope.everything())


@pytest.fixture(scope="module")
def decided(sample_db, tmp_path_factory) -> dict:
    """A copy of the sample where agencies reported and the steering office decided: a
    confirmed completion, a pending one, an approved deadline change, a cancellation and a
    progress report, two of them with text a spreadsheet would run as a formula."""
    db = tmp_path_factory.mktemp("export-store") / "tasks.duckdb"
    shutil.copy(sample_db, db)
    accounts.add_user(db, "btc", "agency_editor", password=PW, agency_ids=("mof",))
    accounts.add_user(db, "vpcp", "coordinator", password=PW)
    btc, vpcp = accounts.get_user(db, "btc"), accounts.get_user(db, "vpcp")
    df = _tasks_at(db, LATEST)
    mof = df[df["lead_ids"].map(lambda ids: "mof" in list(ids))]
    open_ = mof[mof["status"] == "in_progress"]
    late = mof[mof["status"] == "overdue"]
    assert len(open_) >= 4 and len(late) >= 1
    pick = [(r.source, r.task_id) for r in open_.head(4).itertuples()]
    (src_late, id_late) = next((r.source, r.task_id) for r in late.itertuples())
    done = reporting.claim(
        db, btc, pick[0][1], dt.date(2025, 10, 20), "Văn bản 1/BC-BTC", source=pick[0][0]
    )
    reporting.confirm_claim(db, vpcp, done["claim_id"])
    reporting.claim(
        db, btc, pick[1][1], dt.date(2025, 10, 21), "Văn bản 2/BC-BTC", source=pick[1][0]
    )
    asked = reporting.request_deadline(
        db, btc, id_late, dt.date(2026, 3, 31), "Chờ ý kiến", source=src_late
    )
    reporting.approve_request(db, vpcp, asked["request_id"])
    reporting.cancel_task(db, vpcp, pick[2][1], REASON, "Quyết định 9/QĐ-TTg", source=pick[2][0])
    reporting.save_report(
        db,
        btc,
        pick[3][1],
        reporting.ReportFields(status_reported="in_progress", progress_note=NOTE),
        source=pick[3][0],
    )
    return {
        "db": db,
        "confirmed": pick[0],
        "pending": pick[1],
        "cancelled": pick[2],
        "noted": pick[3],
        "extended": (src_late, id_late),
    }


@pytest.fixture(scope="module")
def exported(decided, tmp_path_factory) -> dict:
    """The decided store exported once in every format: {format: (folder, stdout JSON)}."""
    base = tmp_path_factory.mktemp("exports")
    return {fmt: (base / fmt, ok_export(decided["db"], fmt, base / fmt)) for fmt in EXT}


def store_counts(db) -> dict[str, int]:
    """The rows of each history table and of the register, and the tasks in force at LATEST,
    counted here (not by the export's queries)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in HISTORY}
        counts["agencies"] = con.execute("select count(*) from agencies").fetchone()[0]
        counts["tasks"] = con.execute(
            """
            with latest as (
                select source, seq from snapshots
                where status = 'active' and as_of <= ?
                qualify row_number() over (partition by source order by as_of desc, snapshot_id desc) = 1
            )
            select count(*) from task_versions v join latest l on l.source = v.source
            where v.from_seq <= l.seq and (v.to_seq is null or v.to_seq > l.seq)
            """,
            [LATEST],
        ).fetchone()[0]
        counts["last_snapshot_id"] = con.execute(
            "select max(snapshot_id) from snapshots"
        ).fetchone()[0]
    finally:
        con.close()
    return counts


# --------------------------------------------------------------------------- every format


@pytest.mark.parametrize("fmt", list(EXT))
def test_every_format_writes_its_files_with_the_stores_rows(fmt, decided, exported):
    out, doc = exported[fmt]
    counts = store_counts(decided["db"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert doc["out"] == str(out) and doc["format"] == fmt == manifest["format"]
    assert [f["file"] for f in doc["files"]] == [f["file"] for f in manifest["files"]]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", *(f["file"] for f in manifest["files"])]
    )
    by_table = {f["file"]: f for f in manifest["files"]}
    for table in (*HISTORY, "agencies"):
        entry = by_table.pop(f"{table}.{EXT[fmt]}")
        assert entry["table"] == table and entry["rows"] == counts[table] > 0, (table, entry)
    if fmt == "json":  # the state: one feed a source
        sources = sorted(f["source"] for f in by_table.values())
        assert sources == sorted(store.sources(decided["db"]))
        assert all(
            f["table"] == "tasks" and f["file"].startswith("feed-") for f in by_table.values()
        )
        assert sum(f["rows"] for f in by_table.values()) == counts["tasks"]
    else:
        (entry,) = by_table.values()
        assert entry["file"] == f"tasks.{fmt}" and entry["rows"] == counts["tasks"]
    assert manifest["as_of"] == LATEST.isoformat() == doc["as_of"]
    assert manifest["last_snapshot_id"] == counts["last_snapshot_id"] == doc["last_snapshot_id"]
    assert manifest["snapshots_in_force"] == list(store.snapshots_in_force(decided["db"], LATEST))
    assert manifest["formulas_neutralised"] is (fmt == "csv")
    assert beside(out) == []  # no work folder left


@pytest.mark.parametrize("fmt", list(EXT))
def test_the_manifest_hashes_every_file(fmt, exported):
    out, _ = exported[fmt]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        data = (out / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        assert len(data) == entry["bytes"]
    if fmt != "json":
        return
    for entry in manifest["files"]:  # JSON Lines: one line a row
        if entry["file"].endswith(".jsonl"):
            lines = (out / entry["file"]).read_text(encoding="utf-8").splitlines()
            assert len(lines) == entry["rows"] and all(json.loads(x) for x in lines)


def test_parquet_reads_back_as_the_store_holds_it(decided, exported):
    out, _ = exported["parquet"]
    con = duckdb.connect(str(decided["db"]), read_only=True)
    try:
        for table in HISTORY:
            path = str(out / f"{table}.parquet")
            for a, b in ((f"read_parquet('{path}')", table), (table, f"read_parquet('{path}')")):
                missing = con.execute(
                    f"select count(*) from (select * from {a} except all select * from {b})"
                ).fetchone()[0]
                assert missing == 0, (table, a, b)
        state = dict(
            con.execute(
                f"select status, count(*) from read_parquet('{out / 'tasks.parquet'}') group by 1"
            ).fetchall()
        )
        reasons = con.execute(
            f"select reason from read_parquet('{out / 'task_cancellations.parquet'}')"
        ).fetchall()
    finally:
        con.close()
    assert reasons == [(REASON,)]  # Parquet keeps every value as stored
    code, summary = run("summary", db=decided["db"])
    assert code == 0
    totals = summary["totals"]
    assert {s: state.get(s, 0) for s in STATUSES} == {s: totals[s] for s in STATUSES}
    assert state["cancelled"] == 1


def test_csv_neutralises_formula_like_text(decided, exported):
    out, _ = exported["csv"]

    def rows(table):
        text = (out / f"{table}.csv").read_text(encoding="utf-8")
        assert not text.startswith("\ufeff")
        return list(csv.DictReader(io.StringIO(text)))

    (cancel,) = rows("task_cancellations")
    assert cancel["reason"] == "'" + REASON
    assert cancel["document"] == "Quyết định 9/QĐ-TTg"  # plain text as it is
    notes = [r["progress_note"] for r in rows("task_reports") if r["progress_note"]]
    assert notes == ["'" + NOTE]
    tasks = rows("tasks")
    assert len(tasks) == store_counts(decided["db"])["tasks"]
    for row in tasks:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    noted = next(r for r in tasks if (r["source"], r["task_id"]) == decided["noted"])
    assert noted["progress_note"] == "'" + NOTE
    assert noted["deadline"][:4].isdigit() and noted["deadline"][4] == "-"  # ISO dates
    snapshot = rows("snapshots")[0]
    assert snapshot["uploaded_at"].endswith("Z") and "T" in snapshot["uploaded_at"]
    con = duckdb.connect()
    try:  # read back by DuckDB: every row
        n = con.execute(f"select count(*) from read_csv('{out / 'task_versions.csv'}')").fetchone()[
            0
        ]
    finally:
        con.close()
    assert n == store_counts(decided["db"])["task_versions"]


# --------------------------------------------------------------------------- the JSON feed


def _check_by_hand(doc: dict, schema: dict) -> None:
    """The schema's structure checked without jsonschema: the fields, types, required ones."""
    assert set(doc) <= set(schema["properties"]) and {"as_of", "tasks"} <= set(doc)
    dt.date.fromisoformat(doc["as_of"])
    task_schema = schema["$defs"]["task"]
    ids = [t["id"] for t in doc["tasks"]]
    assert len(ids) == len(set(ids)) and doc["tasks"]
    for task in doc["tasks"]:
        assert set(task) <= set(task_schema["properties"])
        assert set(task_schema["required"]) <= set(task)
        assert isinstance(task["title"], str) and task["title"]
        assert task["lead_agencies"] and all(
            isinstance(a, str) and a for a in task["lead_agencies"]
        )
        for name in ("deadline", "completed_on", "assigned_on"):
            if task.get(name) is not None:
                dt.date.fromisoformat(task[name])
        assert task.get("difficult") in (None, True, False)


def validate_feed(doc: dict) -> str:
    """The feed validated against docs/task-feed.schema.json; which check ran."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    try:
        from jsonschema import Draft202012Validator, FormatChecker
    except ImportError:
        _check_by_hand(doc, schema)
        return "by hand"
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, errors[:5]
    _check_by_hand(doc, schema)
    return "jsonschema"


def test_json_feeds_fit_the_schema_with_the_dashboards_statuses(decided, exported):
    out, _ = exported["json"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    feeds = [f for f in manifest["files"] if f["table"] == "tasks"]
    state = _tasks_at(decided["db"], LATEST).set_index(["source", "task_id"])
    checked = set()
    for entry in feeds:
        doc = json.loads((out / entry["file"]).read_text(encoding="utf-8"))
        checked.add(validate_feed(doc))
        assert doc["as_of"] == LATEST.isoformat() and doc["source"] == entry["source"]
        assert dt.datetime.fromisoformat(doc["generated_at"]).utcoffset() == dt.timedelta(hours=7)
        assert (
            len(doc["tasks"])
            == entry["rows"]
            == int((state.index.get_level_values(0) == doc["source"]).sum())
        )
        for task in doc["tasks"]:
            row = state.loc[(doc["source"], task["id"])]
            assert task["status"] == row["status"]  # as the dashboard judges it
    assert checked == {"jsonschema"}  # jsonschema is installed here (requirements)

    def feed_task(key):
        entry = next(f for f in feeds if f["source"] == key[0])
        doc = json.loads((out / entry["file"]).read_text(encoding="utf-8"))
        return next(t for t in doc["tasks"] if t["id"] == key[1])

    assert feed_task(decided["confirmed"])["completed_on"] == "2025-10-20"
    assert feed_task(decided["confirmed"])["status"].startswith("completed_")
    assert feed_task(decided["cancelled"])["status"] == "cancelled"
    assert feed_task(decided["extended"])["deadline"] == "2026-03-31"
    assert feed_task(decided["extended"])["status"] == "in_progress"
    assert feed_task(decided["pending"])["completed_on"] is None  # awaiting: not official
    assert "Bộ Tài chính" in feed_task(decided["noted"])["lead_agencies"]  # by name


def _ingest_feeds(folder: Path, fresh: Path) -> None:
    """What another installation does with the feeds: each dropped into a folder source of its
    sources file and pulled (`python -m analytics pull`: the feed reader of
    analytics/connectors/feed.py in the upload sandbox, then the ingest), each feed a snapshot of
    the source it names, as of the date it states."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    feeds = [f for f in manifest["files"] if f["table"] == "tasks"]
    config = []
    for n, entry in enumerate(feeds):
        drop = fresh.parent / "drop" / f"s{n}"
        drop.mkdir(parents=True)
        shutil.copy(folder / entry["file"], drop / entry["file"])
        config.append(
            f'[[source]]\nname = "s{n}"\nkind = "folder"\npath = "{drop}"\nsettle_seconds = 0\n'
        )
    sources = fresh.parent / "sources.toml"
    sources.write_text("\n".join(config), encoding="utf-8")
    code, doc = run("pull", "--sources", str(sources), db=fresh)
    assert code == 0, doc
    pulled = {p["source"]: p for p in doc["pulls"]}
    for n, entry in enumerate(feeds):
        assert pulled[f"s{n}"]["status"] == "new_snapshot", pulled[f"s{n}"]
        assert pulled[f"s{n}"]["tasks"] == entry["rows"]
        assert pulled[f"s{n}"]["as_of"] == manifest["as_of"]
    assert sorted(store.sources(fresh)) == sorted(f["source"] for f in feeds)


def test_round_trip_the_feeds_give_the_same_summary(sample_db, tmp_path):
    db = tmp_path / "sample.duckdb"
    shutil.copy(sample_db, db)
    ok_export(db, "json", tmp_path / "out")
    fresh = tmp_path / "other-system.duckdb"
    _ingest_feeds(tmp_path / "out", fresh)
    code, before = run("summary", db=db)
    code2, after = run("summary", db=fresh)
    assert code == code2 == 0
    assert after == before


def test_round_trip_with_decisions_the_same_figures(decided, exported, tmp_path):
    """Decisions travel as their effect (the deadline in force, the completion date, the status
    cancelled); what is only reported (a pending claim, an approved change as such) does not."""
    fresh = tmp_path / "other-system.duckdb"
    _ingest_feeds(exported["json"][0], fresh)
    code, before = run("summary", db=decided["db"])
    code2, after = run("summary", db=fresh)
    assert code == code2 == 0
    assert (
        before["totals"]["reported_completed"] == 1 and before["totals"]["deadline_adjusted"] == 1
    )
    assert after["totals"]["reported_completed"] == 0 and after["totals"]["deadline_adjusted"] == 0

    def figures(doc):
        doc = json.loads(json.dumps(doc))
        for part in (doc["totals"], *doc["by_agency"]):
            for key in REPORTED_KEYS:
                part.pop(key)
        return doc

    assert figures(after) == figures(before)
    assert before["totals"]["cancelled"] == 1


# --------------------------------------------------------------------------- refusals, failures


def test_a_missing_database_is_refused_and_none_created(tmp_path):
    db = tmp_path / "nowhere" / "tasks.duckdb"
    out = tmp_path / "out"
    refused(export(db, "csv", out), 2, "no_database")
    assert not db.exists() and not db.parent.exists() and not out.exists()


def test_an_out_that_is_a_file_is_refused(sample_db, tmp_path):
    target = tmp_path / "out"
    target.write_text("keep me", encoding="utf-8")
    error = refused(export(sample_db, "parquet", target), 2, "out_is_file")
    assert error["value"] == str(target)
    assert target.read_text(encoding="utf-8") == "keep me" and beside(target) == []


def test_a_folder_of_other_files_is_refused_and_kept(sample_db, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    refused(export(sample_db, "csv", out), 2, "out_not_a_set")
    assert tree(out) == {"notes.txt": hashlib.sha256(b"mine").hexdigest()}


def test_bad_arguments_are_refused(sample_db, tmp_path):
    out = tmp_path / "out"
    refused(export(sample_db, "xml", out), 2, "bad_arguments")
    refused(export(sample_db, "csv", out, "--as-of", "31/02/2025"), 2, "bad_arguments")
    error = refused(export(sample_db, "csv", out, "--source", "Nghị quyết 99"), 2, "unknown_source")
    assert error["value"] == "Nghị quyết 99"
    refused(export(sample_db, "csv", out, "--as-of", "30/06/2025"), 2, "nothing_in_force")
    assert not out.exists() and beside(out) == []


def _file_size_limit(limit: int):
    """For the child: the operating system refuses to write a file past `limit` bytes (EFBIG,
    as a full disk refuses a write), whatever the user (tests may run as root)."""

    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_write_failing_part_way_leaves_the_folder_as_it_was(fmt, decided, tmp_path):
    out = tmp_path / "out"
    ok_export(decided["db"], "parquet", out)
    before = tree(out)
    # snapshots (a few kB) is written, task_versions (hundreds of kB) is not
    code, doc = export(decided["db"], fmt, out, preexec_fn=_file_size_limit(40_000))
    error = refused((code, doc), 1, "write_failed")
    assert error["value"] == f"task_versions.{EXT[fmt]}"
    assert "Traceback" not in json.dumps(doc) and "IO Error" not in json.dumps(doc)
    assert tree(out) == before  # the earlier set, whole
    assert beside(out) == []  # the half-written set removed
    fresh = tmp_path / "new"
    refused(
        export(decided["db"], fmt, fresh, preexec_fn=_file_size_limit(40_000)), 1, "write_failed"
    )
    assert not fresh.exists() and beside(fresh) == []


def test_a_killed_export_leaves_the_folder_as_it_was(decided, tmp_path):
    """Killed (as kill -9 would) with the history written and the state not: the folder keeps
    its earlier set; the half set left beside it goes with the next export."""
    from analytics import faults

    out = tmp_path / "out"
    ok_export(decided["db"], "csv", out)
    before = tree(out)
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "export", "--format", "json", "--out", str(out),
         "--db", str(decided["db"])],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env=faults.env_with("export.set.between_files"),
    )  # fmt: skip
    assert proc.returncode == faults.EXIT_CODE, proc.stderr
    assert tree(out) == before
    (half,) = beside(out)
    assert (tmp_path / half / "snapshots.jsonl").exists()
    assert not (tmp_path / half / "manifest.json").exists()
    doc = ok_export(decided["db"], "json", out)
    assert beside(out) == []
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", *(f["file"] for f in doc["files"])]
    )


def test_a_set_moved_aside_by_a_killed_export_comes_back(decided, tmp_path):
    """Killed between moving the earlier set aside and renaming the new one in (DIR missing):
    the next export puts the earlier set back before it writes, so DIR still holds it when that
    export fails too."""
    out = tmp_path / "out"
    ok_export(decided["db"], "parquet", out)
    before = tree(out)
    gone = subprocess.Popen(["true"])  # a process that has ended
    gone.wait()
    out.rename(tmp_path / f".out.export-{gone.pid}.old")
    refused(
        export(decided["db"], "csv", out, preexec_fn=_file_size_limit(40_000)), 1, "write_failed"
    )
    assert tree(out) == before and beside(out) == []


def test_a_new_export_replaces_the_set_and_clears_what_a_killed_one_left(decided, tmp_path):
    out = tmp_path / "out"
    ok_export(decided["db"], "csv", out)
    gone = subprocess.Popen(["true"])  # a process that has ended: its pid runs nothing
    gone.wait()
    stale = tmp_path / f".out.export-{gone.pid}.tmp"  # a killed export's half set
    stale.mkdir()
    (stale / "snapshots.csv").write_text("half", encoding="utf-8")
    running = tmp_path / f".out.export-{os.getpid()}.tmp"  # one whose process runs
    running.mkdir()
    other = tmp_path / ".other.export-1.tmp"  # not this folder's
    other.mkdir()
    doc = ok_export(decided["db"], "json", out)
    assert not stale.exists() and running.exists() and other.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", *(f["file"] for f in doc["files"])]
    )
    assert not any(p.suffix == ".csv" for p in out.iterdir())  # the csv set replaced whole


def test_a_back_dated_export_gives_that_dates_state(decided, tmp_path):
    out = tmp_path / "out"
    doc = ok_export(decided["db"], "parquet", out, "--as-of", FIRST.strftime("%d/%m/%Y"))
    assert doc["as_of"] == FIRST.isoformat()
    assert doc["snapshots_in_force"] == list(store.snapshots_in_force(decided["db"], FIRST))
    code, summary = run("summary", "--as-of", FIRST.isoformat(), db=decided["db"])
    assert code == 0
    con = duckdb.connect()
    try:
        state = dict(
            con.execute(
                f"select status, count(*) from read_parquet('{out / 'tasks.parquet'}') group by 1"
            ).fetchall()
        )
        as_of = con.execute(
            f"select distinct snapshot_as_of from read_parquet('{out / 'tasks.parquet'}')"
        ).fetchall()
    finally:
        con.close()
    assert as_of == [(FIRST,)]
    assert {s: state.get(s, 0) for s in STATUSES} == {s: summary["totals"][s] for s in STATUSES}
    latest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert latest["last_snapshot_id"] == store_counts(decided["db"])["last_snapshot_id"]
    json_out = tmp_path / "feed"
    ok_export(decided["db"], "json", json_out, "--as-of", FIRST.isoformat())
    feed = next(json_out.glob("feed-*.json"))
    assert json.loads(feed.read_text(encoding="utf-8"))["as_of"] == FIRST.isoformat()


def test_one_source_only(decided, tmp_path):
    source = "Nghị quyết 71/NQ-CP"
    out = tmp_path / "out"
    doc = ok_export(decided["db"], "parquet", out, "--source", source)
    assert doc["sources"] == [source]
    con = duckdb.connect()
    try:
        for table in (*HISTORY, "tasks"):
            found = con.execute(
                f"select distinct source from read_parquet('{out / f'{table}.parquet'}')"
            ).fetchall()
            assert found in ([(source,)], []), (table, found)
    finally:
        con.close()
    counts = {f["table"]: f["rows"] for f in doc["files"]}
    summary = run("summary", "--source", source, db=decided["db"])[1]
    assert counts["tasks"] == summary["totals"]["total"] + summary["totals"]["cancelled"]
