"""The second tab: the blank template, and an agency's current tasks to update and upload
back (audited as an export)."""

from __future__ import annotations

import streamlit as st

from analytics import store, templates, uploads
from analytics import upload_plan as plan
from analytics.model import Filters, Scope
from ui import data
from ui.upload.context import Page


def templates_tab(pg: Page) -> None:
    lg, me = pg.lg, pg.me
    st.subheader(pg.t("upload.tpl_blank"))
    st.caption(pg.t("upload.tpl_blank_help"))
    st.download_button(
        pg.t("upload.tpl_blank_dl"),
        data=lambda: templates.blank_template(lg),
        file_name="mau_cap_nhat_nhiem_vu.xlsx",
        mime=templates.XLSX_MIME,
        key="up_tpl_blank",
        on_click="ignore",
    )
    st.subheader(pg.t("upload.tpl_mine"))
    st.caption(pg.t("upload.tpl_mine_help"))
    cat = data.catalog()
    sources = cat["sources"]
    if not sources:
        st.info(pg.t("upload.tpl_none"))
        return
    agencies = cat["agencies"]
    options = (
        sorted(me.agency_ids) if me.role == "agency_editor" else agencies["agency_id"].tolist()
    )
    if not options:
        return
    c1, c2 = st.columns(2)
    agency_id = c1.selectbox(
        pg.t("col.agency"),
        options,
        key="up_mine_agency",
        placeholder=pg.t("viewer16.pick_one"),
        format_func=lambda a: pg.agency_name(agencies, a),
    )
    source = c2.selectbox(
        pg.t("common.sources"),
        sources,
        key="up_mine_source",
        placeholder=pg.t("viewer16.pick_one"),
    )
    as_of = pg.view.as_of
    name = pg.agency_name(agencies, agency_id)
    user_name, path = me.username, pg.db

    def make() -> bytes:
        frame = store.load_tasks(
            path, as_of, Filters(sources=(source,), agency_ids=(agency_id,)), Scope.everything()
        )
        out = templates.my_tasks_workbook(
            frame, agency_name=name, source=source, as_of=as_of, lang=lg
        )
        uploads.audit(
            path,
            user_name,
            "export",
            "my_tasks",
            {"agency": agency_id, "source": source, "as_of": as_of.isoformat(), "rows": len(frame)},
        )
        return out

    st.download_button(
        pg.t("upload.tpl_mine_dl"),
        data=make,
        file_name=plan.my_tasks_file_name(agency_id, source, as_of),
        mime=templates.XLSX_MIME,
        key="up_tpl_mine",
        on_click="ignore",
    )
