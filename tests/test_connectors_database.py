"""Sources of kind postgres (and mysql) against a real PostgreSQL (the `postgres` fixture,
tests/pg.py): a table and a view pulled into a real DuckDB store, a read-only user that cannot
write, failures that say why without a password, the extensions loaded from their wheels with
nothing downloaded."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import socket
import traceback

import duckdb
import pytest

from analytics import store
from analytics.connectors import Payload, Rejected, Unreachable, database
from analytics.connectors.pull import pull
from analytics.connectors.sources import Source
from analytics.ingest import ingest
from analytics.model import Filters, Scope
from analytics.store import extensions
from tests import pg

AS_OF = dt.date(2025, 8, 28)
DSN_ENV = "TEST_DEAN06_DSN"

TASKS_SQL = """
drop view if exists v_nhiem_vu;
drop table if exists nhiem_vu;
create table nhiem_vu (
    task_id text primary key,
    title text,
    lead_agency text,
    support_agencies text[],
    deadline date,
    deadline_text text,
    status text,
    completed_on timestamp,
    difficult boolean,
    source_document text
);
insert into nhiem_vu values
    ('DA06-01', 'Hoàn thiện cơ sở dữ liệu quốc gia về dân cư', 'Bộ Công an', '{"Bộ Tài chính"}',
     '2025-09-30', 'Quý III/2025', 'Đang thực hiện', null, true, 'Đề án 06'),
    ('DA06-02', 'Kết nối dữ liệu thuế với cơ sở dữ liệu dân cư', 'Bộ Tài chính', '{}',
     '2025-06-30', null, 'Đã hoàn thành', '2025-06-20 00:00:00', false, 'Đề án 06'),
    ('DA06-03', 'Số hóa hồ sơ hộ tịch', 'Bộ Tư pháp', '{"Bộ Công an","Bộ Tài chính"}',
     '2025-03-31', 'Quý I/2025', 'Chưa hoàn thành', null, false, 'Đề án 06');
create view v_nhiem_vu as
    select title as "Tên nhiệm vụ", lead_agency as "Cơ quan chủ trì",
           deadline_text as "Thời hạn", status as "Tình hình thực hiện"
    from nhiem_vu;
"""


@pytest.fixture
def tasks(postgres, monkeypatch):
    """The source database's tasks, fresh for the test; its DSN (the reader's) in DSN_ENV."""
    postgres.sql(TASKS_SQL)
    monkeypatch.setenv(DSN_ENV, postgres.dsn)
    return postgres


def source(query: str, *, name: str = "de-an-06", env: str = DSN_ENV, **more) -> Source:
    return Source(
        name=name,
        kind=more.pop("kind", "postgres"),
        dsn_env=env,
        query=query,
        task_source="Đề án 06",
        as_of="fetch_date",
        **more,
    )


def pulled(db, src: Source):
    """The source pulled into the store by the pull itself (analytics/connectors/pull.py: the
    upload's sandbox and commit), and the payload a fetch gives (what the pull read)."""
    [result] = pull(db, [src], sleep=lambda _s: None)
    assert result.status == "new_snapshot", result.errors
    return database.fetch(src), result


def tasks_in_store(db, as_of: dt.date = AS_OF):
    df = store.load_tasks(db, as_of, Filters(), Scope())
    return df.sort_values("title").reset_index(drop=True)


def assert_no_secret(exc: Exception, *secrets: str) -> None:
    """No secret in anything the failure says: its texts, its problems, its traceback."""
    said = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    said += [getattr(exc, "reason", ""), getattr(exc, "reason_vi", "")]
    for p in getattr(exc, "problems", []):
        said += [p.message, p.message_vi, p.value or ""]
    for secret in secrets:
        assert secret
        assert not any(secret in text for text in said), f"{secret!r} shown in {said}"


# ---------------------------------------------------------------------------------------------
# a table and a view, pulled into a real store


def test_a_table_in_the_canonical_columns_is_pulled_into_the_store(tasks, tmp_path):
    db = tmp_path / "t.duckdb"
    payload, result = pulled(db, source("select * from nhiem_vu order by task_id"))

    assert isinstance(payload, Payload)
    assert payload.file_name == "de-an-06.csv"
    assert payload.source == "de-an-06"
    assert payload.detail == "select * from nhiem_vu order by task_id"
    header = payload.data.decode("utf-8").splitlines()[0]
    assert header == (
        "task_id,title,lead_agency,support_agencies,deadline,deadline_text,status,"
        "completed_on,difficult,source_document"
    )
    assert result.tasks == 3 and result.source == "de-an-06"

    df = tasks_in_store(db, result.as_of)  # as_of = "fetch_date": the day of the pull
    assert set(df.source) == {"Đề án 06"}
    by_id = {r.task_id: r for r in df.itertuples()}
    assert set(by_id) == {"DA06-01", "DA06-02", "DA06-03"}
    first = by_id["DA06-01"]
    assert first.title == "Hoàn thiện cơ sở dữ liệu quốc gia về dân cư"
    assert list(first.lead_ids) == ["mps"]
    assert list(first.support_ids) == ["mof"]
    assert first.deadline == dt.date(2025, 9, 30)
    assert bool(first.difficult) is True
    assert first.source_doc == "Đề án 06"
    assert first.status_class == "in_progress_on_time"  # as the status text says
    assert first.status == "overdue"  # judged on the pull's day, past 30/09/2025
    done = by_id["DA06-02"]
    assert done.completion_date == dt.date(2025, 6, 20)
    assert done.status == "completed_on_time"
    assert bool(done.difficult) is False
    assert sorted(by_id["DA06-03"].support_ids) == ["mof", "mps"]
    assert by_id["DA06-03"].status == "overdue"

    [again] = pull(db, [source("select * from nhiem_vu order by task_id")])
    assert again.status == "unchanged" and again.snapshot_id == result.snapshot_id


def test_a_view_in_a_sheets_vietnamese_headers_is_pulled(tasks, tmp_path):
    db = tmp_path / "t.duckdb"
    payload, result = pulled(db, source("select * from v_nhiem_vu"))

    assert payload.data.decode("utf-8").splitlines()[0] == (
        "Tên nhiệm vụ,Cơ quan chủ trì,Thời hạn,Tình hình thực hiện"
    )
    assert result.tasks == 3
    df = tasks_in_store(db, result.as_of)
    assert list(df.title) == [
        "Hoàn thiện cơ sở dữ liệu quốc gia về dân cư",
        "Kết nối dữ liệu thuế với cơ sở dữ liệu dân cư",
        "Số hóa hồ sơ hộ tịch",
    ]
    assert [list(x) for x in df.lead_ids] == [["mps"], ["mof"], ["moj"]]
    assert list(df.deadline_text.fillna("")) == ["Quý III/2025", "", "Quý I/2025"]
    assert df.deadline[0] == dt.date(2025, 9, 30)
    assert list(df.status_text) == ["Đang thực hiện", "Đã hoàn thành", "Chưa hoàn thành"]


def test_the_same_query_twice_gives_the_same_bytes_and_a_change_shows(tasks):
    """The pull compares payload hashes: an unchanged table must give the very same bytes."""
    src = source("select * from nhiem_vu order by task_id")
    first = database.fetch(src).data
    assert database.fetch(src).data == first
    tasks.sql("update nhiem_vu set status = 'Đã hoàn thành' where task_id = 'DA06-01'")
    assert database.fetch(src).data != first


def test_a_csv_with_exactly_the_canonical_field_names_ingests(tmp_path):
    """The canonical field names and the feed's names are header variants (headers.py)."""
    data = (
        "task_id,title,lead_agency,support_agencies,deadline,status,completed_on,difficult,"
        "source_doc,product,notes,progress_pct\r\n"
        "NV-1,Ban hành nghị định,Bộ Tài chính,Bộ Công an,2025-12-31,Đang thực hiện,,true,"
        "Nghị quyết 71/NQ-CP,Nghị định,Ghi chú,40%\r\n"
        "NV-2,Sửa đổi thông tư,Bộ Công an,,2025-05-31,Đã hoàn thành,2025-05-20,false,"
        "Nghị quyết 71/NQ-CP,Thông tư,,100%\r\n"
    ).encode()
    db = tmp_path / "t.duckdb"
    result, prepared = ingest(db, data, "canonical.csv", as_of=AS_OF, source="Nghị quyết 71/NQ-CP")
    assert result.tasks == 2
    df = tasks_in_store(db)
    by_id = {r.task_id: r for r in df.itertuples()}
    one, two = by_id["NV-1"], by_id["NV-2"]
    assert one.title == "Ban hành nghị định" and list(one.lead_ids) == ["mof"]
    assert list(one.support_ids) == ["mps"] and bool(one.difficult)
    assert one.product == "Nghị định" and one.notes == "Ghi chú"
    assert one.source_doc == "Nghị quyết 71/NQ-CP"
    assert two.completion_date == dt.date(2025, 5, 20) and not bool(two.difficult)


# ---------------------------------------------------------------------------------------------
# read only


def test_the_read_only_user_cannot_write_through_a_query(tasks):
    """A select that writes (a function that inserts) is refused, and nothing changed."""
    tasks.sql(
        "create table visits (at timestamp);"
        "create function log_visit() returns int language sql volatile as "
        "$$ insert into visits values (now()) returning 1 $$;"
    )
    try:
        with pytest.raises(Rejected) as caught:
            database.fetch(source("select log_visit() as task_id"))
        assert [p.code for p in caught.value.problems] == ["query_writes"]
        assert "only read" in caught.value.problems[0].message
        with pytest.raises(Rejected) as caught:
            database.fetch(source("insert into nhiem_vu (task_id) values ('X') returning *"))
        assert [p.code for p in caught.value.problems] == ["query_not_select"]
        assert tasks.sql("select count(*) from visits").strip() == "0"
        assert tasks.sql("select count(*) from nhiem_vu").strip() == "3"
    finally:
        tasks.sql("drop function log_visit(); drop table visits;")


def test_the_fixtures_reader_role_is_refused_a_write_without_duckdbs_read_only(tasks):
    """The role itself cannot write: attached without READ_ONLY, an insert is still refused
    by PostgreSQL."""
    con = duckdb.connect()
    try:
        extensions.load(con, "postgres")
        dsn = tasks.dsn.replace("'", "''")
        con.execute(f"attach '{dsn}' as src (type postgres)")
        with pytest.raises(duckdb.Error, match="read-only transaction|permission denied"):
            con.execute("insert into src.nhiem_vu (task_id) values ('X')")
    finally:
        con.close()
    assert tasks.sql("select count(*) from nhiem_vu").strip() == "3"


# ---------------------------------------------------------------------------------------------
# failures in plain words, never with a password


def test_a_wrong_password_is_unreachable_without_the_password(tasks, monkeypatch, caplog):
    wrong = "Wrong-pass-7f3a9c"
    monkeypatch.setenv("TEST_BAD_DSN", tasks.dsn_for(tasks.reader, wrong))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Unreachable) as caught:
        database.fetch(source("select * from nhiem_vu", env="TEST_BAD_DSN"))
    exc = caught.value
    assert exc.code == "bad_credentials"
    assert not exc.retry  # the same password again would fail again
    assert exc.reason == "The database refused the user name or password in TEST_BAD_DSN."
    assert "TEST_BAD_DSN" in exc.reason_vi and "mật khẩu" in exc.reason_vi
    assert exc.__cause__ is None and exc.__context__ is None
    assert_no_secret(exc, wrong, tasks.dsn_for(tasks.reader, wrong), tasks.reader_password)
    assert wrong not in caplog.text


def test_a_pull_with_a_wrong_password_records_and_logs_no_password(
    tasks, tmp_path, monkeypatch, caplog
):
    """Through the pull: its JSON, its log, the store's record of it (source_pulls, the audit
    log) say why without the password or the connection string."""
    wrong = "Pulled-wrong-pw-41c2"
    bad = tasks.dsn_for(tasks.reader, wrong)
    monkeypatch.setenv("TEST_BAD_DSN", bad)
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "t.duckdb"
    [result] = pull(
        db, [source("select * from nhiem_vu", env="TEST_BAD_DSN")], sleep=lambda _s: None
    )
    assert result.status == "unreachable" and result.tries == 1
    assert [e["code"] for e in result.errors] == ["bad_credentials"]
    with store.connect(db) as con:
        recorded = con.execute("select * from source_pulls").fetchall()
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
        everything = [str(con.execute(f"select * from {t}").fetchall()) for t in tables]
    assert recorded
    for text in [json.dumps(result.to_json(), ensure_ascii=False), caplog.text, *everything]:
        assert wrong not in text and bad not in text and tasks.reader_password not in text


def test_a_wrong_password_in_a_uri_is_not_shown_either(tasks, monkeypatch):
    wrong = "Uri-pass-92bd01"
    uri = f"postgresql://{tasks.reader}:{wrong}@127.0.0.1:{tasks.port}/{tasks.database}"
    monkeypatch.setenv("TEST_URI_DSN", uri)
    with pytest.raises(Unreachable) as caught:
        database.fetch(source("select 1 as task_id", env="TEST_URI_DSN"))
    assert caught.value.code == "bad_credentials"
    assert_no_secret(caught.value, wrong, uri)
    right = f"postgresql://{tasks.reader}:{tasks.reader_password}@127.0.0.1:{tasks.port}/{tasks.database}"
    monkeypatch.setenv("TEST_URI_DSN", right)
    assert database.fetch(source("select title from nhiem_vu", env="TEST_URI_DSN")).data


def test_a_stopped_server_is_unreachable_and_pulls_again_once_started(tasks, tmp_path):
    src = source("select * from nhiem_vu")
    with tasks.stopped(), pytest.raises(Unreachable) as caught:
        database.fetch(src)
    exc = caught.value
    assert exc.code == "refused"
    assert exc.reason == (
        "No PostgreSQL server answered at the address given in TEST_DEAN06_DSN "
        "(the server is down or the port is wrong)."
    )
    assert_no_secret(exc, tasks.reader_password, tasks.dsn)
    assert pulled(tmp_path / "t.duckdb", src)[1].tasks == 3
    assert exc.retry  # the pull tries again (tries, backoff_seconds)


def test_a_server_that_never_answers_is_a_timeout(postgres, monkeypatch):
    """A port that takes the connection and says nothing: libpq's connect_timeout (the
    source's timeout; libpq waits at least 2 s)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        dsn = pg.conninfo(host="127.0.0.1", port=port, dbname="x", user="u", password="Silent-pw-1")
        monkeypatch.setenv("TEST_SILENT_DSN", dsn)
        with pytest.raises(Unreachable) as caught:
            database.fetch(source("select 1", env="TEST_SILENT_DSN", timeout=1.0))
    assert caught.value.code == "timeout"
    assert_no_secret(caught.value, "Silent-pw-1")


def test_a_query_over_the_sources_timeout_is_stopped_by_the_server(tasks):
    with pytest.raises(Rejected) as caught:
        database.fetch(source("select pg_sleep(30)::text as task_id", timeout=1.0))
    assert [p.code for p in caught.value.problems] == ["query_timeout"]
    assert caught.value.problems[0].message == (
        "The query ran longer than the source's timeout (1 s) and was stopped."
    )
    running = tasks.sql(
        "select count(*) from pg_stat_activity where state = 'active'"
        " and query like '%pg_sleep(30)%' and pid <> pg_backend_pid()"
    )
    assert running.strip() == "0"  # stopped on the server, not only given up by the client


def test_an_unset_dsn_names_the_variable(monkeypatch):
    monkeypatch.delenv("TEST_NO_SUCH_DSN", raising=False)
    monkeypatch.setenv("TASKS_SECRETS", "/nonexistent/secrets.toml")
    with pytest.raises(Unreachable) as caught:
        database.fetch(source("select 1", env="TEST_NO_SUCH_DSN"))
    assert caught.value.code == "no_credentials"
    assert "TEST_NO_SUCH_DSN" in caught.value.reason


def test_an_unknown_database_and_a_bad_connection_string(tasks, monkeypatch):
    monkeypatch.setenv(
        "TEST_OTHER_DB",
        pg.conninfo(
            host="127.0.0.1",
            port=tasks.port,
            dbname="no_such_db",
            user=tasks.reader,
            password=tasks.reader_password,
        ),
    )
    with pytest.raises(Unreachable) as caught:
        database.fetch(source("select 1", env="TEST_OTHER_DB"))
    assert caught.value.code == "no_database"
    assert_no_secret(caught.value, tasks.reader_password)
    monkeypatch.setenv("TEST_GARBLED", f"host 127.0.0.1 password {tasks.reader_password}")
    with pytest.raises(Unreachable) as caught:
        database.fetch(source("select 1", env="TEST_GARBLED"))
    assert caught.value.code == "bad_dsn"
    assert_no_secret(caught.value, tasks.reader_password)


@pytest.mark.parametrize(
    ("query", "code", "english"),
    [
        (
            "select * from nhiem_vu_cu",
            "query_no_table",
            "The query names a table or view nhiem_vu_cu that the database does not have.",
        ),
        (
            "select ten_nhiem_vu from nhiem_vu",
            "query_no_column",
            "The query names a column ten_nhiem_vu that the table does not have.",
        ),
        (
            "select title, from nhiem_vu",
            "query_syntax",
            'The query has a syntax error near "from".',
        ),
        ("delete from nhiem_vu", "query_not_select", None),
        (
            "select * from nhiem_vu where false",
            "no_rows",
            "The query returned no row; nothing to store.",
        ),
        ("select 1/0 as x", "query_refused", "The database refused the query: division by zero"),
    ],
)
def test_a_query_the_database_refuses_says_why(tasks, query, code, english):
    with pytest.raises(Rejected) as caught:
        database.fetch(source(query))
    problems = caught.value.problems
    assert [p.code for p in problems] == [code]
    if english:
        assert problems[0].message == english
    assert problems[0].message_vi and problems[0].message_vi != problems[0].message
    assert_no_secret(caught.value, tasks.reader_password, tasks.dsn)


def test_a_table_the_reader_may_not_read(tasks):
    tasks.sql("create table secret_notes (x text); revoke select on secret_notes from reader;")
    try:
        with pytest.raises(Rejected) as caught:
            database.fetch(source("select * from secret_notes"))
        assert [p.code for p in caught.value.problems] == ["query_not_permitted"]
        assert "secret_notes" in caught.value.problems[0].message
    finally:
        tasks.sql("drop table secret_notes")


def test_the_caps_of_an_upload_hold(tasks, monkeypatch):
    with pytest.raises(Rejected) as caught:
        database.fetch(source("select * from nhiem_vu", max_bytes=300))
    assert [p.code for p in caught.value.problems] == ["too_large"]
    monkeypatch.setattr(database, "MAX_ROWS", 5)
    rows = "select g as task_id, 'Nhiệm vụ ' || g as title from generate_series(1, 50) g"
    with pytest.raises(Rejected) as caught:
        database.fetch(source(rows))
    assert [p.code for p in caught.value.problems] == ["too_many_rows"]
    assert "5 rows" in caught.value.problems[0].message
    assert len(database.fetch(source(rows + " limit 5")).data.splitlines()) == 6


# ---------------------------------------------------------------------------------------------
# the extensions, from their wheels


@pytest.mark.parametrize("name", ["postgres", "mysql", "ducklake"])
def test_each_extension_loads_from_its_wheel_with_nothing_downloaded(name, tmp_path):
    """An empty extension directory, installing and autoloading off: loaded from the wheel's
    file, the directory still empty (nothing fetched or installed)."""
    empty = tmp_path / "extensions"
    empty.mkdir()
    con = duckdb.connect(config={"extension_directory": str(empty)})
    try:
        extensions.load(con, name)
        settings = dict(
            con.execute(
                "select name, value from duckdb_settings() where name in "
                "('autoinstall_known_extensions', 'autoload_known_extensions')"
            ).fetchall()
        )
        assert settings == {
            "autoinstall_known_extensions": "false",
            "autoload_known_extensions": "false",
        }
        ext = extensions.EXTENSIONS[name]
        loaded = con.execute(
            "select loaded, installed from duckdb_extensions() where extension_name = ?", [ext]
        ).fetchone()
        assert loaded == (True, False)  # loaded, never installed into a directory
        assert list(empty.rglob("*")) == []
        path = extensions.path(name)
        assert path.name == f"{ext}.duckdb_extension"
        assert path.parent.name == f"v{duckdb.__version__}"
        assert "site-packages" in path.parts or "dist-packages" in path.parts
    finally:
        con.close()


def test_a_connection_made_offline_does_not_fetch_an_extension_it_lacks(tmp_path):
    empty = tmp_path / "extensions"
    empty.mkdir()
    con = duckdb.connect(config={"extension_directory": str(empty)})
    try:
        extensions.offline(con)
        with pytest.raises(duckdb.Error):
            con.execute("attach 'host=127.0.0.1' as x (type postgres)")
        assert list(empty.rglob("*")) == []
    finally:
        con.close()


def test_a_missing_wheel_is_a_plain_error(tmp_path, monkeypatch):
    """A package that holds no extension file for this DuckDB (a wheel of another version
    found first on the path): ExtensionMissing names the pip package to install."""
    package = tmp_path / "duckdb_extension_postgres_scanner"
    (package / "extensions" / "v0.9.2").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "extensions" / "v0.9.2" / "postgres_scanner.duckdb_extension").write_bytes(b"")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    con = duckdb.connect()
    with pytest.raises(extensions.ExtensionMissing) as caught:
        extensions.load(con, "postgres")
    con.close()
    assert caught.value.package == "duckdb-extension-postgres-scanner"
    assert "v0.9.2" in str(caught.value)
    assert f"pip install duckdb-extension-postgres-scanner=={duckdb.__version__}" in str(
        caught.value
    )
    (package / "extensions" / "v0.9.2" / "postgres_scanner.duckdb_extension").unlink()
    with pytest.raises(extensions.ExtensionMissing, match="holds no extension file"):
        extensions.path("postgres")


def test_mysql_unreachable_says_so_without_the_password(monkeypatch):
    """The mysql kind: its extension from the wheel, a server that is not there refused in
    plain words (no MySQL server runs in the tests)."""
    port = pg.free_port()
    password = "My-sql-pw-55ab"
    monkeypatch.setenv(
        "TEST_MYSQL_DSN", f"host=127.0.0.1 port={port} user=reader password={password} database=nv"
    )
    with pytest.raises(Unreachable) as caught:
        database.fetch(source("select * from nhiem_vu", env="TEST_MYSQL_DSN", kind="mysql"))
    assert caught.value.code == "refused"
    assert "MySQL" in caught.value.reason
    assert_no_secret(caught.value, password)
