"""Step 0: the file, the task list box and the as-of date; the bytes kept under their hash
before anything reads them, and what is known of them already."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics import store, uploads
from analytics.i18n import fmt_date
from analytics.problems import InputRejected
from analytics.reporting.rules import vn_time
from ui.html import esc
from ui.upload import context, file_date
from ui.upload.context import Page
from ui.upload.source import known_sources

AUTO = "__auto__"


def choose_file(pg: Page) -> tuple | None:
    """The file uploaded, the task list chosen up front (None: as the file says) and the date;
    None while no file is chosen."""
    file = st.file_uploader(
        pg.t("upload.file"),
        type=list(uploads.ACCEPTED_TYPES),
        key="up_file",
        help=pg.t("upload.file_help"),
        max_upload_size=uploads.MAX_UPLOAD_BYTES // 2**20,
    )
    c1, c2 = st.columns(2)
    source = c1.selectbox(
        pg.t("upload.source"),
        [AUTO, *known_sources()],
        key="up_source",
        placeholder=pg.t("viewer16.pick_one"),
        format_func=lambda x: pg.t("upload.source_auto") if x == AUTO else x,
    )
    file_date.before_widget()  # today at first, the file's own date once it is read
    as_of = c2.date_input(
        pg.t("common.as_of"),
        key="up_as_of",
        format="DD/MM/YYYY",
        min_value=dt.date(2020, 1, 1),
        max_value=dt.date.today() + dt.timedelta(days=366),
    )
    if file is None:
        context.forget()
        st.info(pg.t("upload.choose"))
        return None
    if not isinstance(as_of, dt.date):
        as_of = dt.date.today()
    return file, (None if source == AUTO else source), as_of


def keep(pg: Page, file) -> tuple[uploads.Quarantined, bytes] | None:
    """The bytes, kept under their hash before anything else reads them (once per session)."""
    data_bytes = file.getvalue()
    name = uploads.display_name(file.name)
    cur = context.stored()
    same = (
        cur is not None
        and cur.q is not None
        and len(data_bytes) == cur.size
        and store.sha256(data_bytes) == cur.sha
    )
    if same:
        return cur.q, data_bytes
    try:
        q = uploads.quarantine(data_bytes, name, pg.me.username)
    except InputRejected as exc:
        key = f"refused:{len(data_bytes)}:{name}"
        if st.session_state.get("_up_audited") != key:
            st.session_state["_up_audited"] = key
            pg.audit(
                "upload",
                None,
                {"name": name, "bytes": len(data_bytes), "codes": [p.code for p in exc.errors]},
                outcome="refused",
            )
        show_rejection(pg, exc.errors)
        return None
    return q, data_bytes


def show_rejection(pg: Page, errors) -> None:
    st.error(pg.t("upload.refused", n=len(errors)))
    for p in errors[:5]:
        st.markdown("- " + esc(p.text(pg.lg)))
    if len(errors) > 5:
        st.dataframe(uploads.problems_frame(errors, pg.lg), hide_index=True, key="up_reject_table")


def known_before(pg: Page, q: uploads.Quarantined) -> None:
    """When these bytes were uploaded first, and the snapshots that hold them."""
    if q.seen_before and q.first_name:
        st.caption(
            pg.t("upload.seen_before", name=esc(q.first_name), at=esc(vn_time(q.first_at or "")))
        )
    known = uploads.snapshots_of_file(pg.db, q.sha256)
    if len(known):
        items = ", ".join(
            f"#{r.snapshot_id} {esc(r.source)} {fmt_date(r.as_of, pg.lg)}"
            for r in known.itertuples()
        )
        st.caption(pg.t("upload.in_snapshots", items=items))
