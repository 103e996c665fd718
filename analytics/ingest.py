"""From file bytes to validated canonical tasks, and from there to a snapshot in the store."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import operator
import re
import threading
from collections.abc import Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from enum import IntEnum, auto
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.agencies import Agency, AgencyResolver, default_resolver
from analytics.agency_update import outside_problems
from analytics.deadlines import DateError, format_date, parse_date, parse_deadline
from analytics.model import DONE_CLASSES, TASK_FIELDS, Task, TaskBatch
from analytics.problems import HeldBackRow, InputRejected, Problem, error, warning
from analytics.reading import RawTable, SkippedSheet, read_tables
from analytics.statuses import classify_status, is_difficult
from analytics.text import fold, nfc

if TYPE_CHECKING:
    from analytics import store

SOURCE_NQ71 = "Nghị quyết 71/NQ-CP"
SOURCE_TBKL = "Thông báo kết luận của Ban Chỉ đạo Trung ương"
KNOWN_SOURCES = (SOURCE_NQ71, SOURCE_TBKL)

_SOURCE_PATTERNS = (
    (re.compile(r"71\s*/\s*nq\s*-?\s*cp|nq\s*71\b|nq71|nghi quyet (so )?71/nq-cp"), SOURCE_NQ71),
    (re.compile(r"thong bao ket luan|tb\s*-?\s*bcdtw|bcdtw|tbkl|conclusion notice"), SOURCE_TBKL),
)


@dataclass
class Prepared:
    """A file read and resolved, not yet stored."""

    table: RawTable
    source: str
    as_of: dt.date
    tasks: Sequence[Task]  # a TaskBatch from resolve_rows
    agencies: list[Agency]
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # The rows with row errors (none of them is among `tasks`); with `accepted`, the file's
    # valid rows are committed and these are held back, recorded with the snapshot.
    held_back: list[HeldBackRow] = field(default_factory=list)
    accepted: bool = False  # the valid rows are accepted: only file-level errors remain
    # Several task sheets: one table per sheet read (`table` is the first), in workbook order,
    # and the sheets not read with the reason (`reading.read_tables`). Empty: `table` alone.
    tables: list[RawTable] = field(default_factory=list)
    skipped_sheets: list[SkippedSheet] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def sheet_names(self) -> list[str]:
        """The sheets read, in workbook order ([] for a text file)."""
        return [t.sheet for t in self.tables or [self.table] if t.sheet is not None]

    def sheet_counts(self) -> list[tuple[str, int]]:
        """(sheet, tasks read from it) for every sheet read, in workbook order."""
        names = self.sheet_names
        if len(names) <= 1:
            return [(n, len(self.tasks)) for n in names]
        columns = getattr(self.tasks, "columns", None)
        of_task = columns["sheet"] if columns is not None else [t.sheet for t in self.tasks]
        counts = dict.fromkeys(names, 0)
        for name in of_task:
            counts[name] = counts.get(name, 0) + 1
        return list(counts.items())

    def accepting_valid_rows(self) -> Prepared:
        """The same file with its valid rows accepted: `errors` keeps only what rejects a file
        whatever is held back (nothing valid is left), the row errors stay in `held_back`."""
        if self.accepted:
            return self
        in_rows = {p for h in self.held_back for p in h.problems}
        errors = [p for p in self.errors if p not in in_rows]
        if not self.tasks and self.held_back:
            n = len(self.held_back)
            errors = [
                *self.errors,
                error(
                    "no_valid_rows",
                    f"None of the file's rows can be read ({n:,} with errors); nothing to store.",
                    f"Không dòng nào của tệp đọc được ({n:,} dòng có lỗi); không có gì để ghi.",
                    row=self.table.header_row,
                    value=str(n),
                ),
            ]
        return replace(self, errors=errors, accepted=True)


def detect_source(table: RawTable | Sequence[RawTable] | None, file_name: str) -> str | None:
    """The source a file belongs to, from its title block, document column or name (several
    task sheets: their title blocks and document columns in sheet order, then the name)."""
    texts = []
    for one in [] if table is None else table if isinstance(table, Sequence) else [table]:
        texts.extend(getattr(one, "title_lines", []) or [])
        # the first rows' document column (read from the columns: no row objects are built)
        texts.extend(str(doc) for doc in one.columns.get("source_doc", [])[:50] if doc)
    texts.append(Path(file_name).stem.replace("_", " "))
    for text in texts:
        folded = fold(text)
        for pattern, source in _SOURCE_PATTERNS:
            if pattern.search(folded):
                return source
    return None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # the reader already NFC-normalised and stripped cell text
        return value or None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return format_date(value if isinstance(value, dt.date) else value.date())
    text = nfc(value)
    return text or None


def _task_id(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = value.strip() if isinstance(value, str) else nfc(value)
    return text or None


def _header(table: RawTable, field_name: str) -> str:
    idx = table.mapping.get(field_name)
    if idx is not None and idx < len(table.headers) and table.headers[idx]:
        return table.headers[idx]
    return field_name


def _derived_id(title: str, lead: str) -> str:
    digest = hashlib.blake2b(f"{fold(title)}|{fold(lead)}".encode(), digest_size=5).hexdigest()
    return f"auto-{digest}"


_NUMBERS = frozenset((bool, int, float))


def _per_distinct(values: list, fn, results: list | None = None) -> list:
    """fn over a column, called once per distinct (type, value): True and 1 never share one.
    `results`, if given, gets fn's distinct results (what a check over the column needs)."""
    if len(_NUMBERS.intersection(map(type, values))) <= 1:  # no two kinds of number: by value
        table = {v: fn(v) for v in set(values)}
        out = list(map(table.__getitem__, values))
    else:
        keys = list(zip(map(type, values), values, strict=True))
        table = {k: fn(k[1]) for k in set(keys)}
        out = [table[k] for k in keys]
    if results is not None:
        results.extend(table.values())
    return out


def _text_column(values: list) -> list:
    """_text over a column: cell text passes through (the reader cleaned it)."""
    if set(map(type, values)) <= {str, type(None)}:
        return [v or None for v in values] if "" in values else list(values)
    return _per_distinct(values, _text)


def _id_column(values: list) -> list:
    """_task_id over a column (text cells are stripped)."""
    if set(map(type, values)) <= {str, type(None)}:
        return [v.strip() or None if v else None for v in values]
    return _per_distinct(values, _task_id)


class Check(IntEnum):
    """The checks resolve_rows runs on every row, in the order they run (a row leaves at its
    first error). A row's problems come out in this order, errors and warnings each, rows in
    sheet order."""

    REQUIRED_FIELDS = auto()  # error: no task title, or no lead agency
    AGENCIES = auto()  # warning: a lead agency the register does not know
    TASK_ID = auto()  # warning: no task id in a file that has an id column (one is derived)
    DUPLICATE_ID = auto()  # error: an id already given on an earlier row
    DEADLINE = auto()  # error: a deadline that is no date
    FREE_TEXT_DEADLINE = auto()  # warning: a deadline in words (no deadline)
    COMPLETION_DATE = auto()  # error: a completion date that is no date
    DATES_VS_WORDS = auto()  # warning: the status words and the dates disagree (dates win)
    ASSIGNED_DATE = auto()  # warning: a date assigned that is no date (the task has none)


class _Rows:
    """What the checks of one resolve_rows share: the table's columns, the positions of the rows
    still alive (they passed every check so far) and the problems found, keyed by (position,
    check[, k]) so that they come out in row order, then check order."""

    __slots__ = (
        "agencies",
        "alive",
        "assigned_dates",
        "blank",
        "completions",
        "deadlines",
        "derived",
        "errors",
        "lead_of",
        "lead_texts",
        "n",
        "rows",
        "status_classes",
        "status_texts",
        "support_of",
        "support_texts",
        "table",
        "taken",
        "task_ids",
        "titles",
        "warns",
    )

    def __init__(self, table: RawTable, taken: dict[str, tuple[str | None, int]] | None = None):
        self.table = table
        self.taken = taken or {}  # ids given on sheets read before: id -> (sheet, row)
        self.n = table.n_rows
        self.rows = table.row_numbers
        self.blank = [None] * self.n
        self.alive: list[int] = list(range(self.n))
        self.errors: list[tuple[int, Check, Problem]] = []
        self.warns: list[tuple[int, Check, int, Problem]] = []

    def col(self, name: str) -> list:
        return self.table.columns.get(name, self.blank)

    def header(self, field_name: str) -> str:
        return _header(self.table, field_name)

    def error(self, k: int, check: Check, problem: Problem) -> None:
        self.errors.append((k, check, problem))

    def warn(self, k: int, check: Check, problem: Problem, j: int = 0) -> None:
        self.warns.append((k, check, j, problem))

    def problems(self) -> tuple[list[Problem], list[Problem]]:
        """(errors, warnings) found by the checks, in row order, then check order."""
        self.errors.sort(key=lambda e: (e[0], e[1]))
        self.warns.sort(key=lambda w: (w[0], w[1], w[2]))
        return [p for *_key, p in self.errors], [p for *_key, p in self.warns]


def resolve_rows(
    table: RawTable,
    as_of: dt.date,
    resolver=None,
    taken: dict[str, tuple[str | None, int]] | None = None,
) -> tuple[TaskBatch, list[Agency], list[Problem], list[Problem]]:
    """Canonical tasks from a raw table, with the errors and warnings found on the way.

    Column by column: every lookup (agency cell, deadline, completion date, status words) runs
    once per distinct value, and only the rows that pass every check (`Check`, in its order)
    become tasks; so do none of the rows the reader found an error in (an Excel error cell, an
    over-long cell). A row's problems come out in the order its checks run, rows in sheet
    order, after the reader's. `resolver`: see `agency_resolver`. `taken`: the task ids of the
    sheets of the same workbook read before, id -> (sheet, row): an id given again is an error
    naming both sheets and rows (`Check.DUPLICATE_ID`), a derived id steers clear of them."""
    resolver = agency_resolver(resolver)
    errors: list[Problem] = [p for p in table.warnings if p.level == "error"]
    warns: list[Problem] = [p for p in table.warnings if p.level != "error"]
    if "task_id" not in table.mapping:
        warns.append(
            warning(
                "derived_ids",
                "The file has no task id column; ids were derived from task title and lead agency.",
                "Tệp không có cột mã nhiệm vụ; mã được tạo từ nội dung nhiệm vụ và cơ quan chủ trì.",
            )
        )
    s = _Rows(table, taken)
    _check_required_fields(s)
    _check_agencies(s, resolver)
    _check_task_ids(s)
    _check_dates(s, as_of)
    _check_status(s, as_of)
    _check_assigned_dates(s)
    found_errors, found_warns = s.problems()
    errors.extend(found_errors)
    warns.extend(found_warns)
    if errors:  # rows the reader found an error in are no tasks either
        _drop_rows(s, {p.row for p in errors})
    return _build_batch(s), list(s.agencies.values()), errors, warns


def _check_required_fields(s: _Rows) -> None:
    """`Check.REQUIRED_FIELDS`: a task title and a lead agency."""
    s.titles = titles = _text_column(s.col("task"))
    s.lead_texts = lead_texts = _text_column(s.col("lead_agency"))
    n, rows = s.n, s.rows
    s.alive = [k for k, (t, lt) in enumerate(zip(titles, lead_texts, strict=True)) if t and lt]
    for k in range(n) if len(s.alive) < n else ():
        if titles[k] and lead_texts[k]:
            continue
        row = rows[k]
        if not titles[k]:
            code, column = "missing_title", s.header("task")
            en, vi = "the task title", "nội dung nhiệm vụ"
        else:
            code, column = "missing_lead", s.header("lead_agency")
            en, vi = "the lead agency", "cơ quan chủ trì"
        s.error(
            k,
            Check.REQUIRED_FIELDS,
            error(
                code,
                f"Row {row}: {en} ({column}) is empty.",
                f"Dòng {row}: {vi} ({column}) để trống.",
                row=row,
                column=column,
                value="",
            ),
        )


def _check_agencies(s: _Rows, resolver) -> None:
    """`Check.AGENCIES`: lead and supporting agencies, once per distinct cell; a lead agency
    the register does not know is kept as written, with the closest known names."""
    alive, lead_texts, n = s.alive, s.lead_texts, s.n
    s.support_texts = support_texts = _text_column(s.col("support_agencies"))
    s.lead_of = lead_of = {t: resolver.resolve_cell(t) for t in {lead_texts[k] for k in alive}}
    s.support_of = support_of = {
        t: resolver.resolve_cell(t)[0] for t in {support_texts[k] for k in alive} if t
    }
    s.agencies = agencies = {}
    pairs = (
        zip(lead_texts, support_texts, strict=True)
        if len(alive) == n
        else ((lead_texts[k], support_texts[k]) for k in alive)
    )
    for lt, st in dict.fromkeys(pairs):
        for a in (*lead_of[lt][0], *support_of.get(st, ())):
            agencies.setdefault(a.id, a)
    hints: dict[str, tuple[str, ...]] = {}
    for _leads, unknown in lead_of.values():
        for name in unknown:
            if name not in hints:
                hints[name] = tuple(a.name_vi for a in resolver.suggestions(name))
    if not hints:
        return
    h_lead = s.header("lead_agency")
    for k in alive:
        for j, name in enumerate(lead_of[lead_texts[k]][1]):
            row, sugg = s.rows[k], hints[name]
            hint = f" Did you mean: {', '.join(sugg)}?" if sugg else ""
            hint_vi = f" Có phải: {', '.join(sugg)}?" if sugg else ""
            s.warn(
                k,
                Check.AGENCIES,
                warning(
                    "unknown_agency",
                    f"Row {row}: unknown agency '{name}' kept as written.{hint}",
                    f"Dòng {row}: không nhận ra cơ quan '{name}', giữ nguyên như đã ghi.{hint_vi}",
                    row=row,
                    column=h_lead,
                    value=name,
                    suggestions=sugg,
                ),
                j,
            )


def _check_task_ids(s: _Rows) -> None:
    """`Check.TASK_ID` and `Check.DUPLICATE_ID`: task ids in sheet order; a row without one
    gets one derived from its title and lead agency, an id given twice names both rows (and
    both sheets, for an id an earlier sheet of the workbook gave: `_Rows.taken`)."""
    n, rows, alive, taken = s.n, s.rows, s.alive, s.taken
    has_id_column = "task_id" in s.table.mapping
    raw_ids = _id_column(s.col("task_id")) if has_id_column else s.blank
    s.task_ids = task_ids = [None] * n
    s.derived = derived = [False] * n
    given = [raw_ids[k] for k in alive]
    if (
        has_id_column
        and None not in given
        and len(set(given)) == len(given)
        and (not taken or taken.keys().isdisjoint(given))
    ):
        for k, task_id in zip(alive, given, strict=True):  # every id given, none twice
            task_ids[k] = task_id
        return
    h_id = s.header("task_id")
    seen_ids: dict[str, int] = {}
    passed: list[int] = []
    for k in alive:
        row = rows[k]
        task_id = raw_ids[k]
        if not task_id:
            if has_id_column:
                s.warn(
                    k,
                    Check.TASK_ID,
                    warning(
                        "missing_task_id",
                        f"Row {row}: no task id ({h_id}); one was derived from the title.",
                        f"Dòng {row}: thiếu mã nhiệm vụ ({h_id}); mã được tạo từ nội dung.",
                        row=row,
                        column=h_id,
                        value="",
                    ),
                )
            task_id = _derived_id(s.titles[k], s.lead_texts[k])
            derived[k] = True
            base, m = task_id, 2
            while task_id in seen_ids or task_id in taken:
                task_id = f"{base}-{m}"
                m += 1
        elif task_id in taken:
            sheet, first = taken[task_id]
            s.error(
                k,
                Check.DUPLICATE_ID,
                error(
                    "duplicate_task_id",
                    f"Row {row}: task id '{task_id}' is already given on sheet '{sheet}', row "
                    f"{first}.",
                    f"Dòng {row}: mã nhiệm vụ '{task_id}' đã có ở trang '{sheet}', dòng {first}.",
                    row=row,
                    column=h_id,
                    value=task_id,
                ),
            )
            continue
        elif task_id in seen_ids:
            first = seen_ids[task_id]
            s.error(
                k,
                Check.DUPLICATE_ID,
                error(
                    "duplicate_task_id",
                    f"Task id '{task_id}' appears on rows {first} and {row}.",
                    f"Mã nhiệm vụ '{task_id}' bị trùng ở dòng {first} và dòng {row}.",
                    row=row,
                    column=h_id,
                    value=task_id,
                ),
            )
            continue
        seen_ids[task_id] = row
        task_ids[k] = task_id
        passed.append(k)
    s.alive = passed


def _check_dates(s: _Rows, as_of: dt.date) -> None:
    """`Check.DEADLINE`, `Check.FREE_TEXT_DEADLINE` and `Check.COMPLETION_DATE`: deadlines and
    completion dates, once per distinct cell."""
    epoch = s.table.epoch_1904
    alive = s.alive

    def deadline_of(value):
        try:
            return parse_deadline(value, default_year=as_of.year, epoch_1904=epoch)
        except DateError as exc:
            return exc

    def completion_of(value):
        try:
            return parse_date(value, epoch_1904=epoch)
        except DateError as exc:
            return exc

    deadline_cells, done_cells = s.col("deadline"), s.col("completion_date")
    raw_deadlines = [deadline_cells[k] for k in alive]
    raw_done = [done_cells[k] for k in alive]
    distinct_deadlines: list = []
    distinct_done: list = []
    parsed_deadlines = _per_distinct(raw_deadlines, deadline_of, distinct_deadlines)
    parsed_done = _per_distinct(raw_done, completion_of, distinct_done)
    s.deadlines = deadlines = [None] * s.n
    s.completions = completions = [None] * s.n
    clean = not any(
        isinstance(d, DateError) or d.kind == "free_text" for d in distinct_deadlines
    ) and not any(isinstance(c, DateError) for c in distinct_done)
    checked = zip(alive, raw_deadlines, parsed_deadlines, raw_done, parsed_done, strict=True)
    if clean:  # nothing to say about any row: take the parsed values as they are
        for k, _rd, deadline, _rc, completion in checked:
            deadlines[k] = deadline
            completions[k] = completion
        return
    h_deadline, h_done = s.header("deadline"), s.header("completion_date")
    passed: list[int] = []
    for k, raw_deadline, deadline, raw_completion, completion in checked:
        row = s.rows[k]
        if isinstance(deadline, DateError):
            s.error(
                k,
                Check.DEADLINE,
                error(
                    "bad_deadline",
                    f"Row {row}: {deadline}",
                    f"Dòng {row}: {getattr(deadline, 'message_vi', None) or deadline}",
                    row=row,
                    column=h_deadline,
                    value=_text(raw_deadline),
                ),
            )
            continue
        if deadline.kind == "free_text":
            s.warn(
                k,
                Check.FREE_TEXT_DEADLINE,
                warning(
                    "free_text_deadline",
                    f"Row {row}: deadline '{deadline.text}' is not a date or period; the task has no deadline.",
                    f"Dòng {row}: thời hạn '{deadline.text}' không phải ngày hoặc kỳ; coi như không có thời hạn.",
                    row=row,
                    column=h_deadline,
                    value=deadline.text,
                ),
            )
        if isinstance(completion, DateError):
            shown = _text(raw_completion)
            s.error(
                k,
                Check.COMPLETION_DATE,
                error(
                    "bad_completion_date",
                    f"Row {row}: the completion date '{shown}' is not a valid date.",
                    f"Dòng {row}: ngày hoàn thành '{shown}' không phải ngày hợp lệ.",
                    row=row,
                    column=h_done,
                    value=shown,
                ),
            )
            continue
        deadlines[k] = deadline
        completions[k] = completion
        passed.append(k)
    s.alive = passed


def _check_status(s: _Rows, as_of: dt.date) -> None:
    """`Check.DATES_VS_WORDS`: the status class from the words (a 100 % progress cell completes
    an unknown status), and where dates and words disagree. The words are the status cell's;
    where it is blank, the progress narrative's ("Tình hình thực hiện" beside a "Trạng thái"
    column). Sets `status_classes`, aligned with `alive` (no row leaves here)."""
    alive, deadlines, completions = s.alive, s.deadlines, s.completions
    s.status_texts = status_texts = _text_column(s.col("status"))
    words = status_texts
    if "progress" in s.table.columns and None in status_texts:
        progress_texts = _text_column(s.col("progress"))
        words = [t or p for t, p in zip(status_texts, progress_texts, strict=True)]
    class_of = {t: classify_status(t) for t in {words[k] for k in alive}}
    pcts = s.col("progress_pct")
    s.status_classes = status_classes = [class_of[words[k]] for k in alive]
    if "unknown" in class_of.values():
        for j, k in enumerate(alive):
            if status_classes[j] == "unknown" and _full_progress(pcts[k]):
                status_classes[j] = "done_unspecified"
    keys = [
        (cls, deadlines[k].date, completions[k])
        for cls, k in zip(status_classes, alive, strict=True)
    ]
    said = {key: _disagreements(*key, as_of) for key in set(keys)}
    if not any(said.values()):
        return
    h_status = s.header("status")
    h_progress = s.header("progress") if words is not status_texts else h_status
    for k, key in zip(alive, keys, strict=True):
        for j, (en, vi) in enumerate(said[key]):
            row = s.rows[k]
            s.warn(
                k,
                Check.DATES_VS_WORDS,
                warning(
                    "dates_vs_words",
                    f"Row {row}: {en}",
                    f"Dòng {row}: {vi}",
                    row=row,
                    column=h_status if status_texts[k] or not words[k] else h_progress,
                    value=words[k],
                ),
                j,
            )


def _check_assigned_dates(s: _Rows) -> None:
    """`Check.ASSIGNED_DATE`: the date each task was assigned, once per distinct cell. A cell
    that is no date is a warning naming row, column and value; the task is kept without a date
    assigned (no row leaves here). Sets `assigned_dates`, one per row."""
    s.assigned_dates = assigned = [None] * s.n
    if "assigned_date" not in s.table.columns:
        return
    epoch, alive = s.table.epoch_1904, s.alive
    cells = s.col("assigned_date")

    def assigned_of(value):
        try:
            return parse_date(value, epoch_1904=epoch)
        except DateError as exc:
            return exc

    raw = [cells[k] for k in alive]
    parsed = _per_distinct(raw, assigned_of)
    h_assigned = None
    for k, value, d in zip(alive, raw, parsed, strict=True):
        if not isinstance(d, DateError):
            assigned[k] = d
            continue
        row, shown = s.rows[k], _text(value)
        h_assigned = h_assigned or s.header("assigned_date")
        s.warn(
            k,
            Check.ASSIGNED_DATE,
            warning(
                "bad_assigned_date",
                f"Row {row}: the date assigned '{shown}' ({h_assigned}) is not a valid date; "
                "the task is kept without a date assigned.",
                f"Dòng {row}: ngày giao '{shown}' ({h_assigned}) không phải ngày hợp lệ; "
                "nhiệm vụ được giữ, không có ngày giao.",
                row=row,
                column=h_assigned,
                value=shown,
            ),
        )


def _drop_rows(s: _Rows, row_numbers: set) -> None:
    """Take the rows with these sheet row numbers out of `alive` (and their status classes)."""
    rows = s.rows
    keep = [j for j, k in enumerate(s.alive) if rows[k] not in row_numbers]
    if len(keep) < len(s.alive):
        s.alive = [s.alive[j] for j in keep]
        s.status_classes = [s.status_classes[j] for j in keep]


def _build_batch(s: _Rows) -> TaskBatch:
    """The tasks: every row that passed, as columns."""
    alive, table = s.alive, s.table
    take = operator.itemgetter(*alive) if len(alive) > 1 else None

    def pick(values: list) -> list:
        if take is None:
            return [values[k] for k in alive]
        return list(take(values))

    def text(name: str) -> list:
        """A text column of the table for the rows that passed; None for each without it."""
        if name not in table.columns:
            return [None] * len(alive)
        return _text_column(pick(table.columns[name]))

    difficulty = _text_column(pick(s.col("difficulty")))
    difficult_of = {d: is_difficult(d) for d in set(difficulty)}
    own_groups = _text_column(pick(s.col("group")))
    lead_ids_of = {t: tuple(a.id for a in r[0]) for t, r in s.lead_of.items()}
    support_ids_of = {t: tuple(a.id for a in r) for t, r in s.support_of.items()}
    picked_deadlines = pick(s.deadlines)
    return TaskBatch(
        {
            "task_id": pick(s.task_ids),
            "title": pick(s.titles),
            "lead_ids": [lead_ids_of[t] for t in pick(s.lead_texts)],
            "lead_text": pick(s.lead_texts),
            "group": [g or table.groups[k] for g, k in zip(own_groups, alive, strict=True)],
            "support_ids": [support_ids_of.get(t, ()) for t in pick(s.support_texts)],
            "support_text": pick(s.support_texts),
            "product": _text_column(pick(s.col("product"))),
            "deadline": [d.date for d in picked_deadlines],
            "deadline_text": [d.text or None for d in picked_deadlines],
            "deadline_kind": [d.kind for d in picked_deadlines],
            "status_text": pick(s.status_texts),
            "status_class": s.status_classes,
            "completion_date": pick(s.completions),
            "difficult": [difficult_of[d] for d in difficulty],
            "priority": difficulty,
            "causes": _text_column(pick(s.col("issues"))),
            "proposals": _text_column(pick(s.col("proposals"))),
            "notes": _text_column(pick(s.col("notes"))),
            "result": _text_column(pick(s.col("result"))),
            "id_derived": pick(s.derived),
            "sheet": [table.sheet] * len(alive),
            "row": pick(s.rows),
            "source_doc": text("source_doc"),
            "assigned_date": pick(s.assigned_dates),
            "leader": text("leader"),
            "agency_comment": text("agency_comment"),
            "progress": text("progress"),
        }
    )


def held_back_rows(table: RawTable, errors: Sequence[Problem], resolver=None) -> list[HeldBackRow]:
    """The rows the errors name, one each, in sheet order, with the task id each gives (else
    the one derived from its title and lead agency, as a valid row's would be) and its known
    lead agencies: what keeps a held-back row's task in force and shows it to its agencies.
    A row the reader could not read at all (a ragged text row) has neither."""
    by_row: dict[int, list[Problem]] = {}
    for p in errors:
        if p.row is not None:
            by_row.setdefault(p.row, []).append(p)
    if not by_row:
        return []
    position = {r: k for k, r in enumerate(table.row_numbers) if r in by_row}
    cols, mapping = table.columns, table.mapping
    resolver = agency_resolver(resolver)
    out = []
    for row in sorted(by_row):
        task_id, lead_ids = None, ()
        k = position.get(row)
        if k is not None:
            title = _text(cols["task"][k]) if "task" in cols else None
            lead = _text(cols["lead_agency"][k]) if "lead_agency" in cols else None
            if "task_id" in mapping:
                task_id = _task_id(cols["task_id"][k])
            if task_id is None and title and lead:
                task_id = _derived_id(title, lead)
            if lead:
                lead_ids = tuple(a.id for a in resolver.resolve_cell(lead)[0])
        out.append(HeldBackRow(row, tuple(by_row[row]), task_id, lead_ids, table.sheet))
    return out


def agency_resolver(resolver=None) -> AgencyResolver:
    """The resolver to read agency names with: `resolver` itself, or what it returns when it is
    a function (called once the sheet is read, so that loading a store's register overlaps the
    parse: `agency_units.resolver_for_later`); None: the reference lists alone."""
    if resolver is None:
        return default_resolver()
    return resolver if isinstance(resolver, AgencyResolver) else resolver()


def _full_progress(pct: object) -> bool:
    """A progress cell that says 100 %."""
    return (
        isinstance(pct, int | float)
        and pct >= 100
        or (isinstance(pct, str) and pct.strip() in ("100", "100%"))
    )


def _disagreements(
    status_class: str, deadline: dt.date | None, completion: dt.date | None, as_of: dt.date
) -> list[tuple[str, str]]:
    """Where dates and status words disagree (dates win): (English, Vietnamese) per finding."""
    out: list[tuple[str, str]] = []

    def warn(en: str, vi: str) -> None:
        out.append((en, vi))

    done_word = status_class in DONE_CLASSES
    if status_class == "cancelled" and completion is not None:
        warn(
            "the status says cancelled but a completion date is given; counted as cancelled, not as completed.",
            "tình trạng ghi đã hủy nhưng có ngày hoàn thành; tính là đã hủy, không tính là đã hoàn thành.",
        )
    if (
        completion is not None
        and completion <= as_of
        and status_class
        in ("in_progress_on_time", "overdue_not_done", "not_done_unspecified", "at_risk")
    ):
        warn(
            "the status says not completed but a completion date is given; counted as completed.",
            "tình trạng ghi chưa hoàn thành nhưng có ngày hoàn thành; tính là đã hoàn thành.",
        )
    elif completion is not None and completion > as_of and done_word:
        warn(
            "the status says completed but the completion date is after the report date; counted as not completed.",
            "tình trạng ghi đã hoàn thành nhưng ngày hoàn thành sau ngày báo cáo; tính là chưa hoàn thành.",
        )
    if completion is not None and deadline is not None:
        if status_class == "done_on_time" and completion > deadline:
            warn(
                "the status says on time but the completion date is after the deadline; counted as late.",
                "tình trạng ghi đúng hạn nhưng ngày hoàn thành sau thời hạn; tính là quá hạn.",
            )
        elif status_class == "done_late" and completion <= deadline:
            warn(
                "the status says late but the completion date is within the deadline; counted as on time.",
                "tình trạng ghi quá hạn nhưng ngày hoàn thành trong thời hạn; tính là đúng hạn.",
            )
    if completion is None and not done_word and deadline is not None:
        if status_class == "overdue_not_done" and deadline >= as_of:
            warn(
                "the status says overdue but the deadline has not passed; counted as in progress.",
                "tình trạng ghi quá hạn nhưng chưa đến hạn; tính là đang thực hiện trong hạn.",
            )
        elif status_class == "in_progress_on_time" and deadline < as_of:
            warn(
                "the status says in progress within the deadline but the deadline has passed; counted as overdue.",
                "tình trạng ghi đang thực hiện trong hạn nhưng đã quá thời hạn; tính là quá hạn.",
            )
    return out


_warm_started = threading.Event()


def _warm_up() -> None:
    """Load, in a thread, what storing needs and a fresh process lacks: duckdb and pyarrow, the
    pandas check pyarrow makes on its first conversion, the agency tables (0.6 s in all). A
    command-line ingest does it while calamine parses the workbook and the main thread waits."""
    if _warm_started.is_set():
        return
    _warm_started.set()

    def load() -> None:
        try:
            import pyarrow as pa

            from analytics import store  # noqa: F401

            pa.array([""])
            default_resolver()
        except Exception:  # the main thread's own import or call says what went wrong
            pass

    with suppress(RuntimeError):  # no thread to be had: the main thread loads them
        threading.Thread(target=load, name="ingest-warm-up", daemon=True).start()


@contextmanager
def _bulk():
    """Pause the cyclic garbage collector while a file becomes tasks. Reading 100,000 rows makes
    about two million short-lived lists and tuples with no cycles among them; the collector's
    passes over them cost about a tenth of an ingest (benchmarks/ingest.py). Reference counting
    still frees everything; the previous state is restored."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def prepare(
    data: bytes,
    file_name: str,
    *,
    as_of: dt.date,
    source: str | None = None,
    sheet: str | None = None,
    sheets: Sequence[str] | None = None,
    skip_sheets: Sequence[str] | None = None,
    header_row: int | None = None,
    mapping: dict[str, int] | None = None,
    accept_valid_rows: bool = False,
    resolver=None,
) -> Prepared:
    """Read and resolve a file. Raises InputRejected when the file cannot be read at all.

    Sheets: every task sheet of a workbook is read (`reading.read_tables`: the other sheets are
    named in `Prepared.skipped_sheets` with the reason), unless `sheet` or `sheets` name the
    ones to read; `skip_sheets` leaves sheets out. `header_row` and `mapping` are for one sheet.
    The task sheets of one workbook are one snapshot of one source, told from their title
    blocks, document columns and the file name (a sheet whose title names another source is
    warned about); each sheet keeps its own header row and column mapping, its tasks their
    sheet and row, and, when several are read, its problems name it ("Trang 'X', dòng 12: …").
    A task id is unique across the sheets (`resolve_rows`' `taken`).

    `accept_valid_rows`: a row error holds that row back instead of rejecting the file
    (`Prepared.accepting_valid_rows`); without it, all or nothing."""
    wanted = ([sheet] if sheet is not None else []) + list(sheets or ())
    with _bulk():
        found = read_tables(
            data,
            file_name,
            sheets=wanted or None,
            skip_sheets=skip_sheets,
            header_row=header_row,
            mapping=mapping,
        )
        tables = found.tables
        table = tables[0]
        chosen = nfc(source) if source else detect_source(tables, file_name)
        resolver = agency_resolver(resolver)
        if len(tables) == 1:
            tasks, agencies, errors, warns = resolve_rows(table, as_of, resolver)
            held = held_back_rows(table, errors, resolver) if errors else []  # each names its row
        else:
            tasks, agencies, errors, warns, held = _resolve_sheets(tables, as_of, resolver)
            if not source and chosen:
                warns.extend(_other_sources(tables, chosen))
    if not chosen:
        chosen = Path(file_name).stem
        warns.append(
            warning(
                "source_from_name",
                f"The file does not say which task list it belongs to; recorded as '{chosen}'.",
                f"Tệp không ghi rõ thuộc danh mục nhiệm vụ nào; ghi nhận là '{chosen}'.",
            )
        )
    if not tasks and not errors:
        errors.append(
            error(
                "no_tasks",
                f"No task rows found below the header on row {table.header_row}.",
                f"Không tìm thấy dòng nhiệm vụ nào dưới dòng tiêu đề {table.header_row}.",
                row=table.header_row,
            )
        )
    prepared = Prepared(
        table,
        chosen,
        as_of,
        tasks,
        agencies,
        errors,
        warns,
        held,
        tables=tables,
        skipped_sheets=found.skipped,
    )
    return prepared.accepting_valid_rows() if accept_valid_rows else prepared


def _outside_update(prepared: Prepared, update_agencies: list[str]) -> list[Problem]:
    """`agency_update.outside_problems` of the file, sheet by sheet when several were read
    (each row named with its sheet, under its own sheet's lead agency header)."""
    tables = prepared.tables
    if len(tables) <= 1:
        lead_header = _header(prepared.table, "lead_agency")
        return outside_problems(prepared.tasks, update_agencies, lead_header)
    cols = prepared.tasks.columns
    out: list[Problem] = []
    for table in tables:
        keep = [k for k, name in enumerate(cols["sheet"]) if name == table.sheet]
        part = TaskBatch({f: [cols[f][k] for k in keep] for f in TASK_FIELDS})
        found = outside_problems(part, update_agencies, _header(table, "lead_agency"))
        out.extend(p.on_sheet(table.sheet) for p in found)
    return out


def _resolve_sheets(
    tables: Sequence[RawTable], as_of: dt.date, resolver
) -> tuple[TaskBatch, list[Agency], list[Problem], list[Problem], list[HeldBackRow]]:
    """`resolve_rows` over a workbook's task sheets in order, as one file: one batch of tasks,
    every problem naming its sheet (`Problem.on_sheet`), sheet after sheet, the held-back rows
    of each sheet, and no task id given on two sheets."""
    batches: list[TaskBatch] = []
    agencies: dict[str, Agency] = {}
    errors: list[Problem] = []
    warns: list[Problem] = []
    held: list[HeldBackRow] = []
    taken: dict[str, tuple[str | None, int]] = {}
    for table in tables:
        batch, found, errs, wns = resolve_rows(table, as_of, resolver, taken)
        errs = [p.on_sheet(table.sheet) for p in errs]
        if errs:
            held.extend(held_back_rows(table, errs, resolver))
        cols = batch.columns
        for task_id, row in zip(cols["task_id"], cols["row"], strict=True):
            taken.setdefault(task_id, (table.sheet, row))
        for a in found:
            agencies.setdefault(a.id, a)
        batches.append(batch)
        errors.extend(errs)
        warns.extend(p.on_sheet(table.sheet) for p in wns)
    merged = TaskBatch({f: [v for b in batches for v in b.columns[f]] for f in TASK_FIELDS})
    return merged, list(agencies.values()), errors, warns, held


def _other_sources(tables: Sequence[RawTable], chosen: str) -> list[Problem]:
    """A warning for each sheet whose own title block or document column names another source
    than the one the workbook's sheets are stored under."""
    out = []
    for table in tables:
        own = detect_source(table, "")
        if own is None or own == chosen:
            continue
        out.append(
            warning(
                "sheet_other_source",
                f"Sheet '{table.sheet}' says it belongs to '{own}', but the workbook's task "
                f"sheets are stored as one snapshot of '{chosen}'. If the sheet belongs to the "
                "other task list, leave it out here and upload it on its own with that source.",
                f"Trang '{table.sheet}' ghi thuộc '{own}', nhưng các trang nhiệm vụ của sổ tính "
                f"được ghi nhận chung là một bản số liệu của '{chosen}'. Nếu trang đó thuộc danh "
                "mục kia, hãy bỏ trang đó ra ở đây rồi tải lên riêng với nguồn đó.",
                value=own,
                sheet=table.sheet,
            )
        )
    return out


def ingest(
    db,
    data: bytes,
    file_name: str,
    *,
    as_of: dt.date,
    source: str | None = None,
    sheet: str | None = None,
    sheets: Sequence[str] | None = None,
    skip_sheets: Sequence[str] | None = None,
    header_row: int | None = None,
    mapping: dict[str, int] | None = None,
    user: str | None = None,
    update_agencies: list[str] | None = None,
    accept_valid_rows: bool = False,
    resolver=None,
    _crash_after_stage: bool = False,
) -> tuple[store.CommitResult, Prepared]:
    """Read, validate and store one file as one snapshot; InputRejected stores nothing.

    Sheets as `prepare` reads them: every task sheet of a workbook, one snapshot (the snapshot
    records the sheets read: `store.sheet_names`).
    `accept_valid_rows`: rows with errors are held back and recorded with the snapshot (the
    tasks they name keep their previous version), the valid rows are stored."""
    _warm_up()  # in a thread, while the workbook is parsed
    if resolver is None:  # the store's own units and names too, loaded meanwhile
        from analytics.agency_units import resolver_for_later

        resolver = resolver_for_later(db)
    prepared = prepare(
        data,
        file_name,
        as_of=as_of,
        source=source,
        sheet=sheet,
        sheets=sheets,
        skip_sheets=skip_sheets,
        header_row=header_row,
        mapping=mapping,
        accept_valid_rows=accept_valid_rows,
        resolver=resolver,
    )
    if prepared.errors:
        raise InputRejected(prepared.errors, prepared.warnings)
    if update_agencies:  # the upload page's rule (uploads.check_permission): one rule, one place
        outside = _outside_update(prepared, update_agencies)
        if outside:
            raise InputRejected(outside, prepared.warnings)
    from analytics import store  # loaded by _warm_up meanwhile

    with _bulk():
        result = store.commit_snapshot(
            db,
            source=prepared.source,
            as_of=as_of,
            tasks=prepared.tasks,
            agencies=prepared.agencies,
            file_bytes=data,
            file_name=Path(file_name).name,
            sheet=prepared.sheet_names or None,
            header_row=prepared.table.header_row,
            user=user,
            warnings=prepared.warnings,
            update_agencies=update_agencies,
            held_back=prepared.held_back,
            _crash_after_stage=_crash_after_stage,
        )
    return result, prepared
