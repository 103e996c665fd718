"""The dashboard's caches, bounded by bytes: one least-recently-used store for every page.

`st.cache_resource(max_entries=N)` bounds each cache by entries, and an entry can be a frame of
100,000 tasks or a 20-byte tuple alike: after a session of uploads and pages the server held
1.56 GB. Here every cached value is measured once, when it is stored (a frame by
`memory_usage(deep=True)`, bytes and text by their length, dicts, lists, tuples and dataclasses
of frames by the sum of their parts, the key included), and all the caches share one budget,
`TASKS_CACHE_MB` (256 MB unless set; 0 turns caching off). Over budget, the least recently used
entries go first; a value bigger than a quarter of the budget is computed but not kept.

    @cache.resource(ttl=3600)
    def _tasks(path, snap_ids, as_of, filters, scope): ...

Keys are the arguments themselves (they must be hashable: paths, snapshot ids, dates, the frozen
Filters and Scope, the language), so a function keyed on `store.version_token` or on the
snapshots in force sees another process's commit as a new key. A function defined in a page
script (run anew on every rerun) keeps its entries: it is known by its file, name and code.
Values are shared between sessions: callers treat them as read-only. Thread-safe: a value that
several sessions ask for at once is computed once, the others wait for it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import marshal
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

DEFAULT_MB = 256
MAX_SHARE = 0.25  # a value bigger than this share of the budget is not kept
ENTRY_OVERHEAD = 240  # bytes an entry costs beyond its key and value (the dict's node, times)
_SAMPLE = 200  # long lists and tuples: the first items measured, the rest estimated from them
_COLUMN_SAMPLE = 1024  # long columns of Python objects: values measured (evenly spaced)
_DEPTH = 8


def budget_bytes() -> int:
    """The budget in bytes, from TASKS_CACHE_MB (a number of megabytes; 0: no caching)."""
    raw = os.environ.get("TASKS_CACHE_MB", "").strip()
    try:
        mb = float(raw) if raw else DEFAULT_MB
    except ValueError:
        mb = DEFAULT_MB
    if mb != mb or mb < 0:  # NaN or negative: the default
        mb = DEFAULT_MB
    return int(mb * 2**20)


# --------------------------------------------------------------------------- sizes


def size_of(value: Any) -> int:
    """An estimate of the bytes `value` holds (measured once, when it is stored)."""
    return _size(value, set(), 0)


def _size(value: Any, seen: set[int], depth: int) -> int:
    if value is None or isinstance(value, bool | int | float):
        return sys.getsizeof(value)
    if id(value) in seen:  # counted once, however often it is referred to
        return 0
    seen.add(id(value))
    if isinstance(value, pd.DataFrame):
        return _index_size(value.index) + sum(
            _column_size(value.iloc[:, k]) for k in range(value.shape[1])
        )
    if isinstance(value, pd.Series):
        return _index_size(value.index) + _column_size(value)
    if isinstance(value, pd.Index):
        return _index_size(value)
    if isinstance(value, np.ndarray):
        if value.dtype == object and value.size:
            return int(value.nbytes) + _items_size(value.ravel().tolist(), seen, depth)
        return int(value.nbytes)
    if isinstance(value, str | bytes | bytearray):
        return sys.getsizeof(value)
    if isinstance(value, memoryview):
        return int(value.nbytes)
    if depth >= _DEPTH:
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + _items_size(
            [x for kv in value.items() for x in kv], seen, depth
        )
    if isinstance(value, list | tuple | set | frozenset):
        return sys.getsizeof(value) + _items_size(list(value), seen, depth)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = [getattr(value, f.name, None) for f in dataclasses.fields(value)]
        return sys.getsizeof(value) + _items_size(parts, seen, depth)
    if hasattr(value, "__dict__") and not callable(value):
        return sys.getsizeof(value) + _size(vars(value), seen, depth + 1)
    return sys.getsizeof(value)


def _column_size(column: pd.Series) -> int:
    """`memory_usage(deep=True)` of one column; a long column of Python objects (dates, lists
    of agency ids) from an even sample of its values (measuring each of 200,000 dates costs
    more than a warm page run)."""
    n = len(column)
    if column.dtype != object or n <= _COLUMN_SAMPLE * 4:
        return int(column.memory_usage(index=False, deep=True))
    sample = column.iloc[:: n // _COLUMN_SAMPLE]
    shallow = int(column.memory_usage(index=False, deep=False))
    deep_sample = int(sample.memory_usage(index=False, deep=True))
    per_value = (deep_sample - int(sample.memory_usage(index=False, deep=False))) / len(sample)
    return shallow + int(per_value * n)


def _index_size(index: pd.Index) -> int:
    if isinstance(index, pd.RangeIndex):
        return int(index.memory_usage())
    return (
        _column_size(pd.Series(index, copy=False))
        if index.dtype == object
        else int(index.memory_usage(deep=True))
    )


def _items_size(items: list, seen: set[int], depth: int) -> int:
    n = len(items)
    if n <= _SAMPLE:
        return sum(_size(x, seen, depth + 1) for x in items)
    measured = sum(_size(x, seen, depth + 1) for x in items[:_SAMPLE])
    return measured + measured * (n - _SAMPLE) // _SAMPLE


# --------------------------------------------------------------------------- the store


@dataclasses.dataclass
class _Entry:
    value: Any
    size: int
    stored: float  # time.monotonic() when stored


class _Pending:
    """A value being computed by one thread; the others asking for it wait."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None
        self.waiters = 0


class ByteLRU:
    """A thread-safe least-recently-used store bounded by the bytes of its values.

    `budget`: bytes, or None for TASKS_CACHE_MB (read at every store, so a changed setting
    applies to the next value)."""

    def __init__(self, budget: int | None = None, max_share: float = MAX_SHARE) -> None:
        self._budget = budget
        self.max_share = max_share
        self._lock = threading.Lock()
        self._entries: OrderedDict[Any, _Entry] = OrderedDict()
        self._pending: dict[Any, _Pending] = {}
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @property
    def budget(self) -> int:
        return budget_bytes() if self._budget is None else self._budget

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._entries

    def keys(self) -> list:
        """Keys from least to most recently used."""
        with self._lock:
            return list(self._entries)

    def waiting(self, key) -> int:
        """How many threads wait for `key`'s value, being computed by another."""
        with self._lock:
            pending = self._pending.get(key)
            return pending.waiters if pending is not None else 0

    def get_or_compute(self, key, compute: Callable[[], Any], ttl: float | None = None) -> Any:
        """The value stored under `key`, else `compute()` stored under it (once, however many
        threads ask at the same time)."""
        while True:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None:
                    if ttl is None or time.monotonic() - entry.stored < ttl:
                        self._entries.move_to_end(key)
                        self.hits += 1
                        return entry.value
                    self._drop(key)
                pending = self._pending.get(key)
                owner = pending is None
                if owner:
                    pending = self._pending[key] = _Pending()
                    self.misses += 1
                else:
                    pending.waiters += 1
            if owner:
                break
            pending.done.wait()
            with self._lock:
                pending.waiters -= 1
            if pending.ok:
                return pending.value
            # the computing thread failed (or its run was stopped): try again, maybe as owner
        try:
            value = compute()
        except BaseException:
            with self._lock:
                self._pending.pop(key, None)
            pending.done.set()
            raise
        try:
            self.put(key, value)
        finally:
            with self._lock:
                self._pending.pop(key, None)
            pending.value, pending.ok = value, True
            pending.done.set()
        return value

    def put(self, key, value) -> bool:
        """Store `value` (measured now) and evict the least recently used entries over budget.
        False when it is not kept (bigger than the budget's share, or caching is off)."""
        budget = self.budget
        try:
            size = size_of(value) + size_of(key) + ENTRY_OVERHEAD
        except Exception:  # a value that cannot be measured is not kept (it is still returned)
            log.warning("ui.cache: could not measure a %s; not kept", type(value).__name__)
            return False
        with self._lock:
            self._drop(key)
            if budget <= 0 or size > budget * self.max_share:
                return False
            self._entries[key] = _Entry(value, size, time.monotonic())
            self._bytes += size
            while self._bytes > budget and self._entries:
                self._drop(next(iter(self._entries)))
            return key in self._entries

    def _drop(self, key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size

    def clear(self, where: Callable[[Any], bool] | None = None) -> None:
        """Drop every entry, or those whose key satisfies `where`."""
        with self._lock:
            for key in [k for k in self._entries if where is None or where(k)]:
                self._drop(key)


STORE = ByteLRU()


def _function_key(func: Callable) -> tuple:
    """What identifies a function across reruns of the script that defines it."""
    code = getattr(func, "__code__", None)
    if code is None:
        return (getattr(func, "__module__", None), getattr(func, "__qualname__", repr(func)))
    digest = hashlib.blake2b(marshal.dumps(code), digest_size=12).hexdigest()
    return (code.co_filename, func.__qualname__, digest)


_generation: Callable[[], Any] | None = None


def keyed_on(generation: Callable[[], Any] | None) -> None:
    """Key every cache (but those made with `generational=False`) also on `generation()`, a
    cheap value that changes when something the cached values depend on changes outside the
    arguments (ui/data.py: the steering office's decisions, which move the figures without a
    new snapshot)."""
    global _generation
    _generation = generation


def resource(
    ttl: float | None = 3600, *, store: ByteLRU | None = None, generational: bool = True
) -> Callable[[Callable], Callable]:
    """Decorator: cache the function's results in the byte-bounded store, keyed on its
    arguments (hashable) and the generation (`keyed_on`), for at most `ttl` seconds. The
    wrapper's `.clear()` drops its entries."""

    def decorate(func: Callable) -> Callable:
        fkey = _function_key(func)

        def target() -> ByteLRU:
            return STORE if store is None else store

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            gen = _generation() if generational and _generation is not None else None
            key = (fkey, gen, args, tuple(sorted(kwargs.items()))) if kwargs else (fkey, gen, args)
            hash(key)  # an unhashable argument is a programming error, not a cache miss
            return target().get_or_compute(key, lambda: func(*args, **kwargs), ttl)

        wrapper.clear = lambda: target().clear(lambda k: k[0] == fkey)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def clear() -> None:
    """Drop everything every cache holds (tests; after a change that concerns every page)."""
    STORE.clear()
