"""What crosses the pipe between the dashboard and its reader child (analytics.sandbox): a
Prepared, its tables, tasks and problems as JSON documents and back (never a pickle: the child
reads hostile files, so the parent decodes only plain data, checked field by field)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from analytics.problems import HeldBackRow, Problem


def problem_doc(p: Problem) -> dict:
    return p.to_dict()


def problem_from(doc: dict) -> Problem:
    doc = dict(doc)
    doc["suggestions"] = tuple(doc.get("suggestions") or ())
    return Problem(**doc)


def _task_fields() -> list[str]:
    from analytics.model import Task

    return [f.name for f in dataclasses.fields(Task) if f.name != "extra"]


_DATE_FIELDS = ("deadline", "completion_date", "assigned_date")
_TUPLE_FIELDS = ("lead_ids", "support_ids")


def encode_tasks(tasks) -> dict:
    names = _task_fields()
    rows = []
    for t in tasks:
        row = []
        for n in names:
            v = getattr(t, n)
            if n in _DATE_FIELDS and v is not None:
                v = v.isoformat()
            elif n in _TUPLE_FIELDS:
                v = list(v)
            row.append(v)
        rows.append(row)
    return {"fields": names, "rows": rows}


def decode_tasks(doc: dict) -> list:
    from analytics.model import Task

    names = doc["fields"]
    known = set(_task_fields())
    if not set(names) <= known:
        raise ValueError("unexpected task fields from the reader")
    di = [i for i, n in enumerate(names) if n in _DATE_FIELDS]
    ti = [i for i, n in enumerate(names) if n in _TUPLE_FIELDS]
    ri = names.index("report") if "report" in names else None
    fromiso = dt.date.fromisoformat
    out = []
    for row in doc["rows"]:
        for i in di:
            if row[i] is not None:
                row[i] = fromiso(row[i])
        for i in ti:
            row[i] = tuple(row[i] or ())
        if ri is not None:
            row[ri] = _report_from(row[ri])
        out.append(Task(**dict(zip(names, row, strict=True))))
    return out


def _report_from(value) -> dict | None:
    """A task's report columns from the reader: report fields to texts, nothing else."""
    from analytics.model import REPORT_COLUMN_FIELDS

    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        k in REPORT_COLUMN_FIELDS and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError("unexpected report columns from the reader")
    return dict(value)


def encode_table(t) -> dict:
    return {
        "file_name": t.file_name,
        "file_format": t.file_format,
        "sheet": t.sheet,
        "sheets": list(t.sheets),
        "header_row": t.header_row,
        "headers": list(t.headers),
        "mapping": dict(t.mapping),
        "epoch_1904": bool(t.epoch_1904),
        "encoding": t.encoding,
        "delimiter": t.delimiter,
        "n_rows": t.n_rows,
    }


def decode_table(t: dict):
    from analytics.reading import RawTable

    return RawTable(
        file_name=t["file_name"],
        file_format=t["file_format"],
        sheet=t["sheet"],
        sheets=list(t["sheets"]),
        header_row=int(t["header_row"]),
        headers=[str(h) for h in t["headers"]],
        mapping={str(k): int(v) for k, v in t["mapping"].items()},
        row_numbers=[],  # the rows stay in the child; the tasks below are what they became
        groups=[],
        columns={},
        warnings=[],
        epoch_1904=bool(t["epoch_1904"]),
        encoding=t["encoding"],
        delimiter=t["delimiter"],
    )


def encode_prepared(p) -> dict:
    return {
        "table": encode_table(p.table),
        "tables": [encode_table(t) for t in p.tables],
        "skipped_sheets": [s.to_dict() for s in p.skipped_sheets],
        "source": p.source,
        "as_of": p.as_of.isoformat(),
        "tasks": encode_tasks(p.tasks),
        "agencies": [[a.id, a.name_vi, a.name_en, a.type, a.parent_id] for a in p.agencies],
        "errors": [problem_doc(x) for x in p.errors],
        "warnings": [problem_doc(x) for x in p.warnings],
        "held_back": [
            {
                "row": h.row,
                "problems": [problem_doc(x) for x in h.problems],
                "task_id": h.task_id,
                "lead_ids": list(h.lead_ids),
                "sheet": h.sheet,
            }
            for h in p.held_back
        ],
        "accepted": bool(p.accepted),
    }


def decode_prepared(doc: dict):
    from analytics.agencies import Agency
    from analytics.ingest import Prepared
    from analytics.reading import SkippedSheet

    table = decode_table(doc["table"])
    tables = [decode_table(t) for t in doc.get("tables") or ()]
    if tables:
        tables[0] = table  # the same table, as in the child
    skipped = [
        SkippedSheet(str(s["name"]), str(s["code"]), str(s["reason"]), str(s["reason_vi"]))
        for s in doc.get("skipped_sheets") or ()
    ]
    return Prepared(
        table=table,
        source=str(doc["source"]),
        as_of=dt.date.fromisoformat(doc["as_of"]),
        tasks=decode_tasks(doc["tasks"]),
        agencies=[Agency(*a) for a in doc["agencies"]],
        errors=[problem_from(x) for x in doc["errors"]],
        warnings=[problem_from(x) for x in doc["warnings"]],
        held_back=[
            HeldBackRow(
                row=int(h["row"]),
                problems=tuple(problem_from(x) for x in h["problems"]),
                task_id=None if h["task_id"] is None else str(h["task_id"]),
                lead_ids=tuple(map(str, h["lead_ids"])),
                sheet=h["sheet"],
            )
            for h in doc.get("held_back", ())
        ],
        accepted=bool(doc.get("accepted")),
        tables=tables,
        skipped_sheets=skipped,
    )
