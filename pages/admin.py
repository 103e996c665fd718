"""Administration (admins only): accounts, roles, agencies, and the audit log.

Every change goes through analytics.auth or analytics.agency_units, which record it in the audit
log; refused attempts are recorded here with outcome 'refused'. The agency register: units of a
ministry, agency or province, and other names of agencies (what files write that the reference
lists do not know).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import agency_units
from analytics import auth as accounts
from analytics.access import AGENCY_ROLES, ASSIGNABLE_ROLES
from ui import auth, data, state
from ui.components import guard

S: dict[str, tuple[str, str]] = {
    "tab_users": ("Tài khoản", "Accounts"),
    "tab_audit": ("Nhật ký hoạt động", "Audit log"),
    "tab_agencies": ("Danh mục đơn vị", "Agency register"),
    "reg_intro": (
        "Đơn vị thuộc bộ, ngành hoặc tỉnh, thành phố (Vụ, Cục, Văn phòng Bộ, Sở...) và tên khác "
        "của cơ quan mà tệp dữ liệu ghi nhưng danh mục chuẩn chưa có. Nhiệm vụ của đơn vị được "
        "tính cho cơ quan cấp trên trong số liệu chung; trang Bộ, ngành, địa phương chia theo đơn vị.",
        "Units of a ministry, agency or province (departments, offices, provincial departments) "
        "and other names of agencies that files write and the reference lists lack. A unit's tasks "
        "count for its parent in the overall figures; the Agency page breaks them down by unit.",
    ),
    "reg_units": ("Đơn vị đã đăng ký", "Registered units"),
    "reg_aliases": ("Tên khác đã đăng ký", "Registered other names"),
    "reg_none": ("Chưa có đơn vị hay tên khác nào.", "No units or other names yet."),
    "reg_add_unit": ("Thêm đơn vị", "Add a unit"),
    "reg_unit_name": ("Tên đơn vị (như tệp ghi)", "Unit name (as files write it)"),
    "reg_unit_en": ("Tên tiếng Anh (không bắt buộc)", "English name (optional)"),
    "reg_parent": ("Thuộc cơ quan", "Part of"),
    "reg_add_unit_btn": ("Thêm đơn vị", "Add unit"),
    "reg_unit_added": ("Đã thêm đơn vị {name}.", "Unit {name} added."),
    "reg_add_alias": ("Thêm tên khác của cơ quan", "Add another name of an agency"),
    "reg_alias_text": ("Tên khác (như tệp ghi)", "Other name (as files write it)"),
    "reg_alias_to": ("Là tên của", "Name of"),
    "reg_add_alias_btn": ("Thêm tên khác", "Add name"),
    "reg_alias_added": (
        "Đã ghi nhận '{text}' là tên của {name}.",
        "'{text}' recorded as a name of {name}.",
    ),
    "col_unit_id": ("Mã", "Id"),
    "col_unit": ("Đơn vị", "Unit"),
    "col_parent": ("Thuộc", "Part of"),
    "col_alias": ("Tên khác", "Other name"),
    "col_aliases": ("Tên khác", "Other names"),
    "col_by": ("Người thêm", "Added by"),
    "users": ("Danh sách tài khoản", "Accounts"),
    "add": ("Thêm tài khoản", "Add an account"),
    "username": ("Tên đăng nhập (hoặc địa chỉ thư điện tử)", "Username (or e-mail address)"),
    "display_name": ("Họ tên hiển thị", "Display name"),
    "role": ("Vai trò", "Role"),
    "agencies": (
        "Cơ quan (bắt buộc với vai trò của cơ quan)",
        "Agencies (required for agency roles)",
    ),
    "create": ("Tạo tài khoản", "Create account"),
    "created": (
        "Đã tạo tài khoản {name}. Mật khẩu (chỉ hiển thị một lần, hãy chuyển cho người dùng):",
        "Account {name} created. Password (shown only once; pass it on to the user):",
    ),
    "manage": ("Quản lý tài khoản", "Manage an account"),
    "pick": ("Tài khoản", "Account"),
    "save_role": ("Lưu vai trò", "Save role"),
    "role_saved": ("Đã cập nhật vai trò của {name}.", "Role of {name} updated."),
    "disable": ("Vô hiệu hoá", "Disable"),
    "enable": ("Kích hoạt lại", "Enable"),
    "disabled": ("Đã vô hiệu hoá {name}.", "{name} disabled."),
    "enabled": ("Đã kích hoạt lại {name}.", "{name} enabled."),
    "new_password": ("Cấp mật khẩu mới", "New password"),
    "password_set": (
        "Mật khẩu mới của {name} (chỉ hiển thị một lần):",
        "New password for {name} (shown only once):",
    ),
    "unlock": ("Mở khoá đăng nhập", "Clear sign-in lockout"),
    "unlocked": ("Đã mở khoá đăng nhập cho {name}.", "Sign-in lockout cleared for {name}."),
    "lockouts": ("Đăng nhập đang bị tạm khoá", "Sign-in lockouts in force"),
    "lockouts_none": ("Không có tài khoản nào đang bị tạm khoá đăng nhập.", "No sign-in lockouts."),
    "lockouts_intro": (
        "Sau 5 lần đăng nhập sai trong 15 phút từ một máy, tài khoản bị tạm khoá 15 phút cho máy "
        "đó (máy khác vẫn đăng nhập được); sau 20 lần sai từ một máy, với bất kỳ tài khoản nào, "
        "máy đó bị khoá với mọi tài khoản.",
        "After 5 failed sign-ins within 15 minutes from one address, the account is locked for 15 "
        "minutes from that address only (other addresses can still sign in); after 20 from one "
        "address, whatever the accounts, that address is locked for every account.",
    ),
    "admin_locked": (
        "Tài khoản quản trị đang bị tạm khoá đăng nhập (từ địa chỉ): {names}. "
        "Xem mục '{section}' ở thẻ Tài khoản.",
        "Administrator accounts locked out (from the address): {names}. "
        "See '{section}' on the Accounts tab.",
    ),
    "col_client": ("Địa chỉ máy", "Client address"),
    "col_locked_at": ("Từ (UTC)", "Since (UTC)"),
    "col_locked_until": ("Đến (UTC)", "Until (UTC)"),
    "col_failures": ("Số lần sai", "Failures"),
    "every_user": ("(mọi tài khoản)", "(every account)"),
    "no_account": ("(không có tài khoản)", "(no such account)"),
    "unlock_pair": ("Mở khoá {name} · {client}", "Unlock {name} · {client}"),
    "unlocked_pair": (
        "Đã mở khoá đăng nhập cho {name} từ {client}.",
        "Sign-in lockout of {name} from {client} cleared.",
    ),
    "not_self": (
        "Không thể vô hiệu hoá tài khoản đang đăng nhập.",
        "You cannot disable the account you are signed in with.",
    ),
    "refused": ("Không thực hiện được: {why}", "Not done: {why}"),
    "no_users": ("Chưa có tài khoản nào.", "No accounts yet."),
    "status_disabled": ("đã vô hiệu hoá", "disabled"),
    "status_active": ("đang hoạt động", "active"),
    "col_username": ("Tên đăng nhập", "Username"),
    "col_display": ("Họ tên", "Name"),
    "col_role": ("Vai trò", "Role"),
    "col_agencies": ("Cơ quan", "Agencies"),
    "col_status": ("Trạng thái", "Status"),
    "col_created": ("Tạo lúc (UTC)", "Created (UTC)"),
    "col_updated": ("Cập nhật (UTC)", "Updated (UTC)"),
    "identity_note": (
        "Tài khoản cục bộ đăng nhập bằng mật khẩu. Khi dùng nhà cung cấp định danh (OIDC) hoặc "
        "cổng đăng nhập, tên đăng nhập là địa chỉ thư điện tử / tên người dùng do cổng gửi sang; "
        "vai trò luôn lấy từ bảng này.",
        "Local accounts sign in with a password. With the identity provider (OIDC) or the sign-in "
        "gateway, the username is the e-mail address / the user name the gateway sends; the role "
        "always comes from this table.",
    ),
}

# Check the user before anything else: never assume app.py ran first (a fresh server with a
# pages/ folder runs a deep-linked page directly until st.navigation has been called once).
me = auth.user()
lg = state.lang()
if not me.can_admin:
    auth.require(me, "manage_users", "page_admin")
    st.stop()
view = state.current_view()


def s(key: str, **fmt) -> str:
    text = S[key][0 if lg == "vi" else 1]
    return text.format(**fmt) if fmt else text


def agency_name(agency_id: str) -> str:
    a = accounts.known_agencies().get(agency_id)
    if a is None:
        return agency_id
    return f"{a.name_vi if lg == 'vi' else a.name_en} ({agency_id})"


def refused(action: str, target: str | None, exc: Exception) -> None:
    auth.audit(action, target, {"error": str(exc)}, outcome="refused", who=me)
    st.error(s("refused", why=str(exc)))


def add_section(db: str, box) -> None:
    st.subheader(s("add"))
    with st.form("admin_add", clear_on_submit=True):
        c1, c2 = st.columns(2)
        username = c1.text_input(s("username"), key="admin_add_username", max_chars=128)
        display = c2.text_input(s("display_name"), key="admin_add_display", max_chars=200)
        role = c1.selectbox(
            s("role"),
            ASSIGNABLE_ROLES,
            key="admin_add_role",
            format_func=lambda r: auth.role_label(r, lg),
        )
        agencies = c2.multiselect(
            s("agencies"),
            list(accounts.known_agencies()),
            key="admin_add_agencies",
            format_func=agency_name,
        )
        submitted = st.form_submit_button(s("create"))
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
    box.success(s("created", name=auth.esc(name)))
    box.code(password, language=None)


def manage_section(db: str, users, box) -> None:
    st.subheader(s("manage"))
    names = users["username"].tolist()
    if not names:
        return
    name = st.selectbox(s("pick"), names, key="admin_pick")
    row = users.loc[users["username"] == name].iloc[0]
    current_ids = [str(a) for a in (row["agency_ids"] if row["agency_ids"] is not None else [])]
    with st.form(f"admin_role__{name}"):
        c1, c2 = st.columns(2)
        role = c1.selectbox(
            s("role"),
            ASSIGNABLE_ROLES,
            key=f"admin_role__{name}",
            index=ASSIGNABLE_ROLES.index(row["role"]) if row["role"] in ASSIGNABLE_ROLES else 0,
            format_func=lambda r: auth.role_label(r, lg),
        )
        agencies = c2.multiselect(
            s("agencies"),
            list(accounts.known_agencies()),
            key=f"admin_agencies__{name}",
            default=[a for a in current_ids if a in accounts.known_agencies()],
            format_func=agency_name,
        )
        save = st.form_submit_button(s("save_role"))
    if save:
        try:
            accounts.set_role(
                db, name, role, agency_ids=agencies if role in AGENCY_ROLES else (), by=me.username
            )
            box.success(s("role_saved", name=auth.esc(name)))
        except accounts.AuthError as exc:
            refused("user_set_role", name, exc)

    c1, c2, c3 = st.columns(3)
    is_disabled = bool(row["disabled"])
    if c1.button(s("enable") if is_disabled else s("disable"), key="admin_toggle"):
        try:
            if is_disabled:
                accounts.enable_user(db, name, by=me.username)
                box.success(s("enabled", name=auth.esc(name)))
            elif name == me.username:
                raise accounts.AuthError(s("not_self"))
            else:
                accounts.disable_user(db, name, by=me.username)
                box.success(s("disabled", name=auth.esc(name)))
        except accounts.AuthError as exc:
            refused("user_enable" if is_disabled else "user_disable", name, exc)
    if c2.button(s("new_password"), key="admin_reset_pw"):
        try:
            password = accounts.set_password(db, name, by=me.username)
            box.success(s("password_set", name=auth.esc(name)))
            box.code(password, language=None)
        except accounts.AuthError as exc:
            refused("user_set_password", name, exc)
    if c3.button(s("unlock"), key="admin_unlock"):
        try:
            accounts.unlock_user(db, name, by=me.username)
            box.success(s("unlocked", name=auth.esc(name)))
        except accounts.AuthError as exc:
            refused("user_unlock", name, exc)


def lockout_label(username: str) -> str:
    return s("every_user") if username == accounts.EVERY_USER else username


def lockouts_section(db: str, locked: pd.DataFrame) -> None:
    """The sign-in lockouts in force (admin accounts first), each with a button that ends it
    (recorded as 'user_unlock' with the client)."""
    st.subheader(s("lockouts"))
    done = st.session_state.pop("admin_lockout_done", None)
    if done:
        st.success(done)
    if locked.empty:
        st.caption(s("lockouts_none"))
        return
    st.caption(s("lockouts_intro"))
    shown = pd.DataFrame(
        {
            s("col_username"): locked["username"].map(lockout_label),
            s("col_role"): locked["role"].map(
                lambda r: auth.role_label(r, lg) if r else s("no_account")
            ),
            s("col_client"): locked["client"],
            s("col_locked_at"): locked["locked_at"],
            s("col_locked_until"): locked["locked_until"],
            s("col_failures"): locked["failures"],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", key="admin_lockouts_table")
    for row in locked.itertuples(index=False):
        name, client = auth.esc(lockout_label(row.username)), auth.esc(row.client)
        key = f"admin_lockout_unlock__{row.username}__{row.client}"
        if not st.button(s("unlock_pair", name=name, client=client), key=key):
            continue
        try:
            accounts.unlock_user(db, row.username, by=me.username, client=row.client)
        except accounts.AuthError as exc:
            refused("user_unlock", row.username, exc)
            return
        st.session_state["admin_lockout_done"] = s("unlocked_pair", name=name, client=client)
        st.rerun()


def register_section(db: str) -> None:
    """The agency register: what it holds, and forms to add a unit or another name."""
    st.caption(s("reg_intro"))
    messages = st.container()
    done = st.session_state.pop("admin_reg_done", None)
    if done:
        messages.success(done)
    resolver = agency_units.resolver_for(db)
    c1, c2 = st.columns(2)
    with c1, st.form("admin_unit", clear_on_submit=True):
        st.markdown(f"**{s('reg_add_unit')}**")
        name = st.text_input(s("reg_unit_name"), key="admin_unit_name", max_chars=200)
        parents = [a.id for a in agency_units.parent_options(resolver)]
        parent = st.selectbox(
            s("reg_parent"), parents, key="admin_unit_parent", format_func=agency_name
        )
        name_en = st.text_input(s("reg_unit_en"), key="admin_unit_en", max_chars=200)
        add_unit = st.form_submit_button(s("reg_add_unit_btn"))
    with c2, st.form("admin_alias", clear_on_submit=True):
        st.markdown(f"**{s('reg_add_alias')}**")
        text = st.text_input(s("reg_alias_text"), key="admin_alias_text", max_chars=200)
        targets = [a.id for a in resolver.all()]
        target = st.selectbox(
            s("reg_alias_to"),
            targets,
            key="admin_alias_to",
            format_func=lambda a: f"{agency_units.label(resolver.get(a), resolver, lg)} ({a})",
        )
        add_alias = st.form_submit_button(s("reg_add_alias_btn"))
    try:
        done = None
        if add_unit:
            unit = agency_units.add_unit(db, name, parent, name_en=name_en, by=me.username)
            done = s("reg_unit_added", name=auth.esc(unit.name_vi))
        if add_alias:
            agency = agency_units.add_alias(db, text, target, by=me.username)
            shown = agency_units.label(agency, resolver, lg)
            done = s("reg_alias_added", text=auth.esc(text.strip()), name=auth.esc(shown))
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
        messages.error(s("refused", why=auth.esc(exc.text(lg))))
    listing = agency_units.listing(db)
    if not listing["units"] and not listing["aliases"]:
        st.info(s("reg_none"))
        return
    if listing["units"]:
        st.subheader(s("reg_units"))
        units = pd.DataFrame(
            {
                s("col_unit"): [u["name_vi"] for u in listing["units"]],
                s("col_parent"): [agency_name(u["parent_id"]) for u in listing["units"]],
                s("col_unit_id"): [u["agency_id"] for u in listing["units"]],
                s("col_aliases"): [", ".join(u["aliases"]) for u in listing["units"]],
                s("col_by"): [u["created_by"] or "" for u in listing["units"]],
                s("col_created"): [u["created_at"] for u in listing["units"]],
            }
        )
        st.dataframe(units, hide_index=True, width="stretch", key="admin_units_table")
    if listing["aliases"]:
        st.subheader(s("reg_aliases"))
        aliases = pd.DataFrame(
            {
                s("col_alias"): [a["alias"] for a in listing["aliases"]],
                s("reg_alias_to"): [a["agency"] for a in listing["aliases"]],
                s("col_unit_id"): [a["agency_id"] for a in listing["aliases"]],
                s("col_by"): [a["created_by"] or "" for a in listing["aliases"]],
                s("col_created"): [a["created_at"] for a in listing["aliases"]],
            }
        )
        st.dataframe(aliases, hide_index=True, width="stretch", key="admin_aliases_table")


def users_table(db: str, box) -> None:
    users = accounts.list_users(db)
    box.subheader(s("users"))
    if users.empty:
        box.info(s("no_users"))
        return
    shown = users.assign(
        display_name=users["display_name"].fillna(""),
        role=users["role"].map(lambda r: auth.role_label(r, lg)),
        agency_ids=users["agency_ids"].map(
            lambda ids: ", ".join(agency_name(str(a)) for a in (ids if ids is not None else []))
        ),
        disabled=users["disabled"].map(lambda d: s("status_disabled") if d else s("status_active")),
    ).rename(
        columns={
            "username": s("col_username"),
            "display_name": s("col_display"),
            "role": s("col_role"),
            "agency_ids": s("col_agencies"),
            "disabled": s("col_status"),
            "created_at": s("col_created"),
            "updated_at": s("col_updated"),
        }
    )
    box.dataframe(shown, hide_index=True, width="stretch", key="admin_users_table")


st.title(view.t("page_admin"))

with guard(lg):
    db = data.db()
    locked = accounts.lockouts(db)
    locked_admins = locked.loc[locked["role"] == "admin"]
    if not locked_admins.empty:  # told first, whatever tab is open
        names = ", ".join(
            f"{r.username} ({r.client})" for r in locked_admins.itertuples(index=False)
        )
        st.warning(s("admin_locked", names=auth.esc(names), section=s("lockouts")))
    tab_users, tab_agencies, tab_audit = st.tabs(
        [s("tab_users"), s("tab_agencies"), s("tab_audit")]
    )
    with tab_users:
        messages = st.container()
        table_box = st.container()
        st.caption(s("identity_note"))
        add_section(db, messages)
        manage_section(db, accounts.list_users(db), messages)
        lockouts_section(db, locked)
        users_table(db, table_box)  # drawn last, so it shows the changes made in this run
    with tab_agencies:
        register_section(db)
    with tab_audit:
        auth.audit_panel(view, key="admin_audit")
