"""The checks `resolution.resolve_rows` runs on every row of a sheet (`Check`, in the order they
run; a row leaves at its first error), over the columns they share (`_Rows`): each lookup once
per distinct value, each problem naming its row, column and value."""

from __future__ import annotations

import datetime as dt
from enum import IntEnum, auto

from analytics.deadlines import DateError, parse_date, parse_deadline
from analytics.ingest.cells import (
    _derived_id,
    _header,
    _id_column,
    _per_distinct,
    _text,
    _text_column,
)
from analytics.model import DONE_CLASSES
from analytics.problems import Problem, error, warning
from analytics.reading import RawTable
from analytics.statuses import classify_status


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
