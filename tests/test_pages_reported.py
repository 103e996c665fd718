"""What agencies reported, on the figure pages (issue 15 points 2, 3, 4): the official figures with
the reconciled ones beside them, the switch to judge by the original deadlines (also from a link),
the adjusted deadline said in the lists, the agency's missed commitments, and the Data page's
downloads with the reported columns, formula-like text neutralised."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from analytics import accounts, metrics, reporting, store
from analytics.i18n import t
from analytics.model import Filters, Scope
from analytics.reporting import ReportFields, words
from tests.helpers import assert_clean, new_app, number, open_page, six_task_store
from ui.html import esc

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")

LATER = dt.date(2025, 10, 15)  # every task of the six-task store past its deadline (30/09/2025)
EXTENDED_TO = dt.date(2025, 12, 31)
COMMITTED = dt.date(2025, 10, 1)
HOSTILE = "=cmd|' /C calc'!A0"
USERS = {
    "hanoi": ("agency_editor", ("p01",)),
    "vpcp": ("coordinator", ()),
}
PAGES = ("agency", "workload", "trends", "data")


@pytest.fixture
def db(tmp_path, monkeypatch):
    """Hà Nội's three tasks: t6 reported completed (awaiting confirmation), t3 with an approved
    extension, t4 stuck past its commitment date (a cause text shaped like a formula); t5
    (Bộ KH&CN) cancelled."""
    path = six_task_store(tmp_path, monkeypatch, USERS)
    hanoi, vpcp = accounts.get_user(path, "hanoi"), accounts.get_user(path, "vpcp")
    reporting.claim(path, hanoi, "t6", dt.date(2025, 9, 20), "Văn bản số 12/BC-UBND ngày 20/9/2025")
    asked = reporting.request_deadline(path, hanoi, "t3", EXTENDED_TO, "Chờ ý kiến Bộ Tư pháp")
    reporting.approve_request(path, vpcp, asked["request_id"])
    stuck = ReportFields(
        status_reported="stuck",
        cause_codes=("funding",),
        cause_text=HOSTILE,
        commitment_date=COMMITTED,
        confidence="red",
    )
    reporting.save_report(path, hanoi, "t4", stuck)
    reporting.cancel_task(path, vpcp, "t5", "Không còn phù hợp", "Thông báo 05-TB/BCĐTW")
    return path


def frame(db, judge_original=False, agency=None) -> pd.DataFrame:
    filters = Filters(agency_ids=(agency,) if agency else (), judge_original=judge_original)
    return store.load_tasks(db, LATER, filters, Scope.everything())


def sentence(db, lang="vi", **kw) -> str:
    df = frame(db, **kw)
    return esc(words.reconciled_sentence(metrics.headline(df, LATER), metrics.reconciled(df), lang))


def page(name, lang="vi", query=None, session=None):
    at = open_page(name, lang, as_of=LATER, query=query, session=session)
    assert_clean(at)
    return at


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def table_with(at, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with a column {column!r}"
    return found[0]


@pytest.mark.parametrize("name", PAGES)
def test_every_figure_page_shows_the_reconciled_sentence(db, name):
    query = {"agency": "p01"} if name == "agency" else None
    at = page(name, query=query)
    expected = sentence(db, agency="p01" if name == "agency" else None)
    assert "đã báo cáo hoàn thành, chờ xác nhận" in expected
    if name == "trends":  # at the latest report date: the snapshot's, 28/08/2025
        df = store.load_tasks(db, dt.date(2025, 8, 28), Filters(), Scope.everything())
        counts, rec = metrics.headline(df, dt.date(2025, 8, 28)), metrics.reconciled(df)
        plain = words.reconciled_sentence(counts, rec, "vi")
        expected = esc(t("pages_reported.on_date", "vi", date="28/08/2025", sentence=plain))
    assert expected in captions(at), captions(at)


def test_the_reconciled_sentence_in_english(db):
    at = page("workload", "en")
    assert sentence(db, "en") in captions(at)


def overdue_card(at) -> int:
    return number(at.metric[2].value)  # total, completed, overdue, …


def test_the_switch_and_its_link_judge_by_the_original_deadlines(db):
    adjusted = frame(db, agency="p01")
    original = frame(db, agency="p01", judge_original=True)
    n_adjusted = metrics.headline(adjusted, LATER)["overdue"]
    n_original = metrics.headline(original, LATER)["overdue"]
    assert (n_adjusted, n_original) == (2, 3)  # t3's approved extension

    at = page("agency", query={"agency": "p01"})
    assert overdue_card(at) == n_adjusted
    assert "judge_original" not in at.query_params
    at.toggle(key="judge_original").set_value(True).run()
    assert_clean(at)
    assert overdue_card(at) == n_original
    assert at.query_params["judge_original"] == "1"  # a copied link keeps the choice
    assert sentence(db, agency="p01", judge_original=True) in captions(at)
    assert esc(t("pages_reported.judging_original", "vi")) in captions(at)

    linked = new_app(query={"agency": "p01", "judge_original": "1"}, as_of=LATER).run()
    linked.switch_page("pages/agency.py").run()
    assert_clean(linked)
    assert linked.toggle(key="judge_original").value is True
    assert overdue_card(linked) == n_original


def test_the_agency_page_lists_the_missed_commitment_and_the_adjusted_deadline(db):
    at = page("agency", query={"agency": "p01"})
    assert t("pages_reported.missed_title", "vi") in [s.value for s in at.subheader]
    missed = table_with(at, t("pages_reported.col_commitment_date", "vi"))
    assert list(missed[t("col.task_id", "vi")]) == ["t4"]
    assert missed[t("pages_reported.col_confidence", "vi")].iloc[0] == t("confidence.red", "vi")
    assert "Chưa bố trí được kinh phí" in missed[t("pages_reported.col_causes", "vi")].iloc[0]

    tasks = table_with(at, "Tệp").set_index(t("col.task_id", "vi"))
    note = tasks.loc["t3", t("pages_reported.col_deadline_note", "vi")]
    assert note.startswith("thời hạn điều chỉnh từ 30/09/2025 sang 31/12/2025, duyệt ngày")
    assert tasks.loc["t4", t("pages_reported.col_deadline_note", "vi")] in ("", None)
    assert tasks.loc["t6", t("pages_reported.col_report", "vi")] == t(
        "pages_reported.awaiting", "vi"
    )
    assert tasks.loc["t4", t("pages_reported.col_commitment_missed", "vi")] == t(
        "pages_reported.missed", "vi"
    )
    detail = t("pages_reported.detail", "vi", adjusted="1", missed="1", overdue="1")
    assert esc(detail) in captions(at)  # t4 overdue; t6 would be completed if confirmed

    at.toggle(key="judge_original").set_value(True).run()  # the list still says it was moved
    tasks = table_with(at, "Tệp").set_index(t("col.task_id", "vi"))
    assert tasks.loc["t3", t("pages_reported.col_deadline_note", "vi")] == note


def test_an_agency_without_reports_shows_no_reported_columns(db):
    at = page("agency", query={"agency": "most"})
    tasks = table_with(at, "Tệp")
    assert t("pages_reported.col_confidence", "vi") not in tasks.columns
    assert t("pages_reported.missed_none", "vi") in captions(at)
    assert tasks[t("pages_reported.col_cancel_reason", "vi")].tolist() == ["Không còn phù hợp"]


@pytest.fixture
def deferred(monkeypatch) -> dict:
    """The files the download buttons hand out, by file name (Streamlit makes them when the
    browser asks; here when the test does)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    found: dict[str, tuple] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kw)
        found[file_name] = (self, file_id)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return found


def downloaded(at, deferred: dict, key: str, suffix: str) -> bytes:
    next(b for b in at.download_button if b.key == key).click().run()
    assert not at.exception
    name = next(n for n in deferred if n.startswith("nhiem_vu_") and n.endswith(suffix))
    manager, file_id = deferred[name]
    url = manager.execute_deferred(file_id)  # what the browser's request runs
    return manager._storage.get_file(url.rsplit("/", 1)[-1]).content


NEW_COLUMNS = (
    "col_deadline_original",
    "col_deadline_note",
    "col_claimed_on",
    "col_commitment_date",
    "col_commitment_missed",
    "col_confidence",
    "col_causes",
    "col_cause_text",
    "col_cancel_reason",
    "col_cancel_document",
)


def test_the_data_page_shows_and_exports_the_reported_columns(db, deferred):
    at = page("data")
    task_id = t("col.task_id", "vi")
    shown = table_with(at, task_id).set_index(task_id)
    assert shown.loc["t5", t("pages_reported.col_cancel_document", "vi")] == "Thông báo 05-TB/BCĐTW"
    assert shown.loc["t6", t("pages_reported.col_report", "vi")] == t(
        "pages_reported.awaiting", "vi"
    )
    labels = {k: t(f"pages_reported.{k}", "vi") for k in NEW_COLUMNS}

    csv = downloaded(at, deferred, "data_dl_tasks_csv", ".csv").decode("utf-8-sig")
    assert "'" + HOSTILE in csv
    back = pd.read_csv(io.StringIO(csv), dtype=str).set_index(task_id)
    assert set(labels.values()) <= set(back.columns)
    assert back.loc["t4", labels["col_cause_text"]] == "'" + HOSTILE
    # dates dd/mm/yyyy in the CSV as on the page
    assert back.loc["t4", labels["col_commitment_date"]] == COMMITTED.strftime("%d/%m/%Y")
    assert back.loc["t4", labels["col_commitment_missed"]] == t("pages_reported.missed", "vi")
    assert back.loc["t4", labels["col_confidence"]] == t("confidence.red", "vi")
    assert back.loc["t4", labels["col_causes"]].startswith("Chưa bố trí được kinh phí (")
    assert back.loc["t3", labels["col_deadline_original"]] == "30/09/2025"
    assert back.loc["t3", labels["col_deadline_note"]].startswith("thời hạn điều chỉnh từ 30/09")
    assert back.loc["t6", labels["col_claimed_on"]] == "20/09/2025"
    assert back.loc["t5", labels["col_cancel_reason"]] == "Không còn phù hợp"

    xlsx = downloaded(at, deferred, "data_dl_tasks_xlsx", ".xlsx")
    ws = load_workbook(io.BytesIO(xlsx)).active
    header = [c.value for c in ws[1]]
    assert set(labels.values()) <= set(header)
    rows = {r[header.index(task_id)].value: r for r in ws.iter_rows(min_row=2)}
    cell = rows["t4"][header.index(labels["col_cause_text"])]
    assert cell.value == HOSTILE and cell.data_type == "s"  # text, never a formula
    assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r)
    committed = rows["t4"][header.index(labels["col_commitment_date"])].value
    assert committed.date() == COMMITTED  # a real date
