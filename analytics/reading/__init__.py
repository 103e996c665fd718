"""Read a task table out of an uploaded spreadsheet or delimited text file.

The reader turns bytes into a `RawTable`: the header row found (or given), the canonical field
each column maps to, and one `RawRow` per task row with the spreadsheet's own row number. It
never guesses silently: anything it cannot read is an `InputRejected` with a bilingual message,
and anything wrong with a single row is a `Problem` in `RawTable.warnings` (level "error" for row
errors, which block an ingest; level "warning" otherwise).

The package, by concern (each module's docstring holds the decisions that belong to it):

- `formats`: the format by content (magic bytes, OLE, encryption), zip container checks (zip
  bombs), text decoding and the delimiter.
- `headers`: header variants, scoring and header-row detection (one or two rows).
- `xlsx`: workbooks through python-calamine: inflating zip members under a cap, error and
  formula scans of the sheet XML, and the two-halves fast path for large sheets.
- `delimited`: CSV/TSV/TXT text as a grid.
- `rows`: task rows told from headings and trailers, cells converted column by column.
- `common`: the data classes, shared limits and small helpers.
- this module: `read_table`, the sheet picked, `candidate_header_rows`.

A limit is read from the one module that defines it (`common.MAX_ROWS`, `formats.MAX_MEMBERS`,
`xlsx.SPLIT_SHEET_BYTES` ...), so setting it there takes effect everywhere; the copies
re-exported here are for reading only. `MAX_BYTES` is defined here: callers check a file's
size against it before reading.

Decisions worth knowing:

- Merged cells: every cell covered by a merged range takes the value of its top-left cell
  (xlsx/xls; calamine does not report merges for ods). Section-heading detection looks at the
  cells as written (before filling), so a heading merged across columns stays one section row.
- Reading is in-process; a caller that wants CPU/memory limits runs it in a worker process.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.model import FIELDS, REQUIRED_FIELDS
from analytics.problems import InputRejected, Problem
from analytics.reading import common
from analytics.reading.common import (
    HEADER_SCAN_ROWS,
    MAX_COLS,
    MAX_ROWS,
    RawRow,
    RawTable,
    _fill_merges,
    _Grid,
    _reject,
    _too_many_cols,
    _too_many_rows,
)
from analytics.reading.delimited import _mark_ragged, _text_grid
from analytics.reading.formats import (
    MAX_INFLATED,
    MAX_MEMBERS,
    MAX_RATIO,
    ODS_MIMETYPES,
    TEXT_FORMATS,
    _sniff,
    check_container,
    decode_text,
    sniff_format,
)
from analytics.reading.headers import (
    _FIELD_INDEX,
    EXTRA_VARIANTS,
    VARIANTS_CSV,
    _detect_header,
    _good,
    _Header,
    _row_scores,
)
from analytics.reading.rows import ERROR_LITERALS, MAX_CELL_CHARS, _emit_rows
from analytics.reading.xlsx import SPLIT_SHEET_BYTES, _calamine, _Workbook
from analytics.text import nfc

__all__ = [
    "ERROR_LITERALS",
    "EXTRA_VARIANTS",
    "HEADER_SCAN_ROWS",
    "MAX_BYTES",
    "MAX_CELL_CHARS",
    "MAX_COLS",
    "MAX_INFLATED",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_ROWS",
    "ODS_MIMETYPES",
    "SPLIT_SHEET_BYTES",
    "TEXT_FORMATS",
    "VARIANTS_CSV",
    "InputRejected",
    "Problem",
    "RawRow",
    "RawTable",
    "candidate_header_rows",
    "check_container",
    "decode_text",
    "read_table",
    "sniff_format",
]


MAX_BYTES = 25 * 1024 * 1024


def _mapped_header(h: _Header, mapping: dict[str, int] | None, width: int) -> dict[str, int]:
    result = dict(h.mapping)
    if not mapping:
        return result
    bad = []
    for fld, col in mapping.items():
        if fld not in _FIELD_INDEX or not isinstance(col, int) or not 0 <= col < width:
            bad.append(f"{fld}={col}")
    if bad:
        raise _reject(
            "bad_mapping",
            f"The column mapping is not valid: {', '.join(bad)} (fields: {', '.join(FIELDS)}; "
            f"columns 0..{width - 1}).",
            f"Ánh xạ cột không hợp lệ: {', '.join(bad)} (trường: {', '.join(FIELDS)}; cột "
            f"0..{width - 1}).",
            value=", ".join(bad),
        )
    taken = set(mapping.values())
    result = {f: c for f, c in result.items() if f not in mapping and c not in taken}
    result.update(mapping)
    return result


def _no_header(sheet: str | None, looked: list[str]) -> InputRejected:
    if sheet is not None and not looked:
        en = f"No recognisable header row was found in the first 30 rows of sheet '{sheet}'."
        vi = f"Không tìm thấy dòng tiêu đề nhận ra được trong 30 dòng đầu của trang '{sheet}'."
    elif looked:
        names = ", ".join(f"'{n}'" for n in looked)
        en = f"No sheet has a recognisable header row (sheets looked at: {names})."
        vi = f"Không trang nào có dòng tiêu đề nhận ra được (đã xem các trang: {names})."
    else:
        en = "No recognisable header row was found in the first 30 rows."
        vi = "Không tìm thấy dòng tiêu đề nhận ra được trong 30 dòng đầu."
    return _reject(
        "no_header",
        f"{en} Expected column headers such as 'STT', 'Nhiệm vụ', 'Cơ quan chủ trì', 'Thời hạn'.",
        f"{vi} Cần các tiêu đề cột như 'STT', 'Nhiệm vụ', 'Cơ quan chủ trì', 'Thời hạn'.",
        value=sheet,
    )


def _pick_sheet(wbk: _Workbook, sheet: str | None, header_row: int | None) -> _Picked:
    """The sheet to read: the named one, else the first worksheet whose header scores well."""
    names = wbk.names
    if sheet is not None:
        chosen = sheet if sheet in names else None
        if chosen is None:
            want = nfc(sheet)
            chosen = next((n for n in names if nfc(n) == want), None)
        if chosen is None:
            listed = ", ".join(f"'{n}'" for n in names)
            raise _reject(
                "sheet_not_found",
                f"Sheet '{sheet}' is not in the workbook; its sheets are: {listed}.",
                f"Sổ tính không có trang '{sheet}'; các trang hiện có: {listed}.",
                value=sheet,
            )
        if wbk.is_chart(chosen):
            raise _reject(
                "chart_sheet",
                f"Sheet '{chosen}' is a chart sheet and holds no table.",
                f"Trang '{chosen}' là trang biểu đồ, không chứa bảng.",
                value=chosen,
            )
        order = [chosen]
    else:
        work = [n for n in names if not wbk.is_chart(n)]
        if not work:
            raise _reject(
                "chart_sheets_only",
                "The workbook holds only chart sheets, no table of tasks.",
                "Sổ tính chỉ có trang biểu đồ, không có bảng nhiệm vụ.",
            )
        order = [n for n in work if wbk.visible(n)] + [n for n in work if not wbk.visible(n)]
    looked: list[str] = []
    too_wide: tuple[str, int] | None = None
    fallback: _Picked | None = None
    for name in order:
        looked.append(name)
        sh = wbk.sheet(name)
        end = sh.end
        if end is None:
            continue
        width = end[1] + 1
        if width > common.MAX_COLS:
            if sheet is not None:
                raise _too_many_cols(width, name)
            too_wide = too_wide or (name, width)
            continue
        preview = _calamine(
            lambda sh=sh: sh.to_python(skip_empty_area=False, nrows=common.HEADER_SCAN_ROWS + 2)
        )
        merges = _calamine(lambda sh=sh: sh.merged_cell_ranges) or []
        _fill_merges(preview, merges, keep_raw=False)
        head = _detect_header(preview)
        picked = _Picked(name, sh, merges, end, head)
        if head is not None and _good(head):
            return picked
        if fallback is None:
            fallback = picked
    if fallback is not None and header_row is not None:
        return fallback
    if sheet is not None and fallback is None:
        raise _reject(
            "empty_sheet",
            f"Sheet '{order[0]}' is empty.",
            f"Trang '{order[0]}' trống.",
            value=order[0],
        )
    if too_wide is not None and fallback is None:
        raise _too_many_cols(too_wide[1], too_wide[0])
    if fallback is None:
        raise _reject(
            "empty_workbook",
            "Every sheet in the workbook is empty.",
            "Mọi trang trong sổ tính đều trống.",
        )
    raise _no_header(sheet, [] if sheet is not None else looked)


@dataclass
class _Picked:
    name: str
    sheet: object
    merges: list
    end: tuple[int, int]
    head: _Header | None


def _full_grid(wbk: _Workbook, picked: _Picked, header_row: int | None) -> _Grid:
    if header_row is not None:
        bottom = header_row - 1
    else:
        bottom = picked.head.bottom if picked.head is not None else 0
    if picked.end[0] - bottom > common.MAX_ROWS:
        raise _too_many_rows(picked.end[0] - bottom)
    rows = _calamine(lambda: picked.sheet.to_python(skip_empty_area=False))
    from_above: set[tuple[int, int]] = set()
    raw = _fill_merges(rows, picked.merges, keep_raw=True, from_above=from_above)
    errors, uncached = wbk.scan(picked.name)
    return _Grid(rows, raw, errors, uncached, from_above=from_above)


_HINTS = {
    "task": (
        "the task, e.g. 'Nhiệm vụ' or 'Nội dung nhiệm vụ'",
        "nội dung nhiệm vụ, ví dụ 'Nhiệm vụ'",
    ),
    "lead_agency": (
        "the lead agency, e.g. 'Cơ quan chủ trì'",
        "cơ quan chủ trì, ví dụ 'Cơ quan chủ trì'",
    ),
}


def read_table(
    data: bytes,
    file_name: str,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: dict[str, int] | None = None,
) -> RawTable:
    """Read the task table of a workbook or text file into canonical fields (see module doc)."""
    if len(data) > MAX_BYTES:
        raise _reject(
            "file_too_large",
            f"'{file_name}' is {len(data) / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB.",
            f"Tệp '{file_name}' nặng {len(data) / 2**20:.1f} MB; giới hạn là "
            f"{MAX_BYTES // 2**20} MB.",
            value=file_name,
        )
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise _reject(
            "bad_header_row",
            f"Header row must be a row number from 1 (got {header_row}).",
            f"Dòng tiêu đề phải là số dòng từ 1 (nhận được {header_row}).",
            value=str(header_row),
        )
    fmt, info = _sniff(data, file_name)
    encoding = delimiter = None
    epoch = False
    sheets: list[str] = []
    sheet_name: str | None = None
    head: _Header | None = None
    if fmt in TEXT_FORMATS:
        encoding, delimiter = info["encoding"], info["delimiter"]
        grid = _text_grid(info["text"], delimiter)
    else:
        wbk = _Workbook(data, fmt, info.get("zip"), first_sheet=sheet)
        sheets = list(wbk.names)
        epoch = wbk.epoch_1904
        picked = _pick_sheet(wbk, sheet, header_row)
        sheet_name, head = picked.name, picked.head
        grid = _full_grid(wbk, picked, header_row)
    rows = grid.rows
    if header_row is not None:
        if header_row > len(rows):
            raise _reject(
                "bad_header_row",
                f"Header row {header_row} is below the last row of the table ({len(rows)}).",
                f"Dòng tiêu đề {header_row} nằm dưới dòng cuối của bảng ({len(rows)}).",
                row=header_row,
            )
        head = _detect_header(rows, header_row - 1)
    elif fmt in TEXT_FORMATS:
        head = _detect_header(rows)
        if head is None or not _good(head):
            raise _no_header(None, [])
    assert head is not None
    if fmt in TEXT_FORMATS:
        width = len(head.headers)
        _mark_ragged(grid, head, width)
    else:
        width = max(len(head.headers), len(rows[head.top]) if rows else 0)
    headers = head.headers + [""] * (width - len(head.headers))
    fmap = _mapped_header(head, mapping, width)
    missing = [f for f in REQUIRED_FIELDS if f not in fmap]
    if missing:
        found = ", ".join(f"'{h}'" for h in headers if h) or "-"
        names = ", ".join(missing)
        hint_en = ", ".join(_HINTS[f][0] for f in missing)
        hint_vi = ", ".join(_HINTS[f][1] for f in missing)
        raise _reject(
            "missing_columns",
            f"Required column(s) not found: {names} ({hint_en}). "
            f"Headers found on row {head.top + 1}: {found}.",
            f"Không tìm thấy cột bắt buộc: {names} ({hint_vi}). "
            f"Các tiêu đề tìm thấy ở dòng {head.top + 1}: {found}.",
            row=head.top + 1,
            column=None,
            value=names,
        )
    row_numbers, groups, columns, problems = _emit_rows(grid, head, fmap, headers)
    if not row_numbers:
        raise _reject(
            "no_rows",
            f"No task rows found below the header on row {head.top + 1}.",
            f"Không có dòng nhiệm vụ nào bên dưới dòng tiêu đề {head.top + 1}.",
            row=head.top + 1,
        )
    return RawTable(
        file_name=file_name,
        file_format=fmt,
        sheet=sheet_name,
        sheets=sheets,
        header_row=head.top + 1,
        headers=headers,
        mapping=dict(sorted(fmap.items(), key=lambda fc: fc[1])),
        row_numbers=row_numbers,
        groups=groups,
        columns=columns,
        warnings=problems,
        epoch_1904=epoch,
        encoding=encoding,
        delimiter=delimiter,
        title_lines=_title_lines(rows, head.top),
    )


def _title_lines(rows: list[list], top: int) -> list[str]:
    """The non-empty texts above the header row (title block), for telling the source."""
    out = []
    for row in rows[: min(top, common.HEADER_SCAN_ROWS)]:
        for cell in row:
            if isinstance(cell, str) and cell.strip():
                out.append(cell.strip())
    return out


def candidate_header_rows(
    data: bytes, file_name: str, sheet: str | None = None
) -> list[tuple[int, float]]:
    """(1-based row, score) of the first rows that look like a header, best first (for a UI)."""
    if len(data) > MAX_BYTES:
        return []
    fmt, info = _sniff(data, file_name)
    if fmt in TEXT_FORMATS:
        grid = _text_grid(info["text"], info["delimiter"]).rows[: common.HEADER_SCAN_ROWS]
    else:
        wbk = _Workbook(data, fmt, info.get("zip"), first_sheet=sheet)
        try:
            picked = _pick_sheet(wbk, sheet, header_row=1)
        except InputRejected:
            if sheet is not None:
                raise
            return []
        grid = _calamine(
            lambda: picked.sheet.to_python(skip_empty_area=False, nrows=common.HEADER_SCAN_ROWS)
        )
        _fill_merges(grid, picked.merges, keep_raw=False)
    scores = _row_scores(grid)
    return [(i + 1, round(s, 2)) for i, s in sorted(scores, key=lambda rs: (-rs[1], rs[0]))]
