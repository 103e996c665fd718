"""Dữ liệu / Data: the snapshots the figures come from, the problems found when reading them,
every task with its provenance (searchable without diacritics), the original files, and for
administrators retracting and restoring a snapshot.

An agency viewer (a limited scope) sees only the tasks of their agencies (the data layer applies
the scope) and neither the ingest warnings nor the original files, which cover every agency.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import exports, history, store
from analytics.i18n import fmt_date, fmt_int
from analytics.store import Filters, Scope
from ui import auth, cache, charts_time, components, data, state

view = state.current_view()

MAX_ROWS_SHOWN = 2000
FLASH_KEY = "_data_flash"
MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".csv": "text/csv",
}

S: dict[str, tuple[str, str]] = {
    "snapshots": ("Các kỳ số liệu đã tải lên", "Uploaded snapshots"),
    "snapshots_note": (
        "Mỗi tệp được chấp nhận là một kỳ số liệu. Kỳ đã thu hồi được giữ lại nhưng không dùng để "
        "tính số liệu.",
        "Every accepted file is a snapshot. A retracted snapshot is kept but not used for figures.",
    ),
    "col_id": ("Mã kỳ", "Snapshot"),
    "col_source": ("Nguồn", "Source"),
    "col_as_of": ("Số liệu đến ngày", "As of"),
    "col_file": ("Tệp", "File"),
    "col_by": ("Người tải lên", "Uploaded by"),
    "col_at": ("Thời điểm tải lên (UTC)", "Uploaded at (UTC)"),
    "col_kind": ("Loại", "Kind"),
    "col_tasks": ("Số nhiệm vụ", "Tasks"),
    "col_warnings": ("Số cảnh báo", "Warnings"),
    "col_status": ("Trạng thái", "Status"),
    "col_changed_at": ("Đổi trạng thái lúc (UTC)", "Status changed at (UTC)"),
    "col_changed_by": ("Đổi trạng thái bởi", "Status changed by"),
    "col_row": ("Dòng", "Row"),
    "col_column": ("Cột", "Column"),
    "col_value": ("Giá trị", "Value"),
    "col_code": ("Mã cảnh báo", "Code"),
    "col_message": ("Nội dung", "Message"),
    "kind_full": ("Toàn bộ danh sách", "Full list"),
    "kind_agency_update": ("Cập nhật của cơ quan", "Agency update"),
    "status_active": ("Đang sử dụng", "Active"),
    "status_retracted": ("Đã thu hồi", "Retracted"),
    "admin": ("Thu hồi hoặc khôi phục kỳ số liệu", "Retract or restore a snapshot"),
    "admin_note": (
        "Thu hồi một kỳ số liệu: số liệu được tính lại như khi chưa có tệp đó. Không xoá dữ liệu; "
        "có thể khôi phục bất cứ lúc nào. Thao tác được ghi vào nhật ký.",
        "Retracting a snapshot computes the figures as if its file had never been loaded. Nothing "
        "is deleted; it can be restored at any time. The action is recorded in the audit log.",
    ),
    "pick_snapshot": ("Kỳ số liệu", "Snapshot"),
    "retract": ("Thu hồi", "Retract"),
    "restore": ("Khôi phục", "Restore"),
    "retracted_ok": ("Đã thu hồi kỳ số liệu #{id}.", "Snapshot #{id} retracted."),
    "restored_ok": ("Đã khôi phục kỳ số liệu #{id}.", "Snapshot #{id} restored."),
    "not_found": ("Không tìm thấy kỳ số liệu #{id}.", "Snapshot #{id} not found."),
    "warnings": ("Cảnh báo khi đọc tệp", "Problems found when reading the files"),
    "all_snapshots": ("Tất cả các kỳ", "All snapshots"),
    "no_warnings": ("Không có cảnh báo nào.", "No problems were recorded."),
    "n_warnings": ("{n} cảnh báo.", "{n} problems."),
    "original": ("Tải tệp gốc", "Download the original file"),
    "original_pick": (
        "Chọn một kỳ số liệu ở trên để tải tệp gốc.",
        "Choose a snapshot above to download its original file.",
    ),
    "original_missing": ("Không còn lưu tệp gốc của kỳ này.", "The original file is not stored."),
    "tasks": ("Tra cứu nhiệm vụ", "Find a task"),
    "search": (
        "Tìm theo mã, nội dung nhiệm vụ hoặc tên cơ quan (có thể gõ không dấu)",
        "Search by id, task text or agency name (diacritics optional)",
    ),
    "search_ph": ("ví dụ: bo tai chinh", "e.g. ministry of finance"),
    "n_found": ("Tìm thấy {n}/{total} nhiệm vụ.", "{n} of {total} tasks found."),
    "n_shown": (
        "Đang hiện {n} dòng đầu; tải tệp để xem đủ.",
        "Showing the first {n} rows; download for all of them.",
    ),
    "provenance": (
        "Cột Tệp, Trang tính và Dòng cho biết nhiệm vụ được đọc từ đâu.",
        "The File, Sheet and Row columns tell where each task was read from.",
    ),
}
TASK_COLUMNS = [
    "task_id",
    "source",
    "title",
    "lead",
    "status_label",
    "deadline",
    "completion_date",
    "support",
    "source_doc",
    "assigned_date",
    "leader",
    "agency_comment",
    "progress",
    "origin_file",
    "origin_sheet",
    "origin_row",
]


def s(view: state.View, key: str, **fmt) -> str:
    text = S[key][0 if view.lang == "vi" else 1]
    return text.format(**fmt) if fmt else text


def signed_in_user():
    """The user app.py decided in this run. `ui.auth.user()` returns it without drawing the
    sign-in box a second time; `current_user()` is the fallback when that helper is missing."""
    getter = getattr(auth, "user", None)
    return getter() if callable(getter) else auth.current_user()


def _label(view: state.View, key: str, value) -> str:
    full = f"{key}_{value}"
    return s(view, full) if full in S else str(value)


def snapshot_label(view: state.View, row) -> str:
    return (
        f"#{row.snapshot_id} · {row.source} · {fmt_date(row.as_of, view.lang)} · "
        f"{_label(view, 'status', row.status)}"
    )


def snapshots_table(view: state.View, snaps: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            s(view, "col_id"): snaps["snapshot_id"].astype("int64"),
            s(view, "col_source"): snaps["source"],
            s(view, "col_as_of"): pd.to_datetime(snaps["as_of"]).dt.date,
            s(view, "col_file"): snaps["file_name"],
            s(view, "col_by"): snaps["uploaded_by"],
            s(view, "col_at"): pd.to_datetime(snaps["uploaded_at"]),
            s(view, "col_kind"): snaps["kind"].map(lambda k: _label(view, "kind", k)),
            s(view, "col_tasks"): snaps["n_tasks"].astype("int64"),
            s(view, "col_warnings"): snaps["n_warnings"].astype("int64"),
            s(view, "col_status"): snaps["status"].map(lambda k: _label(view, "status", k)),
            s(view, "col_changed_at"): pd.to_datetime(snaps["status_changed_at"]),
            s(view, "col_changed_by"): snaps["status_changed_by"],
        }
    )


def change_status(db: str, snapshot_id: int, status: str, username: str) -> bool:
    """Retract or restore, record it, and drop every cached figure (the caller reruns)."""
    ok = history.set_status(db, snapshot_id, status, username)
    data.clear()
    return ok


def admin_section(view: state.View, snaps: pd.DataFrame, user) -> None:
    st.subheader(s(view, "admin"))
    st.caption(s(view, "admin_note"))
    rows = {int(r.snapshot_id): r for r in snaps.itertuples()}
    ids = list(rows)
    if st.session_state.get("data_action_snapshot") not in ids:
        st.session_state["data_action_snapshot"] = ids[-1]
    sid = st.selectbox(
        s(view, "pick_snapshot"),
        ids,
        key="data_action_snapshot",
        format_func=lambda i: snapshot_label(view, rows[i]),
    )
    status = rows[sid].status
    c1, c2, _ = st.columns([1, 1, 4])
    retract = c1.button(s(view, "retract"), key="data_retract", disabled=status == "retracted")
    restore = c2.button(s(view, "restore"), key="data_restore", disabled=status == "active")
    wanted = "retracted" if retract else ("active" if restore else None)
    if wanted is None or not user.is_admin:
        return
    ok = change_status(data.db(), sid, wanted, user.username)
    if ok:
        key = "retracted_ok" if wanted == "retracted" else "restored_ok"
        st.session_state[FLASH_KEY] = ("success", s(view, key, id=sid))
    else:
        st.session_state[FLASH_KEY] = ("error", s(view, "not_found", id=sid))
    st.rerun()


def warnings_section(view: state.View, snaps: pd.DataFrame) -> None:
    st.subheader(s(view, "warnings"))
    rows = {int(r.snapshot_id): r for r in snaps.itertuples()}
    options = [0, *rows]
    if st.session_state.get("data_snapshot") not in options:
        st.session_state["data_snapshot"] = 0
    sid = st.selectbox(
        s(view, "pick_snapshot"),
        options,
        key="data_snapshot",
        format_func=lambda i: s(view, "all_snapshots") if i == 0 else snapshot_label(view, rows[i]),
    )
    found = history.warnings(data.db(), sid or None)
    if found.empty:
        st.caption(s(view, "no_warnings"))
    else:
        st.caption(s(view, "n_warnings", n=fmt_int(len(found), view.lang)))
        message = (
            found["message_vi"].fillna(found["message"]) if view.lang == "vi" else found["message"]
        )
        table = pd.DataFrame(
            {
                s(view, "col_id"): found["snapshot_id"].astype("int64"),
                s(view, "col_source"): found["source"],
                s(view, "col_as_of"): pd.to_datetime(found["as_of"]).dt.date,
                s(view, "col_file"): found["file_name"],
                s(view, "col_row"): found["row_no"].astype("Int64"),
                s(view, "col_column"): found["col"],
                s(view, "col_value"): found["value"],
                s(view, "col_code"): found["code"],
                s(view, "col_message"): message,
            }
        )
        charts_time.show_table(table, view.lang, key="data_warnings_table")
        components.downloads(
            view, table, "canh_bao" if view.lang == "vi" else "warnings", key="data_dl_warnings"
        )
    st.markdown(f"**{s(view, 'original')}**")
    if not sid:
        st.caption(s(view, "original_pick"))
        return
    row = rows[sid]
    if not isinstance(row.file_sha256, str) or not row.file_sha256:
        st.caption(s(view, "original_missing"))
        return
    name = history.safe_file_name(row.file_name)
    mime = MIME.get(Path(name).suffix.lower(), "application/octet-stream")
    db = data.db()

    def content() -> bytes:
        found = history.original_file(db, sid)
        return found[0] if found else b""

    st.download_button(
        f"{s(view, 'original')}: {name}",
        data=content,
        file_name=name,
        mime=mime,
        key="data_file_download",
        on_click="ignore",
    )


HELD_BACK_PARAM = "held_back"  # /data?held_back=SNAPSHOT_ID: that snapshot's held-back rows


def _held_back_param() -> int | None:
    value = st.query_params.get(HELD_BACK_PARAM)
    return int(value) if value and value.isdigit() else None


def held_back_section(view: state.View, snaps: pd.DataFrame) -> None:
    """The rows held back from the snapshots in force (and from the one a link names), each
    error with its row, column, value and message; the user's scope applies to the rows."""
    held = data.held_back(view.as_of, view.filters.sources, view.scope)
    rows = {int(r.snapshot_id): r for r in snaps.itertuples()}
    options = [int(i) for i in held["snapshot_id"]]
    wanted = _held_back_param()
    if wanted is not None and wanted in rows and wanted not in options:
        options.append(wanted)
    if not options:
        return
    st.subheader(view.t("held_back_title"))
    if wanted in options and st.session_state.get("_data_held_back_param") != wanted:
        st.session_state["_data_held_back_param"] = wanted  # the link's choice, once
        st.session_state["data_held_back"] = wanted
    if st.session_state.get("data_held_back") not in options:
        st.session_state["data_held_back"] = options[0]
    sid = st.selectbox(
        view.t("held_back_pick"),
        options,
        key="data_held_back",
        format_func=lambda i: snapshot_label(view, rows[i]),
    )
    if st.query_params.get(HELD_BACK_PARAM) != str(sid):
        st.query_params[HELD_BACK_PARAM] = str(sid)  # the address names what is shown
    found = store.list_held_back(data.db(), [sid], view.scope)
    if found.empty:
        st.caption(view.t("held_back_none"))
        return
    n_rows = len(found[["sheet", "row_no"]].drop_duplicates())
    st.caption(
        view.t("held_back_count", n=fmt_int(n_rows, view.lang))
        + " "
        + view.t("held_back_notice_more")
    )
    message = (
        found["message_vi"].fillna(found["message"]) if view.lang == "vi" else found["message"]
    )
    table = pd.DataFrame(
        {
            s(view, "col_file"): found["file_name"],
            view.t("col_sheet"): found["sheet"],
            s(view, "col_row"): found["row_no"].astype("Int64"),
            s(view, "col_column"): found["col"],
            s(view, "col_value"): found["value"],
            s(view, "col_message"): message,
            view.t("col_task_id"): found["task_id"],
            view.t("held_back_kept"): found["kept_previous"].astype(bool),
        }
    )
    charts_time.show_table(table, view.lang, key="data_held_back_table")
    components.downloads(
        view,
        table,
        ("dong_giu_lai_" if view.lang == "vi" else "held_back_") + str(sid),
        key="data_dl_held_back",
    )


@cache.resource(ttl=3600)
def _index(path: str, snap_ids: tuple, as_of: dt.date, filters: Filters, scope: Scope) -> pd.Series:
    return history.search_index(data.tasks(as_of, filters, scope), data.agencies())


@cache.resource(ttl=3600)
def _found(
    path: str,
    snap_ids: tuple,
    as_of: dt.date,
    filters: Filters,
    scope: Scope,
    query: str,
    lang: str,
) -> tuple[int, pd.DataFrame]:
    df = data.tasks(as_of, filters, scope)
    hits = history.search(df, _index(path, snap_ids, as_of, filters, scope), query)
    columns = exports.shown_columns(TASK_COLUMNS, df)  # the attributes the tasks carry
    return len(hits), exports.present_tasks(hits, data.agencies(), lang, columns=columns)


def tasks_section(view: state.View) -> None:
    st.subheader(s(view, "tasks"))
    query = st.text_input(
        s(view, "search"), key="data_search", placeholder=s(view, "search_ph"), max_chars=200
    )
    df = data.tasks(view.as_of, view.filters, view.scope)
    ids = data.snapshot_ids(view.as_of, view.filters.sources)
    n, shown = _found(
        data.db(), ids, view.as_of, view.filters, view.scope, (query or "").strip(), view.lang
    )
    st.caption(
        s(view, "n_found", n=fmt_int(n, view.lang), total=fmt_int(len(df), view.lang))
        + " "
        + s(view, "provenance")
    )
    if n == 0:
        return
    if n > MAX_ROWS_SHOWN:
        st.caption(s(view, "n_shown", n=fmt_int(MAX_ROWS_SHOWN, view.lang)))
    charts_time.show_table(shown.head(MAX_ROWS_SHOWN), view.lang, key="data_tasks_table")
    name = ("nhiem_vu_" if view.lang == "vi" else "tasks_") + view.as_of.isoformat()
    components.downloads(view, shown, name, key="data_dl_tasks")


with components.guard(view.lang):
    components.page_header(view, "page_data")
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])
    snaps = data.snapshots()
    if snaps.empty:
        components.no_data(view)
    else:
        held_back_section(view, snaps)
        st.subheader(s(view, "snapshots"))
        st.caption(s(view, "snapshots_note"))
        table = snapshots_table(view, snaps)
        charts_time.show_table(table, view.lang, key="data_snapshots_table")
        components.downloads(
            view, table, "ky_so_lieu" if view.lang == "vi" else "snapshots", key="data_dl_snapshots"
        )
        user = signed_in_user()
        if user.is_admin:
            admin_section(view, snaps, user)
        if view.scope.agency_ids is None:
            warnings_section(view, snaps)
        tasks_section(view)
