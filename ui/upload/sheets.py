"""A workbook's sheets: each task sheet read with its count, every other sheet with why it was
not read; a task sheet can be left out (or a hidden one added), and the file is read again with
the sheets chosen."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import upload_plan as plan
from ui.upload.context import SHEETS_KEY, Page, UploadState


def sheets_frame(pg: Page, p, counts: dict) -> pd.DataFrame:
    """One row per sheet of the workbook: its tasks, or why it was not read."""
    header_rows = {x.sheet: x.header_row for x in p.tables or [p.table]}
    skipped = {x.name: x for x in p.skipped_sheets}
    rows = []
    for name in p.table.sheets:
        if name in counts:
            n, note = counts[name], pg.t("upload.sheet_read", row=header_rows.get(name, "-"))
        else:
            why = skipped[name].text(pg.lg) if name in skipped else "-"
            n, note = None, pg.t("upload.sheet_skipped", why=why)
        rows.append({pg.t("col.sheet_short"): name, pg.t("col.tasks"): n, pg.t("col.notes"): note})
    frame = pd.DataFrame(rows)
    frame[pg.t("col.tasks")] = frame[pg.t("col.tasks")].astype("Int64")
    return frame


def sheets_section(pg: Page, cur: UploadState, p) -> None:
    """The sheets of a workbook of two or more, and the choice of the task sheets read."""
    names = list(p.table.sheets)
    if len(names) < 2:
        return
    counts = dict(p.sheet_counts())
    st.markdown(f"**{pg.t('upload.sheets_found')}**")
    st.dataframe(sheets_frame(pg, p, counts), hide_index=True, key="up_sheets_table")
    if plan.is_automatic(cur.params):
        cur.auto_sheets = list(counts)  # what is read when nothing is chosen
    auto = cur.auto_sheets or list(counts)
    hidden = [x.name for x in p.skipped_sheets if x.code == "hidden"]
    options = plan.sheet_options(names, counts, auto, cur.task_sheets or (), hidden)
    cur.task_sheets = options
    if len(options) < 2:
        return
    st.session_state.setdefault(SHEETS_KEY, [n for n in options if n in counts])
    picked = st.multiselect(
        pg.t("upload.sheets_pick"),
        options,
        key=SHEETS_KEY,
        help=pg.t("upload.sheets_pick_help"),
        placeholder=pg.t("viewer16.pick_some"),
    )
    if set(picked) == set(counts):
        return
    if not picked:
        st.warning(pg.t("upload.sheets_none"))
        return
    cur.params = plan.params_for_sheets(picked, auto, options)
    st.rerun()
