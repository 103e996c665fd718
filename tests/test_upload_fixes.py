"""What a tester found on the upload page with real files, each fixed at its root: an agency
update naming no agency, refusals that named derived ids, the rows-with-errors message said
twice and below the warnings, a file that names no task list, the two progress labels, the
unknown-agency count, a skipped sheet's reason, and the held-back link opening a new tab.

Workbooks are built here; a real DuckDB file; the page through AppTest, signed in; files read in
the real sandbox child.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import accounts, audit, store, templates, uploads
from analytics.ingest import SOURCE_NQ71, ingest, prepare
from analytics.model import Filters, Scope
from analytics.reading import read_tables
from tests.helpers import (
    AGENCIES,
    SIX_TASK_LEADS,
    SIX_TASKS_AS_OF,
    new_app,
    signed_in,
    six_task_store,
)

AS_OF = SIX_TASKS_AS_OF
XLSX = templates.XLSX_MIME
NAMES = {a.id: a.name_vi for a in AGENCIES}
LEADS = SIX_TASK_LEADS
HEADER = ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Trạng thái"]
LONG = (
    "Xây dựng đề án chuyển đổi số toàn diện hoạt động quản lý nhà nước về hải quan "
    "giai đoạn 2025 – 2030"
)

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")


@pytest.fixture
def db(tmp_path, monkeypatch):
    """Six tasks of Resolution 71 (Bộ Tài chính, Hà Nội, Bộ KH&CN); an admin and an editor."""
    return six_task_store(
        tmp_path, monkeypatch, {"root": ("admin", ()), "ed": ("agency_editor", ("mof",))}
    )


def workbook(rows, *, title="DANH MỤC NHIỆM VỤ NGHỊ QUYẾT 71/NQ-CP", header=HEADER) -> bytes:
    """A title line, a blank line, the header on row 3, the rows from row 4."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    ws.append([title])
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row(i: int, title: str, lead: str, deadline="31/12/2025", status="Đang thực hiện"):
    return [i, title, lead, deadline, status]


def upload(username: str, name: str, data: bytes, *, source: str | None = None) -> AppTest:
    at = signed_in(username)
    at.switch_page("pages/upload.py").run()
    if source is not None:
        at.selectbox(key="up_source").set_value(source)
    at.date_input(key="up_as_of").set_value(AS_OF)
    at.run()
    at.file_uploader(key="up_file").upload(name, data, XLSX).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def plain(markdown: str) -> str:
    """A message as the user reads it (the page escapes the file's text for markdown)."""
    return markdown.replace("\\", "")


def commit_button(at: AppTest):
    found = [b for b in at.button if b.key == "up_commit"]
    assert len(found) == 1, [b.key for b in at.button]
    return found[0]


def figures_shown(at: AppTest) -> bool:
    return any(m.label == "Tổng số nhiệm vụ" for m in at.metric)


def in_order(node):
    """The page's elements in the order they are drawn."""
    yield node
    children = getattr(node, "children", None) or {}
    for i in sorted(children):
        yield from in_order(children[i])


def state(db):
    return store.load_tasks(db, AS_OF, Filters(sources=(SOURCE_NQ71,)), Scope.everything())


# --------------------------------------------------------------------------- 1. no agency chosen


def the_whole_list() -> bytes:
    """Every task of the source, one done now: as an admin's file would replace it all."""
    rows = [
        row(i, f"Nhiệm vụ {tid}", " ; ".join(NAMES[a] for a in leads))
        for i, (tid, leads) in enumerate(LEADS.items(), 1)
    ]
    rows[0][4] = "Đã hoàn thành"
    header = ["STT", "Mã nhiệm vụ", *HEADER[1:]]
    return workbook(
        [[r[0], tid, *r[1:]] for r, tid in zip(rows, LEADS, strict=True)], header=header
    )


def test_agency_mode_without_an_agency_asks_for_one_shows_no_figures_and_cannot_commit(db):
    at = upload("root", "nq71_ca_danh_muc.xlsx", the_whole_list())
    assert at.radio(key="up_mode").value == "full"  # a full list: a full replacement suggested
    assert figures_shown(at) and not commit_button(at).disabled
    at.radio(key="up_mode").set_value("agency").run()
    assert not at.exception, at.exception
    assert at.multiselect(key="up_agencies").value == []
    assert any("Chọn ít nhất một cơ quan" in w for w in texts(at, "warning"))
    assert not figures_shown(at)  # no before/after of a replacement that is not asked for
    said = " ".join(texts(at, "caption") + texts(at, "info"))
    assert "thay thế toàn bộ" not in said and "giữ nguyên" not in said
    assert commit_button(at).disabled
    # the agencies chosen (every lead of the file): the figures and the button come back
    at.multiselect(key="up_agencies").set_value(["mof", "most", "p01"]).run()
    assert figures_shown(at) and not commit_button(at).disabled
    assert not any("Chọn ít nhất một cơ quan" in w for w in texts(at, "warning"))
    at.multiselect(key="up_agencies").set_value([]).run()
    assert commit_button(at).disabled
    assert len(store.list_snapshots(db)) == 1

    at.sidebar.radio(key="lang").set_value("en").run()
    assert any("Choose at least one agency" in w for w in texts(at, "warning"))


def test_an_agency_plan_without_agencies_is_never_committed_as_a_full_replacement(db):
    data = the_whole_list()
    prepared = prepare(data, "nq71.xlsx", as_of=AS_OF)
    admin = accounts.get_user(db, "root")
    plan = uploads.Plan(SOURCE_NQ71, AS_OF, (), mode="agency")
    assert plan.is_agency_update and not plan.ready
    assert uploads.Plan(SOURCE_NQ71, AS_OF).mode == "full"
    assert uploads.Plan(SOURCE_NQ71, AS_OF, ("mof",)).mode == "agency"
    with pytest.raises(ValueError):
        uploads.Plan(SOURCE_NQ71, AS_OF, ("mof",), mode="full")
    preview = uploads.build_preview(db, prepared, plan, admin)
    assert preview.refusal is not None and preview.refusal.reason == "no_agencies"
    assert not preview.touched_ids  # nothing would change
    before = state(db)
    with pytest.raises(uploads.Refused) as refused:
        uploads.commit(db, prepared, plan, data, "nq71.xlsx", admin, preview)
    assert refused.value.refusal.reason == "no_agencies"
    assert len(store.list_snapshots(db)) == 1
    assert sorted(state(db)["content_hash"]) == sorted(before["content_hash"])


# --------------------------------------------------------------------------- 2. refusals name rows


def mof_file_with_a_hanoi_row() -> bytes:
    """No task id column (the ids are derived, 'auto-…'); row 6 is led by Hà Nội."""
    return workbook(
        [
            row(1, "Sửa Thông tư về thuế", "Bộ Tài chính"),
            row(2, "Ban hành quy chế kho bạc", "Bộ Tài chính"),
            row(3, LONG, "Hà Nội"),
        ]
    )


def test_an_agency_update_refusal_names_rows_and_titles_never_derived_ids(db):
    at = upload("root", "bo_tai_chinh.xlsx", mof_file_with_a_hanoi_row())
    at.radio(key="up_mode").set_value("agency").run()
    at.multiselect(key="up_agencies").set_value(["mof"]).run()
    assert not at.exception, at.exception
    refused = [e for e in texts(at, "error") if "Không ghi nhận" in e]
    assert len(refused) == 1, texts(at, "error")
    message = plain(refused[0])
    assert f"Hà Nội (dòng 6: {LONG[:59].rstrip()}…)" in message
    assert "auto" not in message and LONG not in message  # shortened to about 60 characters
    assert commit_button(at).disabled
    at.sidebar.radio(key="lang").set_value("en").run()
    message = plain([e for e in texts(at, "error") if "Not stored" in e][0])
    assert "Hanoi (row 6: Xây dựng đề án" in message and "auto" not in message


def test_an_editors_refusal_names_the_row_and_title_of_another_agencys_task(db):
    at = upload("ed", "bo_tai_chinh.xlsx", mof_file_with_a_hanoi_row())
    # the rows are new tasks (proposals, not in the list): Hà Nội's is outside the update
    refused = [e for e in texts(at, "error") if "Không ghi nhận" in e]
    assert len(refused) == 1, texts(at, "error")
    assert "Hà Nội (dòng 6: Xây dựng đề án" in plain(refused[0])
    assert "auto" not in refused[0]
    assert commit_button(at).disabled
    denied = audit.read(db, actions=["permission_denied"])
    assert len(denied) == 1  # the audit log keeps the task ids


def test_refused_tasks_are_named_by_row_and_title_in_the_logic_too(db):
    prepared = prepare(mof_file_with_a_hanoi_row(), "bo_tai_chinh.xlsx", as_of=AS_OF)
    refusal = uploads.outside_refusal(prepared.tasks, uploads.Plan(SOURCE_NQ71, AS_OF, ("mof",)))
    assert refusal.reason == "outside_update" and refusal.agencies == ("p01",)
    assert refusal.tasks["p01"][0].startswith("auto-")  # kept for the audit log only
    (ref,) = refusal.named["p01"]
    assert ref.row == 6 and ref.title == LONG
    assert ref.text("vi").startswith("dòng 6: Xây dựng đề án") and ref.text("vi").endswith("…")
    assert len(ref.text("vi")) <= len("dòng 6: ") + uploads.TITLE_SHOWN
    assert ref.text("en").startswith("row 6: ")


# --------------------------------------------------------------------------- 3. rows with errors


def file_with_two_bad_rows() -> bytes:
    """Ten rows; row 6 has an impossible deadline, row 9 no title; every row an unknown agency
    (a warning each)."""
    rows = [row(i, f"Nhiệm vụ mới {i}", "Trung tâm Alpha Beta") for i in range(1, 11)]
    rows[2][3] = "31/02/2025"
    rows[5][1] = None
    return workbook(rows)


def test_rows_with_errors_are_said_once_above_the_warnings_then_held_back_when_chosen(db):
    at = upload("root", "nq71_co_loi.xlsx", file_with_two_bad_rows())
    errors = texts(at, "error")
    assert errors == [
        "2 dòng có lỗi: sửa trong tệp rồi tải lên lại, hoặc ghi các dòng hợp lệ và giữ lại các "
        "dòng lỗi."
    ]
    assert not any("phải sửa trong tệp" in x for x in errors)
    drawn = [id(e) for e in in_order(at.main)]
    first_error = drawn.index(id(at.error[0]))
    first_warning = min(drawn.index(id(w)) for w in at.warning)
    box = drawn.index(id(at.checkbox(key="up_accept_valid")))
    assert first_error < box < first_warning  # the errors and the choice above the warnings
    assert not [b for b in at.button if b.key == "up_commit"]  # nothing to commit unasked

    at.checkbox(key="up_accept_valid").check().run()
    assert not at.exception, at.exception
    assert texts(at, "error") == []
    held = [x for x in texts(at, "info") if "giữ lại" in x]
    assert len(held) == 1 and "dòng 6, dòng 9" in held[0] and "Sẽ ghi 8 dòng hợp lệ" in held[0]
    commit_button(at).click()
    at.run()
    assert not at.exception, at.exception
    assert any("2 dòng bị giữ lại" in x for x in texts(at, "success"))
    assert texts(at, "error") == []  # after the commit no error remains
    # an agency update of the file's one agency: its 8 valid rows are new tasks, proposals
    from analytics.reporting.proposals import list_proposals

    assert len(state(db)) == 6 and len(list_proposals(db)) == 8


# --------------------------------------------------------------------------- 4. the task list


def silent_file() -> bytes:
    """Neither the title nor the name says which task list it belongs to."""
    return workbook(
        [row(1, "Nhiệm vụ lạ một", "Bộ Tài chính"), row(2, "Nhiệm vụ lạ hai", "Hà Nội")],
        title="DANH SÁCH NHIỆM VỤ",
    )


def test_a_file_that_names_no_task_list_asks_which_and_is_stored_only_once_chosen(db):
    at = upload("root", "2_vpcp_phu_luc.xlsx", silent_file())
    pick = at.selectbox(key="up_source_pick")
    assert pick.value is None  # nothing preselected
    assert SOURCE_NQ71 in pick.options and "Danh mục mới…" in pick.options
    assert any("không ghi rõ thuộc danh mục" in w for w in texts(at, "warning"))
    said = " ".join(texts(at, "caption"))
    assert "2_vpcp_phu_luc" not in said and "mọi nhiệm vụ đều mới" not in said
    assert "nguồn: chưa chọn" in said
    assert not any("ghi nhận là" in str(v) for d in at.dataframe for v in d.value.values.ravel())
    assert commit_button(at).disabled and not figures_shown(at)

    pick.set_value("__new__").run()
    assert commit_button(at).disabled  # no name yet
    at.text_input(key="up_source_new").input("  Kết luận   số 123-KL/TW ").run()
    assert not at.exception, at.exception
    assert not commit_button(at).disabled
    assert any(
        "Kết luận số 123\\-KL/TW" in c and "chưa có số liệu" in c for c in texts(at, "caption")
    )
    commit_button(at).click()
    at.run()
    assert not at.exception, at.exception
    snaps = store.list_snapshots(db)
    assert list(snaps["source"]) == [SOURCE_NQ71, "Kết luận số 123-KL/TW"]


def test_a_silent_file_can_be_put_in_an_existing_task_list(db):
    at = upload("root", "bang_theo_doi.xlsx", silent_file())
    at.selectbox(key="up_source_pick").set_value(SOURCE_NQ71).run()
    assert not at.exception, at.exception
    totals = [(m.value, m.delta) for m in at.metric if m.label == "Tổng số nhiệm vụ"]
    assert totals[0] == ("2", "-4")  # replaces the six tasks of Resolution 71
    assert "chưa có số liệu" not in " ".join(texts(at, "caption"))
    at.checkbox(key="up_confirm_removed").check().run()  # a full list dropping tasks: confirmed
    assert not commit_button(at).disabled


def test_a_detected_task_list_is_preselected_and_said(db):
    at = upload("root", "bao_cao.xlsx", mof_file_with_a_hanoi_row())  # its title names 71
    assert at.selectbox(key="up_source_pick").value == SOURCE_NQ71
    captions = [plain(c) for c in texts(at, "caption")]
    assert any("Nhận ra từ nội dung tệp" in c and SOURCE_NQ71 in c for c in captions)
    assert any(f"nguồn: {SOURCE_NQ71}" in c for c in captions)
    assert not any("không ghi rõ" in w for w in texts(at, "warning"))
    at.checkbox(key="up_confirm_removed").check().run()  # a full list dropping tasks: confirmed
    assert not commit_button(at).disabled


def test_a_source_chosen_up_front_asks_nothing_more(db):
    at = upload("root", "bang_theo_doi.xlsx", silent_file(), source=SOURCE_NQ71)
    assert not [s for s in at.selectbox if s.key == "up_source_pick"]
    at.checkbox(key="up_confirm_removed").check().run()  # a full list dropping tasks: confirmed
    assert not commit_button(at).disabled


# --------------------------------------------------------------------------- 5. the two labels


def test_status_and_progress_have_labels_that_tell_them_apart(db):
    header = [*HEADER, "Tình hình thực hiện"]
    rows = [[*row(1, "Việc một", "Bộ Tài chính"), "Đang lấy ý kiến các bộ."]]
    at = upload("root", "nq71.xlsx", workbook(rows, header=header))
    mapping = next(d.value for d in at.dataframe if "Cột trong tệp" in d.value.columns)
    shown = dict(zip(mapping["Trường"], mapping["Cột trong tệp"], strict=True))
    assert shown["Trạng thái (tình trạng)"] == "E – Trạng thái"
    assert shown["Tình hình thực hiện (diễn giải)"] == "F – Tình hình thực hiện"
    assert at.selectbox(key="up_map_status").label == "Trạng thái (tình trạng)"
    assert at.selectbox(key="up_map_progress").label == "Tình hình thực hiện (diễn giải)"
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.selectbox(key="up_map_status").label == "Status"
    assert at.selectbox(key="up_map_progress").label == "Progress (narrative)"


# --------------------------------------------------------------------------- 6. counts and reasons


def test_unknown_agencies_are_counted_by_name_with_their_rows(db):
    names = ("Trung tâm Alpha Beta", "Ban Gamma Delta")
    rows = [row(i, f"Việc {i}", names[i % 2]) for i in range(1, 11)]
    at = upload("root", "nq71.xlsx", workbook(rows))
    labels = [e.label for e in at.expander]
    assert "2 tên cơ quan chưa có trong danh mục (10 dòng)" in labels, labels
    at.sidebar.radio(key="lang").set_value("en").run()
    assert "2 agency names not in the reference list (10 rows)" in [e.label for e in at.expander]


def instructions_and_two_task_sheets(instruction_rows: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Hướng dẫn"
    ws.append(["HƯỚNG DẪN ĐIỀN BIỂU MẪU"])
    for i in range(1, instruction_rows):
        ws.append([f"{i}. Điền mỗi bộ vào một trang riêng."])
    for title, lead in (("Bộ Tài chính", "Bộ Tài chính"), ("Hà Nội", "Hà Nội")):
        sh = wb.create_sheet(title)
        sh.append(["DANH MỤC NHIỆM VỤ NGHỊ QUYẾT 71/NQ-CP"])
        sh.append(HEADER)
        sh.append(row(1, f"Việc của {title}", lead))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(("rows", "looked"), [(4, 4), (45, 30)])
def test_a_skipped_sheet_says_how_many_rows_were_looked_at(rows, looked):
    found = read_tables(instructions_and_two_task_sheets(rows), "hai_bo.xlsx")
    (skipped,) = found.skipped
    assert skipped.name == "Hướng dẫn" and skipped.code == "no_header"
    assert "không có dòng tiêu đề" in skipped.reason_vi
    assert f"đã xem {looked} dòng" in skipped.reason_vi
    assert f"{looked} row(s) looked at" in skipped.reason
    if looked != 30:
        assert "30" not in skipped.reason_vi


def test_the_upload_page_names_the_skipped_sheet_with_the_rows_looked_at(db):
    at = upload("root", "hai_bo.xlsx", instructions_and_two_task_sheets(4))
    sheets = next(d.value for d in at.dataframe if "Ghi chú" in d.value.columns)
    note = sheets.set_index("Trang").loc["Hướng dẫn", "Ghi chú"]
    assert "không có dòng tiêu đề" in note and "đã xem 4 dòng" in note and "30" not in note


# --------------------------------------------------------------------------- 7. the held-back link


def test_the_held_back_notice_links_to_the_rows_in_the_same_tab(db):
    ingest(
        db,
        file_with_two_bad_rows(),
        "nq71_co_loi.xlsx",
        as_of=AS_OF,
        source=SOURCE_NQ71,
        accept_valid_rows=True,
    )
    at = signed_in("root")
    assert not at.exception, at.exception
    notices = [w for w in texts(at, "warning") if "không đọc được" in w]
    assert len(notices) == 1 and "](" not in notices[0] and "target" not in notices[0]
    links = [x.proto for x in at.page_link if x.proto.page == "data"]
    assert len(links) == 1
    assert links[0].label == "Xem các dòng này" and not links[0].external
    assert links[0].query_string == "held_back=2&lang=vi"


def test_the_held_back_link_works_on_a_deep_link_to_a_fresh_server(db, fresh_server):
    ingest(
        db,
        file_with_two_bad_rows(),
        "nq71_co_loi.xlsx",
        as_of=AS_OF,
        source=SOURCE_NQ71,
        accept_valid_rows=True,
    )
    # signed in earlier in this browser session
    at = new_app(session={"auth_user": "root", "auth_since": dt.datetime.now(dt.UTC)})
    at.switch_page("pages/agency.py")
    at.run()
    assert not at.exception, at.exception
    assert [x.proto.query_string for x in at.page_link if x.proto.page == "data"] == [
        "held_back=2&lang=vi"
    ]
