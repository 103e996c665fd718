"""Text normalisation shared by header, status, deadline and agency matching."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WS = re.compile(r"\s+")


def nfc(value: object) -> str:
    """Text as NFC with collapsed whitespace; None becomes ''."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\u00a0", " ")
    return _WS.sub(" ", text).strip()


def fold(value: object) -> str:
    """Lower case, no diacritics (đ → d), collapsed whitespace: the key for fuzzy matching."""
    if isinstance(value, str):
        return _fold_str(value)
    return _fold_str(nfc(value))


@lru_cache(maxsize=131072)
def _fold_str(value: str) -> str:
    text = unicodedata.normalize("NFD", nfc(value).lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return text.replace("đ", "d").replace("Đ", "d")


def fold_words(value: object) -> str:
    """fold() with punctuation turned into single spaces (for header and name keys)."""
    return _WS.sub(" ", re.sub(r"[^0-9a-z&%]+", " ", fold(value))).strip()
