"""Rows of a sheet become canonical tasks: the checks run column by column (`checks`), the rows
that pass every one become a TaskBatch, the rows with errors are described for holding back."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Sequence

from analytics.agencies import Agency, AgencyResolver, default_resolver
from analytics.ingest.cells import _derived_id, _task_id, _text, _text_column
from analytics.ingest.checks import (
    _check_agencies,
    _check_assigned_dates,
    _check_dates,
    _check_required_fields,
    _check_status,
    _check_task_ids,
    _drop_rows,
    _Rows,
)
from analytics.model import REPORT_COLUMN_FIELDS, TaskBatch
from analytics.problems import HeldBackRow, Problem, warning
from analytics.reading import RawTable
from analytics.statuses import is_difficult


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
            "report": _reports(
                {f: text(f) for f in REPORT_COLUMN_FIELDS if f in table.columns}, len(alive)
            ),
        }
    )


def _reports(columns: dict[str, list], n: int) -> list:
    """Each row's report columns as written (field -> text, the empty ones left out); None for
    a row without any, and for every row of a sheet without report columns."""
    if not columns:
        return [None] * n
    rows = zip(*columns.values(), strict=True)
    return [
        {f: v for f, v in zip(columns, row, strict=True) if v is not None} or None for row in rows
    ]


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
