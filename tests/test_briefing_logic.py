"""analytics/briefing.py (pure figures of the Briefing and Agency pages) and ui/charts.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from analytics import briefing as B
from analytics import metrics, store
from analytics.i18n import t
from analytics.model import Filters, Scope
from analytics.style import STATUS_COLORS, STATUS_PATTERNS
from ui import charts

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 8, 28)


def task(
    tid,
    status,
    deadline=None,
    leads=("mof",),
    source="NQ71",
    difficult=False,
    days_overdue=None,
    days_late=None,
    causes=None,
    title=None,
):
    completed = status.startswith("completed")
    return {
        "source": source,
        "task_id": tid,
        "title": title or f"Nhiệm vụ {tid}",
        "lead_ids": list(leads),
        "support_ids": [],
        "deadline": pd.Timestamp(deadline) if deadline else pd.NaT,
        "deadline_text": "",
        "status": status,
        "completed": completed,
        "days_overdue": days_overdue,
        "days_late": days_late,
        "difficult": difficult,
        "causes": causes,
    }


def frame(*rows) -> pd.DataFrame:
    df = pd.DataFrame(list(rows))
    df["deadline"] = pd.to_datetime(df["deadline"])
    df["days_overdue"] = df["days_overdue"].astype("Int64")
    df["days_late"] = df["days_late"].astype("Int64")
    return df


def snapshots(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"snapshot_id": i, "source": s, "as_of": pd.Timestamp(d), "status": st}
            for i, (s, d, st) in enumerate(rows, 1)
        ]
    )


# --------------------------------------------------------------------------- snapshot dates


def test_previous_date_is_the_latest_active_snapshot_date_before_as_of():
    snaps = snapshots(
        ("NQ71", "2025-07-31", "active"),
        ("TBKL", "2025-07-31", "active"),
        ("NQ71", "2025-08-28", "active"),
        ("TBKL", "2025-08-15", "retracted"),
        ("TBKL", "2025-10-28", "active"),
    )
    assert B.previous_date(snaps, dt.date(2025, 8, 28)) == dt.date(2025, 7, 31)
    assert B.previous_date(snaps, dt.date(2025, 7, 31)) is None
    assert B.previous_date(snaps, dt.date(2025, 9, 15)) == dt.date(2025, 8, 28)
    assert B.previous_date(snaps, pd.Timestamp("2025-10-28")) == dt.date(
        2025, 8, 28
    )  # a Timestamp too
    assert B.previous_date(snaps, dt.date(2025, 10, 28), sources=("TBKL",)) == dt.date(2025, 7, 31)
    assert B.previous_date(snaps.iloc[0:0], AS_OF) is None


# --------------------------------------------------------------------------- cards


def test_headline_cards_values_and_deltas_in_both_languages():
    cur = {
        "total": 1652,
        "completed": 226,
        "completed_on_time": 161,
        "completed_late": 65,
        "overdue": 34,
        "in_progress": 374,
        "no_deadline": 18,
        "due": 231,
        "due_completed": 197,
        "due_completion_rate": 0.8528,
    }
    prev = {
        **cur,
        "total": 1634,
        "completed": 158,
        "overdue": 66,
        "no_deadline": 18,
        "due_completion_rate": 0.6667,
    }
    vi = {c.key: c for c in B.headline_cards(cur, prev, "vi", AS_OF)}
    assert vi["total"].value == "1.652" and vi["total"].delta == "+18"
    assert vi["overdue"].delta == "-32" and vi["overdue"].delta_color == "inverse"
    assert vi["no_deadline"].delta == "0"
    assert vi["due_completion_rate"].value == "85,3%"
    assert vi["due_completion_rate"].delta == "+18,6 đ.p."
    assert (
        "28/08/2025" in vi["due_completion_rate"].help
        and "197/231" in vi["due_completion_rate"].help
    )
    en = {c.key: c for c in B.headline_cards(cur, prev, "en", AS_OF)}
    assert en["total"].value == "1,652" and en["total"].label == "Total tasks"
    assert en["due_completion_rate"].delta == "+18.6 pp"
    assert [c.key for c in B.headline_cards(cur, None, "vi", AS_OF)] == [
        k for k, _, _ in B.CARD_KEYS
    ]
    assert all(c.delta is None for c in B.headline_cards(cur, None, "vi", AS_OF))


def test_the_labels_come_from_the_catalogue():  # every text: tests/test_texts.py
    assert t("common.central", "en") == "Ministries and agencies"
    assert t("status.overdue", "en") == "Overdue"


# --------------------------------------------------------------------------- lists

ROWS = frame(
    task("A1", "in_progress", "2025-08-28"),  # due today: at risk
    task("A2", "in_progress", "2025-09-27", leads=("mof", "p01")),  # as_of + 30: at risk
    task("A3", "in_progress", "2025-09-28"),  # as_of + 31: not yet
    task("A4", "completed_on_time", "2025-09-01"),  # done
    task("O1", "overdue", "2025-08-10", days_overdue=18, causes="Chờ hướng dẫn", difficult=True),
    task("O2", "overdue", "2025-05-01", leads=("p01",), days_overdue=119),
    task("L1", "completed_late", "2025-06-01", days_late=20, leads=("moit",), difficult=True),
    task("N1", "no_deadline", None, difficult=True),
)


def test_at_risk_is_open_tasks_due_within_thirty_days():
    assert B.at_risk(ROWS, AS_OF)["task_id"].tolist() == ["A1", "A2"]
    assert B.at_risk(ROWS, pd.Timestamp(AS_OF), days=31)["task_id"].tolist() == ["A1", "A2", "A3"]


def test_open_due_in_month_counts_overdue_ones_of_the_month():
    assert B.open_due_in_month(ROWS, AS_OF)["task_id"].tolist() == ["O1", "A1"]


def test_overdue_list_most_days_first():
    out = B.overdue_list(ROWS)
    assert out["task_id"].tolist() == ["O2", "O1"]
    assert out["causes"].tolist()[1] == "Chờ hướng dẫn"


def test_late_tasks_of_one_lead_agency_counts_co_led_tasks():
    assert B.late_tasks(ROWS)["task_id"].tolist() == ["O2", "L1", "O1"]
    assert B.late_tasks(ROWS, "p01")["task_id"].tolist() == ["O2"]
    assert B.late_tasks(ROWS, "moit")["task_id"].tolist() == ["L1"]
    assert B.late_tasks(ROWS, "nobody").empty


def test_difficult_tasks_overdue_first_completed_last():
    assert B.difficult_tasks(ROWS)["task_id"].tolist() == ["O1", "N1", "L1"]


def test_filter_tasks_and_months():
    assert B.task_months(ROWS) == ["2025-05", "2025-06", "2025-08", "2025-09", ""]
    assert B.filter_tasks(ROWS, statuses=["overdue"])["task_id"].tolist() == ["O1", "O2"]
    assert B.filter_tasks(ROWS, months=["2025-09"])["task_id"].tolist() == ["A2", "A3", "A4"]
    assert B.filter_tasks(ROWS, months=[""])["task_id"].tolist() == ["N1"]
    assert B.filter_tasks(ROWS, statuses=["in_progress"], months=["2025-08"])[
        "task_id"
    ].tolist() == ["A1"]
    assert len(B.filter_tasks(ROWS)) == len(ROWS)
    assert B.open_timeline(ROWS)["task_id"].tolist() == ["O2", "O1", "A1", "A2", "A3"]


def test_change_list_tags_each_change():
    before = frame(
        task("A", "in_progress", "2025-09-30"),
        task("B", "in_progress", "2025-08-01"),
        task("C", "in_progress", "2025-10-31"),
        task("D", "in_progress", "2025-12-31"),
    )
    after = frame(
        task("A", "completed_on_time", "2025-09-30"),
        task("B", "overdue", "2025-08-01"),
        task("C", "in_progress", "2025-11-30"),
        task("E", "in_progress", "2025-12-31"),
    )
    ch = B.compare(before, after)
    assert ch.counts() == {
        "new": 1,
        "removed": 1,
        "newly_completed": 1,
        "newly_overdue": 1,
        "deadline_moved": 1,
        "status_changed": 2,
    }
    out = B.change_list(ch)
    assert dict(zip(out["task_id"], out["change"], strict=True)) == {
        "B": "newly_overdue",
        "A": "newly_completed",
        "E": "new",
        "C": "deadline_moved",
        "D": "removed",
    }
    assert out.loc[out["task_id"] == "C", "deadline_before"].iloc[0] == pd.Timestamp("2025-10-31")


# --------------------------------------------------------------------------- agencies

AGENCY_TABLE = pd.DataFrame(
    [
        # agency_id, type, due, due_completed, late
        ("m1", "ministry", 10, 9, 3),
        ("m2", "ministerial_agency", 5, 4, 1),
        ("m3", "ministry", 10, 8, 4),
        ("m4", "gov_agency", 2, 2, 0),
        ("m5", "ministry", 20, 16, 6),
        ("p1", "province", 4, 1, 3),
        ("p2", "province", 3, 3, 0),
        ("pz", "province", 0, 0, 0),
        ("x1", "party", 6, 6, 0),
    ],
    columns=["agency_id", "agency_type", "due", "due_completed", "late"],
).assign(
    name_vi=lambda f: "Cơ quan " + f["agency_id"],
    name_en=lambda f: "Agency " + f["agency_id"],
    total=lambda f: f["due"] + 2,
    overdue=lambda f: f["late"] // 2,
    completed_late=lambda f: f["late"] - f["late"] // 2,
)
AGENCY_TABLE["due_completion_rate"] = (AGENCY_TABLE["due_completed"] / AGENCY_TABLE["due"]).where(
    AGENCY_TABLE["due"] > 0
)


def test_peer_ranking_ranks_only_agencies_with_enough_due_tasks_within_their_type():
    ranking = B.peer_ranking(AGENCY_TABLE, min_due=3)
    rank = {
        r.agency_id: (r.peer_group, None if pd.isna(r.rank) else int(r.rank), r.n_ranked)
        for r in ranking.itertuples()
    }
    # central: m1 0.9; m2, m3, m5 0.8 (a shared rank); m4 has 2 due tasks only
    assert rank["m1"] == ("central", 1, 4)
    assert rank["m2"] == rank["m3"] == rank["m5"] == ("central", 2, 4)
    assert rank["m4"] == ("central", None, 4)
    assert rank["p2"] == ("province", 1, 2) and rank["p1"] == ("province", 2, 2)
    assert rank["pz"][1] is None
    assert rank["x1"] == ("party", 1, 1)
    mine = B.peer_rank(ranking, "m3")
    assert (
        mine.label() == "2/4"
        and mine.rate == pytest.approx(0.8)
        and (mine.due, mine.due_completed) == (10, 8)
    )
    assert B.peer_rank(ranking, "m4").label() == "–"
    assert B.peer_rank(ranking, "unknown") is None
    assert B.peers_of(ranking, "central")["agency_id"].tolist()[0] == "m1"
    assert B.peer_rank(B.peer_ranking(AGENCY_TABLE, min_due=11), "m5").label() == "1/1"


def test_late_by_agency_per_group_sorted_and_narrowed_to_the_view():
    central = B.late_by_agency(AGENCY_TABLE, "central")
    assert central["agency_id"].tolist() == ["m5", "m3", "m1", "m2"]  # m4 has no late task
    assert B.late_by_agency(AGENCY_TABLE, "province")["agency_id"].tolist() == ["p1"]
    assert B.late_by_agency(AGENCY_TABLE, "central", agency_ids=("m1",))["agency_id"].tolist() == [
        "m1"
    ]
    assert B.late_by_agency(AGENCY_TABLE, "central", agency_types=("province",)).empty
    assert B.late_by_agency(AGENCY_TABLE.iloc[0:0], "central").empty


def test_agency_options_ministries_first():
    opts = B.agency_options(AGENCY_TABLE)
    assert opts[:5] == ["m1", "m2", "m3", "m4", "m5"] and opts[5:8] == ["p1", "p2", "pz"]
    assert B.agency_options(AGENCY_TABLE, ("province",)) == ["p1", "p2", "pz"]


# --------------------------------------------------------------------------- the sample


# sample_db: the session's sample database (tests/conftest.py); these tests only read it


def test_sample_reproduces_the_meeting_of_28_august(sample_db):
    df = store.load_tasks(sample_db, AS_OF, Filters(), Scope.everything())
    assert len(B.overdue_list(df)) == 34
    # "27 tasks with a deadline of completion in August 2025 that are likely to be delayed"
    assert len(B.open_due_in_month(df, AS_OF)) == 27
    nq71 = B.source_headlines(df, AS_OF)["Nghị quyết 71/NQ-CP"]
    assert (
        nq71["total"],
        nq71["completed"],
        nq71["completed_on_time"],
        nq71["completed_late"],
    ) == (330, 90, 65, 25)
    snaps = store.list_snapshots(sample_db)
    assert B.previous_date(snaps, AS_OF) == dt.date(2025, 7, 31)
    before = store.load_tasks(sample_db, dt.date(2025, 7, 31), Filters(), Scope.everything())
    counts = B.compare(before, df).counts()
    assert counts["newly_completed"] > 0 and counts["new"] == 652 - len(before) + counts["removed"]


def test_sample_peer_rank_of_the_ministry_of_finance(sample_db):
    df = store.load_tasks(sample_db, AS_OF, Filters(), Scope.everything())
    table = metrics.by_agency(df, store.list_agencies(sample_db), AS_OF)
    rank = B.peer_rank(B.peer_ranking(table), "mof")
    central = table[
        table["agency_type"].isin(("ministry", "ministerial_agency", "gov_agency"))
        & (table["due"] >= 3)
    ]
    better = int((central["due_completion_rate"] > 20 / 25).sum())
    assert (rank.due, rank.due_completed) == (25, 20)
    assert rank.label() == f"{better + 1}/{len(central)}"


# --------------------------------------------------------------------------- charts


def test_stacked_bars_labels_colours_patterns_and_ids():
    late = B.late_by_agency(AGENCY_TABLE, "central").assign(label=lambda f: f["name_en"])
    late.loc[0, "label"] = '<a href="javascript:alert(1)">x</a> & <img src=x onerror=alert(1)>'
    fig = charts.stacked_status_bars(
        late,
        "en",
        label_col="label",
        id_col="agency_id",
        statuses=B.LATE_STATUSES,
        title="Ministries and agencies",
    )
    spec = json.loads(fig.to_json())
    assert [t["name"] for t in spec["data"]] == ["Overdue", "Completed late"]
    assert spec["data"][0]["marker"]["color"] == STATUS_COLORS["overdue"]
    assert spec["data"][0]["marker"]["pattern"]["shape"] == STATUS_PATTERNS["overdue"]
    assert spec["data"][1]["marker"]["pattern"]["shape"] == STATUS_PATTERNS["completed_late"]
    assert spec["data"][0]["customdata"] == late["agency_id"].tolist()
    labels = spec["data"][0]["y"]
    assert labels[0].startswith("&lt;a href=") and "&amp;" in labels[0] and "<" not in labels[0]
    assert spec["layout"]["xaxis"]["title"]["text"] == "Tasks"
    assert spec["layout"]["yaxis"]["categoryarray"][-1] == labels[0]  # first row drawn on top


def test_donut_and_timeline_in_vietnamese():
    counts = {
        "completed_on_time": 3,
        "completed_late": 1,
        "overdue": 2,
        "in_progress": 4,
        "no_deadline": 0,
        "completed_timing_unknown": 0,
    }
    spec = json.loads(charts.status_donut(counts, "vi", "Cơ cấu").to_json())
    assert spec["data"][0]["labels"] == [
        "Hoàn thành đúng hạn",
        "Hoàn thành quá hạn",
        "Đang thực hiện trong hạn",
        "Quá hạn chưa hoàn thành",
    ]
    assert spec["data"][0]["marker"]["pattern"]["shape"] == ["", "/", "", "x"]
    spec = json.loads(charts.deadline_timeline(B.open_timeline(ROWS), "vi", AS_OF).to_json())
    assert [t["name"] for t in spec["data"]] == [
        "Quá hạn chưa hoàn thành",
        "Đang thực hiện trong hạn",
    ]
    assert spec["layout"]["xaxis"]["title"]["text"] == "Thời hạn"
    assert "28/08/2025" in spec["layout"]["annotations"][0]["text"]


def test_selected_ids_reads_a_click_on_a_bar():
    event = {
        "selection": {
            "points": [{"x": 3, "y": "Bộ Tài chính", "customdata": "mof"}],
            "point_indices": [1],
        }
    }
    assert charts.selected_ids(event) == ["mof"]
    assert charts.selected_ids({"selection": {"points": [{"customdata": ["p01", 3]}]}}) == ["p01"]
    assert charts.selected_ids({"selection": {"points": []}}) == []
    assert charts.selected_ids(None) == []
