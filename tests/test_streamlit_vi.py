"""The texts of ui/streamlit_vi.py, Streamlit's English on a Vietnamese page (issue 16, point 9):
every English string it replaces has its Vietnamese in analytics/texts.toml and is Streamlit's
(or Plotly's) real string, found in the frontend Streamlit 1.67 serves; every template matches
its own English; the element sent holds fixed texts only, one per run, none of them in English.

The script itself runs in a real browser: tests/e2e/test_streamlit_texts_browser.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit

from analytics.i18n import TEXTS, t
from ui import streamlit_vi as V

FRONTEND = Path(streamlit.__file__).parent / "static" / "static" / "js"
ALL = V.FIXED + V.MONTHS + V.WEEKDAYS + V.PLOTLY + (V.INITIALS,)
FIELD = re.compile(r"\{(\w+)\}")
SAMPLE = {
    "size": "25MB",
    "name": "bien_ban.pdf",
    "type": "application/pdf",
    "label": "Từ ngày",
    "option": "Bộ Tài chính",
    "n": "12",
    "keys": "Ctrl",
    "year": "2025",
    "month": "October",
    "weekday": "Tuesday",
    "day": "06",
    "date": "October 28, 2025",
}


@pytest.fixture(scope="module")
def frontend() -> str:
    """Streamlit's frontend scripts, as served (template literals written as they are)."""
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in FRONTEND.glob("*.js"))


def test_every_english_text_has_its_vietnamese():
    missing = [k for k in ALL if k not in TEXTS]
    assert missing == []
    same = [k for k in ALL if TEXTS[k][0].strip() == TEXTS[k][1].strip()]
    assert same == []
    assert len(set(ALL)) == len(ALL)
    assert len(t(V.INITIALS, "vi").split()) == len(t(V.INITIALS, "en").split()) == 7


# Texts the frontend puts together at run time: the pieces it writes them from.
COMPOSED = {
    "widgets16.add_icon": ("} icon`",),  # DynamicIcon: `${name} icon`
    "widgets16.day_of": ("day:`day`",),  # react-aria: "<segment>, <field label>"
    "widgets16.month_of": ("month:`month`",),
    "widgets16.year_of": ("year:`year`",),
    "widgets16.calendar_of": ("`Choose date`",),  # react-aria: "<label>, <month shown>"
    "widgets16.first_date": ("`First available date`",),  # "<day>, First available date"
    "widgets16.last_date": ("`Last available date`",),
    "widgets16.options_available": ("} options`", "} available.`"),  # an ICU plural
    "widgets16.options_available_one": ("} option`", "} available.`"),
    "widgets16.enter_apply": ("`Press Enter to ${e}`", "`apply`"),  # InputInstructions
    "widgets16.enter_submit": ("`Press Enter to ${e}`", "`submit form`"),
    "widgets16.keys_enter_apply": ("+Enter to ${e}`", "`Ctrl`", "`apply`"),
    "widgets16.keys_enter_submit": ("+Enter to ${e}`", "`Ctrl`", "`submit form`"),
    "widgets16.month_year": (),  # the browser's Intl.DateTimeFormat, en-US
    "widgets16.long_date": (),
    "widgets16.short_date": (),
}


@pytest.mark.parametrize("key", V.FIXED + V.MONTHS + V.WEEKDAYS + V.PLOTLY)
def test_the_english_is_the_frontends_own(key, frontend):
    """Each fixed part of the English is in the frontend: a Streamlit upgrade that rewords a
    text fails here instead of leaving the new English on the page."""
    if key in COMPOSED:
        parts = COMPOSED[key]
    else:
        parts = [p for p in FIELD.split(t(key, "en"))[::2] if p.strip(" ,")]
        assert parts, key
    assert all(p in frontend for p in parts), (key, parts)


def _python(pattern: str) -> re.Pattern:
    return re.compile(pattern.replace("(?<", "(?P<"))


def test_every_template_matches_its_own_english_only():
    config = V.translations()
    patterns = [_python(source) for source, _ in config["patterns"]]
    assert len(patterns) == sum(bool(FIELD.search(t(k, "en"))) for k in V.FIXED)
    for key in V.FIXED:
        english = t(key, "en")
        if not FIELD.search(english):
            assert config["exact"][english] == t(key, "vi")
            assert not any(p.match(english) for p in patterns), key
            continue
        filled = english.format(**SAMPLE)
        first = next(p for p in patterns if p.match(filled))
        assert set(first.groupindex) == set(FIELD.findall(english)), key
        assert first.match(filled).group(0) == filled


def test_the_element_holds_fixed_texts_and_no_english_on_an_english_page():
    vi, en = V._body("vi"), V._body("en")
    for body in (vi, en):
        assert body.count("<script>") == body.count("</script>") == 1
        script = body.split("<script>", 1)[1].rsplit("</script>", 1)[0]
        assert "</" not in script  # nothing in it can end the script element early
        assert f"<span {V.MARKER} hidden></span>" in body
    assert all(t(k, "vi") in vi for k in V.FIXED if not FIELD.search(t(k, "vi")))
    assert t("widgets16.drop_file", "en") in vi
    assert t("widgets16.drop_file", "en") not in en and t("widgets16.drop_file", "vi") not in en
    assert '"lang": "en"' in en


def test_plotly_gets_its_own_texts_in_vietnamese_only():
    assert V.plotly_config("en") == {"displaylogo": False}
    config = V.plotly_config("vi")
    assert config["locale"] == "vi" and config["displaylogo"] is False
    locale = config["locales"]["vi"]
    assert locale["dictionary"] == {t(k, "en"): t(k, "vi") for k in V.PLOTLY}
    assert len(locale["format"]["months"]) == 12 and len(locale["format"]["shortDays"]) == 7


def _html(at) -> list:
    found = []

    def walk(node):
        if getattr(node, "type", "") == "html" and V.MARKER in node.proto.body:
            found.append(node.proto)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return found


@pytest.mark.usefixtures("steady_server", "app_clean")
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_one_element_per_run_in_the_pages_language(lang, sample_copy):
    from tests.helpers import open_page

    at = open_page("briefing", lang)
    elements = _html(at)
    assert len(elements) == 1
    assert elements[0].unsafe_allow_javascript
    assert f'"lang": "{lang}"' in elements[0].body
