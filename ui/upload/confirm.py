"""The confirm button, the commit (one snapshot, atomically), the layout remembered with it,
and the message the next run shows."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import layouts, uploads
from analytics import upload_plan as plan_rules
from analytics.i18n import fmt_date, fmt_int, source_label, t
from analytics.ingest.file_reports import apply_reports
from ui import components, data
from ui.html import esc
from ui.upload import file_date
from ui.upload.context import Page, UploadState

DONE = "up_done"  # what the commit made, said at the top of the next run


def refusal_message(pg: Page, refusal: uploads.Refusal, agencies: pd.DataFrame) -> str:
    if refusal.reason == "not_allowed":
        return pg.t("upload.denied")
    if refusal.reason == "full_by_editor":
        return pg.t("upload.refused_full")
    if refusal.reason == "no_agencies":
        return pg.t("upload.choose_agency")
    key = (
        "upload.refused_outside"
        if refusal.reason == "outside_update"
        else "upload.refused_agencies"
    )
    if key == "upload.refused_outside" and pg.me.role == "agency_editor":
        key = "review_proposals.refused_outside_editor"  # an editor cannot choose that agency
    items = plan_rules.refusal_items(refusal, lambda a: pg.agency_name(agencies, a), pg.lg)
    return pg.t(key, items=esc(items))


def confirm_button(
    pg: Page,
    cur: UploadState,
    prepared,
    plan: uploads.Plan | None,
    data_bytes: bytes,
    preview: uploads.Preview | None,
) -> None:
    """The confirm button ("Xác nhận ghi nhận"), disabled while anything is missing (the task
    list, an agency of an agency update: `plan` not ready, no `preview`) or refused (errors,
    the permission check), or while the tasks a full list drops are not confirmed
    (ui.upload.removed)."""
    blocked = plan_rules.confirm_blocked(
        plan, preview, bool(prepared.errors), cur.removed_confirmed
    )
    clicked = st.button(
        pg.t("upload.confirm"),
        key="up_commit",
        type="primary",
        disabled=blocked,
        help=pg.t("upload.confirm_help"),
        on_click=_follow_date,
        args=(pg.view.latest, plan.as_of if plan is not None else None),
    )
    if clicked and not blocked:
        do_commit(pg, cur, prepared, plan, data_bytes, preview)


def _follow_date(previous_latest, new_as_of) -> None:
    """Before the run: a user looking at the latest date keeps looking at the latest date."""
    followed = plan_rules.followed_date(st.session_state.get("as_of"), previous_latest, new_as_of)
    if followed is not None:
        st.session_state["as_of"] = followed


def do_commit(
    pg: Page,
    cur: UploadState,
    prepared,
    plan: uploads.Plan,
    data_bytes: bytes,
    preview: uploads.Preview,
) -> None:
    try:
        result = uploads.commit(
            pg.db,
            prepared,
            plan,
            data_bytes,
            cur.name,
            pg.me,
            preview,
            accept_valid_rows=prepared.accepted,
        )
    except uploads.StaleState:
        st.warning(pg.t("upload.stale"))
        return
    except uploads.Refused as exc:
        why = refusal_message(pg, exc.refusal, pg.agency_frame(prepared.agencies))
        st.error(pg.t("upload.commit_refused", why=why))
        return
    # the report columns, saved as the in-app table saves them (one path: save_report)
    reports = apply_reports(pg.db, pg.me, prepared, result)
    data.clear()
    detail = plan_rules.commit_audit_detail(
        cur.sha, cur.name, plan, result, plan_rules.removed_ids(preview)
    )
    if result.proposed:  # an agency's new tasks, kept as proposals
        detail = {**detail, "proposed": list(result.proposed)}
    pg.audit("commit", str(result.snapshot_id), detail)
    remember_layout(pg, cur, prepared, plan)
    note = plan_rules.committed_note(plan, result)
    note.update(proposed=list(result.proposed), reports=reports)
    st.session_state[DONE] = note
    st.rerun()


def remember_layout(pg: Page, cur: UploadState, prepared, plan: uploads.Plan) -> None:
    """The reading committed, remembered for the next file of the same layout (one sheet's)."""
    head = getattr(cur.result, "head", None)
    table = prepared.table
    several = len(prepared.tables) > 1  # each sheet read as found: no layout to remember
    header_texts = plan_rules.layout_header_texts(head, table, several)
    if header_texts is None:
        return
    try:
        layouts.remember(
            pg.db,
            sheet=table.sheet,
            header_row=table.header_row,
            header_texts=header_texts,
            mapping=dict(table.mapping),
            headers=table.headers,
            source=plan.source,
            user=pg.me.username,
        )
    except Exception:  # remembering is a convenience; the commit stands
        components.log.exception("could not remember the layout")


def committed_message(pg: Page) -> None:
    """What the last commit made, once, at the top of the page."""
    done = st.session_state.pop(DONE, None)
    if not isinstance(done, dict):
        return
    lg = pg.lg
    if done.get("duplicate"):
        st.info(pg.t("upload.committed_dup", id=done["id"]))
        return
    st.success(
        pg.t(
            "upload.committed",
            id=done["id"],
            n=fmt_int(done["n"], lg),
            source=esc(source_label(done["source"], lg)),
            date=fmt_date(done["date"], lg),
        )
        + (
            " " + t("held_back.committed", lg, m=fmt_int(done["held_back"], lg))
            if done.get("held_back")
            else ""
        )
        + " "
        # which dates' figures changed: a back-dated file changes the past, not the latest view
        + file_date.changed_message(pg, done)
    )
    reported_after_commit(pg, done)


def reported_after_commit(pg: Page, done: dict) -> None:
    """The commit's proposals (an agency's new tasks) and what its report columns made."""
    lg = pg.lg
    proposed = done.get("proposed") or []
    if proposed:
        ids = plan_rules.shortened(proposed, 20)
        st.info(t("proposals.preview_note", lg, n=fmt_int(len(proposed), lg), ids=esc(ids)))
    reports = done.get("reports")
    if reports is None:
        return
    if reports.saved:
        st.info(t("proposals.reports_saved", lg, n=fmt_int(len(reports.saved), lg)))
    if reports.problems:
        rows = {p.row for p in reports.problems}
        st.warning(t("proposals.reports_refused", lg, n=fmt_int(len(rows), lg)))
        frame = uploads.problems_frame(reports.problems, lg)
        st.dataframe(frame, hide_index=True, key="up_report_problems")
