"""Cập nhật dữ liệu / Upload: a spreadsheet in, one snapshot out, nothing stored unconfirmed.

1. a file (kept under its SHA-256 first), the source it belongs to, the as-of date;
2. the reading (sheet, header row, column mapping; correctable, remembered per layout) and a
   preview of the resolved tasks; a workbook's task sheets are all read, listed with their
   counts beside the sheets skipped and why, and one can be left out (a correction or a
   remembered layout is one sheet's: that sheet alone is then read);
3. the problems, grouped, with an annotated copy of the user's own workbook;
4. what the upload changes against the source's current state, figures before and after;
5. confirm: one snapshot, committed atomically.

The file is read only in a limited child process (analytics.sandbox); the logic lives in
analytics.uploads, analytics.layouts and analytics.templates. Only users with `can_upload` see
this page (app.py); the check is repeated here, deny by default.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pandas as pd
import streamlit as st

from analytics import agency_units, exports, layouts, sandbox, store, templates, uploads
from analytics.i18n import fmt_date, fmt_int, fmt_pct, t
from analytics.ingest import KNOWN_SOURCES
from analytics.model import FIELDS, REQUIRED_FIELDS
from analytics.problems import InputRejected
from analytics.store import Filters, Scope
from analytics.text import fold, nfc
from ui import auth, components, data, state

S: dict[str, tuple[str, str]] = {
    "tab_upload": ("Tải tệp lên", "Upload a file"),
    "tab_templates": ("Mẫu và nhiệm vụ của tôi", "Templates and my tasks"),
    "file": (
        "Tệp dữ liệu (.xlsx, .xlsm, .xls, .ods, .csv, .tsv, .txt)",
        "Data file (.xlsx, .xlsm, .xls, .ods, .csv, .tsv, .txt)",
    ),
    "file_help": (
        "Tệp được kiểm tra theo nội dung (không theo đuôi tệp) và đọc trong một tiến trình riêng "
        "có giới hạn bộ nhớ và thời gian. Không có gì được ghi nhận cho đến khi bạn xác nhận.",
        "The file is checked by its content (not its extension) and read in a separate process "
        "with memory and time limits. Nothing is stored until you confirm.",
    ),
    "source": ("Thuộc nguồn nhiệm vụ", "Task source"),
    "source_auto": ("(Theo nội dung tệp)", "(As the file says)"),
    "source_pick": ("Tệp thuộc danh mục nhiệm vụ nào?", "Which task list does the file belong to?"),
    "source_pick_help": (
        "Số liệu của tệp được ghi vào danh mục này. Chọn 'Danh mục mới…' cho một danh mục chưa có.",
        "The file's figures are stored in this task list. Choose 'New task list…' for a list not "
        "kept yet.",
    ),
    "source_pick_none": ("Chọn danh mục nhiệm vụ", "Choose a task list"),
    "source_new_option": ("Danh mục mới…", "New task list…"),
    "source_new": ("Tên danh mục nhiệm vụ mới", "Name of the new task list"),
    "source_new_hint": ("Ví dụ: Kết luận số 123-KL/TW", "For example: Conclusion 123-KL/TW"),
    "source_detected": (
        "Nhận ra từ nội dung tệp (tiêu đề, cột văn bản giao hoặc tên tệp): '{source}'.",
        "Recognised from the file (its title, document column or name): '{source}'.",
    ),
    "source_undetected": (
        "Tệp không ghi rõ thuộc danh mục nhiệm vụ nào (tiêu đề, cột văn bản giao và tên tệp không "
        "nhắc '71/NQ-CP' hay 'Thông báo kết luận'): hãy chọn danh mục, hoặc 'Danh mục mới…'.",
        "The file does not say which task list it belongs to (its title, document column and name "
        "mention neither '71/NQ-CP' nor 'Thông báo kết luận'): choose the list, or 'New task "
        "list…'.",
    ),
    "source_needed": (
        "Chọn danh mục nhiệm vụ của tệp (ở đầu trang) để xem thay đổi và ghi nhận.",
        "Choose the file's task list (at the top of the page) to see what changes and store it.",
    ),
    "source_unset": ("chưa chọn", "not chosen yet"),
    "as_of": ("Số liệu tính đến ngày", "Figures as of"),
    "choose": (
        "Chọn tệp cần tải lên. Có thể tải mẫu trống hoặc danh sách nhiệm vụ của cơ quan ở thẻ "
        "'Mẫu và nhiệm vụ của tôi'.",
        "Choose a file to upload. A blank template and an agency's task list are on the "
        "'Templates and my tasks' tab.",
    ),
    "seen_before": (
        "Tệp này (cùng nội dung) đã được tải lên trước đây: '{name}', lúc {at} (UTC).",
        "These exact bytes were uploaded before: '{name}', at {at} (UTC).",
    ),
    "in_snapshots": (
        "Nội dung này đã được ghi nhận: {items}.",
        "This content is already stored: {items}.",
    ),
    "reading": ("Đang đọc tệp trong tiến trình riêng…", "Reading the file in a separate process…"),
    "busy": (
        "Hệ thống đang đọc các tệp khác; vui lòng thử lại sau ít phút.",
        "Other files are being read; please try again in a minute.",
    ),
    "refused": ("Không đọc được tệp: {n} lỗi.", "The file cannot be read: {n} error(s)."),
    "read_summary": (
        "Đã đọc: định dạng {fmt}, trang '{sheet}', dòng tiêu đề {row}, {n} nhiệm vụ, nguồn: {source}.",
        "Read: format {fmt}, sheet '{sheet}', header row {row}, {n} tasks, source: {source}.",
    ),
    "read_summary_sheets": (
        "Đã đọc: định dạng {fmt}, {k} trang nhiệm vụ, {n} nhiệm vụ, nguồn: {source} (một bản số "
        "liệu chung cho cả sổ tính).",
        "Read: format {fmt}, {k} task sheets, {n} tasks, source: {source} (one snapshot for the "
        "whole workbook).",
    ),
    "sheets_found": ("Các trang của sổ tính", "The workbook's sheets"),
    "col_sheet": ("Trang", "Sheet"),
    "col_sheet_tasks": ("Số nhiệm vụ", "Tasks"),
    "col_sheet_note": ("Ghi chú", "Note"),
    "sheet_read": ("Đã đọc, dòng tiêu đề {row}", "Read, header row {row}"),
    "sheet_skipped": ("Không đọc: {why}", "Not read: {why}"),
    "sheets_pick": ("Các trang nhiệm vụ được đọc", "Task sheets read"),
    "sheets_pick_help": (
        "Bỏ chọn một trang để đọc lại tệp mà không có trang đó (hoặc chọn thêm một trang ẩn).",
        "Leave a sheet out to read the file again without it (or add a hidden sheet).",
    ),
    "sheets_none": ("Hãy chọn ít nhất một trang nhiệm vụ.", "Choose at least one task sheet."),
    "sheets_mapping": (
        "Tệp có {k} trang nhiệm vụ: mỗi trang được đọc với dòng tiêu đề và ánh xạ cột tự nhận ra "
        "trong trang đó (không dùng ánh xạ đã lưu, và không ghi nhớ ánh xạ). Để sửa cách đọc một "
        "trang, chọn trang đó ở mục 'Sửa cách đọc': khi đó chỉ trang đó được đọc.",
        "The file has {k} task sheets: each is read with the header row and column mapping found "
        "in it (remembered mappings are neither used nor saved). To correct one sheet's reading, "
        "choose that sheet under 'Correct the reading': only that sheet is then read.",
    ),
    "mapping_of": ("Ánh xạ cột của trang '{sheet}'", "Column mapping of sheet '{sheet}'"),
    "step_reading": ("1. Cách đọc tệp", "1. How the file was read"),
    "mapping": ("Ánh xạ cột", "Column mapping"),
    "col_field": ("Trường", "Field"),
    "col_column": ("Cột trong tệp", "Column in the file"),
    "fix_reading": (
        "Sửa cách đọc (trang, dòng tiêu đề, cột)",
        "Correct the reading (sheet, header row, columns)",
    ),
    "sheet": ("Trang tính", "Sheet"),
    "header_row": ("Dòng tiêu đề", "Header row"),
    "auto": ("— (tự nhận)", "— (automatic)"),
    "apply": ("Đọc lại với lựa chọn này", "Read again with these choices"),
    "reset": ("Đọc lại tự động", "Read automatically again"),
    "first_rows": ("Các dòng đầu của trang", "The first rows of the sheet"),
    "layout_known": (
        "Bố cục tệp này đã quen: ánh xạ được xác nhận ngày {date} ({who}) đang được dùng.",
        "Known layout: the mapping confirmed on {date} ({who}) is in use.",
    ),
    "layout_offer": (
        "Bố cục này đã có ánh xạ được xác nhận ngày {date} ({who}): dòng tiêu đề {row}.",
        "A mapping was confirmed for this layout on {date} ({who}): header row {row}.",
    ),
    "layout_use": ("Dùng ánh xạ đã lưu", "Use the remembered mapping"),
    "step_preview": ("2. Nhiệm vụ đọc được", "2. Tasks read"),
    "step_problems": ("3. Lỗi và cảnh báo", "3. Errors and warnings"),
    "no_problems": ("Không có lỗi hay cảnh báo.", "No errors or warnings."),
    "errors": (
        "{n} lỗi: phải sửa trong tệp rồi tải lên lại (không thể ghi nhận khi còn lỗi).",
        "{n} error(s): fix them in the file and upload again (nothing can be stored while errors remain).",
    ),
    "warnings": (
        "{n} cảnh báo (không chặn việc ghi nhận).",
        "{n} warning(s) (they do not block the upload).",
    ),
    "g_unknown_agency_n": (
        "{k} tên cơ quan chưa có trong danh mục ({n} dòng)",
        "{k} agency names not in the reference list ({n} rows)",
    ),
    "g_free_text_deadline": ("Thời hạn ghi bằng chữ", "Deadlines written as free text"),
    "g_dates_vs_words": ("Ngày và tình trạng mâu thuẫn", "Dates and status words disagree"),
    "g_other": ("Cảnh báo khác", "Other warnings"),
    "fix_agency": ("'{name}' là cơ quan nào?", "Which agency is '{name}'?"),
    "fix_note": (
        "Câu trả lời được ghi nhớ ngay vào danh mục cơ quan: tệp này và các tệp sau tự nhận ra "
        "tên đó (quản trị viên xem danh mục ở trang Quản trị).",
        "An answer is remembered at once in the agency register: this file and later files "
        "recognise the name (administrators see the register on the Administration page).",
    ),
    "fix_remembered": (
        "Đã ghi nhớ: '{name}' là {agency}. Các tệp sau tự nhận ra tên này.",
        "Remembered: '{name}' is {agency}. Later files recognise this name.",
    ),
    "fix_refused": ("Không ghi nhớ được '{name}': {why}", "'{name}' was not remembered: {why}"),
    "keep_as_written": ("(Giữ nguyên như đã ghi)", "(Keep as written)"),
    "annotate": ("Chuẩn bị tệp có đánh dấu lỗi", "Prepare the file with problems marked"),
    "annotate_dl": ("Tải tệp của bạn có đánh dấu lỗi", "Download your file with problems marked"),
    "annotate_fail": (
        "Không tạo được bản có đánh dấu lỗi cho tệp này; xem danh sách ở trên.",
        "The marked-up copy could not be made for this file; see the list above.",
    ),
    "step_changes": ("4. Thay đổi so với hiện trạng", "4. What changes"),
    "mode": ("Cách cập nhật", "How to apply"),
    "mode_full": ("Thay toàn bộ nguồn nhiệm vụ", "Replace the whole source"),
    "mode_agency": ("Chỉ cập nhật nhiệm vụ của cơ quan", "Update only some agencies' tasks"),
    "agencies": ("Cơ quan được cập nhật", "Agencies updated"),
    "choose_agency": (
        "Chọn ít nhất một cơ quan: chỉ nhiệm vụ của các cơ quan được chọn thay đổi.",
        "Choose at least one agency: only the tasks of the agencies chosen change.",
    ),
    "agency_update": (
        "Cập nhật riêng cho: {names}. Chỉ nhiệm vụ của các cơ quan này trong nguồn '{source}' "
        "thay đổi; {kept} nhiệm vụ của các cơ quan khác giữ nguyên.",
        "Agency update for: {names}. Only these agencies' tasks in '{source}' change; {kept} tasks "
        "of other agencies stay as they are.",
    ),
    "full_update": (
        "Tệp thay thế toàn bộ nguồn '{source}' tại ngày {date}.",
        "The file replaces the whole source '{source}' as of {date}.",
    ),
    "kept_elsewhere": (
        "{n} nhiệm vụ của các nguồn khác giữ nguyên.",
        "{n} tasks of the other sources stay as they are.",
    ),
    "ids_elsewhere": (
        "{k} trong {n} nhiệm vụ của tệp (theo mã nhiệm vụ) đang thuộc nguồn '{other}', không "
        "thuộc nguồn '{source}'. Nếu tệp cập nhật nguồn '{other}', hãy chọn nguồn đó ở ô 'Thuộc "
        "nguồn nhiệm vụ' phía trên; nếu ghi vào '{source}', các nhiệm vụ này được tính ở cả hai "
        "nguồn.",
        "{k} of the file's {n} tasks (by task id) are tasks of '{other}', not of '{source}'. If "
        "the file updates '{other}', choose it under 'Task source' above; stored under "
        "'{source}', these tasks would count in both sources.",
    ),
    "new_source": (
        "Nguồn '{source}' chưa có số liệu: mọi nhiệm vụ đều mới.",
        "'{source}' has no data yet: every task is new.",
    ),
    "later": (
        "Lưu ý: nguồn này đã có số liệu ở ngày sau ({dates}); số liệu từ các ngày đó không đổi.",
        "Note: this source has later snapshots ({dates}); figures from those dates do not change.",
    ),
    "duplicate": (
        "Tệp này đã được ghi nhận cho nguồn và ngày này (bản ghi #{id}); xác nhận lại sẽ không thêm gì.",
        "This file is already stored for this source and date (snapshot #{id}); confirming again adds nothing.",
    ),
    "figures_source": (
        "Số liệu của nguồn '{source}' (trước → sau)",
        "Figures of '{source}' (before → after)",
    ),
    "figures_all": (
        "Số liệu chung mọi nguồn (trước → sau)",
        "Figures across all sources (before → after)",
    ),
    "rate": ("Tỷ lệ hoàn thành (đến hạn)", "Completion rate (due)"),
    "c_new": ("Nhiệm vụ mới", "New tasks"),
    "c_removed": ("Nhiệm vụ không còn trong danh mục", "Tasks that disappear"),
    "c_newly_completed": ("Mới hoàn thành", "Newly completed"),
    "c_newly_overdue": ("Mới quá hạn", "Newly overdue"),
    "c_status_changed": ("Đổi tình trạng", "Status changed"),
    "c_deadline_moved": ("Đổi thời hạn", "Deadline changed"),
    "no_changes": ("Không có thay đổi nào so với hiện trạng.", "Nothing changes."),
    "before": ("Trước", "Before"),
    "after": ("Sau", "After"),
    "refused_agencies": (
        "Không được phép: tệp thay đổi nhiệm vụ của cơ quan ngoài phạm vi tài khoản của bạn — {items}. "
        "Hãy bỏ các nhiệm vụ này khỏi tệp.",
        "Not allowed: the file changes tasks of agencies outside your account — {items}. "
        "Remove these tasks from the file.",
    ),
    "refused_outside": (
        "Không ghi nhận: tệp có nhiệm vụ không do cơ quan được cập nhật chủ trì — {items}. Hãy bỏ "
        "các dòng này khỏi tệp hoặc chọn cả cơ quan đó.",
        "Not stored: the file holds tasks that the agencies being updated do not lead — {items}. "
        "Remove these rows or choose that agency too.",
    ),
    "refused_full": (
        "Tài khoản cơ quan chỉ được cập nhật nhiệm vụ của cơ quan mình.",
        "Agency accounts may only update their own agencies' tasks.",
    ),
    "refused_role": ("Bạn không có quyền tải dữ liệu lên.", "You may not upload data."),
    "confirm": ("Xác nhận ghi nhận", "Confirm and store"),
    "confirm_help": (
        "Ghi nhận thành một bản số liệu (snapshot) duy nhất; có thể thu hồi ở trang Dữ liệu.",
        "Stored as one snapshot; it can be retracted on the Data page.",
    ),
    "committed": (
        "Đã ghi nhận bản số liệu #{id}: {n} nhiệm vụ của '{source}' tính đến {date}. Số liệu trên "
        "mọi trang đã được cập nhật.",
        "Stored as snapshot #{id}: {n} tasks of '{source}' as of {date}. The figures on every page "
        "now include it.",
    ),
    "committed_dup": (
        "Tệp này đã có sẵn (bản ghi #{id}); không có gì được thêm.",
        "Already stored (snapshot #{id}); nothing was added.",
    ),
    "stale": (
        "Số liệu của nguồn vừa được người khác cập nhật. Hãy xem lại phần thay đổi rồi xác nhận lại.",
        "Someone else just updated this source. Review the changes and confirm again.",
    ),
    "commit_refused": ("Không ghi nhận: {why}", "Not stored: {why}"),
    "tpl_blank": ("Mẫu trống", "Blank template"),
    "tpl_blank_help": (
        "Các cột chuẩn (tiêu đề tiếng Việt), danh sách chọn tình trạng và cơ quan, ô ngày, trang hướng dẫn.",
        "Canonical columns (Vietnamese headers), dropdowns for status and agency, date cells, an instructions sheet.",
    ),
    "tpl_blank_dl": ("Tải mẫu trống (.xlsx)", "Download the blank template (.xlsx)"),
    "tpl_mine": ("Nhiệm vụ của tôi", "My tasks"),
    "tpl_mine_help": (
        "Các nhiệm vụ hiện tại của cơ quan (kèm mã nhiệm vụ) để cập nhật rồi tải lên lại.",
        "The agency's current tasks (with their ids) to update and upload back.",
    ),
    "tpl_agency": ("Cơ quan", "Agency"),
    "tpl_source": ("Nguồn nhiệm vụ", "Task source"),
    "tpl_mine_dl": ("Tải nhiệm vụ của cơ quan (.xlsx)", "Download the agency's tasks (.xlsx)"),
    "tpl_none": ("Chưa có nguồn nhiệm vụ nào.", "No task source yet."),
    "denied": ("Bạn không có quyền tải dữ liệu lên.", "You do not have permission to upload data."),
}

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "row_no": ("Số thứ tự", "Row number"),
    "group": ("Nhóm nhiệm vụ", "Group"),
    "task_id": ("Mã nhiệm vụ", "Task id"),
    "task": ("Nội dung nhiệm vụ (bắt buộc)", "Task (required)"),
    "lead_agency": ("Cơ quan chủ trì (bắt buộc)", "Lead agency (required)"),
    "support_agencies": ("Cơ quan phối hợp", "Supporting agencies"),
    "product": ("Sản phẩm", "Product"),
    "submission_level": ("Cấp trình", "Submission level"),
    "deadline": ("Thời hạn", "Deadline"),
    "source_doc": ("Văn bản giao", "Source document"),
    "assigned_date": ("Ngày giao", "Assigned date"),
    "status": ("Trạng thái (tình trạng)", "Status"),
    "progress_pct": ("Tỷ lệ hoàn thành (%)", "Progress (%)"),
    "completion_date": ("Ngày hoàn thành", "Completion date"),
    "result": ("Kết quả", "Result"),
    "issues": ("Khó khăn, vướng mắc", "Causes / issues"),
    "proposals": ("Kiến nghị, đề xuất", "Proposals"),
    "notes": ("Ghi chú", "Notes"),
    "leader": ("Lãnh đạo phụ trách", "Leader"),
    "focal_point": ("Đầu mối", "Focal point"),
    "difficulty": ("Mức độ khó", "Difficulty"),
    "agency_comment": ("Ý kiến của đơn vị", "Agency's comment"),
    "progress": ("Tình hình thực hiện (diễn giải)", "Progress (narrative)"),
}
FIGURES = ("total", "completed", "overdue", "in_progress", "no_deadline")
CHANGE_KEYS = (
    "new",
    "removed",
    "newly_completed",
    "newly_overdue",
    "status_changed",
    "deadline_moved",
)
STATE = "up_state"
SHEETS_KEY = "up_sheets_read"  # the task sheets chosen to be read
AUTO = "__auto__"
NEW_SOURCE = "__new__"  # "Danh mục mới…": a task list not kept yet, named by the user


def _me():
    """The user app.py decided in this run (GUEST when it did not run: deny by default)."""
    getter = getattr(auth, "user", None)
    return getter() if callable(getter) else auth.current_user()


def s(key: str, **fmt) -> str:
    text = S[key][0 if lg == "vi" else 1]
    return text.format(**fmt) if fmt else text


def esc(text: object) -> str:
    """User-supplied text made inert inside Streamlit markdown."""
    out = []
    for ch in str(text):
        if ch in "\\`*_{}[]()#+-.!|<>~$:":
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
    return "".join(out)


def field_label(f: str) -> str:
    pair = FIELD_LABELS.get(f, (f, f))
    return pair[0 if lg == "vi" else 1]


# current_view() first: on a fresh server a deep link runs this file without app.py, and
# current_view() then reruns through app.py (which decides the user and the pages offered).
view = state.current_view()
me = _me()
lg = state.lang()
if getattr(me, "can_upload", False) is not True:
    if not st.session_state.get("_up_denied_logged"):
        st.session_state["_up_denied_logged"] = True
        uploads.audit(
            data.db(),
            me.username,
            "permission_denied",
            "page_upload",
            {"permission": "upload", "role": me.role},
            outcome="denied",
        )
    st.error(s("denied"))
    st.stop()
db = data.db()


# --------------------------------------------------------------------------- helpers


def agency_frame(extra=()) -> pd.DataFrame:
    known = data.agencies()
    if not extra:
        return known
    more = pd.DataFrame(
        [
            {
                "agency_id": a.id,
                "name_vi": a.name_vi,
                "name_en": a.name_en,
                "agency_type": a.type,
                "parent_id": a.parent_id,
            }
            for a in extra
        ]
    )
    return pd.concat([known, more[~more["agency_id"].isin(known["agency_id"])]], ignore_index=True)


def agency_name(agencies: pd.DataFrame, agency_id: str) -> str:
    return state.agency_label(agencies, agency_id, lg)


def reset_widgets(prefixes=("up_map_", "up_fix_")) -> None:
    for k in list(st.session_state.keys()):
        if isinstance(k, str) and k.startswith(prefixes):
            del st.session_state[k]
    for k in (
        "up_header_row",
        "up_sheet",
        "up_mode",
        "up_agencies",
        "up_annotated",
        "up_accept_valid",  # a new reading's rows with errors are asked about afresh
        SHEETS_KEY,
    ):
        st.session_state.pop(k, None)


def read_key(sha: str, source: str | None, as_of: dt.date, params: dict) -> str:
    return json.dumps([sha, source, as_of.isoformat(), params], sort_keys=True, default=str)


def present(frame: pd.DataFrame, agencies: pd.DataFrame, columns) -> pd.DataFrame:
    return exports.present_tasks(frame, agencies, lg, columns=columns)


# --------------------------------------------------------------------------- step 1: the file


def known_sources() -> list[str]:
    """The task lists a file may belong to: the known ones, then those the store holds."""
    return list(KNOWN_SOURCES) + [x for x in data.catalog()["sources"] if x not in KNOWN_SOURCES]


def source_choice(prepared) -> str | None:
    """Which task list the file belongs to, asked when the source box says "as the file says":
    the list the file names is preselected and said; when it names none, nothing is chosen
    (the file is never stored under its own name unasked). "New task list…" takes a name.
    Returns the list chosen, or None."""
    undetected = any(w.code == "source_from_name" for w in prepared.warnings)
    detected = None if undetected else prepared.source
    options = known_sources()
    if detected and detected not in options:
        options.insert(0, detected)
    options.append(NEW_SOURCE)
    picked = st.selectbox(
        s("source_pick"),
        options,
        index=options.index(detected) if detected else None,
        key="up_source_pick",
        format_func=lambda x: s("source_new_option") if x == NEW_SOURCE else x,
        placeholder=s("source_pick_none"),
        help=s("source_pick_help"),
    )
    if detected:
        st.caption(s("source_detected", source=esc(detected)))
    else:
        st.warning(s("source_undetected"))
    if picked != NEW_SOURCE:
        return picked
    typed = st.text_input(s("source_new"), key="up_source_new", placeholder=s("source_new_hint"))
    name = " ".join(str(typed or "").split())
    if not name:
        return None
    same = [x for x in options if x != NEW_SOURCE and fold(x) == fold(name)]
    return same[0] if same else nfc(name)


def with_task_list(prepared, source: str | None):
    """The file as the page stores it: under the task list chosen (`source`; None: not yet),
    without the reader's "recorded under the file's name" warning (the page asks instead)."""
    warns = [w for w in prepared.warnings if w.code != "source_from_name"]
    return dataclasses.replace(prepared, source=source or prepared.source, warnings=warns)


def choose_file() -> tuple | None:
    file = st.file_uploader(
        s("file"),
        type=list(uploads.ACCEPTED_TYPES),
        key="up_file",
        help=s("file_help"),
        max_upload_size=uploads.MAX_UPLOAD_BYTES // 2**20,
    )
    c1, c2 = st.columns(2)
    source = c1.selectbox(
        s("source"),
        [AUTO, *known_sources()],
        key="up_source",
        format_func=lambda x: s("source_auto") if x == AUTO else x,
    )
    if "up_as_of" not in st.session_state:
        st.session_state["up_as_of"] = dt.date.today()
    as_of = c2.date_input(
        s("as_of"),
        key="up_as_of",
        format="DD/MM/YYYY" if lg == "vi" else "YYYY-MM-DD",
        min_value=dt.date(2020, 1, 1),
        max_value=dt.date.today() + dt.timedelta(days=366),
    )
    if file is None:
        st.session_state.pop(STATE, None)
        st.info(s("choose"))
        return None
    if not isinstance(as_of, dt.date):
        as_of = dt.date.today()
    return file, (None if source == AUTO else source), as_of


def keep(file) -> tuple[uploads.Quarantined, bytes] | None:
    """The bytes, kept under their hash before anything else reads them (once per session)."""
    data_bytes = file.getvalue()
    name = uploads.display_name(file.name)
    cur = st.session_state.get(STATE)
    same = (
        isinstance(cur, dict)
        and cur.get("q") is not None
        and len(data_bytes) == cur["size"]
        and store.sha256(data_bytes) == cur["sha"]
    )
    if same:
        return cur["q"], data_bytes
    try:
        q = uploads.quarantine(data_bytes, name, me.username)
    except InputRejected as exc:
        key = f"refused:{len(data_bytes)}:{name}"
        if st.session_state.get("_up_audited") != key:
            st.session_state["_up_audited"] = key
            uploads.audit(
                db,
                me.username,
                "upload",
                None,
                {"name": name, "bytes": len(data_bytes), "codes": [p.code for p in exc.errors]},
                outcome="refused",
            )
        show_rejection(exc.errors)
        return None
    return q, data_bytes


def show_rejection(errors) -> None:
    st.error(s("refused", n=len(errors)))
    for p in errors[:5]:
        st.markdown("- " + esc(p.text(lg)))
    if len(errors) > 5:
        st.dataframe(uploads.problems_frame(errors, lg), hide_index=True, key="up_reject_table")


def current(q: uploads.Quarantined, name: str) -> dict:
    """This session's upload state, reset when another file arrives."""
    cur = st.session_state.get(STATE)
    if not isinstance(cur, dict) or cur.get("sha") != q.sha256:
        reset_widgets()
        for k in ("up_source_pick", "up_source_new"):  # a new file's task list is asked afresh
            st.session_state.pop(k, None)
        cur = {
            "sha": q.sha256,
            "name": name,
            "size": q.size,
            "params": {},
            "key": None,
            "result": None,
            "audited": False,
            "q": q,
        }
        st.session_state[STATE] = cur
    return cur


def do_read(
    cur: dict, data_bytes: bytes, source: str | None, as_of: dt.date
) -> sandbox.ReadResult | None:
    key = read_key(cur["sha"], source, as_of, cur["params"])
    if cur["key"] == key and cur["result"] is not None:
        return cur["result"]
    params = cur["params"]
    try:
        with st.spinner(s("reading")):
            result = sandbox.read_file(
                data_bytes,
                cur["name"],
                as_of=as_of,
                source=source,
                sheet=params.get("sheet"),
                sheets=params.get("sheets"),
                skip_sheets=params.get("skip_sheets"),
                header_row=params.get("header_row"),
                mapping=params.get("mapping") or None,
                register=agency_units.read_register(db),
            )
    except sandbox.SandboxBusy:
        st.warning(s("busy"))
        return None
    reset_widgets()
    cur["key"], cur["result"] = key, result
    if not cur["audited"]:
        cur["audited"] = True
        p = result.prepared
        uploads.audit(
            db,
            me.username,
            "upload",
            cur["sha"],
            {
                "name": cur["name"],
                "bytes": cur["size"],
                "format": result.file_format,
                "tasks": len(p.tasks) if p else 0,
                "errors": len(p.errors) if p else len(result.errors),
                "warnings": len(p.warnings) if p else len(result.warnings),
                "codes": sorted({e.code for e in (p.errors if p else result.errors)})[:20],
                "stats": result.stats,
            },
            outcome="ok" if p is not None else "refused",
        )
    return result


# --------------------------------------------------------------------------- step 2: the reading


def column_options(result: sandbox.ReadResult, header_row: int) -> list[str]:
    p = result.prepared
    if p is not None and p.table.header_row == header_row:
        headers = list(p.table.headers)
    elif result.head and 1 <= header_row <= len(result.head.rows):
        headers = list(result.head.rows[header_row - 1])
    else:
        headers = []
    width = max(len(headers), result.head.width if result.head else 0)
    return [(headers[i] if i < len(headers) else "") for i in range(width)]


def reading_section(
    cur: dict,
    result: sandbox.ReadResult,
    source: str | None,
    as_of: dt.date,
    task_list: str | None = None,
) -> None:
    """Step 1; `task_list`: the task list the file is stored under (None: not chosen yet)."""
    st.subheader(s("step_reading"))
    p = result.prepared
    shown = esc(task_list) if task_list else s("source_unset")
    head = result.head
    several = p is not None and len(p.tables) > 1
    if p is not None:
        t = p.table
        if several:
            st.caption(
                s(
                    "read_summary_sheets",
                    fmt=t.file_format,
                    k=fmt_int(len(p.tables), lg),
                    n=fmt_int(len(p.tasks), lg),
                    source=shown,
                )
            )
        else:
            st.caption(
                s(
                    "read_summary",
                    fmt=t.file_format,
                    sheet=esc(t.sheet or "-"),
                    row=t.header_row,
                    n=fmt_int(len(p.tasks), lg),
                    source=shown,
                )
            )
        sheets_section(cur, p)
        if several:
            st.info(s("sheets_mapping", k=fmt_int(len(p.tables), lg)))
        for i, table in enumerate(p.tables or [t]):
            if several:
                st.markdown(f"**{s('mapping_of', sheet=esc(table.sheet))}**")
            st.dataframe(
                mapping_frame(table),
                hide_index=True,
                key="up_mapping_table" if i == 0 else f"up_mapping_table_{i}",
            )
    else:
        show_rejection(result.errors)
    remembered = None
    if head is not None and head.rows and not several:  # a remembered layout is one sheet's
        remembered = layouts.match(db, head.sheet, head.rows)
    if remembered is not None:
        applied = (
            p is not None
            and p.table.header_row == remembered.header_row
            and dict(p.table.mapping) == remembered.mapping
        )
        when = fmt_date(remembered.confirmed_at, lg)
        who = esc(remembered.confirmed_by or "-")
        if applied:
            st.caption(s("layout_known", date=when, who=who))
        else:
            st.info(s("layout_offer", date=when, who=who, row=remembered.header_row))
            if st.button(s("layout_use"), key="up_layout_use"):
                cur["params"] = {
                    "sheet": remembered.sheet,
                    "header_row": remembered.header_row,
                    "mapping": dict(remembered.mapping),
                }
                st.rerun()
    if head is None:
        return
    with st.expander(s("fix_reading"), expanded=result.layout_problem):
        reading_form(cur, result)
        if head.rows:
            st.caption(s("first_rows"))
            frame = pd.DataFrame(
                head.rows, columns=[uploads.column_label(i, None) for i in range(head.width)]
            )
            frame.index = range(1, len(frame) + 1)
            st.dataframe(frame, key="up_head_table")
        if cur["params"] and st.button(s("reset"), key="up_reset"):
            cur["params"] = {}
            st.rerun()


def mapping_frame(table) -> pd.DataFrame:
    headers = table.headers
    rows = [
        {
            s("col_field"): field_label(f),
            s("col_column"): uploads.column_label(c, headers[c] if c < len(headers) else ""),
        }
        for f, c in sorted(
            table.mapping.items(), key=lambda fc: FIELDS.index(fc[0]) if fc[0] in FIELDS else 99
        )
    ]
    return pd.DataFrame(rows)


def sheets_section(cur: dict, p) -> None:
    """A workbook's sheets: each task sheet read with its count, every other sheet with why it
    was not read; a task sheet can be left out (or a hidden one added), and the file is read
    again with the sheets chosen."""
    names = list(p.table.sheets)
    if len(names) < 2:
        return
    counts = dict(p.sheet_counts())
    header_rows = {x.sheet: x.header_row for x in p.tables or [p.table]}
    skipped = {x.name: x for x in p.skipped_sheets}
    rows = []
    for name in names:
        if name in counts:
            n, note = counts[name], s("sheet_read", row=header_rows.get(name, "-"))
        else:
            why = skipped[name].text(lg) if name in skipped else "-"
            n, note = None, s("sheet_skipped", why=why)
        rows.append({s("col_sheet"): name, s("col_sheet_tasks"): n, s("col_sheet_note"): note})
    frame = pd.DataFrame(rows)
    frame[s("col_sheet_tasks")] = frame[s("col_sheet_tasks")].astype("Int64")
    st.markdown(f"**{s('sheets_found')}**")
    st.dataframe(frame, hide_index=True, key="up_sheets_table")
    params = cur["params"]
    if not any(params.get(k) for k in ("sheet", "sheets", "skip_sheets", "header_row", "mapping")):
        cur["auto_sheets"] = list(counts)  # what is read when nothing is chosen
    auto = cur.get("auto_sheets") or list(counts)
    hidden = [x.name for x in p.skipped_sheets if x.code == "hidden"]
    known = set(cur.get("task_sheets") or ()) | set(counts) | set(auto) | set(hidden)
    cur["task_sheets"] = options = [n for n in names if n in known]
    if len(options) < 2:
        return
    st.session_state.setdefault(SHEETS_KEY, [n for n in options if n in counts])
    picked = st.multiselect(s("sheets_pick"), options, key=SHEETS_KEY, help=s("sheets_pick_help"))
    if set(picked) == set(counts):
        return
    if not picked:
        st.warning(s("sheets_none"))
        return
    if set(picked) <= set(auto):
        left = [n for n in auto if n not in picked]
        cur["params"] = {"skip_sheets": left} if left else {}
    else:
        cur["params"] = {"sheets": [n for n in options if n in picked]}
    st.rerun()


def _guess_header_row(result: sandbox.ReadResult) -> int:
    if result.prepared is not None:
        return result.prepared.table.header_row
    for e in result.errors:
        if e.row:
            return int(e.row)
    return 1


def reading_form(cur: dict, result: sandbox.ReadResult) -> None:
    head = result.head
    p = result.prepared
    params = cur["params"]
    n_rows = max(len(head.rows), 1)
    header_row = int(params.get("header_row") or _guess_header_row(result))
    header_row = min(max(header_row, 1), max(n_rows, header_row))
    effective = dict(p.table.mapping) if p is not None else dict(params.get("mapping") or {})
    labels = column_options(result, header_row)
    sheets = [x for x in head.sheets] or []
    if "up_header_row" not in st.session_state:
        st.session_state["up_header_row"] = header_row
    for f in FIELDS:
        st.session_state.setdefault(f"up_map_{f}", effective.get(f, -1))
    with st.form("up_layout"):
        c1, c2 = st.columns(2)
        sheet = None
        if len(sheets) > 1:
            st.session_state.setdefault(
                "up_sheet", head.sheet if head.sheet in sheets else sheets[0]
            )
            sheet = c1.selectbox(s("sheet"), sheets, key="up_sheet")
        row_options = list(range(1, max(n_rows, header_row) + 1))

        def row_label(r: int) -> str:
            texts = [x for x in (head.rows[r - 1] if r - 1 < len(head.rows) else []) if x]
            preview = " | ".join(texts)[:80]
            return f"{r}: {preview}" if preview else str(r)

        chosen_row = c2.selectbox(
            s("header_row"), row_options, key="up_header_row", format_func=row_label
        )
        options = [-1, *range(len(labels))]

        def col_label(i: int) -> str:
            return (
                s("auto")
                if i < 0
                else uploads.column_label(i, labels[i] if i < len(labels) else "")
            )

        cols = st.columns(3)
        order = [*REQUIRED_FIELDS, *[f for f in FIELDS if f not in REQUIRED_FIELDS]]
        picked: dict[str, int] = {}
        for i, f in enumerate(order):
            if st.session_state.get(f"up_map_{f}") not in options:
                st.session_state[f"up_map_{f}"] = -1
            picked[f] = cols[i % 3].selectbox(
                field_label(f), options, key=f"up_map_{f}", format_func=col_label
            )
        submitted = st.form_submit_button(s("apply"))
    if not submitted:
        return
    overrides = dict(params.get("mapping") or {})
    for f, c in picked.items():
        if c != effective.get(f, -1):
            if c is None or c < 0:
                overrides.pop(f, None)
            else:
                overrides[f] = int(c)
    new: dict = {"header_row": int(chosen_row)}
    if sheet is not None and sheet != head.sheet:
        # another sheet: its header row and columns are found afresh unless chosen too
        new = {"sheet": sheet}
        if int(chosen_row) != header_row:
            new["header_row"] = int(chosen_row)
        cur["params"] = new
        st.rerun()
    if params.get("sheet"):
        new["sheet"] = params["sheet"]
    elif p is not None and len(p.tables) > 1:  # several sheets read: this one is corrected
        if int(chosen_row) == p.table.header_row and not overrides:
            return  # nothing changed: every task sheet stays read
        new["sheet"] = head.sheet
    if overrides:
        new["mapping"] = overrides
    if (
        p is not None
        and new.get("header_row") == p.table.header_row
        and "sheet" not in new
        and not overrides
    ):
        new.pop("header_row")
    cur["params"] = new
    st.rerun()


# --------------------------------------------------------------------------- step 3: problems


def unknown_names(prepared) -> set[str]:
    return {w.value for w in prepared.warnings if w.code == "unknown_agency" and w.value}


def unknown_agency_choices(prepared) -> dict[str, str]:
    """One question per unknown name; an answer is remembered in the register at once (it is
    applied to this file from the next run on, as to every later file)."""
    resolver = agency_units.resolver_for(db)
    names: dict[str, tuple[str, ...]] = {}
    for w in prepared.warnings:
        if w.code == "unknown_agency" and w.value:
            names.setdefault(w.value, w.suggestions)
    if names:
        st.caption(s("fix_note"))
    file_agencies = [a.id for a in prepared.agencies if a.type != "other"]
    for i, (name, sugg) in enumerate(sorted(names.items())[:50]):
        options = agency_units.answer_options(name, sugg, resolver, me, file_agencies)
        if not options:
            continue
        parent = resolver.unit_parent(name)
        suggested = agency_units.UNIT + parent.id if parent is not None else None
        picked = st.selectbox(
            s("fix_agency", name=name),
            ["", *options],
            key=f"up_fix_{i}",
            format_func=lambda a, sg=suggested: (
                s("keep_as_written") if not a else agency_units.answer_label(a, resolver, lg, sg)
            ),
        )
        if not picked:
            continue
        try:
            agency = agency_units.remember_answer(db, me, name, picked)
        except agency_units.RegisterError as exc:
            st.error(s("fix_refused", name=esc(name), why=esc(exc.text(lg))))
            continue
        shown = agency_units.label(agency, agency_units.resolver_for(db), lg)
        st.session_state["up_remembered"] = s("fix_remembered", name=esc(name), agency=esc(shown))
        for k in [k for k in st.session_state if isinstance(k, str) and k.startswith("up_fix_")]:
            del st.session_state[k]  # the questions left are asked afresh
        data.clear()
        st.rerun()
    return {}


def errors_block(prepared) -> bool:
    """The errors, said once, above the warnings. A file whose errors are all row errors may
    have its valid rows committed and the rows with errors held back: True when the user chose
    so (the message then says which rows are held back)."""
    errors = prepared.errors
    offer = bool(prepared.held_back) and not prepared.accepting_valid_rows().errors
    said = st.empty()
    st.dataframe(uploads.problems_frame(errors, lg), hide_index=True, key="up_errors_table")
    if not offer:
        said.error(s("errors", n=fmt_int(len(errors), lg)))
        return False
    n, m = fmt_int(len(prepared.tasks), lg), fmt_int(len(prepared.held_back), lg)
    chosen = st.checkbox(
        t("held_back_accept", lg, n=n, m=m),
        key="up_accept_valid",
        help=t("held_back_accept_help", lg),
    )
    if not chosen:
        said.error(t("held_back_upload", lg, m=m))
        return False
    several = len(prepared.tables) > 1
    refs = [uploads.TaskRef(h.row, "", h.sheet if several else None) for h in prepared.held_back]
    rows = ", ".join(r.text(lg) for r in refs[:20]) + (" …" if len(refs) > 20 else "")
    said.info(t("held_back_chosen", lg, n=n, m=m, rows=esc(rows)))
    return True


def problems_section(cur: dict, prepared, data_bytes: bytes) -> tuple[dict[str, str], bool]:
    """Step 3; returns (the agencies the user matched to unknown names, whether the valid rows
    are to be committed with the rows with errors held back)."""
    st.subheader(s("step_problems"))
    errors, warns = prepared.errors, prepared.warnings
    choices: dict[str, str] = {}
    accept = False
    if not errors and not warns:
        st.success(s("no_problems"))
        return choices, accept
    if errors:
        accept = errors_block(prepared)
    if warns:
        st.warning(s("warnings", n=fmt_int(len(warns), lg)))
        for group, items in uploads.group_warnings(warns).items():
            if group == "unknown_agency":  # the names asked about, and the rows that hold them
                label = s(
                    "g_unknown_agency_n",
                    k=fmt_int(len({w.value for w in items}), lg),
                    n=fmt_int(len(items), lg),
                )
            else:
                label = f"{s('g_' + group)} ({fmt_int(len(items), lg)})"
            with st.expander(label, expanded=group == "unknown_agency"):
                st.dataframe(
                    uploads.problems_frame(items, lg), hide_index=True, key=f"up_warn_{group}"
                )
                if group == "unknown_agency":
                    choices = unknown_agency_choices(prepared)
    ann = st.session_state.get("up_annotated")
    if isinstance(ann, dict) and ann.get("key") == cur["key"]:
        if ann.get("bytes"):
            st.download_button(
                s("annotate_dl"),
                data=ann["bytes"],
                file_name=templates.annotated_name(cur["name"]),
                mime=templates.XLSX_MIME,
                key="up_annotated_dl",
                on_click="ignore",
            )
        else:
            st.warning(s("annotate_fail"))
    elif st.button(s("annotate"), key="up_annotate"):
        try:
            with st.spinner(s("reading")):
                out = sandbox.annotate_file(
                    data_bytes, cur["name"], uploads.table_info(prepared), [*errors, *warns], lg
                )
        except (InputRejected, sandbox.SandboxBusy):
            out = b""
        st.session_state["up_annotated"] = {"key": cur["key"], "bytes": out}
        st.rerun()
    return choices, accept


# --------------------------------------------------------------------------- step 4: changes


def plan_widgets(prepared, before: pd.DataFrame, agencies: pd.DataFrame) -> uploads.Plan:
    suggested = uploads.default_update_agencies(me, prepared.tasks, before)
    as_of = prepared.as_of
    if me.role == "agency_editor":
        options = sorted(set(me.agency_ids))
        st.session_state.setdefault("up_agencies", [a for a in suggested if a in options])
        chosen = st.multiselect(
            s("agencies"),
            options,
            key="up_agencies",
            format_func=lambda a: agency_name(agencies, a),
        )
        agency_ids = store.with_units_of(db, sorted(chosen))
        return uploads.Plan(prepared.source, as_of, agency_ids, mode="agency")
    st.session_state.setdefault("up_mode", "agency" if suggested else "full")
    mode = st.radio(
        s("mode"),
        ["full", "agency"],
        key="up_mode",
        horizontal=True,
        format_func=lambda m: s("mode_full" if m == "full" else "mode_agency"),
    )
    if mode == "full":
        return uploads.Plan(prepared.source, as_of, (), mode="full")
    _common, union = uploads.common_and_all_leads(prepared.tasks)
    options = sorted(union | set(suggested))
    st.session_state.setdefault("up_agencies", list(suggested))
    st.session_state["up_agencies"] = [a for a in st.session_state["up_agencies"] if a in options]
    chosen = st.multiselect(
        s("agencies"), options, key="up_agencies", format_func=lambda a: agency_name(agencies, a)
    )
    agency_ids = store.with_units_of(db, sorted(chosen))
    return uploads.Plan(prepared.source, as_of, agency_ids, mode="agency")


def figures(title: str, before: dict, after: dict) -> None:
    st.markdown(f"**{title}**")
    cols = st.columns(len(FIGURES) + 1)
    for col, k in zip(cols, FIGURES, strict=False):
        b, a = int(before.get(k, 0)), int(after.get(k, 0))
        col.metric(
            t(k, lg),
            fmt_int(a, lg),
            delta=fmt_int(a - b, lg) if a != b else None,
            delta_color="off"
            if k in ("total", "in_progress", "no_deadline")
            else ("inverse" if k == "overdue" else "normal"),
        )
    rb, ra = before.get("due_completion_rate"), after.get("due_completion_rate")
    cols[-1].metric(
        s("rate"),
        fmt_pct(ra, lg),
        delta=None if rb == ra else f"{s('before')}: {fmt_pct(rb, lg)}",
        delta_color="off",
        delta_arrow="off",
    )
    cb, ca = int(before.get("cancelled", 0)), int(after.get("cancelled", 0))
    if cb or ca:  # counted apart, in none of the figures above
        st.caption(
            f"{t('cancelled_apart', lg)}: {fmt_int(ca, lg)} ({s('before')}: {fmt_int(cb, lg)})"
        )


def changes_section(preview: uploads.Preview, agencies: pd.DataFrame) -> None:
    ch = preview.changes
    counts = ch.counts()
    if not any(counts.values()):
        st.info(s("no_changes"))
        return
    for col, k in zip(st.columns(len(CHANGE_KEYS)), CHANGE_KEYS, strict=True):
        col.metric(s(f"c_{k}"), fmt_int(counts[k], lg))
    base_cols = ["task_id", "title", "lead", "status_label", "deadline"]
    for k in CHANGE_KEYS:
        frame = getattr(ch, k)
        if frame.empty:
            continue
        with st.expander(f"{s('c_' + k)} ({fmt_int(len(frame), lg)})"):
            shown = present(frame, agencies, base_cols)
            if k == "status_changed":
                shown.insert(
                    3, s("before"), frame["status_before"].map(lambda x: t(x, lg)).to_numpy()
                )
            if k == "deadline_moved":
                shown.insert(
                    3, s("before"), pd.to_datetime(frame["deadline_before"]).dt.date.to_numpy()
                )
            st.dataframe(shown, hide_index=True, key=f"up_changes_{k}")


def refusal_message(refusal: uploads.Refusal, agencies: pd.DataFrame) -> str:
    if refusal.reason == "not_allowed":
        return s("refused_role")
    if refusal.reason == "full_by_editor":
        return s("refused_full")
    if refusal.reason == "no_agencies":
        return s("choose_agency")
    key = "refused_outside" if refusal.reason == "outside_update" else "refused_agencies"
    items = []
    for a in refusal.agencies:  # each task by its row and title, never by a derived id
        refs = refusal.named.get(a, [])
        shown = "; ".join(r.text(lg) for r in refs[:10]) + (" …" if len(refs) > 10 else "")
        items.append(f"{agency_name(agencies, a)}" + (f" ({shown})" if shown else ""))
    return s(key, items=esc("; ".join(items)))


def changes_and_confirm(cur: dict, prepared, data_bytes: bytes, incoming: pd.DataFrame) -> None:
    st.subheader(s("step_changes"))
    agencies = agency_frame(prepared.agencies)
    before_src = store.load_tasks(
        db, prepared.as_of, Filters(sources=(prepared.source,)), Scope.everything()
    )
    plan = plan_widgets(prepared, before_src, agencies)
    if not plan.ready:  # agency mode, no agency chosen: nothing to compare or store yet
        st.warning(s("choose_agency"))
        confirm_button(cur, prepared, plan, data_bytes, None)
        return
    preview = uploads.build_preview(db, prepared, plan, me, cur["sha"], incoming=incoming)
    if preview.before.empty:
        st.caption(s("new_source", source=esc(plan.source)))
    elsewhere = (
        " " + s("kept_elsewhere", n=fmt_int(preview.kept_elsewhere, lg))
        if preview.kept_elsewhere
        else ""
    )
    if plan.is_agency_update:
        names = ", ".join(agency_name(agencies, a) for a in plan.update_agencies)
        st.info(
            s(
                "agency_update",
                names=esc(names),
                source=esc(plan.source),
                kept=fmt_int(preview.kept, lg),
            )
            + elsewhere
        )
    else:
        st.caption(
            s("full_update", source=esc(plan.source), date=fmt_date(plan.as_of, lg)) + elsewhere
        )
    for other, k in sorted(preview.ids_elsewhere.items(), key=lambda kv: -kv[1]):
        st.warning(
            s(
                "ids_elsewhere",
                k=fmt_int(k, lg),
                n=fmt_int(len(preview.incoming), lg),
                other=esc(other),
                source=esc(plan.source),
            )
        )
    if preview.later:
        st.warning(s("later", dates=", ".join(fmt_date(d, lg) for d in preview.later)))
    figures(
        s("figures_source", source=esc(plan.source)),
        preview.headline_before,
        preview.headline_after,
    )
    figures(s("figures_all"), preview.overall_before, preview.overall_after)
    changes_section(preview, agencies)
    if preview.kept_held_back:
        ids = ", ".join(preview.kept_held_back[:20]) + (
            " …" if len(preview.kept_held_back) > 20 else ""
        )
        st.info(
            t(
                "held_back_kept_preview",
                lg,
                k=fmt_int(len(preview.kept_held_back), lg),
                ids=esc(ids),
            )
        )
    if preview.duplicate_of is not None:
        st.info(s("duplicate", id=preview.duplicate_of))
    if preview.refusal is not None:
        st.error(refusal_message(preview.refusal, agencies))
        denied_key = f"{cur['key']}|{plan}"
        if st.session_state.get("_up_denied_for") != denied_key:
            st.session_state["_up_denied_for"] = denied_key
            uploads.audit(
                db,
                me.username,
                "permission_denied",
                cur["sha"],
                {
                    "name": cur["name"],
                    "reason": preview.refusal.reason,
                    "agencies": list(preview.refusal.agencies),
                    "tasks": {a: v[:50] for a, v in preview.refusal.tasks.items()},
                },
                outcome="denied",
            )
    confirm_button(cur, prepared, plan, data_bytes, preview)


def confirm_button(
    cur: dict,
    prepared,
    plan: uploads.Plan | None,
    data_bytes: bytes,
    preview: uploads.Preview | None,
) -> None:
    """The confirm button ("Xác nhận ghi nhận"), disabled while anything is missing (the task
    list, an agency of an agency update: `plan` not ready, no `preview`) or refused (errors,
    the permission check)."""
    blocked = (
        plan is None
        or not plan.ready
        or preview is None
        or bool(prepared.errors)
        or preview.refusal is not None
    )
    clicked = st.button(
        s("confirm"),
        key="up_commit",
        type="primary",
        disabled=blocked,
        help=s("confirm_help"),
        on_click=_follow_date,
        args=(view.latest, plan.as_of if plan is not None else None),
    )
    if clicked and not blocked:
        do_commit(cur, prepared, plan, data_bytes, preview)


def _follow_date(previous_latest, new_as_of) -> None:
    """Before the run: a user looking at the latest date keeps looking at the latest date."""
    shown = st.session_state.get("as_of")
    if previous_latest is None or new_as_of is None:
        return
    if shown == previous_latest and new_as_of > previous_latest:
        st.session_state["as_of"] = new_as_of


def do_commit(
    cur: dict, prepared, plan: uploads.Plan, data_bytes: bytes, preview: uploads.Preview
) -> None:
    try:
        result = uploads.commit(
            db,
            prepared,
            plan,
            data_bytes,
            cur["name"],
            me,
            preview,
            accept_valid_rows=prepared.accepted,
        )
    except uploads.StaleState:
        st.warning(s("stale"))
        return
    except uploads.Refused as exc:
        st.error(
            s("commit_refused", why=refusal_message(exc.refusal, agency_frame(prepared.agencies)))
        )
        return
    data.clear()
    uploads.audit(
        db,
        me.username,
        "commit",
        str(result.snapshot_id),
        {
            "file_sha256": cur["sha"],
            "name": cur["name"],
            "source": plan.source,
            "as_of": plan.as_of.isoformat(),
            "tasks": result.tasks,
            "kind": result.kind,
            "update_agencies": list(plan.update_agencies),
            "duplicate": result.duplicate,
            "held_back": result.held_back,
            "kept_previous": list(result.kept)[:50],
        },
    )
    head = (st.session_state.get(STATE) or {}).get("result")
    head = getattr(head, "head", None)
    t = prepared.table
    several = len(prepared.tables) > 1  # each sheet read as found: no layout to remember
    if head is not None and head.rows and not several and 1 <= t.header_row <= len(head.rows):
        try:
            layouts.remember(
                db,
                sheet=t.sheet,
                header_row=t.header_row,
                header_texts=head.rows[t.header_row - 1],
                mapping=dict(t.mapping),
                headers=t.headers,
                source=plan.source,
                user=me.username,
            )
        except Exception:  # remembering is a convenience; the commit stands
            components.log.exception("could not remember the layout")
    st.session_state["up_done"] = {
        "id": result.snapshot_id,
        "n": result.tasks,
        "source": plan.source,
        "date": plan.as_of,
        "duplicate": result.duplicate,
        "held_back": result.held_back,
    }
    st.rerun()


# --------------------------------------------------------------------------- templates tab


def templates_tab() -> None:
    st.subheader(s("tpl_blank"))
    st.caption(s("tpl_blank_help"))
    st.download_button(
        s("tpl_blank_dl"),
        data=lambda: templates.blank_template(lg),
        file_name="mau_cap_nhat_nhiem_vu.xlsx",
        mime=templates.XLSX_MIME,
        key="up_tpl_blank",
        on_click="ignore",
    )
    st.subheader(s("tpl_mine"))
    st.caption(s("tpl_mine_help"))
    cat = data.catalog()
    sources = cat["sources"]
    if not sources:
        st.info(s("tpl_none"))
        return
    agencies = cat["agencies"]
    options = (
        sorted(me.agency_ids) if me.role == "agency_editor" else agencies["agency_id"].tolist()
    )
    if not options:
        return
    c1, c2 = st.columns(2)
    agency_id = c1.selectbox(
        s("tpl_agency"),
        options,
        key="up_mine_agency",
        format_func=lambda a: agency_name(agencies, a),
    )
    source = c2.selectbox(s("tpl_source"), sources, key="up_mine_source")
    as_of = view.as_of
    name = agency_name(agencies, agency_id)
    user_name, path = me.username, db

    def make() -> bytes:
        frame = store.load_tasks(
            path, as_of, Filters(sources=(source,), agency_ids=(agency_id,)), Scope.everything()
        )
        out = templates.my_tasks_workbook(
            frame, agency_name=name, source=source, as_of=as_of, lang=lg
        )
        uploads.audit(
            path,
            user_name,
            "export",
            "my_tasks",
            {"agency": agency_id, "source": source, "as_of": as_of.isoformat(), "rows": len(frame)},
        )
        return out

    slug = "".join(ch if ch.isalnum() else "_" for ch in source.lower())[:30]
    st.download_button(
        s("tpl_mine_dl"),
        data=make,
        file_name=f"nhiem_vu_{agency_id}_{slug}_{as_of.isoformat()}.xlsx",
        mime=templates.XLSX_MIME,
        key="up_tpl_mine",
        on_click="ignore",
    )


# --------------------------------------------------------------------------- the page


def judged(cur: dict, prepared, choices: dict) -> pd.DataFrame:
    """The file's tasks judged by the store's SQL, kept for this reading and agency choices."""
    token = (cur["key"], prepared.source, json.dumps(choices, sort_keys=True))
    found = cur.get("judged")
    if not (isinstance(found, tuple) and found[0] == token):
        found = (token, uploads.judge(prepared, prepared.source, prepared.as_of))
        cur["judged"] = found
    return found[1]


def upload_tab() -> None:
    done = st.session_state.pop("up_done", None)
    if isinstance(done, dict):
        if done.get("duplicate"):
            st.info(s("committed_dup", id=done["id"]))
        else:
            st.success(
                s(
                    "committed",
                    id=done["id"],
                    n=fmt_int(done["n"], lg),
                    source=esc(done["source"]),
                    date=fmt_date(done["date"], lg),
                )
                + (
                    " " + t("held_back_committed", lg, m=fmt_int(done["held_back"], lg))
                    if done.get("held_back")
                    else ""
                )
            )
    chosen = choose_file()
    if chosen is None:
        return
    file, source, as_of = chosen
    kept = keep(file)
    if kept is None:
        return
    q, data_bytes = kept
    cur = current(q, uploads.display_name(file.name))
    if q.seen_before and q.first_name:
        st.caption(s("seen_before", name=esc(q.first_name), at=esc(q.first_at or "")))
    known = uploads.snapshots_of_file(db, q.sha256)
    if len(known):
        items = ", ".join(
            f"#{r.snapshot_id} {esc(r.source)} {fmt_date(r.as_of, lg)}" for r in known.itertuples()
        )
        st.caption(s("in_snapshots", items=items))
    result = do_read(cur, data_bytes, source, as_of)
    if result is None:
        return
    task_list = result.prepared.source if result.ok else None
    if result.ok and source is None:  # "as the file says": confirmed, or asked when it is silent
        task_list = source_choice(result.prepared)
    reading_section(cur, result, source, as_of, task_list)
    if not result.ok:
        return
    prepared = result.prepared
    if source is None:
        prepared = with_task_list(prepared, task_list)
    # names the register learnt since the file was read (an answer below) resolve as they will
    # in the next file
    resolver = agency_units.resolver_for(db)
    known_now = agency_units.remembered(unknown_names(prepared), resolver)
    prepared = uploads.apply_agency_choices(prepared, known_now, resolver)
    remembered_msg = st.session_state.pop("up_remembered", None)
    if remembered_msg:
        st.success(remembered_msg)
    preview_box = st.container()  # step 2 above step 3, filled once agencies are matched
    choices, accept_valid = problems_section(cur, prepared, data_bytes)
    prepared = uploads.apply_agency_choices(prepared, choices, resolver)
    choices = {**known_now, **choices}
    preview_box.subheader(s("step_preview"))
    agencies = agency_frame(prepared.agencies)
    incoming = judged(cur, prepared, choices)
    preview_box.dataframe(
        present(
            incoming,
            agencies,
            [
                "task_id",
                "title",
                "lead",
                "status_label",
                "deadline",
                "deadline_text",
                "completion_date",
                "status_text",
                *(["origin_sheet"] if len(prepared.tables) > 1 else []),
                "origin_row",
            ],
        ),
        hide_index=True,
        key="up_tasks_table",
    )
    if prepared.errors:
        if not accept_valid:  # step 3 said what to do
            return
        prepared = prepared.accepting_valid_rows()  # the valid rows, the others held back
    if task_list is None:  # no task list yet: nothing to compare with, nothing to store
        st.subheader(s("step_changes"))
        st.info(s("source_needed"))
        confirm_button(cur, prepared, None, data_bytes, None)
        return
    changes_and_confirm(cur, prepared, data_bytes, incoming)


with components.guard(view.lang):
    components.page_header(view, "page_upload")
    tab_up, tab_tpl = st.tabs([s("tab_upload"), s("tab_templates")])
    with tab_up:
        upload_tab()
    with tab_tpl:
        templates_tab()
