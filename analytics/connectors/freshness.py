"""How fresh each connected source's data is (the Data page's sources panel, the briefing's
stale-source line, `daily`): pure functions over the sources file and the rows of the named
query sql/source_freshness.sql (`rows_of` reads them).

- last successful pull: the last pull that brought data (a new snapshot, or the same bytes as
  stored: the source was read and its data is what the store holds); an empty folder brings none;
- last failure: the last pull rejected or unreachable, with its first error's words;
- the data's age: whole days, in Vietnam, from the last successful pull to today; a source is
  stale when its age is more than `TASKS_STALE_SOURCE_DAYS` (2) days, or it never brought data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from analytics.connectors.sources import Source

STALE_ENV = "TASKS_STALE_SOURCE_DAYS"
DEFAULT_STALE_DAYS = 2


def stale_days() -> int:
    """TASKS_STALE_SOURCE_DAYS (a whole number of days, at least 0), else 2."""
    text = (os.environ.get(STALE_ENV) or "").strip()
    return int(text) if text.isdigit() else DEFAULT_STALE_DAYS


@dataclass(frozen=True)
class Freshness:
    """One declared source's freshness (times UTC without a zone, as stored)."""

    name: str
    kind: str
    detail: str  # what it reads, never a credential (Source.detail)
    last_status: str | None  # the last pull's status (pull.STATUSES), None: never pulled
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    failure_reason: str | None  # English
    failure_reason_vi: str | None
    data_as_of: dt.date | None  # the date of the data its newest pulled snapshot holds
    age_days: int | None  # None: never brought data
    stale: bool

    def reason(self, lang: str = "vi") -> str:
        text = self.failure_reason_vi if lang == "vi" else self.failure_reason
        return text or self.failure_reason or ""


def _vn_day(value) -> dt.date | None:
    from analytics.reporting.rules import vn_day

    return vn_day(value)


def _first_error(errors) -> tuple[str | None, str | None]:
    if not errors:
        return None, None
    try:
        found = json.loads(errors) if isinstance(errors, str) else errors
    except ValueError:
        return None, None
    if not isinstance(found, list) or not found or not isinstance(found[0], dict):
        return None, None
    first = found[0]
    return first.get("message"), first.get("message_vi") or first.get("message")


def freshness(
    sources: Sequence[Source],
    rows: Iterable[dict],
    today: dt.date,
    stale_after: int | None = None,
) -> list[Freshness]:
    """Each declared source, in the file's order, with its pulls' rows (sql/source_freshness)."""
    limit = stale_days() if stale_after is None else stale_after
    by_name = {row["source_name"]: row for row in rows}
    out = []
    for source in sources:
        row = by_name.get(source.name, {})
        success = row.get("last_success_at")
        success = None if success != success else success  # NaT
        failure = row.get("last_failure_at")
        failure = None if failure != failure else failure
        age = (today - _vn_day(success)).days if success is not None else None
        reason, reason_vi = _first_error(row.get("last_failure_errors"))
        as_of = row.get("data_as_of")
        out.append(
            Freshness(
                name=source.name,
                kind=source.kind,
                detail=source.detail,
                last_status=row.get("last_status"),
                last_success_at=success,
                last_failure_at=failure,
                failure_reason=reason,
                failure_reason_vi=reason_vi,
                data_as_of=None if as_of != as_of else as_of,
                age_days=max(age, 0) if age is not None else None,
                stale=age is None or age > limit,
            )
        )
    return out


def stale(items: Iterable[Freshness]) -> list[Freshness]:
    return [f for f in items if f.stale]


def rows_of(db) -> list[dict]:
    """The rows of sql/source_freshness.sql (none for a database that does not exist yet)."""
    from analytics import store

    if not store.db_path(db).exists():
        return []
    with store.connect(db) as con:
        cur = con.execute(store.sql("source_freshness"))
        names = [c[0] for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
