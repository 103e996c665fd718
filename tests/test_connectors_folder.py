"""kind "folder" (analytics/connectors/folder.py) through the pull: real files in a real folder,
a real DuckDB file; each new file once, oldest first, then moved to processed/ or rejected/."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from analytics import store
from analytics.connectors import folder
from analytics.connectors.pull import exit_code, pull
from analytics.connectors.sources import Source, load_sources
from tests.http_source import ROWS, workbook


@pytest.fixture
def drop(tmp_path) -> Path:
    path = tmp_path / "outgoing"
    path.mkdir()
    return path


def put(folder_path: Path, name: str, data: bytes, age_s: float = 3600) -> Path:
    """A file as an exporting system leaves it, last written `age_s` seconds ago."""
    path = folder_path / name
    path.write_bytes(data)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def src(path: Path, **more) -> Source:
    return Source(name="btc", kind="folder", path=str(path), **more)


def names(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


def test_each_new_file_once_oldest_first_then_moved_to_processed(drop, tmp_path):
    db = tmp_path / "tasks.duckdb"
    put(drop, "a_newer.xlsx", workbook(ROWS, title="Số liệu đến ngày 28/8/2025"), age_s=600)
    put(drop, "z_older.xlsx", workbook(ROWS[:2], title="Số liệu đến ngày 31/7/2025"), age_s=7200)
    for ignored in (".hidden.xlsx", "~$a_newer.xlsx", "c.xlsx.part", "d.tmp", "e.xlsx.filepart"):
        put(drop, ignored, b"not yet")
    (drop / "sub").mkdir()
    results = pull(db, [src(drop)])
    assert [(r.status, r.tasks, r.detail) for r in results] == [
        ("new_snapshot", 2, str(drop / "z_older.xlsx")),
        ("new_snapshot", 3, str(drop / "a_newer.xlsx")),
    ]
    assert names(drop / "processed") == ["a_newer.xlsx", "z_older.xlsx"]
    assert names(drop) == [
        ".hidden.xlsx", "c.xlsx.part", "d.tmp", "e.xlsx.filepart", "processed", "sub",
        "~$a_newer.xlsx",
    ]  # fmt: skip
    snaps = store.list_snapshots(db)
    assert list(snaps["file_name"]) == ["z_older.xlsx", "a_newer.xlsx"]
    assert [r.status for r in pull(db, [src(drop)])] == ["unchanged"]  # nothing new: no snapshot
    assert len(store.list_snapshots(db)) == 2


def test_the_same_file_again_is_unchanged_and_still_moved(drop, tmp_path):
    db = tmp_path / "tasks.duckdb"
    data = workbook(ROWS)
    put(drop, "bc.xlsx", data)
    [first] = pull(db, [src(drop)])
    put(drop, "bc.xlsx", data)
    [again] = pull(db, [src(drop)])
    assert (first.status, again.status) == ("new_snapshot", "unchanged")
    assert again.snapshot_id == first.snapshot_id
    moved = names(drop / "processed")
    assert len(moved) == 2 and "bc.xlsx" in moved  # the second one under a name with the time
    assert all(n.startswith("bc.") and n.endswith(".xlsx") for n in moved)
    assert len(store.list_snapshots(db)) == 1


def test_a_refused_file_goes_to_rejected_with_the_reason_beside_it(drop, tmp_path):
    db = tmp_path / "tasks.duckdb"
    put(drop, "sai.xlsx", workbook([["x", "y"]], header=["Cột một", "Cột hai"]))
    [result] = pull(db, [src(drop)])
    assert result.status == "rejected" and exit_code([result]) == 2
    assert names(drop / "rejected") == ["sai.xlsx", "sai.xlsx.txt"]
    note = (drop / "rejected" / "sai.xlsx.txt").read_text(encoding="utf-8")
    assert "Tệp sai.xlsx bị từ chối" in note and "The file sai.xlsx was refused" in note
    assert result.errors[0]["message_vi"] in note and result.errors[0]["message"] in note
    assert store.db_path(db).exists() and store.list_snapshots(db).empty


def test_a_file_over_the_cap_is_refused_unread(drop, tmp_path):
    put(drop, "big.csv", b"a,b\n" * 10_000)
    [result] = pull(tmp_path / "t.duckdb", [src(drop, max_bytes=1000)])
    assert result.status == "rejected" and result.errors[0]["code"] == "too_large"
    assert names(drop / "rejected") == ["big.csv", "big.csv.txt"]


def test_a_file_written_a_moment_ago_is_left_for_the_next_run(drop, tmp_path):
    put(drop, "moi.xlsx", workbook(ROWS), age_s=5)
    [result] = pull(tmp_path / "t.duckdb", [src(drop, settle_seconds=60)])
    assert result.status == "unchanged" and result.content_hash is None
    assert names(drop) == ["moi.xlsx"]


def test_a_file_whose_size_changes_between_two_looks_is_left(drop):
    growing = put(drop, "dang_ghi.csv", b"a,b\n", age_s=120)
    put(drop, "xong.csv", b"a,b\n", age_s=60)

    def append() -> None:  # the exporting system writes on between the two looks
        with growing.open("ab") as fh:
            fh.write(b"1,2\n")

    assert folder.pending(src(drop), between=append) == [drop / "xong.csv"]
    then = time.time() - 120  # written, then left alone: settled
    os.utime(growing, (then, then))
    assert folder.pending(src(drop), between=lambda: None) == [
        drop / "dang_ghi.csv",
        drop / "xong.csv",
    ]


def test_a_missing_folder_is_unreachable(tmp_path):
    [result] = pull(tmp_path / "t.duckdb", [src(tmp_path / "no-such")])
    assert result.status == "unreachable" and result.errors[0]["code"] == "no_folder"
    assert exit_code([result]) == 3


def test_a_relative_path_starts_at_the_sources_file(tmp_path):
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "btc"\nkind = "folder"\npath = "drop/btc"\n', encoding="utf-8"
    )
    [source] = load_sources(tmp_path / "sources.toml")
    assert source.path == str(tmp_path / "drop" / "btc")
