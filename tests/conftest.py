"""Shared fixtures: subprocesses find the project, Streamlit caches are cleared per test."""

from __future__ import annotations

import os
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
