"""The Briefing page (pages/briefing.py) through AppTest, from the router app.py.

The figures on the page are checked against the command line (`python -m analytics summary`) on
a per-module copy of the sample database (snapshots 31/07, 28/08 and 28/10/2025).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import accounts
from tests.helpers import PW, new_app, number, open_page, signed_in
from ui.html import esc

ROOT = Path(__file__).resolve().parent.parent
AUG = dt.date(2025, 8, 28)
JUL = dt.date(2025, 7, 31)
NQ71 = "Nghị quyết 71/NQ-CP"
TBKL = "Thông báo kết luận của Ban Chỉ đạo Trung ương"
# card order on the page (analytics.briefing.CARD_KEYS) → the summary's keys
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
CHANGES = 5  # the change counts drawn between the headline and the sources

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")


@pytest.fixture
def db(sample_copy) -> Path:
    return sample_copy


@pytest.fixture(scope="module")
def summaries(sample_db):
    cache: dict[tuple, dict] = {}

    def get(as_of: dt.date, agency: str | None = None) -> dict:
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
            ]
            if agency:
                cmd += ["--agency", agency]
            out = subprocess.run(
                cmd, cwd=ROOT, check=True, capture_output=True, text=True, timeout=120
            )
            cache[key] = json.loads(out.stdout)
        return cache[key]

    return get


def briefing(as_of: dt.date | None = AUG, lang: str | None = None, **state) -> AppTest:
    return open_page("briefing", lang, as_of=as_of, session=state)


def card_values(at: AppTest, start: int = 0) -> dict[str, int]:
    metrics = at.metric[start : start + len(CARDS)]
    return {key: number(m.value) for key, m in zip(CARDS, metrics, strict=True) if key}


def card_deltas(at: AppTest, start: int = 0) -> dict[str, int]:
    metrics = at.metric[start : start + len(CARDS)]
    return {key: int(m.delta) for key, m in zip(CARDS, metrics, strict=True) if key}


def expected(totals: dict) -> dict[str, int]:
    return {k: totals[k] for k in CARDS if k}


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


# --------------------------------------------------------------------------- figures


def test_headline_equals_the_command_line_summary(db, summaries):
    at = briefing(AUG)
    assert at.title[0].value == "Tổng quan"
    aug, jul = summaries(AUG), summaries(JUL)
    assert card_values(at) == expected(aug["totals"])
    assert card_values(at)["total"] == 652 and card_values(at)["overdue"] == 34
    # the change since the previous snapshot date, said with its date
    assert card_deltas(at) == {k: aug["totals"][k] - jul["totals"][k] for k in CARDS if k}
    assert "Thay đổi so với số liệu ngày 31/07/2025" in captions(at)
    labels = [m.label for m in at.metric[: len(CARDS)]]
    assert labels[0] == "Tổng số nhiệm vụ" and labels[3] == "Tỷ lệ hoàn thành (đến hạn)"
    assert at.metric[3].value == "85,3%"  # 197 of the 231 tasks due by 28/08/2025


def test_the_same_by_source(db, summaries):
    at = briefing(AUG)
    by_source = {s["source"]: s for s in summaries(AUG)["by_source"]}
    start = len(CARDS) + CHANGES
    assert card_values(at, start) == expected(by_source[NQ71])
    assert card_values(at, start + len(CARDS)) == expected(by_source[TBKL])
    # NQ71 on 28/08/2025: 90 completed, 65 on time and 25 late
    nq71 = card_values(at, start)
    assert (nq71["completed"], nq71["completed_on_time"], nq71["completed_late"]) == (90, 65, 25)
    assert f"**{esc(NQ71)}**" in [m.value for m in at.markdown]  # named above its cards, escaped


def test_time_travel_changes_the_figures(db, summaries):
    at = briefing(AUG)
    before = card_values(at)
    at.session_state["as_of"] = JUL
    at.run()
    assert not at.exception
    after = card_values(at)
    assert after != before
    assert after == expected(summaries(JUL)["totals"])
    assert "Chưa có kỳ số liệu trước ngày 31/07/2025 để so sánh." in captions(at)
    assert all(m.delta in ("", None) for m in at.metric[: len(CARDS)])


def test_sidebar_agency_filter(db, summaries):
    at = briefing(AUG, agency="mof")
    assert card_values(at) == expected(summaries(AUG, "mof")["totals"])
    # the late-task list holds Bộ Tài chính's late tasks only
    mof = summaries(AUG, "mof")["totals"]
    assert f"Tất cả nhiệm vụ chậm, muộn: {mof['overdue'] + mof['completed_late']}" in captions(at)


def test_before_the_first_snapshot_says_no_data(db):
    at = briefing(dt.date(2025, 1, 1))
    assert [i.value for i in at.info] == [
        "Chưa có số liệu cho ngày này. Hãy tải lên bảng theo dõi nhiệm vụ hoặc chọn ngày khác."
    ]
    assert not at.metric


def test_empty_store_says_no_data(tmp_path, monkeypatch):
    monkeypatch.setenv("TASKS_DB", str(tmp_path / "empty.duckdb"))
    at = briefing(None)
    assert "Chưa có số liệu cho ngày này" in at.info[0].value
    assert not at.metric


# --------------------------------------------------------------------------- lists and charts


def test_late_list_follows_the_agency_picked_and_show_all(db, summaries):
    at = briefing(AUG)
    bars = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert len(bars["data"][0]["y"]) == 10  # top 10 ministries
    assert bars["data"][0]["customdata"][0] == "most"  # the most late tasks first
    at.toggle(key="briefing_show_all").set_value(True).run()
    bars = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert len(bars["data"][0]["y"]) == 16
    mof = next(a for a in summaries(AUG)["by_agency"] if a["agency_id"] == "mof")
    at.selectbox(key="briefing_late_agency").set_value("mof").run()
    assert not at.exception
    late = mof["overdue"] + mof["completed_late"]
    assert f"Nhiệm vụ chậm, muộn của cơ quan đã chọn: {late}" in captions(at)
    table = next(df for df in at.dataframe if df.value.shape[0] == late)
    assert set(table.value["Cơ quan chủ trì"].str.contains("Bộ Tài chính")) == {True}


def test_at_risk_overdue_and_difficult_lists(db):
    at = briefing(AUG)
    values = {m.label: m.value for m in at.metric}
    assert values["Đến hạn trong 30 ngày tới"] == "62"
    assert values["Đến hạn trong T8/2025, chưa hoàn thành"] == "27"  # as the meeting of 28/08 said
    overdue = next(
        df.value
        for df in at.dataframe
        if "Số ngày quá hạn" in df.value.columns and len(df.value) == 34
    )
    assert overdue["Số ngày quá hạn"].is_monotonic_decreasing
    assert "Khó khăn, vướng mắc" in overdue.columns
    assert any(
        c.startswith("Theo chỉ đạo của Phó Thủ tướng") and "58 nhiệm vụ" in c for c in captions(at)
    )


def test_every_table_has_excel_and_csv(db):
    at = briefing(AUG)
    labels = [b.label for b in at.get("download_button")]
    # a long list shows its first rows, the whole of it behind "Xem tất cả N dòng": one table
    whole = sum(len(e.dataframe) for e in at.expander if e.label.startswith("Xem tất cả"))
    assert whole >= 4  # late, at risk, overdue, difficult
    tables = len(at.dataframe) - whole
    assert labels.count("Tải Excel") == tables and labels.count("Tải CSV") == tables
    assert tables >= 6  # by source, changes, late, at risk, overdue, difficult


def test_english_labels_and_charts(db):
    at = briefing(AUG, lang="en")
    assert at.title[0].value == "Briefing"
    assert [m.label for m in at.metric[:4]] == [
        "Total tasks",
        "Completed",
        "Overdue",
        "Completion rate (due)",
    ]
    assert at.metric[3].value == "85.3%"
    assert "Change since 31/07/2025" in captions(at)
    donut = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert donut["data"][0]["labels"][0] == "Completed on time"
    assert donut["layout"]["title"]["text"] == "Tasks by status"
    bars = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert [t["name"] for t in bars["data"]] == ["Overdue", "Completed late"]
    assert bars["layout"]["xaxis"]["title"]["text"] == "Tasks"
    assert bars["data"][0]["y"][0] == "Ministry of Science and Technology"
    text = json.dumps([donut, bars], ensure_ascii=False)
    assert "Quá hạn" not in text and "Hoàn thành" not in text and "Số nhiệm vụ" not in text


def test_english_by_url(db):
    at = new_app(query={"lang": "en", "as_of": "2025-08-28"})
    at.run()
    at.switch_page("pages/briefing.py").run()
    assert not at.exception
    assert at.title[0].value == "Briefing"
    assert card_values(at)["total"] == 652


def test_an_agency_viewer_sees_only_its_own_tasks(db, summaries):
    accounts.add_user(db, "tc", "agency_viewer", password=PW, agency_ids=("mof",))
    at = signed_in("tc", as_of=AUG)
    at.switch_page("pages/briefing.py").run()
    assert not at.exception
    assert card_values(at) == expected(summaries(AUG, "mof")["totals"])
    assert at.selectbox(key="briefing_late_agency").options == ["Tất cả cơ quan", "Bộ Tài chính"]


def test_a_deep_link_on_a_fresh_server_goes_through_the_router(db, fresh_server):
    # a fresh server runs /briefing straight from pages/: the page hands over to app.py
    at = new_app(query={"as_of": "2025-08-28"})
    at.switch_page("pages/briefing.py")
    at.run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Tổng quan"
    assert at.sidebar.date_input(key="as_of").value == AUG  # the router drew the sidebar
    assert card_values(at)["total"] == 652


EVIL = '<img src=x onerror=alert(1)> [x](javascript:alert(1)) **Bộ** =HYPERLINK("http://x")'


def hostile_store(path: Path) -> None:
    """One source and one agency whose names try markdown, HTML and a spreadsheet formula."""
    from types import SimpleNamespace

    from analytics import store
    from analytics.model import Task

    agencies = [SimpleNamespace(id="x-evil", name_vi=EVIL, name_en=EVIL, type="ministry")]
    tasks = [
        Task(
            task_id=f"T{i}",
            title=EVIL,
            lead_ids=("x-evil",),
            lead_text=EVIL,
            deadline=dt.date(2025, 8, d),
            deadline_text="",
            deadline_kind="date",
            status_class=cls,
            row=5 + i,
            sheet="S",
            causes=EVIL,
        )
        for i, (d, cls) in enumerate(
            [(1, "overdue_not_done"), (2, "done_late"), (30, "in_progress_on_time")]
        )
    ]
    store.commit_snapshot(
        path,
        source=EVIL,
        as_of=AUG,
        tasks=tasks,
        agencies=agencies,
        file_bytes=b"evil",
        file_name="evil.xlsx",
        user="tester",
    )


def test_hostile_names_stay_inert(tmp_path, monkeypatch):
    path = tmp_path / "evil.duckdb"
    monkeypatch.setenv("TASKS_DB", str(path))
    hostile_store(path)
    at = briefing(AUG)
    assert card_values(at)["total"] == 3
    assert f"**{esc(EVIL)}**" in [m.value for m in at.markdown]  # the source name, escaped
    # this page's own text (the header line of components.page_header is that module's concern)
    mine = [
        m.value for m in [*at.markdown, *at.caption] if not m.value.startswith("Số liệu tính đến")
    ]
    assert not [v for v in mine if "<img" in v.replace("\\<", "")]
    bars = json.loads(at.get("plotly_chart")[1].proto.spec)
    label = bars["data"][0]["y"][0]
    assert "<" not in label and label.startswith("&lt;img")  # Plotly shows it as text
    late = next(df.value for df in at.dataframe if "Cơ quan chủ trì" in df.value.columns)
    assert late["Cơ quan chủ trì"].iloc[0] == EVIL  # tables show the text as it is


def test_source_and_difficult_filters(db, sample_db):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics",
            "summary",
            "--db",
            str(sample_db),
            "--as-of",
            "2025-08-28",
            "--source",
            NQ71,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    at = briefing(AUG, sources=[NQ71])
    assert card_values(at) == expected(json.loads(out.stdout)["totals"])
    assert f"**{esc(TBKL)}**" not in [m.value for m in at.markdown]
    at = briefing(AUG, difficult=True)
    total = card_values(at)["total"]
    assert total == 58  # the tasks marked difficult on 28/08/2025
    assert any(c.startswith("Theo chỉ đạo") and f"{total} nhiệm vụ" in c for c in captions(at))
