"""Cell values as the checks and the tasks take them: text, task ids, derived ids, the header
a problem names, and a function applied once per distinct value of a column."""

from __future__ import annotations

import datetime as dt
import hashlib

from analytics.deadlines import format_date
from analytics.reading import RawTable
from analytics.text import fold, nfc


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # the reader already NFC-normalised and stripped cell text
        return value or None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return format_date(value if isinstance(value, dt.date) else value.date())
    text = nfc(value)
    return text or None


def _task_id(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = value.strip() if isinstance(value, str) else nfc(value)
    return text or None


def _header(table: RawTable, field_name: str) -> str:
    idx = table.mapping.get(field_name)
    if idx is not None and idx < len(table.headers) and table.headers[idx]:
        return table.headers[idx]
    return field_name


def _derived_id(title: str, lead: str) -> str:
    digest = hashlib.blake2b(f"{fold(title)}|{fold(lead)}".encode(), digest_size=5).hexdigest()
    return f"auto-{digest}"


_NUMBERS = frozenset((bool, int, float))


def _per_distinct(values: list, fn, results: list | None = None) -> list:
    """fn over a column, called once per distinct (type, value): True and 1 never share one.
    `results`, if given, gets fn's distinct results (what a check over the column needs)."""
    if len(_NUMBERS.intersection(map(type, values))) <= 1:  # no two kinds of number: by value
        table = {v: fn(v) for v in set(values)}
        out = list(map(table.__getitem__, values))
    else:
        keys = list(zip(map(type, values), values, strict=True))
        table = {k: fn(k[1]) for k in set(keys)}
        out = [table[k] for k in keys]
    if results is not None:
        results.extend(table.values())
    return out


def _text_column(values: list) -> list:
    """_text over a column: cell text passes through (the reader cleaned it)."""
    if set(map(type, values)) <= {str, type(None)}:
        return [v or None for v in values] if "" in values else list(values)
    return _per_distinct(values, _text)


def _id_column(values: list) -> list:
    """_task_id over a column (text cells are stripped)."""
    if set(map(type, values)) <= {str, type(None)}:
        return [v.strip() or None if v else None for v in values]
    return _per_distinct(values, _task_id)
