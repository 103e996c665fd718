"""The reading: the file read in the limited child process (analytics.sandbox) with the
choices made so far, once per choice; the first reading of a file goes to the audit log."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics import agency_units, sandbox
from analytics import upload_plan as plan
from ui.upload import context
from ui.upload.context import Page, UploadState


def do_read(
    pg: Page, cur: UploadState, data_bytes: bytes, source: str | None, as_of: dt.date
) -> sandbox.ReadResult | None:
    """The reading of the file with `cur.params` (kept: read again only when they change);
    None when the readers are busy."""
    key = plan.read_key(cur.sha, source, as_of, cur.params)
    if cur.key == key and cur.result is not None:
        return cur.result
    params = cur.params
    try:
        with st.spinner(pg.t("upload.reading")):
            result = sandbox.read_file(
                data_bytes,
                cur.name,
                as_of=as_of,
                source=source,
                sheet=params.get("sheet"),
                sheets=params.get("sheets"),
                skip_sheets=params.get("skip_sheets"),
                header_row=params.get("header_row"),
                mapping=params.get("mapping") or None,
                register=agency_units.read_register(pg.db),
            )
    except sandbox.SandboxBusy:
        st.warning(pg.t("upload.busy"))
        return None
    context.reset_widgets()
    cur.key, cur.result = key, result
    if not cur.audited:
        cur.audited = True
        pg.audit(
            "upload",
            cur.sha,
            plan.read_audit_detail(cur.name, cur.size, result),
            outcome="ok" if result.prepared is not None else "refused",
        )
    return result
