"""The tasks a full-list upload drops: a red, named list, and a box the user ticks to confirm
that exact list (the confirm button stays disabled until then: upload_plan.confirm_blocked).

The tick is kept as the list's fingerprint (upload_plan.removed_fingerprint) in the upload's
state: when the file, the mapping or the plan change the list, the tick no longer counts and
the box is shown unticked.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import upload_plan as plan_rules
from analytics import uploads
from analytics.i18n import fmt_int
from ui.upload.context import Page, UploadState

BOX = "up_confirm_removed"


def _ticked(cur: UploadState, fingerprint: str) -> None:
    """Before the run: the list shown when the box was ticked is the one confirmed."""
    cur.removed_confirmed = fingerprint if st.session_state.get(BOX) else None


def removed_section(
    pg: Page, cur: UploadState, preview: uploads.Preview, agencies: pd.DataFrame
) -> None:
    ids = plan_rules.removed_ids(preview)
    if not ids:
        return
    fingerprint = plan_rules.removed_fingerprint(ids)
    if cur.removed_confirmed != fingerprint:  # another list: ticked for none of it
        cur.removed_confirmed = None
        st.session_state[BOX] = False
    n = fmt_int(len(ids), pg.lg)
    st.error(pg.t("upload.removed_list", n=n))
    frame = preview.changes.removed.sort_values("task_id")
    st.dataframe(
        pg.present(frame, agencies, list(plan_rules.CHANGE_COLUMNS)),
        hide_index=True,
        key="up_removed_list",
    )
    st.checkbox(
        pg.t("upload.removed_confirm", n=n),
        key=BOX,
        on_change=_ticked,
        args=(cur, fingerprint),
    )
