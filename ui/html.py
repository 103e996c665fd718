"""Escaping of user-supplied text for Streamlit markdown: the one `esc()` of the project.

Security code: every page and helper that shows a file's, a user's or a register's text inside
markdown (st.markdown, st.caption, st.info …) escapes it here, so the rule cannot drift.
"""

from __future__ import annotations

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
