"""The connected sources' freshness on the pages (ui/freshness.py, analytics/connectors/
freshness.py): the Data page's sources panel and the briefing's stale-source line, through
AppTest, after real pulls (a real HTTP server on 127.0.0.1, a real copy of the sample store)."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import connectors
from analytics.connectors.pull import pull
from analytics.connectors.sources import load_sources
from tests import http_source
from tests.helpers import assert_clean, open_page, seeded_session
from tests.http_source import ROWS, XLSX, Route, workbook

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")
LINK = {"as_of": "2025-08-28"}


@pytest.fixture
def pulled(sample_copy, tmp_path, monkeypatch):
    """Two sources: one pulled three days ago and failing today (a 500), one folder never
    reached. The sources file in TASKS_SOURCES."""
    server = http_source.Server()
    server.routes["/nq71.xlsx"] = Route(workbook(ROWS), XLSX)
    path = http_source.sources_file(
        tmp_path,
        {"name": "bcd-nq71", "kind": "http", "url": server.url("/nq71.xlsx"), "tries": 1,
         "task_source": "Đề án thử"},
        {"name": "btc", "kind": "folder", "path": str(tmp_path / "no-such-folder")},
    )  # fmt: skip
    monkeypatch.setenv("TASKS_SOURCES", str(path))
    monkeypatch.delenv("TASKS_STALE_SOURCE_DAYS", raising=False)
    real = connectors.utc_now
    monkeypatch.setattr(connectors, "utc_now", lambda: real() - dt.timedelta(days=3))
    sources = load_sources(path)
    [first] = pull(sample_copy, sources[:1])
    assert first.status == "new_snapshot", first.errors
    monkeypatch.setattr(connectors, "utc_now", real)
    server.routes["/nq71.xlsx"] = Route(b"down", "text/plain", status=500)
    assert [r.status for r in pull(sample_copy, sources)] == ["unreachable", "unreachable"]
    yield server
    server.stop()


def sources_frame(at):
    found = [d.value for d in at.dataframe if "Fetched from" in d.value.columns]
    assert found, "no sources table"
    return found[0].set_index("Source")


def test_the_data_page_lists_each_source_with_its_freshness(pulled):
    at = open_page("pages/data.py", "en", query=LINK)
    assert "Connected sources" in [s.value for s in at.subheader]
    table = sources_frame(at)
    assert list(table.index) == ["bcd-nq71", "btc"]
    http_row, folder_row = table.loc["bcd-nq71"], table.loc["btc"]
    assert (http_row["Kind"], folder_row["Kind"]) == ("HTTP(S)", "Folder")
    assert http_row["Fetched from"] == pulled.url("/nq71.xlsx")
    assert http_row["As of"] == "28/08/2025" and http_row["Data's age"] == "3 days"
    three_days_ago = dt.datetime.now(dt.UTC) + dt.timedelta(hours=7) - dt.timedelta(days=3)
    assert http_row["Last successful pull"].startswith(three_days_ago.strftime("%d/%m/%Y"))
    assert "500" in http_row["Why it failed"] and http_row["Last failure"]
    assert (http_row["Result"], folder_row["Result"]) == ("Unreachable", "Unreachable")
    assert folder_row["Last successful pull"] == "Never" and folder_row["Data's age"] == "Never"
    assert "cannot be opened" in folder_row["Why it failed"]


def test_the_briefing_says_which_sources_data_is_stale(pulled, monkeypatch):
    at = open_page("briefing", "vi", query=LINK)
    lines = [w.value for w in at.warning]
    assert "Số liệu của nguồn bcd-nq71 cập nhật cách đây 3 ngày." in lines
    assert "Nguồn btc chưa lấy được số liệu lần nào." in lines
    monkeypatch.setenv("TASKS_STALE_SOURCE_DAYS", "3")  # three days old is not older than 3
    from tests.helpers import clear_caches

    clear_caches()
    at = open_page("briefing", "en", query=LINK)
    lines = [w.value for w in at.warning]
    assert not [w for w in lines if "bcd-nq71" in w]
    assert "Source btc has not been pulled successfully yet." in lines


def test_a_sources_file_with_mistakes_is_said_on_the_data_page(sample_copy, tmp_path, monkeypatch):
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nname = "x"\nkind = "ftp"\n', encoding="utf-8")
    monkeypatch.setenv("TASKS_SOURCES", str(path))
    at = open_page("pages/data.py", "vi", query=LINK, check=False)
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert "có lỗi" in error and "Nguồn 'x'" in error
    assert not [w for w in at.warning if "nguồn x" in w.value]  # the briefing stays quiet


def test_without_a_sources_file_the_panel_says_so(sample_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("TASKS_SOURCES", str(tmp_path / "none.toml"))
    at = open_page("pages/data.py", "en", query=LINK)
    assert_clean(at)
    assert any("No connected source is declared" in c.value for c in at.caption)


def test_an_agency_viewer_does_not_see_the_sources(pulled, sample_copy):
    session = seeded_session(sample_copy, "xem_btc", "agency_viewer", agencies=("mof",))
    at = open_page("pages/data.py", "en", query=LINK, session=session)
    assert "Connected sources" not in [s.value for s in at.subheader]
