"""Xác nhận, phê duyệt / Review: the steering office's page (admins and coordinators).

Five tabs: the completions agencies reported, awaiting confirmation (confirm, several at once,
or return with a reason); deadline change requests (approve, or reject with a reason);
cancelling a task (reason and document required) and restoring one; report rounds (open, see
who reported, close) and the number of days after which an agency is marked stale; the new
tasks agencies' files proposed (accept, or decline with a reason: ui/reporting/review_proposals.py).

A thin script: the parts are ui/reporting/review.py's, every action analytics.reporting's (the
permission is checked there again, and audited). Only users with `can_review` see this page
(app.py); the check is repeated here, deny by default.
"""

from __future__ import annotations

import streamlit as st

from ui import auth, components, data, state
from ui.reporting import review, review_proposals

# current_view() first: on a fresh server a deep link runs this file without app.py, and
# current_view() then reruns through app.py (which decides the user and the pages offered).
view = state.current_view()
me = auth.user()
if not review.allowed(me, view.lang):
    st.stop()

rv = review.Review(view=view, me=me, db=data.db())
with components.guard(view.lang):
    st.title(view.t("page.review"))
    tabs = st.tabs(
        [
            view.t("review.tab_claims"),
            view.t("review.tab_requests"),
            view.t("review.tab_cancel"),
            view.t("review.tab_rounds"),
            view.t("review_proposals.tab"),
        ]
    )
    with tabs[0]:
        review.claims_tab(rv)
    with tabs[1]:
        review.requests_tab(rv)
    with tabs[2]:
        review.cancel_tab(rv)
    with tabs[3]:
        review.rounds_tab(rv)
    with tabs[4]:
        review_proposals.proposals_tab(rv)
