"""The byte-bounded cache every page uses (ui/cache.py): values measured when stored, the least
recently used evicted over the budget, oversized values not kept, TASKS_CACHE_MB, one
computation for many threads asking at once, functions of a re-run script sharing their
entries, and a commit by another process seen through the keys ui/data.py uses."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

from analytics import store
from analytics.model import Filters, Scope
from ui import cache

MB = 2**20


def frame(rows: int, text: str = "x") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "task_id": [f"T{i:06d}" for i in range(rows)],
            "title": [f"{text} {i}" for i in range(rows)],
            "deadline": [dt.date(2025, 1, 1) + dt.timedelta(days=i % 365) for i in range(rows)],
            "n": np.arange(rows),
        }
    )


def test_a_frame_is_measured_as_pandas_measures_it_deeply():
    small = frame(1_000)
    assert cache.size_of(small) == small.memory_usage(deep=True).sum()
    big = frame(50_000)  # long object columns are sampled: within a few percent
    exact = big.memory_usage(deep=True).sum()
    assert abs(cache.size_of(big) - exact) < 0.05 * exact
    # containers of frames: the sum of their parts, a frame referred to twice counted once
    parts = {"a": small, "b": [small, b"y" * 10_000], "c": ("text" * 1000,)}
    assert cache.size_of(parts) > cache.size_of(small) + 10_000 + 4_000
    assert cache.size_of(parts) < 2 * cache.size_of(small)
    assert cache.size_of(b"z" * 123_456) >= 123_456


def test_the_least_recently_used_go_first_when_the_bytes_exceed_the_budget():
    one = frame(2_000)
    each = cache.size_of(one)
    lru = cache.ByteLRU(budget=int(each * 3.5), max_share=1.0)
    for name in "abc":
        lru.get_or_compute(name, lambda: frame(2_000))
    assert lru.keys() == ["a", "b", "c"]
    lru.get_or_compute("a", lambda: pytest.fail("a is stored"))  # a is now the most recent
    lru.get_or_compute("d", lambda: frame(2_000))
    assert lru.keys() == ["c", "a", "d"]  # b, the least recently used, went
    assert lru.total_bytes <= lru.budget
    # small values do not push out big ones by count: many fit where one frame was
    for i in range(50):
        lru.put(("small", i), i)
    assert "a" in lru and "d" in lru and len(lru) > 50


def test_a_value_bigger_than_its_share_of_the_budget_is_computed_but_not_kept():
    big = frame(20_000)
    lru = cache.ByteLRU(budget=cache.size_of(big) * 2, max_share=0.25)
    calls = []

    def make():
        calls.append(1)
        return big

    assert lru.get_or_compute("big", make) is big
    assert lru.get_or_compute("big", make) is big
    assert len(calls) == 2 and "big" not in lru and lru.total_bytes == 0
    lru.put("small", frame(100))
    assert "small" in lru  # the same store keeps what fits


def test_the_budget_comes_from_tasks_cache_mb(monkeypatch):
    monkeypatch.setenv("TASKS_CACHE_MB", "2")
    assert cache.budget_bytes() == 2 * MB
    lru = cache.ByteLRU()  # the setting, read when a value is stored
    assert lru.budget == 2 * MB
    lru.put("one", b"x" * (MB // 4))
    lru.put("two", b"x" * (MB // 4))
    assert lru.keys() == ["one", "two"]
    lru.put("too big", b"x" * MB)  # over a quarter of 2 MB
    assert "too big" not in lru
    monkeypatch.setenv("TASKS_CACHE_MB", "0")  # caching off
    lru.put("three", b"x")
    assert "three" not in lru
    for wrong in ("", "many", "-5", "nan"):
        monkeypatch.setenv("TASKS_CACHE_MB", wrong)
        assert cache.budget_bytes() == cache.DEFAULT_MB * MB
    monkeypatch.delenv("TASKS_CACHE_MB")
    assert cache.budget_bytes() == cache.DEFAULT_MB * MB


def test_many_threads_asking_for_one_value_compute_it_once():
    lru = cache.ByteLRU(budget=64 * MB)
    n = 8
    calls = []
    start = threading.Barrier(n)
    results = [None] * n

    def make():
        calls.append(threading.get_ident())
        deadline = time.monotonic() + 30
        while lru.waiting("key") < n - 1 and time.monotonic() < deadline:
            time.sleep(0.001)  # the others are inside get_or_compute, waiting for this value
        return frame(500)

    def ask(k: int) -> None:
        start.wait()
        results[k] = lru.get_or_compute("key", make)

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(calls) == 1
    assert all(r is results[0] for r in results) and results[0] is not None
    assert lru.misses == 1 and lru.hits == 0  # the waiters got the computed value itself


def test_a_failed_computation_is_not_stored_and_the_next_caller_computes_again():
    lru = cache.ByteLRU(budget=MB)

    def fail():
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        lru.get_or_compute("k", fail)
    assert "k" not in lru and lru.waiting("k") == 0
    assert lru.get_or_compute("k", lambda: 5) == 5


def test_concurrent_gets_and_evictions_keep_the_byte_count_right():
    lru = cache.ByteLRU(budget=cache.size_of(frame(300)) * 6, max_share=1.0)
    errors = []

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            for _ in range(300):
                k = int(rng.integers(0, 20))
                got = lru.get_or_compute(("f", k), lambda k=k: frame(300, text=str(k)))
                assert got["title"].iloc[0] == f"{k} 0"
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert lru.total_bytes <= lru.budget
    assert lru.total_bytes == sum(e.size for e in lru._entries.values())
    assert lru.hits > 0 and len(lru) <= 6


def test_the_decorator_keys_on_arguments_and_survives_a_script_rerun():
    lru = cache.ByteLRU(budget=16 * MB)
    calls = []
    source = (
        "@cache.resource(ttl=3600, store=lru)\n"
        "def figures(path, ids, as_of, filters, scope):\n"
        "    calls.append(ids)\n"
        "    return {'n': len(ids), 'filters': filters}\n"
    )
    code = compile(source, "pages/example.py", "exec")
    run = {}
    for _ in range(3):  # a page script runs anew on every rerun: the same function, new object
        run = {"cache": cache, "lru": lru, "calls": calls}
        exec(code, run)
        run["figures"]("db", (1, 2), dt.date(2025, 8, 28), Filters(), Scope.everything())
    assert calls == [(1, 2)]
    run["figures"]("db", (1, 2, 3), dt.date(2025, 8, 28), Filters(), Scope.everything())
    run["figures"]("db", (1, 2), dt.date(2025, 8, 28), Filters(sources=("x",)), Scope.everything())
    assert len(calls) == 3
    run["figures"].clear()
    assert len(lru) == 0
    with pytest.raises(TypeError):
        run["figures"]("db", [1, 2], dt.date(2025, 8, 28), Filters(), Scope.everything())


def test_an_entry_older_than_its_ttl_is_computed_again():
    lru = cache.ByteLRU(budget=MB)
    assert lru.get_or_compute("k", lambda: 1, ttl=3600) == 1
    assert lru.get_or_compute("k", lambda: 2, ttl=3600) == 1
    assert lru.get_or_compute("k", lambda: 3, ttl=0) == 3  # expired at once


def test_the_pages_see_a_commit_made_by_another_process(sample_copy):
    from ui import data

    cache.clear()
    as_of = store.latest_as_of(sample_copy)
    ids = data.snapshot_ids(as_of)
    before = data.tasks(as_of, Filters(), Scope.everything())
    assert data.tasks(as_of, Filters(), Scope.everything()) is before  # cached
    retracted = max(ids)
    subprocess.run(
        [sys.executable, "-m", "analytics", "retract", str(retracted), "--db", str(sample_copy)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert retracted not in data.snapshot_ids(as_of)
    after = data.tasks(as_of, Filters(), Scope.everything())
    assert after is not before
    assert store.snapshots_in_force(sample_copy, as_of, ()) == data.snapshot_ids(as_of)
    assert cache.STORE.total_bytes <= cache.STORE.budget
    cache.clear()
