"""No English on Vietnamese pages (issue 16, point 9): every page rendered in Vietnamese through
AppTest shows none of Streamlit's own English texts, in any element's text, label, help or
placeholder; a multiselect (or a selectbox without a choice) with no placeholder of ours would
show Streamlit's "Choose options" / "Choose an option", so it counts as that text.

Not seen by AppTest (drawn by the browser): the uploader's "Upload" / "Drag and drop", the date
picker's month names, "Page not found"; ui/streamlit_vi.py translates them in the browser (its
own element, which holds Streamlit's English beside ours, is not a text shown), tested in a real
browser by tests/e2e/test_streamlit_texts_browser.py."""

from __future__ import annotations

import re

import pytest

from tests.helpers import open_page, seeded_session
from ui import streamlit_vi

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")

ENGLISH = ("Choose options", "Choose an option", "Browse files", "Drag and drop", "Page not found")
NONE = re.compile(r"\bNone\b")
GUEST_PAGES = ("briefing", "agency", "workload", "trends", "data")
ADMIN_PAGES = ("review", "upload", "admin")


def _strings(message, out: list[str]) -> None:
    for field, value in message.ListFields():
        if field.type == field.TYPE_STRING and field.name not in ("id", "form_id"):
            out.extend([value] if isinstance(value, str) else value)
        elif field.type == field.TYPE_MESSAGE:
            for item in (
                value if hasattr(value, "__len__") and not hasattr(value, "ListFields") else [value]
            ):
                _strings(item, out)


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def english_on(at) -> list[str]:
    """Streamlit's English texts on the page (where: the element type and the text)."""
    found = []
    for node in [*_nodes(at.main), *_nodes(at.sidebar)]:
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ListFields"):
            continue
        if kind == "html" and streamlit_vi.MARKER in proto.body:
            continue  # the translations' own element (ui/streamlit_vi.py), not a text shown
        texts: list[str] = []
        _strings(proto, texts)
        found += [f"{kind}: {s!r}" for s in texts if any(e in s for e in ENGLISH)]
        found += [f"{kind}: {s!r}" for s in texts if NONE.search(s)]
        if kind == "multiselect" and not proto.placeholder:
            found.append(f"multiselect {proto.label!r}: no placeholder (Choose options)")
        if kind == "selectbox" and not proto.placeholder and not proto.HasField("default"):
            found.append(f"selectbox {proto.label!r}: no placeholder (Choose an option)")
    return found


@pytest.mark.parametrize("page", GUEST_PAGES)
def test_guest_pages(page, sample_copy):
    at = open_page(page, "vi")
    assert english_on(at) == []


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_signed_in_pages(page, sample_copy):
    at = open_page(page, "vi", session=seeded_session(sample_copy, "quantri", "admin"))
    assert english_on(at) == []


def test_my_tasks(sample_copy):
    session = seeded_session(sample_copy, "btc", "agency_editor", ("mof",))
    at = open_page("my_tasks", "vi", session=session)
    assert english_on(at) == []


def test_the_check_sees_a_bare_multiselect():
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        st.multiselect("x", ["a"])
        st.caption("None")

    at = AppTest.from_function(script).run()
    assert len(english_on(at)) == 2
