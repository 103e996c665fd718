"""Deadlines as reports write them (a date, a month, a quarter, "Trước 15/9/2025", ...) and the
day each resolves to (the last day of a period), drawn from the sample's random stream."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sample.vocabulary import _ROMAN


@dataclass(frozen=True)
class Deadline:
    """A deadline as written (``cell``: text or a real date) and the date it resolves to."""

    date: dt.date | None
    cell: str | dt.date | None
    form: str  # date_text | date_cell | month | month_short | quarter | half | year | before | recurring


RECURRING = Deadline(None, "Thường xuyên", "recurring")

_FORM_WEIGHTS = {
    "date_text": 24,
    "date_cell": 14,
    "month": 18,
    "month_short": 7,
    "quarter": 15,
    "half": 5,
    "year": 7,
    "before": 10,
}


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def _render(form: str, d: dt.date, rng: random.Random) -> str | dt.date:
    if form == "date_cell":
        return d
    if form == "date_text":
        return f"{d:%d/%m/%Y}" if rng.random() < 0.7 else f"{d.day}/{d.month}/{d.year}"
    if form == "month":
        return f"Tháng {d.month}/{d.year}"
    if form == "month_short":
        return f"T{d.month}/{d.year}"
    if form == "quarter":
        return f"Quý {_ROMAN[(d.month - 1) // 3]}/{d.year}"
    if form == "half":
        return f"6 tháng {'đầu' if d.month == 6 else 'cuối'} năm {d.year}"
    if form == "year":
        return f"Năm {d.year}"
    if form == "before":
        word = "Trước" if rng.random() < 0.7 else "Trước ngày"
        return f"{word} {d.day}/{d.month}/{d.year}"
    raise ValueError(form)


def _candidates(form: str, lo: dt.date, hi: dt.date) -> list[dt.date]:
    """Dates in [lo, hi] that a deadline of this form can resolve to."""
    if hi < lo:
        return []
    if form in ("date_text", "date_cell"):
        return [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
    out: list[dt.date] = []
    for year in range(lo.year, hi.year + 1):
        if form in ("month", "month_short"):
            out += [_month_end(year, m) for m in range(1, 13)]
        elif form == "quarter":
            out += [_month_end(year, m) for m in (3, 6, 9, 12)]
        elif form == "half":
            out += [dt.date(year, 6, 30), dt.date(year, 12, 31)]
        elif form == "year":
            out.append(dt.date(year, 12, 31))
        elif form == "before":
            # Days that can never touch an as-of date or its eve ("before 15/9" may be read as 14/9).
            out += [dt.date(year, m, day) for m in range(1, 13) for day in (10, 15, 20, 25)]
    return [d for d in out if lo <= d <= hi]


def _pick_deadline(
    rng: random.Random,
    lo: dt.date,
    hi: dt.date,
    forms: dict[str, int] | None = None,
    avoid: tuple[dt.date, ...] = (),
) -> Deadline:
    """A deadline resolving into [lo, hi]; ``avoid``: dates a "before" deadline must not be."""
    weights = dict(forms or _FORM_WEIGHTS)
    for _ in range(20):
        names = list(weights)
        form = rng.choices(names, weights=[weights[n] for n in names])[0]
        cands = _candidates(form, lo, hi)
        if form == "before":
            bad = set()
            for a in avoid:
                bad.update((a, a + dt.timedelta(days=1)))
            cands = [c for c in cands if c not in bad]
        if cands:
            d = rng.choice(cands)
            return Deadline(d, _render(form, d, rng), form)
        weights.pop(form)
        if not weights:
            break
    d = lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))
    return Deadline(d, _render("date_text", d, rng), "date_text")


def _pick_day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    """A working day in [lo, hi] (any day if the range has none)."""
    days = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
    work = [d for d in days if d.weekday() < 5]
    return rng.choice(work or days)


def _completion_cell(rng: random.Random, d: dt.date) -> str | dt.date:
    return d if rng.random() < 0.3 else f"{d:%d/%m/%Y}"
