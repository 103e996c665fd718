"""The date a file states for its figures: in its title lines ("Số liệu đến ngày 15/9/2025",
"Báo cáo ngày 15 tháng 9 năm 2025", "as of 15 September 2025") or its name
("nq71_2025-08-28.xlsx", "nq71-28-08-2025.xlsx", "BC_20250828.xlsx").

Pure functions over plain values: the upload page suggests the date, the command line takes
it when `--as-of` is not given (analytics/cli/ingest.py).

Rules:
- a title line's date counts only with words that say it is the figures' date: "đến ngày",
  "tính đến", "as of", "as at" (first), then "báo cáo ngày", "ngày báo cáo", "cập nhật ngày",
  "report date" (second), or a line that is only a date (third). A bare date elsewhere ("Nghị
  quyết 71/NQ-CP ngày 18/5/2025", "Hà Nội, ngày 20 tháng 9 năm 2025") is a document's date,
  not the figures': it is not taken;
- the title wins over the file name; within one rank, the first date found;
- an impossible date (30/02/2025) is no date; years outside 2000–2100 are not taken.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

from analytics.deadlines import DateError, parse_date
from analytics.text import fold

WARN_DAYS = 7  # a chosen date further than this from the file's date is warned about
YEARS = (2000, 2100)

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec"
)
# The date forms looked for in a folded line (parse_date then says whether each is a date).
_DATE = re.compile(
    r"(?<![\d/.\-])(?:"
    r"\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{4}"  # 15/9/2025, 15-09-2025, 15.09.2025
    r"|\d{4}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{1,2}"  # 2025-09-15
    r"|(?:ngay\s*)?\d{1,2}\s*thang\s*\d{1,2}\s*[,/.\-]?\s*(?:nam\s*)?\d{4}"  # 15 tháng 9 năm 2025
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s*(?:of\s+)?(?:{_MONTHS})\.?,?\s*\d{{4}}"  # 15 September 2025
    rf"|(?:{_MONTHS})\.?\s*\d{{1,2}}(?:st|nd|rd|th)?,?\s*\d{{4}}"  # September 15, 2025
    r")(?![\d/])"
)
# Words just before the date, by rank (1 first).
_LEADS = (
    (
        1,
        re.compile(
            r"(?:\b(?:den|toi)\s+(?:het\s+)?(?:ngay\s*)?"
            r"|\b(?:as\s+(?:of|at)|up\s+to|through)\s+(?:the\s+)?)[:\s]*$"
        ),
    ),
    (
        2,
        re.compile(
            r"\b(?:bao cao|ngay bao cao|ngay so lieu|so lieu|cap nhat|ky bao cao"
            r"|report(?:ed)?(?:\s+(?:on|date|of))?|data(?:\s+(?:on|date|of))?|updated(?:\s+on)?"
            r"|date)\s*(?:ngay\s*)?[:\s]*$"
        ),
    ),
)
_ONLY_DATE = re.compile(r"^(?:ngay\s*)?[:\s]*$")

# File names: ISO, dd-mm-yyyy, yyyymmdd (separators -, _, .).
_NAME_FORMS = (
    (re.compile(r"(?<!\d)(\d{4})[-_.](\d{1,2})[-_.](\d{1,2})(?!\d)"), ("y", "m", "d")),
    (re.compile(r"(?<!\d)(\d{1,2})[-_.](\d{1,2})[-_.](\d{4})(?!\d)"), ("d", "m", "y")),
    (re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"), ("y", "m", "d")),
)


def _in_years(d: dt.date) -> bool:
    return YEARS[0] <= d.year <= YEARS[1]


def _line_dates(line: str) -> list[tuple[int, dt.date]]:
    """(rank, date) of every date with its lead words in one title line, in line order."""
    folded = fold(line).replace("\u00a0", " ")
    out = []
    for m in _DATE.finditer(folded):
        try:
            found = parse_date(m.group(0).strip())
        except DateError:
            continue  # 30/02/2025: no date
        if found is None or not _in_years(found):
            continue
        before = folded[: m.start()]
        rank = next((r for r, lead in _LEADS if lead.search(before)), None)
        if rank is None and _ONLY_DATE.match(before) and not folded[m.end() :].strip(" .;,)"):
            rank = 3
        if rank is not None:
            out.append((rank, found))
    return out


def title_date(title_lines: Iterable[str]) -> tuple[dt.date, str] | None:
    """The figures' date the title lines state, with the line that states it."""
    best: tuple[int, dt.date, str] | None = None
    for line in title_lines or ():
        if not isinstance(line, str):
            continue
        for rank, found in _line_dates(line):
            if best is None or rank < best[0]:
                best = (rank, found, line.strip())
    return None if best is None else (best[1], best[2])


def name_date(file_name: str) -> dt.date | None:
    """The date in a file's name: "…_2025-08-28.xlsx", "nq71-28-08-2025.xlsx", "BC_20250828"."""
    stem = Path(file_name or "").stem
    for pattern, order in _NAME_FORMS:
        for m in pattern.finditer(stem):
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                found = dt.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                continue
            if _in_years(found):
                return found
    return None


def stated_date(
    title_lines: Iterable[str] | None, file_name: str | None
) -> tuple[dt.date, str, str] | None:
    """(date, where, text): the date the file states for its figures, "title" or "file_name",
    and the title line or the name that states it; None when it states none."""
    found = title_date(title_lines or ())
    if found is not None:
        return found[0], "title", found[1]
    in_name = name_date(file_name or "")
    if in_name is not None:
        return in_name, "file_name", Path(file_name).name
    return None


def far_from(chosen: dt.date, stated: dt.date, days: int = WARN_DAYS) -> bool:
    """The chosen date is more than `days` days from the file's own date."""
    return abs((chosen - stated).days) > days


def titles_of(tables) -> list[str]:
    """The title lines of a file read (one RawTable or several), in sheet order."""
    if tables is None:
        return []
    many = tables if isinstance(tables, list | tuple) else [tables]
    return [line for table in many for line in getattr(table, "title_lines", None) or []]


def next_date(as_of: dt.date, later_dates: Iterable[dt.date]) -> dt.date | None:
    """The first date after `as_of` among a source's snapshot dates: a back-dated file changes
    the figures from its date until before that one (None: its figures are the latest)."""
    after = [d for d in later_dates if d is not None and d > as_of]
    return min(after) if after else None


def shown_text(text: str, limit: int = 80) -> str:
    """A title line or name as quoted in a message: one line, at most `limit` characters."""
    one = " ".join(str(text).split())
    return one if len(one) <= limit else one[: limit - 1] + "…"
