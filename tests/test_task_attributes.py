"""Task attributes real systems carry: the assigning document ("Văn bản giao"), the date assigned
("Ngày giao"), the leader in charge ("Lãnh đạo phụ trách") and the agency's comment ("Ý kiến
của đơn vị"). Read from a workbook built here, ingested through the command line into a real
DuckDB file, and seen again in the store, the Excel exports, the `summary` filter, a database
file made before the attributes, and the Data page (AppTest)."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from streamlit.testing.v1 import AppTest

from analytics import sandbox_wire, store
from analytics.model import Filters, Scope, Task
from tests.helpers import open_page

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 8, 1)
LATER = dt.date(2025, 8, 15)
TB05 = "Thông báo 05-TB/BCĐTW"
NQ71 = "Nghị quyết 71/NQ-CP"
HEADERS = [
    "STT",
    "Mã nhiệm vụ",
    "Nội dung nhiệm vụ",
    "Cơ quan chủ trì",
    "Thời hạn",
    "Văn bản giao",
    "Ngày giao",
    "Lãnh đạo phụ trách",
    "Tình trạng",
    "Ý kiến của đơn vị",
]
ATTRIBUTES = ["source_doc", "assigned_date", "leader", "agency_comment"]


def rows(comment_1: str = "Đã trình Chính phủ", assigned_3: object = dt.datetime(2025, 3, 1)):
    return [
        [
            1,
            "NV-1",
            "Xây dựng đề án chuyển đổi số ngành tài chính",
            "Bộ Tài chính",
            dt.datetime(2025, 6, 30),
            TB05,
            dt.datetime(2025, 1, 15),
            "Thứ trưởng Nguyễn Văn An",
            "Đang thực hiện",
            comment_1,
        ],
        [
            2,
            "NV-2",
            "Hoàn thiện cơ sở dữ liệu quốc gia về tài chính",
            "Bộ Tài chính",
            dt.datetime(2025, 12, 31),
            TB05,
            "15/02/2025",  # a date written as text
            "Thứ trưởng Trần Thị Bình",
            "Đang thực hiện",
            None,
        ],
        [
            3,
            "NV-3",
            "Ban hành chiến lược công nghệ chiến lược",
            "Bộ Khoa học và Công nghệ",
            dt.datetime(2025, 7, 31),
            NQ71,
            assigned_3,
            "Thứ trưởng Lê Văn Cường",
            "Đang thực hiện",
            "Chậm do chờ ý kiến các bộ",
        ],
    ]


def workbook(path: Path, body: list[list], headers: list[str] = HEADERS) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Nhiệm vụ"
    ws.append(headers)
    for r in body:
        ws.append(r)
    wb.save(path)
    return path


def cli(*args, db: Path, code: int = 0) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == code, proc.stdout + proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else {}


def ingest(db: Path, path: Path, as_of: dt.date = AS_OF) -> dict:
    return cli("ingest", str(path), "--as-of", as_of.isoformat(), "--source", NQ71, db=db)


def tasks_at(db: Path, as_of: dt.date = AS_OF, **filters):
    df = store.load_tasks(db, as_of, Filters(**filters), Scope.everything())
    return df.set_index("task_id")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """One file ingested once (read-only tests share it)."""
    tmp = tmp_path_factory.mktemp("attributes")
    db = tmp / "tasks.duckdb"
    ingest(db, workbook(tmp / "giao_viec.xlsx", rows()))
    return db


# --------------------------------------------------------------------------- the store


def test_attributes_come_back_from_the_store(loaded):
    df = tasks_at(loaded)
    assert list(df.index) == ["NV-1", "NV-2", "NV-3"]
    assert list(df["source_doc"]) == [TB05, TB05, NQ71]
    assert list(df["assigned_date"]) == [
        dt.date(2025, 1, 15),
        dt.date(2025, 2, 15),  # the text '15/02/2025', day first
        dt.date(2025, 3, 1),
    ]
    assert list(df["leader"]) == [
        "Thứ trưởng Nguyễn Văn An",
        "Thứ trưởng Trần Thị Bình",
        "Thứ trưởng Lê Văn Cường",
    ]
    assert df.loc["NV-1", "agency_comment"] == "Đã trình Chính phủ"
    assert df.loc["NV-3", "agency_comment"] == "Chậm do chờ ý kiến các bộ"
    assert pd.isna(df.loc["NV-2", "agency_comment"])  # an empty cell


def test_an_assigned_date_that_is_no_date_is_a_warning_not_an_error(tmp_path):
    db = tmp_path / "tasks.duckdb"
    doc = ingest(db, workbook(tmp_path / "f.xlsx", rows(assigned_3="Quý I/2025")))
    assert doc["tasks"] == 3  # the row is kept
    bad = [w for w in doc["warnings"] if w["code"] == "bad_assigned_date"]
    assert len(bad) == 1
    assert (bad[0]["row"], bad[0]["column"], bad[0]["value"]) == (4, "Ngày giao", "Quý I/2025")
    assert "Quý I/2025" in bad[0]["message"] and "Quý I/2025" in bad[0]["message_vi"]
    assert "Dòng 4" in bad[0]["message_vi"] and "Row 4" in bad[0]["message"]
    df = tasks_at(db)
    assert df.loc["NV-3", "assigned_date"] is None
    assert df.loc["NV-3", "source_doc"] == NQ71


def test_a_changed_comment_is_a_new_version(tmp_path):
    db = tmp_path / "tasks.duckdb"
    ingest(db, workbook(tmp_path / "a.xlsx", rows()))
    ingest(db, workbook(tmp_path / "b.xlsx", rows(comment_1="Chính phủ đã ban hành")), LATER)
    with duckdb.connect(str(db), read_only=True) as con:
        versions = dict(
            con.execute("select task_id, count(*) from task_versions group by 1").fetchall()
        )
    assert versions == {"NV-1": 2, "NV-2": 1, "NV-3": 1}
    assert tasks_at(db, AS_OF).loc["NV-1", "agency_comment"] == "Đã trình Chính phủ"
    assert tasks_at(db, LATER).loc["NV-1", "agency_comment"] == "Chính phủ đã ban hành"


def test_tasks_travel_between_processes_with_their_attributes():
    task = Task(
        task_id="NV-1",
        title="T",
        lead_ids=("mof",),
        lead_text="Bộ Tài chính",
        source_doc=TB05,
        assigned_date=dt.date(2025, 1, 15),
        leader="Thứ trưởng",
        agency_comment="Đã trình",
        progress="Đã gửi dự thảo",
    )
    doc = json.loads(json.dumps(sandbox_wire.encode_tasks([task])))  # what the child sends
    assert sandbox_wire.decode_tasks(doc) == [task]


# --------------------------------------------------------------------------- filters and exports


def test_summary_counts_only_the_tasks_of_an_assigning_document(loaded):
    every = cli("summary", "--as-of", AS_OF.isoformat(), db=loaded)
    assert every["totals"]["total"] == 3
    only = cli("summary", "--as-of", AS_OF.isoformat(), "--source-doc", TB05, db=loaded)
    assert only["totals"]["total"] == 2
    assert only["source_docs"] == [TB05]
    assert {a["agency_id"] for a in only["by_agency"] if a["total"]} == {"mof"}
    both = cli(
        "summary", "--as-of", AS_OF.isoformat(), "--source-doc", TB05, "--source-doc", NQ71,
        db=loaded,
    )  # fmt: skip
    assert both["totals"]["total"] == 3
    typo = cli("summary", "--source-doc", "Thông báo 99-TB/BCĐTW", db=loaded, code=2)
    assert "Thông báo 99-TB/BCĐTW" in typo["errors"][0]["message"]


def test_the_store_filters_and_lists_assigning_documents(loaded):
    assert list(tasks_at(loaded, source_docs=(TB05,)).index) == ["NV-1", "NV-2"]
    docs = store.source_docs(loaded, AS_OF)
    assert dict(zip(docs["source_doc"], docs["n_tasks"], strict=True)) == {NQ71: 1, TB05: 2}
    mine = store.source_docs(loaded, AS_OF, scope=Scope.agencies(["most"]))
    assert list(mine["source_doc"]) == [NQ71]  # a viewer sees only their agencies' documents


def _sheet_rows(path: Path, title: str) -> list[dict]:
    """The rows of the sheet `title` under its header row, keyed by header."""
    wb = load_workbook(path, read_only=True)
    ws = wb[title]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(values) if "Văn bản giao" in r or "Assigning document" in r)
    return [dict(zip(values[head], r, strict=False)) for r in values[head + 1 :] if any(r)]


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("vi", ("Văn bản giao", "Ngày giao", "Lãnh đạo phụ trách", "Ý kiến của đơn vị")),
        ("en", ("Assigning document", "Date assigned", "Leader in charge", "Agency's comment")),
    ],
)
def test_the_excel_report_carries_the_attributes(loaded, tmp_path, lang, labels):
    out = tmp_path / "bao_cao.xlsx"
    cli(
        "report", "--as-of", AS_OF.isoformat(), "--format", "xlsx", "--out", str(out),
        "--lang", lang, db=loaded,
    )  # fmt: skip
    doc, date, leader, comment = labels
    by_id = {r[_id_label(lang)]: r for r in _sheet_rows(out, _sheet("common.task_list", lang))}
    assert set(by_id) == {"NV-1", "NV-2", "NV-3"}
    assert by_id["NV-1"][doc] == TB05 and by_id["NV-3"][doc] == NQ71
    assert by_id["NV-2"][date] == dt.datetime(2025, 2, 15)  # a real date cell
    assert by_id["NV-1"][leader] == "Thứ trưởng Nguyễn Văn An"
    assert by_id["NV-3"][comment] == "Chậm do chờ ý kiến các bộ"
    overdue = {r[_id_label(lang)]: r for r in _sheet_rows(out, _sheet("col.overdue", lang))}
    assert overdue["NV-1"][doc] == TB05 and overdue["NV-1"][leader] == "Thứ trưởng Nguyễn Văn An"


def _id_label(lang: str) -> str:
    return "Mã nhiệm vụ" if lang == "vi" else "Task id"


def _sheet(key: str, lang: str) -> str:
    from analytics.reports.xlsx import _sheet_name

    return _sheet_name(key, lang)


def test_the_page_download_carries_the_attributes(loaded):
    from analytics import exports

    df = tasks_at(loaded).reset_index()
    shown = exports.present_tasks(df, store.list_agencies(loaded), "vi")
    data = exports.to_xlsx({"nhiem_vu": shown}, "vi")
    ws = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[1]]
    for label in ("Văn bản giao", "Ngày giao", "Lãnh đạo phụ trách", "Ý kiến của đơn vị"):
        assert label in header
    col = header.index("Ngày giao") + 1
    assert ws.cell(row=2, column=col).value == dt.datetime(2025, 1, 15)


def test_the_my_tasks_workbook_reads_back_with_the_same_attributes(loaded):
    """An agency's 'my tasks' workbook, uploaded back unchanged, changes none of its tasks."""
    from analytics import templates
    from analytics.ingest import prepare

    mine = store.load_tasks(loaded, AS_OF, Filters(agency_ids=("mof",)), Scope.everything())
    data = templates.my_tasks_workbook(mine, agency_name="Bộ Tài chính", source=NQ71, as_of=AS_OF)
    p = prepare(data, "nhiem_vu_mof.xlsx", as_of=AS_OF)
    assert p.source == NQ71 and not p.errors
    back = store.judge_tasks(p.tasks, p.agencies, NQ71, AS_OF).set_index("task_id")
    for column in ATTRIBUTES:
        assert list(back[column]) == list(mine.set_index("task_id")[column]), column
    want = dict(zip(mine["task_id"], mine["content_hash"], strict=True))
    assert dict(zip(back.index, back["content_hash"], strict=True)) == want


# --------------------------------------------------------------------------- an older file

# The content hash before the attributes (sql/content_hash.sql of the earlier schema).
OLD_HASH = (
    "hash(grp, title, lead_ids, lead_text, support_ids, support_text, product, deadline, "
    "deadline_text, deadline_kind, status_text, status_class, completion_date, difficult, "
    "priority, causes, proposals, notes, result, id_derived)::varchar"
)


def test_the_store_counts_the_columns_of_the_schema_as_duckdb_does(tmp_path):
    """store.connection._ensure_schema finds a file that lacks a column by the width of each
    table, read from schema.sql (one column per line): the same widths DuckDB gives a new file."""
    from analytics.store.connection import _schema_widths

    with store.connect(tmp_path / "new.duckdb") as con:
        widths = dict(
            con.execute("select table_name, column_count from duckdb_tables()").fetchall()
        )
    assert widths == _schema_widths()


def test_a_database_file_from_before_the_attributes_opens_and_ingests(tmp_path):
    """A file whose task_versions has none of the attribute columns, its hashes computed by the
    older expression and recorded as such: it opens, a file without the attributes makes no new
    version of an unchanged task, and a file with them is stored with them."""
    db = tmp_path / "old.duckdb"
    plain = [h for h in HEADERS if h not in ("Văn bản giao", "Ngày giao", "Lãnh đạo phụ trách")]
    keep = [HEADERS.index(h) for h in plain if h != "Ý kiến của đơn vị"]
    body = [[r[i] for i in keep] + [None] for r in rows()]  # no comment either
    ingest(db, workbook(tmp_path / "old.xlsx", body, plain))
    with duckdb.connect(str(db)) as con:  # back to the file an earlier version wrote
        for column in ("source_doc", "assigned_date", "leader", "agency_comment", "progress"):
            con.execute(f"alter table task_versions drop column {column}")
        con.execute(f"update task_versions set content_hash = {OLD_HASH}")
        con.execute(
            "update meta set value = ? where key = 'content_hash'",
            [f"hash() of duckdb {duckdb.__version__}"],
        )
        before = {r[0] for r in con.execute("describe task_versions").fetchall()}
    assert "source_doc" not in before
    assert list(tasks_at(db).index) == ["NV-1", "NV-2", "NV-3"]  # it opens and reads
    ingest(db, workbook(tmp_path / "same.xlsx", body, plain), dt.date(2025, 8, 8))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from task_versions").fetchone()[0] == 3
    ingest(db, workbook(tmp_path / "new.xlsx", rows()), LATER)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from task_versions").fetchone()[0] == 6
    df = tasks_at(db, LATER)
    assert list(df["source_doc"]) == [TB05, TB05, NQ71]
    assert df.loc["NV-1", "assigned_date"] == dt.date(2025, 1, 15)
    assert tasks_at(db, AS_OF)["source_doc"].isna().all()


# --------------------------------------------------------------------------- the Data page


@pytest.fixture
def page_db(loaded, monkeypatch, steady_server, app_clean) -> Path:
    monkeypatch.setenv("TASKS_DB", str(loaded))
    return loaded


def at_as_of(page: str, lang: str = "vi", **query) -> AppTest:
    """The page with the report date in the address (as a shared link has it)."""
    return open_page(page, lang, query={"as_of": AS_OF.isoformat(), **query})


def open_data_page(lang: str = "vi", **query) -> AppTest:
    return at_as_of("data", lang, **query)


def task_table(at: AppTest, id_label: str = "Mã nhiệm vụ"):
    found = [d.value for d in at.dataframe if id_label in d.value.columns]
    assert found, "no task table"
    return found[-1]


def test_the_data_page_shows_the_attributes(page_db):
    at = open_data_page()
    table = task_table(at)
    assert sorted(table["Mã nhiệm vụ"]) == ["NV-1", "NV-2", "NV-3"]
    assert set(table["Văn bản giao"]) == {TB05, NQ71}
    assert "Thứ trưởng Lê Văn Cường" in set(table["Lãnh đạo phụ trách"])
    assert at.multiselect(key="source_docs").options == [NQ71, TB05]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_link_with_an_assigning_document_shows_only_its_tasks(page_db, lang):
    at = open_data_page(lang, source_doc=TB05)
    id_label = "Mã nhiệm vụ" if lang == "vi" else "Task id"
    doc_label = "Văn bản giao" if lang == "vi" else "Assigning document"
    table = task_table(at, id_label)
    assert sorted(table[id_label]) == ["NV-1", "NV-2"]
    assert set(table[doc_label]) == {TB05}
    assert at.multiselect(key="source_docs").value == [TB05]
    assert at.query_params["source_doc"] in (TB05, [TB05])  # the address keeps the choice
    at.multiselect(key="source_docs").unselect(TB05).run()
    assert sorted(task_table(at, id_label)[id_label]) == ["NV-1", "NV-2", "NV-3"]
    assert "source_doc" not in at.query_params


def test_a_link_with_an_unknown_document_is_ignored(page_db):
    at = open_data_page(source_doc="Thông báo 99-TB/BCĐTW")
    assert sorted(task_table(at)["Mã nhiệm vụ"]) == ["NV-1", "NV-2", "NV-3"]
    assert at.multiselect(key="source_docs").value == []


def test_the_agency_page_lists_the_document_and_the_leader(page_db):
    at = at_as_of("agency", agency="mof", source_doc=TB05)
    table = task_table(at)
    assert sorted(table["Mã nhiệm vụ"]) == ["NV-1", "NV-2"]
    assert set(table["Văn bản giao"]) == {TB05}
    assert set(table["Lãnh đạo phụ trách"]) == {
        "Thứ trưởng Nguyễn Văn An",
        "Thứ trưởng Trần Thị Bình",
    }


def test_the_briefing_lists_the_document_and_the_leader(page_db):
    at = at_as_of("briefing", "en")
    overdue = [d.value for d in at.dataframe if "Assigning document" in d.value.columns]
    assert overdue, "no list with the assigning document"
    rows = overdue[0].set_index("Task id")
    assert rows.loc["NV-1", "Assigning document"] == TB05
    assert rows.loc["NV-1", "Leader in charge"] == "Thứ trưởng Nguyễn Văn An"
