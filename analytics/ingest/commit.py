"""Read, validate and store one file as one snapshot (`ingest`): what the command line and the
bootstrap call; the upload page previews first (analytics.uploads) and commits the same way."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.agencies import default_resolver
from analytics.agency_update import outside_problems
from analytics.ingest.cells import _header
from analytics.ingest.planning import Prepared, _bulk, prepare
from analytics.model import TASK_FIELDS, TaskBatch
from analytics.problems import InputRejected, Problem

if TYPE_CHECKING:
    import datetime as dt

    from analytics import store


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


def _outside_update(
    prepared: Prepared, update_agencies: list[str], may_widen: bool = True
) -> list[Problem]:
    """`agency_update.outside_problems` of the file, sheet by sheet when several were read
    (each row named with its sheet, under its own sheet's lead agency header)."""
    tables = prepared.tables
    if len(tables) <= 1:
        lead_header = _header(prepared.table, "lead_agency")
        return outside_problems(prepared.tasks, update_agencies, lead_header, may_widen)
    cols = prepared.tasks.columns
    out: list[Problem] = []
    for table in tables:
        keep = [k for k, name in enumerate(cols["sheet"]) if name == table.sheet]
        part = TaskBatch({f: [cols[f][k] for k in keep] for f in TASK_FIELDS})
        found = outside_problems(part, update_agencies, _header(table, "lead_agency"), may_widen)
        out.extend(p.on_sheet(table.sheet) for p in found)
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
    may_widen: bool = True,
) -> tuple[store.CommitResult, Prepared]:
    """Read, validate and store one file as one snapshot; InputRejected stores nothing.

    Sheets as `prepare` reads them: every task sheet of a workbook, one snapshot (the snapshot
    records the sheets read: `store.sheet_names`).
    `accept_valid_rows`: rows with errors are held back and recorded with the snapshot (the
    tasks they name keep their previous version), the valid rows are stored.
    `may_widen`: whether the sender may add agencies to `update_agencies` (not an agency's own
    editor), for the advice of a refusal of rows outside the update."""
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
        outside = _outside_update(prepared, update_agencies, may_widen)
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
        )
    return result, prepared
