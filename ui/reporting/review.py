"""The steering office's review (pages/review.py, issue 15): completion claims confirmed or
returned, deadline requests approved or rejected, cancellations and their withdrawal, report
rounds and the stale setting.

Every action goes through analytics.reporting, which checks the permission again and audits it,
a refusal too (outcome 'refused'); a refusal (`reporting.Refused`) is shown in the page's
language. After a change the page runs again (every cache is keyed on the reporting tables'
stamp, so the figures follow); what it said is kept for that run in session state
(`rv_flash_<tab>`). Text from users and files is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics import audit, reporting, store
from analytics.access import User
from analytics.exports import shown_id
from analytics.i18n import fmt_date, t
from analytics.model import Filters
from analytics.reporting.rules import vn_time, vn_today
from ui import auth, components, data
from ui.audit_panel import recorded
from ui.html import esc
from ui.state import View

ROUND_DAYS = 4  # a new round's due date, days from today ("report within four days")
MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class Review:
    """What every part of the page needs: the view, the signed-in user, the database."""

    view: View
    me: User
    db: str

    @property
    def lg(self) -> str:
        return self.view.lang

    def t(self, key: str, **fmt) -> str:
        return self.view.t(key, **fmt)


def allowed(me: User, lang: str) -> bool:
    """Deny by default: a user without `can_review` is told so (audited once per session)."""
    if getattr(me, "can_review", False) is True:
        return True
    if not st.session_state.get("_rv_denied_logged"):
        st.session_state["_rv_denied_logged"] = True
        auth.audit(
            "permission_denied",
            "page_review",
            {"permission": "confirm", "role": me.role},
            outcome="denied",
            who=me,
        )
    st.error(t("auth.denied", lang))
    return False


# --------------------------------------------------------------------------- small helpers


def _day(value) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _when(value) -> str:
    """A stored time (UTC) as Vietnam time, '' when there is none."""
    if value is None or pd.isna(value):
        return ""
    return vn_time(pd.Timestamp(value).to_pydatetime())


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _ids(value) -> list[str]:
    """A list column's value (a NumPy array, a list or nothing) as a list of strings."""
    if value is None or isinstance(value, float):
        return []
    return [str(v) for v in value]


def names(rv: Review) -> dict[str, str]:
    """agency id -> its name in the page's language (Vietnamese when there is no English)."""
    out = {}
    for row in data.agencies().itertuples(index=False):
        name = row.name_en if rv.lg == "en" else row.name_vi
        out[str(row.agency_id)] = name if isinstance(name, str) and name else row.name_vi
    return out


def _leads(agency_names: dict[str, str], value) -> str:
    return "; ".join(agency_names.get(a, a) for a in _ids(value))


def tasks_now(rv: Review) -> pd.DataFrame:
    """The tasks in force in the latest state (the deadline in force, cancelled or not)."""
    today = vn_today()
    as_of = max(today, rv.view.latest) if rv.view.latest else today
    return data.tasks(as_of, Filters(), rv.me.scope)


def _by_task(frame: pd.DataFrame) -> dict[tuple[str, str], dict]:
    return {(str(r["source"]), str(r["task_id"])): r for r in frame.to_dict("records")}


def timing(rv: Review, done_on: dt.date | None, deadline: dt.date | None) -> str:
    """'đúng hạn' / 'muộn N ngày': a completion on `done_on` judged by `deadline`."""
    if deadline is None:
        return rv.t("status.no_deadline")
    if done_on is None:
        return ""
    late = (done_on - deadline).days
    return rv.t("review.late", n=late) if late > 0 else rv.t("review.on_time")


def _lines(pairs) -> str:
    """'label: value' lines (escaped) as one markdown block."""
    return "  \n".join(esc(f"{label}: {value}") for label, value in pairs if value != "")


def flash(tab: str) -> None:
    """What the last action of this tab said (kept across its rerun), and the inputs it
    asked to be emptied."""
    said = st.session_state.pop(f"rv_flash_{tab}", None)
    for key in st.session_state.pop(f"rv_clear_{tab}", ()):
        st.session_state.pop(key, None)
    for kind, text in said or ():
        getattr(st, kind)(esc(text))


def changed(tab: str, messages: list[tuple[str, str]], clear: tuple[str, ...] = ()) -> None:
    """After a change: keep what to say, run the page again (the caches see the change: every
    one is keyed on the reporting tables' stamp, ui/cache.keyed_on)."""
    st.session_state[f"rv_flash_{tab}"] = messages
    st.session_state[f"rv_clear_{tab}"] = clear
    st.rerun()


def attempt(run: Callable[[], object]):
    """Run one reporting action: None when done, else its refusal (analytics.reporting has
    audited it)."""
    try:
        run()
    except reporting.Refused as exc:
        return exc
    return None


def act(rv: Review, tab: str, box, run, done: str, clear=()) -> None:
    """One action: said in `box` when refused, else the page runs again saying `done`."""
    exc = attempt(run)
    if exc is not None:
        box.error(esc(exc.text(rv.lg)))
        return
    changed(tab, [("success", done)], clear)


@dataclass(frozen=True)
class Choice:
    """One of a decision's two buttons: its label (a text key), widget key, what it runs (given
    the reason typed beside the second button) and what the page says when it is done."""

    label: str
    key: str
    run: Callable[[str], object]
    done: str


def decide(rv: Review, tab: str, yes: Choice, no: Choice, reason_label: str, reason_key: str):
    """A decision on one item: `yes` beside `no` with its required reason, the outcome said in
    a box above them (claims, deadline requests, proposed tasks)."""
    box = st.container()
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    if c1.button(rv.t(yes.label), key=yes.key, type="primary"):
        act(rv, tab, box, lambda: yes.run(""), yes.done)
    reason = c2.text_input(rv.t(reason_label), key=reason_key, max_chars=2000)
    if c2.button(rv.t(no.label), key=no.key):
        act(rv, tab, box, lambda: no.run(reason), no.done, (reason_key,))


def _table(rv: Review, frame: pd.DataFrame, key: str, name: str, empty: str) -> None:
    if frame.empty:
        st.caption(rv.t(empty))
        return
    components.table(rv.view, frame, key=key, name=name)


# --------------------------------------------------------------------------- 1. claims


def claims_tab(rv: Review) -> None:
    flash("claims")
    agency_names = names(rv)
    tasks = _by_task(tasks_now(rv))
    pending = reporting.claims(rv.db, ("pending",), rv.me.scope)
    if pending.empty:
        st.info(rv.t("review.no_claims"))
    else:
        st.caption(rv.t("review.claims_intro", n=len(pending)))
        confirm_many(rv, pending)
        for row in pending.to_dict("records"):
            claim_card(rv, row, tasks.get((row["source"], row["task_id"]), {}), agency_names)
    st.subheader(rv.t("review.decided_claims"))
    decided = reporting.claims(rv.db, ("confirmed", "returned"), rv.me.scope)
    _table(rv, decided_claims(rv, decided), "rv_claims_decided", "claims_decided", "review.none")


def _claim_label(row: dict) -> str:
    return f"#{row['claim_id']} · {row['task_id']} — {row['title']}"


def confirm_many(rv: Review, pending: pd.DataFrame) -> None:
    """Several claims confirmed at once (a meeting confirms dozens)."""
    labels = {int(r["claim_id"]): _claim_label(r) for r in pending.to_dict("records")}
    box = st.container()
    chosen = st.multiselect(
        rv.t("review.confirm_many"),
        list(labels),
        key="rv_confirm_many",
        format_func=lambda c: labels.get(c, str(c)),
        placeholder=rv.t("review.pick_claims"),
    )
    if not st.button(rv.t("review.confirm_many_btn"), key="rv_confirm_many_btn"):
        return
    if not chosen:
        box.warning(rv.t("review.pick_claims_first"))
        return
    said, done = [], 0
    for claim_id in chosen:
        run = lambda c=claim_id: reporting.confirm_claim(rv.db, rv.me, c)  # noqa: E731
        exc = attempt(run)
        if exc is None:
            done += 1
        else:
            said.append(("error", f"#{claim_id}: {exc.text(rv.lg)}"))
    if done:
        changed(
            "claims", [("success", rv.t("review.confirmed_n", n=done)), *said], ("rv_confirm_many",)
        )
    for _, text in said:
        box.error(esc(text))


def _evidence_download(rv: Review, row: dict) -> None:
    sha = row.get("evidence_sha256")
    if not isinstance(sha, str) or not sha:
        return
    versions = reporting.report_versions(rv.db, row["source"], row["task_id"])
    named = versions.loc[versions["report_id"] == row["report_id"], "evidence_name"]
    name = _text(named.iloc[0]) if len(named) else ""
    name = name or f"minh-chung-{row['claim_id']}"
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    db = rv.db
    st.download_button(
        rv.t("review.evidence_file", name=name),
        data=recorded(
            "evidence",
            lambda: store.file_bytes(db, sha) or b"",
            ext or "file",
            details={"claim_id": int(row["claim_id"]), "sha256": sha},
            who=rv.me,
        ),
        file_name=name,
        mime=MIME.get(ext, "application/octet-stream"),
        key=f"rv_evidence_{row['claim_id']}",
        on_click="ignore",
    )


def claim_card(rv: Review, row: dict, task: dict, agency_names: dict[str, str]) -> None:
    claim_id = int(row["claim_id"])
    deadline = _day(task.get("deadline", row["deadline"]))
    done_on = _day(row["completed_on"])
    with st.container(border=True):
        st.markdown(f"**{esc(_claim_label(row))}**")
        st.markdown(
            _lines(
                [
                    (rv.t("col.lead"), _leads(agency_names, row["lead_ids"])),
                    (rv.t("col.deadline"), fmt_date(deadline, rv.lg) or rv.t("status.no_deadline")),
                    (
                        rv.t("review.reported_on"),
                        f"{fmt_date(done_on, rv.lg)} ({timing(rv, done_on, deadline)})",
                    ),
                    (rv.t("review.evidence"), _text(row["evidence_text"])),
                    (
                        rv.t("review.reported_by"),
                        rv.t("review.by_at", who=row["claimed_by"], when=_when(row["claimed_at"])),
                    ),
                ]
            )
        )
        _evidence_download(rv, row)
        decide(
            rv,
            "claims",
            Choice("review.confirm", f"rv_confirm_{claim_id}",
                   lambda _: reporting.confirm_claim(rv.db, rv.me, claim_id),
                   rv.t("review.confirmed", id=claim_id, task=row["task_id"])),
            Choice("review.return", f"rv_return_{claim_id}",
                   lambda why: reporting.return_claim(rv.db, rv.me, claim_id, why),
                   rv.t("review.returned", id=claim_id, task=row["task_id"])),
            "review.return_reason",
            f"rv_return_reason_{claim_id}",
        )  # fmt: skip


def _state(rv: Review, state: str) -> str:
    return rv.t(f"review.state_{state}")


def decided_claims(rv: Review, frame: pd.DataFrame) -> pd.DataFrame:
    rows = frame.to_dict("records")
    return pd.DataFrame(
        {
            rv.t("col.id"): [int(r["claim_id"]) for r in rows],
            rv.t("col.task_id"): [r["task_id"] for r in rows],
            rv.t("col.title"): [r["title"] for r in rows],
            rv.t("review.reported_on"): [_day(r["completed_on"]) for r in rows],
            rv.t("review.evidence"): [_text(r["evidence_text"]) for r in rows],
            rv.t("col.state"): [_state(rv, r["state"]) for r in rows],
            rv.t("review.decided_by"): [_text(r["decided_by"]) for r in rows],
            rv.t("review.decided_at"): [_when(r["decided_at"]) for r in rows],
            rv.t("review.reason"): [_text(r["decision_reason"]) for r in rows],
        }
    )


# --------------------------------------------------------------------------- 2. deadline requests


def requests_tab(rv: Review) -> None:
    flash("requests")
    agency_names = names(rv)
    tasks = _by_task(tasks_now(rv))
    pending = reporting.requests(rv.db, ("pending",), rv.me.scope)
    if pending.empty:
        st.info(rv.t("review.no_requests"))
    for row in pending.to_dict("records"):
        request_card(rv, row, tasks.get((row["source"], row["task_id"]), {}), agency_names)
    st.subheader(rv.t("review.decided_requests"))
    decided = reporting.requests(rv.db, ("approved", "rejected"), rv.me.scope)
    _table(
        rv, decided_requests(rv, decided), "rv_requests_decided", "requests_decided", "review.none"
    )


def request_card(rv: Review, row: dict, task: dict, agency_names: dict[str, str]) -> None:
    request_id = int(row["request_id"])
    current = _day(task.get("deadline", row["deadline_before"]))
    with st.container(border=True):
        head = f"#{request_id} · {row['task_id']} — {row['title']}"
        st.markdown(f"**{esc(head)}**")
        st.markdown(
            _lines(
                [
                    (rv.t("col.lead"), _leads(agency_names, row["lead_ids"])),
                    (
                        rv.t("review.current_deadline"),
                        fmt_date(current, rv.lg) or rv.t("status.no_deadline"),
                    ),
                    (rv.t("review.requested_deadline"), fmt_date(row["requested_deadline"], rv.lg)),
                    (rv.t("review.reason"), _text(row["reason"])),
                    (
                        rv.t("review.requested_by"),
                        rv.t(
                            "review.by_at", who=row["requested_by"], when=_when(row["requested_at"])
                        ),
                    ),
                ]
            )
        )
        decide(
            rv,
            "requests",
            Choice("review.approve", f"rv_approve_{request_id}",
                   lambda _: reporting.approve_request(rv.db, rv.me, request_id),
                   rv.t("review.approved", id=request_id, task=row["task_id"])),
            Choice("review.reject", f"rv_reject_{request_id}",
                   lambda why: reporting.reject_request(rv.db, rv.me, request_id, why),
                   rv.t("review.rejected", id=request_id, task=row["task_id"])),
            "review.reject_reason",
            f"rv_reject_reason_{request_id}",
        )  # fmt: skip


def decided_requests(rv: Review, frame: pd.DataFrame) -> pd.DataFrame:
    rows = frame.to_dict("records")
    return pd.DataFrame(
        {
            rv.t("col.id"): [int(r["request_id"]) for r in rows],
            rv.t("col.task_id"): [r["task_id"] for r in rows],
            rv.t("col.title"): [r["title"] for r in rows],
            rv.t("review.deadline_before"): [_day(r["deadline_before"]) for r in rows],
            rv.t("review.requested_deadline"): [_day(r["requested_deadline"]) for r in rows],
            rv.t("review.request_reason"): [_text(r["reason"]) for r in rows],
            rv.t("col.state"): [_state(rv, r["state"]) for r in rows],
            rv.t("review.decided_by"): [_text(r["decided_by"]) for r in rows],
            rv.t("review.decided_at"): [_when(r["decided_at"]) for r in rows],
            rv.t("review.reason"): [_text(r["decision_reason"]) for r in rows],
        }
    )


# --------------------------------------------------------------------------- 3. cancellations

CANCEL_INPUTS = ("rv_cancel_task", "rv_cancel_reason", "rv_cancel_doc")


def _task_labels(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(source, task id) -> 'id — title' (the source added where an id is in several)."""
    twice = set(frame.loc[frame["task_id"].duplicated(keep=False), "task_id"])
    out = {}
    for r in frame.to_dict("records"):
        code = shown_id(r["task_id"], r.get("id_derived"))  # '' for a derived id
        label = " — ".join(x for x in (code, r["title"]) if x)
        out[(str(r["source"]), str(r["task_id"]))] = (
            f"{label} ({r['source']})" if r["task_id"] in twice else label
        )
    return out


def cancel_tab(rv: Review) -> None:
    flash("cancel")
    st.caption(rv.t("review.cancel_intro"))
    tasks = tasks_now(rv)
    live = tasks[tasks["cancelled_at"].isna()] if len(tasks) else tasks
    labels = _task_labels(live) if len(live) else {}
    box = st.container()
    choice = st.selectbox(
        rv.t("review.cancel_task"),
        list(labels),
        index=None,
        key="rv_cancel_task",
        format_func=lambda k: labels.get(k, " — ".join(k)),
        placeholder=rv.t("review.pick_task"),
    )
    reason = st.text_input(rv.t("review.cancel_reason"), key="rv_cancel_reason", max_chars=2000)
    document = st.text_input(
        rv.t("review.cancel_doc"),
        key="rv_cancel_doc",
        max_chars=300,
        placeholder=rv.t("review.cancel_doc_example"),
    )
    if st.button(rv.t("review.cancel_btn"), key="rv_cancel", type="primary"):
        if choice is None:
            box.error(rv.t("review.pick_task_first"))
        else:
            source, task_id = choice
            act(
                rv, "cancel", box,
                lambda: reporting.cancel_task(
                    rv.db, rv.me, task_id, reason, document, source=source
                ),
                rv.t("review.cancelled", task=task_id), CANCEL_INPUTS,
            )  # fmt: skip
    cancellations(rv, _task_labels(tasks) if len(tasks) else {})


def cancellations(rv: Review, labels: dict[tuple[str, str], str]) -> None:
    """The cancellations in force, each with its restore button; those withdrawn below."""
    st.subheader(rv.t("review.cancellations"))
    frame = reporting.cancellations(rv.db)
    rows = frame.to_dict("records")
    live = [r for r in rows if pd.isna(r["revoked_at"])]
    if not live:
        st.caption(rv.t("review.no_cancellations"))
    box = st.container()
    for r in live:
        key = (str(r["source"]), str(r["task_id"]))
        c1, c2 = st.columns([5, 1], vertical_alignment="center")
        c1.markdown(
            f"**{esc(labels.get(key, r['task_id']))}**  \n"
            + _lines(
                [
                    (rv.t("review.cancel_reason"), _text(r["reason"])),
                    (rv.t("review.cancel_doc"), _text(r["document"])),
                    (
                        rv.t("review.cancelled_by"),
                        rv.t("review.by_at", who=r["cancelled_by"], when=_when(r["cancelled_at"])),
                    ),
                ]
            )
        )
        cancel_id = int(r["cancel_id"])
        if c2.button(rv.t("data.restore"), key=f"rv_uncancel_{cancel_id}"):
            act(
                rv, "cancel", box,
                lambda c=cancel_id: reporting.revoke_cancellation(rv.db, rv.me, c),
                rv.t("review.restored", task=r["task_id"]),
            )  # fmt: skip
    withdrawn = [r for r in rows if not pd.isna(r["revoked_at"])]
    if withdrawn:
        st.markdown(f"**{esc(rv.t('review.restored_list'))}**")
        shown = pd.DataFrame(
            {
                rv.t("col.task_id"): [r["task_id"] for r in withdrawn],
                rv.t("review.cancel_reason"): [_text(r["reason"]) for r in withdrawn],
                rv.t("review.cancel_doc"): [_text(r["document"]) for r in withdrawn],
                rv.t("review.cancelled_by"): [_text(r["cancelled_by"]) for r in withdrawn],
                rv.t("review.restored_by"): [_text(r["revoked_by"]) for r in withdrawn],
                rv.t("review.restored_at"): [_when(r["revoked_at"]) for r in withdrawn],
            }
        )
        components.table(rv.view, shown, key="rv_restored", name="cancellations_restored")


# --------------------------------------------------------------------------- 4. report rounds

ROUND_INPUTS = ("rv_round_title", "rv_round_due", "rv_round_agencies")


def _round(found: dict | None) -> dict | None:
    """The open round with its agencies as a list (a NumPy array has no truth value)."""
    if found is None:
        return None
    ids = found.get("agency_ids")
    return {**found, "agency_ids": _ids(ids) or None}


def rounds_tab(rv: Review) -> None:
    flash("rounds")
    agency_names = names(rv)
    box = st.container()
    current = _round(reporting.open_round(rv.db))
    everyone = reporting.agency_reporting(rv.db, audit.now(), current)
    if current is None:
        st.info(rv.t("review.no_round"))
        open_form(rv, box, [str(a) for a in everyone["agency_id"]], agency_names)
    else:
        round_status(rv, box, current, everyone, agency_names)
    stale_section(rv, agency_names)


def open_form(rv: Review, box, agency_ids: list[str], agency_names: dict[str, str]) -> None:
    st.subheader(rv.t("review.round_new"))
    title = st.text_input(
        rv.t("review.round_title"),
        key="rv_round_title",
        max_chars=300,
        placeholder=rv.t("review.round_title_example"),
    )
    today = vn_today()
    due = st.date_input(
        rv.t("review.round_due"),
        value=today + dt.timedelta(days=ROUND_DAYS),
        min_value=today,
        key="rv_round_due",
        format="DD/MM/YYYY",
    )
    chosen = st.multiselect(
        rv.t("review.round_agencies"),
        agency_ids,
        key="rv_round_agencies",
        format_func=lambda a: agency_names.get(a, a),
        placeholder=rv.t("common.all_agencies"),
    )
    if st.button(rv.t("review.round_open"), key="rv_round_open", type="primary"):
        act(
            rv, "rounds", box,
            lambda: reporting.start_round(rv.db, rv.me, title, due, list(chosen) or None),
            rv.t("review.round_opened", title=title.strip()), ROUND_INPUTS,
        )  # fmt: skip


def _agency_rows(rv: Review, frame: pd.DataFrame, agency_names: dict[str, str], last: str):
    rows = frame.to_dict("records")
    return pd.DataFrame(
        {
            rv.t("col.agency"): [agency_names.get(r["agency_id"], r["agency_id"]) for r in rows],
            rv.t("col.tasks"): [int(r["n_tasks"]) for r in rows],
            rv.t("review.last_report"): [_when(r[last]) or rv.t("review.never") for r in rows],
        }
    )


def round_status(rv: Review, box, current: dict, everyone, agency_names) -> None:
    st.subheader(
        rv.t("review.round_head", title=current["title"], due=fmt_date(current["due_on"], rv.lg))
    )
    st.caption(
        esc(
            rv.t(
                "review.round_opened_by",
                who=current["opened_by"],
                when=_when(current["opened_at"]),
            )
        )
    )
    in_round = everyone[everyone["in_round"]]
    done = in_round[in_round["reported_in_round"]]
    missing = in_round[~in_round["reported_in_round"]]
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"**{esc(rv.t('review.round_reported', n=len(done)))}**")
        _table(
            rv, _agency_rows(rv, done, agency_names, "last_activity_at"),
            "rv_round_done", "round_reported", "review.none",
        )  # fmt: skip
    with c2:
        st.markdown(f"**{esc(rv.t('review.round_missing', n=len(missing)))}**")
        _table(
            rv, _agency_rows(rv, missing, agency_names, "last_activity_at"),
            "rv_round_missing", "round_not_reported", "review.none",
        )  # fmt: skip
    round_id = int(current["round_id"])
    if st.button(rv.t("review.round_close"), key="rv_round_close"):
        act(
            rv, "rounds", box,
            lambda: reporting.close_round(rv.db, rv.me, round_id),
            rv.t("review.round_closed", title=current["title"]),
        )  # fmt: skip


def stale_section(rv: Review, agency_names: dict[str, str]) -> None:
    """The setting (days without a report before an agency is stale) and the stale agencies."""
    st.subheader(rv.t("review.stale_head"))
    days = reporting.stale_days(rv.db)
    box = st.container()
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    wanted = c1.number_input(
        rv.t("review.stale_days"), min_value=1, max_value=365, value=days, step=1,
        key="rv_stale_days",
    )  # fmt: skip
    if c2.button(rv.t("review.stale_save"), key="rv_stale_save"):
        n = int(wanted)
        act(
            rv, "rounds", box,
            lambda: reporting.set_stale_days(rv.db, rv.me, n),
            rv.t("review.stale_saved", n=n),
        )  # fmt: skip
    frame = reporting.agency_reporting(rv.db, audit.now(), None, days)
    stale = frame[frame["stale"]]
    st.caption(rv.t("review.stale_intro", n=days))
    _table(
        rv, _agency_rows(rv, stale, agency_names, "last_activity_at"),
        "rv_stale", "agencies_stale", "review.no_stale",
    )  # fmt: skip
