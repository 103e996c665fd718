"""A file read and resolved, not yet stored (`Prepared`): which sheets, which source, the
tasks of every task sheet as one list, the rows held back."""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from analytics.agencies import Agency
from analytics.ingest.resolution import agency_resolver, held_back_rows, resolve_rows
from analytics.model import TASK_FIELDS, Task, TaskBatch
from analytics.problems import HeldBackRow, Problem, error, warning
from analytics.reading import RawTable, SkippedSheet, read_tables
from analytics.text import fold, nfc

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
