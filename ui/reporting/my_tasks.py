"""Nhiệm vụ của đơn vị / My tasks (pages/my_tasks.py): who may report, which tasks, the table
of them that is also the editor of many reports at once, and what saving them did.

The tasks are those the user's agencies (or their units) lead, in force at the page's as-of date
(a steering role picks an agency, all by default), from ui/data.py's cache: keyed on the
snapshots in force and on the reporting tables' stamp, so a report saved here, by another
session or by the command line is shown at the next run. Each changed row is saved from the
report version it was loaded with (`ui.reporting.saving`): someone else's newer report is shown
beside the editor's values, which stay in the table until saved or discarded.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from analytics import metrics
from analytics.access import STEERING_ROLES, User
from analytics.i18n import t
from analytics.model import Filters
from analytics.reporting import CAUSES, CONFIDENCE, REPORT_STATUSES
from analytics.reporting.rules import vn_today
from analytics.reporting.words import confidence_label, reconciled_sentence, status_label
from ui import auth, data, state
from ui.html import esc
from ui.reporting import rows as R
from ui.reporting.saving import RowEdit, save_rows

EDITOR_KEY = "mt_editor"
AGENCY_KEY = "mt_agency"
RESULTS_KEY = "mt_results"  # what the last save did (shown until the next save)
KEPT_KEY = "mt_kept"  # {task_key: {column: value}}: the editor's values not saved yet
BASE_KEY = "mt_base"  # {task_key: (version, ReportFields)}: each row as it was loaded
DENIED_KEY = "_mt_denied_logged"


@dataclasses.dataclass(frozen=True)
class Page:
    """The run's view, user and database."""

    view: state.View
    me: User
    db: str

    @property
    def lang(self) -> str:
        return self.view.lang

    def t(self, key: str, **fmt) -> str:
        return t(key, self.view.lang, **fmt)

    @property
    def date_format(self) -> str:
        return "DD/MM/YYYY"  # both languages


def current_page() -> Page:
    """current_view() first: a deep link on a fresh server reruns through app.py."""
    view = state.current_view()
    return Page(view=view, me=auth.user(), db=data.db())


def allowed(pg: Page) -> bool:
    """Deny by default: a user without `can_report` is told so (audited once per session)."""
    if getattr(pg.me, "can_report", False) is True:
        return True
    if not st.session_state.get(DENIED_KEY):
        st.session_state[DENIED_KEY] = True
        auth.audit(
            "permission_denied",
            "page_my_tasks",
            {"permission": "report", "role": pg.me.role},
            outcome="denied",
            who=pg.me,
        )
    st.error(pg.t("my_tasks.denied"))
    return False


# --------------------------------------------------------------------------- the tasks


def tasks(pg: Page, agency_ids: tuple[str, ...]) -> pd.DataFrame:
    """The tasks `agency_ids` (or their units) lead at the as-of date (every task for none),
    read-only, from ui/data.py's cache (keyed on the snapshots and the reporting tables'
    stamp, so every save, here or by another process, is seen at the next run)."""
    filters = Filters(sources=pg.view.filters.sources, agency_ids=tuple(agency_ids))
    return data.tasks(pg.view.as_of, filters, pg.view.scope)


def agency_choice(pg: Page) -> tuple[str, ...] | None:
    """The agencies whose tasks are shown: an editor's own (one of them when it has several),
    for a steering role the one picked (none: every task). None: the editor has no agency."""
    me = pg.me
    steering = me.role in STEERING_ROLES
    if steering:
        options = ["", *data.agencies()["agency_id"].tolist()]
    elif not me.agency_ids:
        st.warning(pg.t("my_tasks.no_agencies"))
        return None
    elif len(me.agency_ids) == 1:
        return tuple(me.agency_ids)
    else:
        options = ["", *me.agency_ids]
    agencies = data.agencies()
    if st.session_state.get(AGENCY_KEY) not in options:
        st.session_state[AGENCY_KEY] = ""
    picked = st.selectbox(
        pg.t("col.lead"),
        options,
        key=AGENCY_KEY,
        placeholder=pg.t("viewer16.pick_one"),
        format_func=lambda a: (
            state.agency_label(agencies, a, pg.lang) if a else pg.t("common.all_agencies")
        ),
    )
    if picked:
        return (picked,)
    return () if steering else tuple(me.agency_ids)


def summary(pg: Page, frame: pd.DataFrame) -> None:
    """'27 nhiệm vụ, 9 quá hạn; trong đó 3 đã báo cáo hoàn thành, chờ xác nhận …'."""
    head = metrics.headline(frame, pg.view.as_of)
    st.markdown(esc(reconciled_sentence(head, metrics.reconciled(frame), pg.lang)))


# --------------------------------------------------------------------------- the editor


# The id and title pinned, the official status beside them, then what the editor fills in, then
# the rest of what is known: at 1,400 px every column one edits is in view without scrolling.
EDITOR_ORDER = (
    "task_id",
    "title",
    "official",
    "status_reported",
    "completed_on",
    "evidence_text",
    "commitment_date",
    "confidence",
    "cause_codes",
    "progress_note",
    "proposals",
    "report",
    "deadline_shown",
)


def _editor_config(pg: Page) -> dict:
    lg = pg.lang
    colour = {"objective": "blue", "subjective": "orange"}
    text = st.column_config.TextColumn
    return {
        "task_id": text(pg.t("col.task_id"), pinned=True),
        "title": text(pg.t("col.title"), width="medium", pinned=True),
        "deadline_shown": text(pg.t("col.deadline"), width="medium"),
        "official": text(pg.t("my_tasks.col_official")),
        "report": text(pg.t("my_tasks.col_report"), width="medium"),
        "status_reported": st.column_config.SelectboxColumn(
            R.field_label("status_reported", lg),
            options=list(REPORT_STATUSES),
            format_func=lambda c: status_label(c, lg),
        ),
        "completed_on": st.column_config.DateColumn(
            R.field_label("completed_on", lg), format=pg.date_format, max_value=vn_today()
        ),
        "evidence_text": text(R.field_label("evidence_text", lg), max_chars=300),
        "progress_note": text(R.field_label("progress_note", lg), max_chars=2000),
        "cause_codes": st.column_config.MultiselectColumn(
            R.field_label("cause_codes", lg),
            options=list(R.CAUSE_ORDER),
            format_func=lambda c: R.cause_label(c, lg),
            color=[colour[CAUSES[c]] for c in R.CAUSE_ORDER],
        ),
        "commitment_date": st.column_config.DateColumn(
            R.field_label("commitment_date", lg), format=pg.date_format
        ),
        "proposals": text(R.field_label("proposals", lg), max_chars=2000),
        "confidence": st.column_config.SelectboxColumn(
            R.field_label("confidence", lg),
            options=list(CONFIDENCE),
            format_func=lambda c: confidence_label(c, lg),
        ),
    }


def _bases(frame: pd.DataFrame, kept: dict) -> dict:
    """Each row's report as it was loaded: kept while the row is being edited (or holds values
    not saved), so a report someone else saves meanwhile is a conflict, never overwritten."""
    old = st.session_state.get(BASE_KEY) or {}
    edited = (st.session_state.get(EDITOR_KEY) or {}).get("edited_rows") or {}
    editing = set()
    for k in edited:
        try:
            editing.add(int(k))
        except (TypeError, ValueError):
            continue
    out = {}
    for i, row in enumerate(frame.to_dict("records")):
        key = R.task_key(row["source"], row["task_id"])
        if key in old and (i in editing or key in kept):
            out[key] = old[key]
        else:
            out[key] = (R.as_version(row.get("report_version")), R.loaded_fields(row))
    st.session_state[BASE_KEY] = out
    return out


def row_edits(frame: pd.DataFrame, edited: pd.DataFrame, bases: dict) -> list[RowEdit]:
    """The editor's rows as RowEdits (changed or not), in the table's order."""
    out = []
    for i, (task, row) in enumerate(
        zip(frame.to_dict("records"), edited.to_dict("records"), strict=True)
    ):
        key = R.task_key(task["source"], task["task_id"])
        version, loaded = bases.get(key) or (
            R.as_version(task.get("report_version")),
            R.loaded_fields(task),
        )
        out.append(
            RowEdit(
                row=i + 1,
                source=task["source"],
                task_id=task["task_id"],
                version=version,
                loaded=loaded,
                edited=R.edited_fields(row, loaded),
            )
        )
    return out


def editor_section(pg: Page, frame: pd.DataFrame) -> None:
    """Every task in one table; its report columns edited in place and saved together."""
    st.subheader(pg.t("my_tasks.editor_title"))
    st.caption(pg.t("my_tasks.editor_help"))
    kept = st.session_state.get(KEPT_KEY) or {}
    bases = _bases(frame, kept)
    edited = st.data_editor(
        R.editor_frame(frame, pg.lang, kept),
        key=EDITOR_KEY,
        hide_index=True,
        num_rows="fixed",
        disabled=list(R.INFO_COLUMNS),
        column_config=_editor_config(pg),
        column_order=EDITOR_ORDER,
        width="stretch",
    )
    left, right = st.columns([1, 3])
    save = left.button(pg.t("my_tasks.save"), key="mt_save", type="primary")
    if kept and right.button(pg.t("my_tasks.discard"), key="mt_discard"):
        for k in (KEPT_KEY, EDITOR_KEY, BASE_KEY, RESULTS_KEY):
            st.session_state.pop(k, None)
        st.rerun()
    if save:
        edits = [e for e in row_edits(frame, edited, bases) if e.changed]
        if not edits:
            st.info(pg.t("my_tasks.nothing_changed"))
        else:
            after_save(save_rows(pg.db, pg.me, edits))
    show_results(pg, st.session_state.get(RESULTS_KEY) or [])


def after_save(results: list[dict]) -> None:
    """Keep what was not saved, forget the editor's state, read the store afresh."""
    st.session_state[KEPT_KEY] = {
        R.task_key(r["source"], r["task_id"]): r["mine"] for r in results if "mine" in r
    }
    st.session_state[RESULTS_KEY] = results
    for k in (EDITOR_KEY, BASE_KEY):
        st.session_state.pop(k, None)
    st.rerun()  # the caches are keyed on the reporting tables' stamp: read afresh


def _result_text(pg: Page, r: dict) -> str:
    kind, lg = r["kind"], pg.lang
    if r.get("row"):
        place = {"where": pg.t("my_tasks.where_row", row=r["row"], task=r["task_id"])}
    else:  # the detailed form
        place = {"where": pg.t("my_tasks.where_task", task=r["task_id"])}
    if kind == "saved":
        text = pg.t("my_tasks.saved_row", version=r["version"], **place)
        return f"{text} {pg.t('pages_reported.awaiting')}." if r.get("claim_id") else text
    if kind == "unchanged":
        return pg.t("my_tasks.unchanged_row", **place)
    message = (r.get("message") or {}).get(lg, "")
    if kind == "refused" and r.get("field"):
        return pg.t(
            "my_tasks.refused_field",
            column=R.field_label(r["field"], lg),
            value=R.shown_value(r["field"], r.get("value"), lg) or "—",
            message=message,
            **place,
        )
    if kind == "refused":
        return pg.t("my_tasks.refused_row", message=message, **place)
    return pg.t("my_tasks.conflict_row", message=message, **place)


def show_results(pg: Page, results: list[dict]) -> None:
    """What the last save did, a line per row (plain text); a conflict with the other report."""
    busy = [r for r in results if r["kind"] == "busy"]
    for i, r in enumerate(r for r in results if r["kind"] != "busy"):
        text = esc(_result_text(pg, r))
        if r["kind"] == "saved":
            st.success(text)
        elif r["kind"] == "unchanged":
            st.info(text)
        elif r["kind"] == "refused":
            st.error(text)
        else:
            show_conflict(pg, r, text, key=f"mt_conflict_{i}")
    if busy:
        st.warning(esc(pg.t("my_tasks.busy_rest", n=len(busy))))


def show_conflict(pg: Page, r: dict, text: str, key: str) -> None:
    """Someone else's newer report: who, when, their values beside the editor's."""
    st.warning(text)
    st.caption(esc(pg.t("my_tasks.theirs_title", who=r.get("who") or "?", when=r.get("when"))))
    theirs = R.normalised(R.ReportFields(**r["theirs"]))
    mine = dataclasses.replace(theirs, **{c: r["mine"].get(c) for c in R.EDIT_COLUMNS})
    st.dataframe(
        R.comparison(theirs, R.normalised(mine), pg.lang), hide_index=True, key=key, width="stretch"
    )
