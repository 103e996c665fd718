"""The task list a file belongs to: the known ones, and the question asked when the task list
box says "as the file says"."""

from __future__ import annotations

import streamlit as st

from analytics import upload_plan as plan
from analytics.ingest import KNOWN_SOURCES
from ui import data
from ui.html import esc
from ui.upload.context import Page


def known_sources() -> list[str]:
    """The task lists a file may belong to: the known ones, then those the store holds."""
    return list(KNOWN_SOURCES) + [x for x in data.catalog()["sources"] if x not in KNOWN_SOURCES]


def source_choice(pg: Page, prepared) -> str | None:
    """Which task list the file belongs to, asked when the source box says "as the file says":
    the list the file names is preselected and said; when it names none, nothing is chosen
    (the file is never stored under its own name unasked). "New task list…" takes a name.
    Returns the list chosen, or None."""
    detected = plan.detected_source(prepared)
    options = plan.source_options(known_sources(), detected)
    picked = st.selectbox(
        pg.t("upload.source_pick"),
        options,
        index=options.index(detected) if detected else None,
        key="up_source_pick",
        format_func=lambda x: pg.t("upload.source_new_option") if x == plan.NEW_SOURCE else x,
        placeholder=pg.t("upload.source_pick_none"),
        help=pg.t("upload.source_pick_help"),
    )
    if detected:
        st.caption(pg.t("upload.source_detected", source=esc(detected)))
    else:
        st.warning(pg.t("upload.source_undetected"))
    if picked != plan.NEW_SOURCE:
        return picked
    typed = st.text_input(
        pg.t("upload.source_new"), key="up_source_new", placeholder=pg.t("upload.source_new_hint")
    )
    return plan.named_source(typed, options)
