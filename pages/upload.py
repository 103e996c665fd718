"""Cập nhật dữ liệu / Upload: a spreadsheet in, one snapshot out, nothing stored unconfirmed.

1. a file (kept under its SHA-256 first), the source it belongs to, the as-of date;
2. the reading (sheet, header row, column mapping; correctable, remembered per layout) and a
   preview of the resolved tasks; a workbook's task sheets are all read, listed with their
   counts beside the sheets skipped and why, and one can be left out (a correction or a
   remembered layout is one sheet's: that sheet alone is then read);
3. the problems, grouped, with an annotated copy of the user's own workbook;
4. what the upload changes against the source's current state, figures before and after;
5. confirm: one snapshot, committed atomically.

A thin script: each step is a module of ui/upload/ (their state: ui.upload.context), the
decisions are analytics.upload_plan's, the rest analytics.uploads, analytics.layouts and
analytics.templates. The file is read only in a limited child process (analytics.sandbox).
Only users with `can_upload` see this page (app.py); the check is repeated here, deny by default.
"""

from __future__ import annotations

import streamlit as st

from analytics import agency_units, uploads
from analytics import upload_plan as plan
from ui import components, data, state
from ui.upload import (
    changes,
    choose,
    confirm,
    context,
    file_date,
    mapping,
    preview,
    problems,
    read,
)
from ui.upload.source import source_choice
from ui.upload.templates_tab import templates_tab


def allowed(pg: context.Page) -> bool:
    """Deny by default: a user without `can_upload` is told so (audited once per session)."""
    if getattr(pg.me, "can_upload", False) is True:
        return True
    if not st.session_state.get("_up_denied_logged"):
        st.session_state["_up_denied_logged"] = True
        pg.audit(
            "permission_denied",
            "page_upload",
            {"permission": "upload", "role": pg.me.role},
            outcome="denied",
        )
    st.error(pg.t("upload.denied"))
    return False


def upload_tab(pg: context.Page) -> None:
    confirm.committed_message(pg)
    chosen = choose.choose_file(pg)
    if chosen is None:
        return
    file, source, as_of = chosen
    kept = choose.keep(pg, file)
    if kept is None:
        return
    q, data_bytes = kept
    cur = context.current(q, uploads.display_name(file.name))
    choose.known_before(pg, q)
    result = read.do_read(pg, cur, data_bytes, source, as_of)
    if result is None:
        return
    file_date.suggest(pg, cur, result, as_of)  # the file's own date: taken, shown, warned
    task_list = result.prepared.source if result.ok else None
    if result.ok and source is None:  # "as the file says": confirmed, or asked when it is silent
        task_list = source_choice(pg, result.prepared)
    mapping.reading_section(pg, cur, result, task_list)
    if not result.ok:
        return
    prepared = result.prepared
    if source is None:
        prepared = plan.with_task_list(prepared, task_list)
    # names the register learnt since the file was read (an answer below) resolve as they will
    # in the next file
    resolver = agency_units.resolver_for(pg.db)
    known_now = agency_units.remembered(plan.unknown_names(prepared), resolver)
    prepared = uploads.apply_agency_choices(prepared, known_now, resolver)
    remembered_msg = st.session_state.pop("up_remembered", None)
    if remembered_msg:
        st.success(remembered_msg)
    preview_box = st.container()  # step 2 above step 3, filled once agencies are matched
    choices, accept_valid = problems.problems_section(pg, cur, prepared, data_bytes)
    prepared = uploads.apply_agency_choices(prepared, choices, resolver)
    choices = {**known_now, **choices}
    incoming = preview.tasks_read(pg, preview_box, cur, prepared, choices)
    if prepared.errors:
        if not accept_valid:  # step 3 said what to do
            return
        prepared = prepared.accepting_valid_rows()  # the valid rows, the others held back
    if task_list is None:  # no task list yet: nothing to compare with, nothing to store
        st.subheader(pg.t("upload.step_changes"))
        st.info(pg.t("upload.source_needed"))
        confirm.confirm_button(pg, cur, prepared, None, data_bytes, None)
        return
    changes.changes_and_confirm(pg, cur, prepared, data_bytes, incoming)


# current_view() first: on a fresh server a deep link runs this file without app.py, and
# current_view() then reruns through app.py (which decides the user and the pages offered).
view = state.current_view()
page = context.Page(view=view, me=context.current_user(), lg=state.lang(), db=data.db())
if not allowed(page):
    st.stop()

with components.guard(view.lang):
    components.page_header(view, "page.upload")
    tab_up, tab_tpl = st.tabs([page.t("upload.tab_upload"), page.t("upload.tab_templates")])
    with tab_up:
        upload_tab(page)
    with tab_tpl:
        templates_tab(page)
