"""Vietnamese first, English second: the one lookup of every user text (analytics/texts.toml)
and the formatting of dates, numbers and months in either language."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

LANGS = ("vi", "en")
CATALOGUE_PATH = Path(__file__).with_name("texts.toml")


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


def fmt_date(value, lang: str = "vi") -> str:
    """dd/mm/yyyy in Vietnamese, ISO in English; '' for missing."""
    if value is None or value != value:  # NaN/NaT
        return ""
    if hasattr(value, "date") and not isinstance(value, dt.date):
        value = value.date()
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


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
