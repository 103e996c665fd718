"""Administration: accounts and roles (admins only), the agency register and the audit log
(admins and coordinators: `User.can_open_admin`; each tab is drawn only for its permission).

Every change goes through analytics.accounts or analytics.agency_units, which record it in the audit
log; refused attempts are recorded here with outcome 'refused'. The agency register: units of a
ministry, agency or province, and other names of agencies (what files write that the reference
lists do not know).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import accounts, agency_units, throttle
from analytics.access import AGENCY_ROLES, ASSIGNABLE_ROLES
from analytics.reporting.rules import vn_times
from ui import auth, data, lockouts, recipients, state
from ui.audit_panel import audit_panel
from ui.components import guard

# Check the user before anything else: never assume app.py ran first (a fresh server with a
# pages/ folder runs a deep-linked page directly until st.navigation has been called once).
me = auth.user()
lg = state.lang()
if not me.can_open_admin:
    auth.require(me, "manage_users", "page_admin")
    st.stop()
view = state.current_view()


def agency_name(agency_id: str) -> str:
    a = accounts.known_agencies().get(agency_id)
    if a is None:
        return agency_id
    return f"{a.name_vi if lg == 'vi' else a.name_en} ({agency_id})"


def refused(action: str, target: str | None, exc: Exception) -> None:
    lockouts.refused(view, me, action, target, exc)


def add_section(db: str, box) -> None:
    st.subheader(view.t("admin.add"))
    with st.form("admin_add", clear_on_submit=True):
        c1, c2 = st.columns(2)
        username = c1.text_input(view.t("admin.username"), key="admin_add_username", max_chars=128)
        display = c2.text_input(
            view.t("admin.display_name"), key="admin_add_display", max_chars=200
        )
        role = c1.selectbox(
            view.t("admin.role"),
            ASSIGNABLE_ROLES,
            key="admin_add_role",
            placeholder=view.t("viewer16.pick_one"),
            format_func=lambda r: view.t(f"role.{r}"),
        )
        agencies = c2.multiselect(
            view.t("admin.agencies"),
            list(accounts.known_agencies()),
            key="admin_add_agencies",
            placeholder=view.t("ui16.choose_many"),
            format_func=agency_name,
        )
        submitted = st.form_submit_button(view.t("admin.create"))
    if not submitted:
        return
    try:
        password = accounts.add_user(
            db, username, role, agency_ids=agencies, display_name=display or None, by=me.username
        )
    except accounts.AuthError as exc:
        refused("user_add", accounts.normalize_username(username) or None, exc)
        return
    name = accounts.normalize_username(username)
    box.success(view.t("admin.created", name=auth.esc(name)))
    box.code(password, language=None)


def manage_section(db: str, users, box) -> None:
    st.subheader(view.t("admin.manage"))
    names = users["username"].tolist()
    if not names:
        return
    name = st.selectbox(
        view.t("admin.accounts"),
        names,
        key="admin_pick",
        placeholder=view.t("viewer16.pick_one"),
    )
    row = users.loc[users["username"] == name].iloc[0]
    current_ids = [str(a) for a in (row["agency_ids"] if row["agency_ids"] is not None else [])]
    with st.form(f"admin_role__{name}"):
        c1, c2 = st.columns(2)
        role = c1.selectbox(
            view.t("admin.role"),
            ASSIGNABLE_ROLES,
            key=f"admin_role__{name}",
            placeholder=view.t("viewer16.pick_one"),
            index=ASSIGNABLE_ROLES.index(row["role"]) if row["role"] in ASSIGNABLE_ROLES else 0,
            format_func=lambda r: view.t(f"role.{r}"),
        )
        agencies = c2.multiselect(
            view.t("admin.agencies"),
            list(accounts.known_agencies()),
            key=f"admin_agencies__{name}",
            default=[a for a in current_ids if a in accounts.known_agencies()],
            placeholder=view.t("ui16.choose_many"),
            format_func=agency_name,
        )
        save = st.form_submit_button(view.t("admin.save_role"))
    if save:
        try:
            accounts.set_role(
                db, name, role, agency_ids=agencies if role in AGENCY_ROLES else (), by=me.username
            )
            box.success(view.t("admin.role_saved", name=auth.esc(name)))
        except accounts.AuthError as exc:
            refused("user_set_role", name, exc)

    c1, c2, c3 = st.columns(3)
    is_disabled = bool(row["disabled"])
    if c1.button(
        view.t("admin.enable") if is_disabled else view.t("admin.disable"), key="admin_toggle"
    ):
        try:
            if is_disabled:
                accounts.enable_user(db, name, by=me.username)
                box.success(view.t("admin.enabled", name=auth.esc(name)))
            elif name == me.username:
                raise accounts.AuthError(view.t("admin.not_self"))
            else:
                accounts.disable_user(db, name, by=me.username)
                box.success(view.t("admin.disabled", name=auth.esc(name)))
        except accounts.AuthError as exc:
            refused("user_enable" if is_disabled else "user_disable", name, exc)
    if c2.button(view.t("admin.new_password"), key="admin_reset_pw"):
        try:
            password = accounts.set_password(db, name, by=me.username)
            box.success(view.t("admin.password_set", name=auth.esc(name)))
            box.code(password, language=None)
        except accounts.AuthError as exc:
            refused("user_set_password", name, exc)
    if c3.button(view.t("admin.unlock"), key="admin_unlock"):
        try:
            accounts.unlock_user(db, name, by=me.username)
            box.success(view.t("admin.unlocked", name=auth.esc(name)))
        except accounts.AuthError as exc:
            refused("user_unlock", name, exc)


def register_section(db: str) -> None:
    """The agency register: what it holds, and forms to add a unit or another name."""
    st.caption(view.t("admin.reg_intro"))
    messages = st.container()
    done = st.session_state.pop("admin_reg_done", None)
    if done:
        messages.success(done)
    resolver = agency_units.resolver_for(db)
    c1, c2 = st.columns(2)
    with c1, st.form("admin_unit", clear_on_submit=True):
        st.markdown(f"**{view.t('admin.reg_add_unit')}**")
        name = st.text_input(view.t("admin.reg_unit_name"), key="admin_unit_name", max_chars=200)
        parents = [a.id for a in agency_units.parent_options(resolver)]
        parent = st.selectbox(
            view.t("admin.reg_parent"),
            parents,
            key="admin_unit_parent",
            format_func=agency_name,
            placeholder=view.t("viewer16.pick_one"),
        )
        name_en = st.text_input(view.t("admin.reg_unit_en"), key="admin_unit_en", max_chars=200)
        add_unit = st.form_submit_button(view.t("admin.reg_add_unit"))
    with c2, st.form("admin_alias", clear_on_submit=True):
        st.markdown(f"**{view.t('admin.reg_add_alias')}**")
        text = st.text_input(view.t("admin.reg_alias_text"), key="admin_alias_text", max_chars=200)
        targets = [a.id for a in resolver.all()]
        target = st.selectbox(
            view.t("admin.reg_alias_to"),
            targets,
            key="admin_alias_to",
            placeholder=view.t("viewer16.pick_one"),
            format_func=lambda a: f"{agency_units.label(resolver.get(a), resolver, lg)} ({a})",
        )
        add_alias = st.form_submit_button(view.t("admin.reg_add_alias_btn"))
    try:
        done = None
        if add_unit:
            unit = agency_units.add_unit(db, name, parent, name_en=name_en, by=me.username)
            done = view.t("admin.reg_unit_added", name=auth.esc(unit.name_vi))
        if add_alias:
            agency = agency_units.add_alias(db, text, target, by=me.username)
            shown = agency_units.label(agency, resolver, lg)
            done = view.t(
                "admin.reg_alias_added", text=auth.esc(text.strip()), name=auth.esc(shown)
            )
        if done:  # drawn again, so that every list offers what was just added
            st.session_state["admin_reg_done"] = done
            data.clear()
            st.rerun()
    except agency_units.RegisterError as exc:
        action = "agency_unit_add" if add_unit else "agency_alias_add"
        auth.audit(
            action,
            (name if add_unit else text)[:200] or None,
            {"error": exc.message, "code": exc.code},
            outcome="refused",
            who=me,
        )
        messages.error(view.t("admin.refused", why=auth.esc(exc.text(lg))))
    listing = agency_units.listing(db)
    if not listing["units"] and not listing["aliases"]:
        st.info(view.t("admin.reg_none"))
        return
    if listing["units"]:
        st.subheader(view.t("admin.reg_units"))
        units = pd.DataFrame(
            {
                view.t("col.unit"): [u["name_vi"] for u in listing["units"]],
                view.t("admin.col_parent"): [agency_name(u["parent_id"]) for u in listing["units"]],
                view.t("col.id"): [u["agency_id"] for u in listing["units"]],
                view.t("admin.col_alias"): [", ".join(u["aliases"]) for u in listing["units"]],
                view.t("admin.col_by"): [u["created_by"] or "" for u in listing["units"]],
                view.t("admin.col_created"): vn_times([u["created_at"] for u in listing["units"]]),
            }
        )
        st.dataframe(units, hide_index=True, width="stretch", key="admin_units_table")
    if listing["aliases"]:
        st.subheader(view.t("admin.reg_aliases"))
        aliases = pd.DataFrame(
            {
                view.t("admin.col_alias"): [a["alias"] for a in listing["aliases"]],
                view.t("admin.reg_alias_to"): [a["agency"] for a in listing["aliases"]],
                view.t("col.id"): [a["agency_id"] for a in listing["aliases"]],
                view.t("admin.col_by"): [a["created_by"] or "" for a in listing["aliases"]],
                view.t("admin.col_created"): vn_times(
                    [a["created_at"] for a in listing["aliases"]]
                ),
            }
        )
        st.dataframe(aliases, hide_index=True, width="stretch", key="admin_aliases_table")


def users_table(db: str, box) -> None:
    users = accounts.list_users(db)
    box.subheader(view.t("admin.users"))
    if users.empty:
        box.info(view.t("admin.no_users"))
        return
    shown = users.assign(
        display_name=users["display_name"].fillna(""),
        created_at=vn_times(users["created_at"]),
        updated_at=vn_times(users["updated_at"]),
        role=users["role"].map(lambda r: view.t(f"role.{r}")),
        agency_ids=users["agency_ids"].map(
            lambda ids: ", ".join(agency_name(str(a)) for a in (ids if ids is not None else []))
        ),
        disabled=users["disabled"].map(
            lambda d: view.t("admin.status_disabled") if d else view.t("admin.status_active")
        ),
    ).rename(
        columns={
            "username": view.t("auth.username"),
            "display_name": view.t("admin.col_display"),
            "role": view.t("admin.role"),
            "agency_ids": view.t("col.agency"),
            "disabled": view.t("col.state"),
            "created_at": view.t("admin.col_created"),
            "updated_at": view.t("admin.col_updated"),
        }
    )
    box.dataframe(shown, hide_index=True, width="stretch", key="admin_users_table")


st.title(view.t("page.admin"))

with guard(lg):
    db = data.db()
    locked = throttle.lockouts(db) if me.can_admin else None
    locked_admins = locked.loc[locked["role"] == "admin"] if locked is not None else None
    if locked_admins is not None and not locked_admins.empty:  # told first, whatever tab is open
        names = ", ".join(
            f"{r.username} ({r.client})" for r in locked_admins.itertuples(index=False)
        )
        st.warning(
            view.t("admin.admin_locked", names=auth.esc(names), section=view.t("admin.lockouts"))
        )
    # (tab, permission): a coordinator gets the register and the audit log, never the accounts
    shown = [
        (name, label)
        for name, label, needs in (
            ("users", "admin.accounts", "admin"),
            ("agencies", "admin.tab_agencies", "manage_agencies"),
            ("audit", "audit.title", "read_audit"),
        )
        if me.allows(needs)
    ]
    tabs = dict(zip([n for n, _ in shown], st.tabs([view.t(k) for _, k in shown]), strict=True))
    if "users" in tabs:
        with tabs["users"]:
            messages = st.container()
            table_box = st.container()
            st.caption(view.t("admin.identity_note"))
            add_section(db, messages)
            manage_section(db, accounts.list_users(db), messages)
            lockouts.section(view, me, db, locked)
            users_table(db, table_box)  # drawn last, so it shows the changes made in this run
            recipients.section(db, me, view)  # who receives the daily e-mails (issue 17)
    if "agencies" in tabs:
        with tabs["agencies"]:
            register_section(db)
    if "audit" in tabs:
        with tabs["audit"]:
            audit_panel(view, key="admin_audit")
