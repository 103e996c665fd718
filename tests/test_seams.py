"""The test seams themselves: the one patch of a Streamlit private name (tests/conftest.py)
fails loudly when Streamlit changes it, instead of silently testing the fresh-server path."""

from __future__ import annotations

import pytest
from streamlit.runtime.scriptrunner import script_runner

from tests import conftest


def test_the_router_adapter_finds_what_it_patches():
    assert conftest._script_runner() is script_runner


def test_the_router_adapter_fails_loudly_when_streamlit_renames_mpa_v1(monkeypatch):
    monkeypatch.delattr(script_runner, conftest._MPA_NAME)
    with pytest.raises(RuntimeError, match="gone or changed"):
        conftest._script_runner.__wrapped__()


def test_the_router_adapter_fails_loudly_when_streamlit_stops_calling_it(monkeypatch):
    monkeypatch.setattr(conftest.inspect, "getsource", lambda obj: "class ScriptRunner: ...")
    with pytest.raises(RuntimeError, match="no longer calls"):
        conftest._script_runner.__wrapped__()
