"""Small shared test data (pytest fixtures live in conftest.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent

# Three agencies in the shape the store takes (id, Vietnamese and English name, type).
AGENCIES = [
    SimpleNamespace(
        id="mof", name_vi="Bộ Tài chính", name_en="Ministry of Finance", type="ministry"
    ),
    SimpleNamespace(
        id="most",
        name_vi="Bộ Khoa học và Công nghệ",
        name_en="Ministry of Science and Technology",
        type="ministry",
    ),
    SimpleNamespace(id="p01", name_vi="Hà Nội", name_en="Hanoi", type="province"),
]


def open_page(
    page: str,
    as_of: dt.date | None,
    lang: str | None = None,
    query: dict | None = None,
    **state,
):
    """AppTest of the router switched to pages/<page>.py, with the sidebar's date and language
    and any session state set first; fails on an exception or error element."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if lang:
        at.session_state["lang"] = lang
    if as_of:
        at.session_state["as_of"] = as_of
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def number(text: str) -> int:
    """A figure as shown (1.234 or 1,234) as an int."""
    return int(text.replace(".", "").replace(",", ""))
