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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.agencies import Agency, default_resolver
from analytics.agency_update import outside_problems
from analytics.deadlines import DateError, format_date, parse_date, parse_deadline
from analytics.model import DONE_CLASSES, Task, TaskBatch
from analytics.problems import InputRejected, Problem, error, warning
from analytics.reading import RawTable, read_table
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

    @property
    def ok(self) -> bool:
        return not self.errors


def detect_source(table: RawTable | None, file_name: str) -> str | None:
    """The source a file belongs to, from its title block, document column or name."""
    texts = []
    if table is not None:
        texts.extend(getattr(table, "title_lines", []) or [])
        # the first rows' document column (read from the columns: no row objects are built)
        texts.extend(str(doc) for doc in table.columns.get("source_doc", [])[:50] if doc)
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


def resolve_rows(
    table: RawTable, as_of: dt.date
) -> tuple[TaskBatch, list[Agency], list[Problem], list[Problem]]:
    """Canonical tasks from a raw table, with the errors and warnings found on the way.

    Column by column: every lookup (agency cell, deadline, completion date, status words) runs
    once per distinct value, and only the rows that pass every check become tasks. A row's
    problems come out in the order its checks run, rows in sheet order."""
    resolver = default_resolver()
    errors: list[Problem] = [p for p in table.warnings if p.level == "error"]
    warns: list[Problem] = [p for p in table.warnings if p.level != "error"]
    row_errors: list[tuple[int, int, Problem]] = []  # (position, check, problem)
    row_warns: list[tuple[int, int, int, Problem]] = []  # (position, check, k, problem)
    n = table.n_rows
    rows = table.row_numbers
    cols = table.columns
    blank = [None] * n

    def col(name: str) -> list:
        return cols.get(name, blank)

    has_id_column = "task_id" in table.mapping
    h_task, h_lead = _header(table, "task"), _header(table, "lead_agency")
    h_deadline, h_done = _header(table, "deadline"), _header(table, "completion_date")
    h_id = _header(table, "task_id")
    h_status = _header(table, "status")
    if not has_id_column:
        warns.append(
            warning(
                "derived_ids",
                "The file has no task id column; ids were derived from task title and lead agency.",
                "Tệp không có cột mã nhiệm vụ; mã được tạo từ nội dung nhiệm vụ và cơ quan chủ trì.",
            )
        )

    # 1. title and lead agency are required
    titles = _text_column(col("task"))
    lead_texts = _text_column(col("lead_agency"))
    alive = [k for k, (t, lt) in enumerate(zip(titles, lead_texts, strict=True)) if t and lt]
    for k in range(n) if len(alive) < n else ():
        if titles[k] and lead_texts[k]:
            continue
        row = rows[k]
        if not titles[k]:
            code, column, en, vi = "missing_title", h_task, "the task title", "nội dung nhiệm vụ"
        else:
            code, column, en, vi = "missing_lead", h_lead, "the lead agency", "cơ quan chủ trì"
        row_errors.append(
            (
                k,
                0,
                error(
                    code,
                    f"Row {row}: {en} ({column}) is empty.",
                    f"Dòng {row}: {vi} ({column}) để trống.",
                    row=row,
                    column=column,
                    value="",
                ),
            )
        )

    # 2. agencies, once per distinct cell
    support_texts = _text_column(col("support_agencies"))
    lead_of = {t: resolver.resolve_cell(t) for t in {lead_texts[k] for k in alive}}
    support_of = {t: resolver.resolve_cell(t)[0] for t in {support_texts[k] for k in alive} if t}
    agencies: dict[str, Agency] = {}
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
    if hints:
        for k in alive:
            for j, name in enumerate(lead_of[lead_texts[k]][1]):
                row, sugg = rows[k], hints[name]
                hint = f" Did you mean: {', '.join(sugg)}?" if sugg else ""
                hint_vi = f" Có phải: {', '.join(sugg)}?" if sugg else ""
                row_warns.append(
                    (
                        k,
                        1,
                        j,
                        warning(
                            "unknown_agency",
                            f"Row {row}: unknown agency '{name}' kept as written.{hint}",
                            f"Dòng {row}: không nhận ra cơ quan '{name}', giữ nguyên như đã ghi.{hint_vi}",
                            row=row,
                            column=h_lead,
                            value=name,
                            suggestions=sugg,
                        ),
                    )
                )

    # 3. task ids, in sheet order (a duplicate names both rows)
    raw_ids = _id_column(col("task_id")) if has_id_column else blank
    task_ids: list[str | None] = [None] * n
    derived = [False] * n
    seen_ids: dict[str, int] = {}
    passed: list[int] = []
    given = [raw_ids[k] for k in alive]
    if has_id_column and None not in given and len(set(given)) == len(given):
        for k, task_id in zip(alive, given, strict=True):  # every id given, none twice
            task_ids[k] = task_id
        given, passed = [], alive
    for k in alive if given else ():
        row = rows[k]
        task_id = raw_ids[k]
        if not task_id:
            if has_id_column:
                row_warns.append(
                    (
                        k,
                        2,
                        0,
                        warning(
                            "missing_task_id",
                            f"Row {row}: no task id ({h_id}); one was derived from the title.",
                            f"Dòng {row}: thiếu mã nhiệm vụ ({h_id}); mã được tạo từ nội dung.",
                            row=row,
                            column=h_id,
                            value="",
                        ),
                    )
                )
            task_id = _derived_id(titles[k], lead_texts[k])
            derived[k] = True
            base, m = task_id, 2
            while task_id in seen_ids:
                task_id = f"{base}-{m}"
                m += 1
        elif task_id in seen_ids:
            first = seen_ids[task_id]
            row_errors.append(
                (
                    k,
                    3,
                    error(
                        "duplicate_task_id",
                        f"Task id '{task_id}' appears on rows {first} and {row}.",
                        f"Mã nhiệm vụ '{task_id}' bị trùng ở dòng {first} và dòng {row}.",
                        row=row,
                        column=h_id,
                        value=task_id,
                    ),
                )
            )
            continue
        seen_ids[task_id] = row
        task_ids[k] = task_id
        passed.append(k)
    alive = passed

    # 4. deadlines and completion dates, once per distinct cell
    epoch = table.epoch_1904

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

    deadline_cells, done_cells = col("deadline"), col("completion_date")
    raw_deadlines = [deadline_cells[k] for k in alive]
    raw_done = [done_cells[k] for k in alive]
    distinct_deadlines: list = []
    distinct_done: list = []
    parsed_deadlines = _per_distinct(raw_deadlines, deadline_of, distinct_deadlines)
    parsed_done = _per_distinct(raw_done, completion_of, distinct_done)
    deadlines: list = [None] * n
    completions: list = [None] * n
    passed = []
    clean = not any(
        isinstance(d, DateError) or d.kind == "free_text" for d in distinct_deadlines
    ) and not any(isinstance(c, DateError) for c in distinct_done)
    checked = zip(alive, raw_deadlines, parsed_deadlines, raw_done, parsed_done, strict=True)
    if clean:  # nothing to say about any row: take the parsed values as they are
        for k, _rd, deadline, _rc, completion in checked:
            deadlines[k] = deadline
            completions[k] = completion
        passed = alive
    for k, raw_deadline, deadline, raw_completion, completion in () if clean else checked:
        row = rows[k]
        if isinstance(deadline, DateError):
            row_errors.append(
                (
                    k,
                    4,
                    error(
                        "bad_deadline",
                        f"Row {row}: {deadline}",
                        f"Dòng {row}: {getattr(deadline, 'message_vi', None) or deadline}",
                        row=row,
                        column=h_deadline,
                        value=_text(raw_deadline),
                    ),
                )
            )
            continue
        if deadline.kind == "free_text":
            row_warns.append(
                (
                    k,
                    5,
                    0,
                    warning(
                        "free_text_deadline",
                        f"Row {row}: deadline '{deadline.text}' is not a date or period; the task has no deadline.",
                        f"Dòng {row}: thời hạn '{deadline.text}' không phải ngày hoặc kỳ; coi như không có thời hạn.",
                        row=row,
                        column=h_deadline,
                        value=deadline.text,
                    ),
                )
            )
        if isinstance(completion, DateError):
            shown = _text(raw_completion)
            row_errors.append(
                (
                    k,
                    6,
                    error(
                        "bad_completion_date",
                        f"Row {row}: the completion date '{shown}' is not a valid date.",
                        f"Dòng {row}: ngày hoàn thành '{shown}' không phải ngày hợp lệ.",
                        row=row,
                        column=h_done,
                        value=shown,
                    ),
                )
            )
            continue
        deadlines[k] = deadline
        completions[k] = completion
        passed.append(k)
    alive = passed

    # 5. status words (a 100 % progress cell completes an unknown status), and where dates and
    # words disagree
    status_texts = _text_column(col("status"))
    class_of = {t: classify_status(t) for t in {status_texts[k] for k in alive}}
    pcts = col("progress_pct")
    status_classes = [class_of[status_texts[k]] for k in alive]  # aligned with alive from here
    if "unknown" in class_of.values():
        for j, k in enumerate(alive):
            if status_classes[j] == "unknown" and _full_progress(pcts[k]):
                status_classes[j] = "done_unspecified"
    keys = [
        (cls, deadlines[k].date, completions[k])
        for cls, k in zip(status_classes, alive, strict=True)
    ]
    said = {key: _disagreements(*key, as_of) for key in set(keys)}
    for k, key in zip(alive, keys, strict=True) if any(said.values()) else ():
        for j, (en, vi) in enumerate(said[key]):
            row = rows[k]
            row_warns.append(
                (
                    k,
                    7,
                    j,
                    warning(
                        "dates_vs_words",
                        f"Row {row}: {en}",
                        f"Dòng {row}: {vi}",
                        row=row,
                        column=h_status,
                        value=status_texts[k],
                    ),
                )
            )

    row_errors.sort(key=lambda e: (e[0], e[1]))
    errors.extend(p for *_key, p in row_errors)
    row_warns.sort(key=lambda w: (w[0], w[1], w[2]))
    warns.extend(p for *_key, p in row_warns)

    # 6. the tasks: every row that passed, as columns
    take = operator.itemgetter(*alive) if len(alive) > 1 else None

    def pick(values: list) -> list:
        if take is None:
            return [values[k] for k in alive]
        return list(take(values))

    difficulty = _text_column(pick(col("difficulty")))
    difficult_of = {d: is_difficult(d) for d in set(difficulty)}
    own_groups = _text_column(pick(col("group")))
    lead_ids_of = {t: tuple(a.id for a in r[0]) for t, r in lead_of.items()}
    support_ids_of = {t: tuple(a.id for a in r) for t, r in support_of.items()}
    picked_deadlines = pick(deadlines)
    batch = TaskBatch(
        {
            "task_id": pick(task_ids),
            "title": pick(titles),
            "lead_ids": [lead_ids_of[t] for t in pick(lead_texts)],
            "lead_text": pick(lead_texts),
            "group": [g or table.groups[k] for g, k in zip(own_groups, alive, strict=True)],
            "support_ids": [support_ids_of.get(t, ()) for t in pick(support_texts)],
            "support_text": pick(support_texts),
            "product": _text_column(pick(col("product"))),
            "deadline": [d.date for d in picked_deadlines],
            "deadline_text": [d.text or None for d in picked_deadlines],
            "deadline_kind": [d.kind for d in picked_deadlines],
            "status_text": pick(status_texts),
            "status_class": status_classes,
            "completion_date": pick(completions),
            "difficult": [difficult_of[d] for d in difficulty],
            "priority": difficulty,
            "causes": _text_column(pick(col("issues"))),
            "proposals": _text_column(pick(col("proposals"))),
            "notes": _text_column(pick(col("notes"))),
            "result": _text_column(pick(col("result"))),
            "id_derived": pick(derived),
            "sheet": [table.sheet] * len(alive),
            "row": pick(rows),
        }
    )
    return batch, list(agencies.values()), errors, warns


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
    header_row: int | None = None,
    mapping: dict[str, int] | None = None,
) -> Prepared:
    """Read and resolve a file. Raises InputRejected when the file cannot be read at all."""
    with _bulk():
        table = read_table(data, file_name, sheet=sheet, header_row=header_row, mapping=mapping)
        chosen = nfc(source) if source else detect_source(table, file_name)
        tasks, agencies, errors, warns = resolve_rows(table, as_of)
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
    return Prepared(table, chosen, as_of, tasks, agencies, errors, warns)


def ingest(
    db,
    data: bytes,
    file_name: str,
    *,
    as_of: dt.date,
    source: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: dict[str, int] | None = None,
    user: str | None = None,
    update_agencies: list[str] | None = None,
    _crash_after_stage: bool = False,
) -> tuple[store.CommitResult, Prepared]:
    """Read, validate and store one file as one snapshot; InputRejected stores nothing."""
    _warm_up()  # in a thread, while the workbook is parsed
    prepared = prepare(
        data,
        file_name,
        as_of=as_of,
        source=source,
        sheet=sheet,
        header_row=header_row,
        mapping=mapping,
    )
    if prepared.errors:
        raise InputRejected(prepared.errors, prepared.warnings)
    if update_agencies:  # the upload page's rule (uploads.check_permission): one rule, one place
        outside = outside_problems(
            prepared.tasks, update_agencies, _header(prepared.table, "lead_agency")
        )
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
            sheet=prepared.table.sheet,
            header_row=prepared.table.header_row,
            user=user,
            warnings=prepared.warnings,
            update_agencies=update_agencies,
            _crash_after_stage=_crash_after_stage,
        )
    return result, prepared
