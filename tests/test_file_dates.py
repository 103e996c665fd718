"""The date a file states for its figures (analytics/file_dates.py): its title lines or its name;
`ingest` without --as-of takes it (or refuses, never today), and the upload page suggests it,
warns about a date far from it and says, after the commit, which dates' figures changed."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from analytics import file_dates, store
from analytics.file_dates import far_from, next_date, stated_date
from analytics.ingest import SOURCE_NQ71
from tests.test_ingest_cli import GOOD_ROWS, TITLE, run, workbook

SEP15 = dt.date(2025, 9, 15)


@pytest.mark.parametrize(
    "line",
    [
        "Số liệu đến ngày 15/9/2025",
        "(số liệu tính đến ngày 15/09/2025)",
        "So lieu tinh den ngay 15/09/2025",
        "SỐ LIỆU ĐẾN HẾT NGÀY 15.09.2025",
        "Báo cáo ngày 15 tháng 9 năm 2025",
        "bao cao ngay 15 thang 9 nam 2025",
        "Tình hình thực hiện đến 15-09-2025",
        "Figures as of 15 September 2025",
        "Data as at 2025-09-15",
        "as of September 15, 2025",
        "Ngày báo cáo: 15/9/2025",
        "15/09/2025",
    ],
)
def test_a_title_line_states_the_date(line):
    assert stated_date(["BỘ TÀI CHÍNH", line], "phu_luc.xlsx") == (SEP15, "title", line)


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("nq71_2025-08-28.xlsx", dt.date(2025, 8, 28)),
        ("nq71-28-08-2025.xlsx", dt.date(2025, 8, 28)),
        ("BC_20250828.xlsx", dt.date(2025, 8, 28)),
        ("bao cao 2025.09.15.csv", SEP15),
        ("tbkl_1-9-2025.xls", dt.date(2025, 9, 1)),
    ],
)
def test_a_file_name_states_the_date(name, day):
    assert stated_date(["DANH MỤC NHIỆM VỤ"], name) == (day, "file_name", name)


@pytest.mark.parametrize(
    "lines",
    [
        [],
        ["BỘ TÀI CHÍNH", "DANH MỤC NHIỆM VỤ NĂM 2025"],
        # a document's own date is not the figures' date
        ["Thực hiện Nghị quyết 71/NQ-CP ngày 18/5/2025 của Chính phủ"],
        ["Hà Nội, ngày 20 tháng 9 năm 2025"],
        ["Số liệu đến ngày 30/02/2025"],  # impossible: no date
        ["Số liệu đến tháng 9/2025"],  # a month, not a day
    ],
)
def test_no_date_stated(lines):
    assert stated_date(lines, "nq71.xlsx") is None
    assert stated_date(lines, "nq71_30-02-2025.xlsx") is None  # impossible in the name too


def test_the_date_after_den_ngay_or_as_of_wins():
    lines = ["Báo cáo ngày 20/9/2025", "Kết quả từ ngày 01/09/2025 đến ngày 15/09/2025"]
    assert stated_date(lines, "x.xlsx")[:2] == (SEP15, "title")
    one = "Report dated 2025-09-20 (figures as of 15 September 2025)"
    assert stated_date([one], "x.xlsx")[0] == SEP15
    # the title beats the name; an impossible date in the title leaves the name's
    assert stated_date(["đến ngày 15/9/2025"], "nq71_2025-08-28.xlsx")[:2] == (SEP15, "title")
    found = stated_date(["đến ngày 30/02/2025"], "nq71_2025-08-28.xlsx")
    assert found[:2] == (dt.date(2025, 8, 28), "file_name")


def test_far_dates_and_the_next_snapshot():
    assert not far_from(SEP15, SEP15 + dt.timedelta(days=7))
    assert far_from(SEP15, SEP15 + dt.timedelta(days=8))
    assert far_from(dt.date(2025, 12, 1), SEP15)
    later = [dt.date(2025, 8, 28), dt.date(2025, 10, 28), dt.date(2025, 9, 28), SEP15]
    assert next_date(SEP15, later) == dt.date(2025, 9, 28)
    assert next_date(dt.date(2025, 10, 28), later) is None
    assert file_dates.shown_text("a\n  b") == "a b" and len(file_dates.shown_text("x" * 200)) == 80


# ------------------------------------------------------------------------- the command line


def _cli(tmp_path, name, title, *extra, db):
    path = tmp_path / name
    path.write_bytes(workbook(GOOD_ROWS, title=title))
    return run("ingest", path, "--source", SOURCE_NQ71, *extra, db=db)


def test_ingest_takes_the_date_the_title_states(tmp_path):
    db = tmp_path / "t.duckdb"
    title = [*TITLE, "(Số liệu tính đến ngày 15/9/2025)"]
    code, doc, err = _cli(tmp_path, "nq71_2025-08-28.xlsx", title, db=db)
    assert code == 0, err
    assert doc["as_of"] == "2025-09-15" and doc["as_of_from"] == "title"
    assert doc["as_of_text"] == "(Số liệu tính đến ngày 15/9/2025)"
    assert list(store.list_snapshots(db)["as_of"].astype(str)) == ["2025-09-15"]


def test_ingest_takes_the_date_in_the_file_name(tmp_path):
    db = tmp_path / "t.duckdb"
    code, doc, err = _cli(tmp_path, "BC_20250828.xlsx", TITLE, db=db)
    assert code == 0, err
    assert doc["as_of"] == "2025-08-28" and doc["as_of_from"] == "file_name"


def test_ingest_refuses_a_file_that_states_no_date(tmp_path):
    db = tmp_path / "t.duckdb"
    code, doc, err = _cli(tmp_path, "nq71.xlsx", TITLE, db=db)
    assert code == 2, err
    error = doc["errors"][0]
    assert error["code"] == "no_file_date"
    assert "--as-of" in error["message"] and "--as-of" in error["message_vi"]
    assert "không ghi ngày số liệu" in error["message_vi"]
    assert not db.exists() or store.list_snapshots(db).empty  # nothing stored


def test_as_of_given_wins_and_takes_dd_mm_yyyy(tmp_path):
    db = tmp_path / "t.duckdb"
    title = [*TITLE, "Số liệu đến ngày 15/9/2025"]
    code, doc, err = _cli(tmp_path, "nq71.xlsx", title, "--as-of", "28/08/2025", db=db)
    assert code == 0, err
    assert doc["as_of"] == "2025-08-28" and "as_of_from" not in doc
    code, doc, err = _cli(tmp_path, "nq71.xlsx", title, "--as-of", "2025-13-01", db=db)
    assert code == 2 and "YYYY-MM-DD or dd/mm/yyyy" in err


# ------------------------------------------------------------------------- the upload page


def _six_task_file(title: str) -> bytes:
    from tests.helpers import AGENCIES, SIX_TASK_LEADS

    names = {a.id: a.name_vi for a in AGENCIES}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH MỤC NHIỆM VỤ THỰC HIỆN NGHỊ QUYẾT 71/NQ-CP"])
    ws.append([title])
    ws.append([])
    ws.append(["STT", "Mã NV", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Tình hình"])
    for i, (tid, leads) in enumerate(SIX_TASK_LEADS.items(), 1):
        lead = "; ".join(names[a] for a in leads)
        ws.append([i, tid, f"Nhiệm vụ {tid}", lead, "30/09/2025", "Đang thực hiện"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.usefixtures("steady_server", "app_clean")
def test_upload_page_takes_the_files_date_warns_when_far_and_says_what_changed(
    tmp_path, monkeypatch
):
    from analytics import templates
    from tests.helpers import signed_in, six_task_store
    from tests.test_page_upload import button, texts

    db = six_task_store(tmp_path, monkeypatch, {"root": ("admin", ())})
    at = signed_in("root")
    at.switch_page("pages/upload.py").run()
    at.selectbox(key="up_source").set_value(SOURCE_NQ71)
    at.run()
    data = _six_task_file("(Số liệu tính đến ngày 15/8/2025)")
    at.file_uploader(key="up_file").upload("phu_luc.xlsx", data, templates.XLSX_MIME).run()
    assert not at.exception, at.exception
    aug15 = dt.date(2025, 8, 15)
    assert at.date_input(key="up_as_of").value == aug15  # the file's date, not today
    suggestion = (
        "Ngày số liệu theo tệp: 15/08/2025 (dòng tiêu đề «(Số liệu tính đến ngày 15/8/2025)»)"
    )
    assert suggestion in [c.replace("\\", "") for c in texts(at, "caption")]  # unescaped
    assert not any("cách ngày tệp ghi" in w for w in texts(at, "warning"))
    at.date_input(key="up_as_of").set_value(dt.date(2025, 12, 1)).run()  # the user's own date
    assert at.date_input(key="up_as_of").value == dt.date(2025, 12, 1)  # kept
    assert any("cách ngày tệp ghi (15/08/2025) 108 ngày" in w for w in texts(at, "warning"))
    at.date_input(key="up_as_of").set_value(aug15).run()
    assert not any("cách ngày tệp ghi" in w for w in texts(at, "warning"))
    button(at, "up_commit").click()
    at.run()
    assert not at.exception, at.exception
    done = " ".join(texts(at, "success"))
    assert "Đã ghi nhận bản số liệu #2" in done
    assert (
        "Số liệu thay đổi từ ngày 15/08/2025 đến trước ngày 28/08/2025; số liệu mới nhất không đổi"
        in done
    )
    assert sorted(store.list_snapshots(db)["as_of"].astype(str)) == ["2025-08-15", "2025-08-28"]
