"""Who gets the guest view, and when a proxy's header is believed (analytics/proxy.py).

The inputs are what a request brings: the settings (environment / secrets.toml), its headers,
the peer address (None is Streamlit's word for loopback) and `server.address`.
"""

from __future__ import annotations

import pytest

from analytics import proxy

DEMO = {"TASKS_GUEST": "1"}  # what `make run` sets
LOOP = "127.0.0.1"
SECRET = "a-long-shared-secret-for-the-proxy"
PROXY = {"TASKS_TRUSTED_HEADER": "X-Remote-User", "TASKS_TRUSTED_SECRET": SECRET}


@pytest.mark.parametrize(
    ("env", "headers", "peer", "address", "allowed"),
    [
        # the demo: make run on this machine
        (DEMO, {}, None, LOOP, True),
        (DEMO, {}, "127.0.0.1", "localhost", True),
        (DEMO, {}, "::1", "::1", True),
        (DEMO, {"Host": "localhost:8501", "User-Agent": "x"}, None, "[::1]", True),
        # the default is off: a same-host proxy that sends no forwarding header looks local
        ({}, {}, None, LOOP, False),
        ({"TASKS_GUEST": "0"}, {}, None, LOOP, False),
        ({"TASKS_GUEST": "true"}, {}, None, LOOP, False),
        ({"TASKS_GUEST": ""}, {}, None, LOOP, False),
        # a forwarding header, whatever its case or value
        (DEMO, {"X-Forwarded-For": "198.51.100.7"}, None, LOOP, False),
        (DEMO, {"x-forwarded-for": ["127.0.0.1"]}, None, LOOP, False),
        (DEMO, {"Forwarded": "for=198.51.100.7"}, None, LOOP, False),
        (DEMO, {"X-Real-Ip": "198.51.100.7"}, None, LOOP, False),
        (DEMO, {"X-Forwarded-Proto": "https"}, None, LOOP, False),
        (DEMO, {"X-Forwarded-Prefix": "/tasks"}, None, LOOP, False),
        (DEMO, {"Via": "1.1 nginx"}, None, LOOP, False),
        (DEMO, {"X-Remote-User": "root"}, None, LOOP, False),
        (DEMO, {"X-Proxy-Secret": "x"}, None, LOOP, False),
        # a proxy configured
        ({**DEMO, "TASKS_TRUSTED_HEADER": "X-Remote-User"}, {}, None, LOOP, False),
        ({**DEMO, "TASKS_TRUSTED_SECRET": SECRET}, {}, None, LOOP, False),
        # the server listening beyond this machine, or on a socket behind a proxy
        (DEMO, {}, None, None, False),
        (DEMO, {}, None, "", False),
        (DEMO, {}, None, "0.0.0.0", False),
        (DEMO, {}, None, "::", False),
        (DEMO, {}, None, "192.168.1.10", False),
        (DEMO, {}, None, "unix:/run/tasks.sock", False),
        # a visitor from another machine
        (DEMO, {}, "203.0.113.9", LOOP, False),
        (DEMO, {}, "::ffff:203.0.113.9", LOOP, False),
    ],
)
def test_guest_allowed(env, headers, peer, address, allowed):
    assert proxy.guest_allowed(env, headers, peer, address) is allowed


def test_empty_forwarding_headers_are_not_a_proxy():
    assert proxy.guest_allowed(DEMO, {"X-Forwarded-For": ""}, None, LOOP)
    assert proxy.guest_allowed(DEMO, {"X-Forwarded-For": ["", " "]}, None, LOOP)


@pytest.mark.parametrize(
    ("env", "headers", "expected"),
    [
        ({}, {"X-Remote-User": "root"}, (None, "off")),
        # no secret configured: never believed
        (
            {"TASKS_TRUSTED_HEADER": "X-Remote-User"},
            {"X-Remote-User": "root", "X-Proxy-Secret": SECRET},
            (None, "no_secret"),
        ),
        ({**PROXY, "TASKS_TRUSTED_SECRET": " "}, {"X-Remote-User": "root"}, (None, "no_secret")),
        (
            {**PROXY, "TASKS_TRUSTED_SECRET": "short"},
            {"X-Remote-User": "root", "X-Proxy-Secret": "short"},
            (None, "weak_secret"),
        ),
        # the secret missing, wrong, almost right, or sent twice
        (PROXY, {"X-Remote-User": "root"}, (None, "bad_secret")),
        (PROXY, {"X-Remote-User": "root", "X-Proxy-Secret": "guess"}, (None, "bad_secret")),
        (PROXY, {"X-Remote-User": "root", "X-Proxy-Secret": SECRET[:-1]}, (None, "bad_secret")),
        (PROXY, {"X-Remote-User": "root", "X-Proxy-Secret": SECRET + "x"}, (None, "bad_secret")),
        (PROXY, {"X-Remote-User": "root", "X-Proxy-Secret": "ß" * 40}, (None, "bad_secret")),
        (
            PROXY,
            {"X-Remote-User": "root", "X-Proxy-Secret": [SECRET, "other"]},
            (None, "bad_secret"),
        ),
        # the right one: the header's user (normalised), in any header case
        (PROXY, {"X-Remote-User": "Root ", "X-Proxy-Secret": SECRET}, ("root", "ok")),
        (PROXY, {"x-remote-user": "hn", "x-proxy-secret": [SECRET]}, ("hn", "ok")),
        # the right secret but no user, or two users
        (PROXY, {"X-Proxy-Secret": SECRET}, (None, "missing")),
        (PROXY, {"X-Remote-User": " ", "X-Proxy-Secret": SECRET}, (None, "missing")),
        (PROXY, {"X-Remote-User": ["a", "b"], "X-Proxy-Secret": SECRET}, (None, "missing")),
        # the secret's header is configurable; the default name then proves nothing
        (
            {**PROXY, "TASKS_TRUSTED_SECRET_HEADER": "X-Gateway-Key"},
            {"X-Remote-User": "root", "X-Gateway-Key": SECRET},
            ("root", "ok"),
        ),
        (
            {**PROXY, "TASKS_TRUSTED_SECRET_HEADER": "X-Gateway-Key"},
            {"X-Remote-User": "root", "X-Proxy-Secret": SECRET},
            (None, "bad_secret"),
        ),
    ],
)
def test_header_identity(env, headers, expected):
    assert proxy.header_identity(env, headers) == expected


def test_the_secret_is_compared_in_constant_time(monkeypatch):
    seen = []

    def spy(a, b):
        seen.append((a, b))
        return a == b

    monkeypatch.setattr(proxy.hmac, "compare_digest", spy)
    assert proxy.header_identity(PROXY, {"X-Remote-User": "r", "X-Proxy-Secret": SECRET})[0] == "r"
    assert seen == [(SECRET.encode(), SECRET.encode())]


@pytest.mark.parametrize(
    ("env", "headers", "peer", "client"),
    [
        # no proxy secret: the peer, whatever the request says it forwards
        ({}, {}, None, None),
        ({}, {}, "203.0.113.9", "203.0.113.9"),
        ({}, {"X-Forwarded-For": "198.51.100.7"}, None, None),
        (PROXY, {"X-Forwarded-For": "198.51.100.7"}, None, None),
        (PROXY, {"X-Forwarded-For": "198.51.100.7", "X-Proxy-Secret": "no"}, None, None),
        # a proxy proven by the secret: the address it added (the last), else X-Real-Ip
        (
            PROXY,
            {"X-Forwarded-For": "10.9.9.9, 198.51.100.7", "X-Proxy-Secret": SECRET},
            None,
            "198.51.100.7",
        ),
        (
            PROXY,
            {"X-Forwarded-For": ["1.1.1.1", "198.51.100.8"], "X-Proxy-Secret": SECRET},
            None,
            "198.51.100.8",
        ),
        (PROXY, {"X-Real-Ip": "198.51.100.9", "X-Proxy-Secret": SECRET}, None, "198.51.100.9"),
        (PROXY, {"X-Proxy-Secret": SECRET}, None, None),
        # the secret alone (no trusted header): a proxy in front of the password form
        (
            {"TASKS_TRUSTED_SECRET": SECRET},
            {"X-Forwarded-For": "198.51.100.7", "X-Proxy-Secret": SECRET},
            None,
            "198.51.100.7",
        ),
    ],
)
def test_client_address(env, headers, peer, client):
    assert proxy.client_address(env, headers, peer) == client
