"""Who is asking, as pure functions of what a request brings: the identity settings (environment /
secrets.toml), its headers, the peer address (None is Streamlit's word for loopback) and the
server's `server.address`. Is it local, did it come through a proxy, may a visitor be the guest,
whom does the proxy's header name, and which address are sign-in failures counted against.

No Streamlit here: ui/request.py reads those inputs for this session and ui/auth.py decides the
user with them (see its docstring for the modes).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping, Sequence

from analytics import accounts

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

Headers = Mapping[str, str | Sequence[str]]


def header_values(headers: Headers, name: str) -> list[str]:
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


def proxy_signs(headers: Headers) -> list[str]:
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


def is_local(headers: Headers, peer: str | None, server_address: str | None) -> bool:
    """Does the request come from this machine, and not through a proxy? The server listens on
    loopback only, the peer is loopback (None: Streamlit's word for it), no proxy header."""
    if not loopback_address(server_address):
        return False
    if peer is not None and not _is_loopback(peer):
        return False
    return not proxy_signs(headers)


def guest_allowed(
    env: Mapping[str, str], headers: Headers, peer: str | None, server_address: str | None
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


def _proxy_proven(env: Mapping[str, str], headers: Headers) -> str:
    """'ok' when the request carries the proxy's shared secret; else why not: 'no_secret' (none
    configured), 'weak_secret' (shorter than MIN_SECRET), 'bad_secret' (absent, repeated or
    wrong). Compared in constant time."""
    secret = env.get("TASKS_TRUSTED_SECRET", "").strip()
    if not secret:
        return "no_secret"
    if len(secret) < MIN_SECRET:
        return "weak_secret"
    name = env.get("TASKS_TRUSTED_SECRET_HEADER", "").strip() or SECRET_HEADER
    sent = header_values(headers, name)
    if len(sent) != 1:
        return "bad_secret"
    ok = hmac.compare_digest(sent[0].strip().encode("utf-8"), secret.encode("utf-8"))
    return "ok" if ok else "bad_secret"


def header_identity(env: Mapping[str, str], headers: Headers) -> tuple[str | None, str]:
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
    values = header_values(headers, name)
    user = accounts.normalize_username(values[0]) if len(values) == 1 else ""
    return (user, "ok") if user else (None, "missing")


def client_address(env: Mapping[str, str], headers: Headers, peer: str | None) -> str | None:
    """The visitor's address, which sign-in failures are counted against: the peer's (None:
    this machine), or, from a proxy that proves itself with the shared secret, the address it
    forwards (the last X-Forwarded-For entry, the one the proxy itself added, else X-Real-Ip).
    A forwarded address without the secret is anyone's to write and is not used."""
    if _proxy_proven(env, headers) == "ok":
        chain = [p.strip() for v in header_values(headers, "X-Forwarded-For") for p in v.split(",")]
        real = [v.strip() for v in header_values(headers, "X-Real-Ip")]
        for candidate in (chain[-1:] or [""])[0], (real[-1:] or [""])[0]:
            if candidate:
                return candidate
    return peer
