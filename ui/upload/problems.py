"""Step 3: the errors and warnings, grouped; a question per agency name not in the register
(answered, remembered at once); the choice to store the valid rows of a file with row errors;
the user's own workbook with the problems marked."""

from __future__ import annotations

import streamlit as st

from analytics import agency_units, sandbox, templates, uploads
from analytics import upload_plan as plan
from analytics.i18n import fmt_int, t
from analytics.problems import InputRejected
from ui import data
from ui.html import esc
from ui.upload.context import Page, UploadState


def unknown_agency_choices(pg: Page, prepared) -> dict[str, str]:
    """One question per unknown name; an answer is remembered in the register at once (it is
    applied to this file from the next run on, as to every later file)."""
    lg = pg.lg
    resolver = agency_units.resolver_for(pg.db)
    questions = plan.unknown_name_questions(prepared.warnings)
    if questions:
        st.caption(pg.t("upload.fix_note"))
    file_agencies = [a.id for a in prepared.agencies if a.type != "other"]
    for i, (name, sugg) in enumerate(questions):
        options = agency_units.answer_options(name, sugg, resolver, pg.me, file_agencies)
        if not options:
            continue
        parent = resolver.unit_parent(name)
        suggested = agency_units.UNIT + parent.id if parent is not None else None
        picked = st.selectbox(
            pg.t("upload.fix_agency", name=name),
            ["", *options],
            key=f"up_fix_{i}",
            placeholder=pg.t("viewer16.pick_one"),
            format_func=lambda a, sg=suggested: (
                pg.t("upload.keep_as_written")
                if not a
                else agency_units.answer_label(a, resolver, lg, sg)
            ),
        )
        if not picked:
            continue
        try:
            agency = agency_units.remember_answer(pg.db, pg.me, name, picked)
        except agency_units.RegisterError as exc:
            st.error(pg.t("upload.fix_refused", name=esc(name), why=esc(exc.text(lg))))
            continue
        shown = agency_units.label(agency, agency_units.resolver_for(pg.db), lg)
        st.session_state["up_remembered"] = pg.t(
            "upload.fix_remembered", name=esc(name), agency=esc(shown)
        )
        for k in [k for k in st.session_state if isinstance(k, str) and k.startswith("up_fix_")]:
            del st.session_state[k]  # the questions left are asked afresh
        data.clear()
        st.rerun()
    return {}


def errors_block(pg: Page, prepared) -> bool:
    """The errors, said once, above the warnings. A file whose errors are all row errors may
    have its valid rows committed and the rows with errors held back: True when the user chose
    so (the message then says which rows are held back)."""
    lg = pg.lg
    errors = prepared.errors
    offer = bool(prepared.held_back) and not prepared.accepting_valid_rows().errors
    said = st.empty()
    st.dataframe(uploads.problems_frame(errors, lg), hide_index=True, key="up_errors_table")
    if not offer:
        said.error(pg.t("upload.errors", n=fmt_int(len(errors), lg)))
        return False
    n, m = fmt_int(len(prepared.tasks), lg), fmt_int(len(prepared.held_back), lg)
    chosen = st.checkbox(
        t("held_back.accept", lg, n=n, m=m),
        key="up_accept_valid",
        help=t("held_back.accept_help", lg),
    )
    if not chosen:
        said.error(t("held_back.upload", lg, m=m))
        return False
    rows = plan.held_back_rows(prepared, lg, uploads.TaskRef)
    said.info(t("held_back.chosen", lg, n=n, m=m, rows=esc(rows)))
    return True


def warnings_block(pg: Page, prepared) -> dict[str, str]:
    """The warnings by group; returns the agencies the user matched to unknown names."""
    lg = pg.lg
    warns = prepared.warnings
    choices: dict[str, str] = {}
    st.warning(pg.t("upload.warnings", n=fmt_int(len(warns), lg)))
    for group, items in uploads.group_warnings(warns).items():
        if group == "unknown_agency":  # the names asked about, and the rows that hold them
            label = pg.t(
                "upload.g_unknown_agency_n",
                k=fmt_int(len({w.value for w in items}), lg),
                n=fmt_int(len(items), lg),
            )
        else:
            label = f"{pg.t(f'upload.g_{group}')} ({fmt_int(len(items), lg)})"
        with st.expander(label, expanded=group == "unknown_agency"):
            st.dataframe(uploads.problems_frame(items, lg), hide_index=True, key=f"up_warn_{group}")
            if group == "unknown_agency":
                choices = unknown_agency_choices(pg, prepared)
    return choices


def annotated_copy(pg: Page, cur: UploadState, prepared, data_bytes: bytes) -> None:
    """The user's workbook with the problems marked: made on request, then offered."""
    ann = st.session_state.get("up_annotated")
    if isinstance(ann, dict) and ann.get("key") == cur.key:
        if ann.get("bytes"):
            st.download_button(
                pg.t("upload.annotate_dl"),
                data=ann["bytes"],
                file_name=templates.annotated_name(cur.name),
                mime=templates.XLSX_MIME,
                key="up_annotated_dl",
                on_click="ignore",
            )
        else:
            st.warning(pg.t("upload.annotate_fail"))
    elif st.button(pg.t("upload.annotate"), key="up_annotate"):
        problems = [*prepared.errors, *prepared.warnings]
        try:
            with st.spinner(pg.t("upload.reading")):
                out = sandbox.annotate_file(
                    data_bytes, cur.name, uploads.table_info(prepared), problems, pg.lg
                )
        except (InputRejected, sandbox.SandboxBusy):
            out = b""
        st.session_state["up_annotated"] = {"key": cur.key, "bytes": out}
        st.rerun()


def problems_section(
    pg: Page, cur: UploadState, prepared, data_bytes: bytes
) -> tuple[dict[str, str], bool]:
    """Step 3; returns (the agencies the user matched to unknown names, whether the valid rows
    are to be committed with the rows with errors held back)."""
    st.subheader(pg.t("upload.step_problems"))
    choices: dict[str, str] = {}
    accept = False
    if not prepared.errors and not prepared.warnings:
        st.success(pg.t("upload.no_problems"))
        return choices, accept
    if prepared.errors:
        accept = errors_block(pg, prepared)
    if prepared.warnings:
        choices = warnings_block(pg, prepared)
    annotated_copy(pg, cur, prepared, data_bytes)
    return choices, accept
