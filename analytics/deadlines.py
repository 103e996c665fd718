"""Deadlines and dates as Vietnamese task sheets write them.

`parse_deadline` turns a deadline cell (text, a date cell or an Excel serial) into a `Deadline`:
the last day of the period it names, the kind of form it was written in, and the text as written.
`parse_date` reads one strict calendar date (completion dates). `format_date` writes one.

Rules (see data/reference/deadline_forms.csv):
- Always day first: "03/04/2025" is 3 April 2025. Two-digit years are 20xx.
- A period resolves to its last day: "Tháng 9/2025" → 30/09/2025, "Quý III/2025" → 30/09/2025,
  "6 tháng đầu năm 2025" → 30/06/2025, "Năm 2025" → 31/12/2025, "2025-2030" → 31/12/2030.
- "Trước 15/9/2025", "Chậm nhất ngày ..." and "by ..." resolve to the date itself (kind
  before_date). "Trước tháng 10/2025" / "Trước năm 2026" mean before the period starts: kind
  before_date, 30/09/2025 / 31/12/2025. "Chậm nhất tháng 9/2025" is the end of September.
- Several stages ("...; ...", "Đợt 1: ...; đợt 2: ...") resolve to the last stage written.
- Event-relative text ("Sau khi Luật được thông qua", "Kỳ họp thứ 9") has no date unless a
  date or month is written in it: "Trình Quốc hội tại Kỳ họp thứ 10 (tháng 10/2025)" resolves to
  31/10/2025 and keeps kind event_relative.
- Recurring deadlines ("Thường xuyên", "Hằng năm") have no date: they are never overdue.
- Free text that embeds a date ("Trình Chính phủ tháng 6/2025") takes that date and its kind.
- An impossible date anywhere ("31/02/2025", "Tháng 13/2025", "Quý V/2025") raises DateError.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import numbers
import re
from dataclasses import dataclass

from analytics.text import fold, nfc

KINDS = (
    "date",
    "before_date",
    "month",
    "multi_month",
    "quarter",
    "multi_quarter",
    "half_year",
    "year",
    "range",
    "recurring",
    "event_relative",
    "multi_stage",
    "none",
    "free_text",
)

# Excel serial day numbers accepted as dates (1954 .. 2119 in the 1900 system).
SERIAL_MIN = 20_000
SERIAL_MAX = 80_000
_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)  # = 1899-12-30 + 1462 days
YEAR_MIN = 1900
YEAR_MAX = 2100


@dataclass(frozen=True)
class Deadline:
    """A deadline as resolved from one cell."""

    date: dt.date | None  # the last day of the period; None = no deadline
    kind: str  # one of KINDS
    text: str  # the text as written (NFC); '' for an empty cell


class DateError(ValueError):
    """An impossible or unreadable date. str(e) is English; .message_vi is Vietnamese."""

    def __init__(self, message: str, message_vi: str | None = None, value: str = ""):
        super().__init__(message)
        self.message = message
        self.message_vi = message_vi or message
        self.value = value


# ---------------------------------------------------------------------------------------------
# Patterns (on fold()ed text: lower case, no diacritics). Compiled once.

_BLANKS = frozenset({"", "(blank)", "blank", "nan", "nat", "<na>", "none", "null"})
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_TRIM = " \t.;,:"

_YEAR = r"(?P<y>\d{4})(?!\d)"
_YSEP = r"(?:\s*[/.,\-]\s*|\s*\bnam\s+|\s+)(?:nam\s+)?"
_YEAR_OPT = rf"(?:{_YSEP}{_YEAR})?"
_TIME = r"(?:[\st]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_MONTH_NAMES = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MN = "(?P<mn>" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\b\.?"
_LIST_SEP = r"\s*(?:-|,|&|\bva\b|\bden\b|\btoi\b|\band\b|\bto\b)\s*"
_QTOK = r"(?:[ivx]+|\d{1,2})"

# Whole-string deadline forms by name; their named groups are read by the _h_* handlers below.
_P = {
    "dmy": rf"(?P<d>\d{{1,2}})\s*[/.\-]\s*(?P<m>\d{{1,2}})\s*[/.\-]\s*(?P<y>\d{{4}}|\d{{2}})(?!\d){_TIME}",
    "ymd": rf"(?P<y>\d{{4}})\s*[/.\-]\s*(?P<m>\d{{1,2}})\s*[/.\-]\s*(?P<d>\d{{1,2}})(?!\d){_TIME}",
    "dm_words": r"(?:ngay\s*)?(?P<d>\d{1,2})\s*thang\s*(?P<m>\d{1,2})"
    r"(?:\s*[,/.\-]?\s*(?:nam\s*)?(?P<y>\d{4}))?",
    "dmy_en": rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?{_MN},?\s*(?P<y>\d{{4}})",
    "mdy_en": rf"{_MN}\s*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s*(?P<y>\d{{4}})",
    "dm": r"(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})",
    "multi_month": rf"(?:thang|t)\s*(?P<ms>\d{{1,2}}(?:{_LIST_SEP}(?:thang\s*|t\s*)?\d{{1,2}})+){_YEAR_OPT}",
    "month": rf"(?:thang|t|month)\s*(?P<m>\d{{1,2}}){_YEAR_OPT}",
    "month_bare": r"(?P<m>\d{1,2})\s*[/.\-]\s*(?P<y>\d{4})",
    "month_en": rf"{_MN},?\s*(?:of\s+)?(?P<y>\d{{4}})?",
    "multi_quarter": rf"(?:quy|qui|q)\s*(?P<qs>{_QTOK}(?:{_LIST_SEP}(?:quy\s*|qui\s*|q\s*)?{_QTOK})+){_YEAR_OPT}",
    "quarter": rf"(?:quy|qui|q|quarter)\s*(?P<q>{_QTOK}){_YEAR_OPT}",
    "quarter_en": rf"(?P<q>\d)(?:st|nd|rd|th)\s+quarter(?:\s+of)?{_YEAR_OPT}",
    "half": r"(?:6|sau)\s*thang\s*(?P<h>dau|cuoi)(?:\s*nam)?(?:\s*(?P<y>\d{4}))?",
    "half_nua": r"nua\s*(?P<h>dau|cuoi|sau)(?:\s*nam)?(?:\s*(?P<y>\d{4}))?",
    "half_paren": r"(?:nam\s*)?(?P<y>\d{4})\s*\(\s*(?:6|sau)\s*thang\s*(?P<h>dau|cuoi)(?:\s*nam)?\s*\)",
    "half_h": r"h(?P<h>[12])\s*[/\-]?\s*(?P<y>\d{4})",
    "half_en": r"(?P<h>first|second|1st|2nd)\s+half(?:\s+of)?(?:\s+the\s+year)?(?:\s*(?P<y>\d{4}))?",
    "range": r"(?:(?:giai doan|thoi ky|period)\s*)?(?:(?:tu|from)\s*)?(?:nam\s*)?(?P<y1>\d{4})"
    r"\s*(?:-|\bden\b|\btoi\b|\bto\b|\bva\b)\s*(?:het\s*)?(?:nam\s*)?(?P<y2>\d{4})",
    "open_from": r"(?:tu|from|since|bat dau tu)\s*(?:nam\s*)?(?P<y>\d{4})"
    r"(?:\s*(?:tro di|tro ve sau|onwards?))?",
    "open_on": r"(?:nam\s*)?(?P<y>\d{4})\s*(?:(?:va|and)\s*(?:cac|nhung)?\s*nam\s*(?:tiep theo|sau|ke tiep)"
    r"|tro di|tro ve sau|onwards?|and beyond)",
    "year": r"(?:nam|year)?\s*(?P<y>\d{4})",
}

# One alternation, tried in this order (order matters only where two forms could both match a
# whole string); each form's groups are renamed "<form>__<group>", the form is m.lastgroup.
_CORE_ORDER = (
    "dmy", "ymd", "dm_words", "dmy_en", "mdy_en", "dm", "month", "multi_month", "month_bare",
    "month_en", "quarter", "multi_quarter", "quarter_en", "half", "half_nua", "half_paren",
    "half_h", "half_en", "range", "open_from", "open_on", "year",
)  # fmt: skip
_GROUP = re.compile(r"\(\?P<(\w+)>")


def _core_regex(names: tuple[str, ...]) -> re.Pattern:
    alternatives = (
        f"(?P<{name}>" + _GROUP.sub(lambda g, n=name: f"(?P<{n}__{g.group(1)}>", _P[name]) + ")"
        for name in names
    )
    return re.compile("|".join(alternatives))


_CORE = _core_regex(_CORE_ORDER)
_DATE_ONLY = _core_regex(("dmy", "ymd", "dm_words", "dmy_en", "mdy_en"))

# Words that may stand before a deadline: what they mean is recorded, then they are dropped.
_PREFIX = re.compile(
    r"(?:(?P<before>truoc|before)"
    r"|(?P<by>cham nhat(?: la)?|muon nhat(?: la)?|khong qua|khong muon hon|no later than"
    r"|not later than|due by|by)"
    r"|(?P<until>den het|den|toi|until|till|up to)"
    r"|(?P<end>cuoi|het|the end of|end of)"
    r"|(?:hoan thanh|thuc hien|xong|ngay|vao|trong|in|on|at|han chot|han cuoi|thoi han|han"
    r"|due date|due|deadline))\b[\s:,]*"
)
_PREFIX_WORDS = (
    r"truoc|cham nhat(?: la)?|khong qua|khong muon hon|han chot|den het|den|ngay|vao|trong|cuoi|het"
    r"|by|before"
)


def _search_form(name: str) -> str:
    return re.sub(r"\(\?P<\w+>", "(?:", _P[name])


# Deadline forms searched for inside longer text (each must also be a _CORE form after prefixes).
_EMBEDDED = re.compile(
    rf"\b(?:(?:{_PREFIX_WORDS})\s*){{0,4}}(?:"
    + "|".join(
        [
            _search_form("multi_month"),
            _search_form("multi_quarter"),
            _search_form("dmy"),
            _search_form("ymd"),
            _search_form("dm_words"),
            _search_form("month"),
            _search_form("quarter"),
            _search_form("half"),
            _search_form("half_nua"),
            _search_form("half_paren"),
            _search_form("range"),
            r"(?:nam|year)\s*\d{4}",
            r"(?:ngay|truoc|cham nhat|khong qua|han)\s*(?:ngay\s*)?\d{1,2}\s*[/.]\s*\d{1,2}",
        ]
    )
    + r")(?![\d/])"
)

_SERIAL = re.compile(r"\d{5}(?:[.,]\d+)?")
_RECURRING = re.compile(
    r"\b(?:thuong xuyen|hang (?:nam|quy|thang|tuan|ngay)|dinh ky|lien tuc|moi (?:nam|quy|thang|tuan)"
    r"|annually|quarterly|monthly|weekly|daily|ongoing|continuous(?:ly)?|regularly|recurring|periodic)\b"
)
_EVENT = re.compile(
    r"\b(?:sau khi|ngay sau|ke tu|trong vong|ky hop|phien hop|hoi nghi|theo tien do|truoc khi|khi|sau"
    r"|dong thoi|cung thoi diem|after|upon|following|within|session|once)\b"
)
_UNSPECIFIED = re.compile(
    r"(?:theo chi dao|theo yeu cau|theo ke hoach|khong quy dinh|chua quy dinh|chua xac dinh"
    r"|khong xac dinh|khong co thoi han|khong thoi han|chua co thoi han|not specified|unspecified"
    r"|to be determined|as (?:directed|required|requested|needed))\b"
    r"|(?:khong|khong co|chua co|n/?a|tbd|-+|\?+|x)$"
)
_STAGE_SPLIT = re.compile(r"\s*;\s*|\s+(?=\b(?:dot|giai doan|buoc|lan)\s*\d+\s*[:.)])")
_STAGE_LABEL = re.compile(r"^[-+*\u2022\s]*(?:(?:dot|giai doan|buoc|lan)\s*\d+\s*[:.)\-]?\s*)?")
_RANGE_SEP = re.compile(r"\s*(?:-|\bden het\b|\bden\b|\btoi\b|\bto\b|\buntil\b)\s*")
_RANGE_MAX_LEN = 80  # "A - B" is short; longer text is not split at every '-'
_RANGE_LEAD = re.compile(r"^(?:giai doan|thoi ky|tu|from)\s+")
_ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
}
_QSPLIT = re.compile(r"\b(?:quy|qui|q)\s*")
_QTOKENS = re.compile(r"\b(?:[ivx]+|\d+)\b")
_MTOKENS = re.compile(r"\d+")
_EN_MONTHS = (
    "", "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Dates and period ends, validated.


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS[month - 1]


def _year(y: str) -> int:
    year = int(y) + (2000 if len(y) == 2 else 0)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise DateError(f"year {year} is out of range", f"năm {year} nằm ngoài khoảng cho phép")
    return year


def _month_no(m: str | int) -> int:
    month = int(m)
    if not 1 <= month <= 12:
        raise DateError(f"there is no month {month}", f"không có tháng {month}")
    return month


def _make_date(year: int | None, m: str | int, d: str) -> dt.date:
    """A checked date; year None checks day and month only (29/02 allowed)."""
    month, day = _month_no(m), int(d)
    last = _days_in(2000 if year is None else year, month)
    if not 1 <= day <= last:
        when = _EN_MONTHS[month] + ("" if year is None else f" {year}")
        when_vi = f"tháng {month}" + ("" if year is None else f"/{year}")
        raise DateError(
            f"{when} has no day {day} (it has {last} days)",
            f"{when_vi} không có ngày {day} (chỉ có {last} ngày)",
        )
    return dt.date(2000 if year is None else year, month, day)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _days_in(year, month))


def _quarter_no(token: str) -> int:
    q = int(token) if token.isdigit() else _ROMAN.get(token)
    if q is None or not 1 <= q <= 4:
        raise DateError(f"there is no quarter {token.upper()}", f"không có quý {token.upper()}")
    return q


# ---------------------------------------------------------------------------------------------
# Whole-string forms. Each handler gets the match, its group-name prefix and the default year.

_Result = tuple[str, dt.date | None]
_NO_YEAR: _Result = ("free_text", None)


def _year_or(m: re.Match, p: str, default_year: int | None) -> int | None:
    y = m.group(p + "y")
    return _year(y) if y else default_year


def _h_date(m, p, default_year):
    month = m.group(p + "m") if p + "m" in m.re.groupindex else _MONTH_NAMES[m.group(p + "mn")]
    return "date", _make_date(_year(m.group(p + "y")), month, m.group(p + "d"))


def _h_day_month(m, p, default_year):
    y = m.group(p + "y") if p + "y" in m.re.groupindex else None
    if y:
        return "date", _make_date(_year(y), m.group(p + "m"), m.group(p + "d"))
    _make_date(None, m.group(p + "m"), m.group(p + "d"))
    if default_year is None:
        return _NO_YEAR
    return "date", _make_date(default_year, m.group(p + "m"), m.group(p + "d"))


def _h_month(m, p, default_year):
    mn = m.group(p + "mn") if p + "mn" in m.re.groupindex else None
    month = _MONTH_NAMES[mn] if mn else _month_no(m.group(p + "m"))
    year = _year_or(m, p, default_year)
    return _NO_YEAR if year is None else ("month", _month_end(year, month))


def _h_multi_month(m, p, default_year):
    months = [_month_no(x) for x in _MTOKENS.findall(m.group(p + "ms"))]
    year = _year_or(m, p, default_year)
    return _NO_YEAR if year is None else ("multi_month", _month_end(year, months[-1]))


def _h_quarter(m, p, default_year):
    q = _quarter_no(m.group(p + "q"))
    year = _year_or(m, p, default_year)
    return _NO_YEAR if year is None else ("quarter", _month_end(year, 3 * q))


def _h_multi_quarter(m, p, default_year):
    qs = [_quarter_no(x) for x in _QTOKENS.findall(_QSPLIT.sub(" ", m.group(p + "qs")))]
    year = _year_or(m, p, default_year)
    return _NO_YEAR if year is None else ("multi_quarter", _month_end(year, 3 * qs[-1]))


def _h_half(m, p, default_year):
    year = _year_or(m, p, default_year)
    if year is None:
        return _NO_YEAR
    first = m.group(p + "h") in ("dau", "1", "first", "1st")
    return "half_year", dt.date(year, 6, 30) if first else dt.date(year, 12, 31)


def _h_range(m, p, default_year):
    end = max(_year(m.group(p + "y1")), _year(m.group(p + "y2")))
    return "range", dt.date(end, 12, 31)


def _h_open(m, p, default_year):
    _year(m.group(p + "y"))
    return "range", None


def _h_year(m, p, default_year):
    y = int(m.group(p + "y"))
    return ("year", dt.date(y, 12, 31)) if YEAR_MIN <= y <= YEAR_MAX else None


_HANDLERS = {
    "dmy": _h_date, "ymd": _h_date, "dmy_en": _h_date, "mdy_en": _h_date,
    "dm_words": _h_day_month, "dm": _h_day_month,
    "month": _h_month, "month_bare": _h_month, "month_en": _h_month,
    "multi_month": _h_multi_month,
    "quarter": _h_quarter, "quarter_en": _h_quarter,
    "multi_quarter": _h_multi_quarter,
    "half": _h_half, "half_nua": _h_half, "half_paren": _h_half, "half_h": _h_half, "half_en": _h_half,
    "range": _h_range, "open_from": _h_open, "open_on": _h_open,
    "year": _h_year,
}  # fmt: skip


def _handle(m: re.Match, default_year: int | None) -> _Result | None:
    name = m.lastgroup
    return _HANDLERS[name](m, name + "__", default_year)


def _core(f: str, default_year: int | None) -> _Result | None:
    """A whole (already prefix-free) string as one deadline form, or None."""
    m = _CORE.fullmatch(f)
    return None if m is None else _handle(m, default_year)


_PERIOD_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


def _period_start(kind: str, end: dt.date) -> dt.date | None:
    months = _PERIOD_MONTHS.get(kind)
    if months is None:
        return None
    return dt.date(end.year, end.month - months + 1, 1)


def _core_prefixed(f: str, default_year: int | None) -> _Result | None:
    """_core after dropping lead words ('trước ngày', 'chậm nhất', 'trong', 'đến năm'...).

    A date after any of 'trước', 'chậm nhất', 'không quá', 'đến', 'by' is kind before_date and
    resolves to that date. A month, quarter, half or year after 'trước'/'before' (but not 'trước
    cuối ...') resolves to the day before the period starts ("Trước năm 2026" → 31/12/2025);
    after 'chậm nhất'/'không quá'/'by' to the period's end; a year after 'đến' is a range.
    """
    flags = set()
    rest = f
    m = _PREFIX.match(rest)
    while m is not None and m.end():
        if m.lastgroup:
            flags.add(m.lastgroup)
        rest = rest[m.end() :]
        m = _PREFIX.match(rest)
    result = _core(rest, default_year)
    if result is None or not flags:
        return result
    kind, date = result
    if kind == "date" and flags & {"before", "by", "until"}:
        return "before_date", date
    if kind == "year" and "until" in flags:
        return "range", date
    if date is not None and "before" in flags and "end" not in flags:
        start = _period_start(kind, date)
        if start is not None:
            return "before_date", start - dt.timedelta(days=1)
    return kind, date


def _embedded(f: str, default_year: int | None) -> list[_Result]:
    """Deadline forms written inside longer text, in order (those that resolve to a date)."""
    found = []
    for m in _EMBEDDED.finditer(f):
        result = _core_prefixed(m.group(0).strip(_TRIM), default_year)
        if result is not None and result[1] is not None:
            found.append(result)
    return found


def _stages(f_lines: str, default_year: int | None) -> _Result | None:
    """'A; B' or 'Đợt 1: A, đợt 2: B' where two or more parts carry a date: the last one."""
    parts = [p for p in _STAGE_SPLIT.split(f_lines) if p.strip(_TRIM)]
    if len(parts) < 2:
        return None
    dates = []
    for part in parts:
        seg = _STAGE_LABEL.sub("", part).strip(_TRIM)
        result = _core_prefixed(seg, default_year)
        if result is None or result[1] is None:
            hits = _embedded(seg, default_year)
            result = hits[-1] if hits else None
        if result is not None and result[1] is not None:
            dates.append(result[1])
    if len(dates) < 2:
        return None
    return "multi_stage", dates[-1]


def _range_of_two(f: str, default_year: int | None) -> _Result | None:
    """'Từ tháng 6 đến tháng 9/2025', '01/01/2025 - 31/12/2025': the end of the second."""
    if len(f) > _RANGE_MAX_LEN:
        return None
    body = _RANGE_LEAD.sub("", f)
    for sep in _RANGE_SEP.finditer(body):
        left, right = body[: sep.start()], body[sep.end() :]
        if not left or not right:
            continue
        end = _core_prefixed(right, default_year)
        if end is None or end[1] is None:
            continue
        start = _core_prefixed(left, end[1].year)
        if start is None or start[1] is None:
            continue
        kinds = {start[0], end[0]}
        if kinds <= {"month", "multi_month"}:
            return "multi_month", end[1]
        if kinds <= {"quarter", "multi_quarter"}:
            return "multi_quarter", end[1]
        return "range", end[1]
    return None


def _fold_table() -> dict[int, str]:
    """Precomposed lower-case Latin letters → what fold() makes of them (one ASCII letter)."""
    table = {}
    for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        char = chr(cp).lower()
        folded = fold(char)
        if len(char) == 1 and len(folded) == 1 and folded.isascii():
            table[ord(char)] = folded
    table.update(dict.fromkeys(range(0x2010, 0x2016), "-"))
    table[0x2212] = "-"
    return table


_FOLD_TABLE = _fold_table()


def _fold_nfc(text: str) -> str:
    """fold() of an nfc()ed text, dashes as '-': a table lookup for Vietnamese (fold() is ~5x
    slower); any character the table does not cover falls back to fold()."""
    quick = text.lower().translate(_FOLD_TABLE)
    return quick if quick.isascii() else _DASHES.sub("-", fold(text))


def _clean(folded: str) -> str:
    return folded.strip(_TRIM).strip("\"'\u201c\u201d").strip(_TRIM)


def _resolve(f: str, f_lines: str, default_year: int | None) -> _Result:
    """The cascade for a folded, non-blank text (f_lines keeps line breaks as ';')."""
    result = _core_prefixed(f, default_year)
    if result is not None:
        return result
    if _RECURRING.search(f):
        return "recurring", None
    result = _stages(f_lines, default_year) if f_lines != f else None
    if result is None and ";" in f:
        result = _stages(f, default_year)
    if result is None:
        result = _range_of_two(f, default_year)
    if result is not None:
        return result
    hits = _embedded(f, default_year)
    if _EVENT.search(f):
        return "event_relative", hits[-1][1] if hits else None
    if len(hits) >= 2:
        return "multi_stage", hits[-1][1]
    if hits:
        return hits[0]
    if _UNSPECIFIED.match(f):
        return "none", None
    return "free_text", None


def _with_value(exc: DateError, text: str) -> DateError:
    return DateError(
        f"Impossible date '{text}': {exc.message}",
        f"Ngày không hợp lệ '{text}': {exc.message_vi}",
        text,
    )


@functools.lru_cache(maxsize=65_536)
def _parse_text(raw: str, default_year: int | None, epoch_1904: bool) -> Deadline:
    text = nfc(raw)
    f = _clean(_fold_nfc(text))
    if f in _BLANKS:
        return Deadline(None, "none", "")
    if _SERIAL.fullmatch(f):
        return _parse_number(float(f.replace(",", ".")), epoch_1904, text)
    f_lines = f
    lines = raw.strip().replace("\r", "\n")
    if "\n" in lines:  # a line break can separate stages: keep it as ';'
        f_lines = _clean(_fold_nfc(nfc(lines.replace("\n", " ; "))))
    try:
        kind, date = _resolve(f, f_lines, default_year)
    except DateError as exc:
        raise _with_value(exc, text) from None
    return Deadline(date, kind, text)


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _from_serial(value: float, epoch_1904: bool) -> dt.date | None:
    if not SERIAL_MIN <= value < SERIAL_MAX + 1:
        return None
    return (_EPOCH_1904 if epoch_1904 else _EPOCH_1900) + dt.timedelta(days=math.floor(value))


def _parse_number(value: float, epoch_1904: bool, text: str | None = None) -> Deadline:
    if not math.isfinite(value):
        return (
            Deadline(None, "none", "")
            if math.isnan(value)
            else Deadline(None, "free_text", str(value))
        )
    if value.is_integer() and YEAR_MIN <= value <= YEAR_MAX:
        return Deadline(dt.date(int(value), 12, 31), "year", text or _number_text(value))
    d = _from_serial(value, epoch_1904)
    if d is None:
        return Deadline(None, "free_text", text or _number_text(value))
    return Deadline(d, "date", text or format_date(d))


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):
        return type(value).__name__ == "NAType"


# ---------------------------------------------------------------------------------------------
# Public API


def parse_deadline(
    value: object, *, default_year: int | None = None, epoch_1904: bool = False
) -> Deadline:
    """One deadline cell as a Deadline; raises DateError for an impossible date.

    value: text, a date/datetime cell, or an Excel serial (int/float, or a 5-digit string).
    default_year: the year for forms written without one ("Trước 30/6", "Tháng 9");
    without it such forms are free_text.
    """
    if isinstance(value, str):
        return _parse_text(value, default_year, epoch_1904)
    if _is_missing(value):
        return Deadline(None, "none", "")
    if isinstance(value, dt.datetime):
        d = value.date()
        return Deadline(d, "date", format_date(d))
    if isinstance(value, dt.date):
        return Deadline(value, "date", format_date(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return _parse_number(float(value), epoch_1904)
    return _parse_text(str(value), default_year, epoch_1904)


_DATE_LEAD = re.compile(r"^(?:ngay|on)\s+")
_DATE_BLANKS = _BLANKS | {"-", "--", "---"}


@functools.lru_cache(maxsize=65_536)
def _parse_date_text(raw: str, epoch_1904: bool) -> dt.date | None:
    text = nfc(raw)
    f = _clean(_fold_nfc(text))
    if f in _DATE_BLANKS:
        return None
    try:
        if _SERIAL.fullmatch(f):
            d = _from_serial(float(f.replace(",", ".")), epoch_1904)
            if d is not None:
                return d
        else:
            m = _DATE_ONLY.fullmatch(_DATE_LEAD.sub("", f))
            if m and (m.lastgroup != "dm_words" or m.group("dm_words__y")):
                return _handle(m, None)[1]
    except DateError as exc:
        raise _with_value(exc, text) from None
    raise DateError(
        f"Not a date: '{text}' (expected day/month/year, e.g. 15/08/2025)",
        f"Không phải ngày: '{text}' (cần ngày/tháng/năm, ví dụ 15/08/2025)",
        text,
    )


def parse_date(value: object, *, epoch_1904: bool = False) -> dt.date | None:
    """One strict calendar date (completion dates). None for a blank cell ('', '-', NaN).

    Accepts date/datetime cells, Excel serials, dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd,
    'ngày 15 tháng 8 năm 2025'; raises DateError for impossible or unreadable values.
    """
    if isinstance(value, str):
        return _parse_date_text(value, epoch_1904)
    if _is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if math.isfinite(value):
            d = _from_serial(float(value), epoch_1904)
            if d is not None:
                return d
        text = _number_text(float(value)) if math.isfinite(value) else str(value)
        raise DateError(
            f"Not a date: {text} is not an Excel date serial",
            f"Không phải ngày: {text} không phải số ngày của Excel",
            text,
        )
    return _parse_date_text(str(value), epoch_1904)


def format_date(d: dt.date | None, lang: str = "vi") -> str:
    """'dd/mm/yyyy' in either language (as analytics.i18n.fmt_date); '' for None."""
    if d is None:
        return ""
    if isinstance(d, dt.datetime):
        d = d.date()
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"
