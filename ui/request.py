"""The request that opened this session, as Streamlit gives it: its headers, the peer's address,
the server's `server.address` and the identity settings; and analytics/proxy.py's decisions for
it. Tests replace `headers`, `client_ip` or `server_address` here to pose as another request.
"""

from __future__ import annotations

import os

import streamlit as st

from analytics import proxy


def headers() -> dict[str, list[str]]:
    """The headers of the request that opened this session, every value of each ({} in tests)."""
    try:
        found = st.context.headers
        return {str(k): [v for v in found.get_all(k) if isinstance(v, str)] for k in found}
    except Exception:
        return {}


def client_ip() -> str | None:
    """The peer's address; None on loopback (Streamlit reports loopback as None) or in tests."""
    try:
        ip = st.context.ip_address
    except Exception:
        return None
    return ip if isinstance(ip, str) and ip else None  # AppTest's mock runtime gives a mock


def server_address() -> str:
    return str(st.get_option("server.address") or "")


def settings() -> dict[str, str]:
    """The identity settings of proxy.SETTINGS from the environment; TASKS_TRUSTED_SECRET may also
    be a top-level key of .streamlit/secrets.toml (the environment wins)."""
    found = {k: os.environ[k] for k in proxy.SETTINGS if k in os.environ}
    if not found.get("TASKS_TRUSTED_SECRET", "").strip():
        try:
            secret = st.secrets.get("TASKS_TRUSTED_SECRET")
        except Exception:
            secret = None
        if isinstance(secret, str) and secret.strip():
            found["TASKS_TRUSTED_SECRET"] = secret
    return found


def bound_to_loopback() -> bool:
    """Does the server listen on this machine only?"""
    return proxy.loopback_address(server_address())


def guest_here() -> bool:
    """`proxy.guest_allowed` for this session's request."""
    return proxy.guest_allowed(settings(), headers(), client_ip(), server_address())


def client_address() -> str | None:
    """`proxy.client_address` for this session's request: whom sign-in failures count against."""
    return proxy.client_address(settings(), headers(), client_ip())
