"""Rows below the header: task rows told from section headings and trailers, then the mapped
cells converted column by column, with one `Problem` per bad cell.

- Cells in columns that map to no canonical field are not read or checked.
- A row holding nothing but its row number ("15", "15.", or the number beside formula cells
  that leave everything blank: a template's unused lines) is skipped; all such rows are
  counted in one warning naming them. A number-column cell with words is no row number.
- A task title that is only a number or punctuation ("1", "#", "-", "...", "(3)") is an error
  naming the cell, never a task; when every row's title is such, the sheet holds no task list
  (`no_task_list`, refused with what to change).
"""

from __future__ import annotations

import re

from analytics import safe_text
from analytics.problems import InputRejected, Problem, error, warning
from analytics.reading import common
from analytics.reading.common import (
    _clean_str,
    _clean_strs,
    _Grid,
    _show,
    _too_many_rows,
    _with_controls,
)
from analytics.reading.headers import _Header, _is_colnum_row
from analytics.text import fold, nfc

MAX_CELL_CHARS = 32_767
MAX_FORMULA_WARNINGS = 50
MAX_CONTROL_WARNINGS = 50  # rows named one by one; the others in one warning

ERROR_LITERALS = frozenset(
    {
        "#N/A",
        "#REF!",
        "#VALUE!",
        "#DIV/0!",
        "#NAME?",
        "#NULL!",
        "#NUM!",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#GETTING_DATA",
    }
)
_LIBRE_ERROR = re.compile(r"Err:\d{3}")

_ROMAN_OR_LETTER = re.compile(r"(?:[IVXLC]+|[ivxlc]+|[A-Za-zĐđ])\s*[.)]?")
_ARABIC = re.compile(r"(\d{1,3})\s*[.)]?")
_ITEM_MARK = re.compile(r"[\d.\-+*•–)]+")  # "1.2", "-", "+": a task row's number or bullet
_TRAILER_STARTS = ("tong cong", "tong so", "ghi chu", "nguoi lap", "noi nhan")
_STOP_STARTS = ("nguoi lap", "noi nhan")
_CONG = re.compile(r"cong(?:$|\s*[:(\[\d.\-])")


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _is_error_literal(text: str) -> bool:
    return text[:1] == "#" and text in ERROR_LITERALS or bool(_LIBRE_ERROR.fullmatch(text))


def _stt_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.strip()
    return str(value)


def _emit_rows(
    grid: _Grid,
    head: _Header,
    fmap: dict[str, int],
    headers: list[str],
    controls: dict[int, list[tuple[str, int, str]]] | None = None,
) -> tuple[list[int], list[str | None], dict[str, list], list[Problem]]:
    """Classify the rows below the header, then convert the mapped columns column by column
    (one conversion per distinct value: fast on 100,000-row sheets). Returns the task rows'
    1-based numbers, their section headings, the converted columns and the row problems.
    `controls`: control characters already found above (header, title lines), by row; those
    of the rows below are added and every row's are said in the problems."""
    rows = grid.rows
    controls = {} if controls is None else controls
    idx, groups, problems = _classify_rows(grid, head, fmap, len(headers), controls, headers)
    if len(idx) > common.MAX_ROWS:
        raise _too_many_rows(len(idx))
    fields = sorted(fmap.items(), key=lambda fc: fc[1])
    col_name = {c: (headers[c] if c < len(headers) and headers[c] else f) for f, c in fields}
    task_col = fmap["task"]
    columns, row_problems, flagged, letterless = _convert_columns(
        rows, idx, fields, col_name, fmap.get("task_id"), task_col, controls
    )
    position = {i: k for k, i in enumerate(idx)}
    mapped_cols = {c for _f, c in fields}
    for (i, c), code in grid.cell_errors.items():
        k = position.get(i)
        if k is not None and c in mapped_cols and rows[i][c] == "":
            row_problems.append((i + 1, c, _cell_error(i + 1, col_name[c], code, c)))
            flagged.add(k)
    uncached_hits = sorted(
        (i + 1, c)
        for i, c in grid.uncached
        if i in position and c in mapped_cols and rows[i][c] == ""
    )
    row_problems.sort(key=lambda rcp: (rcp[0], rcp[1]))
    problems.extend(p for _r, _c, p in row_problems)
    problems.extend(_control_warnings(controls))
    problems.sort(key=lambda p: p.row or 0)

    names = [f for f, _c in fields]
    drop, numbered = _rows_to_drop(columns, names, fmap, flagged, len(idx))
    if letterless and len(letterless) == len(idx) - len(drop):
        raise _no_task_list(
            idx, letterless, columns[names.index("task")], head, col_name[task_col], task_col
        )
    if numbered:
        skipped = {idx[k] + 1 for k in numbered}
        with_formulas = len({r for r, _c in uncached_hits if r in skipped})
        uncached_hits = [rc for rc in uncached_hits if rc[0] not in skipped]
        problems.append(_numbered_blanks(sorted(skipped), with_formulas))
    row_numbers = [i + 1 for i in idx]
    if drop:
        keep = [k for k in range(len(idx)) if k not in drop]
        row_numbers = [row_numbers[k] for k in keep]
        groups = [groups[k] for k in keep]
        columns = [[conv[k] for k in keep] for conv in columns]
    out = dict(zip(names, columns, strict=True))
    problems.extend(_formula_warnings(uncached_hits, col_name))
    return row_numbers, groups, out, problems


def _convert_columns(
    rows: list[list],
    idx: list[int],
    fields: list[tuple[str, int]],
    col_name: dict[int, str],
    task_id_col: int | None,
    task_col: int,
    controls: dict[int, list[tuple[str, int, str]]],
) -> tuple[list[list], list[tuple[int, int, Problem]], set[int], list[int]]:
    """The mapped columns of the task rows `idx`, converted (`_convert_column`), in column
    order. Returns them with the problems of their cells as (row, column, problem), the
    positions (in idx) of the rows with a problem, and those of the rows whose title is only
    a number or marks. Control characters found are added to `controls`, by row."""
    letterless: list[int] = []
    flagged: set[int] = set()
    row_problems: list[tuple[int, int, Problem]] = []
    columns = []
    col_idx = [c for _f, c in fields]
    for c, vals in zip(col_idx, _select_columns(rows, idx, col_idx), strict=True):
        starts: list[set[str]] = []
        with_controls: set[str] = set()
        conv, bad = _convert_column(
            vals, c == task_id_col, starts if c == task_col else None, with_controls
        )
        if with_controls:
            for k, v in enumerate(vals):
                if v.__class__ is str and v in with_controls:
                    controls.setdefault(idx[k] + 1, []).append(
                        (col_name[c], c, safe_text.show_controls(v))
                    )
        if bad:
            for k, v in enumerate(vals):
                if v.__class__ is str and v in bad:
                    kind, text = bad[v]
                    rownum = idx[k] + 1
                    if kind == "long":
                        prob = _too_long(rownum, col_name[c], text, c)
                    else:
                        prob = _cell_error(rownum, col_name[c], text, c)
                    row_problems.append((rownum, c, prob))
                    flagged.add(k)
        if c == task_col:
            for k in _letterless(conv, starts[0] if starts else None):
                rownum = idx[k] + 1
                row_problems.append((rownum, c, _not_a_title(rownum, col_name[c], conv[k], c)))
                letterless.append(k)
            flagged.update(letterless)
        columns.append(conv)
    return columns, row_problems, flagged, letterless


def _rows_to_drop(
    columns: list[list], names: list[str], fmap: dict[str, int], flagged: set[int], n: int
) -> tuple[set[int], list[int]]:
    """The positions of the rows to leave out: those with only blanks in the mapped columns
    (unless a problem names them), and, skipped with one note, those that hold nothing but
    their row number (a template's unused numbered lines). Returns (every row to leave out,
    the numbered ones, in order)."""
    width = len(names)
    row_no = columns[names.index("row_no")] if "row_no" in fmap else None
    maybe_blank = set(range(n))
    for conv in columns:
        if conv is row_no:
            continue
        # (`None not in conv`: one pass in C finds the columns filled on every row)
        maybe_blank = {k for k in maybe_blank if conv[k] is None} if None in conv else set()
        if not maybe_blank:
            break
    maybe_blank -= flagged
    numbered = (
        sorted(k for k in maybe_blank if _row_number_only(row_no[k]))
        if row_no is not None and maybe_blank
        else []
    )
    if row_no is not None:
        maybe_blank = {k for k in maybe_blank if row_no[k] is None}
    drop = maybe_blank.union(numbered) if width else set()
    return drop, numbered


def _formula_warnings(uncached_hits: list[tuple[int, int]], col_name: dict[int, str]) -> list:
    """One warning per formula cell without a saved result (the first MAX_FORMULA_WARNINGS),
    and one for the rest."""
    out = []
    for rownum, c in uncached_hits[:MAX_FORMULA_WARNINGS]:
        out.append(
            warning(
                "formula_no_cached_value",
                f"Row {rownum}, column '{col_name[c]}' ({_col_letter(c)}): a formula without a saved result; it is "
                "read as empty (formulas are never calculated here). Open and save the file in "
                "Excel to store the results.",
                f"Dòng {rownum}, cột '{col_name[c]}' ({_col_letter(c)}): công thức chưa có kết quả lưu sẵn nên được "
                "đọc là ô trống (hệ thống không tính công thức). Hãy mở và lưu lại tệp bằng Excel.",
                row=rownum,
                column=col_name[c],
            )
        )
    if len(uncached_hits) > MAX_FORMULA_WARNINGS:
        extra = len(uncached_hits) - MAX_FORMULA_WARNINGS
        out.append(
            warning(
                "formula_no_cached_value",
                f"{extra:,} more formula cells without a saved result were read as empty.",
                f"Còn {extra:,} ô công thức khác chưa có kết quả lưu sẵn được đọc là ô trống.",
                value=str(extra),
            )
        )
    return out


def _select_columns(rows: list[list], idx: list[int], cols: list[int]) -> list[list]:
    """The cells of rows `idx` in columns `cols`, one list per column (one transpose in C)."""
    if not idx or not cols:
        return [[] for _ in cols]
    if idx[-1] - idx[0] + 1 == len(idx):  # one run of rows (the usual case): a slice
        picked = rows[idx[0] : idx[-1] + 1]
    else:
        picked = [rows[i] for i in idx]
    need = max(cols) + 1
    if min(map(len, picked)) < need:  # a short row (text files are padded; be safe anyway)
        return [[r[c] if c < len(r) else "" for r in picked] for c in cols]
    transposed = list(zip(*picked, strict=False))  # rows of unequal length were handled above
    return [list(transposed[c]) for c in cols]


def _convert_column(
    vals: list,
    task_id: bool,
    starts: list[set[str]] | None = None,
    controls: set[str] | None = None,
) -> tuple[list, dict[str, tuple[str, str]]]:
    """Converted values, and the bad strings: original -> ('long' | 'error', cleaned text).

    Columns of repeated values (agencies, statuses, dates) convert each distinct value once;
    mostly-distinct columns (task text, ids) convert cell by cell. `starts`, if given, gets the
    set of the first characters of the converted cells when the column holds text only (it
    stays empty otherwise). `controls`, if given, gets the cells (as written) that held control
    characters (removed from their converted values)."""
    # A column whose first cells are mostly distinct (task text, ids) is converted cell by cell
    # without a set of all its cells: hashing 100,000 long strings costs more than it saves.
    # Both ways give the same values; only the time differs.
    probe = vals[:_DISTINCT_PROBE] if len(vals) > 2 * _DISTINCT_PROBE else vals
    uniq = set(probe)
    uniq.discard("")
    if probe is vals or 2 * len(uniq) <= len(probe):
        if probe is not vals:
            uniq = set(vals)
            uniq.discard("")
        kinds = set(map(type, uniq))
        distinct = 2 * len(uniq) > len(vals)
    else:
        kinds = set(map(type, vals))  # blank cells are "": str only if some text is not blank
        if str in kinds and len(kinds) > 1 and not any(v for v in vals if v.__class__ is str):
            kinds.discard(str)
        distinct = True
    mixed_bool = bool in kinds and (int in kinds or float in kinds)  # True == 1 == 1.0
    if mixed_bool or distinct:
        bad: dict[str, tuple[str, str]] = {}
        if kinds <= {int, float}:  # numbers (no bool here): nothing can be suspect
            if task_id:
                return [
                    None
                    if v.__class__ is str
                    else str(int(v))
                    if v.__class__ is float and v.is_integer()
                    else str(v)
                    for v in vals
                ], bad
            return [
                None
                if v.__class__ is str
                else int(v)
                if v.__class__ is float and v.is_integer()
                else v
                for v in vals
            ], bad
        if kinds <= {str}:
            found: list[int] | None = [] if controls is not None else None
            conv = _clean_strs(vals, found)
            if found:
                controls.update(vals[k] for k in found)
            filled = list(filter(None, conv))
            firsts = {t[:1] for t in filled}
            if starts is not None:
                starts.append(firsts)
            if _SUSPECT_STARTS.isdisjoint(firsts) and (
                max(map(len, filled), default=0) <= MAX_CELL_CHARS
            ):
                return conv, bad
        else:
            one = _convert_id if task_id else _convert_plain
            conv = list(map(one, vals))
            if controls is not None:
                controls.update(_with_controls(vals))
        suspects = [k for k, cv in enumerate(conv) if cv.__class__ is str and _suspect(cv)]
        for k in suspects:
            cv = conv[k]
            if len(cv) > MAX_CELL_CHARS:
                bad[vals[k]] = ("long", cv)
            elif _is_error_literal(cv):
                bad[vals[k]] = ("error", cv)
            else:
                continue
            conv[k] = None
        return conv, bad
    strs = [v for v in uniq if v.__class__ is str]
    found = [] if controls is not None else None
    cleaned = _clean_strs(strs, found)
    if found:
        controls.update(strs[k] for k in found)
    if starts is not None and len(strs) == len(uniq):
        starts.append({t[:1] for t in cleaned if t})
    table: dict = dict(zip(strs, cleaned, strict=True))
    table[""] = None
    bad = {}
    for v, cv in zip(strs, cleaned, strict=True):
        if cv is not None and _suspect(cv):
            if len(cv) > MAX_CELL_CHARS:
                bad[v] = ("long", cv)
            elif _is_error_literal(cv):
                bad[v] = ("error", cv)
            else:
                continue
            table[v] = None
    if len(strs) < len(uniq):
        for v in uniq:
            if v.__class__ is not str:
                table[v] = _convert_scalar(v, task_id)
    return list(map(table.__getitem__, vals)), bad


_LETTER = re.compile(r"[^\W\d_]")
_ROW_NUMBER = re.compile(r"\d{1,6}(?:\.\d{1,4})*\s*[.)]?")
_NUMBER_TYPES = (int, float)


def _letterless(titles: list, starts: set[str] | None) -> list[int]:
    """Positions of the titles with no letter in them: a number, or only digits and marks
    ("1", "2.", "#", "-", "...", "(3)"). `starts`: the titles' first characters when they are
    all text (from _convert_column); when each is a letter, as usual, no cell is looked at."""
    if starts is not None and all(map(str.isalpha, starts)):
        return []
    return [
        k
        for k, t in enumerate(titles)
        if t.__class__ in _NUMBER_TYPES
        or (t.__class__ is str and not t[:1].isalpha() and _LETTER.search(t) is None)
    ]


def _row_number_only(value: object) -> bool:
    """A row-number cell: a number ("15", 15) or a numbered item ("15.", "1.2", "3)")."""
    if value.__class__ in _NUMBER_TYPES:
        return True
    return value.__class__ is str and _ROW_NUMBER.fullmatch(value) is not None


def _row_ranges(rownums: list[int], limit: int = 10) -> str:
    """ "12, 40–51": runs of consecutive rows (the first `limit` runs, then "…")."""
    runs: list[list[int]] = []
    for r in rownums:
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    shown = [f"{a}–{b}" if b > a else str(a) for a, b in runs[:limit]]
    return ", ".join(shown) + (", …" if len(runs) > limit else "")


_SUSPECT_STARTS = frozenset(("#", "E"))  # error literals: "#N/A", LibreOffice's "Err:502"
_DISTINCT_PROBE = 2_000  # cells _convert_column looks at to judge a text column's repetition


def _suspect(text: str) -> bool:
    return len(text) > MAX_CELL_CHARS or text[:1] in _SUSPECT_STARTS


def _convert_plain(v: object) -> object:
    if v.__class__ is str:
        return _clean_str(v) if v else None
    return _convert_scalar(v, False)


def _convert_id(v: object) -> object:
    if v.__class__ is str:
        return _clean_str(v) if v else None
    return _convert_scalar(v, True)


def _convert_scalar(v: object, task_id: bool) -> object:
    if v is None:
        return None
    if v.__class__ is float:
        if v.is_integer():
            v = int(v)
        return str(v) if task_id else v
    if v.__class__ is int and task_id:
        return str(v)
    return v


def _has_value(row: list, raw: list, i: int, c: int, from_above: set) -> bool:
    """A cell counts as filled if written in this row or reached by a merge from above (a
    heading merged across the row does not fill its lead agency or deadline)."""
    if c >= len(row) or row[c] == "" or row[c] is None:
        return False
    if raw is row:
        return True
    return not (raw[c] == "" or raw[c] is None) or (i, c) in from_above


def _classify_rows(
    grid: _Grid,
    head: _Header,
    fmap: dict[str, int],
    width: int,
    controls: dict[int, list[tuple[str, int, str]]] | None = None,
    headers: list[str] | None = None,
) -> tuple[list[int], list[str | None], list[Problem]]:
    """Indices of the task rows, the section heading above each, and ragged-row errors (the
    control characters of a heading are taken out and added to `controls`)."""
    rows, raw_rows, ragged, from_above = grid.rows, grid.raw, grid.ragged, grid.from_above
    n = len(rows)
    start = head.bottom + 1
    while start < n and rows[start].count("") == len(rows[start]):
        start += 1
    if start < n and _is_colnum_row(rows[start]):
        start += 1
    stt_col = fmap.get("row_no")
    task_col = fmap["task"]
    lead_col = fmap["lead_agency"]
    deadline_col = fmap.get("deadline")
    section_limit = max(task_col, 1)
    idx: list[int] = []
    groups: list[str | None] = []
    problems: list[Problem] = []
    group: str | None = None
    for i in range(start, n):
        row = rows[i]
        rowlen = len(row)
        if row.count("") == rowlen:
            continue
        raw = raw_rows.get(i, row)
        first = raw[0] if raw else ""
        if first == "" or first is None:
            first = next((v for v in raw if v != "" and v is not None), None)
            if first is None:
                continue
        if first.__class__ is str and not first[:1].isdigit():
            key = fold(first[:24])
            if key.startswith(_STOP_STARTS):
                break
            if key.startswith(_TRAILER_STARTS) or _CONG.match(key):
                continue
        if ragged and i in ragged:
            problems.append(_ragged_error(i + 1, ragged[i], width))
            continue
        sv = raw[stt_col] if stt_col is not None and stt_col < len(raw) else ""
        section = (
            sv.__class__ is str
            and sv[:1].isalpha()
            and _ROMAN_OR_LETTER.fullmatch(sv.strip()) is not None
        )
        if (
            not section
            and not _has_value(row, raw, i, lead_col, from_above)
            and (deadline_col is None or not _has_value(row, raw, i, deadline_col, from_above))
        ):
            cols = [c for c, v in enumerate(raw) if v != "" and v is not None]
            if len(cols) <= 2 and cols[-1] <= section_limit:
                stt = _stt_text(sv)
                m = _ARABIC.fullmatch(stt) if stt else None
                if m is not None:  # "1" over "1.1", "1.2" is a heading; else a bare task
                    nxt = _next_stt(rows, raw_rows, i + 1, stt_col)
                    section = nxt.startswith(f"{m.group(1)}.")
                else:  # no number, or heading text written in (or merged over) the STT cell
                    section = not stt or _ITEM_MARK.fullmatch(stt) is None
        if section:
            col = task_col
            text = raw[task_col] if task_col < len(raw) else ""
            if text == "" or text is None:
                col, text = next(
                    (
                        (c, v)
                        for c, v in enumerate(raw)
                        if v != "" and v is not None and c != stt_col
                    ),
                    (stt_col, sv),
                )
            if text.__class__ is str and safe_text.has_controls(text):
                if controls is not None:
                    name = _header_name(headers or [], col)
                    controls.setdefault(i + 1, []).append(
                        (name, col, safe_text.show_controls(text))
                    )
                text = safe_text.remove_controls(text)
            group = nfc(text) or None
            continue
        idx.append(i)
        groups.append(group)
    return idx, groups, problems


def _header_name(headers: list[str], col: int) -> str:
    return headers[col] if col < len(headers) and headers[col] else ""


def _control_warnings(found: dict[int, list[tuple[str, int, str]]]) -> list[Problem]:
    """One warning per row whose cells held control characters (taken out of them): the row,
    each column and the characters removed ("U+0000"); past MAX_CONTROL_WARNINGS rows, the
    others in one warning naming them."""
    out = []
    rows = sorted(found)
    for rownum in rows[:MAX_CONTROL_WARNINGS]:
        cells = sorted(set(found[rownum]), key=lambda ncs: ncs[1])
        where_en = "; ".join(
            f"column '{n}' ({_col_letter(c)}): {s}" if n else f"column {_col_letter(c)}: {s}"
            for n, c, s in cells
        )
        where_vi = "; ".join(
            f"cột '{n}' ({_col_letter(c)}): {s}" if n else f"cột {_col_letter(c)}: {s}"
            for n, c, s in cells
        )
        out.append(
            warning(
                "control_characters",
                f"Row {rownum}: characters that are not text (control characters, often left by "
                f"copying from another program) were removed: {where_en}. Check the cell if "
                "something looks missing.",
                f"Dòng {rownum}: đã bỏ các ký tự không phải chữ (ký tự điều khiển, thường lẫn vào "
                f"khi sao chép từ phần mềm khác): {where_vi}. Hãy xem lại ô nếu thấy thiếu nội "
                "dung.",
                row=rownum,
                column=cells[0][0] or None,
                value="; ".join(s for _n, _c, s in cells),
            )
        )
    rest = rows[MAX_CONTROL_WARNINGS:]
    if rest:
        where = _row_ranges(rest)
        out.append(
            warning(
                "control_characters",
                f"{len(rest):,} more rows held characters that are not text (control "
                f"characters), removed (rows {where}).",
                f"Còn {len(rest):,} dòng khác có ký tự không phải chữ (ký tự điều khiển), đã bỏ "
                f"(dòng {where}).",
                row=rest[0],
                value=str(len(rest)),
            )
        )
    return out


def _ragged_error(rownum: int, count: int, width: int) -> Problem:
    return error(
        "ragged_row",
        f"Row {rownum} has {count} fields but the header has {width}; the row was not read (its "
        "columns would shift). Check for a delimiter that is not inside quotes.",
        f"Dòng {rownum} có {count} trường trong khi tiêu đề có {width}; dòng này không được đọc "
        "(các cột sẽ bị lệch). Kiểm tra dấu phân cách không nằm trong ngoặc kép.",
        row=rownum,
        value=str(count),
    )


def _too_long(rownum: int, column: str, text: str, col: int) -> Problem:
    return error(
        "cell_too_long",
        f"Row {rownum}, column '{column}' ({_col_letter(col)}): the text has {len(text):,} characters (max "
        f"{MAX_CELL_CHARS:,}).",
        f"Dòng {rownum}, cột '{column}' ({_col_letter(col)}): nội dung dài {len(text):,} ký tự (tối đa "
        f"{MAX_CELL_CHARS:,}).",
        row=rownum,
        column=column,
        value=_show(text),
    )


def _next_stt(rows: list[list], raw_rows: dict[int, list], i: int, stt_col: int | None) -> str:
    for j in range(i, min(i + 50, len(rows))):
        raw = raw_rows.get(j, rows[j])
        if raw.count("") == len(raw):
            continue
        return _stt_text(raw[stt_col]) if stt_col is not None and stt_col < len(raw) else ""
    return ""


def _not_a_title(rownum: int, column: str, value: object, col: int) -> Problem:
    text = _show(value)
    return error(
        "title_not_text",
        f"Row {rownum}, column '{column}' ({_col_letter(col)}): the task title '{text}' is only a "
        "number or punctuation, not the name of a task. Type the task's name in this cell; if the "
        "names are in another column, head that column 'Nội dung nhiệm vụ'.",
        f"Dòng {rownum}, cột '{column}' ({_col_letter(col)}): nội dung nhiệm vụ '{text}' chỉ là số "
        "hoặc dấu, không phải tên một nhiệm vụ. Hãy ghi tên nhiệm vụ vào ô này; nếu tên nhiệm vụ "
        "nằm ở cột khác, hãy đặt tiêu đề cột đó là 'Nội dung nhiệm vụ'.",
        row=rownum,
        column=column,
        value=text,
    )


def _no_task_list(
    idx: list[int], letterless: list[int], titles: list, head: _Header, column: str, col: int
) -> InputRejected:
    """Every row below the header has a title that is only a number or punctuation."""
    shown = ", ".join(f"{idx[k] + 1} ('{_show(titles[k], 20)}')" for k in letterless[:5])
    more = ", …" if len(letterless) > 5 else ""
    where = f"'{column}' ({_col_letter(col)})"
    return InputRejected(
        [
            error(
                "no_task_list",
                f"No task list found: below the header on row {head.top + 1}, every row's task "
                f"title (column {where}) is only a number or punctuation (rows {shown}{more}), "
                "so no row names a task. A task list needs a column of task names, headed e.g. "
                "'Nội dung nhiệm vụ', and a column of lead agencies, headed e.g. 'Cơ quan chủ "
                "trì'. If the names are in another column, give that column such a header; a "
                "file that is no task list (a project plan, a form) cannot be loaded.",
                f"Không tìm thấy danh sách nhiệm vụ: dưới dòng tiêu đề {head.top + 1}, nội dung "
                f"nhiệm vụ (cột {where}) của mọi dòng chỉ là số hoặc dấu (dòng {shown}{more}), "
                "nên không dòng nào là một nhiệm vụ. Danh sách nhiệm vụ cần một cột tên nhiệm "
                "vụ, tiêu đề ví dụ 'Nội dung nhiệm vụ', và một cột cơ quan chủ trì, tiêu đề ví "
                "dụ 'Cơ quan chủ trì'. Nếu tên nhiệm vụ nằm ở cột khác, hãy đặt cho cột đó tiêu "
                "đề như vậy; tệp không phải danh sách nhiệm vụ (kế hoạch dự án, biểu mẫu) thì "
                "không nạp được.",
                row=head.top + 1,
                column=column,
                value=_show(titles[letterless[0]]),
            )
        ]
    )


def _numbered_blanks(rownums: list[int], with_formulas: int) -> Problem:
    """One note for the rows skipped because they hold only their row number (`with_formulas`
    of them have formula cells whose result is empty or was not saved)."""
    n, where = len(rownums), _row_ranges(rownums)
    rows_en = "1 row holds" if n == 1 else f"{n:,} rows hold"
    formulas_en = formulas_vi = ""
    if with_formulas:
        formulas_en = (
            f"; {with_formulas:,} of them hold formulas whose result is empty or was not saved"
        )
        formulas_vi = (
            f"; {with_formulas:,} dòng trong đó có công thức cho kết quả trống hoặc chưa lưu"
        )
    return warning(
        "numbered_blank_rows",
        f"{rows_en} only a row number and nothing else; skipped (row{'s' if n > 1 else ''} "
        f"{where}{formulas_en}).",
        f"{n:,} dòng chỉ có số thứ tự, không có nội dung, đã bỏ qua (dòng {where}{formulas_vi}).",
        row=rownums[0],
        value=str(n),
    )


def _cell_error(rownum: int, column: str, code: str, col: int) -> Problem:
    return error(
        "cell_error",
        f"Row {rownum}, column '{column}' ({_col_letter(col)}): the cell holds the Excel error {code}; fix the "
        "formula or type the value.",
        f"Dòng {rownum}, cột '{column}' ({_col_letter(col)}): ô chứa lỗi Excel {code}; hãy sửa công thức hoặc nhập "
        "giá trị.",
        row=rownum,
        column=column,
        value=code,
    )
