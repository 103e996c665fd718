"""The snapshots: every task as written in each workbook, its status judged at the snapshot's
date by the project's own rule (analytics.statuses.judge, the store's SQL), and the figures
expected from them."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass

from analytics.statuses import judge
from sample.manifest import _MANIFEST, AS_OF_DATES, SEED, SOURCE_NQ71, SOURCE_TBKL
from sample.plans import _NQ71_PLAN, _TBKL_PLAN, _build_plans, _order_and_number, _Plan
from sample.vocabulary import (
    _LEGAL_PRODUCTS,
    _STATUS_AT_RISK,
    _STATUS_DONE_LATE,
    _STATUS_DONE_ON_TIME,
    _STATUS_DRAFTING,
    _STATUS_IN_PROGRESS,
    _STATUS_ISSUED,
    _STATUS_OVERDUE,
    _STATUS_RECURRING,
    _agency_name,
    _TitlePool,
)


@dataclass(frozen=True)
class SampleTask:
    """One task as written in one snapshot workbook (``deadline`` and ``completion`` resolved)."""

    task_id: str
    source: str
    as_of: dt.date
    group: str
    title: str
    leads: tuple[str, ...]  # canonical names: "Bộ Tài chính", "Thanh Hóa"
    lead_text: str
    support_text: str
    product: str
    notice: str | None
    deadline: dt.date | None
    deadline_cell: str | dt.date | None
    deadline_form: str
    status_text: str
    completion: dt.date | None
    completion_cell: str | dt.date | None
    difficult: bool
    cause: str | None
    note: str | None
    merge_lead: bool
    status: str  # judged at as_of by the project's rule (analytics.statuses.judge)


def _status_words(p: _Plan, status: str) -> str:
    def pick(words: tuple[str, ...]) -> str:
        return words[int(p.pick * len(words)) % len(words)]

    if status == "completed_on_time":
        if p.product in _LEGAL_PRODUCTS[:1] + _LEGAL_PRODUCTS[2:] and p.pick < 0.25:
            return _STATUS_ISSUED
        return pick(_STATUS_DONE_ON_TIME)
    if status == "completed_late":
        return pick(_STATUS_DONE_LATE)
    if status == "overdue":
        return pick(_STATUS_OVERDUE)
    if status == "no_deadline":
        return pick(_STATUS_RECURRING)
    if p.at_risk:
        return _STATUS_AT_RISK
    if p.product in _LEGAL_PRODUCTS and p.pick < 0.5:
        return pick(_STATUS_DRAFTING)
    return pick(_STATUS_IN_PROGRESS)


def _snapshot(plans: list[_Plan], index: int) -> list[SampleTask]:
    """The tasks listed at the index-th date, each judged at that date by the dates alone (its
    status words are chosen from that status), all in one judgement."""
    as_of = AS_OF_DATES[index]
    listed = [p for p in plans if p.first <= index]
    done = [p.completion is not None and p.completion <= as_of for p in listed]
    statuses = judge(
        (
            (None, p.deadlines[index].date, p.completion if d else None)
            for p, d in zip(listed, done, strict=True)
        ),
        as_of,
    )
    return [
        _sample_task(p, index, d, status)
        for p, d, status in zip(listed, done, statuses, strict=True)
    ]


def _sample_task(p: _Plan, index: int, done: bool, status: str) -> SampleTask:
    """One task as written at the index-th date, with its status there."""
    dl = p.deadlines[index]
    moved = [d for d in p.deadlines[: index + 1] if d.date is not None and d.date != dl.date]
    note = None
    if moved:
        old = moved[-1].date
        assert old is not None
        note = f"Điều chỉnh thời hạn (thời hạn cũ: {old.day}/{old.month}/{old.year})"
    elif p.first > 0:
        note = "Nhiệm vụ mới được giao bổ sung"
    cause = None
    if status in ("overdue", "completed_late") or moved or (p.difficult and not done):
        cause = p.cause
    return SampleTask(
        task_id=p.task_id,
        source=p.source,
        as_of=AS_OF_DATES[index],
        group=p.group,
        title=p.title,
        leads=tuple(_agency_name(a) for a in p.leads),
        lead_text=p.lead_text,
        support_text=p.support_text,
        product=p.product,
        notice=p.notice,
        deadline=dl.date,
        deadline_cell=dl.cell,
        deadline_form=dl.form,
        status_text=_status_words(p, status),
        completion=p.completion if done else None,
        completion_cell=p.completion_cell if done else None,
        difficult=p.difficult,
        cause=cause,
        note=note,
        merge_lead=p.merge_lead,
        status=status,
    )


def build_snapshots() -> dict[tuple[str, dt.date], list[SampleTask]]:
    """The in-memory model of every sample workbook, keyed by (source, as-of date), load order."""
    rng = random.Random(SEED)
    titles = _TitlePool(rng)
    plans = {
        SOURCE_NQ71: _order_and_number(
            SOURCE_NQ71, _build_plans(SOURCE_NQ71, _NQ71_PLAN, rng, titles), rng
        ),
        SOURCE_TBKL: _order_and_number(
            SOURCE_TBKL, _build_plans(SOURCE_TBKL, _TBKL_PLAN, rng, titles), rng
        ),
    }
    out: dict[tuple[str, dt.date], list[SampleTask]] = {}
    for _name, source, as_of in _MANIFEST:
        out[(source, as_of)] = _snapshot(plans[source], AS_OF_DATES.index(as_of))
    return out


def expected_counts(
    snapshots: dict[tuple[str, dt.date], list[SampleTask]] | None = None,
) -> dict[tuple[str, dt.date], dict[str, int]]:
    """Per (source, as-of): total and tasks per status, as judged by the dashboard's rule."""
    snapshots = snapshots or build_snapshots()
    out: dict[tuple[str, dt.date], dict[str, int]] = {}
    for key, tasks in snapshots.items():
        c = Counter(t.status for t in tasks)
        out[key] = {
            "total": len(tasks),
            "completed": (
                c["completed_on_time"] + c["completed_late"] + c["completed_timing_unknown"]
            ),
            "completed_on_time": c["completed_on_time"],
            "completed_late": c["completed_late"],
            "overdue": c["overdue"],
            "in_progress": c["in_progress"],
            "no_deadline": c["no_deadline"],
        }
    return out
