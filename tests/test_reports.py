"""Formal reports: the briefing PDF and workbook, the per-agency zip, and `analytics report`.

The PDF is read back with pypdf and the workbooks with openpyxl, so what is checked is what a
reader gets. Figures are compared with the store and metrics computed independently here, and
with the dashboard's own cached aggregates (ui.data).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys
import zipfile

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from analytics import metrics, reports, store
from analytics.changes import compare
from analytics.model import Filters, Scope, Task
from analytics.reports import pdf_kit
from tests.helpers import AGENCIES

D = dt.date
NQ71 = "Nghị quyết 71/NQ-CP"
AUG28 = D(2025, 8, 28)
XLSX_HEAD = 3  # write_sheet with a title: title in row 1, header in row 3


# --------------------------------------------------------------------------- helpers


def pdf_pages(payload: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(payload)).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def pct_vi(rate) -> str:
    return f"{rate * 100:.1f}%".replace(".", ",")


def expected_sentence(df: pd.DataFrame, as_of: dt.date) -> str:
    """The Government Office sentence computed here from the frame, not by the module."""
    h = metrics.headline(df, as_of)
    due = df["deadline"].notna() & (pd.to_datetime(df["deadline"]) <= pd.Timestamp(as_of))
    a = int((due & (df["status"] == "completed_on_time")).sum())
    b = int((due & (df["status"] == "completed_late")).sum())
    assert a + b == h["due_completed"]  # no 'timing unknown' among these
    c = h["total"] - h["completed"]
    d = h["in_progress"] + h["no_deadline"]
    return (
        f"{h['due_completed']} nhiệm vụ đến hạn đã hoàn thành, đạt {pct_vi(h['due_completion_rate'])} "
        f"(đúng hạn: {a}, quá hạn: {b}); chưa hoàn thành: {c} (trong hạn: {d}, quá hạn: {h['overdue']})."
    )


def expected_due_block(df: pd.DataFrame, as_of: dt.date) -> str:
    """The PDF's block of the tasks due (issue 16: one set of numbers), computed here."""
    h = metrics.headline(df, as_of)
    due = df["deadline"].notna() & (pd.to_datetime(df["deadline"]) <= pd.Timestamp(as_of))
    a = int((due & (df["status"] == "completed_on_time")).sum())
    b = int((due & (df["status"] == "completed_late")).sum())
    return (
        f"Trong số nhiệm vụ đã đến hạn ({h['due']}): hoàn thành {h['due_completed']}, "
        f"đạt {pct_vi(h['due_completion_rate'])} (đúng hạn {a}, quá hạn {b}); "
        f"chưa hoàn thành {h['due'] - h['due_completed']}."
    )


def cells(ws):
    for row in ws.iter_rows():
        yield from row


def header_index(ws, name: str) -> int:
    for c in ws[XLSX_HEAD]:
        if c.value == name:
            return c.column
    raise AssertionError(f"no column {name!r} in {ws.title}: {[c.value for c in ws[XLSX_HEAD]]}")


def column_values(ws, name: str) -> list:
    col = header_index(ws, name)
    return [ws.cell(row=r, column=col).value for r in range(XLSX_HEAD + 1, ws.max_row + 1)]


def assert_no_formulas(payload: bytes) -> None:
    """Neither openpyxl nor the raw sheet XML sees a formula anywhere."""
    wb = openpyxl.load_workbook(io.BytesIO(payload))
    for ws in wb:
        for c in cells(ws):
            assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                xml = zf.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name


# --------------------------------------------------------------------------- stores


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("reports-sample") / "tasks.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "sample", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return db


def task(tid, lead="mof", deadline=None, done=None, title=None, leads=None) -> Task:
    return Task(
        task_id=tid,
        title=title or f"Nhiệm vụ {tid}: xây dựng cơ sở dữ liệu quốc gia về đất đai",
        lead_ids=tuple(leads or (lead,)),
        lead_text=lead,
        deadline=deadline,
        deadline_text=deadline.strftime("%d/%m/%Y") if deadline else None,
        deadline_kind="date" if deadline else "none",
        completion_date=done,
        status_class="done_unspecified" if done else "in_progress_on_time",
        sheet="Sheet1",
        row=6,
    )


def commit(db, tasks, as_of, source="NQ71"):
    return store.commit_snapshot(
        db,
        source=source,
        as_of=as_of,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=repr((source, as_of, [(t.task_id, t.title) for t in tasks])).encode(),
        file_name=f"{source}_{as_of}.xlsx",
        user="tester",
    )


@pytest.fixture
def built_db(tmp_path):
    """Known figures at 2025-09-01: due 6 (2 on time, 1 late, 3 overdue), 4 in progress,
    2 without a deadline, 1 completed early (not due): 13 tasks."""
    db = tmp_path / "built.duckdb"
    due = D(2025, 8, 15)
    later = D(2025, 12, 31)
    tasks = [
        task("T01", deadline=due, done=D(2025, 8, 10)),
        task("T02", lead="most", deadline=due, done=D(2025, 8, 15)),
        task("T03", deadline=due, done=D(2025, 8, 20)),
        task("T04", deadline=due),
        task("T05", lead="most", deadline=due),
        task("T06", lead="p01", deadline=due, leads=("p01", "mof")),
        task("T07", deadline=later),
        task("T08", lead="most", deadline=later),
        task("T09", lead="p01", deadline=later),
        task("T10", deadline=later, title='=HYPERLINK("http://x","y")'),
        task("T11", lead="most"),
        task("T12", lead="p01"),
        task("T13", deadline=later, done=D(2025, 8, 30)),
    ]
    commit(db, tasks[:5], D(2025, 7, 31))
    commit(db, tasks, D(2025, 9, 1))
    return db


# --------------------------------------------------------------------------- the figures


def test_headline_sentence_on_known_figures(built_db):
    data = reports.build_briefing(built_db, D(2025, 9, 1), Filters(), Scope.everything(), "vi")
    want = (
        "3 nhiệm vụ đến hạn đã hoàn thành, đạt 50,0% (đúng hạn: 2, quá hạn: 1); "
        "chưa hoàn thành: 9 (trong hạn: 6, quá hạn: 3)."
    )
    assert data.sentence("vi") == want
    text = flat(" ".join(pdf_pages(reports.briefing_pdf(data, "vi"))))
    assert (
        "Trong số nhiệm vụ đã đến hạn (6): hoàn thành 3, đạt 50,0% (đúng hạn 2, quá hạn 1)" in text
    )
    assert "Tổng số 13 nhiệm vụ; 6 nhiệm vụ đã đến hạn" in text
    en = data.sentence("en")
    assert en.startswith(
        "3 tasks due have been completed, 50.0% of those due (on time: 2, late: 1)"
    )
    assert "not completed: 9 (within the deadline: 6, overdue: 3)" in en


def test_pdf_headline_and_vietnamese_words_for_28_august(sample_db):
    df = store.load_tasks(sample_db, AUG28, Filters(), Scope.everything())
    data = reports.build_briefing(sample_db, AUG28, Filters(), Scope.everything(), "vi")
    payload = reports.briefing_pdf(data, "vi")
    assert payload.startswith(b"%PDF")
    text = flat(" ".join(pdf_pages(payload)))
    sentence = expected_sentence(df, AUG28)
    assert expected_due_block(df, AUG28) in text
    # the public record of 28 Aug 2025: 652 tasks, 34 overdue
    assert "chưa hoàn thành: 426 (trong hạn: 392, quá hạn: 34)" in sentence
    assert "Tổng số 652 nhiệm vụ" in text
    # cover line: cut-off date and the snapshots used
    assert "Số liệu tính đến ngày 28/08/2025" in text
    assert "nq71_2025-08-28.xlsx" in text and "tbkl_2025-08-28.xlsx" in text
    for words in (
        "nhiệm vụ",
        "đúng hạn",
        "quá hạn",
        "Bộ Tài chính",
        "Thông báo kết luận",
        "Hà Nội",
    ):
        assert words in text, words
    # NQ71 row of the table by source: 330 tasks, 65 on time, 25 late, 4 overdue (the meeting)
    assert re.search(r"Nghị quyết 71/NQ-CP 330 \d+ \d+ [\d,]+% 65 25 4 ", text), text[:3000]
    # the ministry table shows the dashboard's by_agency row (MoF: 12 late)
    mof = (
        metrics.by_agency(df, store.list_agencies(sample_db), AUG28)
        .set_index("agency_id")
        .loc["mof"]
    )
    assert mof["late"] == 12
    row = (
        f"Bộ Tài chính {mof['total']} {mof['due']} {mof['due_completed']} {mof['completed_late']} "
        f"{mof['overdue']} {mof['late']} {pct_vi(mof['due_completion_rate'])}"
    )
    assert row in text
    # every overdue task is listed
    for tid in df.loc[df["status"] == "overdue", "task_id"]:
        assert tid in text


def test_english_pdf(sample_db):
    data = reports.build_briefing(sample_db, AUG28, Filters(), Scope.everything(), "en")
    text = flat(" ".join(pdf_pages(reports.briefing_pdf(data, "en"))))
    assert "Figures as of 28/08/2025" in text
    assert "Among the tasks due (231): completed 197, rate 85.3% (on time 132, late 65)" in text
    assert "Ministry of Finance" in text


@pytest.mark.parametrize(
    "filters, scope",
    [
        (Filters(), Scope.everything()),
        (Filters(sources=(NQ71,)), Scope.everything()),
        (Filters(agency_types=("province",), difficult_only=False), Scope.everything()),
        (Filters(), Scope.agencies(["mof", "p01"])),
    ],
)
def test_figures_equal_the_dashboards(sample_db, monkeypatch, filters, scope):
    monkeypatch.setenv("TASKS_DB", str(sample_db))
    from ui import data as dash

    dash.clear()
    brief = reports.build_briefing(sample_db, AUG28, filters, scope, "vi")
    assert brief.headline == dash.aggregate("headline", AUG28, filters, scope)
    pd.testing.assert_frame_equal(
        brief.by_agency, dash.aggregate("by_agency", AUG28, filters, scope)
    )
    pd.testing.assert_frame_equal(brief.by_month, dash.aggregate("by_month", AUG28, filters, scope))
    pd.testing.assert_frame_equal(
        brief.by_source, dash.aggregate("by_source", AUG28, filters, scope)
    )
    assert brief.snapshot_ids == dash.snapshot_ids(AUG28, filters.sources)
    # and the PDF prints those figures
    text = flat(" ".join(pdf_pages(reports.briefing_pdf(brief, "vi"))))
    tasks = dash.tasks(AUG28, filters, scope)
    assert expected_due_block(tasks, AUG28) in text
    dash.clear()


def test_changes_since_the_previous_snapshot(sample_db):
    data = reports.build_briefing(sample_db, AUG28, Filters(), Scope.everything(), "vi")
    assert data.previous_as_of == D(2025, 7, 31)
    before = store.load_tasks(sample_db, D(2025, 7, 31), Filters(), Scope.everything())
    after = store.load_tasks(sample_db, AUG28, Filters(), Scope.everything())
    want = compare(before, after).counts()
    assert data.changes.counts() == want
    text = flat(" ".join(pdf_pages(reports.briefing_pdf(data, "vi"))))
    assert "Kỳ trước: số liệu đến ngày 31/07/2025" in text
    assert f"Nhiệm vụ mới giao {want['new']}" in text
    assert f"Mới hoàn thành {want['newly_completed']}" in text
    first = reports.build_briefing(sample_db, D(2025, 7, 31), Filters(), Scope.everything(), "vi")
    assert first.previous_as_of is None and first.changes is None
    assert "Chưa có kỳ báo cáo trước" in flat(" ".join(pdf_pages(reports.briefing_pdf(first))))


def test_page_count_grows_with_the_overdue_list(tmp_path):
    db = tmp_path / "many.duckdb"
    start = D(2025, 6, 2)
    tasks = [
        task(
            f"T{i:03d}",
            lead=("mof", "most", "p01")[i % 3],
            deadline=start + dt.timedelta(days=i % 50),
        )
        for i in range(150)
    ]
    commit(db, tasks, D(2025, 6, 1))
    few = reports.build_briefing(db, D(2025, 6, 3), Filters(), Scope.everything(), "vi")
    many = reports.build_briefing(db, D(2025, 8, 1), Filters(), Scope.everything(), "vi")
    assert len(few.overdue) == 3 and len(many.overdue) == 150
    few_pages = pdf_pages(reports.briefing_pdf(few))
    many_pages = pdf_pages(reports.briefing_pdf(many))
    assert len(many_pages) >= len(few_pages) + 3
    # the overdue list runs over several pages, its heading row repeated on each
    start_page = next(i for i, p in enumerate(many_pages) if "DANH SÁCH NHIỆM VỤ QUÁ HẠN" in p)
    assert len(many_pages) - start_page >= 3
    for page in many_pages[start_page:]:
        assert "Nội dung nhiệm vụ" in page and "Cơ quan chủ trì" in page
        assert re.search(r"Trang \d+/\d+", page)
    total = len(many_pages)  # the footer's total is filled in when the document closes
    assert re.search(rf"Trang {total}/\s*{total}\b", many_pages[-1])
    text = flat(" ".join(many_pages))
    for t in tasks:
        assert t.task_id in text
    assert "Nhiệm vụ T149: xây dựng cơ sở dữ liệu quốc gia về đất đai" in text
    _, pages = reports.render_pdf(many, "vi")
    assert pages == len(many_pages)


def test_the_footer_leaves_room_for_a_five_digit_page_total():
    """The total is written into the width its alias takes when the document closes; "{nb}" is
    narrower than 4 digits (a 4,470-page briefing of 200,000 tasks overran it)."""
    pdf = pdf_kit.doc_class()("vi", "running", "generated")
    pdf.add_page()
    pdf.set_font(pdf_kit.FONT, "", 7.5)
    assert pdf.str_alias_nb_pages == pdf_kit.PAGE_TOTAL_ALIAS
    assert pdf.get_string_width(pdf_kit.PAGE_TOTAL_ALIAS) >= pdf.get_string_width("99999")
    pdf.output()  # closes the font files (fpdf2 opens them lazily; a dropped one leaks them)


def test_the_sample_briefing_pdf_is_made(sample_db):
    """The whole sample's briefing as a PDF (how long it takes: benchmarks/pages.py)."""
    data = reports.build_briefing(sample_db, AUG28, Filters(), Scope.everything(), "vi")
    pdf = reports.briefing_pdf(data, "vi")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


# --------------------------------------------------------------------------- workbooks


def test_briefing_workbook_values_types_and_no_formulas(built_db):
    data = reports.build_briefing(built_db, D(2025, 9, 1), Filters(), Scope.everything(), "vi")
    payload = reports.briefing_xlsx(data, "vi")
    assert_no_formulas(payload)
    wb = openpyxl.load_workbook(io.BytesIO(payload))
    assert wb.sheetnames[0] == "Tổng hợp"
    summary = {r[0].value: r[1] for r in wb["Tổng hợp"].iter_rows(min_row=XLSX_HEAD + 1)}
    assert summary["Đến hạn đã hoàn thành (X)"].value == 3
    rate = summary["Tỷ lệ hoàn thành nhiệm vụ đến hạn (Y)"]
    assert rate.value == pytest.approx(0.5) and rate.number_format == "0.0%"
    assert summary["Chưa hoàn thành (c)"].value == 9
    assert isinstance(summary["Chưa hoàn thành (c)"].value, int)
    as_of = summary["Số liệu tính đến ngày"]
    assert as_of.is_date and as_of.value.date() == D(2025, 9, 1)
    assert summary["Kỳ báo cáo trước (số liệu đến ngày)"].value.date() == D(2025, 7, 31)
    # the result as the page says it: the block of the tasks due, each label with one meaning
    result = summary["Kết quả"].value
    assert result == (
        "Trong số nhiệm vụ đã đến hạn (6): hoàn thành 3, đạt 50,0% (đúng hạn 2, quá hạn 1); "
        "chưa hoàn thành 3."
    )
    assert result.count("quá hạn") == 1  # the Government Office's sentence said it twice
    english = openpyxl.load_workbook(io.BytesIO(reports.briefing_xlsx(data, "en")))
    en_summary = {r[0].value: r[1].value for r in english["Summary"].iter_rows(min_row=4)}
    assert en_summary["Result"].startswith("Among the tasks due (6): completed 3, rate 50.0%")
    assert en_summary["Figures as of"].date() == D(2025, 9, 1)

    tasks = wb["Danh sách nhiệm vụ"]
    assert tasks.freeze_panes == "A4" and tasks.auto_filter.ref.startswith("A3:")
    assert tasks["A3"].font.b
    titles = column_values(tasks, "Nội dung nhiệm vụ")
    assert '=HYPERLINK("http://x","y")' in titles
    link = tasks.cell(
        row=XLSX_HEAD + 1 + titles.index('=HYPERLINK("http://x","y")'),
        column=header_index(tasks, "Nội dung nhiệm vụ"),
    )
    assert link.data_type == "s"
    deadlines = [v for v in column_values(tasks, "Thời hạn") if v is not None]
    assert len(deadlines) == 11 and all(isinstance(v, dt.datetime) for v in deadlines)
    assert tasks.column_dimensions["C"].width > 20  # widths set from the content

    overdue = wb["Quá hạn"]
    assert sorted(column_values(overdue, "Mã nhiệm vụ")) == ["T04", "T05", "T06"]
    assert column_values(overdue, "Số ngày quá hạn") == [17, 17, 17]
    ministries = wb["Bộ, ngành"]
    mof = dict(
        zip(
            column_values(ministries, "Mã cơ quan"),
            column_values(ministries, "Chậm, muộn"),
            strict=True,
        )
    )
    assert mof == {"mof": 3, "most": 1}  # mof: T03 late, T04 and T06 overdue
    provinces = wb["Địa phương"]
    assert column_values(provinces, "Mã cơ quan") == ["p01"]
    changes = wb["Thay đổi"]
    assert "Nhiệm vụ mới giao" in column_values(changes, "Thay đổi")


def test_sample_workbook_matches_the_store(sample_db):
    data = reports.build_briefing(sample_db, AUG28, Filters(), Scope.everything(), "en")
    payload = reports.briefing_xlsx(data, "en")
    assert_no_formulas(payload)
    wb = openpyxl.load_workbook(io.BytesIO(payload))
    df = store.load_tasks(sample_db, AUG28, Filters(), Scope.everything())
    assert wb["Tasks"].max_row - XLSX_HEAD == len(df) == 652
    assert wb["Overdue"].max_row - XLSX_HEAD == 34
    by_source = {
        r[0].value: [c.value for c in r] for r in wb["By source"].iter_rows(min_row=XLSX_HEAD + 1)
    }
    nq = by_source["Resolution 71/NQ-CP"]  # the source's English name in English
    head = [c.value for c in wb["By source"][XLSX_HEAD]]
    row = dict(zip(head, nq, strict=True))
    assert (
        row["Total tasks"],
        row["Completed"],
        row["Completed on time"],
        row["Completed late"],
    ) == (330, 90, 65, 25)
    assert row["Overdue"] == 4
    deadlines = [v for v in column_values(wb["Overdue"], "Deadline")]
    assert deadlines and all(isinstance(v, dt.datetime) for v in deadlines)  # not vacuous
    assert (
        wb["Overdue"]
        .cell(row=XLSX_HEAD + 1, column=header_index(wb["Overdue"], "Deadline"))
        .number_format
        == "DD/MM/YYYY"  # dd/mm/yyyy in both languages
    )


# --------------------------------------------------------------------------- per agency


def test_agency_zip_has_one_workbook_per_agency(sample_db):
    payload = reports.agency_zip(sample_db, AUG28, Filters(), Scope.everything(), "vi")
    df = store.load_tasks(sample_db, AUG28, Filters(), Scope.everything())
    leads = set(metrics.explode_leads(df)["agency_id"])
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        names = zf.namelist()
        assert all(n.endswith(".xlsx") for n in names)
        assert {n.split("_")[0] for n in names} == leads
        mof_name = next(n for n in names if n.startswith("mof_"))
        assert mof_name == "mof_Bo-Tai-chinh_2025-08-28.xlsx"
        mof = zf.read(mof_name)
    assert_no_formulas(mof)
    wb = openpyxl.load_workbook(io.BytesIO(mof))
    summary = {r[0].value: r[1].value for r in wb["Tổng hợp"].iter_rows(min_row=XLSX_HEAD + 1)}
    assert summary["Cơ quan"] == "Bộ Tài chính"
    assert summary["Tổng số nhiệm vụ"] == 59
    assert summary["Chậm, muộn"] == 12
    leads_col = column_values(wb["Danh sách nhiệm vụ"], "Cơ quan chủ trì")
    assert len(leads_col) == 59 and all("Bộ Tài chính" in v for v in leads_col)
    assert len(column_values(wb["Quá hạn"], "Mã nhiệm vụ")) == 5


def test_agency_viewer_gets_only_its_own_file(built_db, sample_db):
    payload = reports.agency_zip(built_db, D(2025, 9, 1), Filters(), Scope.agencies(["p01"]), "vi")
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        assert zf.namelist() == ["p01_Ha-Noi_2025-09-01.xlsx"]
        wb = openpyxl.load_workbook(io.BytesIO(zf.read("p01_Ha-Noi_2025-09-01.xlsx")))
    # T06 is led by p01 with mof: p01 sees it, but mof gets no file from a p01 viewer
    assert sorted(column_values(wb["Danh sách nhiệm vụ"], "Mã nhiệm vụ")) == ["T06", "T09", "T12"]
    payload = reports.agency_zip(sample_db, AUG28, Filters(), Scope.agencies(["mof"]), "en")
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        assert zf.namelist() == ["mof_Bo-Tai-chinh_2025-08-28.xlsx"]
    payload = reports.agency_zip(sample_db, AUG28, Filters(), Scope.agencies([]), "vi")
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        assert zf.namelist() == []


# --------------------------------------------------------------------------- command line


def cli(*args):
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "report", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    doc = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc.returncode, doc, proc.stderr


def test_cli_writes_pdf_xlsx_and_zip(sample_db, tmp_path):
    code, doc, err = cli(
        "--db",
        str(sample_db),
        "--as-of",
        "2025-08-28",
        "--format",
        "pdf",
        "--out",
        str(tmp_path / "r.pdf"),
    )
    assert code == 0, (doc, err)
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert doc["out"] == str(tmp_path / "r.pdf") and doc["format"] == "pdf"
    assert doc["bytes"] == len(pdf) and doc["pages"] == len(pdf_pages(pdf)) >= 4
    assert "Trong số nhiệm vụ đã đến hạn (231): hoàn thành 197, đạt 85,3%" in flat(
        " ".join(pdf_pages(pdf))
    )

    code, doc, err = cli(
        "--db",
        str(sample_db),
        "--as-of",
        "28/08/2025",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / "sub" / "r.xlsx"),
        "--lang",
        "en",
    )
    assert code == 0, (doc, err)
    payload = (tmp_path / "sub" / "r.xlsx").read_bytes()
    assert doc["bytes"] == len(payload) and "pages" not in doc
    assert_no_formulas(payload)
    assert openpyxl.load_workbook(io.BytesIO(payload)).sheetnames[0] == "Summary"

    code, doc, err = cli(
        "--db",
        str(sample_db),
        "--as-of",
        "2025-08-28",
        "--format",
        "zip",
        "--out",
        str(tmp_path / "r.zip"),
        "--agency",
        "Bộ Tài chính",
    )
    assert code == 0, (doc, err)
    with zipfile.ZipFile(tmp_path / "r.zip") as zf:
        assert zf.namelist() == ["mof_Bo-Tai-chinh_2025-08-28.xlsx"]
    assert doc["files"] == 1

    # a folder (new, ending with /): the file gets its usual name inside it
    code, doc, err = cli(
        "--db",
        str(sample_db),
        "--as-of",
        "2025-08-28",
        "--format",
        "zip",
        "--out",
        str(tmp_path / "day") + "/",
    )
    assert code == 0, (doc, err)
    assert doc["out"] == str(tmp_path / "day" / "bao-cao-theo-co-quan-2025-08-28.zip")
    assert doc["files"] == len(zipfile.ZipFile(doc["out"]).namelist()) > 40


def test_cli_rejects_bad_input(sample_db, tmp_path):
    out = tmp_path / "x.pdf"
    code, doc, _ = cli(
        "--db",
        str(sample_db),
        "--as-of",
        "2025-08-28",
        "--format",
        "pdf",
        "--out",
        str(out),
        "--agency",
        "Bộ Không Tồn Tại",
    )
    assert code == 2 and "Bộ Không Tồn Tại" in doc["errors"][0]["message"]
    assert not out.exists()
    code, doc, _ = cli(
        "--db", str(sample_db), "--as-of", "2020-01-01", "--format", "pdf", "--out", str(out)
    )
    assert code == 2 and not out.exists()
    code, _, _ = cli(
        "--db", str(sample_db), "--as-of", "2025-08-28", "--format", "docx", "--out", str(out)
    )
    assert code == 2
    code, _, _ = cli(
        "--db", str(sample_db), "--as-of", "yesterday", "--format", "pdf", "--out", str(out)
    )
    assert code == 2 and not out.exists()
