"""The Administration page's sign-in lockouts: those in force (admin accounts first), each with a
button that ends it (analytics.accounts.unlock_user records 'user_unlock' with the client)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import accounts, throttle
from analytics.access import User
from analytics.reporting.rules import vn_times
from ui import auth, state


def refused(view: state.View, me: User, action: str, target: str | None, exc: Exception) -> None:
    """A refused administrative change: recorded (outcome 'refused') and said."""
    auth.audit(action, target, {"error": str(exc)}, outcome="refused", who=me)
    st.error(view.t("admin.refused", why=str(exc)))


def lockout_label(view: state.View, username: str) -> str:
    return view.t("admin.every_user") if username == throttle.EVERY_USER else username


def section(view: state.View, me: User, db: str, locked: pd.DataFrame) -> None:
    """The sign-in lockouts in force (admin accounts first), each with a button that ends it
    (recorded as 'user_unlock' with the client)."""
    st.subheader(view.t("admin.lockouts"))
    done = st.session_state.pop("admin_lockout_done", None)
    if done:
        st.success(done)
    if locked.empty:
        st.caption(view.t("admin.lockouts_none"))
        return
    st.caption(view.t("admin.lockouts_intro"))
    shown = pd.DataFrame(
        {
            view.t("auth.username"): locked["username"].map(lambda u: lockout_label(view, u)),
            view.t("admin.role"): locked["role"].map(
                lambda r: view.t(f"role.{r}") if r else view.t("admin.no_account")
            ),
            view.t("admin.col_client"): locked["client"],
            view.t("admin.col_locked_at"): vn_times(locked["locked_at"]),
            view.t("admin.col_locked_until"): vn_times(locked["locked_until"]),
            view.t("admin.col_failures"): locked["failures"],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", key="admin_lockouts_table")
    for row in locked.itertuples(index=False):
        name, client = auth.esc(lockout_label(view, row.username)), auth.esc(row.client)
        key = f"admin_lockout_unlock__{row.username}__{row.client}"
        if not st.button(view.t("admin.unlock_pair", name=name, client=client), key=key):
            continue
        try:
            accounts.unlock_user(db, row.username, by=me.username, client=row.client)
        except accounts.AuthError as exc:
            refused(view, me, "user_unlock", row.username, exc)
            return
        st.session_state["admin_lockout_done"] = view.t(
            "admin.unlocked_pair", name=name, client=client
        )
        st.rerun()
