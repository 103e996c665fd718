"""The Workload, Trends and Data pages through Streamlit's AppTest, on a copy of the sample store.

Runs start at the router (../app.py). AppTest treats every run as a fresh server's first, which
with a pages/ folder runs a requested page without the router; `steady_server` makes every run go
through app.py as a server does once st.navigation has run (the same approach as
tests/test_auth_app.py). `test_deep_link_on_a_fresh_server` keeps AppTest's behaviour.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import store
from analytics.i18n import fmt_month, t
from analytics.model import Filters, Scope
from tests.helpers import assert_clean, clear_caches, new_app, open_page, seeded_session

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2025-08-28"
LINK = {"as_of": AS_OF}  # the report date in the address, as a shared link has it
PAGES = {
    "pages/workload.py": "page.workload",
    "pages/trends.py": "page.trends",
    "pages/data.py": "page.data",
}

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")


def cli(*args, db):
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else None


@pytest.fixture(scope="module")
def module_db(sample_db, tmp_path_factory) -> Path:
    """The module's copy of the sample (read-only tests share it)."""
    db = tmp_path_factory.mktemp("pages") / "tasks.duckdb"
    shutil.copy(sample_db, db)
    return db


@pytest.fixture
def db(module_db, monkeypatch) -> Path:
    monkeypatch.setenv("TASKS_DB", str(module_db))
    return module_db


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    found = [f for f in frames(at) if column in f.columns]
    assert found, f"no table with a column {column!r}"
    return found[0]


def metrics_by_label(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_page_runs_in_both_languages(db, page, lang):
    at = open_page(page, lang, query=LINK)
    assert_clean(at)
    assert [x.value for x in at.title] == [t(PAGES[page], lang)]
    other = "en" if lang == "vi" else "vi"
    shown = " ".join(
        [x.value for x in at.subheader]
        + [x.value for x in at.caption]
        + [m.label for m in at.metric]
    )
    assert shown  # the page drew something besides the title
    if page != "pages/data.py":
        assert at.get("plotly_chart"), "a chart is drawn"
        for chart in at.get("plotly_chart"):
            spec = json.loads(chart.proto.spec)
            names = [tr.get("name") for tr in spec["data"] if tr.get("name")]
            # trace names are in the page's language, never the other's
            keys = ("completed_on_time", "overdue", "total")
            other_names = {t(f"status.{k}", other) for k in keys}
            assert not set(names) & other_names
    assert "28/08/2025" in shown  # dd/mm/yyyy in both languages


@pytest.mark.parametrize("page", list(PAGES))
def test_empty_store_says_there_is_no_data(tmp_path, monkeypatch, page):
    monkeypatch.setenv("TASKS_DB", str(tmp_path / "empty.duckdb"))
    at = open_page(page, "vi")
    assert_clean(at)
    assert t("common.no_data", "vi") in [x.value for x in at.info]
    assert not at.dataframe and not at.get("plotly_chart")


def test_deep_link_on_a_fresh_server(db, fresh_server):
    for page, key in PAGES.items():
        clear_caches()
        at = new_app()
        at.switch_page(page)  # the first run of a fresh server, straight to the page
        at.run()
        assert_clean(at)
        assert [x.value for x in at.title] == [t(key, "vi")], page
        assert at.radio(key="lang") is not None  # the router ran: the filters are there


# --------------------------------------------------------------------------- workload


def test_workload_months_equal_the_command_line_summary(db):
    at = open_page("pages/workload.py", "vi", query=LINK)
    assert_clean(at)
    assert at.selectbox(key="workload_year").value == 2025
    table = frame_with(at, "Tháng").set_index("Tháng")
    summary = cli("summary", "--as-of", AS_OF, db=db)
    expected = {m["month"]: m for m in summary["by_month"] if m["month"].startswith("2025-")}
    assert len(table) == 12
    for month in (f"2025-{k:02d}" for k in range(1, 13)):
        row = table.loc[fmt_month(month, "vi")]
        want = expected.get(month, {"due": 0, "completed": 0, "remaining": 0})
        got = (row["Đến hạn"], row["Đã hoàn thành"], row["Còn lại"])
        assert got == (want["due"], want["completed"], want["remaining"]), month
    assert table.loc["T8/2025", "Còn lại"] == 27
    # carried into August: every task overdue on 28/08 (34, the meeting's figure) is from before it
    assert table.loc["T8/2025", "Tồn đọng chuyển sang"] == summary["totals"]["overdue"] == 34
    m = metrics_by_label(at)
    open_2025 = sum(v["remaining"] for v in expected.values())
    assert m["Còn phải hoàn thành"] == str(open_2025)
    assert m["Cần hoàn thành mỗi tháng"] == f"{open_2025 / 5:.1f}".replace(".", ",")


def test_workload_chart_and_agencies(db):
    at = open_page("pages/workload.py", "en", query=LINK)
    assert_clean(at)
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    bars = charts[0]
    overdue = next(tr for tr in bars["data"] if tr.get("name") == "Overdue")
    assert overdue["marker"]["color"] == "#D55E00" and overdue["marker"]["pattern"]["shape"] == "x"
    assert "Aug 2025" in bars["data"][0]["x"]
    heat = next(c for c in charts if c["data"][0]["type"] == "heatmap")
    assert len(heat["data"][0]["y"]) == 15
    assert "Ministry of Science and Technology" in heat["data"][0]["y"]
    table = frame_with(at, "Lead agency")
    assert len(table) == 15
    at.toggle(key="workload_all_agencies").set_value(True).run()
    assert_clean(at)
    assert len(frame_with(at, "Lead agency")) > 15


def test_workload_other_year_and_month_list(db):
    at = open_page("pages/workload.py", "vi", query=LINK)
    at.selectbox(key="workload_year").set_value(2026).run()
    assert_clean(at)
    table = frame_with(at, "Tháng").set_index("Tháng")
    assert table.loc["T12/2026", "Đến hạn"] == 6  # the summary's 2026-12
    assert table["Thực tế lũy kế"].isna().all()  # nothing of 2026 is reported yet
    at.selectbox(key="workload_year").set_value(2025).run()
    at.selectbox(key="workload_month").set_value("2025-08").run()
    tasks = frame_with(at, "Mã nhiệm vụ")
    assert len(tasks) == 27  # the 27 August tasks at risk (28/08 meeting)


# --------------------------------------------------------------------------- trends


def test_trends_new_tasks_between_the_two_meetings(db):
    at = open_page("pages/trends.py", "vi", query=LINK)
    assert_clean(at)
    assert at.selectbox(key="trends_from").value == "2025-07-31"
    assert at.selectbox(key="trends_to").value == "2025-08-28"
    counts = frame_with(at, "Ngày báo cáo")
    assert len(counts) == 3
    new = frame_with(at, "Mã nhiệm vụ")  # the first tab: new tasks
    assert {"NQ71-329", "NQ71-330"} <= set(new["Mã nhiệm vụ"])
    m = metrics_by_label(at)
    assert m["Nhiệm vụ mới"] == str(len(new))
    before = store.load_tasks(db, dt.date(2025, 7, 31), Filters(), Scope.everything())
    after = store.load_tasks(db, dt.date(2025, 8, 28), Filters(), Scope.everything())
    assert set(new["Mã nhiệm vụ"]) == set(after["task_id"]) - set(before["task_id"])
    assert int(m["Điều chỉnh thời hạn"]) > 0
    moved = [f for f in frames(at) if "Thời hạn cũ" in f.columns]
    assert moved and (moved[0]["Thời hạn cũ"] != moved[0]["Thời hạn mới"]).all()


def test_trends_dates_from_the_url(db):
    at = open_page(
        "pages/trends.py", "en", query={**LINK, "from": "2025-08-28", "to": "2025-10-28"}
    )
    assert_clean(at)
    assert at.selectbox(key="trends_from").value == "2025-08-28"
    assert at.selectbox(key="trends_to").value == "2025-10-28"
    assert at.query_params["to"] == "2025-10-28"  # a shareable link keeps the choice
    m = metrics_by_label(at)
    assert int(m["Newly completed"]) > 0
    bad = open_page("pages/trends.py", "en", query={**LINK, "from": "1999-01-01"})
    assert_clean(bad)
    assert bad.selectbox(key="trends_from").value == "2025-07-31"  # unknown dates are ignored


# --------------------------------------------------------------------------- data


def test_data_search_folds_diacritics(db):
    at = open_page("pages/data.py", "vi", query=LINK)
    assert_clean(at)
    every = frame_with(at, "Mã nhiệm vụ")
    at.text_input(key="data_search").input("bo tai chinh").run()
    assert_clean(at)
    found = frame_with(at, "Mã nhiệm vụ")
    assert 0 < len(found) < len(every)
    lead_or_support = found["Cơ quan chủ trì"] + " " + found["Cơ quan phối hợp"].fillna("")
    assert lead_or_support.str.contains("Bộ Tài chính").all()
    assert found["Cơ quan chủ trì"].str.contains("Bộ Tài chính").any()
    # provenance: the file, sheet and row each task was read from
    assert found["Tệp"].str.endswith(".xlsx").all() and found["Dòng"].notna().all()
    at.text_input(key="data_search").input("NQ71-330").run()
    assert list(frame_with(at, "Mã nhiệm vụ")["Mã nhiệm vụ"]) == ["NQ71-330"]


def test_data_snapshots_warnings_and_original_file(db):
    at = open_page("pages/data.py", "en", query=LINK)
    assert_clean(at)
    snaps = frame_with(at, "Snapshot")
    assert len(snaps) == 6 and set(snaps["Status"]) == {"Active"}
    assert at.selectbox(key="data_snapshot") is not None
    at.selectbox(key="data_snapshot").set_value(3).run()
    assert_clean(at)
    button = at.get("download_button")
    labels = [b.proto.label for b in button]
    assert any("nq71_2025-08-28.xlsx" in label for label in labels)


def test_guest_has_no_admin_actions(db):
    at = open_page("pages/data.py", "vi", query=LINK)
    keys = {b.key for b in at.button}
    assert not keys & {"data_retract", "data_restore"}
    assert not [s for s in at.selectbox if s.key == "data_action_snapshot"]


# --------------------------------------------------------------------------- signed-in users


def august(at: AppTest) -> tuple[int, int, int]:
    row = frame_with(at, "Tháng").set_index("Tháng").loc["T8/2025"]
    return int(row["Đến hạn"]), int(row["Đã hoàn thành"]), int(row["Còn lại"])


def test_admin_retracts_and_restores_a_snapshot(sample_copy):
    session = seeded_session(sample_copy, "root", "admin")
    before = open_page("pages/workload.py", "vi", query=LINK, session=session)
    assert_clean(before)
    figures = august(before)
    assert figures == (73, 46, 27)

    at = open_page("pages/data.py", "vi", query=LINK, session=session)
    assert_clean(at)
    snaps = store.list_snapshots(sample_copy)
    target = int(
        snaps.loc[
            (snaps["source"] == "Nghị quyết 71/NQ-CP") & (snaps["as_of"] == "2025-08-28"),
            "snapshot_id",
        ].item()
    )
    at.selectbox(key="data_action_snapshot").set_value(target).run()
    at.button(key="data_retract").click().run()
    assert_clean(at)
    status = store.list_snapshots(sample_copy).set_index("snapshot_id")
    assert status.loc[target, "status"] == "retracted"
    assert status.loc[target, "status_changed_by"] == "root"
    assert any(f"#{target}" in x.value for x in at.success)

    at.switch_page("pages/workload.py").run()
    assert_clean(at)
    assert august(at) != figures  # the 28/08 NQ71 report no longer counts

    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_action_snapshot").set_value(target).run()
    at.button(key="data_restore").click().run()
    assert_clean(at)
    assert (
        store.list_snapshots(sample_copy).set_index("snapshot_id").loc[target, "status"] == "active"
    )
    at.switch_page("pages/workload.py").run()
    assert august(at) == figures

    from analytics import audit

    log = audit.read(sample_copy, actions=["retract", "restore"])
    assert list(log["action"]) == ["restore", "retract"]  # newest first
    assert set(log["target"]) == {str(target)} and set(log["username"]) == {"root"}


def test_agency_viewer_sees_only_their_tasks_and_no_files(sample_copy):
    session = seeded_session(sample_copy, "tc", "agency_viewer", ("mof",))
    at = open_page("pages/data.py", "vi", query=LINK, session=session)
    assert_clean(at)
    assert not [s for s in at.selectbox if s.key in ("data_snapshot", "data_action_snapshot")]
    labels = [b.proto.label for b in at.get("download_button")]
    assert not any(label.startswith(("Tải tệp gốc",)) for label in labels)
    assert t("page.data", "vi") in [x.value for x in at.title]
    tasks = frame_with(at, "Mã nhiệm vụ")
    everything = store.load_tasks(sample_copy, dt.date(2025, 8, 28), Filters(), Scope.everything())
    mof = everything[everything["lead_ids"].map(lambda ids: "mof" in list(ids))]
    assert set(tasks["Mã nhiệm vụ"]) == set(mof["task_id"])
    at.text_input(key="data_search").input("ha noi").run()
    found = [f for f in frames(at) if "Mã nhiệm vụ" in f.columns]
    assert not found or set(found[0]["Mã nhiệm vụ"]) <= set(mof["task_id"])

    at.switch_page("pages/workload.py").run()
    assert_clean(at)
    agencies = frame_with(at, "Cơ quan chủ trì")
    assert list(agencies["Cơ quan chủ trì"]) == ["Bộ Tài chính"]
