"""Icons that render everywhere (issue 16, point 10): no emoji in the user-facing code (an
emoji needs an emoji font, which Debian's chromium and many office PCs lack): Material icons
and the drawn colour key (ui/html.colour_key) instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analytics.style import STATUS_COLORS
from ui.html import colour_key

ROOT = Path(__file__).resolve().parent.parent
# pictographs, dingbats and misc symbols, geometric shapes (■ □ ●), arrows-and-shapes block,
# the variation selector that turns a symbol into an emoji
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u25a0-\u25ff\u2b00-\u2bff\ufe0f]")


def _files():
    yield ROOT / "app.py"
    for folder in ("pages", "ui"):
        yield from sorted((ROOT / folder).rglob("*.py"))
    yield ROOT / "analytics" / "texts.toml"


def test_no_emoji_in_user_facing_code():
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _files()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if EMOJI.search(line)
    ]
    assert not found, "\n".join(found)


def test_the_pattern_sees_the_old_icons():
    for old in ("🟩", "🔵", "⬜", "🔑 Đăng nhập", "⚠️", "🔎", "📋", "■"):
        assert EMOJI.search(old), old


def test_colour_key_draws_our_colours_and_escapes_names():
    out = colour_key("Chú giải màu", [(STATUS_COLORS["overdue"], "<b>Quá hạn</b>")])
    assert f"background:{STATUS_COLORS['overdue']}" in out
    assert "&lt;b&gt;Quá hạn&lt;/b&gt;" in out and "<b>" not in out
    assert out.count("<span") == 2 and "Chú giải màu: " in out


@pytest.mark.parametrize("bad", ["red", "#fff", "#D55E00;x:y", "url(x)"])
def test_colour_key_takes_only_hex_colours(bad):
    with pytest.raises(ValueError):
        colour_key("x", [(bad, "y")])
