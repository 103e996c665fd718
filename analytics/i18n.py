"""Vietnamese first, English second: the one lookup of every user text (analytics/texts.toml)
and the formatting of dates, numbers and months in either language. Dates are dd/mm/yyyy in
both languages (the form the documents use): `fmt_date` for text, DATE_WIDGET for Streamlit's
date widgets and column formats, DATE_EXCEL for spreadsheet cells, DATE_PLOTLY for charts."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

LANGS = ("vi", "en")
CATALOGUE_PATH = Path(__file__).with_name("texts.toml")
DATE_WIDGET = "DD/MM/YYYY"  # st.date_input and st.column_config date formats
DATE_EXCEL = "DD/MM/YYYY"  # openpyxl number_format of date cells
DATE_PLOTLY = "%d/%m/%Y"  # plotly tickformat / hoverformat (d3 time format)


def _load(path: Path) -> dict[str, tuple[str, str]]:
    """texts.toml as {"section.key": (vi, en)}."""
    with path.open("rb") as f:
        sections = tomllib.load(f)
    return {
        f"{section}.{key}": tuple(pair)
        for section, entries in sections.items()
        for key, pair in entries.items()
    }


TEXTS = _load(CATALOGUE_PATH)


def t(key: str, lang: str = "vi", **fmt) -> str:
    """The text of `key` ("section.key", see texts.toml) in `lang`, formatted with `fmt`.

    An unknown key comes back as itself without its section ("status.foo" → "foo"), so a code
    looked up by value (a status, an agency type) shows as the code when it has no label.
    """
    pair = TEXTS.get(key)
    if pair is None:
        text = key.split(".", 1)[-1]
        return text.format(**fmt) if fmt else text
    text = pair[0 if lang == "vi" else 1]
    return text.format(**fmt) if fmt else text


SOURCE_KEYS = ("viewer16.source_nq71", "viewer16.source_tbkl")
"""The texts of the known task sources: each one's Vietnamese is the name stored with its tasks."""


def source_label(source, lang: str = "vi") -> str:
    """A task source as users read it: a known source in `lang` ('Nghị quyết 71/NQ-CP' is
    'Resolution 71/NQ-CP' in English); any other as it was stored (its own name)."""
    if not isinstance(source, str):
        return "" if source is None or source != source else str(source)
    if lang == "vi":
        return source
    for key in SOURCE_KEYS:
        vi, en = TEXTS[key]
        if source == vi:
            return en
    return source


def fmt_date(value, lang: str = "vi") -> str:
    """dd/mm/yyyy in either language ('' for missing); `lang` is kept for the callers' symmetry
    with the other formatters."""
    if value is None or value != value:  # NaN/NaT
        return ""
    if hasattr(value, "date") and not isinstance(value, dt.date):
        value = value.date()
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y")


def fmt_int(value: int, lang: str = "vi") -> str:
    text = f"{int(value):,}"
    return text.replace(",", ".") if lang == "vi" else text


def fmt_pct(value: float | None, lang: str = "vi", digits: int = 1) -> str:
    if value is None or value != value:
        return "–"
    text = f"{value * 100:.{digits}f}%"
    return text.replace(".", ",") if lang == "vi" else text


def fmt_month(month: str, lang: str = "vi") -> str:
    """'2025-08' → 'T8/2025' (vi) or 'Aug 2025' (en)."""
    year, mon = month.split("-")
    if lang == "vi":
        return f"T{int(mon)}/{year}"
    return dt.date(int(year), int(mon), 1).strftime("%b %Y")
