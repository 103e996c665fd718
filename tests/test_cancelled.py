"""Cancelled tasks end to end: a real workbook through `python -m analytics ingest` into a real
DuckDB file, then the figures. A cancelled task is counted apart (`cancelled` in `summary`) and
never in the total, the completion rate, the split, the months or the open lists; it is listed
apart in the briefing, the report and the workbook."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import sys

import openpyxl
import pytest
from openpyxl import Workbook

from analytics import briefing, history, metrics, reports, store, workload
from analytics.model import Filters, Scope
from tests.helpers import ROOT, open_page

AS_OF = dt.date(2025, 8, 28)
SOURCE = "Nghị quyết 71/NQ-CP"
HEADER = ["STT", "Mã NV", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Tình hình thực hiện"]
ROWS = [
    [1, "NV-01", "Sửa đổi Luật Quản lý thuế", "Bộ Tài chính", "30/06/2025", "Hoàn thành đúng hạn"],
    [2, "NV-02", "Nghị định về quỹ đầu tư", "Bộ Tài chính", "31/07/2025", "Đang thực hiện"],
    [3, "NV-03", "Đề án dữ liệu tài chính", "Bộ Tài chính", "15/09/2025", "Đang thực hiện"],
    [4, "NV-04", "Báo cáo tổng kết", "Bộ Tài chính", "31/07/2025", "Hoàn thành không đúng hạn"],
    # past its deadline and not done: overdue, were it not cancelled
    [5, "NV-05", "Đề án đã bỏ", "Bộ Tài chính", "30/06/2025", "Đã đưa ra khỏi danh mục"],
    # a proposal to remove is not a removal: still in the figures, overdue
    [6, "NV-06", "Đề án xin rút", "Bộ Tài chính", "30/06/2025", "Đề nghị đưa ra khỏi danh mục"],
    # due within 30 days and cancelled: not at risk
    [7, "NV-07", "Hội thảo", "Hà Nội", "10/09/2025", "Dừng thực hiện"],
]


def workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws.append(["TÌNH HÌNH THỰC HIỆN NHIỆM VỤ NGHỊ QUYẾT 71/NQ-CP"])
    ws.append([])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(*args, db) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *map(str, args), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr or proc.stdout
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cancelled")
    path = tmp / "nq71.xlsx"
    path.write_bytes(workbook(ROWS))
    db = tmp / "tasks.duckdb"
    run("ingest", path, "--as-of", AS_OF.isoformat(), "--source", SOURCE, db=db)
    return db


@pytest.fixture(scope="module")
def tasks(db):
    return store.load_tasks(db, AS_OF, Filters(), Scope.everything())


def test_summary_reports_cancelled_apart(db):
    doc = run("summary", "--as-of", AS_OF.isoformat(), db=db)
    totals = doc["totals"]
    assert totals["cancelled"] == 2
    # seven rows, two cancelled: five in the total and in the four-way split
    assert totals["total"] == 5
    assert (
        totals["completed_on_time"],
        totals["completed_late"],
        totals["in_progress"],
        totals["overdue"],
    ) == (1, 1, 1, 2)
    split = ("completed_on_time", "completed_late", "completed_timing_unknown")
    split += ("in_progress", "overdue", "no_deadline")
    assert sum(totals[k] for k in split) == totals["total"]
    agencies = {a["agency"]: a for a in doc["by_agency"]}
    mof, hanoi = agencies["Bộ Tài chính"], agencies["Hà Nội"]
    assert (mof["total"], mof["cancelled"]) == (5, 1)
    # an agency whose only task is cancelled: listed, with nothing in its figures
    assert (hanoi["total"], hanoi["cancelled"]) == (0, 1)
    assert [s["cancelled"] for s in doc["by_source"]] == [1 + 1]
    months = {m["month"]: m for m in doc["by_month"]}
    assert months["2025-06"] == {"month": "2025-06", "due": 2, "completed": 1, "remaining": 1}
    assert months["2025-09"]["due"] == 1  # NV-07, cancelled, is not due


def test_the_judged_status_is_cancelled_whatever_the_dates(tasks):
    row = tasks.set_index("task_id").loc["NV-05"]
    assert row["status_class"] == "cancelled" and row["status"] == "cancelled"
    assert not row["completed"] and row["days_overdue"] != row["days_overdue"]  # null
    assert tasks.set_index("task_id").loc["NV-06", "status"] == "overdue"


def test_the_completion_rate_leaves_cancelled_tasks_out(db, tasks):
    head = metrics.headline(tasks, AS_OF)
    # due by 28/08: NV-01, NV-02, NV-04, NV-06 (NV-05 is cancelled); done: NV-01, NV-04
    assert (head["due"], head["due_completed"]) == (4, 2)
    assert head["due_completion_rate"] == 0.5
    table = metrics.by_agency(tasks, store.list_agencies(db), AS_OF)
    hanoi = table.set_index("name_vi").loc["Hà Nội"]
    assert (hanoi["due"], hanoi["cancelled"]) == (0, 1)
    assert hanoi["due_completion_rate"] != hanoi["due_completion_rate"]  # none due: no rate


def test_the_trend_counts_them_as_the_summary_does(db, tasks):
    trend = history.trend(db)
    row = trend.iloc[-1].to_dict()
    expected = metrics.counts(tasks)
    assert {k: int(row[k]) for k in metrics.COUNT_KEYS} == expected
    assert expected["cancelled"] == 2


def test_open_lists_and_workload_leave_them_out(tasks):
    ids = lambda frame: sorted(frame["task_id"])  # noqa: E731
    assert ids(briefing.at_risk(tasks, AS_OF)) == ["NV-03"]  # not NV-07
    assert "NV-07" not in ids(briefing.open_due_in_month(tasks, dt.date(2025, 9, 5)))
    assert ids(briefing.cancelled_list(tasks)) == ["NV-05", "NV-07"]
    pace = workload.pace(tasks, 2025, AS_OF)
    assert (pace["due"], pace["open"], pace["cancelled"]) == (5, 3, 2)
    months = workload.monthly(tasks, 2025, AS_OF).set_index("month")
    assert months.loc["2025-06", "due"] == 2 and months.loc["2025-09", "due"] == 1
    assert "NV-05" not in ids(workload.due_in_month(tasks, "2025-06", open_only=False))


def test_headline_cards_show_the_cancelled_count_apart(tasks):
    head = metrics.headline(tasks, AS_OF)
    cards = {c.key: c for c in briefing.headline_cards(head, None, "vi", AS_OF)}
    assert cards["cancelled"].value == "2" and cards["total"].value == "5"
    assert "không tính vào tổng số" in cards["cancelled"].help
    en = {c.key: c for c in briefing.headline_cards(head, None, "en", AS_OF)}
    assert en["cancelled"].label == "Cancelled (counted separately)"


def test_the_report_lists_them_apart(db):
    data = reports.build_briefing(db, AS_OF, Filters(), Scope.everything(), "vi")
    assert data.parts["cancelled"] == 2 and data.parts["c"] == 3  # not completed: 2 overdue + 1
    assert "đạt 50,0%" in data.sentence("vi")
    pdf = reports.briefing_pdf(data, "vi")
    assert pdf.startswith(b"%PDF-")
    wb = openpyxl.load_workbook(io.BytesIO(reports.briefing_xlsx(data, "vi")))
    summary = {r[0].value: r[1].value for r in wb["Tổng hợp"].iter_rows(min_row=4)}
    assert summary["Đã hủy (không tính vào tổng số và tỷ lệ)"] == 2
    assert summary["Tổng số nhiệm vụ"] == 5
    cancelled = [r[0].value for r in wb["Đã hủy"].iter_rows(min_row=4)]
    assert cancelled == ["NV-05", "NV-07"]
    statuses = {r[0].value: r[4].value for r in wb["Danh sách nhiệm vụ"].iter_rows(min_row=4)}
    assert statuses["NV-05"] == "Đã hủy"
    hanoi = data.tasks.set_index("task_id").loc["NV-07", "lead_ids"][0]
    agency = openpyxl.load_workbook(io.BytesIO(reports.agency_xlsx(data, hanoi, "en")))
    assert [r[0].value for r in agency["Cancelled"].iter_rows(min_row=4)] == ["NV-07"]


# --------------------------------------------------------------------------- the pages


@pytest.fixture
def app_db(db, tmp_path, monkeypatch, app_clean, steady_server):
    """A copy of the store above as the app's database (pages may write sign-ins to it)."""
    path = tmp_path / "app.duckdb"
    shutil.copy(db, path)
    monkeypatch.setenv("TASKS_DB", str(path))
    return path


def test_briefing_page_shows_them_apart(app_db):
    at = open_page("briefing", as_of=AS_OF)
    metrics_shown = {m.label: m.value for m in at.metric}
    assert metrics_shown["Tổng số nhiệm vụ"] == "5"
    assert metrics_shown["Đã hủy (tính riêng)"] == "2"
    assert "Nhiệm vụ đã hủy (tính riêng)" in [h.value for h in at.subheader]
    listed = [df.value for df in at.dataframe if "Mã nhiệm vụ" in df.value.columns]
    assert any(sorted(f["Mã nhiệm vụ"]) == ["NV-05", "NV-07"] for f in listed)
    en = open_page("briefing", "en", as_of=AS_OF)
    assert {m.label: m.value for m in en.metric}["Cancelled (counted separately)"] == "2"


def test_agency_page_of_an_agency_whose_tasks_are_all_cancelled(app_db):
    hanoi = store.load_tasks(app_db, AS_OF, Filters(), Scope.everything())
    hanoi = hanoi.set_index("task_id").loc["NV-07", "lead_ids"][0]
    at = open_page("agency", as_of=AS_OF, session={"agency": hanoi})
    shown = {m.label: m.value for m in at.metric}
    assert shown["Tổng số nhiệm vụ"] == "0" and shown["Đã hủy (tính riêng)"] == "1"
    assert "Đã hủy" in at.multiselect(key="agency_status").options


def test_workload_page_says_what_it_leaves_out(app_db):
    at = open_page("workload", as_of=AS_OF)
    assert "Không tính 2 nhiệm vụ đã hủy có thời hạn trong năm 2025 (tính riêng)." in [
        c.value for c in at.caption
    ]
