"""Who is using the dashboard, decided again on every rerun.

Identity, in order of precedence:
1. OIDC (`st.login`) when `.streamlit/secrets.toml` has an `[auth]` section: the signed-in
   e-mail address must be a username in the app's `users` table.
2. A trusted reverse-proxy header when `TASKS_TRUSTED_HEADER` names one (e.g. X-Remote-User),
   only while the server listens on loopback (`server.address` 127.0.0.1 / localhost / ::1) and
   only on a request that carries the proxy's shared secret `TASKS_TRUSTED_SECRET` (environment
   or secrets.toml) in `X-Proxy-Secret` (or the header `TASKS_TRUSTED_SECRET_HEADER` names).
   Without the secret configured, or on a request without it, the header is refused (a log
   line) and the sign-in form is shown.
3. Local accounts (argon2 hashes, rate limited per username and client address): a sign-in
   form. The client is the peer's address, or, from a proxy that sends the shared secret, the
   address it forwards.

Whatever the source of the identity, the role and agencies come from the `users` table on every
rerun, so disabling a user or changing a role takes effect at once. Visitors who have not signed
in are the read-only GUEST only in the demo: `TASKS_GUEST=1` (which `make run` sets), no proxy
configured, the server on loopback and the request from this machine with no proxy header
(`guest_allowed`, a pure function of those inputs). Everybody else must sign in before any data
is shown.

Pages: `auth.user()` is the signed-in user of this run; `auth.require(user, "upload")` checks a
permission (recording a refusal); `auth.audit("commit", target, details)` records an event;
`auth.audit_export(view, what, frame, name, key)` draws Excel/CSV buttons that record the export.

Running it:
- `make run`: `python -m analytics bootstrap` loads the sample into an empty database and, when
  no active administrator exists, creates 'admin' with a generated password that it prints once
  on the terminal (only an argon2 hash is kept). Open the dashboard on this machine: the sample
  is shown read-only at once; sign in as 'admin' under "Đăng nhập / Sign in" in the sidebar.
  A new password at any time: `python -m analytics users set-password admin`.
- Accounts: `python -m analytics users add NAME --role admin|agency_editor|leader|agency_viewer
  [--agency ID ...]`, `users list|disable|enable|set-role|set-password|unlock`, or the
  administration page.
- The guest view is off unless `TASKS_GUEST=1`: a reverse proxy on the same machine that sends
  no forwarding header (nginx's default) would otherwise look like a local visitor.
- Identity provider: an `[auth]` section in `.streamlit/secrets.toml` (needs `authlib`); add
  each person with their e-mail address as the username. Proxy: `TASKS_TRUSTED_HEADER=X-Remote-
  User`, `TASKS_TRUSTED_SECRET=<random, 16+ characters>` and `--server.address 127.0.0.1`; the
  proxy must set (and strip any incoming) user header and send the secret in X-Proxy-Secret.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import NoReturn

import pandas as pd
import streamlit as st

from analytics import auth as accounts
from analytics import exports, store
from analytics.access import AGENCY_ROLES, GUEST, User
from ui import data, state

log = logging.getLogger("dashboard.auth")

SESSION_KEY = "auth_user"  # the signed-in username (local accounts); never a User object
SINCE_KEY = "auth_since"
CURRENT_KEY = "_auth_current"  # the User decided in this run (read by pages through user())
LOGGED_KEY = "_auth_logged"  # identity whose sign-in (OIDC/header) was already recorded
DENIED_KEY = "_auth_denied"  # identity whose refusal was already recorded
MAX_SESSION = dt.timedelta(hours=12)
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
# Headers a reverse proxy adds (any X-Forwarded-* counts too): a request with one of them came
# through a proxy, whatever its peer address says.
FORWARD_HEADERS = (
    "X-Forwarded-For",
    "Forwarded",
    "X-Real-Ip",
    "X-Forwarded-Host",
    "X-Forwarded-Proto",
    "X-Original-Forwarded-For",
    "X-Client-Ip",
    "True-Client-Ip",
    "Cf-Connecting-Ip",
    "Fastly-Client-Ip",
    "X-Cluster-Client-Ip",
    "Via",
)
SECRET_HEADER = "X-Proxy-Secret"  # default name of the header carrying TASKS_TRUSTED_SECRET
# ... and headers that identity proxies send: also signs of a proxy.
PROXY_HEADERS = (
    *FORWARD_HEADERS,
    SECRET_HEADER,
    "X-Remote-User",
    "Remote-User",
    "X-Forwarded-User",
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
)
MIN_SECRET = 16  # characters of TASKS_TRUSTED_SECRET at least
SETTINGS = (
    "TASKS_GUEST",
    "TASKS_TRUSTED_HEADER",
    "TASKS_TRUSTED_SECRET",
    "TASKS_TRUSTED_SECRET_HEADER",
)
HEADER_REFUSED_KEY = "_auth_header_refused"  # why the trusted header was refused (logged once)

TEXT: dict[str, tuple[str, str]] = {
    "signin": ("Đăng nhập", "Sign in"),
    "signin_title": ("🔑 Đăng nhập", "🔑 Sign in"),
    "signout": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "wrong": ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."),
    "empty": ("Nhập tên đăng nhập và mật khẩu.", "Enter a username and a password."),
    "locked": (
        "Đăng nhập sai quá nhiều lần từ máy này: tạm khoá đăng nhập. Thử lại sau {minutes} phút.",
        "Too many failed sign-ins from this device: sign-in is locked here. "
        "Try again in {minutes} min.",
    ),
    "throttled": (
        "Vui lòng đợi {seconds} giây rồi thử lại.",
        "Please wait {seconds} s before trying again.",
    ),
    "must_signin": (
        "Bạn cần đăng nhập để xem bảng theo dõi nhiệm vụ.",
        "Please sign in to see the task dashboard.",
    ),
    "guest_note": ("Đang xem với tư cách khách (chỉ xem).", "Viewing as a guest (read only)."),
    "signed_in_as": ("Đăng nhập: {name} · {role}", "Signed in: {name} · {role}"),
    "agencies": ("Cơ quan: {names}", "Agencies: {names}"),
    "session_ended": (
        "Phiên làm việc đã kết thúc: tài khoản không còn hiệu lực hoặc đã hết hạn. Hãy đăng nhập lại.",
        "Your session has ended: the account is no longer active or the session expired. "
        "Please sign in again.",
    ),
    "not_authorised": (
        "Tài khoản {name} chưa được cấp quyền sử dụng bảng theo dõi này. "
        "Hãy liên hệ quản trị viên (Văn phòng Ban Chỉ đạo).",
        "{name} is not authorised to use this dashboard. "
        "Please ask an administrator (the steering office).",
    ),
    "oidc_button": (
        "Đăng nhập bằng tài khoản định danh",
        "Sign in with the identity provider",
    ),
    "email_unverified": (
        "Địa chỉ thư điện tử chưa được nhà cung cấp định danh xác thực.",
        "The identity provider has not verified this e-mail address.",
    ),
    "proxy_missing": (
        "Chưa xác định được người dùng: hãy truy cập qua cổng đăng nhập của cơ quan.",
        "No signed-in user: please open the dashboard through the organisation's sign-in gateway.",
    ),
    "misconfigured": (
        "Cấu hình đăng nhập chưa đúng; hãy báo quản trị viên.",
        "Sign-in is misconfigured; please tell an administrator.",
    ),
    "denied": (
        "Bạn không có quyền thực hiện thao tác này.",
        "You do not have permission to do this.",
    ),
    "foreign_agencies": (
        "Tệp có nhiệm vụ của cơ quan khác, bạn không được cập nhật: {names}. Không có gì được lưu.",
        "The file has tasks of other agencies, which you may not update: {names}. Nothing was stored.",
    ),
    "busy": (
        "Cơ sở dữ liệu đang bận; thử lại sau giây lát.",
        "The database is busy; try again in a moment.",
    ),
    "error": (
        "Đã có lỗi khi kiểm tra đăng nhập; hãy thử lại.",
        "Something went wrong while checking the sign-in; please try again.",
    ),
    "audit_title": ("Nhật ký hoạt động", "Audit log"),
    "audit_since": ("Từ ngày", "Since"),
    "audit_actions": ("Loại thao tác", "Actions"),
    "audit_all_actions": ("Tất cả thao tác", "All actions"),
    "audit_user": ("Người dùng", "User"),
    "audit_limit": ("Số dòng tối đa", "Rows at most"),
    "audit_rows": ("{n} dòng, mới nhất trước.", "{n} rows, newest first."),
    "download_xlsx": ("Tải Excel", "Download Excel"),
    "download_csv": ("Tải CSV", "Download CSV"),
}

ROLE_TEXT: dict[str, tuple[str, str]] = {
    "admin": ("Quản trị viên", "Administrator"),
    "agency_editor": ("Cán bộ cập nhật của cơ quan", "Agency editor"),
    "leader": ("Lãnh đạo", "Leader"),
    "agency_viewer": ("Cơ quan (chỉ xem)", "Agency viewer"),
    "guest": ("Khách (chỉ xem)", "Guest (read only)"),
}


def tr(key: str, lang: str | None = None, **fmt) -> str:
    """This module's labels (Vietnamese first)."""
    lang = lang or state.lang()
    pair = TEXT.get(key)
    text = key if pair is None else pair[0 if lang == "vi" else 1]
    return text.format(**fmt) if fmt else text


def role_label(role: str, lang: str | None = None) -> str:
    lang = lang or state.lang()
    pair = ROLE_TEXT.get(role)
    return role if pair is None else pair[0 if lang == "vi" else 1]


def esc(text: object) -> str:
    """User-supplied text made inert inside Streamlit markdown."""
    out = []
    for ch in str(text):
        if ch in "\\`*_{}[]()#+-.!|<>~$:":
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
    return "".join(out)


def _db() -> str:
    return data.db()


# --------------------------------------------------------------------------- the request


def _request_headers() -> dict[str, list[str]]:
    """The headers of the request that opened this session, every value of each ({} in tests)."""
    try:
        headers = st.context.headers
        return {str(k): [v for v in headers.get_all(k) if isinstance(v, str)] for k in headers}
    except Exception:
        return {}


def client_ip() -> str | None:
    """The peer's address; None on loopback (Streamlit reports loopback as None) or in tests."""
    try:
        ip = st.context.ip_address
    except Exception:
        return None
    return ip if isinstance(ip, str) and ip else None  # AppTest's mock runtime gives a mock


def settings() -> dict[str, str]:
    """The identity settings of SETTINGS from the environment; TASKS_TRUSTED_SECRET may also be
    a top-level key of .streamlit/secrets.toml (the environment wins)."""
    found = {k: os.environ[k] for k in SETTINGS if k in os.environ}
    if not found.get("TASKS_TRUSTED_SECRET", "").strip():
        try:
            secret = st.secrets.get("TASKS_TRUSTED_SECRET")
        except Exception:
            secret = None
        if isinstance(secret, str) and secret.strip():
            found["TASKS_TRUSTED_SECRET"] = secret
    return found


def _server_address() -> str:
    return str(st.get_option("server.address") or "")


# -- the decisions, as pure functions of the settings and the request


def _values(headers: Mapping[str, str | Sequence[str]], name: str) -> list[str]:
    """Every value of header `name` (any case) in `headers`."""
    want = name.lower()
    out: list[str] = []
    for key, value in headers.items():
        if str(key).lower() == want:
            out.extend(
                [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
            )
    return out


def _is_loopback(ip: str) -> bool:
    try:
        addr = ipaddress.ip_address(ip.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(addr, "ipv4_mapped", None)
    return addr.is_loopback or bool(mapped and mapped.is_loopback)


def loopback_address(server_address: str | None) -> bool:
    """Does `server.address` make the server listen on this machine only? (Unset listens on
    every interface; a unix socket sits behind a proxy.)"""
    text = str(server_address or "").strip()
    return text.lower() in LOOPBACK_NAMES or (bool(text) and _is_loopback(text))


def proxy_signs(headers: Mapping[str, str | Sequence[str]]) -> list[str]:
    """The headers of `headers` that only a proxy (or someone posing as one) sends."""
    names = {h.lower() for h in PROXY_HEADERS}
    return sorted(
        str(k)
        for k, v in headers.items()
        if (str(k).lower() in names or str(k).lower().startswith("x-forwarded-"))
        and any(x.strip() for x in ([v] if isinstance(v, str) else v) if isinstance(x, str))
    )


def proxy_configured(env: Mapping[str, str]) -> bool:
    """A trusted header or a proxy secret is set: the dashboard is meant to sit behind a proxy."""
    return any(env.get(k, "").strip() for k in ("TASKS_TRUSTED_HEADER", "TASKS_TRUSTED_SECRET"))


def is_local(
    headers: Mapping[str, str | Sequence[str]], peer: str | None, server_address: str | None
) -> bool:
    """Does the request come from this machine, and not through a proxy? The server listens on
    loopback only, the peer is loopback (None: Streamlit's word for it), no proxy header."""
    if not loopback_address(server_address):
        return False
    if peer is not None and not _is_loopback(peer):
        return False
    return not proxy_signs(headers)


def guest_allowed(
    env: Mapping[str, str],
    headers: Mapping[str, str | Sequence[str]],
    peer: str | None,
    server_address: str | None,
) -> bool:
    """May a visitor who has not signed in see the read-only guest view? Only in the demo that
    `make run` starts: TASKS_GUEST=1, no proxy configured (TASKS_TRUSTED_HEADER or
    TASKS_TRUSTED_SECRET), and a local request (`is_local`). A proxy on this machine that sends
    no forwarding header (nginx's default) looks local: that is why the guest is off unless
    TASKS_GUEST=1."""
    if env.get("TASKS_GUEST", "").strip() != "1":
        return False
    if proxy_configured(env):
        return False
    return is_local(headers, peer, server_address)


def _proxy_proven(env: Mapping[str, str], headers: Mapping[str, str | Sequence[str]]) -> str:
    """'ok' when the request carries the proxy's shared secret; else why not: 'no_secret' (none
    configured), 'weak_secret' (shorter than MIN_SECRET), 'bad_secret' (absent, repeated or
    wrong). Compared in constant time."""
    secret = env.get("TASKS_TRUSTED_SECRET", "").strip()
    if not secret:
        return "no_secret"
    if len(secret) < MIN_SECRET:
        return "weak_secret"
    name = env.get("TASKS_TRUSTED_SECRET_HEADER", "").strip() or SECRET_HEADER
    sent = _values(headers, name)
    if len(sent) != 1:
        return "bad_secret"
    ok = hmac.compare_digest(sent[0].strip().encode("utf-8"), secret.encode("utf-8"))
    return "ok" if ok else "bad_secret"


def header_identity(
    env: Mapping[str, str], headers: Mapping[str, str | Sequence[str]]
) -> tuple[str | None, str]:
    """The username the proxy's TASKS_TRUSTED_HEADER names, accepted only with the proxy's
    shared secret: (username, 'ok'), or (None, why not): 'off' (no trusted header set),
    'no_secret' | 'weak_secret' | 'bad_secret' (see `_proxy_proven`), 'missing' (no user, or the
    header given twice)."""
    name = env.get("TASKS_TRUSTED_HEADER", "").strip()
    if not name:
        return None, "off"
    proof = _proxy_proven(env, headers)
    if proof != "ok":
        return None, proof
    values = _values(headers, name)
    user = accounts.normalize_username(values[0]) if len(values) == 1 else ""
    return (user, "ok") if user else (None, "missing")


def client_address(
    env: Mapping[str, str], headers: Mapping[str, str | Sequence[str]], peer: str | None
) -> str | None:
    """The visitor's address, which sign-in failures are counted against: the peer's (None:
    this machine), or, from a proxy that proves itself with the shared secret, the address it
    forwards (the last X-Forwarded-For entry, the one the proxy itself added, else X-Real-Ip).
    A forwarded address without the secret is anyone's to write and is not used."""
    if _proxy_proven(env, headers) == "ok":
        chain = [p.strip() for v in _values(headers, "X-Forwarded-For") for p in v.split(",")]
        real = [v.strip() for v in _values(headers, "X-Real-Ip")]
        for candidate in (chain[-1:] or [""])[0], (real[-1:] or [""])[0]:
            if candidate:
                return candidate
    return peer


# -- the decisions for this request


def is_local_request() -> bool:
    """Does this session come from this machine (and not through a reverse proxy)?"""
    return is_local(_request_headers(), client_ip(), _server_address())


def bound_to_loopback() -> bool:
    return loopback_address(_server_address())


def guest_here() -> bool:
    """`guest_allowed` for this session's request."""
    return guest_allowed(settings(), _request_headers(), client_ip(), _server_address())


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:
        return False


def trusted_header() -> str | None:
    name = os.environ.get("TASKS_TRUSTED_HEADER", "").strip()
    return name or None


def mode() -> str:
    """'oidc' | 'header' | 'local'."""
    if oidc_configured():
        return "oidc"
    if trusted_header():
        return "header"
    return "local"


# --------------------------------------------------------------------------- audit helpers


NOBODY = User(username="anonymous", role="none", display_name="")
"""Who runs a page that app.py did not route (no permissions, an empty scope)."""


def _routed_without_app() -> bool:
    """Is a page running through Streamlit's pages/ auto-discovery, i.e. without app.py?

    A fresh server with a pages/ folder runs a deep-linked page directly until st.navigation
    has been called once in the process; app.py (and so the sign-in) has not run then."""
    try:
        from streamlit.runtime.pages_manager import PagesManager

        return bool(PagesManager.uses_pages_directory)
    except Exception:
        return False


def user() -> User:
    """The user app.py decided in this run: GUEST when nobody signed in, NOBODY (no rights,
    empty scope) when the page was not reached through app.py."""
    if _routed_without_app():
        return NOBODY
    found = st.session_state.get(CURRENT_KEY)
    return found if isinstance(found, User) else GUEST


def _no_page() -> None:
    """The only page while the visitor must sign in: nothing."""


def stop() -> NoReturn:
    """End the run before any page is shown.

    Also hands st.navigation a single hidden, empty page, so the sidebar lists no pages and
    Streamlit stops its pages/ auto-discovery (which would list, and run, pages/*.py itself)."""
    try:
        st.navigation([st.Page(_no_page, title=tr("signin"), default=True)], position="hidden")
    except Exception:
        log.exception("could not register the sign-in navigation")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def audit(
    action: str,
    target: str | None = None,
    details=None,
    outcome: str = "ok",
    who: User | str | None = None,
) -> bool:
    """Record an event for the current user; False (and a log line) when it could not be written."""
    name = who.username if isinstance(who, User) else (who or user().username)
    try:
        accounts.record(_db(), name, action, target, details, outcome)
    except Exception:
        log.exception("audit record failed: %s %s", action, target)
        return False
    return True


def require(u: User, permission: str, target: str | None = None) -> bool:
    """True when `u` holds `permission`; otherwise record 'permission_denied' and say so."""
    if u.allows(permission):
        return True
    audit(
        "permission_denied",
        target or permission,
        {"permission": permission, "role": u.role},
        outcome="denied",
        who=u,
    )
    st.error(tr("denied"))
    return False


def agency_names(agency_ids, lang: str | None = None) -> list[str]:
    """Agency ids as names in the current language (unknown ids as they are)."""
    lang = lang or state.lang()
    known = accounts.known_agencies()
    out = []
    for a in agency_ids:
        agency = known.get(a)
        name = getattr(agency, "name_vi" if lang == "vi" else "name_en", None) if agency else None
        out.append(name or str(a))
    return out


def require_agencies(u: User, agency_ids, target: str | None = None, details=None) -> bool:
    """May `u` upload changes to tasks led by `agency_ids`? If not: record 'permission_denied'
    naming the refused agencies, say which ones, and return False (nothing may be stored)."""
    refused = u.refused_agencies(agency_ids) if u.can_upload else tuple(sorted(set(agency_ids)))
    if u.can_upload and not refused:
        return True
    audit(
        "permission_denied",
        target or "upload",
        {
            "permission": "upload",
            "role": u.role,
            "refused_agencies": list(refused),
            **(details or {}),
        },
        outcome="denied",
        who=u,
    )
    if not u.can_upload:
        st.error(tr("denied"))
    else:
        st.error(tr("foreign_agencies", names=esc("; ".join(agency_names(refused)))))
    return False


def _scope_doc(u: User) -> object:
    scope = u.scope
    return "*" if scope.agency_ids is None else sorted(scope.agency_ids)


def recorded(
    what: str,
    make: Callable[[], bytes],
    fmt: str,
    rows: int | None = None,
    details: dict | None = None,
    who: User | None = None,
) -> Callable[[], bytes]:
    """Wrap a download's data callable so the export is recorded when the file is produced.

    Streamlit runs the callable when the button is pressed (outside the script thread), so the
    user and database are captured now. If the record cannot be written, no file is given."""
    u = who or user()
    db = _db()
    doc = {
        "format": fmt,
        "scope": _scope_doc(u),
        **({"rows": rows} if rows is not None else {}),
        **(details or {}),
    }

    def produce() -> bytes:
        payload = make()
        size = len(payload.encode("utf-8") if isinstance(payload, str) else payload)
        accounts.record(db, u.username, "export", what, {**doc, "bytes": size})
        return payload

    return produce


def audit_export(
    view: state.View,
    what: str,
    frame: pd.DataFrame,
    name: str | None = None,
    key: str | None = None,
    details: dict | None = None,
) -> None:
    """Excel and CSV buttons for one table, each download recorded in the audit log."""
    name = name or what
    key = key or f"dl_{what}"
    doc = {
        "as_of": view.as_of.isoformat(),
        "filters": {
            "sources": list(view.filters.sources),
            "agency_ids": list(view.filters.agency_ids),
            "agency_types": list(view.filters.agency_types),
            "difficult_only": view.filters.difficult_only,
            "source_docs": list(view.filters.source_docs),
        },
        **(details or {}),
    }
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(
        tr("download_xlsx", view.lang),
        data=recorded(
            what, lambda: exports.to_xlsx({name: frame}, view.lang), "xlsx", len(frame), doc
        ),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
    )
    c2.download_button(
        tr("download_csv", view.lang),
        data=recorded(what, lambda: exports.to_csv(frame), "csv", len(frame), doc),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )


def audit_panel(view: state.View, key: str = "audit") -> None:
    """The audit log for administrators: filters, the table, recorded downloads."""
    u = user()
    if not require(u, "read_audit", "audit_log"):
        return
    lg = view.lang
    st.subheader(tr("audit_title", lg))
    try:  # first: whether the log is intact (analytics/audit.py), naming the first bad entry
        verdict = accounts.verify_audit(_db())
        (st.success if verdict.intact else st.error)(esc(verdict.text(lg)))
    except accounts.AuditError as exc:
        st.error(esc(exc.message_vi if lg == "vi" else exc.message))
    c1, c2, c3, c4 = st.columns([1, 2, 1, 1])
    since = c1.date_input(
        tr("audit_since", lg),
        value=None,
        key=f"{key}_since",
        format="DD/MM/YYYY" if lg == "vi" else "YYYY-MM-DD",
    )
    actions = c2.multiselect(
        tr("audit_actions", lg),
        AUDIT_ACTIONS,
        key=f"{key}_actions",
        placeholder=tr("audit_all_actions", lg),
    )
    who = c3.text_input(tr("audit_user", lg), key=f"{key}_user", max_chars=256)
    limit = c4.number_input(
        tr("audit_limit", lg),
        min_value=10,
        max_value=100_000,
        value=1000,
        step=100,
        key=f"{key}_limit",
    )
    frame = accounts.read_audit(
        _db(),
        limit=int(limit),
        since=since or None,
        actions=actions or None,
        username=who.strip() or None,
    )
    st.caption(tr("audit_rows", lg, n=len(frame)))
    st.dataframe(frame, hide_index=True, width="stretch", key=f"{key}_table")
    audit_export(view, "audit_log", frame, name="audit_log", key=f"{key}_dl")


AUDIT_ACTIONS = (
    "signin",
    "signin_lockout",
    "signout",
    "upload",
    "commit",
    "retract",
    "restore",
    "export",
    "permission_denied",
    "user_add",
    "user_set_role",
    "user_set_password",
    "user_disable",
    "user_enable",
    "user_unlock",
    "user_recover",
    "session_end",
    "agency_unit_add",
    "agency_alias_add",
)


# --------------------------------------------------------------------------- deciding the user


def current_user() -> User:
    """The user for this rerun (GUEST, a signed-in user, or the run stops at a sign-in screen)."""
    st.session_state[CURRENT_KEY] = GUEST
    try:
        how = mode()
        if how == "oidc":
            u = _oidc_user()
        elif how == "header":
            u = _header_user()
        else:
            u = _local_user()
    except store.StoreBusy:
        st.warning(tr("busy"))
        stop()
    except Exception:
        log.exception("sign-in check failed")
        st.error(tr("error"))
        stop()
    st.session_state[CURRENT_KEY] = u
    return u


def _anonymous(offer: Callable[[object], None]) -> User:
    """No identity: the guest in the demo on this machine (`guest_allowed`), else a sign-in
    screen and nothing more."""
    if guest_here():
        box = st.sidebar.expander(
            tr("signin_title"), expanded=bool(st.session_state.get("_signin_open"))
        )
        offer(box)
        box.caption(tr("guest_note"))
        return GUEST
    st.title(tr("signin"))
    st.info(tr("must_signin"))
    offer(st.container())
    stop()


def _account_box(u: User, sign_out: Callable[[User], None] | None) -> None:
    sb = st.sidebar
    sb.caption(tr("signed_in_as", name=esc(u.label), role=role_label(u.role)))
    if u.role in AGENCY_ROLES and u.agency_ids:
        known = accounts.known_agencies()
        lang = state.lang()
        names = ", ".join(
            (getattr(known.get(a), "name_vi" if lang == "vi" else "name_en", None) or a)
            for a in u.agency_ids
        )
        sb.caption(tr("agencies", names=esc(names)))
    if sign_out is not None and sb.button(tr("signout"), key="signout"):
        sign_out(u)


def _record_once(identity: str, method: str) -> None:
    if st.session_state.get(LOGGED_KEY) != identity:
        st.session_state[LOGGED_KEY] = identity
        audit(
            "signin", identity, {"method": method, "source": client_ip() or "local"}, who=identity
        )


def _refuse(
    identity: str, method: str, message: str, sign_out: Callable[[User], None] | None
) -> None:
    """A known identity that is not (or no longer) allowed in: say so, record once, stop."""
    if st.session_state.get(DENIED_KEY) != identity:
        st.session_state[DENIED_KEY] = identity
        audit(
            "permission_denied",
            "dashboard",
            {"method": method, "reason": "not_authorised"},
            outcome="denied",
            who=identity,
        )
    st.title(tr("signin"))
    st.error(message)
    if sign_out is not None and st.button(tr("signout"), key="signout"):
        sign_out(User(identity, "none"))
    stop()


# -- OIDC


def _oidc_provider() -> str | None:
    """None for a single provider in [auth]; else the first named provider ([auth.NAME])."""
    try:
        section = st.secrets["auth"]
    except Exception:
        return None
    if any(k in section for k in ("client_id", "server_metadata_url")):
        return None
    for name, value in section.items():
        if hasattr(value, "keys"):
            return str(name)
    return None


def _oidc_logout(u: User) -> None:
    audit("signout", None, {"method": "oidc"}, who=u)
    for k in (LOGGED_KEY, DENIED_KEY):
        st.session_state.pop(k, None)
    st.logout()


def _oidc_user() -> User:
    info = st.user
    if not info.get("is_logged_in"):

        def offer(box) -> None:
            if box.button(tr("oidc_button"), key="signin_oidc"):
                provider = _oidc_provider()
                st.login(provider) if provider else st.login()

        return _anonymous(offer)
    email = accounts.normalize_username(info.get("email") or "")
    if not email:
        _refuse("(no e-mail)", "oidc", tr("not_authorised", name="?"), _oidc_logout)
    if info.get("email_verified") is False:
        _refuse(email, "oidc", tr("email_unverified"), _oidc_logout)
    u = accounts.get_user(_db(), email)
    if u is None:
        _refuse(email, "oidc", tr("not_authorised", name=esc(email)), _oidc_logout)
    _record_once(u.username, "oidc")
    _account_box(u, _oidc_logout)
    return u


# -- trusted header


HEADER_REFUSALS = {
    "no_secret": "TASKS_TRUSTED_HEADER is set but TASKS_TRUSTED_SECRET is not (environment or "
    "secrets.toml): the header is refused and the sign-in screen shown; give the proxy and the "
    "dashboard the same secret",
    "weak_secret": f"TASKS_TRUSTED_SECRET is shorter than {MIN_SECRET} characters: the trusted "
    "header is refused and the sign-in screen shown",
    "bad_secret": "a request came without the proxy's secret (missing or wrong): "
    "TASKS_TRUSTED_HEADER is refused for it and the sign-in screen shown",
}


def _header_refused(why: str, claimed: str | None) -> User:
    """The trusted header cannot be believed: say why in the log (once a session), record a
    request that names a user without the proxy's secret, and offer the sign-in form instead."""
    if st.session_state.get(HEADER_REFUSED_KEY) != why:
        st.session_state[HEADER_REFUSED_KEY] = why
        log.error(HEADER_REFUSALS[why])
        if why == "bad_secret" and claimed:
            audit(
                "permission_denied",
                "dashboard",
                {
                    "method": "header",
                    "reason": why,
                    "claimed": claimed,
                    "source": client_ip() or "local",
                },
                outcome="denied",
                who=NOBODY,
            )
    return _local_user()


def _header_user() -> User:
    if not bound_to_loopback():
        log.error("TASKS_TRUSTED_HEADER is set but server.address is not loopback; refusing")
        st.error(tr("misconfigured"))
        stop()
    headers = _request_headers()
    value, why = header_identity(settings(), headers)
    if why in HEADER_REFUSALS:
        claimed = _values(headers, trusted_header() or "")
        return _header_refused(why, claimed[0][:256] if claimed else None)
    if not value:
        st.title(tr("signin"))
        st.warning(tr("proxy_missing"))
        stop()
    u = accounts.get_user(_db(), value)
    if u is None:
        _refuse(value, "header", tr("not_authorised", name=esc(value)), None)
    _record_once(u.username, "header")
    _account_box(u, None)
    return u


# -- local accounts


def _local_signout(u: User) -> None:
    audit("signout", None, {"method": "password"}, who=u)
    for k in (SESSION_KEY, SINCE_KEY, LOGGED_KEY):
        st.session_state.pop(k, None)
    st.session_state[CURRENT_KEY] = GUEST
    st.rerun()


def _signin_form(box) -> None:
    """The sign-in form; on success the username goes into the session and the app reruns."""
    lang = state.lang()
    with box.form("signin", clear_on_submit=True, border=False):
        username = st.text_input(
            tr("username", lang), key="signin_user", max_chars=256, autocomplete="username"
        )
        password = st.text_input(
            tr("password", lang),
            key="signin_password",
            type="password",
            max_chars=accounts.MAX_PASSWORD,
            autocomplete="current-password",
        )
        submitted = st.form_submit_button(tr("signin", lang))
    if not submitted:
        return
    st.session_state["_signin_open"] = True
    if not (username or "").strip() or not password:
        box.warning(tr("empty", lang))
        return
    try:
        client = client_address(settings(), _request_headers(), client_ip())
        u = accounts.verify_password(_db(), username, password, client=client)
    except accounts.Locked as exc:
        if exc.reason == "locked":
            box.error(tr("locked", lang, minutes=max(1, -(-exc.seconds // 60))))
        else:
            box.warning(tr("throttled", lang, seconds=exc.seconds))
        return
    if u is None:
        box.error(tr("wrong", lang))
        return
    st.session_state[SESSION_KEY] = u.username
    st.session_state[SINCE_KEY] = dt.datetime.now(dt.UTC)
    st.session_state[LOGGED_KEY] = u.username
    st.session_state.pop("_signin_open", None)
    st.rerun()


def _local_user() -> User:
    name = st.session_state.get(SESSION_KEY)
    if isinstance(name, str) and name:
        since = st.session_state.get(SINCE_KEY)
        expired = (
            not isinstance(since, dt.datetime) or dt.datetime.now(dt.UTC) - since > MAX_SESSION
        )
        u = None if expired else accounts.get_user(_db(), name)
        if u is not None:
            _account_box(u, _local_signout)
            return u
        # disabled, removed or expired since the last rerun: the session ends here
        for k in (SESSION_KEY, SINCE_KEY, LOGGED_KEY):
            st.session_state.pop(k, None)
        audit(
            "session_end",
            name,
            {"reason": "expired" if expired else "account_inactive"},
            outcome="denied",
            who=name,
        )
        st.warning(tr("session_ended"))
    elif name is not None:
        st.session_state.pop(SESSION_KEY, None)
    return _anonymous(_signin_form)
