"""Cập nhật dữ liệu / Upload: a spreadsheet in, one snapshot out, nothing stored unconfirmed.

1. a file (kept under its SHA-256 first), the source it belongs to, the as-of date;
2. the reading (sheet, header row, column mapping; correctable, remembered per layout) and a
   preview of the resolved tasks;
3. the problems, grouped, with an annotated copy of the user's own workbook;
4. what the upload changes against the source's current state, figures before and after;
5. confirm: one snapshot, committed atomically.

The file is read only in a limited child process (analytics.sandbox); the logic lives in
analytics.uploads, analytics.layouts and analytics.templates. Only users with `can_upload` see
this page (app.py); the check is repeated here, deny by default.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from analytics import exports, layouts, sandbox, store, templates, uploads
from analytics.i18n import fmt_date, fmt_int, fmt_pct, t
from analytics.ingest import KNOWN_SOURCES
from analytics.model import FIELDS, REQUIRED_FIELDS
from analytics.problems import InputRejected
from analytics.store import Filters, Scope
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
    "g_unknown_agency": ("Cơ quan chưa có trong danh mục", "Agencies not in the reference list"),
    "g_free_text_deadline": ("Thời hạn ghi bằng chữ", "Deadlines written as free text"),
    "g_dates_vs_words": ("Ngày và tình trạng mâu thuẫn", "Dates and status words disagree"),
    "g_other": ("Cảnh báo khác", "Other warnings"),
    "fix_agency": ("'{name}' là cơ quan nào?", "Which agency is '{name}'?"),
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
    "status": ("Tình hình thực hiện", "Status"),
    "progress_pct": ("Tỷ lệ hoàn thành (%)", "Progress (%)"),
    "completion_date": ("Ngày hoàn thành", "Completion date"),
    "result": ("Kết quả", "Result"),
    "issues": ("Khó khăn, vướng mắc", "Causes / issues"),
    "proposals": ("Kiến nghị, đề xuất", "Proposals"),
    "notes": ("Ghi chú", "Notes"),
    "leader": ("Lãnh đạo phụ trách", "Leader"),
    "focal_point": ("Đầu mối", "Focal point"),
    "difficulty": ("Mức độ khó", "Difficulty"),
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
AUTO = "__auto__"


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
            {"agency_id": a.id, "name_vi": a.name_vi, "name_en": a.name_en, "agency_type": a.type}
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
    for k in ("up_header_row", "up_sheet", "up_mode", "up_agencies", "up_annotated"):
        st.session_state.pop(k, None)


def read_key(sha: str, source: str | None, as_of: dt.date, params: dict) -> str:
    return json.dumps([sha, source, as_of.isoformat(), params], sort_keys=True, default=str)


def present(frame: pd.DataFrame, agencies: pd.DataFrame, columns) -> pd.DataFrame:
    return exports.present_tasks(frame, agencies, lg, columns=columns)


# --------------------------------------------------------------------------- step 1: the file


def choose_file() -> tuple | None:
    file = st.file_uploader(
        s("file"),
        type=list(uploads.ACCEPTED_TYPES),
        key="up_file",
        help=s("file_help"),
        max_upload_size=uploads.MAX_UPLOAD_BYTES // 2**20,
    )
    c1, c2 = st.columns(2)
    known = list(KNOWN_SOURCES) + [x for x in data.catalog()["sources"] if x not in KNOWN_SOURCES]
    source = c1.selectbox(
        s("source"),
        [AUTO, *known],
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
                header_row=params.get("header_row"),
                mapping=params.get("mapping") or None,
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
    cur: dict, result: sandbox.ReadResult, source: str | None, as_of: dt.date
) -> None:
    st.subheader(s("step_reading"))
    p = result.prepared
    head = result.head
    if p is not None:
        t = p.table
        st.caption(
            s(
                "read_summary",
                fmt=t.file_format,
                sheet=esc(t.sheet or "-"),
                row=t.header_row,
                n=fmt_int(len(p.tasks), lg),
                source=esc(p.source),
            )
        )
        headers = t.headers
        rows = [
            {
                s("col_field"): field_label(f),
                s("col_column"): uploads.column_label(c, headers[c] if c < len(headers) else ""),
            }
            for f, c in sorted(
                t.mapping.items(), key=lambda fc: FIELDS.index(fc[0]) if fc[0] in FIELDS else 99
            )
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="up_mapping_table")
    else:
        show_rejection(result.errors)
    remembered = None
    if head is not None and head.rows:
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


def unknown_agency_choices(prepared) -> dict[str, str]:
    from analytics.agencies import default_resolver

    resolver = default_resolver()
    names: dict[str, tuple[str, ...]] = {}
    for w in prepared.warnings:
        if w.code == "unknown_agency" and w.value:
            names.setdefault(w.value, w.suggestions)
    choices: dict[str, str] = {}
    for i, (name, sugg) in enumerate(sorted(names.items())[:50]):
        ids = [a.id for a in (resolver.resolve(x) for x in sugg) if a is not None]
        ids = list(dict.fromkeys(ids))
        if not ids:
            continue
        known = data.agencies()
        picked = st.selectbox(
            s("fix_agency", name=name),
            ["", *ids],
            key=f"up_fix_{i}",
            format_func=lambda a, known=known: (
                s("keep_as_written") if not a else agency_name(known, a)
            ),
        )
        if picked:
            choices[name] = picked
    return choices


def problems_section(cur: dict, prepared, data_bytes: bytes) -> dict[str, str]:
    st.subheader(s("step_problems"))
    errors, warns = prepared.errors, prepared.warnings
    choices: dict[str, str] = {}
    if not errors and not warns:
        st.success(s("no_problems"))
        return choices
    if errors:
        st.error(s("errors", n=fmt_int(len(errors), lg)))
        st.dataframe(uploads.problems_frame(errors, lg), hide_index=True, key="up_errors_table")
    if warns:
        st.warning(s("warnings", n=fmt_int(len(warns), lg)))
        for group, items in uploads.group_warnings(warns).items():
            with st.expander(
                f"{s('g_' + group)} ({fmt_int(len(items), lg)})", expanded=group == "unknown_agency"
            ):
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
    return choices


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
        return uploads.Plan(prepared.source, as_of, tuple(sorted(chosen)))
    st.session_state.setdefault("up_mode", "agency" if suggested else "full")
    mode = st.radio(
        s("mode"),
        ["full", "agency"],
        key="up_mode",
        horizontal=True,
        format_func=lambda m: s("mode_full" if m == "full" else "mode_agency"),
    )
    if mode == "full":
        return uploads.Plan(prepared.source, as_of, ())
    _common, union = uploads.common_and_all_leads(prepared.tasks)
    options = sorted(union | set(suggested))
    st.session_state.setdefault("up_agencies", list(suggested))
    st.session_state["up_agencies"] = [a for a in st.session_state["up_agencies"] if a in options]
    chosen = st.multiselect(
        s("agencies"), options, key="up_agencies", format_func=lambda a: agency_name(agencies, a)
    )
    return uploads.Plan(prepared.source, as_of, tuple(sorted(chosen)))


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
    key = "refused_outside" if refusal.reason == "outside_update" else "refused_agencies"
    items = []
    for a in refusal.agencies:
        ids = refusal.tasks.get(a, [])
        shown = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
        items.append(f"{agency_name(agencies, a)}" + (f" ({shown})" if shown else ""))
    return s(key, items=esc("; ".join(items)))


def changes_and_confirm(cur: dict, prepared, data_bytes: bytes, incoming: pd.DataFrame) -> None:
    st.subheader(s("step_changes"))
    agencies = agency_frame(prepared.agencies)
    before_src = store.load_tasks(
        db, prepared.as_of, Filters(sources=(prepared.source,)), Scope.everything()
    )
    plan = plan_widgets(prepared, before_src, agencies)
    preview = uploads.build_preview(db, prepared, plan, me, cur["sha"], incoming=incoming)
    if preview.before.empty:
        st.caption(s("new_source", source=esc(plan.source)))
    if plan.is_agency_update:
        names = ", ".join(agency_name(agencies, a) for a in plan.update_agencies)
        st.info(
            s(
                "agency_update",
                names=esc(names),
                source=esc(plan.source),
                kept=fmt_int(preview.kept, lg),
            )
        )
    else:
        st.caption(s("full_update", source=esc(plan.source), date=fmt_date(plan.as_of, lg)))
    if preview.later:
        st.warning(s("later", dates=", ".join(fmt_date(d, lg) for d in preview.later)))
    figures(
        s("figures_source", source=esc(plan.source)),
        preview.headline_before,
        preview.headline_after,
    )
    figures(s("figures_all"), preview.overall_before, preview.overall_after)
    changes_section(preview, agencies)
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
    blocked = bool(prepared.errors) or preview.refusal is not None
    if st.button(
        s("confirm"),
        key="up_commit",
        type="primary",
        disabled=blocked,
        help=s("confirm_help"),
        on_click=_follow_date,
        args=(view.latest, plan.as_of),
    ):
        do_commit(cur, prepared, plan, data_bytes, preview)


def _follow_date(previous_latest, new_as_of) -> None:
    """Before the run: a user looking at the latest date keeps looking at the latest date."""
    shown = st.session_state.get("as_of")
    if previous_latest is not None and shown == previous_latest and new_as_of > previous_latest:
        st.session_state["as_of"] = new_as_of


def do_commit(
    cur: dict, prepared, plan: uploads.Plan, data_bytes: bytes, preview: uploads.Preview
) -> None:
    try:
        result = uploads.commit(db, prepared, plan, data_bytes, cur["name"], me, preview)
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
        },
    )
    head = (st.session_state.get(STATE) or {}).get("result")
    head = getattr(head, "head", None)
    t = prepared.table
    if head is not None and head.rows and 1 <= t.header_row <= len(head.rows):
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
    token = (cur["key"], json.dumps(choices, sort_keys=True))
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
    reading_section(cur, result, source, as_of)
    if not result.ok:
        return
    prepared = result.prepared
    preview_box = st.container()  # step 2 above step 3, filled once agencies are matched
    choices = problems_section(cur, prepared, data_bytes)
    prepared = uploads.apply_agency_choices(prepared, choices)
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
                "origin_row",
            ],
        ),
        hide_index=True,
        key="up_tasks_table",
    )
    if prepared.errors:
        st.error(s("errors", n=fmt_int(len(prepared.errors), lg)))
        return
    changes_and_confirm(cur, prepared, data_bytes, incoming)


with components.guard(view.lang):
    components.page_header(view, "page_upload")
    tab_up, tab_tpl = st.tabs([s("tab_upload"), s("tab_templates")])
    with tab_up:
        upload_tab()
    with tab_tpl:
        templates_tab()
