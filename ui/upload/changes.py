"""Step 4: how the upload applies (the whole source, or some agencies' tasks), what it changes
against the source's current state, the figures before and after, the refusals; then the
confirm button."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import store, uploads
from analytics import upload_plan as plan_rules
from analytics.i18n import fmt_date, fmt_int, fmt_pct, t
from analytics.model import Filters, Scope
from ui.html import esc
from ui.upload.confirm import confirm_button, refusal_message
from ui.upload.context import Page, UploadState
from ui.upload.removed import removed_section

FIGURES = ("total", "completed", "overdue", "in_progress", "no_deadline")
CHANGE_KEYS = {  # a kind of change → its words
    "new": "change.new",
    "removed": "upload.c_removed",
    "newly_completed": "change.newly_completed",
    "newly_overdue": "change.newly_overdue",
    "status_changed": "upload.c_status_changed",
    "deadline_moved": "change.deadline_moved",
}


def plan_widgets(pg: Page, prepared, before: pd.DataFrame, agencies: pd.DataFrame) -> uploads.Plan:
    me = pg.me
    suggested = uploads.default_update_agencies(me, prepared.tasks, before)
    as_of = prepared.as_of
    if me.role == "agency_editor":
        options = sorted(set(me.agency_ids))
        st.session_state.setdefault("up_agencies", [a for a in suggested if a in options])
        chosen = st.multiselect(
            pg.t("upload.agencies"),
            options,
            key="up_agencies",
            placeholder=pg.t("viewer16.pick_some"),
            format_func=lambda a: pg.agency_name(agencies, a),
        )
        agency_ids = store.with_units_of(pg.db, sorted(chosen))
        return uploads.Plan(prepared.source, as_of, agency_ids, mode="agency")
    st.session_state.setdefault("up_mode", "agency" if suggested else "full")
    mode = st.radio(
        pg.t("upload.mode"),
        ["full", "agency"],
        key="up_mode",
        horizontal=True,
        format_func=lambda m: pg.t("upload.mode_full" if m == "full" else "upload.mode_agency"),
    )
    if mode == "full":
        return uploads.Plan(prepared.source, as_of, (), mode="full")
    _common, union = uploads.common_and_all_leads(prepared.tasks)
    options = plan_rules.update_agency_options(union, suggested)
    st.session_state.setdefault("up_agencies", list(suggested))
    st.session_state["up_agencies"] = [a for a in st.session_state["up_agencies"] if a in options]
    chosen = st.multiselect(
        pg.t("upload.agencies"),
        options,
        key="up_agencies",
        placeholder=pg.t("viewer16.pick_some"),
        format_func=lambda a: pg.agency_name(agencies, a),
    )
    agency_ids = store.with_units_of(pg.db, sorted(chosen))
    return uploads.Plan(prepared.source, as_of, agency_ids, mode="agency")


def figures(pg: Page, title: str, before: dict, after: dict) -> None:
    lg = pg.lg
    st.markdown(f"**{title}**")
    cols = st.columns(len(FIGURES) + 1)
    for col, k in zip(cols, FIGURES, strict=False):
        b, a = int(before.get(k, 0)), int(after.get(k, 0))
        col.metric(
            t(f"status.{k}", lg),
            fmt_int(a, lg),
            delta=fmt_int(a - b, lg) if a != b else None,
            delta_color="off"
            if k in ("total", "in_progress", "no_deadline")
            else ("inverse" if k == "overdue" else "normal"),
        )
    rb, ra = before.get("due_completion_rate"), after.get("due_completion_rate")
    cols[-1].metric(
        pg.t("col.rate"),
        fmt_pct(ra, lg),
        delta=None if rb == ra else f"{pg.t('upload.before')}: {fmt_pct(rb, lg)}",
        delta_color="off",
        delta_arrow="off",
    )
    cb, ca = int(before.get("cancelled", 0)), int(after.get("cancelled", 0))
    if cb or ca:  # counted apart, in none of the figures above
        st.caption(
            f"{t('status.cancelled_apart', lg)}: {fmt_int(ca, lg)} ({pg.t('upload.before')}: {fmt_int(cb, lg)})"
        )


def changes_section(pg: Page, preview: uploads.Preview, agencies: pd.DataFrame) -> None:
    lg = pg.lg
    ch = preview.changes
    counts = ch.counts()
    if not any(counts.values()):
        st.info(pg.t("upload.no_changes"))
        return
    for col, k in zip(st.columns(len(CHANGE_KEYS)), CHANGE_KEYS, strict=True):
        col.metric(pg.t(CHANGE_KEYS[k]), fmt_int(counts[k], lg))
    for k in CHANGE_KEYS:
        frame = getattr(ch, k)
        if frame.empty:
            continue
        with st.expander(f"{pg.t(CHANGE_KEYS[k])} ({fmt_int(len(frame), lg)})"):
            shown = pg.present(frame, agencies, list(plan_rules.CHANGE_COLUMNS))
            if k == "status_changed":
                shown.insert(
                    3,
                    pg.t("upload.before"),
                    frame["status_before"].map(lambda x: t(f"status.{x}", lg)).to_numpy(),
                )
            if k == "deadline_moved":
                shown.insert(
                    3,
                    pg.t("upload.before"),
                    pd.to_datetime(frame["deadline_before"]).dt.date.to_numpy(),
                )
            st.dataframe(shown, hide_index=True, key=f"up_changes_{k}")


def scope_notes(
    pg: Page, plan: uploads.Plan, preview: uploads.Preview, agencies: pd.DataFrame
) -> None:
    """What the upload replaces, what stays, and what may be a mistake (tasks of another
    source, later snapshots)."""
    lg = pg.lg
    if preview.before.empty:
        st.caption(pg.t("upload.new_source", source=esc(plan.source)))
    elsewhere = (
        " " + pg.t("upload.kept_elsewhere", n=fmt_int(preview.kept_elsewhere, lg))
        if preview.kept_elsewhere
        else ""
    )
    if plan.is_agency_update:
        names = ", ".join(pg.agency_name(agencies, a) for a in plan.update_agencies)
        st.info(
            pg.t(
                "upload.agency_update",
                names=esc(names),
                source=esc(plan.source),
                kept=fmt_int(preview.kept - preview.kept_own, lg),
            )
            + elsewhere
        )
        if preview.kept_own:  # an agency's file never removes a task, its own included
            st.info(
                pg.t(
                    "upload.agency_unmentioned",
                    n=fmt_int(preview.kept_own, lg),
                    names=esc(names),
                )
            )
        proposed = store.proposed_ids(preview.before, preview.incoming, plan)
        if proposed:  # an agency's new tasks: proposals the steering office accepts or declines
            ids = plan_rules.shortened(proposed, 20)
            st.info(t("proposals.preview_note", lg, n=fmt_int(len(proposed), lg), ids=esc(ids)))
    else:
        st.caption(
            pg.t("upload.full_update", source=esc(plan.source), date=fmt_date(plan.as_of, lg))
            + elsewhere
        )
    for other, k in sorted(preview.ids_elsewhere.items(), key=lambda kv: -kv[1]):
        st.warning(
            pg.t(
                "upload.ids_elsewhere",
                k=fmt_int(k, lg),
                n=fmt_int(len(preview.incoming), lg),
                other=esc(other),
                source=esc(plan.source),
            )
        )
    if preview.later:
        st.warning(pg.t("upload.later", dates=", ".join(fmt_date(d, lg) for d in preview.later)))


def refusal_notes(
    pg: Page, cur: UploadState, plan: uploads.Plan, preview: uploads.Preview, agencies
) -> None:
    """Held-back rows kept from before, a duplicate, a refusal (audited once per plan)."""
    lg = pg.lg
    if preview.kept_held_back:
        ids = plan_rules.shortened(list(preview.kept_held_back), 20)
        st.info(
            t(
                "held_back.kept_preview",
                lg,
                k=fmt_int(len(preview.kept_held_back), lg),
                ids=esc(ids),
            )
        )
    if preview.duplicate_of is not None:
        st.info(pg.t("upload.duplicate", id=preview.duplicate_of))
    if preview.refusal is None:
        return
    st.error(refusal_message(pg, preview.refusal, agencies))
    denied_key = f"{cur.key}|{plan}"
    if st.session_state.get("_up_denied_for") != denied_key:
        st.session_state["_up_denied_for"] = denied_key
        pg.audit(
            "permission_denied",
            cur.sha,
            plan_rules.denied_audit_detail(cur.name, preview.refusal),
            outcome="denied",
        )


def changes_and_confirm(
    pg: Page, cur: UploadState, prepared, data_bytes: bytes, incoming: pd.DataFrame
) -> None:
    st.subheader(pg.t("upload.step_changes"))
    agencies = pg.agency_frame(prepared.agencies)
    before_src = store.load_tasks(
        pg.db, prepared.as_of, Filters(sources=(prepared.source,)), Scope.everything()
    )
    plan = plan_widgets(pg, prepared, before_src, agencies)
    if not plan.ready:  # agency mode, no agency chosen: nothing to compare or store yet
        st.warning(pg.t("upload.choose_agency"))
        confirm_button(pg, cur, prepared, plan, data_bytes, None)
        return
    preview = uploads.build_preview(pg.db, prepared, plan, pg.me, cur.sha, incoming=incoming)
    scope_notes(pg, plan, preview, agencies)
    figures(
        pg,
        pg.t("upload.figures_source", source=esc(plan.source)),
        preview.headline_before,
        preview.headline_after,
    )
    figures(pg, pg.t("upload.figures_all"), preview.overall_before, preview.overall_after)
    changes_section(pg, preview, agencies)
    refusal_notes(pg, cur, plan, preview, agencies)
    removed_section(pg, cur, preview, agencies)
    confirm_button(pg, cur, prepared, plan, data_bytes, preview)
