"""Shared fixtures: subprocesses find the project, Streamlit caches are cleared per test.

The AppTest seams live here and in tests/helpers.py, once each: `app_clean` (empty caches, fast
password hashing, the demo's identity settings), `steady_server` (every run through app.py),
`fast_hashing`; `helpers.open_page`, `helpers.signed_in`, `helpers.seeded_session`. Faults are
injected only through analytics/faults.py (TASKS_FAULTS names the points; see its docstring).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import clear_caches

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
    run_every_script_as_the_main_script(monkeypatch)


# The one place that touches a Streamlit private name (checked on Streamlit 1.67.0).
#
# Why: with a pages/ folder beside the main script, Streamlit's ScriptRunner runs each script
# through `script_runner._mpa_v1(main_script_path)` ("multi-page apps v1") while
# `PagesManager.uses_pages_directory` is true; that is, until st.navigation has been called once
# in the process. `_mpa_v1` builds a navigation from pages/*.py and runs the requested page
# WITHOUT app.py (no sign-in gate, no sidebar). A real server is in that state only for its
# first request; AppTest resets `uses_pages_directory` before every run, so every AppTest run
# looks like a fresh server's first. Replacing `_mpa_v1` with "run the main script" makes every
# run go through app.py, as a steady server does (tests wanting the first-run behaviour ask for
# `fresh_server`).
#
# If Streamlit renames or drops `_mpa_v1`, or stops calling it from ScriptRunner, the patch
# would silently do nothing and the tests would check the fresh-server path instead: so the
# adapter fails at once, naming what changed. Then find what ScriptRunner._run_script calls for
# a pages/ folder in the new version and patch that here (nowhere else).
_MPA_NAME = "_mpa_v1"


@functools.cache
def _script_runner():
    from streamlit.runtime.scriptrunner import script_runner

    found = getattr(script_runner, _MPA_NAME, None)
    if not callable(found) or list(inspect.signature(found).parameters) != ["main_script_path"]:
        raise RuntimeError(
            f"streamlit {_streamlit_version()}: script_runner.{_MPA_NAME}(main_script_path) is "
            "gone or changed; update tests/conftest.py run_every_script_as_the_main_script"
        )
    if f"{_MPA_NAME}(" not in inspect.getsource(script_runner.ScriptRunner):
        raise RuntimeError(
            f"streamlit {_streamlit_version()}: ScriptRunner no longer calls {_MPA_NAME}(); "
            "update tests/conftest.py run_every_script_as_the_main_script"
        )
    return script_runner


def _streamlit_version() -> str:
    import streamlit

    return streamlit.__version__


def _run_main_script(main_script_path: str) -> None:
    """What ScriptRunner does without a pages/ folder: exec the main script in __main__."""
    module = sys.modules["__main__"]
    path = Path(main_script_path)
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), module.__dict__)


def run_every_script_as_the_main_script(monkeypatch) -> None:
    """Patch Streamlit (for this test) so that a pages/ folder no longer bypasses app.py."""
    monkeypatch.setattr(_script_runner(), _MPA_NAME, _run_main_script)


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
    settings (the guest view needs all of them: analytics/proxy.py guest_allowed)."""
    from streamlit import config

    monkeypatch.setenv("TASKS_GUEST", "1")
    for name in ("TASKS_TRUSTED_HEADER", "TASKS_TRUSTED_SECRET", "TASKS_TRUSTED_SECRET_HEADER"):
        monkeypatch.delenv(name, raising=False)
    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", before)


@pytest.fixture
def fast_hashing(monkeypatch):
    """Argon2 with the cheapest parameters (a sign-in in a test costs milliseconds, not 0.5 s);
    tests/test_auth.py checks the production parameters themselves."""
    from argon2 import PasswordHasher

    from analytics import accounts

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    monkeypatch.setattr(accounts, "_dummy_hash", None)


@pytest.fixture
def app_clean(fast_hashing, demo_guest):
    """AppTest: empty caches before and after, fast password hashing, the demo's identity
    settings (guest view on). Tests of signed-in users only simply sign in on top of it."""
    clear_caches()
    yield
    clear_caches()


class Clock:
    """The time analytics.audit.now gives (accounts, throttling, sessions and the log read it):
    set by a test, moved on with tick()."""

    def __init__(self):
        self.now = dt.datetime(2025, 9, 1, 8, 0, 0)

    def __call__(self):
        return self.now

    def tick(self, seconds: float):
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    """A Clock in place of analytics.audit.now for the test."""
    from analytics import audit

    c = Clock()
    monkeypatch.setattr(audit, "now", c)
    return c


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL for the session (tests/pg.py: initdb in a temporary folder, a free
    port of 127.0.0.1): `.dsn` (the read-only `reader`), `.admin_dsn`, `.sql(statement)`,
    `.port`, `.stopped()`. Not skipped: a server that cannot start fails the test, saying why."""
    from tests import pg

    server = pg.start()
    try:
        yield server
    finally:
        pg.finish(server)


@pytest.fixture(scope="session")
def mysql():
    """A real MySQL (Debian's MariaDB) for the session (tests/mysql.py: mariadb-install-db in a
    temporary folder, a free port of 127.0.0.1): `.dsn` (the select-only `reader`),
    `.dsn_for(user, password)`, `.sql(statement)` (as root), `.port`, `.stopped()`. Not
    skipped: a server that cannot start fails the test, saying why (with its log)."""
    from tests import mysql as mariadb

    server = mariadb.start()
    try:
        yield server
    finally:
        mariadb.finish(server)
