"""Remembered column mappings: a mapping confirmed once for a layout is offered again.

A layout is identified by a fingerprint of the sheet name and the header row's texts, folded
(case, diacritics and spacing do not matter), taken from the cells as written in the file (the
first rows the sandbox returns), so a layout is recognised even when the automatic reading did
not find its header. What is remembered: the sheet, the header row and the full column mapping
(canonical field -> 0-based column) with which a file of that layout was committed.

Stored in the task database, in a table of its own (`upload_layouts`, sql/schema.sql).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from analytics import store
from analytics.model import FIELDS
from analytics.text import fold

MAX_LAYOUTS = 500


@dataclass(frozen=True)
class Layout:
    fingerprint: str
    sheet: str | None
    header_row: int
    mapping: dict[str, int]
    headers: tuple[str, ...]
    source: str | None
    confirmed_by: str | None
    confirmed_at: dt.datetime
    uses: int


def fingerprint(sheet: str | None, header_texts: Sequence[object]) -> str:
    """sha256 of the folded sheet name and folded header texts (trailing empty cells ignored)."""
    texts = [fold(h) if h not in (None, "") else "" for h in header_texts]
    while texts and not texts[-1]:
        texts.pop()
    doc = json.dumps([fold(sheet) if sheet else "", texts], ensure_ascii=False)
    return hashlib.sha256(doc.encode("utf-8")).hexdigest()[:32]


def head_fingerprint(
    sheet: str | None, head_rows: Sequence[Sequence[str]], header_row: int
) -> str | None:
    """The fingerprint of the header row `header_row` (1-based) of a sheet's first rows."""
    if not 1 <= header_row <= len(head_rows):
        return None
    return fingerprint(sheet, head_rows[header_row - 1])


def _valid_mapping(mapping: dict) -> dict[str, int]:
    out = {}
    for k, v in (mapping or {}).items():
        if k in FIELDS and isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 10_000:
            out[k] = v
    return out


def _row_to_layout(row) -> Layout:
    fp, sheet, header_row, mapping_json, headers_json, source, by, at, uses = row
    try:
        mapping = _valid_mapping(json.loads(mapping_json))
    except ValueError:
        mapping = {}
    try:
        headers = tuple(str(h) for h in json.loads(headers_json or "[]"))
    except ValueError:
        headers = ()
    return Layout(fp, sheet, int(header_row), mapping, headers, source, by, at, int(uses))


def remember(
    db,
    *,
    sheet: str | None,
    header_row: int,
    header_texts: Sequence[object],
    mapping: dict[str, int],
    headers: Sequence[str] = (),
    source: str | None = None,
    user: str | None = None,
) -> str:
    """Remember the mapping confirmed for the layout whose header row reads `header_texts`."""
    fp = fingerprint(sheet, header_texts)
    params = {
        "fingerprint": fp,
        "sheet": sheet,
        "header_row": int(header_row),
        "mapping_json": json.dumps(_valid_mapping(mapping), sort_keys=True),
        "headers_json": json.dumps([str(h) for h in headers], ensure_ascii=False),
        "source": source,
        "confirmed_by": user,
        "now": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }
    with store._write_lock, store.connect(db) as con:
        found = con.execute(
            "select uses from upload_layouts where fingerprint = ?", [fp]
        ).fetchone()
        con.execute(
            store.sql("upload_layout_add" if found is None else "upload_layout_update"), params
        )
    return fp


def _read(db, fp: str | None, limit: int) -> list:
    with store.connect(db) as con:
        return con.execute(
            store.sql("upload_layouts_read"), {"fingerprint": fp, "limit": limit}
        ).fetchall()


def get(db, fp: str) -> Layout | None:
    rows = _read(db, fp, 1)
    return _row_to_layout(rows[0]) if rows else None


def all_layouts(db) -> list[Layout]:
    """The remembered layouts, the most recently confirmed first (at most MAX_LAYOUTS)."""
    return [_row_to_layout(r) for r in _read(db, None, MAX_LAYOUTS)]


def match(db, sheet: str | None, head_rows: Sequence[Sequence[str]]) -> Layout | None:
    """The most recently confirmed layout that this sheet's first rows match, if any."""
    if not head_rows:
        return None
    cache: dict[int, str | None] = {}
    for layout in all_layouts(db):
        if (fold(layout.sheet) if layout.sheet else "") != (fold(sheet) if sheet else ""):
            continue
        r = layout.header_row
        if r not in cache:
            cache[r] = head_fingerprint(sheet, head_rows, r)
        if cache[r] == layout.fingerprint:
            return layout
    return None
