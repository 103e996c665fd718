"""Delimited text (CSV, TSV, TXT) as a grid of rows.

- A ragged CSV row (more non-empty fields than the header) is reported as an error and not
  emitted (its columns cannot be trusted); a short row is padded with None.
"""

from __future__ import annotations

import csv
import io

from analytics.reading import common
from analytics.reading.common import _Grid, _reject, _too_many_cols, _too_many_rows
from analytics.reading.headers import _Header


def _text_grid(text: str, delimiter: str | None) -> _Grid:
    rows: list[list] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or "\x1f")
    try:
        for rec in reader:
            rec = [f.strip() for f in rec]
            rows.append(rec)
            if len(rec) > common.MAX_COLS and any(f.strip() for f in rec[common.MAX_COLS :]):
                raise _too_many_cols(len(rec), None)
            if len(rows) > common.MAX_ROWS + common.HEADER_SCAN_ROWS + 2:
                raise _too_many_rows(len(rows))
    except csv.Error as exc:
        line = len(rows) + 1
        raise _reject(
            "damaged_file",
            f"Record {line} cannot be read as delimited text ({exc}); check quotes.",
            f"Không đọc được bản ghi {line} dạng văn bản phân cách ({exc}); kiểm tra dấu ngoặc kép.",
            row=line,
        ) from None
    return _Grid(rows, {})


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
