"""The agency viewer's pages and every export (issue 16, items 7, 9, 11 and 12), through AppTest
from the router on a copy of the sample store, the store's own queries, and real workbooks
read back with openpyxl.

- a rank only when it means something, and for an agency viewer among all its peers (the
  setting TASKS_AGENCY_SEES_RANK), never the other agencies' figures;
- no one-row chart nor a toggle that shows nothing more for one agency; task names on the
  deadline chart; no derived id ("auto-…") anywhere;
- the late and overdue lists and their files with days overdue, the deadline as written, the
  causes an agency reported and the date of the snapshot each row is of;
- dd/mm/yyyy and the sources' English names in English; a placeholder of ours in every
  selectbox and multiselect; the Trends legend below the chart, the as-of label above it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from analytics import accounts, exports, metrics, reporting, reports, store
from analytics.agencies import CENTRAL_TYPES
from analytics.i18n import fmt_date, source_label, t
from analytics.ingest.planning import KNOWN_SOURCES, SOURCE_NQ71
from analytics.model import Filters, Scope, Task
from analytics.reporting import ReportFields
from analytics.reporting.words import cause_labels
from tests.helpers import AGENCIES, PW, assert_clean, open_page, seeded_session
from ui import data as ui_data

AUG = dt.date(2025, 8, 28)
NQ71_AUG_FILE = "nq71_2025-08-28.xlsx"
FUNDING = cause_labels(["funding"])[0]  # 'Chưa bố trí được kinh phí (khách quan)'

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")


def viewer(db, agency: str = "mof", name: str = "xem") -> dict:
    return seeded_session(db, name, "agency_viewer", (agency,))


def metrics_of(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at) -> list[str]:
    """The captions as read (markdown's escapes taken out)."""
    return [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]


def task_table(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if {"Tệp", "File"} & set(d.value.columns))


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def central_rank(db, agency_id: str, as_of: dt.date = AUG) -> str:
    """The rank among every central agency with at least 3 tasks due, computed here."""
    df = store.load_tasks(db, as_of, Filters(), Scope.everything())
    table = metrics.by_agency(df, store.list_agencies(db), as_of)
    peers = table[table["agency_type"].isin(CENTRAL_TYPES) & (table["due"] >= 3)]
    rate = peers.set_index("agency_id")["due_completion_rate"]
    return f"{int((rate > rate[agency_id]).sum()) + 1}/{len(peers)}"


# --------------------------------------------------------------------------- the rank


def test_an_agency_viewer_sees_its_rank_among_all_peers_and_nothing_of_theirs(sample_copy):
    at = open_page("agency", "vi", as_of=AUG, session=viewer(sample_copy))
    assert at.header[0].value == "Bộ Tài chính"
    shown = metrics_of(at)
    assert shown["Xếp hạng"] == central_rank(sample_copy, "mof") == "12/15"  # not "1/1"
    assert any("không chỉ các cơ quan tài khoản này được xem" in c for c in captions(at))
    assert "Bảng xếp hạng" not in [e.label for e in at.expander]  # no peers' figures
    assert all(not (d.value.columns == "Hạng").any() for d in at.dataframe)
    assert len(task_table(at)) == 59  # its own tasks only
    # no control that does nothing for one agency: no choice of agency, no zip of one workbook
    assert "agency_page_pick" not in [s.key for s in at.selectbox]
    assert "agency" not in [s.key for s in at.sidebar.selectbox]
    keys = [b.key for b in at.download_button]
    assert "report_zip" not in keys and "report_xlsx" in keys


def test_the_setting_keeps_the_rank_from_an_agency_viewer(sample_copy, monkeypatch):
    monkeypatch.setenv("TASKS_AGENCY_SEES_RANK", "0")
    at = open_page("agency", "vi", as_of=AUG, session=viewer(sample_copy))
    assert at.header[0].value == "Bộ Tài chính"
    assert "Xếp hạng" not in metrics_of(at)
    assert t("briefing.peer_title") not in [s.value for s in at.subheader]
    assert len(task_table(at)) == 59


def test_a_rank_that_means_nothing_is_not_shown(sample_copy):
    # Hà Nội has 2 tasks due at 28/08/2025: not ranked, so no rank figure, the reason said
    for session in ({}, viewer(sample_copy, "p01", "hn")):
        at = open_page("agency", "vi", as_of=AUG, query={"agency": "p01"}, session=session)
        assert at.header[0].value == "Hà Nội"
        assert "Xếp hạng" not in metrics_of(at)
        assert not any(v.endswith("/1") or v == "–" for v in metrics_of(at).values())
        assert "Chưa xếp hạng: cơ quan có 2 nhiệm vụ đã đến hạn, cần ít nhất 3." in captions(at)
    # a leader still sees a rank that means something, with the table of peers
    at = open_page("agency", "vi", as_of=AUG, query={"agency": "mof"})
    assert metrics_of(at)["Xếp hạng"] == "12/15"
    assert "Bảng xếp hạng" in [e.label for e in at.expander]


# --------------------------------------------------------------------------- charts and controls


def test_the_deadline_chart_names_its_tasks(sample_copy):
    at = open_page("agency", "vi", as_of=AUG, query={"agency": "mof"})
    timeline = next(c for c in charts(at) if c["data"][0]["type"] == "scatter")
    labels = [y for trace in timeline["data"] for y in trace["y"]]
    df = store.load_tasks(sample_copy, AUG, Filters(agency_ids=("mof",)), Scope.everything())
    open_ = df[df["status"].isin(("overdue", "in_progress")) & df["deadline"].notna()]
    titles = dict(zip(open_["task_id"], open_["title"], strict=True))
    assert labels and len(labels) == min(len(open_), 60)
    for label in labels:
        code, start = label.split(" · ", 1)
        assert titles[code].startswith(start.rstrip("…")), label


def test_one_agency_gets_no_one_row_heat_map_and_no_idle_toggle(sample_copy):
    at = open_page("workload", "vi", as_of=AUG, session=viewer(sample_copy))
    assert_clean(at)
    assert not [c for c in charts(at) if c["data"][0]["type"] == "heatmap"]
    assert "workload_all_agencies" not in [tg.key for tg in at.toggle]
    table = next(d.value for d in at.dataframe if "Cơ quan chủ trì" in d.value.columns)
    assert list(table["Cơ quan chủ trì"]) == ["Bộ Tài chính"]  # its months, in the table
    # for everyone the heat map and the toggle stay
    at = open_page("workload", "vi", as_of=AUG)
    assert [c for c in charts(at) if c["data"][0]["type"] == "heatmap"]
    assert "workload_all_agencies" in [tg.key for tg in at.toggle]


def test_the_trends_legend_is_below_the_chart_and_the_date_label_above_it(sample_copy):
    at = open_page("trends", "en", as_of=AUG)
    spec = charts(at)[0]
    legend = spec["layout"]["legend"]
    assert (legend["yref"], legend["y"], legend["yanchor"]) == ("container", 0, "bottom")
    [label] = spec["layout"]["annotations"]
    assert label["text"] == "As of 28/08/2025"
    assert (label["yref"], label["y"], label["yanchor"]) == ("paper", 1, "bottom")


# --------------------------------------------------------------------------- no derived ids


@pytest.fixture
def derived_store(tmp_path, monkeypatch):
    """Two tasks of the Ministry of Finance read from a file without an id column."""
    path = tmp_path / "derived.duckdb"
    monkeypatch.setenv("TASKS_DB", str(path))
    tasks = [
        Task(
            task_id=f"auto-fe4785b4d{i}",
            title=f"Xây dựng đề án số {i}",
            lead_ids=("mof",),
            lead_text="Bộ Tài chính",
            deadline=dt.date(2025, 8, 1 + i),
            deadline_text=f"0{1 + i}/08/2025",
            deadline_kind="date",
            status_class="in_progress_on_time",
            id_derived=True,
            row=5 + i,
            sheet="PL",
        )
        for i in range(2)
    ]
    store.commit_snapshot(path, source=SOURCE_NQ71, as_of=AUG, tasks=tasks, agencies=AGENCIES,
                          file_bytes=b"no ids", file_name="khong_ma.xlsx")  # fmt: skip
    return path


def test_a_derived_id_is_shown_nowhere(derived_store):
    at = open_page("agency", "vi", as_of=AUG, query={"agency": "mof"})
    table = task_table(at)
    assert set(table["Mã nhiệm vụ"]) == {""} and len(table) == 2
    assert set(table["Tệp"]) == {"khong_ma.xlsx"}
    timeline = next(c for c in charts(at) if c["data"][0]["type"] == "scatter")
    labels = [y for trace in timeline["data"] for y in trace["y"]]
    assert sorted(labels) == ["Xây dựng đề án số 0", "Xây dựng đề án số 1"]
    page = json.dumps([d.value.to_dict() for d in at.dataframe], default=str)
    page += json.dumps(charts(at)) + " ".join(m.value for m in at.markdown)
    assert "auto-" not in page
    data = reports.build_briefing(derived_store, AUG, Filters(), Scope.everything(), "vi")
    book = load_workbook(io.BytesIO(reports.briefing_xlsx(data, "vi")))
    cells = [c for ws in book for row in ws.iter_rows(values_only=True) for c in row]
    assert not [c for c in cells if isinstance(c, str) and "auto-" in c]
    assert "Xây dựng đề án số 1" in cells


# --------------------------------------------------------------------------- the lists and files


@pytest.fixture
def reported_copy(sample_copy):
    """The sample with the Ministry of Finance's report on one of its overdue tasks."""
    df = store.load_tasks(sample_copy, AUG, Filters(agency_ids=("mof",)), Scope.everything())
    overdue = df[df["status"] == "overdue"].sort_values("task_id").iloc[0]
    accounts.add_user(sample_copy, "btc", "agency_editor", password=PW, agency_ids=("mof",))
    report = ReportFields(
        status_reported="in_progress",
        cause_codes=("funding",),
        cause_text="Dự toán chờ phê duyệt",
    )
    btc = accounts.get_user(sample_copy, "btc")
    reporting.save_report(sample_copy, btc, overdue["task_id"], report, source=overdue["source"])
    return sample_copy, overdue


def sheet_rows(payload: bytes, sheet: str | None = None, head: int = 1) -> list[dict]:
    book = load_workbook(io.BytesIO(payload))
    ws = book[sheet] if sheet else book.worksheets[0]
    rows = list(ws.iter_rows(min_row=head, values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_the_overdue_list_and_its_files_say_days_causes_deadline_and_snapshot_date(reported_copy):
    db, task = reported_copy
    df = store.load_tasks(db, AUG, Filters(), Scope.everything())
    overdue = df[df["status"] == "overdue"]
    columns = ui_data.BRIEFING_LIST_COLUMNS["overdue"]
    shown = exports.present_tasks(overdue, store.list_agencies(db), "vi", columns)
    rows = {r["Mã nhiệm vụ"]: r for r in sheet_rows(exports.to_xlsx({"qh": shown}, "vi"))}
    row = rows[task["task_id"]]
    assert row["Số ngày quá hạn"] == int(task["days_overdue"]) > 0
    assert row["Thời hạn (như ghi)"] == task["deadline_text"]
    assert row["Nguyên nhân (đơn vị báo cáo)"] == FUNDING
    assert row["Diễn giải nguyên nhân"] == "Dự toán chờ phê duyệt"
    dates = {r["Ngày kỳ số liệu"] for r in rows.values()}
    assert dates == {dt.datetime(2025, 8, 28)}  # a real date cell, the snapshot's
    lines = exports.to_csv(shown).decode("utf-8-sig").splitlines()
    assert "Ngày kỳ số liệu" in lines[0]
    assert all("28/08/2025" in line for line in lines[1:])  # the CSV's dates dd/mm/yyyy too
    assert not any(re.search(r"\b20\d\d-\d\d-\d\d\b", line) for line in lines)
    # the workbook's overdue sheet: the same, and the file each row's figures come from
    data = reports.build_briefing(db, AUG, Filters(), Scope.everything(), "vi")
    book = reports.briefing_xlsx(data, "vi")
    sheet = {r["Mã nhiệm vụ"]: r for r in sheet_rows(book, "Quá hạn", head=3)}
    assert len(sheet) == len(overdue) == 34
    mine = sheet[task["task_id"]]
    assert mine["Nguyên nhân (đơn vị báo cáo)"] == FUNDING
    assert mine["Số ngày quá hạn"] == int(task["days_overdue"])
    assert mine["Thời hạn (như ghi)"] == task["deadline_text"]
    assert mine["Ngày kỳ số liệu"] == dt.datetime(2025, 8, 28)
    files = {(r["Nguồn"], r["Tệp"]) for r in sheet.values()}
    assert files <= {(SOURCE_NQ71, NQ71_AUG_FILE), (KNOWN_SOURCES[1], "tbkl_2025-08-28.xlsx")}


def test_the_agency_table_names_the_file_of_the_figures_shown(sample_copy):
    at = open_page("agency", "vi", as_of=AUG, query={"agency": "mof"})
    table = task_table(at)
    nq71 = table[table["Nguồn"] == SOURCE_NQ71]
    assert len(nq71) and set(nq71["Tệp"]) == {NQ71_AUG_FILE}  # not the July file
    assert set(table["Ngày kỳ số liệu"]) == {AUG}
    # and at 31/07/2025, the July file
    at = open_page("agency", "vi", as_of=dt.date(2025, 7, 31), query={"agency": "mof"})
    assert set(task_table(at).query("Nguồn == @SOURCE_NQ71")["Tệp"]) == {"nq71_2025-07-31.xlsx"}


# --------------------------------------------------------------------------- English


def test_every_known_source_has_an_english_name():
    for source in KNOWN_SOURCES:
        assert source_label(source, "vi") == source
        assert source_label(source, "en") != source and source_label(source, "en").isascii()
    assert source_label("Kế hoạch riêng của tỉnh", "en") == "Kế hoạch riêng của tỉnh"
    assert source_label(None, "en") == ""


def test_english_pages_have_dd_mm_yyyy_and_english_source_names(sample_copy):
    at = open_page("agency", "en", as_of=AUG, query={"agency": "mof"})
    assert any("Figures as of 28/08/2025" in c for c in captions(at))
    assert any("Resolution 71/NQ-CP – 28/08/2025" in c for c in captions(at))
    table = task_table(at)
    assert set(table["Source"]) == {
        "Resolution 71/NQ-CP",
        "Conclusion notices of the Central Steering Committee",
    }
    notes = [a["text"] for c in charts(at) for a in c["layout"].get("annotations", [])]
    text = " ".join([*captions(at), *notes])  # what is read (chart data are dates, not text)
    assert "28/08/2025" in " ".join(notes)
    assert "2025-08-28" not in text and "Nghị quyết" not in text
    assert fmt_date(AUG, "en") == fmt_date(AUG, "vi") == "28/08/2025"


# --------------------------------------------------------------------------- placeholders


def _widgets(at, kind: str):
    def walk(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    for root in (at.main, at.sidebar):
        for node in walk(root):
            if getattr(node, "type", "") == kind:
                yield node


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize(
    ("page", "role"),
    [("agency", None), ("workload", None), ("trends", None), ("data", "admin"), ("admin", "admin")],
)
def test_every_choice_has_a_placeholder_of_ours_even_with_a_value(sample_copy, page, role, lang):
    """Streamlit shows the placeholder when a chosen box is opened to search: without one of
    ours it says "Choose an option" (selectbox) or "Choose options" (multiselect)."""
    session = seeded_session(sample_copy, "quantri", role) if role else {}
    query = {"agency": "mof"} if page == "agency" else None
    at = open_page(page, lang, as_of=AUG, query=query, session=session)
    boxes = [*_widgets(at, "selectbox"), *_widgets(at, "multiselect")]
    assert boxes
    ours = {t(k, lang) for k in ("viewer16.pick_one", "viewer16.pick_some")}
    for box in boxes:
        text = box.proto.placeholder
        assert text and "Choose an option" not in text and "Choose options" not in text, box.label
        if lang == "en":
            assert text.isascii(), (box.label, text)
    assert ours & {b.proto.placeholder for b in boxes}


# --------------------------------------------------------------------------- after a commit


def _full_list(title: str) -> bytes:
    """The six tasks of tests.helpers.six_task_store as an admin's full list, under `title`."""
    import openpyxl

    from tests.helpers import SIX_TASK_LEADS

    names = {a.id: a.name_vi for a in AGENCIES}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([title])
    ws.append([])
    ws.append(["STT", "Mã nhiệm vụ", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn",
               "Trạng thái"])  # fmt: skip
    for i, (tid, leads) in enumerate(SIX_TASK_LEADS.items(), 1):
        lead = " ; ".join(names[a] for a in leads)
        ws.append([i, tid, f"Nhiệm vụ {tid}", lead, "30/09/2025", "Đang thực hiện"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _commit(day: dt.date):
    from analytics import templates
    from tests.helpers import signed_in

    at = signed_in("root")
    at.switch_page("pages/upload.py").run()
    at.date_input(key="up_as_of").set_value(day)
    at.run()
    data = _full_list(f"DANH MỤC NHIỆM VỤ NGHỊ QUYẾT 71/NQ-CP (số liệu đến ngày {day:%d/%m/%Y})")
    at.file_uploader(key="up_file").upload("ds.xlsx", data, templates.XLSX_MIME).run()
    assert not at.exception, at.exception
    [button] = [b for b in at.button if b.key == "up_commit"]
    assert not button.disabled
    button.click().run()
    assert not at.exception, at.exception
    return [s.value for s in at.success]


@pytest.fixture
def six_tasks(tmp_path, monkeypatch):
    from tests.helpers import six_task_store

    return six_task_store(tmp_path, monkeypatch, {"root": ("admin", ())})  # as of 28/08/2025


def test_a_back_dated_file_says_it_changes_the_past_not_the_latest_view(six_tasks):
    said = " ".join(_commit(dt.date(2025, 7, 31)))
    assert "Đã ghi nhận bản số liệu #2" in said
    assert (
        "Số liệu thay đổi từ ngày 31/07/2025 đến trước ngày 28/08/2025; "
        "số liệu mới nhất không đổi." in said
    )
    dates = store.list_snapshots(six_tasks)["as_of"]
    assert sorted(pd.Timestamp(d).date() for d in dates) == [dt.date(2025, 7, 31), AUG]


def test_a_file_after_the_latest_says_it_is_the_latest_view(six_tasks):
    said = " ".join(_commit(dt.date(2025, 9, 15)))
    assert "Đã ghi nhận bản số liệu #2: 6 nhiệm vụ" in said
    assert "Số liệu thay đổi từ ngày 15/09/2025 trở đi; đây là số liệu mới nhất." in said


@pytest.fixture
def deferred(monkeypatch) -> dict:
    """The files the download buttons hand out, by file name (made when the test asks, as
    Streamlit makes them when the browser does)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    found: dict[str, tuple] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kw)
        found[file_name] = (self, file_id)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return found


def downloaded(at, deferred: dict, key: str, name: str) -> bytes:
    next(b for b in at.download_button if b.key == key).click().run()
    assert not at.exception
    manager, file_id = deferred[name]
    url = manager.execute_deferred(file_id)  # what the browser's request runs
    return manager._storage.get_file(url.rsplit("/", 1)[-1]).content


def test_the_agency_tables_file_has_every_column_and_the_file_of_its_figures(sample_copy, deferred):
    at = open_page("agency", "vi", as_of=AUG, query={"agency": "mof"})
    on_screen = set(task_table(at).columns)
    reported = "Nguyên nhân (đơn vị báo cáo)"
    assert reported not in on_screen  # no report yet: not on the screen
    payload = downloaded(at, deferred, "agency_task_table_dl_xlsx", "tasks_mof_2025-08-28.xlsx")
    rows = sheet_rows(payload)
    assert len(rows) == 59 and reported in rows[0]  # the file keeps every column
    assert on_screen <= set(rows[0])
    nq71 = [r for r in rows if r["Nguồn"] == SOURCE_NQ71]
    assert nq71 and {r["Tệp"] for r in nq71} == {NQ71_AUG_FILE}
    assert {r["Ngày kỳ số liệu"] for r in rows} == {dt.datetime(2025, 8, 28)}
    overdue = [r for r in rows if r["Tình trạng"] == "Quá hạn chưa hoàn thành"]
    assert len(overdue) == 5 and all(r["Số ngày quá hạn"] > 0 for r in overdue)
