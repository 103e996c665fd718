"""A link with bad values says what it ignored (issue 16, point 11): ui/state.py reads the
address's parameters once per session; an invalid date, an unknown agency, source, type or
language is named in a notice above the page, in the page's language; Trends opens on a tab
that has content."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import open_page
from ui.html import esc

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean", "sample_copy")


def _notices(at) -> list[str]:
    return [w.value for w in at.warning if "liên kết" in w.value or "the link" in w.value]


def test_bad_date_and_agency_are_named():
    at = open_page("briefing", query={"as_of": "2025-02-30", "agency": "xyz"})
    want = "Đã bỏ qua trong liên kết: ngày «2025-02-30» không hợp lệ; cơ quan «xyz» không có"
    assert _notices(at) == [esc(want)]
    assert at.sidebar.date_input(key="as_of").value != dt.date(2025, 2, 28)
    assert at.sidebar.selectbox(key="agency").value == ""


def test_in_english():
    at = open_page("briefing", query={"lang": "en", "as_of": "x", "type": "moon"})
    assert _notices(at) == [
        esc("Ignored in the link: date «x» is not valid; agency type «moon» is not valid")
    ]


def test_out_of_range_date_and_unknown_source():
    at = open_page("trends", query={"as_of": "1999-01-01", "source": "nope"})
    (notice,) = _notices(at)
    assert esc("«1999-01-01»") in notice and esc("«nope»") in notice


def test_a_good_link_says_nothing_and_applies():
    at = open_page("briefing", query={"as_of": "28/08/2025"})
    assert _notices(at) == []
    assert at.sidebar.date_input(key="as_of").value == dt.date(2025, 8, 28)


def test_the_notice_goes_once_the_view_changes():
    at = open_page("briefing", query={"agency": "xyz"})
    assert _notices(at)
    at.sidebar.toggle(key="difficult").set_value(True).run()
    assert _notices(at) == []


def test_a_long_value_is_cut():
    at = open_page("briefing", query={"agency": "a" * 500})
    (notice,) = _notices(at)
    assert len(notice) < 200


def _tab_containers(node):
    if getattr(node, "type", None) == "tab_container":
        yield node
    for child in getattr(node, "children", {}).values():
        yield from _tab_containers(child)


@pytest.mark.parametrize("query", [{}, {"agency": "mof"}, {"agency": "p01"}, {"difficult": "1"}])
def test_trends_opens_on_a_tab_with_content(query):
    at = open_page("trends", query=query)
    (container,) = list(_tab_containers(at.main))
    labels = [tab.label for tab in container.children.values()]
    opened = labels[container.proto.tab_container.default_tab_index]
    assert not opened.endswith("(0)"), labels
