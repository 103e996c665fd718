"""Characters that are no text: the one rule for what comes in, and what each format written
out cannot hold.

In: control characters are taken out of every cell, header and title line a file is read from
(xlsx, xls, ods, csv/tsv/txt, web pages), whatever the format, by `remove_controls`; the reader
says which (`show_controls`: "U+0000, U+0007") in one warning per row. Controls are the C0
range U+0000–U+001F but tab, line feed and carriage return (whitespace and line breaks as
before), U+007F, the C1 range U+0080–U+009F, lone surrogates, and the noncharacters U+FFFE and
U+FFFF. The ones Python counts as whitespace (vertical tab, form feed, U+001C–U+001F, U+0085)
become a space, so the words on either side stay apart, as they did when read as whitespace;
the others are removed.

Out: a value already stored (an older database, another system's rows) may hold anything, so
every writer cleans what its format cannot hold, beside the formula neutralisation of
`analytics.exports`: `for_xlsx` (what openpyxl refuses, `ILLEGAL_CHARACTERS_RE`, and what XML
cannot hold: lone surrogates, U+FFFE, U+FFFF) and `for_pdf` (controls become spaces, as the
PDF always did; a character the report's fonts cannot draw becomes U+FFFD).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

CONTROL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"  # a class's body
CONTROL_CLASS = f"[{CONTROL_CHARS}]"
_CONTROL = re.compile(CONTROL_CLASS)
# The controls str.isspace() accepts: read as a space, not glued away.
_SPACE_CONTROLS = "\x0b\x0c\x1c\x1d\x1e\x1f\x85"
_REMOVE = dict.fromkeys(
    [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000)]
    + [0xFFFE, 0xFFFF]
) | {ord(c): " " for c in _SPACE_CONTROLS}
# Whitespace to strip from a field's edges that is not a control (str.strip() without the
# controls, which are left for remove_controls to name).
SPACES = " \t\n\r\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
MAX_SHOWN = 8  # distinct characters named in a warning


def has_controls(text: str) -> bool:
    return _CONTROL.search(text) is not None


def remove_controls(text: str) -> str:
    """The text without its control characters (see the module doc)."""
    if _CONTROL.search(text) is None:
        return text
    return text.translate(_REMOVE)


def show_controls(text: str) -> str:
    """The control characters in `text`, visibly: "U+0000, U+0007" (each once, in order)."""
    seen = list(dict.fromkeys(_CONTROL.findall(text)))
    shown = ", ".join(f"U+{ord(c):04X}" for c in seen[:MAX_SHOWN])
    return shown + (", …" if len(seen) > MAX_SHOWN else "")


# --------------------------------------------------------------------------- out

# openpyxl's ILLEGAL_CHARACTERS_RE (C0 but tab, LF, CR), plus what no XML part can hold.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def for_xlsx(value):
    """A cell value an xlsx file can hold: text without the characters XML cannot carry (the
    whitespace-like controls become a space, the others U+FFFD); anything else as it is."""
    if value.__class__ is not str or _NOT_XML.search(value) is None:
        return value
    return _NOT_XML.sub(_xlsx_char, value)


def _xlsx_char(m: re.Match) -> str:
    return " " if m.group() in _SPACE_CONTROLS else "\ufffd"


FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
FONT_DIR = Path(__file__).resolve().parent.parent / "data" / "fonts"
_PDF_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]+")


@cache
def _undrawable() -> re.Pattern:
    """A character class of everything the report's fonts (regular and bold) cannot draw."""
    from fontTools.ttLib import TTFont

    drawable: set[int] | None = None
    for name in FONT_FILES:
        with TTFont(str(FONT_DIR / name), lazy=True) as font:
            points = set(font.getBestCmap())
        drawable = points if drawable is None else drawable & points
    ranges: list[list[int]] = []
    for c in sorted(drawable or ()):
        if c < 0x20 or 0x7F <= c <= 0x9F:  # controls are spaces in the PDF (for_pdf)
            continue
        if ranges and c == ranges[-1][1] + 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    body = "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)
    return re.compile(f"[^{body}\\x00-\\x1f\\x7f-\\x9f]")


def for_pdf(text: str) -> str:
    """Text the PDF can draw: controls (line breaks included) become spaces, a character the
    fonts lack becomes U+FFFD (which they have), stripped."""
    if not text.isascii() or not text.isprintable():
        text = _PDF_CONTROLS.sub(" ", text)
        if not text.isascii():
            text = _undrawable().sub("\ufffd", text)
    return text.strip()
