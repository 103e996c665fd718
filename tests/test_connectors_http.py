"""kind "http" through the pull (analytics/connectors/http.py, pull.py): a real HTTP server on
127.0.0.1 started here serves workbooks made with openpyxl, CSV and the JSON task feed, a 500, a
hang, redirects, an endless body, payloads that change or not; a real DuckDB file stores them."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from analytics import connectors, store
from analytics.connectors import http as http_connector
from analytics.connectors.pull import exit_code, pull
from analytics.connectors.sources import Source, load_sources
from analytics.model import Filters, Scope
from analytics.reporting.rules import vn_day
from tests import http_source
from tests.http_source import ROWS, XLSX, Route, workbook

FEED = {
    "as_of": "2025-08-28",
    "source": "Nghị quyết 71/NQ-CP",
    "generated_at": "2025-08-28T17:00:00+07:00",
    "tasks": [
        {
            "id": "NV-01",
            "title": "Xây dựng Luật sửa đổi Luật Quản lý thuế",
            "lead_agencies": ["Bộ Tài chính"],
            "support_agencies": ["mps"],
            "deadline": "2025-09-30",
            "status": "Đang thực hiện",
        },
        {
            "id": "NV-02",
            "title": "Triển khai nền tảng số",
            "lead_agencies": ["Bộ Khoa học và Công nghệ"],
            "deadline_text": "Quý IV/2025",
            "status": "completed_on_time",
            "completed_on": "2025-08-01",
        },
    ],
}


@pytest.fixture
def server():
    s = http_source.Server()
    yield s
    s.stop()


@pytest.fixture
def db(tmp_path):
    return tmp_path / "tasks.duckdb"


def source(url: str, **more) -> Source:
    return Source(name=more.pop("name", "bcd-nq71"), kind="http", url=url, **more)


def pulls_rows(db) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select source_name, status, snapshot_id, n_tasks, content_hash, errors, detail "
            "from source_pulls order by pull_id"
        ).fetchall()


def snapshot_count(db) -> int:
    return 0 if not db.exists() else len(store.list_snapshots(db))


def test_a_workbook_is_stored_once_and_the_same_bytes_again_make_no_snapshot(server, db):
    server.routes["/nq71.xlsx"] = Route(workbook(ROWS), XLSX)
    src = source(server.url("/nq71.xlsx"), task_source="Nghị quyết 71/NQ-CP")
    [first] = pull(db, [src])
    assert (first.status, first.tasks, first.as_of) == ("new_snapshot", 3, dt.date(2025, 8, 28))
    snaps = store.list_snapshots(db)
    assert list(snaps["uploaded_by"]) == ["pull:bcd-nq71"]
    assert list(snaps["source"]) == ["Nghị quyết 71/NQ-CP"]
    assert list(snaps["file_name"]) == ["nq71.xlsx"]
    [again] = pull(db, [src])
    assert (again.status, again.snapshot_id, again.tasks) == ("unchanged", first.snapshot_id, 3)
    assert snapshot_count(db) == 1
    server.routes["/nq71.xlsx"] = Route(workbook(ROWS[:2]), XLSX)  # the source changed
    [changed] = pull(db, [src])
    assert changed.status == "new_snapshot" and changed.snapshot_id != first.snapshot_id
    assert changed.tasks == 2 and snapshot_count(db) == 2
    rows = pulls_rows(db)
    assert [r[1] for r in rows] == ["new_snapshot", "unchanged", "new_snapshot"]
    assert rows[0][4] == rows[1][4] != rows[2][4]  # the content hash of each payload
    from analytics import audit

    log = audit.read(db, actions=["pull"])
    assert len(log) == 3 and set(log["username"]) == {"pull:bcd-nq71"}
    assert exit_code([first, again, changed]) == 0


def test_csv_by_its_content_type_and_the_fetch_day_as_the_date(server, db):
    body = (
        "Mã NV,Nội dung nhiệm vụ,Cơ quan chủ trì,Thời hạn\nA-1,Việc một,Bộ Tài chính,30/09/2025\n"
    )
    server.routes["/export"] = Route(body.encode(), "text/csv; charset=utf-8")
    [result] = pull(db, [source(server.url("/export"), as_of="fetch_date", task_source="Đề án 06")])
    assert result.status == "new_snapshot", result.errors
    assert result.as_of == vn_day(connectors.utc_now())
    snaps = store.list_snapshots(db)
    assert list(snaps["file_name"]) == ["bcd-nq71.csv"] and list(snaps["source"]) == ["Đề án 06"]


def test_the_json_feed_is_read_in_the_sandbox_with_its_date_and_source(server, db):
    server.routes["/feed"] = Route(json.dumps(FEED).encode(), "application/json")
    [result] = pull(db, [source(server.url("/feed"))])
    assert result.status == "new_snapshot", result.errors
    assert (result.tasks, result.as_of) == (2, dt.date(2025, 8, 28))
    tasks = store.load_tasks(db, dt.date(2025, 8, 28), Filters(), Scope()).set_index("task_id")
    assert list(store.list_snapshots(db)["source"]) == ["Nghị quyết 71/NQ-CP"]
    assert tasks.loc["NV-01", "deadline"] == dt.date(2025, 9, 30)
    assert tasks.loc["NV-02", "completion_date"] == dt.date(2025, 8, 1)
    assert list(tasks.loc["NV-01", "support_ids"]) == ["mps"]
    original = store.file_bytes(db, store.list_snapshots(db)["file_sha256"][0])
    assert json.loads(original) == FEED  # the original kept, as it came


def test_a_feed_that_breaks_its_schema_is_rejected_naming_task_field_and_value(server, db):
    feed = json.loads(json.dumps(FEED))
    feed["tasks"][1]["deadline"] = "30/09/2025"
    server.routes["/feed"] = Route(json.dumps(feed).encode(), "application/json")
    [result] = pull(db, [source(server.url("/feed"))])
    assert result.status == "rejected" and result.snapshot_id is None
    [err] = result.errors
    assert err["column"] == "deadline" and err["value"] == "30/09/2025"
    assert (
        "Task 2 (id NV-02)" in err["message"] and "Nhiệm vụ thứ 2 (mã NV-02)" in err["message_vi"]
    )
    assert snapshot_count(db) == 0
    assert pulls_rows(db)[0][1] == "rejected"
    assert exit_code([result]) == 2


def test_a_workbook_without_its_task_columns_is_rejected_and_nothing_stored(server, db):
    bad = workbook([["x", "y"]], header=["Cột một", "Cột hai"])
    server.routes["/bad.xlsx"] = Route(bad, XLSX)
    [result] = pull(db, [source(server.url("/bad.xlsx"))])
    assert result.status == "rejected" and result.errors
    assert all(e["message"] and e["message_vi"] for e in result.errors)
    assert snapshot_count(db) == 0


def test_no_date_stated_is_refused_under_as_of_payload(server, db):
    server.routes["/nq71.xlsx"] = Route(workbook(ROWS, title=None), XLSX)
    [result] = pull(db, [source(server.url("/nq71.xlsx"))])
    assert result.status == "rejected"
    assert [e["code"] for e in result.errors] == ["no_file_date"]


def test_a_500_is_tried_three_times_with_backoff_then_unreachable(server, db):
    server.routes["/nq71.xlsx"] = Route(workbook(ROWS), XLSX)
    src = source(server.url("/nq71.xlsx"))
    [good] = pull(db, [src])
    server.routes["/nq71.xlsx"] = Route(b"oops", "text/plain", status=500)
    waits: list[float] = []
    [result] = pull(db, [src], sleep=waits.append)
    assert result.status == "unreachable" and result.tries == 3
    assert waits == [1.0, 2.0]
    assert server.hits("/nq71.xlsx") == 1 + 3
    [err] = result.errors
    assert err["status"] == 500 and "500" in err["message"] and "500" in err["message_vi"]
    # the last good data stays
    assert list(store.list_snapshots(db)["status"]) == ["active"]
    assert len(store.load_tasks(db, dt.date(2025, 8, 28), Filters(), Scope())) == good.tasks
    assert exit_code([result]) == 3


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_4xx_is_unreachable_with_its_status_and_not_tried_again(server, db, status):
    server.routes["/x.xlsx"] = Route(b"no", "text/plain", status=status)
    waits: list[float] = []
    [result] = pull(db, [source(server.url("/x.xlsx"))], sleep=waits.append)
    assert result.status == "unreachable" and result.errors[0]["status"] == status
    assert str(status) in result.errors[0]["message_vi"]
    assert server.hits("/x.xlsx") == 1 and waits == []


def test_a_hang_times_out(server, db):
    server.routes["/slow.xlsx"] = Route(hang=True)
    [result] = pull(db, [source(server.url("/slow.xlsx"), timeout=0.5, tries=1)])
    assert result.status == "unreachable"
    assert result.errors[0]["code"] == "timeout"
    assert "0.5" in result.errors[0]["message"]


def test_a_refused_connection_is_unreachable(server, db):
    port = server.port
    server.stop()
    [result] = pull(db, [source(f"http://127.0.0.1:{port}/x.xlsx", tries=2, backoff_seconds=0)])
    assert result.status == "unreachable" and result.tries == 2
    assert result.errors[0]["code"] == "refused"


def test_a_redirect_to_another_host_is_refused_saying_so(server, db):
    server.routes["/nq71.xlsx"] = Route(workbook(ROWS), XLSX)
    server.routes["/moved"] = Route(redirect=server.url("/nq71.xlsx?k=secret", host="localhost"))
    [result] = pull(db, [source(server.url("/moved"))])
    assert result.status == "unreachable"
    [err] = result.errors
    assert err["code"] == "redirect_refused"
    assert f"http://localhost:{server.port}/nq71.xlsx" in err["message"]
    assert "secret" not in json.dumps(result.to_json())
    assert server.hits("/moved") == 1 and server.hits("/nq71.xlsx") == 0


def test_a_redirect_within_the_host_is_followed(server, db):
    server.routes["/nq71_2025-08-28.xlsx"] = Route(workbook(ROWS, title=None), XLSX)
    server.routes["/latest"] = Route(redirect="/nq71_2025-08-28.xlsx")
    [result] = pull(db, [source(server.url("/latest"))])
    assert result.status == "new_snapshot", result.errors
    assert result.as_of == dt.date(2025, 8, 28)  # from the name the redirect gave


def test_an_endless_body_is_cut_at_the_cap_and_refused(server, db):
    server.routes["/big.xlsx"] = Route(content_type=XLSX, endless=True)
    [result] = pull(db, [source(server.url("/big.xlsx"), max_bytes=200_000)])
    assert result.status == "rejected"
    [err] = result.errors
    assert err["code"] == "too_large" and "0.191 MB" in err["message"]
    assert snapshot_count(db) == 0


def test_the_cap_is_the_upload_cap_at_most():
    from analytics.uploads import MAX_UPLOAD_BYTES

    assert Source(name="a", kind="http", url="http://x/").cap == MAX_UPLOAD_BYTES
    assert Source(name="a", kind="http", url="http://x/", max_bytes=10**12).cap == MAX_UPLOAD_BYTES


def test_a_bearer_token_from_the_environment_is_sent_and_never_shown(server, db, monkeypatch):
    token = "tok-3f9a1c7e"
    monkeypatch.setenv("BCD_TOKEN", token)
    server.routes["/nq71.xlsx"] = Route(workbook(ROWS), XLSX, token=f"Bearer {token}")
    src = source(server.url("/nq71.xlsx"), token_env="BCD_TOKEN")
    [result] = pull(db, [src])
    assert result.status == "new_snapshot", result.errors
    monkeypatch.setenv("BCD_TOKEN", "wrong-token-77")
    [refused] = pull(db, [src])
    assert refused.status == "unreachable" and refused.errors[0]["status"] == 401
    text = json.dumps([result.to_json(), refused.to_json()]) + repr(pulls_rows(db))
    assert token not in text and "wrong-token-77" not in text


def test_basic_auth_from_the_secrets_file(server, db, monkeypatch, tmp_path):
    import base64

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('BCD_USER = "reader"\nBCD_PASSWORD = "pa55-word"\n', encoding="utf-8")
    monkeypatch.setenv("TASKS_SECRETS", str(secrets))
    monkeypatch.delenv("BCD_USER", raising=False)
    monkeypatch.delenv("BCD_PASSWORD", raising=False)
    pair = base64.b64encode(b"reader:pa55-word").decode()
    server.routes["/nq71.xlsx"] = Route(workbook(ROWS), XLSX, token=f"Basic {pair}")
    src = source(server.url("/nq71.xlsx"), username_env="BCD_USER", password_env="BCD_PASSWORD")
    [result] = pull(db, [src])
    assert result.status == "new_snapshot", result.errors
    assert "pa55-word" not in json.dumps(result.to_json())


def test_a_missing_credential_is_said_and_nothing_fetched(server, db, monkeypatch, tmp_path):
    monkeypatch.setenv("TASKS_SECRETS", str(tmp_path / "none.toml"))
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    server.routes["/nq71.xlsx"] = Route(workbook(ROWS), XLSX)
    [result] = pull(db, [source(server.url("/nq71.xlsx"), token_env="NO_SUCH_TOKEN")])
    assert result.status == "unreachable" and result.errors[0]["code"] == "no_credentials"
    assert "NO_SUCH_TOKEN" in result.errors[0]["message"]
    assert server.requests == []


def test_a_self_signed_certificate_is_refused(tmp_path, db):
    tls = http_source.Server(tls=http_source.self_signed(tmp_path))
    try:
        tls.routes["/nq71.xlsx"] = Route(workbook(ROWS), XLSX)
        [result] = pull(db, [source(tls.url("/nq71.xlsx"))])
    finally:
        tls.stop()
    assert result.status == "unreachable"
    assert result.errors[0]["code"] == "tls" and result.tries == 1
    assert snapshot_count(db) == 0


def test_the_format_from_the_content_type_or_the_address(server):
    server.routes["/data"] = Route(b"a,b\n1,2\n", "application/octet-stream")
    with pytest.raises(connectors.Rejected) as refused:
        http_connector.fetch(source(server.url("/data")))
    assert refused.value.problems[0].code == "unknown_format"
    server.routes["/data.ods"] = Route(b"PK..", "application/octet-stream")
    assert http_connector.fetch(source(server.url("/data.ods"))).file_name == "data.ods"
    server.routes["/x"] = Route(
        b"PK..", XLSX, headers={"Content-Disposition": 'attachment; filename="bc_2025-08-28.xlsx"'}
    )
    assert http_connector.fetch(source(server.url("/x"))).file_name == "bc_2025-08-28.xlsx"
    server.routes["/y"] = Route(b"{}", "application/vnd.api+json")
    assert http_connector.fetch(source(server.url("/y"), name="feed-1")).file_name == "feed-1.json"


def test_several_sources_one_run_three_wins(server, db, tmp_path):
    server.routes["/good.xlsx"] = Route(workbook(ROWS), XLSX)
    server.routes["/bad.xlsx"] = Route(workbook([["x"]], header=["Cột"]), XLSX)
    path = http_source.sources_file(
        tmp_path,
        {"name": "good", "kind": "http", "url": server.url("/good.xlsx")},
        {"name": "bad", "kind": "http", "url": server.url("/bad.xlsx")},
        {"name": "down", "kind": "http", "url": server.url("/gone.xlsx"), "tries": 1},
    )
    results = pull(db, load_sources(path))
    assert [r.status for r in results] == ["new_snapshot", "rejected", "unreachable"]
    assert exit_code(results) == 3 and exit_code(results[:2]) == 2
    only = pull(db, load_sources(path), ["good"])
    assert [(r.source, r.status) for r in only] == [("good", "unchanged")]
