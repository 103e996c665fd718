"""The pages' caches see the steering office's decisions (issue 15): a confirmation moves the
figures without a new snapshot, and one made by another process (the command line) is seen at
the next rerun, never a stale figure."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from analytics import reporting, store
from analytics.model import Filters, Scope
from analytics.reporting import ReportFields
from tests.helpers import ROOT, six_task_store

LATER = dt.date(2025, 10, 15)


def test_a_decision_by_another_process_reaches_the_cached_figures(tmp_path, monkeypatch):
    from analytics import accounts
    from ui import cache, data

    db = six_task_store(
        tmp_path, monkeypatch, {"btc": ("agency_editor", ("mof",)), "vpcp": ("coordinator", ())}
    )
    cache.clear()
    done = ReportFields(
        status_reported="completed", completed_on=dt.date(2025, 9, 20), evidence_text="VB 1"
    )
    saved = reporting.save_report(db, accounts.get_user(db, "btc"), "t1", done)
    first = data.tasks(LATER, Filters(), Scope.everything()).set_index("task_id")
    assert bool(first.loc["t1", "reported_completed"]) and first.loc["t1", "status"] == "overdue"
    assert data.tasks(LATER, Filters(), Scope.everything()) is data.tasks(
        LATER, Filters(), Scope.everything()
    )  # cached: the same frame while nothing changes
    ids = store.snapshots_in_force(db, LATER)
    cmd = [sys.executable, "-m", "analytics", "confirm", str(saved["claim_id"]), "--user", "vpcp"]
    out = subprocess.run(cmd + ["--db", str(db)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert store.snapshots_in_force(db, LATER) == ids  # no new snapshot
    after = data.tasks(LATER, Filters(), Scope.everything()).set_index("task_id")
    assert after.loc["t1", "status"] == "completed_on_time"
    assert data.aggregate("headline", LATER, Filters(), Scope.everything())["completed"] == 1
