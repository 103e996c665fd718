"""The Agency page (pages/agency.py) through AppTest, from the router app.py.

Figures are checked against `python -m analytics summary --agency ...` on a per-module copy of
the sample database (snapshots 31/07, 28/08 and 28/10/2025).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import accounts, metrics, store
from analytics.agencies import CENTRAL_TYPES
from analytics.model import Filters, Scope
from tests.helpers import PW, new_app, number, open_page, signed_in
from ui.html import esc

ROOT = Path(__file__).resolve().parent.parent
AUG = dt.date(2025, 8, 28)
JUL = dt.date(2025, 7, 31)
NQ71 = "Nghị quyết 71/NQ-CP"
CARDS = (
    "total",
    "completed",
    "overdue",
    None,
    "completed_on_time",
    "completed_late",
    "in_progress",
    "no_deadline",
)

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")


@pytest.fixture
def db(sample_copy) -> Path:
    return sample_copy


@pytest.fixture(scope="module")
def summary(sample_db):
    cache: dict[tuple, dict] = {}

    def get(as_of: dt.date, agency: str) -> dict:
        key = (as_of, agency)
        if key not in cache:
            cmd = [
                sys.executable,
                "-m",
                "analytics",
                "summary",
                "--db",
                str(sample_db),
                "--as-of",
                as_of.isoformat(),
                "--agency",
                agency,
            ]
            out = subprocess.run(
                cmd, cwd=ROOT, check=True, capture_output=True, text=True, timeout=120
            )
            cache[key] = json.loads(out.stdout)
        return cache[key]

    return get


def agency_page(
    as_of: dt.date | None = AUG, lang: str | None = None, query: dict | None = None, **state
) -> AppTest:
    return open_page("agency", lang, as_of=as_of, query=query, session=state)


def card_values(at: AppTest) -> dict[str, int]:
    return {k: number(m.value) for k, m in zip(CARDS, at.metric[: len(CARDS)], strict=True) if k}


def expected(totals: dict) -> dict[str, int]:
    return {k: totals[k] for k in CARDS if k}


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def task_table(at: AppTest) -> pd.DataFrame:
    """The agency's task table (the one with the provenance columns)."""
    return next(
        df.value for df in at.dataframe if "Tệp" in df.value.columns or "File" in df.value.columns
    )


def expected_rank(sample_db: Path, agency_id: str, as_of: dt.date = AUG) -> str:
    """Rank among central agencies with at least 3 due tasks, computed here from metrics.by_agency."""
    df = store.load_tasks(sample_db, as_of, Filters(), Scope.everything())
    table = metrics.by_agency(df, store.list_agencies(sample_db), as_of)
    peers = table[table["agency_type"].isin(CENTRAL_TYPES) & (table["due"] >= 3)]
    rate = peers.set_index("agency_id")["due_completion_rate"]
    return f"{int((rate > rate[agency_id]).sum()) + 1}/{len(peers)}"


# --------------------------------------------------------------------------- figures


def test_link_with_agency_mof_shows_its_figures(db, summary, sample_db):
    at = agency_page(None, query={"agency": "mof", "as_of": "2025-08-28"})
    assert at.title[0].value == "Bộ, ngành, địa phương"
    assert at.header[0].value == "Bộ Tài chính"
    assert card_values(at) == expected(summary(AUG, "mof")["totals"])
    assert card_values(at)["total"] == 59
    assert "Thay đổi so với số liệu ngày 31/07/2025" in [c.value for c in at.caption]
    deltas = [int(m.delta) for m in at.metric[:3]]
    jul = summary(JUL, "mof")["totals"]
    assert deltas == [
        summary(AUG, "mof")["totals"][k] - jul[k] for k in ("total", "completed", "overdue")
    ]
    assert metric(at, "Xếp hạng") == expected_rank(sample_db, "mof") == "12/15"
    assert metric(at, "Tỷ lệ hoàn thành (đến hạn)") == "80,0%"
    assert any("ít nhất 3 nhiệm vụ đã đến hạn" in c.value for c in at.caption)  # the rule is said


def test_time_travel(db, summary):
    at = agency_page(AUG, agency="mof")
    at.session_state["as_of"] = JUL
    at.run()
    assert not at.exception
    assert card_values(at) == expected(summary(JUL, "mof")["totals"])
    assert card_values(at) != expected(summary(AUG, "mof")["totals"])


def test_pick_an_agency_on_the_page(db, summary):
    at = agency_page(AUG)
    assert not at.metric  # nothing until an agency is chosen
    assert "Chọn một bộ, ngành hoặc địa phương để xem số liệu." in [i.value for i in at.info]
    pick = at.selectbox(key="agency_page_pick")
    assert pick.options[0] == "Bộ Công an"  # ministries first, by name
    assert (
        pick.options.index("Bộ Tài chính")
        < pick.options.index("Đà Nẵng")
        < pick.options.index("Hà Nội")
    )
    pick.set_value("p01").run()
    assert not at.exception
    assert at.header[0].value == "Hà Nội"
    assert card_values(at) == expected(summary(AUG, "p01")["totals"])


def test_task_table_filters_and_provenance(db, summary):
    at = agency_page(AUG, agency="mof")
    totals = summary(AUG, "mof")
    table = task_table(at)
    assert len(table) == totals["totals"]["total"]
    assert {
        "Tệp",
        "Trang tính",
        "Dòng",
        "Cơ quan phối hợp",
        "Số ngày chậm",
        "Nguồn",
        "Tình trạng",
    } <= set(table.columns)
    assert table["Tệp"].str.endswith(".xlsx").all() and table["Dòng"].notna().all()

    at.multiselect(key="agency_status").set_value(["overdue"]).run()
    table = task_table(at)
    assert len(table) == totals["totals"]["overdue"] == 5
    assert set(table["Tình trạng"]) == {"Quá hạn chưa hoàn thành"}

    at.multiselect(key="agency_status").set_value([]).run()
    at.multiselect(key="agency_source").set_value([NQ71]).run()
    nq71 = next(s for s in totals["by_source"] if s["source"] == NQ71)
    assert len(task_table(at)) == nq71["total"]

    at.multiselect(key="agency_source").set_value([]).run()
    at.multiselect(key="agency_month").set_value(["2025-08"]).run()
    table = task_table(at)
    months = {d.strftime("%Y-%m") for d in table["Thời hạn"]}
    assert months == {"2025-08"} and len(table) > 0
    assert f"{len(table)}/59 nhiệm vụ" in [c.value for c in at.caption]


def test_english_labels_and_charts(db):
    at = agency_page(AUG, lang="en", agency="mof")
    assert at.title[0].value == "Agency"
    assert at.header[0].value == "Ministry of Finance"
    assert [m.label for m in at.metric[:4]] == [
        "Total tasks",
        "Completed",
        "Overdue",
        "Completion rate (due)",
    ]
    assert metric(at, "Rank") == "12/15"
    donut = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "Overdue" in donut["data"][0]["labels"]
    timeline = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert [t["name"] for t in timeline["data"]] == ["Overdue", "In progress"]
    assert timeline["layout"]["xaxis"]["title"]["text"] == "Deadline"
    text = json.dumps([donut, timeline], ensure_ascii=False)
    assert "Quá hạn" not in text and "Thời hạn" not in text
    assert "File" in task_table(at).columns


def test_an_agency_viewer_gets_its_own_agency(db, summary):
    accounts.add_user(db, "hn", "agency_viewer", password=PW, agency_ids=("p01",))
    at = signed_in("hn", as_of=AUG)
    at.switch_page("pages/agency.py").run()
    assert not at.exception
    # nobody else in scope: its own agency at once, no choice on the page or in the sidebar
    assert "agency_page_pick" not in [s.key for s in at.selectbox]
    assert "agency" not in [s.key for s in at.sidebar.selectbox]
    assert at.header[0].value == "Hà Nội"
    assert card_values(at) == expected(summary(AUG, "p01")["totals"])


def test_a_deep_link_on_a_fresh_server_goes_through_the_router(db, fresh_server, summary):
    at = new_app(query={"agency": "mof", "as_of": "2025-08-28"})
    at.switch_page("pages/agency.py")
    at.run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Bộ, ngành, địa phương"
    assert at.sidebar.selectbox(key="agency").value == "mof"  # the router drew the sidebar
    assert card_values(at) == expected(summary(AUG, "mof")["totals"])


def test_hostile_agency_name_stays_inert(tmp_path, monkeypatch):
    from tests.test_page_briefing import EVIL, hostile_store

    path = tmp_path / "evil.duckdb"
    monkeypatch.setenv("TASKS_DB", str(path))
    hostile_store(path)
    at = agency_page(AUG, query={"agency": "x-evil"})
    assert at.header[0].value == esc(EVIL)
    assert card_values(at)["total"] == 3
    timeline = json.loads(at.get("plotly_chart")[1].proto.spec)
    hover = timeline["data"][0]["customdata"][0][0]
    assert "<" not in hover and hover.startswith("&lt;img")
    assert task_table(at)["Nội dung nhiệm vụ"].iloc[0] == EVIL
