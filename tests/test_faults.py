"""The fault points (analytics/faults.py): silent unless TASKS_FAULTS names them, loud on a name
that is not listed, and no test-only parameters left in production functions."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import faults, ingest, store

INSIDE = "store.commit.inside_transaction"
ANALYTICS = Path(__file__).resolve().parent.parent / "analytics"


def test_a_point_does_nothing_unless_named(monkeypatch):
    monkeypatch.delenv(faults.ENV, raising=False)
    faults.point(INSIDE)
    monkeypatch.setenv(faults.ENV, "")
    faults.point(INSIDE)
    assert faults.active() == frozenset()


def test_an_unknown_name_fails_loudly(monkeypatch):
    with pytest.raises(KeyError):
        faults.point("store.commit.insde_transaction")
    monkeypatch.setenv(faults.ENV, f"{INSIDE}, no.such.point")
    with pytest.raises(ValueError, match="no.such.point"):
        faults.point(INSIDE)
    with pytest.raises(ValueError, match="no.such.point"):
        faults.env_with("no.such.point")


def test_a_named_exit_point_ends_the_process_as_a_kill_would():
    code = f"from analytics import faults; faults.point({INSIDE!r}); print('went on')"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=faults.env_with(INSIDE),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == faults.EXIT_CODE and "went on" not in proc.stdout


def test_every_point_is_placed_in_the_code_and_no_test_only_parameter_is_left():
    files = [p for p in ANALYTICS.rglob("*.py") if p.name != "faults.py"]
    source = "\n".join(p.read_text(encoding="utf-8") for p in files)
    for name in faults.POINTS:
        assert source.count(f'faults.point("{name}")') == 1, name
    for func in (store.commit_snapshot, ingest.ingest):
        assert not [p for p in inspect.signature(func).parameters if p.startswith("_")], func
