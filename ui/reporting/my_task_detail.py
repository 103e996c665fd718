"""One task in detail on "My tasks": its state (official status, deadline, the completion claim
and the deadline request with their decisions), a form with every field of its report (several
causes, the causes' text, an evidence file), its report versions newest first with the author's
undo of the latest, and a request for a new deadline.

The form is filled from the task's latest report and saved from that version: a report someone
else saved since is shown beside the form's values, which stay as typed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import reporting
from analytics.exports import shown_id
from analytics.i18n import fmt_date
from analytics.reporting import CONFIDENCE, REPORT_STATUSES, Refused, ReportFields
from analytics.reporting import evidence as ev
from analytics.reporting.rules import vn_today
from analytics.reporting.words import confidence_label, status_label
from ui import cache
from ui.html import esc
from ui.reporting import rows as R
from ui.reporting.my_tasks import Page, show_results
from ui.reporting.saving import RowEdit, save_row

TASK_KEY = "mt_task"
FORM_BASE_KEY = "mt_form_base"  # (task_key, version, ReportFields) the form was filled from
FORM_RESULT_KEY = "mt_form_result"  # (task_key, result) of the form's last save
NOTICE_KEY = "mt_detail_notice"  # (task_key, kind, text) after an undo or a request
WIDGETS = {  # report field -> the form's widget
    "status_reported": "mt_f_status",
    "completed_on": "mt_f_completed_on",
    "evidence_text": "mt_f_evidence_text",
    "progress_note": "mt_f_progress",
    "cause_codes": "mt_f_causes",
    "cause_text": "mt_f_cause_text",
    "commitment_date": "mt_f_commitment",
    "proposals": "mt_f_proposals",
    "confidence": "mt_f_confidence",
}
TEXT_FIELDS = ("evidence_text", "progress_note", "cause_text", "proposals")
MAX_MB = ev.MAX_EVIDENCE_BYTES // 2**20


# keyed (ui/cache.py keyed_on) also on the reporting tables' stamp: a save shows at once


@cache.resource(ttl=600)
def _versions(path: str, source: str, task_id: str) -> pd.DataFrame:
    return reporting.report_versions(path, source, task_id)


@cache.resource(ttl=600)
def _claims(path: str) -> pd.DataFrame:
    return reporting.claims(path, states=None)


@cache.resource(ttl=600)
def _requests(path: str) -> pd.DataFrame:
    return reporting.requests(path, states=None)


def _of_task(frame: pd.DataFrame, source: str, task_id: str) -> list[dict]:
    if frame.empty:
        return []
    mask = (frame["source"] == source) & (frame["task_id"] == task_id)
    return frame[mask].to_dict("records")


def _task_label(row: dict, with_source: bool) -> str:
    code = shown_id(row["task_id"], row.get("id_derived"))  # '' for a derived id
    label = " — ".join(x for x in (code, row["title"]) if x)
    return f"{label} ({row['source']})" if with_source else label


def detail_section(pg: Page, frame: pd.DataFrame) -> None:
    st.subheader(pg.t("my_tasks.detail_title"))
    records = {R.task_key(r["source"], r["task_id"]): r for r in frame.to_dict("records")}
    options = list(records)
    several_sources = frame["source"].nunique() > 1
    if st.session_state.get(TASK_KEY) not in options:
        st.session_state[TASK_KEY] = options[0]
    key = st.selectbox(
        pg.t("my_tasks.pick_task"),
        options,
        key=TASK_KEY,
        placeholder=pg.t("viewer16.pick_one"),
        format_func=lambda k: _task_label(records[k], several_sources),
    )
    row = records[key]
    versions = _versions(pg.db, row["source"], row["task_id"])
    claims = _claims(pg.db)
    latest = next((v for v in versions.to_dict("records") if R.missing(v.get("undone_at"))), None)
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice and notice[0] == key:
        (st.success if notice[1] == "ok" else st.error)(esc(notice[2]))
    task_state(pg, row, _of_task(claims, row["source"], row["task_id"]))
    report_form(pg, key, row, latest)
    versions_list(pg, key, versions, claims)
    deadline_request(pg, key, row)


def task_state(pg: Page, row: dict, claims: list[dict]) -> None:
    """The official status and deadline, and the task's latest completion claim."""
    st.markdown(
        esc(
            pg.t(
                "my_tasks.task_line",
                status=pg.t(f"status.{row['status']}"),
                deadline=R.deadline_shown(row, pg.lang),
            )
        )
    )
    claim = next((c for c in claims if c["state"] != "withdrawn"), None)
    if claim is None:
        return
    values = {
        "date": fmt_date(R.as_date(claim.get("completed_on")), pg.lang),
        "who": claim.get("decided_by") or claim.get("claimed_by") or "",
        "when": R.shown_time(claim.get("decided_at")) or R.shown_time(claim.get("claimed_at")),
        "reason": claim.get("decision_reason") or "",
    }
    text = esc(pg.t(f"my_tasks.claim_{claim['state']}", **values))
    if claim["state"] == "pending":
        st.info(text)
    elif claim["state"] == "confirmed":
        st.success(text)
    else:
        st.warning(text)


# --------------------------------------------------------------------------- the form


def _form_values() -> ReportFields:
    values = {f: st.session_state.get(w) for f, w in WIDGETS.items()}
    return R.normalised(ReportFields(**values))


def _seed(key: str, version: int | None, report: ReportFields) -> None:
    """Fill the form's widgets with `report` (the version `version` of the task `key`)."""
    st.session_state[FORM_BASE_KEY] = (key, version, report)
    for f, w in WIDGETS.items():
        value = getattr(report, f)
        if f == "cause_codes":
            value = [c for c in value if c in R.CAUSE_ORDER]
        elif f in TEXT_FIELDS:
            value = value or ""
        st.session_state[w] = value


def _base(key: str, latest: dict | None) -> tuple[int | None, ReportFields]:
    """The version the form was filled from; the form is filled afresh for another task, or
    with a newer version when nothing in it was changed."""
    version = R.as_version(latest.get("version")) if latest else None
    report = R.version_fields(latest) if latest else ReportFields()
    base = st.session_state.get(FORM_BASE_KEY)
    if base is None or base[0] != key or (base[1] != version and _form_values() == base[2]):
        _seed(key, version, report)
        base = st.session_state[FORM_BASE_KEY]
    return base[1], base[2]


def _fields(pg: Page) -> None:
    lg = pg.lang
    c1, c2 = st.columns(2)
    c1.selectbox(
        R.field_label("status_reported", lg),
        list(REPORT_STATUSES),
        key=WIDGETS["status_reported"],
        format_func=lambda c: status_label(c, lg),
        placeholder=pg.t("my_tasks.choose"),
    )
    c2.date_input(
        R.field_label("completed_on", lg),
        key=WIDGETS["completed_on"],
        format=pg.date_format,
        max_value=vn_today(),
    )
    st.text_input(
        R.field_label("evidence_text", lg),
        key=WIDGETS["evidence_text"],
        max_chars=300,
        placeholder=pg.t("my_tasks.evidence_example"),
    )
    st.text_area(R.field_label("progress_note", lg), key=WIDGETS["progress_note"], max_chars=2000)
    st.multiselect(
        R.field_label("cause_codes", lg),
        list(R.CAUSE_ORDER),
        key=WIDGETS["cause_codes"],
        format_func=lambda c: R.cause_label(c, lg),
        placeholder=pg.t("my_tasks.choose"),
    )
    st.text_area(R.field_label("cause_text", lg), key=WIDGETS["cause_text"], max_chars=2000)
    c3, c4 = st.columns(2)
    c3.date_input(
        R.field_label("commitment_date", lg), key=WIDGETS["commitment_date"], format=pg.date_format
    )
    c4.selectbox(
        R.field_label("confidence", lg),
        list(CONFIDENCE),
        key=WIDGETS["confidence"],
        format_func=lambda c: confidence_label(c, lg),
        placeholder=pg.t("my_tasks.choose"),
    )
    st.text_area(R.field_label("proposals", lg), key=WIDGETS["proposals"], max_chars=2000)


def report_form(pg: Page, key: str, row: dict, latest: dict | None) -> None:
    version, loaded = _base(key, latest)
    found = st.session_state.get(FORM_RESULT_KEY)
    if found and found[0] == key:
        show_results(pg, [found[1]])
    with st.form("mt_form", clear_on_submit=False):
        _fields(pg)
        upload = st.file_uploader(
            pg.t("my_tasks.evidence_file", mb=MAX_MB),
            type=list(ev.KINDS),
            key="mt_evidence",
            max_upload_size=MAX_MB,
        )
        name = latest.get("evidence_name") if latest else None
        if not R.missing(name):
            st.caption(esc(pg.t("my_tasks.evidence_kept", name=name)))
        sent = st.form_submit_button(pg.t("my_tasks.form_save"), key="mt_form_save", type="primary")
    if not sent:
        return
    evidence = blob = None
    if upload is not None:
        blob = upload.getvalue()
        try:
            evidence = ev.checked(blob, upload.name)
        except ev.EvidenceRejected as exc:
            st.error(esc(exc.text(pg.lang)))
            return
    edit = RowEdit(0, row["source"], row["task_id"], version, loaded, _form_values())
    if not edit.changed and evidence is None:
        st.info(pg.t("my_tasks.nothing_changed"))
        return
    result = save_row(pg.db, pg.me, edit, evidence=evidence, evidence_data=blob)
    st.session_state[FORM_RESULT_KEY] = (key, result)
    if result["kind"] == "conflict":  # seen now: the next save is from their version
        theirs = R.normalised(ReportFields(**result["theirs"]))
        st.session_state[FORM_BASE_KEY] = (key, result["theirs_version"], theirs)
    elif result["kind"] == "saved":
        st.session_state[FORM_BASE_KEY] = (key, result["version"], _form_values())
    st.rerun()


# --------------------------------------------------------------------------- versions, undo


def versions_list(pg: Page, key: str, versions: pd.DataFrame, claims: pd.DataFrame) -> None:
    st.markdown(f"**{esc(pg.t('my_tasks.versions_title'))}**")
    if versions.empty:
        st.caption(pg.t("my_tasks.no_versions"))
        return
    lg = pg.lang
    changes = R.version_changes(versions)
    rows = []
    for v, changed in zip(versions.to_dict("records"), changes, strict=True):
        undone = ""
        if not R.missing(v.get("undone_at")):
            undone = pg.t(
                "my_tasks.undone_by",
                who=v.get("undone_by") or "",
                when=R.shown_time(v["undone_at"]),
            )
        rows.append(
            {
                pg.t("my_tasks.col_version"): R.as_version(v["version"]),
                pg.t("my_tasks.col_who"): v.get("reported_by") or "",
                pg.t("my_tasks.col_when"): R.shown_time(v.get("reported_at")),
                pg.t("my_tasks.col_channel"): pg.t(f"my_tasks.channel_{v.get('channel') or 'app'}"),
                pg.t("my_tasks.col_changed"): "; ".join(R.field_label(f, lg) for f in changed),
                pg.t("my_tasks.col_undone"): undone,
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="mt_versions", width="stretch")
    latest = next((v for v in versions.to_dict("records") if R.missing(v.get("undone_at"))), None)
    if latest is None or latest.get("reported_by") != pg.me.username:
        return
    confirmed = set()
    if not claims.empty:
        done = claims[claims["state"] == "confirmed"]["report_id"].dropna()
        confirmed = {int(r) for r in done}
    if int(latest["report_id"]) in confirmed:
        return
    number = R.as_version(latest["version"])
    if st.button(
        pg.t("my_tasks.undo", version=number), key="mt_undo", help=pg.t("my_tasks.undo_help")
    ):
        try:
            reporting.undo_report(pg.db, pg.me, int(latest["report_id"]))
        except Refused as exc:
            st.session_state[NOTICE_KEY] = (key, "error", exc.text(pg.lang))
        else:
            st.session_state[NOTICE_KEY] = (key, "ok", pg.t("my_tasks.undone", version=number))
            st.session_state.pop(FORM_BASE_KEY, None)  # filled afresh from the version before
            st.session_state.pop(FORM_RESULT_KEY, None)
        st.rerun()


# --------------------------------------------------------------------------- deadline request


def _request_text(pg: Page, r: dict) -> str:
    values = {
        "id": int(r["request_id"]),
        "old": fmt_date(R.as_date(r.get("deadline_before")), pg.lang)
        or pg.t("reported.no_deadline"),
        "new": fmt_date(R.as_date(r.get("requested_deadline")), pg.lang),
        "reason": r.get("reason") or "",
        "who": r.get("requested_by") or "",
        "when": R.shown_time(r.get("requested_at")),
    }
    line = pg.t("my_tasks.request_line", **values)
    decided = {
        "who": r.get("decided_by") or "",
        "when": R.shown_time(r.get("decided_at")),
        "reason": r.get("decision_reason") or "",
    }
    state = r["state"]
    return f"{line} {pg.t(f'my_tasks.request_{state}', **decided)}"


def deadline_request(pg: Page, key: str, row: dict) -> None:
    st.markdown(f"**{esc(pg.t('my_tasks.extend_title'))}**")
    requests = _of_task(_requests(pg.db), row["source"], row["task_id"])
    shown = next((r for r in requests if r["state"] != "withdrawn"), None)
    if shown is not None:
        text = esc(_request_text(pg, shown))
        (st.info if shown["state"] == "pending" else st.caption)(text)
    with st.form("mt_extend", clear_on_submit=False):
        to = st.date_input(
            pg.t("my_tasks.extend_to"), value=None, key="mt_ext_to", format=pg.date_format
        )
        reason = st.text_area(pg.t("my_tasks.extend_reason"), key="mt_ext_reason", max_chars=2000)
        sent = st.form_submit_button(pg.t("my_tasks.extend_send"), key="mt_ext_send")
    if not sent:
        return
    if to is None:
        st.error(pg.t("my_tasks.extend_pick"))
        return
    try:
        done = reporting.request_deadline(
            pg.db, pg.me, row["task_id"], to, reason, source=row["source"]
        )
    except Refused as exc:
        st.error(esc(exc.text(pg.lang)))
        return
    st.session_state[NOTICE_KEY] = (key, "ok", pg.t("my_tasks.extend_sent", id=done["request_id"]))
    for k in ("mt_ext_to", "mt_ext_reason"):  # sent: the form empty again
        st.session_state.pop(k, None)
    st.rerun()
