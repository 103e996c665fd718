"""Delimited text (CSV, TSV, TXT) as a grid of rows; a web page saved as .xls through `html`.

- A ragged CSV row (more non-empty fields than the header) is reported as an error and not
  emitted (its columns cannot be trusted); a short row is padded with None.
- Fields are stripped of whitespace but not of control characters (vertical tab, U+001F ...,
  which str.strip() takes for spaces): those are left for the cell cleaning to take out and
  name, as in a workbook's cells.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging

from analytics import safe_text
from analytics.reading import common, formats, html
from analytics.reading.common import _Grid, _reject, _too_many_cols, _too_many_rows
from analytics.reading.headers import _Header

log = logging.getLogger(__name__)


def _text_grid(text: str, delimiter: str | None) -> _Grid:
    """The grid of a text table: delimited records, or the tables of a web page saved as .xls
    (what `formats._sniff` returned as 'html' text, with no delimiter)."""
    if delimiter is None and html.looks_like_html(text):
        return html.html_grid(text)
    rows: list[list] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or "\x1f")
    try:
        for rec in reader:
            rec = [f.strip(safe_text.SPACES) for f in rec]
            rows.append(rec)
            if len(rec) > common.MAX_COLS and any(f.strip() for f in rec[common.MAX_COLS :]):
                raise _too_many_cols(len(rec), None)
            if len(rows) > common.MAX_ROWS + common.HEADER_SCAN_ROWS + 2:
                raise _too_many_rows(len(rows))
    except csv.Error as exc:
        line = len(rows) + 1
        log.warning("delimited text unreadable at record %d: %s", line, exc)
        limit = csv.field_size_limit()
        why_en = f"a quote is left open, or a field is longer than {limit:,} characters"
        why_vi = f"có dấu ngoặc kép chưa đóng, hoặc một trường dài hơn {limit:,} ký tự"
        raise _reject(
            "damaged_file",
            f"Record {line} cannot be read as delimited text: {why_en}. Check the quotes, or "
            "save the file again from Excel as 'CSV UTF-8'.",
            f"Không đọc được bản ghi {line} dạng văn bản phân cách: {why_vi}. Hãy kiểm tra dấu "
            "ngoặc kép, hoặc lưu lại tệp từ Excel dạng 'CSV UTF-8'.",
            row=line,
        ) from None
    return _Grid(rows, {})


def text_rows(data: bytes, delimiter: str | None = None, limit: int | None = None) -> list[list]:
    """The first `limit` rows of a text file as written, the way the reader sees it (a web page
    saved as .xls: its table rows, merged cells not filled), for a preview or a rebuilt copy.
    `delimiter`: the one the reading used (else the one detected)."""
    fmt, info = formats._sniff(data, "file")
    if fmt not in formats.TEXT_FORMATS:
        raise ValueError("not a text table")
    text = info["text"]
    if fmt == "html":
        return html.page_rows(text)[0][:limit]
    delim = delimiter or info["delimiter"] or "\x1f"
    return [
        list(rec)
        for rec in itertools.islice(
            csv.reader(io.StringIO(text, newline=""), delimiter=delim), limit
        )
    ]


def _mark_ragged(grid: _Grid, head: _Header, width: int) -> None:
    """Text rows below the header: longer than the header → ragged (unless the extra fields are
    empty); shorter → padded with empty fields."""
    rows = grid.rows
    for i in range(head.bottom + 1, len(rows)):
        rec = rows[i]
        n = len(rec)
        if n == width:
            continue
        if n > width:
            if any(rec[width:]):
                grid.ragged[i] = n
            del rec[width:]
        else:
            rec.extend([""] * (width - n))
