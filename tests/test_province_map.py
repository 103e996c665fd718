"""The map of provinces (issue 16): the tile grid (data/reference/province_grid.csv), the
per-province figures (analytics/province_map.py) against counts made here from the tasks the
store loads, the figure (ui/province_map.py), and the Briefing through AppTest: the map drawn,
a click on a square filtering the page, the way back, the viewer's scope.

A click is simulated as the browser sends it: the chart's selection state (a point with the
province's id in customdata) handed to the page's on_select callback, whose writes go into the
session before the next run, as Streamlit does (tests/e2e/test_province_map_browser.py clicks a
real square).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import pytest

from analytics import metrics, store
from analytics import province_map as PM
from analytics.agencies import default_resolver
from analytics.model import Filters, Scope
from tests.helpers import number, open_page, seeded_session
from ui import province_map as UM
from ui.html import esc

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "reference" / "provinces_34.csv"
AUG = dt.date(2025, 8, 28)
JUL = dt.date(2025, 7, 31)
COMPLETED = ("completed_on_time", "completed_late", "completed_timing_unknown")


def _reference() -> list[dict]:
    with REFERENCE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _grid_rows() -> list[dict]:
    with PM.GRID_PATH.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --------------------------------------------------------------------------- the grid


def test_the_grid_holds_each_province_of_the_reference_once_on_its_own_square():
    grid = PM.grid()
    ref = {"p" + r["code"]: r for r in _reference()}
    assert len(ref) == 34
    assert len(grid) == 34 and grid["agency_id"].is_unique
    assert set(grid["agency_id"]) == set(ref)
    cells = list(zip(grid["row"], grid["col"], strict=True))
    assert len(set(cells)) == 34  # no two provinces on one square
    assert grid["row"].min() == 0 and grid["col"].min() == 0
    for row in _grid_rows():  # names, codes and coordinates as the reference gives them
        r = ref[row["agency_id"]]
        assert (row["code"], row["name_vi"], row["name_en"]) == (
            r["code"],
            r["name_vi"],
            r["name_en"],
        )
        assert (float(row["lat"]), float(row["lon"])) == (float(r["lat"]), float(r["lon"]))
        assert row["source"].startswith("provinces_34.csv")


def test_the_grid_ids_are_the_provinces_the_app_resolves():
    provinces = {a.id: a for a in default_resolver().all() if a.type == "province"}
    grid = PM.grid().set_index("agency_id")
    assert set(provinces) == set(grid.index)
    for agency_id, agency in provinces.items():
        assert grid.loc[agency_id, "name_vi"] == agency.name_vi


def test_north_is_at_the_top_and_neighbours_stay_near():
    rows = _grid_rows()
    by_name = {r["name_vi"]: r for r in rows}
    assert int(by_name["Hà Nội"]["row"]) < int(by_name["Hồ Chí Minh"]["row"])
    assert int(by_name["Cao Bằng"]["row"]) == 0 and int(by_name["Cà Mau"]["row"]) == 15
    for a in rows:
        for b in rows:
            # a square below another is never more than a few km north of it
            if int(a["row"]) > int(b["row"]):
                assert float(a["lat"]) - float(b["lat"]) < 0.05, (a["name_vi"], b["name_vi"])
            # on one row, west to east
            if a["row"] == b["row"] and int(a["col"]) > int(b["col"]):
                assert float(a["lon"]) > float(b["lon"]), (a["name_vi"], b["name_vi"])
    for a in rows:  # every province's nearest province is on a square touching its own
        nearest = min((b for b in rows if b is not a), key=lambda b: _km(a, b))
        assert (
            max(abs(int(a["row"]) - int(nearest["row"])), abs(int(a["col"]) - int(nearest["col"])))
            == 1
        ), (a["name_vi"], nearest["name_vi"])


def _km(a: dict, b: dict) -> float:
    phi = math.radians((float(a["lat"]) + float(b["lat"])) / 2)
    dy = (float(a["lat"]) - float(b["lat"])) * 110.574
    dx = (float(a["lon"]) - float(b["lon"])) * 111.320 * math.cos(phi)
    return math.hypot(dx, dy)


def _min_cost_assignment(cost: list[list[float]]) -> list[int]:
    """The column of each row (rows <= columns) of least total cost (the Hungarian method)."""
    n, m = len(cost), len(cost[0])
    u, v, p, way = [0.0] * (n + 1), [0.0] * (m + 1), [0] * (m + 1), [0] * (m + 1)
    for i in range(1, n + 1):
        p[0], j0 = i, 0
        minv, used = [math.inf] * (m + 1), [False] * (m + 1)
        while p[j0]:
            used[j0], i0, delta, j1 = True, p[j0], math.inf, 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    out = [0] * n
    for j in range(1, m + 1):
        if p[j]:
            out[p[j] - 1] = j - 1
    return out


def derive_grid(reference: list[dict], cell_km: float = 100.0) -> dict[str, tuple[int, int]]:
    """The grid as data/reference/README.md says it was made: each centroid projected to km
    (equirectangular, at the mean latitude), measured in cells of `cell_km` from the north-west
    corner of the provinces' box; then every province put on one whole cell of that box so that
    the sum of the squared distances from the projected points to their cells is least."""
    lats = [float(r["lat"]) for r in reference]
    lons = [float(r["lon"]) for r in reference]
    phi = math.radians(sum(lats) / len(lats))
    top, west = max(lats), min(lons)
    points = [
        ((top - la) * 110.574 / cell_km, (lo - west) * 111.320 * math.cos(phi) / cell_km)
        for la, lo in zip(lats, lons, strict=True)
    ]
    rows = math.ceil(max(p[0] for p in points))
    cols = math.ceil(max(p[1] for p in points))
    cells = [(i, j) for i in range(rows + 1) for j in range(cols + 1)]
    cost = [[(p[0] - i) ** 2 + (p[1] - j) ** 2 for i, j in cells] for p in points]
    picked = _min_cost_assignment(cost)
    return {"p" + r["code"]: cells[k] for r, k in zip(reference, picked, strict=True)}


def test_the_grid_is_the_documented_derivation_from_the_coordinates():
    grid = {r["agency_id"]: (int(r["row"]), int(r["col"])) for r in _grid_rows()}
    assert grid == derive_grid(_reference())


# --------------------------------------------------------------------------- the figures


def _expected(df, agencies, agency_id: str) -> dict:
    """A province's figures counted here: the tasks led by it or one of its units."""
    units = set(agencies.loc[agencies["parent_id"] == agency_id, "agency_id"])
    led = df[df["lead_ids"].map(lambda ids: bool({agency_id, *units} & set(ids)))]
    led = led[led["status"] != "cancelled"]
    total = len(led)
    completed = int(led["status"].isin(COMPLETED).sum())
    return {
        "total": total,
        "completed": completed,
        "overdue": int((led["status"] == "overdue").sum()),
        "completion_rate": completed / total if total else None,
    }


@pytest.mark.parametrize(
    ("as_of", "filters"),
    [(AUG, Filters()), (JUL, Filters()), (AUG, Filters(difficult_only=True))],
    ids=["aug", "jul", "difficult"],
)
def test_figures_equal_counts_from_the_tasks(sample_db, as_of, filters):
    df = store.load_tasks(sample_db, as_of, filters, Scope.everything())
    agencies = store.list_agencies(sample_db)
    frame = PM.province_figures(metrics.by_agency(df, agencies, as_of))
    assert len(frame) == 34 and frame["in_scope"].all()
    for _, row in frame.iterrows():
        want = _expected(df, agencies, row["agency_id"])
        got = {k: row[k] for k in ("total", "completed", "overdue", "completion_rate")}
        assert got == want, row["agency_id"]
        assert row["has_tasks"] == (want["total"] > 0)
    if filters.difficult_only:  # some provinces lead no difficult task: still on the map
        assert (~frame["has_tasks"]).any()
        assert frame.loc[~frame["has_tasks"], "completion_rate"].isna().all()


def test_the_sample_figures_on_28_08(sample_db):
    df = store.load_tasks(sample_db, AUG, Filters(), Scope.everything())
    frame = PM.province_figures(metrics.by_agency(df, store.list_agencies(sample_db), AUG))
    hanoi = frame.set_index("agency_id").loc["p01"]
    assert (hanoi["total"], hanoi["completed"], hanoi["overdue"]) == (4, 2, 1)
    assert frame["overdue"].sum() == 16 and frame["total"].sum() == 148


def test_scope_narrows_the_map(sample_db):
    agencies = store.list_agencies(sample_db)
    one = Scope.agencies(["p01"])
    df = store.load_tasks(sample_db, AUG, Filters(), one)
    frame = PM.province_figures(
        metrics.by_agency(df, agencies, AUG, one.agency_ids), one.agency_ids
    )
    assert PM.shown(frame)
    assert frame.loc[frame["in_scope"], "agency_id"].tolist() == ["p01"]
    outside = frame[~frame["in_scope"]]
    assert len(outside) == 33 and (outside[["total", "completed", "overdue"]] == 0).all().all()
    mof = Scope.agencies(["mof"])
    df = store.load_tasks(sample_db, AUG, Filters(), mof)
    # Bộ Tài chính co-leads tasks with provinces; its viewer still sees no province
    frame = PM.province_figures(
        metrics.by_agency(df, agencies, AUG, mof.agency_ids), mof.agency_ids
    )
    assert not PM.shown(frame)


# --------------------------------------------------------------------------- the figure


def _figure(sample_db, measure="overdue", lang="vi", selected=None):
    df = store.load_tasks(sample_db, AUG, Filters(), Scope.everything())
    frame = PM.province_figures(metrics.by_agency(df, store.list_agencies(sample_db), AUG))
    return frame, UM.figure(frame, measure, lang, selected)


def test_the_figure_draws_a_square_per_province_with_name_and_value(sample_db):
    frame, fig = _figure(sample_db, selected="p01")
    (trace,) = fig.data  # every province has tasks on 28/08/2025
    ids = [c[0] for c in trace.customdata]
    assert sorted(ids) == sorted(frame["agency_id"])
    by_id = frame.set_index("agency_id")
    for i, agency_id in enumerate(ids):
        row = by_id.loc[agency_id]
        assert (trace.x[i], trace.y[i]) == (row["col"], row["row"])
        assert trace.marker.color[i] == row["overdue"]
        assert trace.text[i].endswith(f"<br><b>{row['overdue']}</b>")
        assert trace.marker.line.width[i] == (3 if agency_id == "p01" else 0)
    hanoi = ids.index("p01")
    assert trace.text[hanoi].startswith("Hà<br>Nội")
    assert "Tổng số nhiệm vụ: 4" in trace.hovertext[hanoi]
    assert "Đã hoàn thành: 2 (50,0%)" in trace.hovertext[hanoi]
    assert fig.layout.yaxis.range == (15.5, -0.5)  # row 0 (the north) on top
    assert trace.marker.colorbar.title.text == "Số nhiệm vụ quá hạn"


def test_the_completion_rate_in_english(sample_db):
    frame, fig = _figure(sample_db, "completion_rate", "en")
    (trace,) = fig.data
    hcm = [c[0] for c in trace.customdata].index("p79")
    assert trace.text[hcm].startswith("HCMC<br>")
    assert trace.text[hcm].endswith("<b>56%</b>")  # 5 of 9
    assert trace.marker.color[hcm] == pytest.approx(5 / 9)
    assert (trace.marker.cmin, trace.marker.cmax) == (0, 1)
    hover = trace.hovertext[hcm]
    assert "Ho Chi Minh City" in hover and "Total tasks: 9" in hover
    assert not any(w in hover for w in ("Tổng", "Đã hoàn", "Bấm"))
    assert trace.marker.colorbar.title.text == "Completion rate (of all tasks)"


def test_provinces_without_tasks_are_grey_and_cannot_be_picked():
    frame = PM.province_figures(None)
    assert not frame["has_tasks"].any() and frame["in_scope"].all()
    fig = UM.figure(frame, "overdue", "vi")
    (trace,) = fig.data
    assert trace.marker.color == UM.NO_TASKS and trace.customdata is None
    assert all(text.endswith("<b>–</b>") for text in trace.text)
    assert all("Không có nhiệm vụ nào." in h for h in trace.hovertext)


# --------------------------------------------------------------------------- the callback


def _click(agency_id: str) -> dict:
    return {"selection": {"points": [{"customdata": [agency_id]}], "point_indices": [0]}}


def test_the_callback_sets_the_sidebar_filter_and_a_second_click_clears_it():
    key = UM.chart_key({})
    state = {key: _click("p01"), "agency": "mof", "agency_type": "central"}
    UM.on_select(key, ("p01", "p79"), state)
    assert state["agency"] == "p01"
    assert state["agency_type"] == "all"  # a ministries-only view would drop the province
    assert UM.chart_key(state) != key  # the next chart starts without a selection
    key = UM.chart_key(state)
    state[key] = _click("p01")
    UM.on_select(key, ("p01", "p79"), state)
    assert state["agency"] == ""
    state[UM.chart_key(state)] = _click("p48")  # not among the options (no tasks): nothing
    UM.on_select(UM.chart_key(state), ("p01", "p79"), state)
    assert state["agency"] == ""
    quiet = {**state, UM.chart_key(state): None}  # no selection (a double click): nothing
    UM.on_select(UM.chart_key(state), ("p01",), quiet)
    assert quiet == {**state, UM.chart_key(state): None}


# --------------------------------------------------------------------------- the page


app_test = pytest.mark.usefixtures("steady_server", "app_clean")


def _map(at) -> tuple[dict, str]:
    """The map's chart spec and its key (the chart whose id names UM.MAP_KEY)."""
    found = [c for c in at.get("plotly_chart") if UM.MAP_KEY in c.proto.id]
    assert len(found) == 1
    chart = found[0]
    return json.loads(chart.proto.spec), chart.proto.id.split("-")[-1]


def _total(at) -> int:
    return number(next(m.value for m in at.metric if m.label == "Tổng số nhiệm vụ"))


def _click_square(at, agency_id: str):
    """What Streamlit does on a click: the callback reads the chart's selection and writes the
    session state, then the page runs again."""
    spec, key = _map(at)
    options = tuple(c[0] for c in spec["data"][0]["customdata"])
    state = {
        k: at.session_state[k]
        for k in ("agency", "agency_type", UM.GEN_KEY)
        if k in at.session_state
    }
    state[key] = _click(agency_id)
    UM.on_select(key, options, state)
    for k in ("agency", "agency_type", UM.GEN_KEY):
        if k in state:
            at.session_state[k] = state[k]
    return at.run()


@app_test
def test_the_briefing_shows_the_map_and_a_click_filters_the_page(sample_copy, sample_db):
    at = open_page("briefing", as_of=AUG)
    assert "Nhiệm vụ theo địa phương" in [s.value for s in at.subheader]
    spec, _ = _map(at)
    (trace,) = spec["data"]
    assert len(trace["customdata"]) == 34
    assert _total(at) == 652
    assert at.radio(key=UM.MEASURE_KEY).value == "overdue"

    at = _click_square(at, "p01")
    assert not at.exception
    df = store.load_tasks(sample_db, AUG, Filters(), Scope.everything())
    hanoi = _expected(df, store.list_agencies(sample_db), "p01")
    assert at.session_state["agency"] == "p01"
    assert at.query_params["agency"] == "p01"  # kept in the address
    assert _total(at) == hanoi["total"] == 4
    assert at.sidebar.selectbox(key="agency").value == "p01"
    line = "Trang đang lọc theo Hà Nội: 4 nhiệm vụ, 1 quá hạn chưa hoàn thành, đã hoàn thành"
    assert any(m.value.startswith(esc(line)) for m in at.markdown)
    spec, _ = _map(at)  # every province stays on the map, Hà Nội outlined
    (trace,) = spec["data"]
    ids = [c[0] for c in trace["customdata"]]
    assert len(ids) == 34
    widths = dict(zip(ids, trace["marker"]["line"]["width"], strict=True))
    assert widths["p01"] == 3 and sum(widths.values()) == 3

    at = _click_square(at, "p01")  # again: the filter is cleared
    assert at.session_state["agency"] == "" and "agency" not in at.query_params
    assert _total(at) == 652

    at = _click_square(at, "p79")
    assert _total(at) == 9
    at.button(key=UM.RESET_KEY).click().run()  # the reset button
    assert at.session_state["agency"] == "" and _total(at) == 652


@app_test
def test_the_measure_control_recolours_the_map(sample_copy):
    at = open_page("briefing", as_of=AUG)
    at.radio(key=UM.MEASURE_KEY).set_value("completion_rate").run()
    assert not at.exception
    spec, _ = _map(at)
    (trace,) = spec["data"]
    assert all(0 <= v <= 1 for v in trace["marker"]["color"])
    assert all(t.endswith("%</b>") for t in trace["text"])
    assert (
        trace["marker"]["colorbar"]["title"]["text"] == "Tỷ lệ hoàn thành (trên tổng số nhiệm vụ)"
    )


@app_test
def test_a_province_viewer_sees_only_its_square(sample_copy):
    session = seeded_session(sample_copy, "hn", "agency_viewer", ("p01",))
    at = open_page("briefing", as_of=AUG, session=session)
    spec, _ = _map(at)
    (trace,) = spec["data"]
    assert [c[0] for c in trace["customdata"]] == ["p01"]
    assert len(spec["layout"]["shapes"]) == 33  # the others pale, nothing written on them
    assert "Ô nhạt: địa phương ngoài phạm vi tài khoản được xem." in [c.value for c in at.caption]


@app_test
def test_a_ministry_viewer_sees_no_map(sample_copy):
    session = seeded_session(sample_copy, "tc", "agency_viewer", ("mof",))
    at = open_page("briefing", as_of=AUG, session=session)
    assert not [c for c in at.get("plotly_chart") if UM.MAP_KEY in c.proto.id]
    assert "Nhiệm vụ theo địa phương" not in [s.value for s in at.subheader]
