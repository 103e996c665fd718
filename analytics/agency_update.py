"""What an agency update may hold: the one rule the upload page and the command line share.

An agency update (`ingest --update-agency ID`, or "only these agencies' tasks" on the upload
page) changes only the tasks of the agencies it names, and only those its file gives: it never
removes a task. Every task of the source the file does not mention, the sender's own as well as
any other agency's, stays in force as it is (store/snapshots.py carries it over with
sql/carry_over_others.sql); only a full-list upload leaves tasks out. A row of the file that
no named agency leads is not the sender's to change: the whole file is refused, each such row
named with its row number, its lead agency cell and its task id, so the sender knows what to
take out.
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
    tasks, update_agencies: Iterable[str], column: str | None = None, may_widen: bool = True
) -> list[Problem]:
    """One error per row of the file outside the update (see `rows_outside`), in row order.
    `may_widen`: whether the sender may add that agency to the update (an agency's own editor
    may not: the advice is then only to remove the row)."""
    wanted = sorted(set(update_agencies))
    named = ", ".join(_agency_name(a) for a in wanted)
    columns = getattr(tasks, "columns", None)
    if columns is not None:
        keys = zip(columns["lead_text"], columns["title"], columns["id_derived"], strict=True)
        info = dict(zip(columns["task_id"], keys, strict=True))
    else:
        info = {t.task_id: (t.lead_text, t.title, t.id_derived) for t in tasks}
    if may_widen:
        advice_en, advice_vi = (
            "remove the row or update that agency too",
            ("hãy bỏ dòng này hoặc cập nhật cả cơ quan đó"),
        )
    else:
        advice_en = "remove the row: that agency or the steering office updates its tasks"
        advice_vi = (
            "hãy bỏ dòng này: nhiệm vụ đó do chính cơ quan đó hoặc Văn phòng Chính phủ cập nhật"
        )
    seen: set[tuple[int | None, str]] = set()
    problems = []
    for agency, items in rows_outside(tasks, wanted).items():
        for row, task_id in items:
            if (row, task_id) in seen:
                continue
            seen.add((row, task_id))
            lead, title, derived = info.get(task_id, (None, None, True))
            lead = lead or _agency_name(agency)
            # a derived id ("auto-…") means nothing to the sender: the task is named by its title
            shown = _short(title) if derived or not task_id else task_id
            where_en = f"Row {row}" if row else "A task"
            where_vi = f"Dòng {row}" if row else "Một nhiệm vụ"
            problems.append(
                error(
                    "outside_agency_update",
                    f"{where_en}: task '{shown}' is led by '{lead}', not by the agencies this "
                    f"file updates ({named}); {advice_en}.",
                    f"{where_vi}: nhiệm vụ '{shown}' do '{lead}' chủ trì, không thuộc cơ quan "
                    f"mà tệp này cập nhật ({named}); {advice_vi}.",
                    row=row,
                    column=column,
                    value=lead,
                )
            )
    problems.sort(key=lambda p: (p.row is None, p.row or 0))
    return problems


def _agency_name(agency_id: str) -> str:
    from analytics.agencies import default_resolver

    agency = default_resolver().get(agency_id) if agency_id else None
    return agency.name_vi if agency is not None else (agency_id or "?")


def _short(text: str | None, limit: int = 60) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
