"""The recipients of the daily e-mails (issue 17) on the Administration page's accounts tab,
beside the users: add one, change or take one off the list, and the list itself. For
administrators only (`User.can_admin`); every change goes through analytics.recipients, which
writes it to the audit log; a refused change is recorded here with outcome 'refused'.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import agency_units, recipients
from analytics.access import User
from analytics.recipients import KINDS, RecipientError
from analytics.reporting.rules import vn_times
from ui import auth, state

FLASH = "_recipients_flash"


def _agencies(db, lang: str) -> dict[str, str]:
    """Agency id → its label, every agency of the reference lists and of the store's register."""
    resolver = agency_units.resolver_for(db)
    return {a.id: f"{agency_units.label(a, resolver, lang)} ({a.id})" for a in resolver.all()}


def _refused(action: str, target: str | None, exc: RecipientError, me: User, view) -> None:
    auth.audit(action, target, {"error": exc.code}, outcome="refused", who=me)
    shown = {k: auth.esc(v) for k, v in exc.fmt.items()}  # what was typed, inert in markdown
    st.error(view.t("admin.refused", why=view.t(f"daily.err_{exc.code}", **shown)))


def _add_form(db, me: User, view: state.View, names: dict[str, str]) -> None:
    st.markdown(f"**{view.t('daily.add_recipient')}**")
    with st.form("recipients_add", clear_on_submit=True):
        c1, c2 = st.columns(2)
        email = c1.text_input(view.t("daily.email"), key="recipients_add_email", max_chars=254)
        name = c2.text_input(view.t("daily.name"), key="recipients_add_name", max_chars=200)
        kind = c1.selectbox(
            view.t("daily.kind"),
            KINDS,
            key="recipients_add_kind",
            placeholder=view.t("viewer16.pick_one"),
            format_func=lambda k: view.t(f"daily.kind_{k}"),
        )
        agency = c2.selectbox(
            view.t("daily.agency"),
            list(names),
            index=None,
            key="recipients_add_agency",
            placeholder=view.t("viewer16.pick_one"),
            format_func=lambda a: names.get(a, a),
        )
        submitted = st.form_submit_button(view.t("daily.add_recipient"))
    if not submitted:
        return
    try:
        recipients.add_recipient(db, email, kind, agency, name or None, by=me.username)
    except RecipientError as exc:
        _refused("recipient_add", (email or "").strip()[:254] or None, exc, me, view)
        return
    st.session_state[FLASH] = view.t("daily.added", email=auth.esc(recipients.valid_email(email)))
    st.rerun()


def _manage(db, me: User, view: state.View, frame: pd.DataFrame, names: dict[str, str]) -> None:
    if frame.empty:
        return
    rows = {int(r.recipient_id): r for r in frame.itertuples(index=False)}

    def label(i: int) -> str:
        r = rows[i]
        kind = view.t(f"daily.kind_{r.kind}")
        agency = f" · {names.get(r.agency_id, r.agency_id)}" if isinstance(r.agency_id, str) else ""
        off = "" if r.active else f" · {view.t('daily.inactive')}"
        return f"{r.email} · {kind}{agency}{off}"

    pick = st.selectbox(
        view.t("daily.pick"),
        list(rows),
        key="recipients_pick",
        placeholder=view.t("viewer16.pick_one"),
        format_func=label,
    )
    if pick is None:
        return
    row = rows[pick]
    with st.form(f"recipients_edit__{pick}"):
        c1, c2 = st.columns(2)
        email = c1.text_input(
            view.t("daily.email"), value=row.email, key=f"recipients_email__{pick}", max_chars=254
        )
        name = c2.text_input(
            view.t("daily.name"),
            value=row.name if isinstance(row.name, str) else "",
            key=f"recipients_name__{pick}",
            max_chars=200,
        )
        kind = c1.selectbox(
            view.t("daily.kind"),
            KINDS,
            index=KINDS.index(row.kind) if row.kind in KINDS else 0,
            key=f"recipients_kind__{pick}",
            placeholder=view.t("viewer16.pick_one"),
            format_func=lambda k: view.t(f"daily.kind_{k}"),
        )
        options = list(names)
        agency = c2.selectbox(
            view.t("daily.agency"),
            options,
            index=options.index(row.agency_id) if row.agency_id in names else None,
            key=f"recipients_agency__{pick}",
            placeholder=view.t("viewer16.pick_one"),
            format_func=lambda a: names.get(a, a),
        )
        save = st.form_submit_button(view.t("daily.save"))
    if save:
        try:
            after = recipients.update_recipient(
                db,
                pick,
                email=email,
                name=name or None,
                kind=kind,
                agency_id=agency if kind == "agency" else None,
                by=me.username,
            )
        except RecipientError as exc:
            _refused("recipient_update", row.email, exc, me, view)
            return
        st.session_state[FLASH] = view.t("daily.saved", email=auth.esc(after.email))
        st.rerun()
    toggle = view.t("daily.remove") if row.active else view.t("daily.restore")
    if st.button(toggle, key="recipients_toggle"):
        try:
            if row.active:
                recipients.remove_recipient(db, pick, by=me.username)
                done = view.t("daily.removed", email=auth.esc(row.email))
            else:
                recipients.update_recipient(db, pick, active=True, by=me.username)
                done = view.t("daily.restored", email=auth.esc(row.email))
        except RecipientError as exc:
            action = "recipient_remove" if row.active else "recipient_update"
            _refused(action, row.email, exc, me, view)
            return
        st.session_state[FLASH] = done
        st.rerun()


def _table(view: state.View, frame: pd.DataFrame, names: dict[str, str]) -> None:
    if frame.empty:
        st.info(view.t("daily.no_recipients"))
        return
    shown = pd.DataFrame(
        {
            view.t("daily.email"): frame["email"],
            view.t("daily.name"): frame["name"].fillna(""),
            view.t("daily.kind"): frame["kind"].map(lambda k: view.t(f"daily.kind_{k}")),
            view.t("col.agency"): frame["agency_id"].map(
                lambda a: names.get(a, a) if isinstance(a, str) else ""
            ),
            view.t("col.state"): frame["active"].map(
                lambda on: view.t("daily.active") if on else view.t("daily.inactive")
            ),
            view.t("admin.col_by"): frame["created_by"].fillna(""),
            view.t("admin.col_created"): vn_times(frame["created_at"]),
            view.t("daily.col_updated_by"): frame["updated_by"].fillna(""),
            view.t("admin.col_updated"): vn_times(frame["updated_at"]),
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", key="recipients_table")


def section(db, me: User, view: state.View) -> None:
    """The recipients' section: administrators only (nothing is drawn for anyone else)."""
    if not me.can_admin:
        return
    st.divider()
    st.subheader(view.t("daily.recipients"))
    st.caption(view.t("daily.recipients_note"))
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash)
    names = _agencies(db, view.lang)
    _add_form(db, me, view, names)
    _manage(db, me, view, recipients.list_recipients(db), names)
    _table(view, recipients.list_recipients(db), names)
