"""The upload page in a real browser (Debian chromium through Playwright), signed in as an admin
through the sidebar sign-in form, on a server of its own with a copy of the sample database.

- a real workbook is uploaded, confirmed, and the figures change on the other pages;
- a corrupt file and a zip bomb get a clear message, and a hostile file that keeps the reader
  busy does not stop another visitor's page from answering;
- the blank template is downloaded, filled in with openpyxl and uploaded back.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile

import openpyxl
import pytest

from analytics import accounts, store, templates
from analytics.ingest import SOURCE_NQ71, SOURCE_TBKL
from analytics.model import Filters, Scope
from analytics.reporting import proposals
from tests.e2e.conftest import ROOT, screenshot, start_server, stop_server, wait_idle

pytestmark = pytest.mark.e2e
ADMIN, PW = "root", "correct horse battery"
SLOW = 120_000  # ms: the sandbox child reads a file in seconds; generous for a loaded machine


@pytest.fixture(scope="module")
def upload_server(sample_db_template, tmp_path_factory):
    """A server on its own copy of the sample database, with an administrator account."""
    tmp = tmp_path_factory.mktemp("e2e-upload")
    db = tmp / "tasks.duckdb"
    shutil.copy(sample_db_template, db)
    accounts.add_user(db, ADMIN, "admin", password=PW)
    srv = start_server(db, tmp, env_extra={"TASKS_UPLOADS": str(tmp / "uploads")})
    srv.tmp = tmp
    yield srv
    stop_server(srv)


def sign_in(page, url: str) -> None:
    page.goto(url + "/")
    wait_idle(page)
    page.get_by_test_id("stSidebar").get_by_text("Đăng nhập").first.click()
    # typed key by key: Playwright's fill() does not reach a Streamlit form's state here
    for label, text in (("Tên đăng nhập", ADMIN), ("Mật khẩu", PW)):
        page.get_by_label(label).click()
        page.get_by_label(label).press_sequentially(text, delay=20)
    page.keyboard.press("Tab")
    page.get_by_test_id("stSidebar").get_by_test_id("stFormSubmitButton").get_by_role(
        "button"
    ).click()
    wait_idle(page)
    page.get_by_text(re.compile("Đăng nhập: root")).wait_for(timeout=30_000)


def open_upload(page, url: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text("Cập nhật dữ liệu").click()
    wait_idle(page)
    page.locator("h1", has_text="Cập nhật dữ liệu").wait_for(timeout=30_000)


def choose(page, label: str, option: str) -> None:
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def upload(page, path) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    wait_idle(page, timeout=SLOW)


def header_caption(page) -> str:
    return page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").first.inner_text()


def metric(page, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def modified_sample(tmp) -> tuple[object, int]:
    """The bundled NQ71 workbook of 28/10/2025 with the first ten unfinished tasks completed."""
    src = ROOT / "data" / "sample" / "nq71_2025-10-28.xlsx"
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    header = None
    for r in range(1, 15):
        values = [str(c.value or "") for c in ws[r]]
        if "Tình hình thực hiện" in " ".join(values):
            header = r
            break
    assert header is not None
    cols = {str(c.value or "").strip(): c.column for c in ws[header]}
    status_col = next(c for h, c in cols.items() if h.startswith("Tình hình"))
    done_col = cols["Ngày hoàn thành"]
    changed = 0
    for r in range(header + 1, ws.max_row + 1):
        status = str(ws.cell(r, status_col).value or "")
        if (
            changed < 10
            and ws.cell(r, done_col).value in (None, "")
            and status.startswith(("Đang", "Quá hạn", "Chậm"))
        ):
            ws.cell(r, status_col, "Đã hoàn thành")
            ws.cell(r, done_col, dt.date(2025, 10, 1))
            changed += 1
    assert changed == 10
    path = tmp / "nq71_2025-10-28_cap_nhat.xlsx"
    wb.save(path)
    return path, changed


def test_upload_a_real_workbook_confirm_and_the_figures_change(upload_server, page):
    srv = upload_server
    sign_in(page, srv.url)
    before_ids = store.snapshots_in_force(srv.db, dt.date.today(), ())
    before = store.load_tasks(srv.db, dt.date.today(), Filters(), Scope.everything())
    completed_before = int(before["completed"].sum())
    path, changed = modified_sample(srv.tmp)
    open_upload(page, srv.url)
    upload(page, path)
    page.get_by_text(re.compile(r"Đã đọc: định dạng xlsx")).wait_for(timeout=SLOW)
    assert page.get_by_test_id("stException").count() == 0
    assert metric(page, "Mới hoàn thành") == "10"
    screenshot(page, "upload_preview")
    page.get_by_role("button", name="Xác nhận ghi nhận").click()
    wait_idle(page, timeout=SLOW)
    page.get_by_text(re.compile(r"Đã ghi nhận bản số liệu #\d+")).wait_for(timeout=SLOW)
    screenshot(page, "upload_committed")
    after_ids = store.snapshots_in_force(srv.db, dt.date.today(), ())
    assert after_ids != before_ids and len(after_ids) == len(before_ids)
    new_id = max(after_ids)
    after = store.load_tasks(srv.db, dt.date.today(), Filters(), Scope.everything())
    assert int(after["completed"].sum()) == completed_before + changed
    # another page shows the new snapshot and the new figures
    page.get_by_test_id("stSidebarNav").get_by_text("Tổng quan").click()
    wait_idle(page, timeout=SLOW)
    assert f"(#{new_id})" in header_caption(page)
    if page.get_by_test_id("stMetric").filter(has_text="Đã hoàn thành").count():
        shown = int(metric(page, "Đã hoàn thành").replace(".", ""))
        assert shown == completed_before + changed
    screenshot(page, "upload_briefing_after")


def corrupt_file(tmp):
    path = tmp / "bao_cao_hong.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200 + b"not really a workbook")
    return path


def zip_bomb(tmp):
    path = tmp / "bom.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(300):
                fh.write(b"\0" * (1 << 20))
    return path


def busy_sheet(tmp):
    """A workbook whose sheet claims a million rows: the reader works a few seconds to refuse it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    path = tmp / "trieu_dong.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, body)
                continue
            head, tail = body.split(b"</sheetData>")
            head = head.replace(b'<dimension ref="A1:C1" />', b"")
            with dst.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(head)
                for start in range(2, 1_000_002, 50_000):
                    fh.write(
                        b"".join(
                            b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i)
                            for i in range(start, min(start + 50_000, 1_000_002))
                        )
                    )
                fh.write(b"</sheetData>" + tail)
    return path


def test_corrupt_file_and_zip_bomb_get_a_clear_message_while_other_pages_answer(
    upload_server, page, browser
):
    srv = upload_server
    sign_in(page, srv.url)
    open_upload(page, srv.url)
    upload(page, corrupt_file(srv.tmp))
    alert = page.get_by_test_id("stAlertContentError").filter(has_text="Không đọc được tệp").first
    alert.wait_for(timeout=SLOW)
    assert page.get_by_text(re.compile("hỏng")).count() > 0
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "upload_corrupt")
    upload(page, zip_bomb(srv.tmp))
    page.get_by_text(re.compile("bom nén")).first.wait_for(timeout=SLOW)
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "upload_zip_bomb")
    # a file that keeps the reader busy: another visitor's page keeps answering meanwhile
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(busy_sheet(srv.tmp)))
    other = browser.new_context(viewport={"width": 1200, "height": 900}, locale="vi-VN")
    try:
        guest = other.new_page()
        guest.goto(srv.url + "/")
        wait_idle(guest)
        assert guest.locator("h1").first.inner_text().strip() == "Tổng quan"
        assert guest.get_by_test_id("stException").count() == 0
    finally:
        other.close()
    wait_idle(page, timeout=SLOW)
    page.get_by_text(re.compile("tối đa 200,000")).first.wait_for(timeout=SLOW)
    screenshot(page, "upload_million_rows")
    assert page.get_by_role("button", name="Xác nhận ghi nhận").count() == 0


def test_download_the_template_fill_it_and_upload_it_back(upload_server, page):
    srv = upload_server
    sign_in(page, srv.url)
    open_upload(page, srv.url)
    page.get_by_role("tab", name="Mẫu và nhiệm vụ của tôi").click()
    wait_idle(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Tải mẫu trống (.xlsx)").click()
    blank = srv.tmp / "mau.xlsx"
    dl.value.save_as(blank)
    wb = openpyxl.load_workbook(blank)
    ws = wb[templates.DATA_SHEET]
    col = {f: i + 1 for i, (f, _h, _w) in enumerate(templates.TEMPLATE_COLUMNS)}
    first = templates.HEADER_ROW + 1
    rows = [
        ("TBKL-MOI-1", "Xây dựng cơ sở dữ liệu thử nghiệm", dt.date(2026, 3, 31), "Đang thực hiện"),
        (
            "TBKL-MOI-2",
            "Hoàn thiện quy chế phối hợp thử nghiệm",
            dt.date(2025, 12, 31),
            "Đang thực hiện",
        ),
    ]
    for i, (tid, title, deadline, status) in enumerate(rows):
        ws.cell(first + i, col["row_no"], i + 1)
        ws.cell(first + i, col["task_id"], tid)
        ws.cell(first + i, col["task"], title)
        ws.cell(first + i, col["lead_agency"], "Bộ Tài chính")
        ws.cell(first + i, col["deadline"], deadline)
        ws.cell(first + i, col["status"], status)
    filled = srv.tmp / "mau_da_dien.xlsx"
    wb.save(filled)
    page.get_by_role("tab", name="Tải tệp lên").click()
    choose(page, "Thuộc nguồn nhiệm vụ", SOURCE_TBKL)
    upload(page, filled)
    page.get_by_text(
        re.compile(r"Đã đọc: định dạng xlsx, trang 'Nhiệm vụ', dòng tiêu đề 4, 2 nhiệm vụ")
    ).wait_for(timeout=SLOW)
    page.get_by_text(re.compile("Cập nhật riêng cho: Bộ Tài chính")).wait_for(timeout=SLOW)
    screenshot(page, "upload_template_preview")
    page.get_by_role("button", name="Xác nhận ghi nhận").click()
    wait_idle(page, timeout=SLOW)
    page.get_by_text(re.compile(r"Đã ghi nhận bản số liệu #\d+")).wait_for(timeout=SLOW)
    stored = store.load_tasks(
        srv.db, dt.date.today(), Filters(sources=(SOURCE_TBKL,)), Scope.everything()
    )
    # an agency's file (this one names only Bộ Tài chính) adds no task silently: its new tasks
    # wait as proposals for the steering office (issue 15), the list itself is unchanged
    assert not {"TBKL-MOI-1", "TBKL-MOI-2"} & set(stored["task_id"])
    pending = proposals.list_proposals(srv.db)
    assert {"TBKL-MOI-1", "TBKL-MOI-2"} <= set(pending["task_id"])
    assert (
        len(
            store.load_tasks(
                srv.db,
                dt.date.today(),
                Filters(sources=(SOURCE_NQ71,)),
                Scope.everything(),
            )
        )
        > 300
    )
