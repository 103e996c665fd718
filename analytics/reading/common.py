"""What the reader's modules share: the data classes, limits and small helpers.

- Cell text is NFC-normalised, NBSP becomes a space, runs of spaces collapse and the text is
  stripped, but line breaks inside a cell are kept (agency lists are often one per line).
- Control characters (`analytics.safe_text`) are taken out of every cell, header and title line
  read, in every format; `rows._control_warnings` names them, one warning per row.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from analytics import safe_text
from analytics.problems import InputRejected, Problem, error

log = logging.getLogger(__name__)

MAX_ROWS = 200_000
MAX_COLS = 200

HEADER_SCAN_ROWS = 30
_HSPACE = re.compile(r"[^\S\n]+")
# Whitespace other than the plain space (exactly what str.isspace() accepts, listed so the regex
# scans a character class instead of trying an alternation at every position: 5x faster).
_ODD_SPACE_CLASS = "[\t-\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_ODD_CHAR = re.compile(_ODD_SPACE_CLASS)
_ODD_SPACE = re.compile(f"{_ODD_SPACE_CLASS}|  ")
# What a cell is cleaned one by one for: an odd space, two spaces or a control character (one
# class, as above); _UNCLEAN_JOINED scans cells joined by NUL, so NUL is left out of it.
assert safe_text.CONTROL_CHARS.startswith("\x00-")
_UNCLEAN = re.compile(f"{_ODD_SPACE_CLASS[:-1]}{safe_text.CONTROL_CHARS}]|  ")
_UNCLEAN_JOINED = re.compile(f"{_ODD_SPACE_CLASS[:-1]}\x01{safe_text.CONTROL_CHARS[1:]}]")


# ---------------------------------------------------------------------------------------------
# public data classes


@dataclass(slots=True)
class RawRow:
    row: int  # the spreadsheet's own 1-based row number (CSV: 1-based record number)
    values: dict[str, object]  # canonical field -> cell value
    group: str | None  # text of the last section heading row above it


@dataclass
class RawTable:
    file_name: str
    file_format: str  # 'xlsx','xlsm','xls','ods','csv','tsv','txt'
    sheet: str | None
    sheets: list[str]  # all sheet names (for a picker)
    header_row: int  # 1-based (top row when the header spans two rows)
    headers: list[str]  # header text per column ("Thời hạn / Thực tế" for two-row headers)
    mapping: dict[str, int]  # canonical field -> 0-based column index
    # The task rows, column by column (fast to resolve): the spreadsheet's own 1-based row
    # numbers, the section heading above each row, and one list of cell values per mapped field.
    row_numbers: list[int]
    groups: list[str | None]
    columns: dict[str, list]
    warnings: list[Problem]  # row problems: level "error" blocks an ingest, "warning" does not
    epoch_1904: bool = False
    encoding: str | None = None  # for text files
    delimiter: str | None = None
    title_lines: list[str] = field(default_factory=list)  # text above the header (title block)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.warnings if p.level == "error"]

    @property
    def n_rows(self) -> int:
        return len(self.row_numbers)

    @cached_property
    def rows(self) -> list[RawRow]:
        """The same rows one by one (built on first use; the ingest path reads `columns`)."""
        names = list(self.columns)
        cols = [self.columns[n] for n in names]
        return [
            RawRow(rn, dict(zip(names, vals, strict=True)), grp)
            for rn, grp, *vals in zip(self.row_numbers, self.groups, *cols, strict=True)
        ]


# ---------------------------------------------------------------------------------------------
# helpers


def _reject(code: str, en: str, vi: str, **kw) -> InputRejected:
    return InputRejected([error(code, en, vi, **kw)])


def _damaged(detail: str = "", exc: BaseException | None = None) -> InputRejected:
    """A damaged file, in plain words for the user; what was found wrong (our detail and the
    library's exception, whose text is never shown) goes to the server log."""
    log.warning(
        "damaged file: %s%s",
        detail or "-",
        f" ({type(exc).__name__}: {_show(exc, 300)})" if exc is not None else "",
    )
    return _reject(
        "damaged_file",
        "The file is damaged or incomplete and cannot be read. Open it in Excel, save it again "
        "as .xlsx and upload that copy.",
        "Tệp bị hỏng hoặc không đầy đủ, không đọc được. Hãy mở tệp bằng Excel, lưu lại dạng "
        ".xlsx rồi tải lên bản đó.",
    )


def _show(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean_str(text: str) -> str | None:
    """Control characters out (safe_text.remove_controls), NFC, NBSP → space, spaces collapsed,
    stripped; line breaks inside the cell kept."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if _UNCLEAN.search(text) is None:
        return text.strip() or None
    if safe_text.has_controls(text):
        text = safe_text.remove_controls(text)
        if not text.isascii():  # marks on either side of a removed control may now compose
            text = unicodedata.normalize("NFC", text)
        if _ODD_SPACE.search(text) is None:
            return text.strip() or None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (_HSPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line) or None


def _clean_strs(texts: list[str], found: list[int] | None = None) -> list[str | None]:
    """_clean_str over many cells at once: one NFC pass and one odd-space and control scan over
    the joined text (NUL, which XML cells cannot hold, keeps cells apart: nothing composes
    across it); cells with odd spaces or controls, or any NUL, take the one-by-one path.
    `found`, if given, gets the positions of the cells that held control characters."""
    if not texts:
        return []
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:  # a cell holds NUL
        if found is not None:
            found.extend(k for k, t in enumerate(texts) if safe_text.has_controls(t))
        return [_clean_str(t) for t in texts]
    if not joined.isascii():
        joined = unicodedata.normalize("NFC", joined)
    parts = joined.split("\x00")
    # No odd space or control is printable, so cells that are all printable need no regex scan
    # (2x faster)
    if "  " not in joined and (
        all(map(str.isprintable, parts)) or not _UNCLEAN_JOINED.search(joined)
    ):
        return [t.strip() or None for t in parts]
    if found is None:
        return [_clean_str(t) if _UNCLEAN.search(t) else (t.strip() or None) for t in parts]
    out: list[str | None] = []
    for k, t in enumerate(parts):
        if _UNCLEAN.search(t) is None:
            out.append(t.strip() or None)
            continue
        if safe_text.has_controls(t):
            found.append(k)
        out.append(_clean_str(t))
    return out


def _with_controls(values: list) -> set[str]:
    """The text cells among `values` that hold control characters (only the cells that are
    not all printable are scanned: no control is printable)."""
    return {
        v
        for v in values
        if v.__class__ is str and not v.isprintable() and safe_text.has_controls(v)
    }


# ---------------------------------------------------------------------------------------------
# sources: a grid of rows with 0-based index = sheet row - 1


@dataclass
class _Grid:
    rows: list[list]
    raw: dict[int, list]  # rows as written, where merged-cell filling changed them
    cell_errors: dict[tuple[int, int], str] = field(default_factory=dict)
    uncached: set[tuple[int, int]] = field(default_factory=set)
    ragged: dict[int, int] = field(default_factory=dict)  # CSV: row index -> field count
    from_above: set[tuple[int, int]] = field(default_factory=set)  # filled by a vertical merge


def _fill_merges(
    rows: list[list], merges, *, keep_raw: bool, from_above: set | None = None
) -> dict[int, list]:
    """Give every merged cell its top-left value; return the touched rows as written, and
    collect in from_above the cells filled from a row above (vertical merges)."""
    raw: dict[int, list] = {}
    n = len(rows)
    budget = 2 * sum(map(len, rows)) + 10_000  # overlapping ranges must not multiply the work
    for (r0, c0), (r1, c1) in merges or ():
        if r0 >= n or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        if value == "" or value is None:
            continue
        for r in range(r0, min(r1, n - 1) + 1):
            row = rows[r]
            last = min(c1, len(row) - 1)
            if last < c0:
                continue
            budget -= last - c0 + 1
            if budget < 0:
                raise _reject(
                    "damaged_file",
                    "The sheet's merged cell ranges overlap or cover far more than the data; "
                    "unmerge the cells and upload again.",
                    "Các vùng gộp ô của trang chồng lên nhau hoặc vượt xa vùng dữ liệu; hãy bỏ gộp "
                    "ô rồi tải lên lại.",
                )
            if keep_raw and r not in raw:
                raw[r] = list(row)
            for c in range(c0, last + 1):
                row[c] = value
            if from_above is not None and r > r0:
                from_above.update((r, c) for c in range(c0, last + 1))
    return raw


# ---------------------------------------------------------------------------------------------
# limits met while reading


def _too_many_rows(n: int) -> InputRejected:
    return _reject(
        "too_many_rows",
        f"The table has about {n:,} rows below the header (max {MAX_ROWS:,}). Split the file.",
        f"Bảng có khoảng {n:,} dòng dưới tiêu đề (tối đa {MAX_ROWS:,}). Hãy tách tệp.",
        value=str(n),
    )


def _too_many_cols(n: int, sheet: str | None) -> InputRejected:
    where_en = f" on sheet '{sheet}'" if sheet else ""
    where_vi = f" ở trang '{sheet}'" if sheet else ""
    return _reject(
        "too_many_columns",
        f"The table{where_en} has {n:,} columns (max {MAX_COLS}).",
        f"Bảng{where_vi} có {n:,} cột (tối đa {MAX_COLS}).",
        value=str(n),
    )
