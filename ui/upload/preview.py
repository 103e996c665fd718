"""Step 2: the tasks read, judged by the store's rule (analytics.uploads.judge), kept for one
reading, task list and set of agency answers."""

from __future__ import annotations

import pandas as pd

from analytics import upload_plan as plan
from analytics import uploads
from ui.upload.context import Page, UploadState


def judged(cur: UploadState, prepared, choices: dict) -> pd.DataFrame:
    """The file's tasks judged by the store's SQL, kept for this reading and agency choices."""
    token = plan.judged_token(cur.key, prepared.source, choices)
    found = cur.judged
    if not (isinstance(found, tuple) and found[0] == token):
        found = (token, uploads.judge(prepared, prepared.source, prepared.as_of))
        cur.judged = found
    return found[1]


def tasks_read(pg: Page, box, cur: UploadState, prepared, choices: dict) -> pd.DataFrame:
    """Step 2 in `box` (above step 3 on the page); returns the judged tasks."""
    box.subheader(pg.t("upload.step_preview"))
    agencies = pg.agency_frame(prepared.agencies)
    incoming = judged(cur, prepared, choices)
    box.dataframe(
        pg.present(incoming, agencies, plan.preview_columns(len(prepared.tables) > 1)),
        hide_index=True,
        key="up_tasks_table",
    )
    return incoming
