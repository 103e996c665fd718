"""kind "http": a task spreadsheet or the JSON task feed from an HTTP(S) address.

- TLS verified with the system's certificates (the default context); plain http only where the
  sources file says so.
- `timeout` (per source, 30 s by default) bounds every wait for the server; the whole download
  may take at most `DOWNLOAD_TIMEOUTS` times that.
- The body is read in chunks and cut at the upload cap (analytics.uploads.MAX_UPLOAD_BYTES, or
  the source's smaller `max_bytes`): a longer payload is refused, nothing of it kept.
- Redirects are followed only to the same scheme, host and port (at most `MAX_REDIRECTS`);
  another address is refused, saying so.
- A Bearer token (`token_env`) or basic authentication (`username_env`, `password_env`), read by
  `sources.secret`; no credential is ever logged or shown, and URLs are shown without their
  user, password and query (`sources.shown_url`).
- The format: `format`, else the Content-Type, else the address's extension.

A 5xx, a refused connection, a timeout, an unknown host: `Unreachable` (tried again by the pull);
a 4xx (401, 403, 404 ...): `Unreachable` with the status said (not tried again); a TLS failure
or a redirect to another host: `Unreachable` (not tried again).
"""

from __future__ import annotations

import base64
import email.message
import http.client
import logging
import socket
import ssl
import time
import urllib.error
import urllib.request
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from analytics import connectors
from analytics.connectors import Payload, Rejected, Unreachable, problem
from analytics.connectors.sources import Source, secret, shown_url

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
MAX_REDIRECTS = 5
DOWNLOAD_TIMEOUTS = 10  # the whole body within this many times the source's timeout
USER_AGENT = "tasks-dashboard-pull/1"
CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "text/csv": "csv",
    "application/csv": "csv",
    "text/comma-separated-values": "csv",
    "application/json": "json",
}
EXTENSIONS = ("xlsx", "xls", "ods", "csv", "json")


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


class _SameOrigin(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the first address's scheme, host and port."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, source: Source):
        super().__init__()
        self.source = source

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(newurl) != _origin(self.source.url):
            raise Unreachable.said(
                "connectors.redirect_other_host",
                code="redirect_refused",
                status=code,
                retry=False,
                source=self.source.name,
                target=shown_url(newurl),
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _auth_header(source: Source) -> str | None:
    """The Authorization header's value (None: no credentials asked for)."""
    if source.token_env:
        token = secret(source.token_env)
        if not token:
            raise _missing(source, source.token_env)
        return f"Bearer {token}"
    if source.username_env:
        user, password = secret(source.username_env), secret(source.password_env or "")
        for name, value in ((source.username_env, user), (source.password_env, password)):
            if not value:
                raise _missing(source, name)
        pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return f"Basic {pair}"
    return None


def _missing(source: Source, name: str | None) -> Unreachable:
    return Unreachable.said(
        "connectors.missing_secret",
        code="no_credentials",
        retry=False,
        source=source.name,
        name=name,
    )


def _status_error(source: Source, status: int) -> Unreachable:
    if status in (401, 403):
        key = "connectors.http_denied"
    elif status in (404, 410):
        key = "connectors.http_not_found"
    elif status >= 500:
        key = "connectors.http_server_error"
    elif 300 <= status < 400:
        key = "connectors.too_many_redirects"
    else:
        key = "connectors.http_status"
    retry = status >= 500 or status in (408, 429)
    return Unreachable.said(key, code="http_status", status=status, retry=retry, source=source.name)


def _network_error(source: Source, reason: object) -> Unreachable:
    """A failure below HTTP in plain words (the library's own words go to the log only)."""
    host = urlsplit(source.url).hostname or ""
    retry = True
    if isinstance(reason, ssl.SSLError | ssl.CertificateError):
        key, code, retry = "connectors.tls", "tls", False
    elif isinstance(reason, TimeoutError | socket.timeout):
        key, code = "connectors.timeout", "timeout"
    elif isinstance(reason, ConnectionRefusedError):
        key, code = "connectors.refused", "refused"
    elif isinstance(reason, socket.gaierror):
        key, code = "connectors.no_host", "no_host"
    else:
        key, code = "connectors.net_error", "network"
    return Unreachable.said(
        key, code=code, retry=retry, source=source.name, host=host, seconds=f"{source.timeout:g}"
    )


def _format_of(source: Source, content_type: str, url: str) -> str:
    if source.format:
        return source.format
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in CONTENT_TYPES:
        return CONTENT_TYPES[mime]
    if mime.endswith("+json"):
        return "json"
    suffix = PurePosixPath(unquote(urlsplit(url).path)).suffix.lower().lstrip(".")
    if suffix in EXTENSIONS:
        return suffix
    raise Rejected(
        [
            problem(
                "connectors.unknown_format",
                code="unknown_format",
                value=mime or None,
                source=source.name,
                content_type=mime or "?",
            )
        ]
    )


def _file_name(source: Source, fmt: str, headers, url: str) -> str:
    """The payload's name: the server's (Content-Disposition, else the address's last part) when
    its extension is the format's (its date may be the figures'), else `<source>.<format>`."""
    given = None
    disposition = headers.get("Content-Disposition")
    if disposition:
        msg = email.message.Message()
        msg["Content-Disposition"] = disposition
        given = msg.get_filename()
    for name in (given, PurePosixPath(unquote(urlsplit(url).path)).name):
        if name and PurePosixPath(name).suffix.lower() == f".{fmt}":
            return _safe_name(name)
    return f"{source.name}.{fmt}"


def _safe_name(name: str) -> str:
    """A server's file name as a name only: its last part, printable, at most 120 characters."""
    text = "".join(ch for ch in name.replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable())
    return text.strip().lstrip(".")[-120:] or "payload"


def _read_capped(source: Source, response, deadline: float) -> bytes:
    """The body in chunks, refused past the cap (nothing kept) or past the download deadline."""
    cap = source.cap
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise _too_large(source, cap)
    chunks, size = [], 0
    while True:
        chunk = response.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > cap:
            raise _too_large(source, cap)
        if time.monotonic() > deadline:
            raise TimeoutError("download deadline")
        chunks.append(chunk)


def _too_large(source: Source, cap: int) -> Rejected:
    mb = f"{cap / 2**20:.3g}"
    return Rejected(
        [problem("connectors.too_large", code="too_large", value=cap, source=source.name, mb=mb)]
    )


def fetch(source: Source) -> Payload:
    """The payload at the source's address (see the module doc for what is refused)."""
    started = time.monotonic()
    request = urllib.request.Request(source.url, headers={"User-Agent": USER_AGENT})
    auth = _auth_header(source)
    if auth:  # kept by a redirect, which goes only to the same origin
        request.add_header("Authorization", auth)
    opener = urllib.request.build_opener(
        _SameOrigin(source), urllib.request.HTTPSHandler(context=ssl.create_default_context())
    )
    shown = shown_url(source.url)
    try:
        with opener.open(request, timeout=source.timeout) as response:
            deadline = started + source.timeout * DOWNLOAD_TIMEOUTS
            data = _read_capped(source, response, deadline)
            final_url = response.geturl()
            headers = response.headers
    except urllib.error.HTTPError as exc:
        exc.close()
        log.warning("pull %s: %s answered %s", source.name, shown, exc.code)
        raise _status_error(source, exc.code) from None
    except urllib.error.URLError as exc:
        log.warning("pull %s: %s unreachable: %s", source.name, shown, type(exc.reason).__name__)
        raise _network_error(source, exc.reason) from None
    except (OSError, http.client.HTTPException) as exc:  # during the body: timeout, reset
        log.warning("pull %s: %s failed: %s", source.name, shown, type(exc).__name__)
        raise _network_error(source, exc) from None
    if not data:
        raise Rejected([problem("connectors.empty", code="empty", source=source.name)])
    fmt = _format_of(source, headers.get("Content-Type") or "", final_url)
    return Payload(
        source=source.name,
        data=data,
        file_name=_file_name(source, fmt, headers, final_url),
        as_of=None,  # the JSON feed's as_of is read in the sandbox (connectors.feed)
        fetched_at=connectors.utc_now(),
        detail=shown,
    )
