"""The upload page's decisions, without Streamlit: pure functions over plain values.

What the page (pages/upload.py, ui/upload/) asks the user is drawn there; what follows from the
answers is decided here: the reading asked for after a correction of the mapping or a choice of
sheets, the task list a file goes under, the judged preview's key and columns, when the confirm
button is blocked, what the audit log records. The reading itself, the checks and the commit are
in analytics.uploads and analytics.sandbox.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence

import pandas as pd

from analytics.model import FIELDS, REQUIRED_FIELDS
from analytics.text import fold, nfc

# the choices of a reading (the page's `params`): sheet, sheets, skip_sheets, header_row, mapping
READ_CHOICES = ("sheet", "sheets", "skip_sheets", "header_row", "mapping")
NEW_SOURCE = "__new__"  # "Danh mục mới…": a task list not kept yet, named by the user
# the mapping form: the required fields first, then the others in their order
FORM_FIELDS = (*REQUIRED_FIELDS, *[f for f in FIELDS if f not in REQUIRED_FIELDS])
PREVIEW_COLUMNS = (
    "task_id",
    "title",
    "lead",
    "status_label",
    "deadline",
    "deadline_text",
    "completion_date",
    "status_text",
)
CHANGE_COLUMNS = ("task_id", "title", "lead", "status_label", "deadline")


# --------------------------------------------------------------------------- the reading


def read_key(sha: str, source: str | None, as_of: dt.date, params: Mapping) -> str:
    """One reading of one file: the same key, the same result (the page reads again otherwise)."""
    return json.dumps([sha, source, as_of.isoformat(), params], sort_keys=True, default=str)


def is_automatic(params: Mapping) -> bool:
    """Nothing chosen: the file is read as found."""
    return not any(params.get(k) for k in READ_CHOICES)


def column_options(result, header_row: int) -> list[str]:
    """The header text of every column of the sheet under `header_row` ("" when none)."""
    p = result.prepared
    if p is not None and p.table.header_row == header_row:
        headers = list(p.table.headers)
    elif result.head and 1 <= header_row <= len(result.head.rows):
        headers = list(result.head.rows[header_row - 1])
    else:
        headers = []
    width = max(len(headers), result.head.width if result.head else 0)
    return [(headers[i] if i < len(headers) else "") for i in range(width)]


def guess_header_row(result) -> int:
    """The header row the reading found, else the row of its first error, else 1."""
    if result.prepared is not None:
        return result.prepared.table.header_row
    for e in result.errors:
        if e.row:
            return int(e.row)
    return 1


def form_header_row(params: Mapping, result, n_rows: int) -> int:
    """The header row the correction form starts from (chosen before, else guessed)."""
    header_row = int(params.get("header_row") or guess_header_row(result))
    return min(max(header_row, 1), max(n_rows, header_row))


def row_preview(rows: Sequence[Sequence[str]], r: int, width: int = 80) -> str:
    """Row `r` (1-based) as the header-row picker shows it: its number and its first texts."""
    texts = [x for x in (rows[r - 1] if r - 1 < len(rows) else []) if x]
    preview = " | ".join(texts)[:width]
    return f"{r}: {preview}" if preview else str(r)


def mapping_order(mapping: Mapping[str, int]) -> list[tuple[str, int]]:
    """A table's mapping (field -> column) in the order of the fields."""
    return sorted(mapping.items(), key=lambda fc: FIELDS.index(fc[0]) if fc[0] in FIELDS else 99)


def mapping_overrides(
    previous: Mapping[str, int], picked: Mapping[str, int | None], effective: Mapping[str, int]
) -> dict[str, int]:
    """The columns chosen by hand: `previous` with every field the user changed from what was
    read (`effective`) set to its column, or left to the reader when set to "automatic" (< 0)."""
    overrides = dict(previous)
    for f, c in picked.items():
        if c != effective.get(f, -1):
            if c is None or c < 0:
                overrides.pop(f, None)
            else:
                overrides[f] = int(c)
    return overrides


def corrected_params(
    params: Mapping,
    *,
    overrides: Mapping[str, int],
    chosen_row: int,
    header_row: int,
    sheet: str | None,
    head_sheet: str | None,
    read_header_row: int | None,
    n_tables: int,
) -> dict | None:
    """The reading asked for by the correction form, None when nothing changed.

    `params`: the choices of the reading shown; `overrides`: mapping_overrides(); `chosen_row`
    and `sheet`: the form's header row and sheet (None: the file has one sheet); `header_row`:
    the row the form started from; `head_sheet`: the sheet shown; `read_header_row`: the header
    row of the reading (None: the file was not read); `n_tables`: the task sheets read."""
    chosen_row = int(chosen_row)
    if sheet is not None and sheet != head_sheet:
        # another sheet: its header row and columns are found afresh unless chosen too
        new: dict = {"sheet": sheet}
        if chosen_row != header_row:
            new["header_row"] = chosen_row
        return new
    new = {"header_row": chosen_row}
    if params.get("sheet"):
        new["sheet"] = params["sheet"]
    elif read_header_row is not None and n_tables > 1:  # several sheets read: this one corrected
        if chosen_row == read_header_row and not overrides:
            return None  # nothing changed: every task sheet stays read
        new["sheet"] = head_sheet
    if overrides:
        new["mapping"] = dict(overrides)
    if (
        read_header_row is not None
        and new.get("header_row") == read_header_row
        and "sheet" not in new
        and not overrides
    ):
        new.pop("header_row")
    return new


def remembered_params(layout) -> dict:
    """The reading of a remembered layout (analytics.layouts.Layout)."""
    return {
        "sheet": layout.sheet,
        "header_row": layout.header_row,
        "mapping": dict(layout.mapping),
    }


def layout_applied(prepared, layout) -> bool:
    """The reading shown is the remembered layout's."""
    return (
        prepared is not None
        and prepared.table.header_row == layout.header_row
        and dict(prepared.table.mapping) == layout.mapping
    )


# --------------------------------------------------------------------------- the sheets


def sheet_options(
    names: Sequence[str],
    read: Iterable[str],
    auto: Iterable[str],
    known: Iterable[str],
    hidden: Iterable[str],
) -> list[str]:
    """The task sheets one may choose, in the workbook's order: those read now, those read
    automatically, those offered before (`known`) and the hidden ones."""
    seen = set(known) | set(read) | set(auto) | set(hidden)
    return [n for n in names if n in seen]


def params_for_sheets(picked: Iterable[str], auto: Sequence[str], options: Sequence[str]) -> dict:
    """The reading of the sheets `picked`: the automatic one less some sheets, or the sheets
    named (when one is not read automatically)."""
    picked = list(picked)
    if set(picked) <= set(auto):
        left = [n for n in auto if n not in picked]
        return {"skip_sheets": left} if left else {}
    return {"sheets": [n for n in options if n in picked]}


# --------------------------------------------------------------------------- the task list


def detected_source(prepared) -> str | None:
    """The task list the file names, None when it names none (the reader then used its name)."""
    undetected = any(w.code == "source_from_name" for w in prepared.warnings)
    return None if undetected else prepared.source


def source_options(known: Sequence[str], detected: str | None) -> list[str]:
    """The task lists offered: the one the file names first when it is new, then the known
    ones, then NEW_SOURCE."""
    options = list(known)
    if detected and detected not in options:
        options.insert(0, detected)
    options.append(NEW_SOURCE)
    return options


def named_source(typed: object, options: Sequence[str]) -> str | None:
    """A task list typed by the user: an existing one spelt differently is that one; None for
    nothing typed."""
    name = " ".join(str(typed or "").split())
    if not name:
        return None
    same = [x for x in options if x != NEW_SOURCE and fold(x) == fold(name)]
    return same[0] if same else nfc(name)


def with_task_list(prepared, source: str | None):
    """The file as the page stores it: under the task list chosen (`source`; None: not yet),
    without the reader's "recorded under the file's name" warning (the page asks instead)."""
    warns = [w for w in prepared.warnings if w.code != "source_from_name"]
    return dataclasses.replace(prepared, source=source or prepared.source, warnings=warns)


# --------------------------------------------------------------------------- agencies


def unknown_names(prepared) -> set[str]:
    """The agency names of the file not in the register."""
    return {w.value for w in prepared.warnings if w.code == "unknown_agency" and w.value}


def unknown_name_questions(warnings, limit: int = 50) -> list[tuple[str, tuple[str, ...]]]:
    """One question per unknown name (sorted, at most `limit`), with the reader's suggestions."""
    names: dict[str, tuple[str, ...]] = {}
    for w in warnings:
        if w.code == "unknown_agency" and w.value:
            names.setdefault(w.value, w.suggestions)
    return sorted(names.items())[:limit]


def with_extra_agencies(known: pd.DataFrame, extra=()) -> pd.DataFrame:
    """The register's agencies and those only the file names (analytics.model.Agency)."""
    if not extra:
        return known
    more = pd.DataFrame(
        [
            {
                "agency_id": a.id,
                "name_vi": a.name_vi,
                "name_en": a.name_en,
                "agency_type": a.type,
                "parent_id": a.parent_id,
            }
            for a in extra
        ]
    )
    return pd.concat([known, more[~more["agency_id"].isin(known["agency_id"])]], ignore_index=True)


def update_agency_options(leads: Iterable[str], suggested: Iterable[str]) -> list[str]:
    """The agencies an agency update may name: the file's leads and those suggested."""
    return sorted(set(leads) | set(suggested))


# --------------------------------------------------------------------------- the preview


def judged_token(key: str | None, source: str, choices: Mapping[str, str]) -> tuple:
    """The judged preview is kept for one reading, task list and set of agency answers."""
    return (key, source, json.dumps(choices, sort_keys=True))


def preview_columns(several: bool) -> list[str]:
    """The columns of the tasks read (the sheet of each when several were read)."""
    return [*PREVIEW_COLUMNS, *(["origin_sheet"] if several else []), "origin_row"]


def shortened(items: Sequence[str], limit: int, sep: str = ", ") -> str:
    """The first `limit` items joined, " …" when there are more."""
    return sep.join(items[:limit]) + (" …" if len(items) > limit else "")


def held_back_rows(prepared, lang: str, ref: Callable) -> str:
    """The rows held back, as messages name them (`ref`: analytics.uploads.TaskRef)."""
    several = len(prepared.tables) > 1
    refs = [ref(h.row, "", h.sheet if several else None) for h in prepared.held_back]
    return shortened([r.text(lang) for r in refs], 20)


def refusal_items(refusal, name_of: Callable[[str], str], lang: str) -> str:
    """The agencies of a refusal, each with its tasks by row and title (never a derived id)."""
    items = []
    for a in refusal.agencies:
        refs = refusal.named.get(a, [])
        shown = shortened([r.text(lang) for r in refs], 10, "; ")
        items.append(f"{name_of(a)}" + (f" ({shown})" if shown else ""))
    return "; ".join(items)


# --------------------------------------------------------------------------- confirm


def removed_ids(preview) -> list[str]:
    """The tasks a full-list upload drops (none without a preview), sorted."""
    changes = getattr(preview, "changes", None)
    if changes is None:
        return []
    return sorted(str(x) for x in changes.removed["task_id"])


def removed_fingerprint(ids: Iterable[str]) -> str:
    """One list of dropped tasks, whatever its order: its sorted task ids hashed."""
    joined = "\n".join(sorted(str(x) for x in ids))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def removal_unconfirmed(ids: Sequence[str], confirmed: str | None) -> bool:
    """Tasks are dropped and the user has not confirmed that exact list (`confirmed`: the
    fingerprint of the list ticked, None when nothing is)."""
    return bool(ids) and confirmed != removed_fingerprint(ids)


def confirm_blocked(plan, preview, has_errors: bool, removed_confirmed: str | None = None) -> bool:
    """The confirm button is disabled while anything is missing (the task list, an agency of an
    agency update: `plan` None or not ready, no `preview`), refused (errors, permission) or
    unconfirmed (tasks the upload drops: `removed_confirmed`, the fingerprint of the list the
    user ticked, must be that of removed_ids(preview))."""
    return (
        plan is None
        or not plan.ready
        or preview is None
        or bool(has_errors)
        or preview.refusal is not None
        or removal_unconfirmed(removed_ids(preview), removed_confirmed)
    )


def followed_date(
    shown: dt.date | None, previous_latest: dt.date | None, new_as_of: dt.date | None
) -> dt.date | None:
    """The date the pages show after a commit, when it changes: a user looking at the latest
    date keeps looking at the latest date. None: the date shown stays."""
    if previous_latest is None or new_as_of is None:
        return None
    if shown == previous_latest and new_as_of > previous_latest:
        return new_as_of
    return None


def layout_header_texts(head, table, several: bool) -> list[str] | None:
    """The header row's texts under which a committed reading is remembered; None when it is
    not (several sheets read as found, no header row in the rows shown)."""
    if head is None or not head.rows or several or not 1 <= table.header_row <= len(head.rows):
        return None
    return head.rows[table.header_row - 1]


def my_tasks_file_name(agency_id: str, source: str, as_of: dt.date) -> str:
    slug = "".join(ch if ch.isalnum() else "_" for ch in source.lower())[:30]
    return f"nhiem_vu_{agency_id}_{slug}_{as_of.isoformat()}.xlsx"


# --------------------------------------------------------------------------- the audit log


def read_audit_detail(name: str, size: int, result) -> dict:
    """What the audit log records of a file read (analytics.sandbox.ReadResult)."""
    p = result.prepared
    return {
        "name": name,
        "bytes": size,
        "format": result.file_format,
        "tasks": len(p.tasks) if p else 0,
        "errors": len(p.errors) if p else len(result.errors),
        "warnings": len(p.warnings) if p else len(result.warnings),
        "codes": sorted({e.code for e in (p.errors if p else result.errors)})[:20],
        "stats": result.stats,
    }


def denied_audit_detail(name: str, refusal) -> dict:
    """What the audit log records of an upload refused by the permission check."""
    return {
        "name": name,
        "reason": refusal.reason,
        "agencies": list(refusal.agencies),
        "tasks": {a: v[:50] for a, v in refusal.tasks.items()},
    }


def removed_audit_detail(ids: Sequence[str], limit: int = 50) -> dict:
    """What the audit log records of the tasks a commit drops: their ids (their count and
    fingerprint only when more than `limit`)."""
    if not ids:
        return {}
    detail: dict = {"removed_count": len(ids), "removed_fingerprint": removed_fingerprint(ids)}
    if len(ids) <= limit:
        detail["removed"] = sorted(ids)
    return detail


def commit_audit_detail(sha: str, name: str, plan, result, removed: Sequence[str] = ()) -> dict:
    """What the audit log records of a commit (analytics.uploads.CommitResult), with the tasks
    it drops (`removed`)."""
    return {
        "file_sha256": sha,
        "name": name,
        "source": plan.source,
        "as_of": plan.as_of.isoformat(),
        "tasks": result.tasks,
        "kind": result.kind,
        "update_agencies": list(plan.update_agencies),
        "duplicate": result.duplicate,
        "held_back": result.held_back,
        "kept_previous": list(result.kept)[:50],
        **removed_audit_detail(removed),
    }


def committed_note(plan, result) -> dict:
    """What the page says after a commit, kept for the next run."""
    return {
        "id": result.snapshot_id,
        "n": result.tasks,
        "source": plan.source,
        "date": plan.as_of,
        "duplicate": result.duplicate,
        "held_back": result.held_back,
    }
