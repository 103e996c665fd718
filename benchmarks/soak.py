"""Soak: does the server's memory level off while sessions keep opening every page?

Run: .venv/bin/python benchmarks/soak.py [--minutes 10] [--max-views 3000] [--contexts 3]
     [--every 5] [--cache-mb 64] [--db PATH]

Starts `streamlit run app.py` on 127.0.0.1 (a free port; loopback only) on a store built from
the bundled sample (`python -m analytics sample`), with the read-only guest view and an
administrator account. Then, for a bounded time and at most --max-views page views, one
Debian chromium (Playwright) opens browser contexts in turn, at most --contexts at once, the
oldest closed when a new one opens. Each context is a visitor: it opens a link with a view
drawn at random (language, as-of date, sources, agency type, agency, difficult only) and goes
through every page from the sidebar in that session; every fourth signs in as the administrator
and also opens the upload page (a sample workbook read and previewed, not committed) and the
administration page. Every --every seconds the server's resident memory (VmRSS of
/proc/PID/status) is sampled. At the end: memory over time, and whether it levels off (the last
third's highest against the middle third's highest: a ratio near 1 levels off, a ratio well
above keeps growing).

--cache-mb sets TASKS_CACHE_MB for the server (the caches' budget, ui/cache.py): the sample is
small, so a budget below the default makes the soak reach it and evict.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import store  # noqa: E402
from analytics.model import Filters, Scope  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402  (the browser tests' server and browser setup)
    CHROMIUM,
    CHROMIUM_ARGS,
    start_server,
    stop_server,
    wait_idle,
)

PAGES = ["briefing", "agency", "workload", "trends", "data"]
ADMIN_PAGES = ["upload", "admin"]
ADMIN, PASSWORD = "soak-admin", "soak test password 1"
LEVEL_TOLERANCE = 1.10  # last third's max within 10% of the middle third's max: levelled off


# --------------------------------------------------------------------------- the server


def build_store(db: Path) -> None:
    """The sample through the command line, and an administrator account."""
    subprocess.run(
        [sys.executable, "-m", "analytics", "sample", "--db", str(db)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics",
            "users",
            "add",
            ADMIN,
            "--role",
            "admin",
            "--password-stdin",
            "--db",
            str(db),
        ],
        cwd=ROOT,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=120,
    )


def rss_kb(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of `pid` in kB, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


class Sampler(threading.Thread):
    """Samples the server's memory every `every` seconds until stopped."""

    def __init__(self, pid: int, every: float):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, int, int, int]] = []  # (seconds, rss kB, hwm kB, views)
        self.views = 0
        self.stop = threading.Event()
        self.t0 = time.monotonic()

    def run(self) -> None:
        while not self.stop.is_set():
            got = rss_kb(self.pid)
            if got is None:
                return
            self.samples.append((time.monotonic() - self.t0, got[0], got[1], self.views))
            self.stop.wait(self.every)


# --------------------------------------------------------------------------- the visitors


class Views:
    """Views drawn at random from what the store holds."""

    def __init__(self, db: Path, rng: random.Random):
        self.rng = rng
        snaps = store.list_snapshots(db)
        self.sources = sorted(snaps["source"].unique())
        dates = sorted({d.date() for d in snaps["as_of"]})
        days = [dates[0] + dt.timedelta(days=k) for k in range((dates[-1] - dates[0]).days + 40)]
        self.dates = dates + days[:: max(1, len(days) // 25)]
        tasks = store.load_tasks(db, dates[-1], Filters(), Scope.everything())
        leads = collections.Counter(a for ids in tasks["lead_ids"] if ids is not None for a in ids)
        self.agencies = [a for a, _n in leads.most_common(40)]

    def query(self, lang: str | None = None) -> str:
        r = self.rng
        params = [("lang", lang or r.choice(["vi", "vi", "en"]))]
        if r.random() < 0.7:
            params.append(("as_of", r.choice(self.dates).isoformat()))
        if r.random() < 0.5:
            params.append(("source", r.choice(self.sources)))
        if r.random() < 0.3:
            params.append(("type", r.choice(["central", "province"])))
        if r.random() < 0.5:
            params.append(("agency", r.choice(self.agencies)))
        if r.random() < 0.2:
            params.append(("difficult", "1"))
        return "&".join(f"{k}={quote(v, safe='')}" for k, v in params)


class Spent(Exception):
    """The soak's time or page views are used up."""


class Visitor:
    """One browser context: a link with a view, then every page from the sidebar."""

    def __init__(self, browser, url: str, views: Views, sampler: Sampler, budget: dict):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.url, self.views, self.sampler, self.budget = url, views, sampler, budget
        self.errors: list[str] = []

    def view(self, path: str | None = None, link: str | None = None) -> None:
        """Open `link` (a new session) or click `path` in the sidebar (the same session)."""
        if self.budget["left"] <= 0 or time.monotonic() > self.budget["until"]:
            raise Spent
        self.budget["left"] -= 1
        page = self.page
        if link is not None:
            page.goto(link)
        else:
            page.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']").first.click()
        wait_idle(page, timeout=120_000)
        if page.get_by_test_id("stException").count():
            self.errors.append(f"{path or link}: an exception is shown")
        self.sampler.views += 1

    def visit(self, admin: bool) -> None:
        order = PAGES[:]
        self.views.rng.shuffle(order)
        query = self.views.query("vi" if admin else None)  # signing in by the Vietnamese labels
        self.view(link=f"{self.url}/{order[0]}?{query}")
        for name in order[1:]:
            self.view(name)
        if admin:
            self.sign_in()
            self.view("upload")
            sample = self.views.rng.choice(sorted((ROOT / "data" / "sample").glob("*.xlsx")))
            self.page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(sample))
            wait_idle(self.page, timeout=180_000)
            self.view("admin")
            self.view(self.views.rng.choice(PAGES))  # a page again, signed in

    def sign_in(self) -> None:
        page = self.page
        page.get_by_test_id("stSidebar").get_by_text("Đăng nhập").first.click()
        for label, text in (("Tên đăng nhập", ADMIN), ("Mật khẩu", PASSWORD)):
            box = page.get_by_label(label)
            box.click()
            box.press_sequentially(text, delay=5)
        page.keyboard.press("Tab")
        page.get_by_test_id("stSidebar").get_by_test_id("stFormSubmitButton").get_by_role(
            "button"
        ).click()
        wait_idle(page, timeout=120_000)

    def close(self) -> None:
        self.context.close()


# --------------------------------------------------------------------------- the report


def mb(kb: int) -> float:
    return kb / 1024


def report(samples: list[tuple[float, int, int, int]], views: int, errors: list[str]) -> float:
    print(f"\n{'time':>7s} {'RSS MB':>8s} {'peak MB':>8s} {'views':>6s}")
    step = max(1, len(samples) // 40)  # at most about 40 lines
    for k, (sec, rss, hwm, v) in enumerate(samples):
        if k % step == 0 or k == len(samples) - 1:
            print(f"{sec:6.0f}s {mb(rss):8.1f} {mb(hwm):8.1f} {v:6d}")
    n = len(samples)
    third = n // 3
    if third == 0:
        print("too few samples to judge (run longer)")
        return float("nan")
    first = max(s[1] for s in samples[:third])
    middle = max(s[1] for s in samples[third : 2 * third])
    last = max(s[1] for s in samples[2 * third :])
    ratio = last / middle if middle else float("nan")
    print(
        f"\npage views: {views}; errors shown: {len(errors)}"
        + (f" (first: {errors[0]})" if errors else "")
    )
    print(
        f"RSS max by thirds: first {mb(first):.1f} MB, middle {mb(middle):.1f} MB, "
        f"last {mb(last):.1f} MB"
    )
    verdict = "levels off" if ratio <= LEVEL_TOLERANCE else "still growing"
    print(f"last third / middle third (max RSS): {ratio:.3f} -> {verdict}")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--max-views", type=int, default=3000)
    parser.add_argument("--contexts", type=int, default=3, help="browser contexts open at once")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--cache-mb", default="64", help="TASKS_CACHE_MB for the server")
    parser.add_argument("--db", default=None, help="an existing store (default: the sample)")
    parser.add_argument("--seed", type=int, default=57)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="soak-"))
    db = tmp / "tasks.duckdb"
    if args.db:
        shutil.copy(args.db, db)
    else:
        build_store(db)
    env = {
        "TASKS_GUEST": "1",
        "TASKS_CACHE_MB": str(args.cache_mb),
        "TASKS_UPLOADS": str(tmp / "uploads"),
    }
    server = start_server(db, tmp, env_extra=env)
    print(
        f"server: {server.url} (pid {server.proc.pid}), store {db}, "
        f"TASKS_CACHE_MB={args.cache_mb}; {args.minutes:g} min, at most {args.max_views} views"
    )
    sampler = Sampler(server.proc.pid, args.every)
    views = Views(db, random.Random(args.seed))
    budget = {"left": args.max_views, "until": time.monotonic() + args.minutes * 60}
    errors: list[str] = []
    failures = 0
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            sampler.start()
            open_now: collections.deque[Visitor] = collections.deque()
            k = 0
            while budget["left"] > 0 and time.monotonic() < budget["until"]:
                if len(open_now) >= args.contexts:
                    open_now.popleft().close()
                visitor = Visitor(browser, server.url, views, sampler, budget)
                open_now.append(visitor)
                try:
                    visitor.visit(admin=k % 4 == 3)
                except Spent:
                    break
                except Exception as exc:  # a page that did not answer: counted, the soak goes on
                    failures += 1
                    errors.append(f"visitor {k}: {type(exc).__name__}: {str(exc)[:200]}")
                errors.extend(visitor.errors)
                k += 1
                if server.proc.poll() is not None:
                    errors.append("the server exited")
                    break
            for v in open_now:
                v.close()
            browser.close()
    finally:
        sampler.stop.set()
        sampler.join(10)
        stop_server(server)
    print(f"visitors: {k}, failed visits: {failures}")
    ratio = report(sampler.samples, sampler.views, errors)
    if os.environ.get("SOAK_KEEP") != "1":
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"kept: {tmp}")
    return 0 if ratio <= LEVEL_TOLERANCE and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
