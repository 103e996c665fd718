"""Step 1: how the file was read (format, sheets, header row, column mapping), the remembered
layout of a known file, and the form that corrects the reading."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import layouts, sandbox, uploads
from analytics import upload_plan as plan
from analytics.i18n import fmt_date, fmt_int
from analytics.model import FIELDS
from ui.html import esc
from ui.upload.choose import show_rejection
from ui.upload.context import Page, UploadState
from ui.upload.sheets import sheets_section


def read_summary(pg: Page, p, shown: str) -> None:
    """One line: the format, the sheet(s), the header row, the tasks, the task list."""
    t = p.table
    if len(p.tables) > 1:
        st.caption(
            pg.t(
                "upload.read_summary_sheets",
                fmt=t.file_format,
                k=fmt_int(len(p.tables), pg.lg),
                n=fmt_int(len(p.tasks), pg.lg),
                source=shown,
            )
        )
    else:
        st.caption(
            pg.t(
                "upload.read_summary",
                fmt=t.file_format,
                sheet=esc(t.sheet or "-"),
                row=t.header_row,
                n=fmt_int(len(p.tasks), pg.lg),
                source=shown,
            )
        )


def reading_section(
    pg: Page, cur: UploadState, result: sandbox.ReadResult, task_list: str | None = None
) -> None:
    """Step 1; `task_list`: the task list the file is stored under (None: not chosen yet)."""
    st.subheader(pg.t("upload.step_reading"))
    p = result.prepared
    shown = esc(task_list) if task_list else pg.t("upload.source_unset")
    head = result.head
    several = p is not None and len(p.tables) > 1
    if p is not None:
        read_summary(pg, p, shown)
        sheets_section(pg, cur, p)
        if several:
            st.info(pg.t("upload.sheets_mapping", k=fmt_int(len(p.tables), pg.lg)))
        for i, table in enumerate(p.tables or [p.table]):
            if several:
                st.markdown(f"**{pg.t('upload.mapping_of', sheet=esc(table.sheet))}**")
            st.dataframe(
                mapping_frame(pg, table),
                hide_index=True,
                key="up_mapping_table" if i == 0 else f"up_mapping_table_{i}",
            )
    else:
        show_rejection(pg, result.errors)
    if head is not None and head.rows and not several:  # a remembered layout is one sheet's
        remembered_layout(pg, cur, p, layouts.match(pg.db, head.sheet, head.rows))
    if head is None:
        return
    with st.expander(pg.t("upload.fix_reading"), expanded=result.layout_problem):
        reading_form(pg, cur, result)
        if head.rows:
            st.caption(pg.t("upload.first_rows"))
            frame = pd.DataFrame(
                head.rows, columns=[uploads.column_label(i, None) for i in range(head.width)]
            )
            frame.index = range(1, len(frame) + 1)
            st.dataframe(frame, key="up_head_table")
        if cur.params and st.button(pg.t("upload.reset"), key="up_reset"):
            cur.params = {}
            st.rerun()


def remembered_layout(pg: Page, cur: UploadState, p, remembered) -> None:
    """A layout confirmed before for these headers: said when in use, else offered."""
    if remembered is None:
        return
    when = fmt_date(remembered.confirmed_at, pg.lg)
    who = esc(remembered.confirmed_by or "-")
    if plan.layout_applied(p, remembered):
        st.caption(pg.t("upload.layout_known", date=when, who=who))
        return
    st.info(pg.t("upload.layout_offer", date=when, who=who, row=remembered.header_row))
    if st.button(pg.t("upload.layout_use"), key="up_layout_use"):
        cur.params = plan.remembered_params(remembered)
        st.rerun()


def mapping_frame(pg: Page, table) -> pd.DataFrame:
    headers = table.headers
    rows = [
        {
            pg.t("upload.col_field"): pg.field_label(f),
            pg.t("upload.col_column"): uploads.column_label(
                c, headers[c] if c < len(headers) else ""
            ),
        }
        for f, c in plan.mapping_order(table.mapping)
    ]
    return pd.DataFrame(rows)


def reading_form(pg: Page, cur: UploadState, result: sandbox.ReadResult) -> None:
    """The sheet, the header row and each field's column; submitted, the file is read again."""
    head = result.head
    p = result.prepared
    params = cur.params
    n_rows = max(len(head.rows), 1)
    header_row = plan.form_header_row(params, result, n_rows)
    effective = dict(p.table.mapping) if p is not None else dict(params.get("mapping") or {})
    labels = plan.column_options(result, header_row)
    sheets = list(head.sheets)
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
            sheet = c1.selectbox(
                pg.t("col.sheet"), sheets, key="up_sheet", placeholder=pg.t("viewer16.pick_one")
            )
        chosen_row = c2.selectbox(
            pg.t("upload.header_row"),
            list(range(1, max(n_rows, header_row) + 1)),
            key="up_header_row",
            placeholder=pg.t("viewer16.pick_one"),
            format_func=lambda r: plan.row_preview(head.rows, r),
        )
        options = [-1, *range(len(labels))]

        def col_label(i: int) -> str:
            return (
                pg.t("upload.auto")
                if i < 0
                else uploads.column_label(i, labels[i] if i < len(labels) else "")
            )

        cols = st.columns(3)
        picked: dict[str, int] = {}
        for i, f in enumerate(plan.FORM_FIELDS):
            if st.session_state.get(f"up_map_{f}") not in options:
                st.session_state[f"up_map_{f}"] = -1
            picked[f] = cols[i % 3].selectbox(
                pg.field_label(f),
                options,
                key=f"up_map_{f}",
                format_func=col_label,
                placeholder=pg.t("viewer16.pick_one"),
            )
        submitted = st.form_submit_button(pg.t("upload.apply"))
    if not submitted:
        return
    new = plan.corrected_params(
        params,
        overrides=plan.mapping_overrides(params.get("mapping") or {}, picked, effective),
        chosen_row=chosen_row,
        header_row=header_row,
        sheet=sheet,
        head_sheet=head.sheet,
        read_header_row=p.table.header_row if p is not None else None,
        n_tables=len(p.tables) if p is not None else 0,
    )
    if new is None:
        return
    cur.params = new
    st.rerun()
