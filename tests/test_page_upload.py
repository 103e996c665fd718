"""The upload page through Streamlit's AppTest, from the router (../app.py) with a signed-in user.

A messy appendix-style workbook goes through a column mapping, the preview, the diff and the
commit; the same layout is recognised next time; an agency editor's update changes only that
agency's tasks; a file touching other agencies' tasks is refused, naming them; a corrupt file
gets a clear message. Files are read in the real sandbox child.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import audit, layouts, store, templates
from analytics.ingest import SOURCE_NQ71, SOURCE_TBKL
from analytics.model import Filters, Scope
from tests.helpers import (
    AGENCIES,
    SIX_TASK_LEADS,
    SIX_TASKS_AS_OF,
    new_app,
    signed_in,
    six_task_store,
)

ROOT = Path(__file__).resolve().parent.parent
AS_OF = SIX_TASKS_AS_OF
XLSX = templates.XLSX_MIME
NAMES = {a.id: a.name_vi for a in AGENCIES}
LEADS = SIX_TASK_LEADS
USERS = {"root": ("admin", ()), "ed": ("agency_editor", ("mof",)), "boss": ("leader", ())}

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")


@pytest.fixture
def db(tmp_path, monkeypatch):
    return six_task_store(tmp_path, monkeypatch, USERS)


def upload_page(username: str, *, source: str | None = None, as_of: dt.date = AS_OF) -> AppTest:
    at = signed_in(username)
    at.switch_page("pages/upload.py").run()
    assert not at.exception
    if source is not None:
        at.selectbox(key="up_source").set_value(source)
    at.date_input(key="up_as_of").set_value(as_of)
    return at.run()


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def state(db, source: str, as_of: dt.date = AS_OF):
    return store.load_tasks(db, as_of, Filters(sources=(source,)), Scope.everything())


def button(at: AppTest, key: str):
    found = [b for b in at.button if b.key == key]
    assert found, f"no button {key}: {[b.key for b in at.button]}"
    return found[0]


def frame(at: AppTest, column: str, contains: object | None = None):
    """The first table on the page with `column` (holding `contains`, when given)."""
    for d in at.dataframe:
        v = d.value
        if column in v.columns and (contains is None or contains in set(v[column])):
            return v
    raise AssertionError(f"no table with {column!r} holding {contains!r}")


def counts(at: AppTest) -> dict[str, str]:
    """The change counts shown as metrics (label -> value)."""
    keys = (
        "Nhiệm vụ mới",
        "Nhiệm vụ không còn trong danh mục",
        "Mới hoàn thành",
        "Mới quá hạn",
        "Đổi tình trạng",
        "Đổi thời hạn",
    )
    return {m.label: m.value for m in at.metric if m.label in keys}


def xlsx(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def appendix(version: int = 1) -> bytes:
    """A Government-Office style appendix: title block, a two-row merged header whose lead agency
    column is headed in a way the reader does not know ('Đơn vị nhận việc'), column numbers, roman
    sections, a lead agency merged over three rows, an unknown agency, a free-text deadline, a
    status that contradicts its dates, a total row and a note."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục II"
    ws["A1"] = "Phụ lục II"
    ws["A2"] = "DANH MỤC NHIỆM VỤ THEO THÔNG BÁO KẾT LUẬN CỦA BAN CHỈ ĐẠO TRUNG ƯƠNG"
    ws.merge_cells("A2:H2")
    ws["A3"] = "(Kèm theo Báo cáo ngày 28/8/2025)"
    top = ["STT", "Nội dung nhiệm vụ", "Đơn vị nhận việc", "Cơ quan phối hợp", "Thời hạn"]
    for c, h in enumerate(top, 1):
        ws.cell(4, c, h)
    ws["G4"] = "Tình hình thực hiện"
    ws["H4"] = "Ghi chú"
    for col in "ABCDGH":
        ws.merge_cells(f"{col}4:{col}5")
    ws.merge_cells("E4:F4")
    ws["E5"] = "Theo kế hoạch"
    ws["F5"] = "Thực tế"
    for c in range(1, 9):
        ws.cell(6, c, f"({c})")
    ws["A7"] = "I"
    ws["B7"] = "HOÀN THIỆN THỂ CHẾ"
    ws.merge_cells("B7:H7")
    rows = [
        (1, "Xây dựng Nghị định A", "Bộ Tài chính", "Bộ Tư pháp", dt.date(2025, 9, 30)),
        (2, "Xây dựng Thông tư B", None, None, "Quý IV/2025"),
        (3, "Đề án C", None, "Bộ Công an", dt.date(2025, 6, 30)),
    ]
    for r, row in enumerate(rows, 8):
        for c, v in enumerate(row, 1):
            if v is not None:
                ws.cell(r, c, v)
    ws.merge_cells("C8:C10")
    ws["F10"] = dt.date(2025, 7, 2)
    ws["G8"] = "Đang thực hiện" if version == 1 else "Đã hoàn thành"
    if version == 2:
        ws["F8"] = dt.date(2025, 8, 15)
    ws["G9"] = "Đang xây dựng"
    ws["G10"] = "Đã hoàn thành"
    ws["A11"] = "II"
    ws["B11"] = "CHUYỂN ĐỔI SỐ"
    ws.merge_cells("B11:H11")
    last = 12
    if version == 1:
        ws["A12"] = 4
        ws["B12"] = "Nền tảng D"
        ws["C12"] = "Bộ Tài chánh"
        ws["E12"] = "Sớm nhất có thể"
        ws["F12"] = dt.date(2025, 8, 1)
        ws["G12"] = "Chưa hoàn thành"
        last = 13
    ws.cell(last, 1, "Tổng cộng")
    ws.cell(last + 1, 1, "Ghi chú: số liệu tính đến ngày 28/8/2025")
    return xlsx(wb)


# --------------------------------------------------------------------------- the messy appendix


def test_messy_appendix_through_mapping_preview_diff_and_commit_then_the_layout_is_remembered(db):
    at = upload_page("root", source=SOURCE_TBKL)
    at.file_uploader(key="up_file").upload("phu_luc_II.xlsx", appendix(1), XLSX).run()
    assert not at.exception
    # the lead agency column is not recognised: a clear refusal, and the mapping form is offered
    assert any("Không đọc được tệp" in e for e in texts(at, "error"))
    assert any("Không tìm thấy cột bắt buộc" in m for m in texts(at, "markdown"))
    assert at.selectbox(key="up_header_row").value == 4
    at.selectbox(key="up_map_lead_agency").set_value(2)
    [b for b in at.button if b.form_id == "up_layout"][0].click()
    at.run()
    assert not at.exception, at.exception
    summary = " ".join(texts(at, "caption"))
    assert "dòng tiêu đề 4" in summary and "4 nhiệm vụ" in summary
    mapping = frame(at, "Cột trong tệp")
    assert "C – Đơn vị nhận việc" in set(mapping["Cột trong tệp"])
    # problems, grouped, with row, column and value; the unknown agency offers the closest names
    warned = " ".join(texts(at, "warning"))
    assert "cảnh báo" in warned
    unknown = frame(at, "Tên gần nhất")
    assert unknown.iloc[0]["Dòng"] == 12 and unknown.iloc[0]["Giá trị"] == "Bộ Tài chánh"
    assert "Bộ Tài chính" in unknown.iloc[0]["Tên gần nhất"]
    free = frame(at, "Giá trị", "Sớm nhất có thể")
    assert list(free["Dòng"]) == [12]
    contradictions = frame(at, "Giá trị", "Chưa hoàn thành")
    assert (
        "mâu thuẫn" in contradictions.iloc[0]["Nội dung"]
        or "ngày hoàn thành" in contradictions.iloc[0]["Nội dung"]
    )
    at.selectbox(key="up_fix_0").set_value("mof")
    at.run()
    assert not at.exception
    # the annotated copy of the user's own workbook can be prepared
    button(at, "up_annotate").click()
    at.run()
    assert [d.label for d in at.download_button if d.key == "up_annotated_dl"]
    # the preview: every task of an empty source is new; figures before → after
    assert counts(at)["Nhiệm vụ mới"] == "4"
    totals = [(m.value, m.delta) for m in at.metric if m.label == "Tổng số nhiệm vụ"]
    assert totals == [("4", "4"), ("10", "4")]  # the source 0 → 4, all sources 6 → 10
    assert any("Nguồn 'Thông báo" in c and "chưa có số liệu" in c for c in texts(at, "caption"))
    button(at, "up_commit").click()
    at.run()
    assert not at.exception
    assert any("Đã ghi nhận bản số liệu #2" in x for x in texts(at, "success"))
    stored = state(db, SOURCE_TBKL)
    assert len(stored) == 4
    d = stored[stored["title"] == "Nền tảng D"].iloc[0]
    assert list(d["lead_ids"]) == ["mof"]  # the agency the user picked
    assert len(state(db, SOURCE_NQ71)) == 6  # the other source is untouched
    assert len(layouts.all_layouts(db)) == 1
    actions = set(audit.read(db, username="root")["action"])
    assert {"upload", "commit"} <= actions

    # the same layout again: the remembered mapping is offered and reads the file
    at.file_uploader(key="up_file").upload("phu_luc_II_v2.xlsx", appendix(2), XLSX).run()
    assert not at.exception
    assert any("đã có ánh xạ được xác nhận" in i for i in texts(at, "info"))
    button(at, "up_layout_use").click()
    at.run()
    assert not at.exception
    assert any("đang được dùng" in c for c in texts(at, "caption"))
    changed = counts(at)
    assert changed["Mới hoàn thành"] == "1" and changed["Nhiệm vụ không còn trong danh mục"] == "1"
    at.checkbox(key="up_confirm_removed").check().run()  # a full list dropping a task: confirmed
    button(at, "up_commit").click()
    at.run()
    assert any("Đã ghi nhận bản số liệu #3" in x for x in texts(at, "success"))
    stored = state(db, SOURCE_TBKL)
    assert len(stored) == 3 and "Nền tảng D" not in set(stored["title"])
    a = stored[stored["title"] == "Xây dựng Nghị định A"].iloc[0]
    assert a["status"] == "completed_on_time"


# --------------------------------------------------------------------------- agency updates


def my_tasks(db, agency: str) -> openpyxl.Workbook:
    frame = store.load_tasks(
        db, AS_OF, Filters(sources=(SOURCE_NQ71,), agency_ids=(agency,)), Scope.everything()
    )
    data = templates.my_tasks_workbook(
        frame, agency_name=NAMES[agency], source=SOURCE_NQ71, as_of=AS_OF
    )
    return openpyxl.load_workbook(io.BytesIO(data))


def set_row(ws, task_id: str, **values) -> None:
    cols = {f: i + 1 for i, (f, _h, _w) in enumerate(templates.TEMPLATE_COLUMNS)}
    for r in range(templates.HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(r, cols["task_id"]).value == task_id:
            for f, v in values.items():
                ws.cell(r, cols[f], v)
            return
    r = ws.max_row + 1
    ws.cell(r, cols["task_id"], task_id)
    for f, v in values.items():
        ws.cell(r, cols[f], v)


def test_agency_editor_update_changes_only_that_agencys_tasks(db):
    before = state(db, SOURCE_NQ71)
    others_before = before[~before["task_id"].isin(["t1", "t2", "t6"])][["task_id", "content_hash"]]
    wb = my_tasks(db, "mof")
    ws = wb[templates.DATA_SHEET]
    set_row(ws, "t1", status="Đã hoàn thành", completion_date=dt.date(2025, 8, 20))
    at = upload_page("ed")  # the file says its source
    at.file_uploader(key="up_file").upload("nhiem_vu_mof.xlsx", xlsx(wb), XLSX).run()
    assert not at.exception, at.exception
    info = " ".join(texts(at, "info"))
    assert (
        "Cập nhật riêng cho: Bộ Tài chính" in info
        and "3 nhiệm vụ của các cơ quan khác giữ nguyên" in info
    )
    assert at.multiselect(key="up_agencies").value == ["mof"]
    assert not [r for r in at.radio if r.key == "up_mode"]  # editors cannot replace a source
    changed = counts(at)
    assert changed["Mới hoàn thành"] == "1" and changed["Nhiệm vụ mới"] == "0"
    assert changed["Nhiệm vụ không còn trong danh mục"] == "0"
    button(at, "up_commit").click()
    at.run()
    assert any("Đã ghi nhận bản số liệu #2" in x for x in texts(at, "success"))
    after = state(db, SOURCE_NQ71)
    assert len(after) == 6
    assert after.set_index("task_id").loc["t1", "status"] == "completed_on_time"
    kept = after[after["task_id"].isin(others_before["task_id"])][["task_id", "content_hash"]]
    assert (
        kept.sort_values("task_id").values.tolist()
        == others_before.sort_values("task_id").values.tolist()
    )
    snap = store.list_snapshots(db).iloc[-1]
    assert snap["kind"] == "agency_update" and list(snap["update_agencies"]) == ["mof"]
    assert snap["uploaded_by"] == "ed"


def test_agency_editor_file_touching_other_agencies_is_refused_naming_them(db):
    wb = my_tasks(db, "mof")
    ws = wb[templates.DATA_SHEET]
    set_row(
        ws,
        "t3",
        task="Nhiệm vụ t3",
        lead_agency="Hà Nội",
        deadline=dt.date(2025, 12, 31),
        status="Đang thực hiện",
        source_doc=SOURCE_NQ71,
    )
    at = upload_page("ed")
    at.file_uploader(key="up_file").upload("sua_ca_ha_noi.xlsx", xlsx(wb), XLSX).run()
    assert not at.exception
    refused = [e for e in texts(at, "error") if "Không được phép" in e]
    assert refused and "Hà Nội" in refused[0] and "t3" in refused[0]
    assert button(at, "up_commit").disabled
    denied = audit.read(db, actions=["permission_denied"])
    assert list(denied["username"]) == ["ed"] and list(denied["outcome"]) == ["denied"]
    assert len(store.list_snapshots(db)) == 1


def test_a_corrupt_file_gets_a_clear_message_and_nothing_is_stored(db):
    at = upload_page("root", source=SOURCE_NQ71)
    at.file_uploader(key="up_file").upload(
        "bao_cao.xlsx", b"PK\x03\x04 this is not a workbook", XLSX
    ).run()
    assert not at.exception
    errors = " ".join(texts(at, "error"))
    assert "Không đọc được tệp" in errors
    assert "hỏng" in " ".join(texts(at, "markdown"))
    assert not [b for b in at.button if b.key == "up_commit"]
    assert len(store.list_snapshots(db)) == 1
    refused = audit.read(db, actions=["upload"])
    assert list(refused["outcome"]) == ["refused"]


def test_english_labels_and_the_templates_tab(db):
    at = upload_page("root")
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Upload"
    labels = [d.label for d in at.download_button]
    assert (
        "Download the blank template (.xlsx)" in labels
        and "Download the agency's tasks (.xlsx)" in labels
    )
    assert at.selectbox(key="up_mine_source").options == [SOURCE_NQ71]


def test_leaders_do_not_get_the_upload_page(db):
    at = signed_in("boss")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/upload.py")


def test_a_guest_deep_link_on_a_fresh_server_shows_no_upload(db, fresh_server):
    at = new_app()
    at.switch_page("pages/upload.py")
    at.run()
    assert not at.exception
    assert not [u for u in at.get("file_uploader")]
    assert "Cập nhật dữ liệu" not in [t.value for t in at.title]


def test_an_uploaders_deep_link_on_a_fresh_server_opens_the_page(db, fresh_server):
    # signed in earlier in this browser session
    at = new_app(session={"auth_user": "root", "auth_since": dt.datetime.now(dt.UTC)})
    at.switch_page("pages/upload.py")
    at.run()
    assert not at.exception
    assert "Cập nhật dữ liệu" in [t.value for t in at.title]
    assert not [e for e in texts(at, "error") if "không có quyền" in e]
    assert at.file_uploader(key="up_file") is not None
