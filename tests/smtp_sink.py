"""A real SMTP server on 127.0.0.1 (aiosmtpd, pinned in requirements-dev.txt) for the delivery
tests (tests/test_delivery.py, tests/test_daily.py): it keeps every message it accepts and
answers as the test tells it: a reply to the next DATA commands (a 4xx, a 5xx), a reply to a
recipient's RCPT, a login it checks, STARTTLS with a certificate."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes = field(repr=False)

    @property
    def to(self) -> str:
        [one] = self.rcpt_tos
        return one

    def attachments(self) -> dict[str, tuple[str, bytes]]:
        """File name → (MIME type, bytes)."""
        return {
            part.get_filename(): (part.get_content_type(), part.get_content())
            for part in self.message.iter_attachments()
        }

    def body(self) -> str:
        return self.message.get_body(("plain",)).get_content()


class Sink:
    """The server; `messages` (Received), `data_seen` (DATA commands answered)."""

    def __init__(
        self, *, login: tuple[str, str] | None = None, tls: tuple[Path, Path] | None = None
    ):
        self.messages: list[Received] = []
        self.data_replies: list[str] = []  # replies to the next DATA commands; none left: 250
        self.rcpt_replies: dict[str, str] = {}  # address → its RCPT reply
        self.data_seen = 0
        self.logins: list[tuple[str, bool]] = []  # (login, accepted)
        self._login = login
        kwargs: dict = {}
        if login is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            kwargs.update(tls_context=context, require_starttls=True)
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        login = auth_data.login.decode()
        ok = (login, auth_data.password.decode()) == self._login
        self.logins.append((login, ok))
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 235 or 535 itself

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_seen += 1
        if self.data_replies:
            return self.data_replies.pop(0)
        raw = bytes(envelope.original_content or envelope.content)
        message = message_from_bytes(raw, policy=default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, raw))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def stop(self) -> None:
        self.controller.stop()
