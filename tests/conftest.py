"""Shared fixtures: subprocesses find the project, Streamlit caches are cleared per test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def fresh_server():
    """Marker for AppTest tests: keep the first-run-of-a-fresh-server behaviour (Streamlit's
    pages/ auto-discovery runs a deep-linked page without app.py until st.navigation has run)."""


@pytest.fixture
def steady_server(request, monkeypatch):
    """AppTest: every run goes through app.py, as on a server where st.navigation has run once
    (AppTest starts every run like a fresh server). Tests that ask for `fresh_server` opt out."""
    if "fresh_server" in request.fixturenames:
        return
    from streamlit.runtime.scriptrunner import script_runner

    def run_main_script(main_script_path) -> None:
        module = sys.modules["__main__"]
        path = Path(main_script_path)
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), module.__dict__)

    monkeypatch.setattr(script_runner, "_mpa_v1", run_main_script)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    """The bundled sample loaded once per test session through the command line (read only:
    tests that write use `sample_copy`)."""
    db = tmp_path_factory.mktemp("sample-session") / "tasks.duckdb"
    subprocess.run(
        [sys.executable, "-m", "analytics", "sample", "--db", str(db)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return db


@pytest.fixture
def sample_copy(sample_db, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the sample per test, as the app's database (sign-ins write to it)."""
    path = tmp_path / "tasks.duckdb"
    shutil.copy(sample_db, path)
    monkeypatch.setenv("TASKS_DB", str(path))
    return path


@pytest.fixture
def demo_guest(monkeypatch):
    """AppTest as `make run` serves the app: TASKS_GUEST=1, server.address 127.0.0.1, no proxy
    settings (the guest view needs all of them: ui/auth.py guest_allowed)."""
    from streamlit import config

    monkeypatch.setenv("TASKS_GUEST", "1")
    for name in ("TASKS_TRUSTED_HEADER", "TASKS_TRUSTED_SECRET", "TASKS_TRUSTED_SECRET_HEADER"):
        monkeypatch.delenv(name, raising=False)
    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", before)


@pytest.fixture
def app_clean(monkeypatch, demo_guest):
    """AppTest: empty Streamlit caches, fast password hashing, the demo's identity settings."""
    import streamlit as st
    from argon2 import PasswordHasher

    from analytics import auth as accounts
    from ui import cache

    st.cache_data.clear()
    st.cache_resource.clear()
    cache.clear()  # the pages' byte-bounded caches (ui/cache.py)
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    monkeypatch.setattr(accounts, "_dummy_hash", None)
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
    cache.clear()
