"""Sources of kind mysql against a real MySQL server (Debian's MariaDB: the `mysql` fixture,
tests/mysql.py): a table and a view pulled into a real DuckDB store, a select-only user that
cannot write, failures that say why without a password."""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import time

import duckdb
import pytest

from analytics import store
from analytics.connectors import Payload, Rejected, Unreachable, database
from analytics.connectors.pull import pull
from analytics.connectors.sources import Source
from analytics.store import extensions
from tests import mysql as mariadb
from tests.test_connectors_database import assert_no_secret, tasks_in_store

DSN_ENV = "TEST_MYSQL_DEAN06_DSN"

TASKS_SQL = """
drop view if exists v_nhiem_vu;
drop table if exists nhiem_vu;
create table nhiem_vu (
    task_id varchar(20) primary key,
    title text,
    lead_agency varchar(200),
    support_agencies text,
    deadline date,
    deadline_text varchar(100),
    status varchar(100),
    completed_on datetime,
    difficult boolean,
    source_document varchar(200)
) character set utf8mb4;
insert into nhiem_vu values
    ('DA06-01', 'Hoàn thiện cơ sở dữ liệu quốc gia về dân cư', 'Bộ Công an', 'Bộ Tài chính',
     '2025-09-30', 'Quý III/2025', 'Đang thực hiện', null, true, 'Đề án 06'),
    ('DA06-02', 'Kết nối dữ liệu thuế với cơ sở dữ liệu dân cư', 'Bộ Tài chính', '',
     '2025-06-30', null, 'Đã hoàn thành', '2025-06-20 00:00:00', false, 'Đề án 06'),
    ('DA06-03', 'Số hóa hồ sơ hộ tịch', 'Bộ Tư pháp', 'Bộ Công an; Bộ Tài chính',
     '2025-03-31', 'Quý I/2025', 'Chưa hoàn thành', null, false, 'Đề án 06');
create view v_nhiem_vu as
    select title as `Tên nhiệm vụ`, lead_agency as `Cơ quan chủ trì`,
           deadline_text as `Thời hạn`, status as `Tình hình thực hiện`
    from nhiem_vu order by task_id;
"""


@pytest.fixture
def tasks(mysql, monkeypatch):
    """The source database's tasks, fresh for the test; its DSN (the reader's) in DSN_ENV."""
    mysql.sql(TASKS_SQL)
    monkeypatch.setenv(DSN_ENV, mysql.dsn)
    return mysql


def source(query: str, *, env: str = DSN_ENV, **more) -> Source:
    return Source(
        name="de-an-06",
        kind="mysql",
        dsn_env=env,
        query=query,
        task_source="Đề án 06",
        as_of="fetch_date",
        **more,
    )


def pulled(db, src: Source):
    """The source pulled into the store by the pull itself, and the payload a fetch gives."""
    [result] = pull(db, [src], sleep=lambda _s: None)
    assert result.status == "new_snapshot", result.errors
    return database.fetch(src), result


def count(server, table: str) -> str:
    return server.sql(f"select count(*) from {table}").strip()


# ---------------------------------------------------------------------------------------------
# a table and a view, pulled into a real store


def test_a_table_in_the_canonical_columns_is_pulled_into_the_store(tasks, tmp_path):
    db = tmp_path / "t.duckdb"
    payload, result = pulled(db, source("select * from nhiem_vu order by task_id"))

    assert isinstance(payload, Payload)
    assert payload.file_name == "de-an-06.csv"
    assert payload.detail == "select * from nhiem_vu order by task_id"
    lines = payload.data.decode("utf-8").splitlines()
    assert lines[0] == (
        "task_id,title,lead_agency,support_agencies,deadline,deadline_text,status,"
        "completed_on,difficult,source_document"
    )
    # MySQL's types as a sheet's cells: a date, a boolean (tinyint(1)), a datetime at midnight
    assert lines[2] == (
        "DA06-02,Kết nối dữ liệu thuế với cơ sở dữ liệu dân cư,Bộ Tài chính,,2025-06-30,,"
        "Đã hoàn thành,2025-06-20,false,Đề án 06"
    )
    assert result.tasks == 3 and result.source == "de-an-06"

    df = tasks_in_store(db, result.as_of)
    assert set(df.source) == {"Đề án 06"}
    by_id = {r.task_id: r for r in df.itertuples()}
    assert set(by_id) == {"DA06-01", "DA06-02", "DA06-03"}
    first = by_id["DA06-01"]
    assert first.title == "Hoàn thiện cơ sở dữ liệu quốc gia về dân cư"
    assert list(first.lead_ids) == ["mps"] and list(first.support_ids) == ["mof"]
    assert first.deadline == dt.date(2025, 9, 30)
    assert bool(first.difficult) is True
    assert first.source_doc == "Đề án 06"
    assert first.status_class == "in_progress_on_time"
    done = by_id["DA06-02"]
    assert done.completion_date == dt.date(2025, 6, 20)
    assert done.status == "completed_on_time"
    assert bool(done.difficult) is False
    assert sorted(by_id["DA06-03"].support_ids) == ["mof", "mps"]

    [again] = pull(db, [source("select * from nhiem_vu order by task_id")])
    assert again.status == "unchanged" and again.snapshot_id == result.snapshot_id
    tasks.sql("update nhiem_vu set status = 'Đã hoàn thành' where task_id = 'DA06-01'")
    [changed] = pull(db, [source("select * from nhiem_vu order by task_id")])
    assert changed.status == "new_snapshot" and changed.snapshot_id != result.snapshot_id


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


# ---------------------------------------------------------------------------------------------
# read only


def test_the_reader_cannot_write_even_through_a_function_it_may_run(tasks):
    """A select calling a function that inserts (SQL SECURITY DEFINER: it would write with
    root's rights, and the reader may execute it): refused, nothing written. The extension's
    READ_ONLY does not reach the server; the query runs in a read-only transaction."""
    tasks.sql(
        "create table visits (at datetime);\n"
        "delimiter //\n"
        "create function log_visit() returns int modifies sql data sql security definer\n"
        "begin insert into visits values (now()); return 1; end//\n"
        "delimiter ;\n"
        "grant execute on function tasks_source.log_visit to 'reader'@'127.0.0.1';\n"
    )
    try:
        with pytest.raises(Rejected) as caught:
            database.fetch(source("select log_visit() as task_id"))
        assert [p.code for p in caught.value.problems] == ["query_writes"]
        assert caught.value.problems[0].message == (
            "The query tries to change data; a source is only read."
        )
        with pytest.raises(Rejected) as caught:
            database.fetch(source("insert into nhiem_vu (task_id) values ('X')"))
        assert [p.code for p in caught.value.problems] == ["query_not_select"]
        assert count(tasks, "visits") == "0"
        assert count(tasks, "nhiem_vu") == "3"
    finally:
        tasks.sql("drop function log_visit; drop table visits;")


def test_the_fixtures_reader_is_refused_a_write_without_duckdbs_read_only(tasks):
    """The user itself cannot write: attached without READ_ONLY, an insert through DuckDB is
    refused by the server."""
    con = duckdb.connect()
    try:
        extensions.load(con, "mysql")
        dsn = tasks.dsn.replace("'", "''")
        con.execute(f"attach '{dsn}' as src (type mysql)")
        with pytest.raises(duckdb.Error, match="INSERT command denied"):
            con.execute("insert into src.nhiem_vu (task_id) values ('X')")
    finally:
        con.close()
    assert count(tasks, "nhiem_vu") == "3"


# ---------------------------------------------------------------------------------------------
# failures in plain words, never with a password


def test_a_wrong_password_is_unreachable_without_the_password(tasks, monkeypatch, caplog):
    wrong = "Wrong pass 7f3a9c"  # a space: written in double quotes in the connection string
    bad = tasks.dsn_for(tasks.reader, wrong)
    assert f'password="{wrong}"' in bad
    monkeypatch.setenv("TEST_MYSQL_BAD_DSN", bad)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Unreachable) as caught:
        database.fetch(source("select * from nhiem_vu", env="TEST_MYSQL_BAD_DSN"))
    exc = caught.value
    assert exc.code == "bad_credentials"
    assert not exc.retry
    assert exc.reason == "The database refused the user name or password in TEST_MYSQL_BAD_DSN."
    assert "TEST_MYSQL_BAD_DSN" in exc.reason_vi and "mật khẩu" in exc.reason_vi
    assert exc.__cause__ is None and exc.__context__ is None
    assert_no_secret(exc, wrong, bad, tasks.reader_password)
    assert wrong not in caplog.text


def test_a_pull_with_a_wrong_password_records_and_logs_no_password(
    tasks, tmp_path, monkeypatch, caplog
):
    """Through the pull: its JSON, its log, the store's tables say why without the password
    or the connection string."""
    wrong = "Pulled-wrong-pw-41c2"
    bad = tasks.dsn_for(tasks.reader, wrong)
    monkeypatch.setenv("TEST_MYSQL_BAD_DSN", bad)
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "t.duckdb"
    [result] = pull(
        db, [source("select * from nhiem_vu", env="TEST_MYSQL_BAD_DSN")], sleep=lambda _s: None
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
    where = f"127.0.0.1:{tasks.port}/{tasks.database}"
    uri = f"mysql://{tasks.reader}:{wrong}@{where}"
    monkeypatch.setenv("TEST_MYSQL_URI", uri)
    with pytest.raises(Unreachable) as caught:
        database.fetch(source("select 1 as task_id", env="TEST_MYSQL_URI"))
    assert caught.value.code == "bad_credentials"
    assert_no_secret(caught.value, wrong, uri)
    monkeypatch.setenv("TEST_MYSQL_URI", f"mysql://{tasks.reader}:{tasks.reader_password}@{where}")
    assert database.fetch(source("select title from nhiem_vu", env="TEST_MYSQL_URI")).data


def test_a_stopped_server_is_unreachable_and_pulls_again_once_started(tasks, tmp_path):
    src = source("select * from nhiem_vu")
    with tasks.stopped(), pytest.raises(Unreachable) as caught:
        database.fetch(src)
    exc = caught.value
    assert exc.code == "refused" and exc.retry
    assert exc.reason == (
        f"No MySQL server answered at the address given in {DSN_ENV} "
        "(the server is down or the port is wrong)."
    )
    assert_no_secret(exc, tasks.reader_password, tasks.dsn)
    assert pulled(tmp_path / "t.duckdb", src)[1].tasks == 3


def test_a_server_that_never_greets_is_a_timeout(monkeypatch):
    """A port that takes the connection and says nothing: the extension would wait for ever
    (it sets no connect timeout); the greeting is waited for the source's timeout only."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        dsn = mariadb.dsn(host="127.0.0.1", port=port, user="u", password="Silent-pw-1")
        monkeypatch.setenv("TEST_MYSQL_SILENT", dsn)
        with pytest.raises(Unreachable) as caught:
            database.fetch(source("select 1", env="TEST_MYSQL_SILENT", timeout=1.0))
    assert caught.value.code == "timeout"
    assert (
        caught.value.reason == "The MySQL server did not answer within the source's timeout (1 s)."
    )
    assert_no_secret(caught.value, "Silent-pw-1")


def test_a_query_over_the_sources_timeout_is_stopped_by_the_server(tasks):
    with pytest.raises(Rejected) as caught:
        database.fetch(source("select sleep(30) as task_id", timeout=1.0))
    assert [p.code for p in caught.value.problems] == ["query_timeout"]
    assert caught.value.problems[0].message == (
        "The query ran longer than the source's timeout (1 s) and was stopped."
    )
    running = "0"
    for _ in range(50):  # the server notices the client gone at its next check
        running = tasks.sql(
            "select count(*) from information_schema.processlist"
            " where info like '%sleep(30)%' and id <> connection_id()"
        ).strip()
        if running == "0":
            break
        time.sleep(0.1)
    assert running == "0"  # stopped on the server, not only given up by the client


def test_an_unknown_database_and_bad_connection_strings(tasks, monkeypatch):
    other = mariadb.dsn(
        host="127.0.0.1",
        port=tasks.port,
        user=tasks.reader,
        password=tasks.reader_password,
        database="no_such_db",
    )
    monkeypatch.setenv("TEST_MYSQL_OTHER_DB", other)
    with pytest.raises(Unreachable) as caught:
        database.fetch(source("select 1", env="TEST_MYSQL_OTHER_DB"))
    assert caught.value.code == "no_database" and not caught.value.retry
    assert caught.value.reason == (
        "The server has no database of the name given in TEST_MYSQL_OTHER_DB, "
        "or the source's user may not use it."
    )
    assert_no_secret(caught.value, tasks.reader_password)
    for garbled in (
        f"host 127.0.0.1 password {tasks.reader_password}",  # no "=": all of it a host name
        tasks.dsn + " connect_timeout=5",  # libpq's key: not the extension's
    ):
        monkeypatch.setenv("TEST_MYSQL_GARBLED", garbled)
        with pytest.raises(Unreachable) as caught:
            database.fetch(source("select 1", env="TEST_MYSQL_GARBLED"))
        assert caught.value.code == "bad_dsn", garbled
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
            'The query has a syntax error near "from nhiem_vu".',
        ),
        ("delete from nhiem_vu", "query_not_select", None),
        (
            "select * from nhiem_vu where false",
            "no_rows",
            "The query returned no row; nothing to store.",
        ),
        (
            "select * from nhiem_vu where task_id = (select task_id from nhiem_vu)",
            "query_refused",
            "The database refused the query: Subquery returns more than 1 row",
        ),
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
    assert "set statement" not in problems[0].message  # the query as the source wrote it
    assert_no_secret(caught.value, tasks.reader_password, tasks.dsn)


def test_a_table_the_reader_may_not_read(tasks):
    tasks.sql(
        "create database if not exists hr; create table if not exists hr.secret_notes (x text);"
    )
    try:
        with pytest.raises(Rejected) as caught:
            database.fetch(source("select * from hr.secret_notes"))
        assert [p.code for p in caught.value.problems] == ["query_not_permitted"]
        assert caught.value.problems[0].message == (
            "The source's user may not read secret_notes; it needs the select privilege."
        )
    finally:
        tasks.sql("drop database hr")
