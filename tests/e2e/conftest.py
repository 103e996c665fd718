"""A real Streamlit server on a free loopback port and Debian's chromium driven by Playwright.

One server per test module (fresh, on its own copy of the sample database), so deep links are
tested against a server that has never served a page before.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def sample_db_template(sample_db) -> Path:
    """The bundled sample, loaded once per session (tests/conftest.py); each server gets a copy."""
    return sample_db


class Server:
    def __init__(self, url: str, db: Path, proc: subprocess.Popen, log: Path):
        self.url, self.db, self.proc, self.log = url, db, proc, log


def start_server(db: Path, tmp: Path, env_extra: dict | None = None) -> Server:
    """A server as `make run` starts it (on 127.0.0.1, TASKS_GUEST=1: the guest view on);
    `env_extra` adds or overrides settings, a value of None removes one."""
    port = _free_port()
    log = tmp / f"streamlit-{port}.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TASKS_TRUSTED_")},
        "TASKS_DB": str(db),
        "TASKS_GUEST": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for k, v in (env_extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    out = log.open("w")  # the child holds its own copy of the descriptor: ours is closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",  # the app with its sign-in cookie routes, as `make run` starts it
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    out.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return Server(url, db, proc, log)
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("streamlit did not start:\n" + log.read_text()[-3000:])


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.proc.kill()


@pytest.fixture(scope="module")
def server(sample_db_template, tmp_path_factory):
    """A fresh server on a fresh copy of the sample database (guest, read-only)."""
    tmp = tmp_path_factory.mktemp("e2e-server")
    db = tmp / "tasks.duckdb"
    shutil.copy(sample_db_template, db)
    srv = start_server(db, tmp)
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is required for the browser tests (make test installs it)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="vi-VN"
    )
    pg = context.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    context.close()


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit finished the current run, the page has drawn something and no
    skeleton is left. A new server's first session reports "not running" before its first run
    starts (the page module is still importing): the drawn element is what tells them apart."""
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout
    )
    page.wait_for_selector(
        "[data-testid='stMainBlockContainer'] [data-testid='stElementContainer']",
        timeout=timeout,
    )
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout
    )
    page.wait_for_function(
        "!document.querySelector(\"[data-testid='stSkeleton']\")", timeout=timeout
    )
    page.wait_for_timeout(300)
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout
    )


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
