"""What an agency update may hold: the one rule the upload page and the command line share.

An agency update (`ingest --update-agency ID`, or "only these agencies' tasks" on the upload
page) changes only the tasks of the agencies it names. A row of the file that no named agency
leads is not the sender's to change: the whole file is refused, each such row named with its
row number, its lead agency cell and its task id, so the sender knows what to take out.
"""

from __future__ import annotations

from collections.abc import Iterable

from analytics.problems import Problem, error


def rows_outside(tasks, update_agencies: Iterable[str]) -> dict[str, list[tuple[int | None, str]]]:
    """Lead agency id -> [(row, task id)] of the file's rows that no agency of the update leads.

    `tasks`: a TaskBatch (read by column) or any sequence of Task."""
    wanted = set(update_agencies)
    if not wanted:
        return {}
    columns = getattr(tasks, "columns", None)
    if columns is not None:
        leads, ids, rows = columns["lead_ids"], columns["task_id"], columns["row"]
    else:
        leads = [t.lead_ids for t in tasks]
        ids = [t.task_id for t in tasks]
        rows = [t.row for t in tasks]
    out: dict[str, list[tuple[int | None, str]]] = {}
    for lead_ids, task_id, row in zip(leads, ids, rows, strict=True):
        if wanted.intersection(lead_ids):
            continue
        for agency in lead_ids or ("",):
            out.setdefault(agency, []).append((row, task_id))
    return out


def outside_problems(
    tasks, update_agencies: Iterable[str], column: str | None = None
) -> list[Problem]:
    """One error per row of the file outside the update (see `rows_outside`), in row order."""
    wanted = sorted(set(update_agencies))
    named = ", ".join(wanted)
    columns = getattr(tasks, "columns", None)
    texts = {}
    if columns is not None:
        texts = dict(zip(columns["task_id"], columns["lead_text"], strict=True))
    else:
        texts = {t.task_id: t.lead_text for t in tasks}
    seen: set[tuple[int | None, str]] = set()
    problems = []
    for agency, items in rows_outside(tasks, wanted).items():
        for row, task_id in items:
            if (row, task_id) in seen:
                continue
            seen.add((row, task_id))
            lead = texts.get(task_id) or agency
            where_en = f"Row {row}" if row else f"Task {task_id}"
            where_vi = f"Dòng {row}" if row else f"Nhiệm vụ {task_id}"
            problems.append(
                error(
                    "outside_agency_update",
                    f"{where_en}: task '{task_id}' is led by '{lead}', not by the agencies this "
                    f"file updates ({named}); remove the row or update that agency too.",
                    f"{where_vi}: nhiệm vụ '{task_id}' do '{lead}' chủ trì, không thuộc cơ quan "
                    f"mà tệp này cập nhật ({named}); hãy bỏ dòng này hoặc cập nhật cả cơ quan đó.",
                    row=row,
                    column=column,
                    value=lead,
                )
            )
    problems.sort(key=lambda p: (p.row is None, p.row or 0))
    return problems
