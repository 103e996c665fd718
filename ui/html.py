"""Escaping of user-supplied text for Streamlit markdown: the one `esc()` of the project.

Security code: every page and helper that shows a file's, a user's or a register's text inside
markdown (st.markdown, st.caption, st.info …) escapes it here, so the rule cannot drift.
"""

from __future__ import annotations

import html
import re

MARKDOWN_SPECIALS = "\\`*_{}[]()#+-.!|<>~$:"


def esc(text: object) -> str:
    """User-supplied text made inert inside Streamlit markdown."""
    out = []
    for ch in str(text):
        if ch in MARKDOWN_SPECIALS:
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
    return "".join(out)


_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


def colour_key(title: str, items: list[tuple[str, str]]) -> str:
    """A fixed HTML snippet, for st.html (one of two, with number_block): a legend of drawn squares (no emoji
    font needed). Colours are the code's own ("#rrggbb", anything else refused); the title and
    names are escaped as HTML text. No user data goes in."""
    keys = []
    for colour, name in items:
        if not _COLOUR.fullmatch(colour):
            raise ValueError(f"not a colour: {colour!r}")
        keys.append(
            '<span style="white-space:nowrap;margin-right:.9em">'
            f'<span style="display:inline-block;width:.8em;height:.8em;background:{colour};'
            'border-radius:2px;margin-right:.3em;vertical-align:-.05em"></span>'
            f"{html.escape(name)}</span>"
        )
    return (
        '<div data-testid="colour-key" style="font-size:.875rem;opacity:.75">'
        f"{html.escape(title)}: {''.join(keys)}</div>"
    )


def number_block(items: list[tuple[str, str, str | None]]) -> str:
    """The second fixed HTML snippet, for st.html: a block of big numbers with their labels
    (ui/layout.key_numbers), laid out by ui/layout's stylesheet (classes key-numbers,
    key-number, key-label, key-value). Each item is (label, value, note shown on hover, or
    None), the code's own words and figures, all escaped as HTML text."""
    cells = []
    for label, value, note in items:
        title = f' title="{html.escape(note, quote=True)}"' if note else ""
        cells.append(
            f'<div class="key-number"{title}>'
            f'<div class="key-label">{html.escape(label)}</div>'
            f'<div class="key-value" data-testid="key-value">{html.escape(value)}</div></div>'
        )
    return f'<div class="key-numbers" data-testid="key-numbers">{"".join(cells)}</div>'
