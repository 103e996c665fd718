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
- this module: `read_table` (one sheet), `read_tables` (every task sheet), the sheet picked,
  `candidate_header_rows`.

A limit is read from the one module that defines it (`common.MAX_ROWS`, `formats.MAX_MEMBERS`,
`xlsx.SPLIT_SHEET_BYTES` ...), so setting it there takes effect everywhere; the copies
re-exported here are for reading only. `MAX_BYTES` is defined here: callers check a file's
size against it before reading.

Decisions worth knowing:

- Merged cells: every cell covered by a merged range takes the value of its top-left cell
  (xlsx/xls; calamine does not report merges for ods). Section-heading detection looks at the
  cells as written (before filling), so a heading merged across columns stays one section row.
- Reading is in-process; a caller that wants CPU/memory limits runs it in a worker process.
- Several task sheets (`read_tables`): a workbook with a task sheet per programme or per agency
  is read sheet by sheet, each with its own header row and column mapping, into one `RawTable`
  per task sheet, in workbook order; every other sheet is a `SkippedSheet` naming why (a chart
  sheet, an empty sheet, no task header such as an instructions sheet, required columns missing,
  no rows, a sheet of figures (no row names a task), too many columns, a hidden sheet while visible
  sheets hold tasks, left out or not chosen). Hidden sheets are read only when no visible sheet
  holds tasks (today's rule for one sheet). When no sheet qualifies, the file gets exactly the
  rejection `read_table` gives. The caller (`ingest.prepare`) makes the tables one snapshot of
  one source. The row cap (`common.MAX_ROWS`) holds for all sheets together.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics import safe_text
from analytics.i18n import t
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
    "SkippedSheet",
    "WorkbookTables",
    "candidate_header_rows",
    "check_container",
    "decode_text",
    "read_table",
    "read_tables",
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
        chosen = _sheet_named(wbk, sheet)
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
        picked = _look(name, sh, end)
        head = picked.head
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


def _sheet_named(wbk: _Workbook, sheet: str) -> str:
    """The workbook's own name of the sheet called `sheet` (as written, else NFC-equal)."""
    names = wbk.names
    if sheet in names:
        return sheet
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
    return chosen


def _look(name: str, sh, end: tuple[int, int]) -> _Picked:
    """A worksheet's first rows (merged cells filled) and the header found in them."""
    preview = _calamine(
        lambda: sh.to_python(skip_empty_area=False, nrows=common.HEADER_SCAN_ROWS + 2)
    )
    merges = _calamine(lambda: sh.merged_cell_ranges) or []
    _fill_merges(preview, merges, keep_raw=False)
    head = _detect_header(preview)
    blank = all(v == "" or v is None for row in preview for v in row)
    return _Picked(name, sh, merges, end, head, blank)


@dataclass
class _Picked:
    name: str
    sheet: object
    merges: list
    end: tuple[int, int]
    head: _Header | None
    blank: bool = False  # nothing in the first rows


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


def _check_input(data: bytes, file_name: str, header_row: int | None) -> None:
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


def read_table(
    data: bytes,
    file_name: str,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: dict[str, int] | None = None,
) -> RawTable:
    """Read the task table of a workbook or text file into canonical fields (see module doc):
    the named sheet, else the first worksheet whose header scores well (`read_tables` reads
    every task sheet)."""
    _check_input(data, file_name, header_row)
    fmt, info = _sniff(data, file_name)
    if fmt in TEXT_FORMATS:
        return _text_table(info, file_name, fmt, header_row, mapping)
    wbk = _Workbook(data, fmt, info.get("zip"), first_sheet=sheet)
    picked = _pick_sheet(wbk, sheet, header_row)
    return _sheet_table(wbk, picked, file_name, fmt, header_row, mapping)


def _text_table(
    info: dict, file_name: str, fmt: str, header_row: int | None, mapping: dict | None
) -> RawTable:
    grid = _text_grid(info["text"], info["delimiter"])
    encoding, delimiter = info["encoding"], info["delimiter"]
    return _table(
        grid, file_name, fmt, None, header_row, mapping, encoding=encoding, delimiter=delimiter
    )


def _sheet_table(
    wbk: _Workbook,
    picked: _Picked,
    file_name: str,
    fmt: str,
    header_row: int | None,
    mapping: dict | None,
) -> RawTable:
    grid = _full_grid(wbk, picked, header_row)
    return _table(
        grid,
        file_name,
        fmt,
        picked.head,
        header_row,
        mapping,
        sheet_name=picked.name,
        sheets=list(wbk.names),
        epoch=wbk.epoch_1904,
    )


def _table(
    grid: _Grid,
    file_name: str,
    fmt: str,
    head: _Header | None,
    header_row: int | None,
    mapping: dict[str, int] | None,
    *,
    sheet_name: str | None = None,
    sheets: list[str] | None = None,
    epoch: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> RawTable:
    """The task table of one sheet (or text file) from its grid."""
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
        hint_en = ", ".join(t(f"missing_column.{f}", "en") for f in missing)
        hint_vi = ", ".join(t(f"missing_column.{f}", "vi") for f in missing)
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
    # control characters above the task rows (title lines, header cells), by row: said with
    # those of the task rows, one warning per row
    controls: dict[int, list[tuple[str, int, str]]] = {}
    title_lines = _title_lines(rows, head.top, controls)
    _header_controls(rows, head, headers, controls)
    row_numbers, groups, columns, problems = _emit_rows(grid, head, fmap, headers, controls)
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
        sheets=sheets or [],
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
        title_lines=title_lines,
    )


# ---------------------------------------------------------------------------------------------
# every task sheet of a workbook


@dataclass(frozen=True)
class SkippedSheet:
    """A sheet of a workbook that was not read as tasks, and why (English, Vietnamese)."""

    name: str
    code: str  # a key of [sheet_skipped] in texts.toml, or the code of the rejection that said why
    reason: str
    reason_vi: str

    def text(self, lang: str = "vi") -> str:
        return self.reason_vi if lang == "vi" else self.reason

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "code": self.code,
            "reason": self.reason,
            "reason_vi": self.reason_vi,
        }


@dataclass
class WorkbookTables:
    """What `read_tables` found: one table per task sheet read, the sheets skipped and why."""

    tables: list[RawTable]
    skipped: list[SkippedSheet]


# rejections of one sheet that, among several, skip that sheet instead of the file (a sheet of
# figures, "no_task_list", is said in the shorter words of [sheet_skipped] in texts.toml)
_SKIPPING_CODES = frozenset({"missing_columns", "no_rows", "too_many_columns", "no_task_list"})


def _skip(name: str, code: str, **fmt) -> SkippedSheet:
    key = f"sheet_skipped.{code}"
    return SkippedSheet(name, code, t(key, "en", **fmt), t(key, "vi", **fmt))


def _skip_for(name: str, exc: InputRejected) -> SkippedSheet:
    p = exc.errors[0]
    if p.code == "no_task_list":
        return _skip(name, "figures", column=p.column or "task")
    return SkippedSheet(name, p.code, p.message, p.message_vi)


def read_tables(
    data: bytes,
    file_name: str,
    *,
    sheets: list[str] | tuple[str, ...] | None = None,
    skip_sheets: list[str] | tuple[str, ...] | None = None,
    header_row: int | None = None,
    mapping: dict[str, int] | None = None,
) -> WorkbookTables:
    """Every sheet of a workbook that holds a task table, one `RawTable` each in workbook order,
    and every other sheet as a `SkippedSheet` naming why (see the module doc). A text file is
    one table.

    `sheets`: read only these (each must be a readable task table, as `read_table(sheet=)`
    demands); the others are skipped as not chosen. `skip_sheets`: leave these out (named
    sheets must exist). `header_row` / `mapping` belong to one sheet: the one `sheets` names
    (at most one), else the one `read_table` would pick; the others are then not chosen."""
    _check_input(data, file_name, header_row)
    wanted = list(dict.fromkeys(sheets)) if sheets else None
    if (header_row is not None or mapping) and wanted and len(wanted) > 1:
        raise ValueError("a header row or column mapping is for one sheet")
    fmt, info = _sniff(data, file_name)
    if fmt in TEXT_FORMATS:
        return WorkbookTables([_text_table(info, file_name, fmt, header_row, mapping)], [])
    wbk = _Workbook(data, fmt, info.get("zip"), first_sheet=wanted[0] if wanted else None)
    names = list(wbk.names)
    left = {_sheet_named(wbk, n) for n in skip_sheets or ()}
    if header_row is not None or mapping:  # one sheet, as read_table reads it
        picked = _pick_sheet(wbk, wanted[0] if wanted else None, header_row)
        table = _sheet_table(wbk, picked, file_name, fmt, header_row, mapping)
        others = [_skip(n, "chart" if wbk.is_chart(n) else "not_chosen") for n in names]
        return WorkbookTables([table], [s for s in others if s.name != picked.name])
    if wanted is not None:
        chosen = {_sheet_named(wbk, n) for n in wanted} - left
        if not chosen:
            raise _reject(
                "no_sheet_chosen",
                "Every sheet chosen is also left out; nothing to read.",
                "Mọi trang được chọn đều bị bỏ ra; không còn gì để đọc.",
            )
    found: dict[str, RawTable | SkippedSheet] = {}
    total = 0

    def take(table: RawTable) -> None:
        nonlocal total
        total += table.n_rows
        if total > common.MAX_ROWS:
            raise _too_many_rows(total)
        found[table.sheet] = table

    for name in names:
        if name in left:
            found[name] = _skip(name, "left_out")
        elif wanted is not None and name not in chosen:
            found[name] = _skip(name, "chart" if wbk.is_chart(name) else "not_chosen")
        elif wanted is not None:  # a sheet asked for by name: read as read_table reads it
            take(_sheet_table(wbk, _pick_sheet(wbk, name, None), file_name, fmt, None, None))
        elif wbk.is_chart(name):
            found[name] = _skip(name, "chart")
    if wanted is None:
        work = [n for n in names if n not in found]
        visible = [n for n in work if wbk.visible(n)]
        for name in visible:
            _read_sheet(wbk, name, file_name, fmt, total, found, take)
        holds_tasks = any(isinstance(v, RawTable) for v in found.values())
        for name in (n for n in work if n not in visible):
            _read_sheet(wbk, name, file_name, fmt, total, found, take, look_only=holds_tasks)
        if not any(isinstance(v, RawTable) for v in found.values()):
            if left:
                listed = ", ".join(f"'{n}'" for n in sorted(left))
                raise _reject(
                    "no_sheet_left",
                    f"No task sheet is left to read once {listed} is left out.",
                    f"Không còn trang nhiệm vụ nào để đọc khi bỏ ra {listed}.",
                    value=listed,
                )
            # nothing qualifies: what read_table says of this workbook (its own rejection, or
            # the one sheet it would read after all)
            picked = _pick_sheet(wbk, None, None)
            table = _sheet_table(wbk, picked, file_name, fmt, None, None)
            found[picked.name] = table
    tables = [v for n in names if isinstance(v := found.get(n), RawTable)]
    skipped = [v for n in names if isinstance(v := found.get(n), SkippedSheet)]
    return WorkbookTables(tables, skipped)


def _read_sheet(
    wbk: _Workbook,
    name: str,
    file_name: str,
    fmt: str,
    total: int,
    found: dict,
    take,
    *,
    look_only: bool = False,
) -> None:
    """One sheet among several: its table handed to `take`, else why it is skipped in `found`.
    `look_only`: a hidden sheet while visible ones hold tasks (only said why it is not read)."""
    sh = wbk.sheet(name)
    end = sh.end
    if end is None:
        found[name] = _skip(name, "empty")
        return
    width = end[1] + 1
    if width > common.MAX_COLS:
        found[name] = _skip_for(name, _too_many_cols(width, name))
        return
    picked = _look(name, sh, end)
    if picked.head is None or not _good(picked.head):
        if picked.blank:
            found[name] = _skip(name, "empty")
        else:  # the rows the header was looked for in: the sheet's, up to the scan's limit
            looked = min(end[0] + 1, common.HEADER_SCAN_ROWS)
            found[name] = _skip(name, "no_header", rows=looked)
        return
    if look_only:
        found[name] = _skip(name, "hidden")
        return
    bottom = picked.head.bottom
    if total + end[0] - bottom > common.MAX_ROWS:
        raise _too_many_rows(total + end[0] - bottom)
    try:
        table = _sheet_table(wbk, picked, file_name, fmt, None, None)
    except InputRejected as exc:
        if exc.errors and exc.errors[0].code in _SKIPPING_CODES:
            found[name] = _skip_for(name, exc)
            return
        raise
    take(table)


def _title_lines(rows: list[list], top: int, controls: dict | None = None) -> list[str]:
    """The non-empty texts above the header row (title block), for telling the source; their
    control characters are taken out (and added to `controls` by row)."""
    out = []
    for i, row in enumerate(rows[: min(top, common.HEADER_SCAN_ROWS)]):
        for c, cell in enumerate(row):
            if isinstance(cell, str) and safe_text.has_controls(cell):
                if controls is not None:
                    controls.setdefault(i + 1, []).append(("", c, safe_text.show_controls(cell)))
                cell = safe_text.remove_controls(cell)
            if isinstance(cell, str) and cell.strip():
                out.append(cell.strip())
    return out


def _header_controls(rows: list[list], head: _Header, headers: list[str], controls: dict) -> None:
    """The header cells that held control characters (headers.py reads them without), by row."""
    for i in range(head.top, min(head.bottom, len(rows) - 1) + 1):
        for c, cell in enumerate(rows[i]):
            if isinstance(cell, str) and safe_text.has_controls(cell):
                name = headers[c] if c < len(headers) else ""
                controls.setdefault(i + 1, []).append((name, c, safe_text.show_controls(cell)))


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
