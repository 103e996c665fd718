"""Dữ liệu / Data: the snapshots the figures come from, the problems found when reading them,
every task with its provenance (searchable without diacritics), the original files, and for
administrators retracting and restoring a snapshot.

An agency viewer (a limited scope) sees only the tasks of their agencies (the data layer applies
the scope) and neither the ingest warnings nor the original files, which cover every agency.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import briefing as B
from analytics import exports, history, store
from analytics.i18n import TEXTS, fmt_date, fmt_int, source_label
from analytics.reporting.rules import vn_times
from ui import auth, charts_time, components, data, delivery_status, freshness, state

view = state.current_view()

MAX_ROWS_SHOWN = 2000
FLASH_KEY = "_data_flash"
MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".csv": "text/csv",
}


def signed_in_user():
    """The user app.py decided in this run. `ui.auth.user()` returns it without drawing the
    sign-in box a second time; `current_user()` is the fallback when that helper is missing."""
    getter = getattr(auth, "user", None)
    return getter() if callable(getter) else auth.current_user()


def _label(view: state.View, key: str, value) -> str:
    full = f"data.{key}_{value}"
    return view.t(full) if full in TEXTS else str(value)


def snapshot_label(view: state.View, row) -> str:
    return (
        f"#{row.snapshot_id} · {source_label(row.source, view.lang)} · "
        f"{fmt_date(row.as_of, view.lang)} · "
        f"{_label(view, 'status', row.status)}"
    )


def snapshots_table(view: state.View, snaps: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            view.t("data.col_id"): snaps["snapshot_id"].astype("int64"),
            view.t("col.source"): snaps["source"].map(lambda s: source_label(s, view.lang)),
            view.t("data.col_as_of"): pd.to_datetime(snaps["as_of"]).dt.date,
            view.t("col.file"): snaps["file_name"],
            view.t("data.col_by"): snaps["uploaded_by"],
            view.t("data.col_at"): vn_times(snaps["uploaded_at"]),
            view.t("data.col_kind"): snaps["kind"].map(lambda k: _label(view, "kind", k)),
            view.t("col.tasks"): snaps["n_tasks"].astype("int64"),
            view.t("data.col_warnings"): snaps["n_warnings"].astype("int64"),
            view.t("col.state"): snaps["status"].map(lambda k: _label(view, "status", k)),
            view.t("data.col_changed_at"): vn_times(snaps["status_changed_at"]),
            view.t("data.col_changed_by"): snaps["status_changed_by"],
        }
    )


def change_status(db: str, snapshot_id: int, status: str, username: str) -> bool:
    """Retract or restore, record it, and drop every cached figure (the caller reruns)."""
    ok = history.set_status(db, snapshot_id, status, username)
    data.clear()
    return ok


def admin_section(view: state.View, snaps: pd.DataFrame, user) -> None:
    st.subheader(view.t("data.admin"))
    st.caption(view.t("data.admin_note"))
    rows = {int(r.snapshot_id): r for r in snaps.itertuples()}
    ids = list(rows)
    if st.session_state.get("data_action_snapshot") not in ids:
        st.session_state["data_action_snapshot"] = ids[-1]
    sid = st.selectbox(
        view.t("data.pick_snapshot"),
        ids,
        key="data_action_snapshot",
        placeholder=view.t("viewer16.pick_one"),
        format_func=lambda i: snapshot_label(view, rows[i]),
    )
    status = rows[sid].status
    c1, c2, _ = st.columns([1, 1, 4])
    retract = c1.button(view.t("data.retract"), key="data_retract", disabled=status == "retracted")
    restore = c2.button(view.t("data.restore"), key="data_restore", disabled=status == "active")
    wanted = "retracted" if retract else ("active" if restore else None)
    if wanted is None or not user.allows("retract" if retract else "restore"):
        return
    ok = change_status(data.db(), sid, wanted, user.username)
    if ok:
        key = "data.retracted_ok" if wanted == "retracted" else "data.restored_ok"
        st.session_state[FLASH_KEY] = ("success", view.t(key, id=sid))
    else:
        st.session_state[FLASH_KEY] = ("error", view.t("data.not_found", id=sid))
    st.rerun()


def warnings_section(view: state.View, snaps: pd.DataFrame) -> None:
    st.subheader(view.t("data.warnings"))
    rows = {int(r.snapshot_id): r for r in snaps.itertuples()}
    options = [0, *rows]
    if st.session_state.get("data_snapshot") not in options:
        st.session_state["data_snapshot"] = 0
    sid = st.selectbox(
        view.t("data.pick_snapshot"),
        options,
        key="data_snapshot",
        placeholder=view.t("viewer16.pick_one"),
        format_func=lambda i: (
            view.t("data.all_snapshots") if i == 0 else snapshot_label(view, rows[i])
        ),
    )
    found = history.warnings(data.db(), sid or None)
    if found.empty:
        st.caption(view.t("data.no_warnings"))
    else:
        st.caption(view.t("data.n_warnings", n=fmt_int(len(found), view.lang)))
        message = (
            found["message_vi"].fillna(found["message"]) if view.lang == "vi" else found["message"]
        )
        table = pd.DataFrame(
            {
                view.t("data.col_id"): found["snapshot_id"].astype("int64"),
                view.t("col.source"): found["source"].map(lambda s: source_label(s, view.lang)),
                view.t("data.col_as_of"): pd.to_datetime(found["as_of"]).dt.date,
                view.t("col.file"): found["file_name"],
                view.t("col.row"): found["row_no"].astype("Int64"),
                view.t("col.column"): found["col"],
                view.t("col.value"): found["value"],
                view.t("data.col_code"): found["code"],
                view.t("col.message"): message,
            }
        )
        charts_time.show_table(table, view.lang, key="data_warnings_table")
        components.downloads(
            view, table, "canh_bao" if view.lang == "vi" else "warnings", key="data_dl_warnings"
        )
    st.markdown(f"**{view.t('data.original')}**")
    if not sid:
        st.caption(view.t("data.original_pick"))
        return
    row = rows[sid]
    if not isinstance(row.file_sha256, str) or not row.file_sha256:
        st.caption(view.t("data.original_missing"))
        return
    name = history.safe_file_name(row.file_name)
    mime = MIME.get(Path(name).suffix.lower(), "application/octet-stream")
    db = data.db()

    def content() -> bytes:
        found = history.original_file(db, sid)
        return found[0] if found else b""

    st.download_button(
        f"{view.t('data.original')}: {name}",
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
    st.subheader(view.t("held_back.title"))
    if wanted in options and st.session_state.get("_data_held_back_param") != wanted:
        st.session_state["_data_held_back_param"] = wanted  # the link's choice, once
        st.session_state["data_held_back"] = wanted
    if st.session_state.get("data_held_back") not in options:
        st.session_state["data_held_back"] = options[0]
    sid = st.selectbox(
        view.t("held_back.pick"),
        options,
        key="data_held_back",
        placeholder=view.t("viewer16.pick_one"),
        format_func=lambda i: snapshot_label(view, rows[i]),
    )
    if st.query_params.get(HELD_BACK_PARAM) != str(sid):
        st.query_params[HELD_BACK_PARAM] = str(sid)  # the address names what is shown
    found = store.list_held_back(data.db(), [sid], view.scope)
    if found.empty:
        st.caption(view.t("held_back.none"))
        return
    n_rows = len(found[["sheet", "row_no"]].drop_duplicates())
    st.caption(
        view.t("held_back.count", n=fmt_int(n_rows, view.lang))
        + " "
        + view.t("held_back.notice_more")
    )
    message = (
        found["message_vi"].fillna(found["message"]) if view.lang == "vi" else found["message"]
    )
    table = pd.DataFrame(
        {
            view.t("col.file"): found["file_name"],
            view.t("col.sheet"): found["sheet"],
            view.t("col.row"): found["row_no"].astype("Int64"),
            view.t("col.column"): found["col"],
            view.t("col.value"): found["value"],
            view.t("col.message"): message,
            view.t("col.task_id"): [exports.shown_id(i) for i in found["task_id"]],
            view.t("held_back.kept"): found["kept_previous"].astype(bool),
        }
    )
    charts_time.show_table(table, view.lang, key="data_held_back_table")
    components.downloads(
        view,
        table,
        ("dong_giu_lai_" if view.lang == "vi" else "held_back_") + str(sid),
        key="data_dl_held_back",
    )


def tasks_section(view: state.View) -> None:
    st.subheader(view.t("data.tasks"))
    components.reconciled(view)  # the official figures with what agencies reported beside them
    query = st.text_input(
        view.t("data.search"),
        key="data_search",
        placeholder=view.t("data.search_ph"),
        max_chars=200,
    )
    df = data.tasks(view.as_of, view.filters, view.scope)
    ids = data.snapshot_ids(view.as_of, view.filters.sources)
    n, shown = data.found_tasks(
        data.db(), ids, view.as_of, view.filters, view.scope, (query or "").strip(), view.lang
    )
    st.caption(
        view.t("data.n_found", n=fmt_int(n, view.lang), total=fmt_int(len(df), view.lang))
        + " "
        + view.t("data.provenance")
    )
    if n == 0:
        return
    if n > MAX_ROWS_SHOWN:
        st.caption(view.t("data.n_shown", n=fmt_int(MAX_ROWS_SHOWN, view.lang)))
    shown = B.ordered(shown, data.DATA_TASK_COLUMNS, view.lang)  # the reported ones in place
    on_screen = exports.without_empty_reported(shown.head(MAX_ROWS_SHOWN), view.lang)
    charts_time.show_table(on_screen, view.lang, key="data_tasks_table")
    name = ("nhiem_vu_" if view.lang == "vi" else "tasks_") + view.as_of.isoformat()
    components.downloads(view, shown, name, key="data_dl_tasks")  # every reported column


with components.guard(view.lang):
    components.page_header(view, "page.data")
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])
    snaps = data.snapshots()
    if snaps.empty:
        components.no_data(view)
    else:
        held_back_section(view, snaps)
        st.subheader(view.t("data.snapshots"))
        st.caption(view.t("data.snapshots_note"))
        table = snapshots_table(view, snaps)
        charts_time.show_table(table, view.lang, key="data_snapshots_table")
        components.downloads(
            view, table, "ky_so_lieu" if view.lang == "vi" else "snapshots", key="data_dl_snapshots"
        )
        user = signed_in_user()
        if user.allows("retract"):  # admins and coordinators
            admin_section(view, snaps, user)
        if view.scope.agency_ids is None:
            warnings_section(view, snaps)
        tasks_section(view)
    if view.scope.agency_ids is None:  # the connected sources (their detail covers every agency)
        freshness.sources_panel(view)
    delivery_status.section(view, signed_in_user())  # the last daily e-mails (steering office)
