"""The two HTTP routes that set and clear the sign-in cookie (a Streamlit script cannot send
headers). Mounted by serve.py through `st.App(routes=...)`, the way Streamlit adds its own
/auth routes; under a plain `streamlit run app.py` they are absent (`MOUNTED` stays False) and a
sign-in lasts only as long as the browser tab's Streamlit session, as before.

- GET START?code=…&next=/page: trades a one-time code made by ui/auth.py after a password
  sign-in (`analytics.sessions.exchange`) for a session, sets `sessions.COOKIE` (HttpOnly,
  SameSite=Lax, Secure when the request came over https, Max-Age = the absolute expiry) and
  redirects to `next` (a page of this app only).
- GET END: clears the cookie (the session itself was ended in the store by ui/auth.py) and
  redirects to the start page.
"""

from __future__ import annotations

import re

from analytics import proxy, sessions, store

START = "/_session/start"
END = "/_session/end"
MOUNTED = False  # set by routes(): the script then hands the cookie over through START
_NEXT = re.compile(r"/[A-Za-z0-9_-]{0,64}")


def safe_next(value: object) -> str:
    """A path of this app (one segment, as page url paths are), never another site."""
    return value if isinstance(value, str) and _NEXT.fullmatch(value) else "/"


def over_https(scheme: str, headers) -> bool:
    forwarded = proxy.header_values(headers, "X-Forwarded-Proto")
    return scheme == "https" or (bool(forwarded) and forwarded[0].strip().lower() == "https")


def cookie_header(token: str, max_age: int, secure: bool) -> str:
    parts = [f"{sessions.COOKIE}={token}", "Path=/", f"Max-Age={max_age}", "HttpOnly"]
    parts.append("SameSite=Lax")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def _headers(request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in request.headers.items():
        out.setdefault(k, []).append(v)
    return out


def _client(request, headers) -> str | None:
    import os

    peer = request.client.host if request.client else None
    peer = None if peer is None or proxy.loopback_address(peer) else peer
    env = {k: os.environ[k] for k in proxy.SETTINGS if k in os.environ}
    return proxy.client_address(env, headers, peer)


def _redirect(location: str):
    from starlette.responses import RedirectResponse

    response = RedirectResponse(location, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def start(request):
    """Sync on purpose: Starlette runs it in a worker thread (DuckDB blocks)."""
    headers = _headers(request)
    conf = sessions.settings()
    binding = sessions.browser_binding(request.cookies.get(sessions.XSRF_COOKIE))
    found = sessions.exchange(
        store.db_path(),
        request.query_params.get("code"),
        _client(request, headers),
        conf,
        binding=binding,
    )
    response = _redirect(safe_next(request.query_params.get("next")))
    if found is not None:
        secure = over_https(request.url.scheme, headers)
        max_age = int(conf.max_age.total_seconds())
        response.headers.append("Set-Cookie", cookie_header(found[1], max_age, secure))
    return response


def end(request):
    response = _redirect("/")
    secure = over_https(request.url.scheme, _headers(request))
    response.headers.append("Set-Cookie", cookie_header("", 0, secure))
    return response


def routes() -> list:
    from starlette.routing import Route

    global MOUNTED
    MOUNTED = True
    return [Route(START, start, methods=["GET"]), Route(END, end, methods=["GET"])]
