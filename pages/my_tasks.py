"""Nhiệm vụ của đơn vị / My tasks: an agency reports on the tasks it leads (issue 15).

1. the tasks its agencies (or their units) lead at the as-of date, a steering role choosing the
   agency (all by default): official status, deadline (with an approved change), the latest
   report (a completion awaiting confirmation, a missed commitment);
2. the same table edits many reports at once, each changed row saved from the version it was
   loaded with (someone else's newer report is shown, the values typed kept);
3. one task in detail: every field, several causes, an evidence file, its versions with the
   author's undo, and a request for a new deadline.

A thin script: ui/reporting/my_tasks.py and my_task_detail.py draw it, analytics.reporting
stores it (permissions checked there again). Only users with `can_report` see this page
(app.py); the check is repeated here, deny by default.
"""

from __future__ import annotations

import streamlit as st

from analytics.i18n import fmt_date
from ui import components
from ui.reporting import my_tasks
from ui.reporting.my_task_detail import detail_section


def main(page: my_tasks.Page) -> None:
    components.page_header(page.view, "page.my_tasks")
    st.caption(page.t("my_tasks.intro"))
    agency_ids = my_tasks.agency_choice(page)
    if agency_ids is None:
        return
    frame = my_tasks.tasks(page, agency_ids)
    if frame.empty:
        st.info(page.t("my_tasks.no_tasks", date=fmt_date(page.view.as_of, page.lang)))
        return
    my_tasks.summary(page, frame)
    my_tasks.editor_section(page, frame)
    detail_section(page, frame)


page = my_tasks.current_page()
if not my_tasks.allowed(page):
    st.stop()

with components.guard(page.lang):
    main(page)
