"""The agency register (analytics/agency_units.py): units of ministries and provinces, other
names, and how their tasks roll up to the parent and drill down to the unit.

Real DuckDB stores, real workbooks written here with openpyxl, the command line as a subprocess,
and the Administration, Upload and Agency pages through AppTest signed in.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import accounts, agency_units, history, metrics, store, templates
from analytics import audit as audit_log
from analytics.access import User
from analytics.agencies import AgencyResolver, default_resolver
from analytics.ingest import SOURCE_NQ71, ingest
from analytics.model import Filters, Scope
from tests.helpers import PW, signed_in

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 8, 28)
XLSX = templates.XLSX_MIME


# --------------------------------------------------------------------------- helpers


def workbook(rows: list[tuple[str, str, str]]) -> bytes:
    """A plain task list: (task id, title, lead agency) rows, deadline 30/06/2025 (overdue on
    28/08/2025) for ids ending in 'o', else 31/12/2025."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã nhiệm vụ", "Tên nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Tình trạng"])
    for task_id, title, lead in rows:
        deadline = dt.date(2025, 6, 30) if task_id.endswith("o") else dt.date(2025, 12, 31)
        ws.append([task_id, title, lead, deadline, "Đang thực hiện"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def cli(*args: str, db: Path) -> tuple[int, dict]:
    if args[0] == "ingest":
        args = (*args, "--source", SOURCE_NQ71)
    out = subprocess.run(
        [sys.executable, "-m", "analytics", *args, "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return out.returncode, json.loads(out.stdout)


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def unknown(doc: dict) -> list[str]:
    return [w["value"] for w in doc["warnings"] if w["code"] == "unknown_agency"]


def tasks(db, scope=Scope.everything(), filters=Filters()) -> dict:  # noqa: B008
    df = store.load_tasks(db, AS_OF, filters, scope)
    return {r.task_id: tuple(r.lead_ids) for r in df.itertuples()}


FIRST = [
    ("t1o", "Nhiệm vụ của Bộ", "Bộ Tài chính"),
    ("t2o", "Nhiệm vụ của Vụ Pháp chế", "Vụ Pháp chế"),
    ("t3", "Nhiệm vụ chung", "Bộ Tài chính; Vụ Pháp chế"),
    ("t4", "Nhiệm vụ của Bộ KH&CN", "Bộ Khoa học và Công nghệ"),
]
SECOND = [*FIRST, ("t5", "Nhiệm vụ thêm của Vụ", "Vụ Pháp chế Bộ Tài chính")]


@pytest.fixture
def unit_db(tmp_path) -> Path:
    """A store where 'Vụ Pháp chế' was registered by CLI as a unit of the Ministry of Finance
    after a first file named it, and a second file was then ingested."""
    db = tmp_path / "units.duckdb"
    code, first = cli(
        "ingest", write(tmp_path, "a.xlsx", workbook(FIRST)), "--as-of", "2025-08-01", db=db
    )
    assert code == 0 and set(unknown(first)) == {"Vụ Pháp chế"}  # rows t2o and t3
    code, added = cli("agencies", "add", "Vụ Pháp chế", "--parent", "mof", "--user", "tch", db=db)
    assert code == 0, added
    assert added["unit"]["agency_id"] == "mof-vu-phap-che"
    assert added["unit"]["parent_id"] == "mof"
    code, second = cli(
        "ingest", write(tmp_path, "b.xlsx", workbook(SECOND)), "--as-of", AS_OF.isoformat(), db=db
    )
    assert code == 0, second
    assert unknown(second) == []  # the unit resolves: no warning, nothing asked
    return db


# --------------------------------------------------------------------------- command line


def test_a_unit_added_by_cli_resolves_in_the_next_ingest_with_no_warning(unit_db):
    leads = tasks(unit_db)
    assert leads["t2o"] == ("mof-vu-phap-che",)
    assert leads["t3"] == ("mof", "mof-vu-phap-che")
    assert leads["t5"] == ("mof-vu-phap-che",)  # the unit's name followed by its parent's
    units = store.list_agencies(unit_db).set_index("agency_id")
    assert units.loc["mof-vu-phap-che", "parent_id"] == "mof"
    assert units.loc["mof-vu-phap-che", "agency_type"] == "ministry"  # a filter by type has it


def test_the_units_tasks_count_for_its_parent_in_summary_and_under_agency_parent(unit_db):
    code, doc = cli("summary", "--as-of", AS_OF.isoformat(), db=unit_db)
    assert code == 0
    by_agency = {a["agency_id"]: a for a in doc["by_agency"]}
    assert set(by_agency) == {"mof", "most"}  # no row of its own for the unit
    assert by_agency["mof"]["total"] == 4  # t1o, t2o, t3 (once), t5
    assert by_agency["mof"]["overdue"] == 2  # t1o and the unit's t2o
    assert by_agency["mof"]["agency"] == "Bộ Tài chính"
    code, mof = cli("summary", "--as-of", AS_OF.isoformat(), "--agency", "mof", db=unit_db)
    assert code == 0
    assert mof["totals"]["total"] == 4 and mof["totals"]["overdue"] == 2
    assert [a["agency_id"] for a in mof["by_agency"]] == ["mof"]
    # the unit itself, by name: only its own tasks, on its own row
    code, unit = cli("summary", "--as-of", AS_OF.isoformat(), "--agency", "Vụ Pháp chế", db=unit_db)
    assert code == 0
    assert unit["totals"]["total"] == 3  # t2o, t3, t5
    assert [(a["agency_id"], a["total"]) for a in unit["by_agency"]] == [("mof-vu-phap-che", 3)]


def test_an_agency_viewer_of_the_parent_sees_the_units_tasks_and_no_other_agencys(unit_db):
    viewer = User("tc", "agency_viewer", agency_ids=("mof",))
    seen = tasks(unit_db, viewer.scope)
    assert set(seen) == {"t1o", "t2o", "t3", "t5"}  # not t4 (Bộ Khoa học và Công nghệ)
    other = User("kh", "agency_viewer", agency_ids=("most",))
    assert set(tasks(unit_db, other.scope)) == {"t4"}
    # a filter cannot widen the scope: the unit's tasks only, never another agency's
    narrowed = tasks(unit_db, viewer.scope, Filters(agency_ids=("mof-vu-phap-che",)))
    assert set(narrowed) == {"t2o", "t3", "t5"}
    assert tasks(unit_db, other.scope, Filters(agency_ids=("mof",))) == {}
    # the trend applies the same widening: the unit's tasks are in the parent's counts
    trend = history.trend(unit_db, Filters(), viewer.scope)
    assert trend.set_index("as_of").loc[AS_OF, "total"] == 4
    # on 1 Aug the unit was not registered yet: that file's 'Vụ Pháp chế' stays as it was read
    assert history.trend(unit_db, Filters(agency_ids=("mof",))).iloc[0]["total"] == 2
    # the by-agency figures in the viewer's scope: the ministry, its unit's tasks in it
    df = store.load_tasks(unit_db, AS_OF, Filters(), viewer.scope)
    table = metrics.by_agency(df, store.list_agencies(unit_db), AS_OF, viewer.scope.agency_ids)
    assert table[["agency_id", "total"]].values.tolist() == [["mof", 4]]
    # an account's agencies take in their units (so its editor may update them): the same
    accounts.add_user(unit_db, "tc", "agency_viewer", password=PW, agency_ids=["mof"])
    account = accounts.get_user(unit_db, "tc")
    assert account.agency_ids == ("mof", "mof-vu-phap-che")
    assert set(tasks(unit_db, account.scope)) == {"t1o", "t2o", "t3", "t5"}
    table = metrics.by_agency(df, store.list_agencies(unit_db), AS_OF, account.scope.agency_ids)
    assert table[["agency_id", "total"]].values.tolist() == [["mof", 4]]


def test_an_agency_update_of_the_ministry_covers_its_units_tasks(unit_db, tmp_path):
    rows = [("t1o", "Nhiệm vụ của Bộ", "Bộ Tài chính"), ("t2o", "Đổi tên", "Vụ Pháp chế")]
    path = write(tmp_path, "mof.xlsx", workbook(rows))
    code, doc = cli("ingest", path, "--as-of", "2025-08-29", "--update-agency", "mof", db=unit_db)
    assert code == 0, doc  # the unit's row is the ministry's to update
    df = store.load_tasks(unit_db, dt.date(2025, 8, 29), Filters(), Scope.everything())
    # t3, t5: the ministry's, not sent, stay as they were (an agency's file removes no task)
    assert sorted(df["task_id"]) == ["t1o", "t2o", "t3", "t4", "t5"]
    assert df.set_index("task_id").loc["t2o", "title"] == "Đổi tên"
    snap = store.list_snapshots(unit_db).iloc[-1]
    assert list(snap["update_agencies"]) == ["mof", "mof-vu-phap-che"]


def test_the_drill_down_by_unit(unit_db):
    df = store.load_tasks(unit_db, AS_OF, Filters(agency_ids=("mof",)), Scope.everything())
    agencies = store.list_agencies(unit_db)
    assert metrics.units_of(agencies, "mof") == ["mof-vu-phap-che"]
    table = metrics.by_unit(df, agencies, AS_OF, "mof").set_index("agency_id")
    assert table.loc["mof", "total"] == 2  # t1o, t3: what the ministry leads itself
    assert table.loc["mof-vu-phap-che", "total"] == 3  # t2o, t3, t5
    assert table.loc["mof-vu-phap-che", "overdue"] == 1


def test_bad_parents_duplicates_and_aliases_by_cli_are_refused_and_every_add_is_audited(tmp_path):
    db = tmp_path / "reg.duckdb"
    cases = [
        (("agencies", "add", "Vụ Pháp chế", "--parent", "nope"), "bad_parent"),
        (("agencies", "add", "Vụ Pháp chế", "--parent", "bhxh"), "bad_parent"),  # no units
        (("agencies", "add", "Bộ Tài chính", "--parent", "most"), "duplicate"),
        (("agencies", "alias", "Bộ Tài chính", "--to", "most"), "duplicate"),
        (("agencies", "alias", "Bộ Tài chánh", "--to", "nope"), "unknown_agency"),
        (("agencies", "add", " ;; ", "--parent", "mof"), "empty_name"),
    ]
    for args, code_name in cases:
        code, doc = cli(*args, db=db)
        assert code == 2, (args, doc)
        assert doc["errors"][0]["code"] == code_name
        assert doc["errors"][0]["message"] and doc["errors"][0]["message_vi"]
    code, doc = cli("agencies", "add", "Sở GD&ĐT Ninh Thuận", "--parent", "p56", db=db)
    assert code == 0 and doc["unit"]["label"] == "Sở GD&ĐT Ninh Thuận (Khánh Hòa)"
    code, doc = cli("agencies", "add", "Sở GD&ĐT Ninh Thuận", "--parent", "p56", db=db)
    assert code == 2 and doc["errors"][0]["code"] == "duplicate"
    code, doc = cli("agencies", "add", "Vụ X", "--parent", doc and "p56-so-gd-dt-ninh-thuan", db=db)
    assert code == 2 and doc["errors"][0]["code"] == "bad_parent"  # a unit has no units
    code, doc = cli("agencies", "alias", "Bộ Tài chánh", "--to", "mof", "--user", "tch", db=db)
    assert code == 0 and doc["agency"]["agency_id"] == "mof"
    code, doc = cli("agencies", "alias", "bo tai chanh", "--to", "mof", db=db)
    assert code == 2 and doc["errors"][0]["code"] == "duplicate"  # the same name, folded
    code, listing = cli("agencies", "list", db=db)
    assert code == 0
    assert [u["agency_id"] for u in listing["units"]] == ["p56-so-gd-dt-ninh-thuan"]
    assert [(a["alias"], a["agency_id"]) for a in listing["aliases"]] == [("Bộ Tài chánh", "mof")]
    code, only = cli("agencies", "list", "--parent", "mof", db=db)
    assert code == 0 and only["units"] == [] and len(only["aliases"]) == 1
    code, _ = cli("agencies", "list", "--parent", "nope", db=db)
    assert code == 2
    audit = audit_log.read(db)
    added = audit[audit["action"].isin(["agency_unit_add", "agency_alias_add"])]
    assert sorted(added["action"]) == ["agency_alias_add", "agency_unit_add"]
    assert set(added.loc[added["action"] == "agency_alias_add", "username"]) == {"tch"}
    assert audit_log.check_chain(db) == (True, None)
    # the alias resolves in the next ingest
    code, doc = cli(
        "ingest",
        write(tmp_path, "c.xlsx", workbook([("a1", "Nhiệm vụ", "Bộ Tài chánh")])),
        "--as-of",
        AS_OF.isoformat(),
        db=db,
    )
    assert code == 0 and unknown(doc) == []
    assert tasks(db) == {"a1": ("mof",)}


def test_a_store_made_before_the_register_gets_its_tables(tmp_path):
    db = tmp_path / "old.duckdb"
    with store.connect(db):
        pass
    con = duckdb.connect(str(db))
    con.execute("drop table agency_units")
    con.execute("drop table agency_aliases")
    con.close()
    assert agency_units.listing(db) == {"units": [], "aliases": []}
    agency_units.add_unit(db, "Cục Nhà giáo", "moet", by="t")
    assert [u["agency_id"] for u in agency_units.listing(db)["units"]] == ["moet-cuc-nha-giao"]


# --------------------------------------------------------------------------- the resolver


def test_a_register_layered_over_the_reference_lists():
    base = default_resolver()
    units = [
        ("mof-vu-phap-che", "mof", "Vụ Pháp chế", "Legal Department"),
        ("moet-vu-phap-che", "moet", "Vụ Pháp chế", None),
        ("moet-cuc-nha-giao", "moet", "Cục Nhà giáo", None),
        ("x-bad", "nope", "Vụ Y", None),  # unknown parent: left out
        ("bhxh-vu-z", "bhxh", "Vụ Z", None),  # not an agency with units: left out
    ]
    aliases = [("Cục NG", "moet-cuc-nha-giao"), ("Bộ Tài chánh", "mof"), ("Vụ Pháp chế", "moet")]
    r = base.with_register(units, aliases[:2])
    assert base.resolve("Vụ Pháp chế") is None and base.get("mof-vu-phap-che") is None
    cases = {
        "Vụ Pháp chế": "mof-vu-phap-che",  # the first registered keeps the shared name
        "Legal Department": "mof-vu-phap-che",
        "Vụ Pháp chế Bộ Tài chính": "mof-vu-phap-che",
        "Vụ Pháp chế - Bộ GD&ĐT": "moet-vu-phap-che",
        "Vụ Pháp chế (Bộ Giáo dục và Đào tạo)": "moet-vu-phap-che",
        "cuc nha giao": "moet-cuc-nha-giao",
        "Cục NG": "moet-cuc-nha-giao",
        "Bộ Tài chánh": "mof",
        "Bộ Tài chính": "mof",  # the reference names are untouched
        "Vụ Y": None,
        "Vụ Z": None,
    }
    for text, expected in cases.items():
        hit = r.resolve(text)
        assert (hit.id if hit else None) == expected, text
    unit = r.get("moet-cuc-nha-giao")
    assert unit.parent_id == "moet" and unit.type == "ministry"
    assert [a.id for a in r.units_of("moet")] == ["moet-vu-phap-che", "moet-cuc-nha-giao"]
    leads, missing = r.resolve_cell("Vụ Pháp chế (Bộ GD&ĐT); Cục Nhà giáo và Bộ Tài chính")
    assert [a.id for a in leads] == ["moet-vu-phap-che", "moet-cuc-nha-giao", "mof"]
    assert missing == []
    # an alias is an explicit answer: it wins over a unit's name
    assert base.with_register(units, aliases).resolve("Vụ Pháp chế").id == "moet"


@pytest.mark.parametrize(
    ("name", "parent"),
    [
        ("Sở GD&ĐT Ninh Thuận", "p56"),  # Ninh Thuận merged into Khánh Hòa on 1 Jul 2025
        ("Sở KH&CN Hà Nội", "p01"),
        ("Sở Tài chính TP. Hồ Chí Minh", "p79"),
        ("Vụ Pháp chế Bộ Tài chính", "mof"),
        ("Cục Nhà giáo - Bộ GD&ĐT", "moet"),
        ("Sở Nội vụ tỉnh Hà Tây", "p01"),
        ("Vụ Pháp chế", None),
        ("Bộ Tài chánh", None),
    ],
)
def test_an_unknown_name_that_looks_like_a_unit_suggests_its_parent(name, parent):
    r = default_resolver()
    assert r.resolve(name) is None
    hit = r.unit_parent(name)
    assert (hit.id if hit else None) == parent


def test_resolver_for_a_store_is_cached_on_its_register(tmp_path):
    db = tmp_path / "cache.duckdb"
    assert agency_units.resolver_for(db) is default_resolver()  # no store yet: none made
    assert not db.exists()
    agency_units.add_unit(db, "Văn phòng Bộ", "most", by="t")
    first = agency_units.resolver_for(db)
    assert first is agency_units.resolver_for(db)
    assert first.resolve("Văn phòng Bộ Khoa học và Công nghệ").id == "most-van-phong-bo"
    agency_units.add_alias(db, "VP Bộ KH&CN", "most-van-phong-bo", by="t")
    second = agency_units.resolver_for(db)
    assert second is not first and second.resolve("VP Bộ KH&CN").id == "most-van-phong-bo"
    assert isinstance(second, AgencyResolver)


def test_ingest_into_a_store_uses_its_register_and_prepare_alone_does_not(tmp_path):
    from analytics.ingest import prepare

    db = tmp_path / "api.duckdb"
    agency_units.add_unit(db, "Cục Nhà giáo", "moet", by="t")
    data = workbook([("n1", "Nhiệm vụ", "Cục Nhà giáo")])
    _, prepared = ingest(db, data, "n.xlsx", as_of=AS_OF, source=SOURCE_NQ71)
    assert [a.id for a in prepared.agencies] == ["moet-cuc-nha-giao"]
    assert not [w for w in prepared.warnings if w.code == "unknown_agency"]
    plain = prepare(data, "n.xlsx", as_of=AS_OF, source=SOURCE_NQ71)  # the old default
    assert [w.value for w in plain.warnings if w.code == "unknown_agency"] == ["Cục Nhà giáo"]
    given = prepare(
        data, "n.xlsx", as_of=AS_OF, source=SOURCE_NQ71, resolver=agency_units.resolver_for(db)
    )
    assert [a.id for a in given.agencies] == ["moet-cuc-nha-giao"]


# --------------------------------------------------------------------------- pages


@pytest.fixture
def app_db(tmp_path, monkeypatch, app_clean):
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("TASKS_DB", str(path))
    monkeypatch.setenv("TASKS_UPLOADS", str(tmp_path / "uploads"))
    ingest(path, workbook(FIRST[:1] + FIRST[3:]), "base.xlsx", as_of=AS_OF, source=SOURCE_NQ71)
    accounts.add_user(path, "root", "admin", password=PW)
    accounts.add_user(path, "ed", "agency_editor", password=PW, agency_ids=["most"])
    accounts.add_user(path, "boss", "leader", password=PW)
    return path


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="up_file").upload(name, data, XLSX).run()
    assert not at.exception, at.exception
    return at


def questions(at: AppTest) -> dict[str, object]:
    return {b.label: b for b in at.selectbox if str(b.key).startswith("up_fix_")}


@pytest.mark.usefixtures("steady_server")
def test_the_upload_pages_one_click_answer_is_remembered_for_the_next_file(app_db):
    at = signed_in("root")
    at.switch_page("pages/upload.py").run()
    at.selectbox(key="up_source").set_value(SOURCE_NQ71)
    at.date_input(key="up_as_of").set_value(AS_OF)
    at.run()
    rows = [
        ("u1o", "Nhiệm vụ của Sở", "Sở GD&ĐT Ninh Thuận"),
        ("u2", "Nhiệm vụ của Vụ", "Vụ Pháp chế"),
        ("t1o", "Nhiệm vụ của Bộ", "Bộ Tài chính"),
    ]
    upload(at, "so.xlsx", workbook(rows))
    asked = questions(at)
    assert set(asked) == {"'Sở GD&ĐT Ninh Thuận' là cơ quan nào?", "'Vụ Pháp chế' là cơ quan nào?"}
    so = asked["'Sở GD&ĐT Ninh Thuận' là cơ quan nào?"]
    # the parent the name ends with is suggested first among "a unit of": Khánh Hòa
    first_unit = next(o for o in so.options if o.startswith("Đơn vị thuộc"))
    assert first_unit == "Đơn vị thuộc: Khánh Hòa (gợi ý)"
    # "Vụ Pháp chế": the file's own ministry is offered as its parent first
    vu = asked["'Vụ Pháp chế' là cơ quan nào?"]
    assert (
        next(o for o in vu.options if o.startswith("Đơn vị thuộc")) == "Đơn vị thuộc: Bộ Tài chính"
    )
    so.set_value("unit:p56").run()
    assert not at.exception, at.exception
    assert any("Đã ghi nhớ: 'Sở GD&ĐT Ninh Thuận'" in x.value for x in at.success)
    assert set(questions(at)) == {"'Vụ Pháp chế' là cơ quan nào?"}  # answered once, not again
    questions(at)["'Vụ Pháp chế' là cơ quan nào?"].set_value("unit:mof").run()
    assert not at.exception and questions(at) == {}
    listing = agency_units.listing(app_db)
    assert [(u["agency_id"], u["parent_id"], u["created_by"]) for u in listing["units"]] == [
        ("p56-so-gd-dt-ninh-thuan", "p56", "root"),
        ("mof-vu-phap-che", "mof", "root"),
    ]
    audit = audit_log.read(app_db, actions=["agency_unit_add"])
    assert set(audit["username"]) == {"root"} and len(audit) == 2
    at.checkbox(key="up_confirm_removed").check().run()  # a full list dropping tasks: confirmed
    [b for b in at.button if b.key == "up_commit"][0].click()
    at.run()
    assert not at.exception
    leads = tasks(app_db)
    assert leads["u1o"] == ("p56-so-gd-dt-ninh-thuan",) and leads["u2"] == ("mof-vu-phap-che",)

    # the next file: both names resolve with nothing asked
    upload(at, "so2.xlsx", workbook([*rows, ("u3", "Nhiệm vụ mới", "Sở GD&ĐT Ninh Thuận")]))
    assert questions(at) == {}
    assert not [w for w in at.warning if "Cơ quan chưa có" in w.value]
    # the province's figures hold its department's task
    code, doc = cli("summary", "--as-of", AS_OF.isoformat(), "--agency", "p56", db=app_db)
    assert code == 0 and doc["totals"]["total"] == 1


@pytest.mark.usefixtures("steady_server")
def test_an_agency_editor_is_offered_only_its_own_agency(app_db):
    at = signed_in("ed")
    at.switch_page("pages/upload.py").run()
    at.selectbox(key="up_source").set_value(SOURCE_NQ71)
    at.date_input(key="up_as_of").set_value(AS_OF)
    at.run()
    upload(at, "vp.xlsx", workbook([("v1", "Nhiệm vụ", "Văn phòng Bộ")]))
    (question,) = questions(at).values()
    assert question.options[1:] == ["Đơn vị thuộc: Bộ Khoa học và Công nghệ"]
    question.set_value("unit:most").run()
    assert not at.exception
    assert [u["agency_id"] for u in agency_units.listing(app_db)["units"]] == ["most-van-phong-bo"]
    # the ministry's editor may update its unit's tasks: an agency update of the unit
    assert accounts.get_user(app_db, "ed").agency_ids == ("most", "most-van-phong-bo")
    [b for b in at.button if b.key == "up_commit"][0].click()
    at.run()
    assert not at.exception, at.exception
    assert any("Đã ghi nhận bản số liệu" in x.value for x in at.success), [
        e.value for e in at.error
    ]
    # v1 is new: a proposal of the unit's task, for the steering office (tests/test_proposals.py)
    from analytics.reporting.proposals import list_proposals

    assert "v1" not in tasks(app_db)
    assert [list(x) for x in list_proposals(app_db)["lead_ids"]] == [["most-van-phong-bo"]]
    assert tasks(app_db)["t1o"] == ("mof",)  # another ministry's task stays


@pytest.mark.usefixtures("steady_server")
def test_the_administration_page_adds_units_and_names_and_refuses_duplicates(app_db):
    at = signed_in("root")
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    assert any("Chưa có đơn vị" in i.value for i in at.info)
    at.text_input(key="admin_unit_name").input("Vụ Giáo dục Đại học")
    at.selectbox(key="admin_unit_parent").set_value("moet")
    at.text_input(key="admin_unit_en").input("Department of Higher Education")
    [b for b in at.button if b.form_id == "admin_unit"][0].click()
    at.run()
    assert not at.exception
    assert any("Đã thêm đơn vị Vụ Giáo dục Đại học" in x.value for x in at.success)
    at.text_input(key="admin_alias_text").input("Vụ GDĐH")
    at.selectbox(key="admin_alias_to").set_value("moet-vu-giao-duc-dai-hoc")
    [b for b in at.button if b.form_id == "admin_alias"][0].click()
    at.run()
    assert not at.exception
    units = next(d.value for d in at.dataframe if "Đơn vị" in d.value.columns)
    assert units.iloc[0]["Đơn vị"] == "Vụ Giáo dục Đại học"
    assert units.iloc[0]["Tên khác"] == "Vụ GDĐH"
    assert "Bộ Giáo dục và Đào tạo" in units.iloc[0]["Thuộc"]
    # the same unit again: refused, said, audited as refused
    at.text_input(key="admin_unit_name").input("Vụ Giáo dục đại học")
    at.selectbox(key="admin_unit_parent").set_value("moet")
    [b for b in at.button if b.form_id == "admin_unit"][0].click()
    at.run()
    assert any("đã là tên của Vụ Giáo dục Đại học" in e.value for e in at.error)
    audit = audit_log.read(app_db, actions=["agency_unit_add", "agency_alias_add"])
    assert sorted(zip(audit["action"], audit["outcome"], strict=True)) == [
        ("agency_alias_add", "ok"),
        ("agency_unit_add", "ok"),
        ("agency_unit_add", "refused"),
    ]
    assert default_resolver().resolve("Vụ GDĐH") is None
    assert agency_units.resolver_for(app_db).resolve("Vụ GDĐH").id == "moet-vu-giao-duc-dai-hoc"


@pytest.mark.usefixtures("steady_server")
def test_a_ministrys_leader_sees_its_figures_by_unit_on_the_agency_page(app_db):
    agency_units.add_unit(app_db, "Vụ Pháp chế", "mof", by="t")
    ingest(app_db, workbook(SECOND), "b.xlsx", as_of=AS_OF, source=SOURCE_NQ71)
    at = signed_in("boss")
    at.switch_page("pages/agency.py").run()
    at.selectbox(key="agency_page_pick").set_value("mof").run()
    assert not at.exception, at.exception
    assert any(h.value == "Theo đơn vị trực thuộc" for h in at.subheader)
    table = next(d.value for d in at.dataframe if "Đơn vị" in d.value.columns)
    assert table[["Đơn vị", "Tổng số nhiệm vụ"]].values.tolist() == [
        ["Vụ Pháp chế", 3],
        ["Bộ Tài chính", 2],
    ]
    # the ministry's cards hold its unit's tasks: t1o, t2o, t3, t5
    assert at.metric[0].value == "4"
