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
(`analytics.proxy.guest_allowed`, a pure function of those inputs, which ui/request.py reads for
this session). Everybody else must sign in before any data is shown.

Pages: `auth.user()` is the signed-in user of this run; `auth.require(user, "upload")` checks a
permission (recording a refusal); `auth.audit("commit", target, details)` records an event;
`ui.audit_panel.audit_export(view, what, frame, name, key)` draws Excel/CSV buttons that record
the export.

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
import logging
import os
from collections.abc import Callable
from typing import NoReturn

import streamlit as st

from analytics import accounts, proxy, sessions, store
from analytics import audit as audit_log
from analytics.access import AGENCY_ROLES, GUEST, User
from analytics.i18n import t
from ui import data, navigation, request, session_route, state
from ui.html import esc

log = logging.getLogger("dashboard.auth")

SESSION_KEY = "auth_user"  # the signed-in username (local accounts); never a User object
SINCE_KEY = "auth_since"
CURRENT_KEY = "_auth_current"  # the User decided in this run (read by pages through user())
LOGGED_KEY = "_auth_logged"  # identity whose sign-in (OIDC/header) was already recorded
DENIED_KEY = "_auth_denied"  # identity whose refusal was already recorded
MAX_SESSION = dt.timedelta(hours=12)
HEADER_REFUSED_KEY = "_auth_header_refused"  # why the trusted header was refused (logged once)
TOKEN_KEY = "auth_session_hash"  # the store's session (analytics/sessions.py): its token's hash
TRIED_KEY = "_auth_cookie_tried"  # the cookie token already tried in this session (its hash)
WANTED_KEY = "_auth_wanted"  # the protected page a signed-out visitor asked for
PROTECTED = navigation.PROTECTED


def _db() -> str:
    return data.db()


# --------------------------------------------------------------------------- the mode


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


# --------------------------------------------------------------------------- for the pages


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


def stop() -> NoReturn:
    """End the run before any page is shown, with the sign-in screen's navigation (every page
    registered hidden and empty: ui/navigation.signed_out)."""
    try:
        navigation.signed_out(state.lang())
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
        audit_log.record(_db(), name, action, target, details, outcome)
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
    st.error(t("auth.denied", state.lang()))
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
        st.error(t("auth.denied", state.lang()))
    else:
        st.error(
            t("auth.foreign_agencies", state.lang(), names=esc("; ".join(agency_names(refused))))
        )
    return False


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
        st.warning(t("auth.busy", state.lang()))
        stop()
    except Exception:
        log.exception("sign-in check failed")
        st.error(t("auth.error", state.lang()))
        stop()
    st.session_state[CURRENT_KEY] = u
    return u


def _anonymous(offer: Callable[[object], None]) -> User:
    """No identity: the guest in the demo on this machine (`guest_allowed`), else a sign-in
    screen and nothing more."""
    wanted = _wanted_page()
    if request.guest_here() and wanted is None:
        box = st.sidebar.expander(
            t("auth.signin", state.lang()),
            icon=":material/key:",
            expanded=bool(st.session_state.get("_signin_open")),
        )
        offer(box)
        box.caption(t("auth.guest_note", state.lang()))
        return GUEST
    st.title(t("auth.signin", state.lang()))
    st.info(t("sessions.please_signin" if wanted else "auth.must_signin", state.lang()))
    offer(st.container())
    stop()


def _account_box(u: User, sign_out: Callable[[User], None] | None) -> None:
    sb = st.sidebar
    sb.caption(
        t(
            "auth.signed_in_as",
            state.lang(),
            name=esc(u.label),
            role=t(f"role.{u.role}", state.lang()),
        )
    )
    if u.role in AGENCY_ROLES and u.agency_ids:
        known = accounts.known_agencies()
        lang = state.lang()
        names = ", ".join(
            (getattr(known.get(a), "name_vi" if lang == "vi" else "name_en", None) or a)
            for a in u.agency_ids
        )
        sb.caption(t("auth.agencies", state.lang(), names=esc(names)))
    if sign_out is not None and sb.button(t("auth.signout", state.lang()), key="signout"):
        sign_out(u)


def _record_once(identity: str, method: str) -> None:
    if st.session_state.get(LOGGED_KEY) != identity:
        st.session_state[LOGGED_KEY] = identity
        audit(
            "signin",
            identity,
            {"method": method, "source": request.client_ip() or "local"},
            who=identity,
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
    st.title(t("auth.signin", state.lang()))
    st.error(message)
    if sign_out is not None and st.button(t("auth.signout", state.lang()), key="signout"):
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
            if box.button(t("auth.oidc_button", state.lang()), key="signin_oidc"):
                provider = _oidc_provider()
                st.login(provider) if provider else st.login()

        return _anonymous(offer)
    email = accounts.normalize_username(info.get("email") or "")
    if not email:
        _refuse(
            "(no e-mail)", "oidc", t("auth.not_authorised", state.lang(), name="?"), _oidc_logout
        )
    if info.get("email_verified") is False:
        _refuse(email, "oidc", t("auth.email_unverified", state.lang()), _oidc_logout)
    u = accounts.get_user(_db(), email)
    if u is None:
        _refuse(
            email, "oidc", t("auth.not_authorised", state.lang(), name=esc(email)), _oidc_logout
        )
    _record_once(u.username, "oidc")
    _account_box(u, _oidc_logout)
    return u


# -- trusted header


HEADER_REFUSALS = {
    "no_secret": "TASKS_TRUSTED_HEADER is set but TASKS_TRUSTED_SECRET is not (environment or "
    "secrets.toml): the header is refused and the sign-in screen shown; give the proxy and the "
    "dashboard the same secret",
    "weak_secret": f"TASKS_TRUSTED_SECRET is shorter than {proxy.MIN_SECRET} characters: the "
    "trusted header is refused and the sign-in screen shown",
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
                    "source": request.client_ip() or "local",
                },
                outcome="denied",
                who=NOBODY,
            )
    return _local_user()


def _header_user() -> User:
    if not request.bound_to_loopback():
        log.error("TASKS_TRUSTED_HEADER is set but server.address is not loopback; refusing")
        st.error(t("auth.misconfigured", state.lang()))
        stop()
    headers = request.headers()
    value, why = proxy.header_identity(request.settings(), headers)
    if why in HEADER_REFUSALS:
        claimed = proxy.header_values(headers, trusted_header() or "")
        return _header_refused(why, claimed[0][:256] if claimed else None)
    if not value:
        st.title(t("auth.signin", state.lang()))
        st.warning(t("auth.proxy_missing", state.lang()))
        stop()
    u = accounts.get_user(_db(), value)
    if u is None:
        _refuse(value, "header", t("auth.not_authorised", state.lang(), name=esc(value)), None)
    _record_once(u.username, "header")
    _account_box(u, None)
    return u


# -- local accounts


def _local_signout(u: User) -> None:
    audit("signout", None, {"method": "password"}, who=u)
    hash_ = st.session_state.get(TOKEN_KEY)
    if isinstance(hash_, str):
        sessions.end(_db(), hash_)
    for k in (SESSION_KEY, SINCE_KEY, LOGGED_KEY, TOKEN_KEY):
        st.session_state.pop(k, None)
    st.session_state[CURRENT_KEY] = GUEST
    if session_route.MOUNTED and _redirect(session_route.END):
        stop()  # the browser leaves for the route that clears the cookie
    st.rerun()


def _signin_form(box) -> None:
    """The sign-in form; on success the username goes into the session and the app reruns."""
    lang = state.lang()
    with box.form("signin", clear_on_submit=True, border=False):
        username = st.text_input(
            t("auth.username", lang), key="signin_user", max_chars=256, autocomplete="username"
        )
        password = st.text_input(
            t("auth.password", lang),
            key="signin_password",
            type="password",
            max_chars=accounts.MAX_PASSWORD,
            autocomplete="current-password",
        )
        submitted = st.form_submit_button(t("auth.signin", lang))
    if not submitted:
        return
    st.session_state["_signin_open"] = True
    if not (username or "").strip() or not password:
        box.warning(t("auth.empty", lang))
        return
    try:
        u = accounts.verify_password(_db(), username, password, client=request.client_address())
    except accounts.Locked as exc:
        if exc.reason == "locked":
            box.error(t("auth.locked", lang, minutes=max(1, -(-exc.seconds // 60))))
        else:
            box.warning(t("auth.throttled", lang, seconds=exc.seconds))
        return
    if u is None:
        box.error(t("auth.wrong", lang))
        return
    st.session_state[SESSION_KEY] = u.username
    st.session_state[SINCE_KEY] = dt.datetime.now(dt.UTC)
    st.session_state[LOGGED_KEY] = u.username
    st.session_state.pop("_signin_open", None)
    _start_session(u.username)
    st.rerun()


def _local_user() -> User:
    name = st.session_state.get(SESSION_KEY)
    if name is None:
        name = _resume_from_cookie()
    if isinstance(name, str) and name:
        since = st.session_state.get(SINCE_KEY)
        expired = (
            not isinstance(since, dt.datetime) or dt.datetime.now(dt.UTC) - since > MAX_SESSION
        )
        hash_ = st.session_state.get(TOKEN_KEY)
        # the store's session (if any) ended: expiry or revocation, already recorded there
        revoked = isinstance(hash_, str) and sessions.check(_db(), hash_) != name
        u = None if expired or revoked else accounts.get_user(_db(), name)
        if u is not None:
            _account_box(u, _local_signout)
            return u
        # disabled, removed or expired since the last rerun: the session ends here
        for k in (SESSION_KEY, SINCE_KEY, LOGGED_KEY, TOKEN_KEY):
            st.session_state.pop(k, None)
        if revoked:
            st.warning(t("auth.session_ended", state.lang()))
            return _anonymous(_signin_form)
        audit(
            "session_end",
            name,
            {"reason": "expired" if expired else "account_inactive"},
            outcome="denied",
            who=name,
        )
        st.warning(t("auth.session_ended", state.lang()))
    elif name is not None:
        st.session_state.pop(SESSION_KEY, None)
    return _anonymous(_signin_form)


# -- the sign-in cookie (analytics/sessions.py, ui/session_route.py)


def _wanted_page() -> str | None:
    """The protected page (PROTECTED) this signed-out visitor opened by its address, if any;
    remembered for the session, as the sign-in screen replaces the page."""
    name = navigation.requested()
    if isinstance(name, str) and name in PROTECTED:
        st.session_state[WANTED_KEY] = name
    found = st.session_state.get(WANTED_KEY)
    return found if found in PROTECTED else None


def _redirect(url: str) -> bool:
    """Send the browser to `url` of this server (the message st.login sends); False if not sent."""
    try:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None:
            return False
        base = str(st.get_option("server.baseUrlPath") or "").strip("/")
        msg = ForwardMsg()
        msg.auth_redirect.url = (f"/{base}" if base else "") + url
        ctx.enqueue(msg)
    except Exception:
        log.exception("could not redirect to %s", url)
        return False
    return True


def _start_session(username: str) -> None:
    """After a password sign-in: with the cookie route mounted, send the browser there with a
    one-time code (it sets the cookie and opens the page asked for); else a store session for
    this browser tab only, so that revocation still ends it."""
    wanted = st.session_state.pop(WANTED_KEY, None)
    binding = _browser_binding()
    if session_route.MOUNTED and binding is not None:
        code = sessions.handoff(_db(), username, binding)
        target = session_route.safe_next(f"/{wanted or ''}")
        if _redirect(f"{session_route.START}?code={code}&next={target}"):
            stop()
    token = sessions.start(_db(), username, request.client_address())
    st.session_state[TOKEN_KEY] = sessions.token_hash(token)


def _browser_binding() -> str | None:
    """This browser's binding for a handoff code (analytics/sessions.browser_binding); None
    without Streamlit's XSRF cookie (then the sign-in lasts for this tab, as without serve.py)."""
    try:
        return sessions.browser_binding(st.context.cookies.get(sessions.XSRF_COOKIE))
    except Exception:
        return None


def _cookie_token() -> str | None:
    try:
        token = st.context.cookies.get(sessions.COOKIE)
    except Exception:
        return None
    return token if sessions.well_formed(token) else None


def _resume_from_cookie() -> str | None:
    """A new tab, a reload or a deep link that brings a live session's cookie: signed in again."""
    token = _cookie_token()
    if token is None:
        return None
    hash_ = sessions.token_hash(token)
    if st.session_state.get(TRIED_KEY) == hash_:
        return None
    st.session_state[TRIED_KEY] = hash_
    name = sessions.resume(_db(), token, request.client_address())
    if name is None:
        return None
    st.session_state[SESSION_KEY] = name
    st.session_state[SINCE_KEY] = dt.datetime.now(dt.UTC)
    st.session_state[LOGGED_KEY] = name
    st.session_state[TOKEN_KEY] = hash_
    return name
