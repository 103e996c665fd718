"""Administration (admins only): accounts, roles, agencies, and the audit log.

Every change goes through analytics.auth, which records it in the audit log; refused attempts
are recorded here with outcome 'refused'.
"""

from __future__ import annotations

import streamlit as st

from analytics import auth as accounts
from analytics.access import AGENCY_ROLES, ASSIGNABLE_ROLES
from ui import auth, data, state
from ui.components import guard

S: dict[str, tuple[str, str]] = {
    "tab_users": ("Tài khoản", "Accounts"),
    "tab_audit": ("Nhật ký hoạt động", "Audit log"),
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
    tab_users, tab_audit = st.tabs([s("tab_users"), s("tab_audit")])
    with tab_users:
        messages = st.container()
        table_box = st.container()
        st.caption(s("identity_note"))
        add_section(db, messages)
        manage_section(db, accounts.list_users(db), messages)
        users_table(db, table_box)  # drawn last, so it shows the changes made in this run
    with tab_audit:
        auth.audit_panel(view, key="admin_audit")
