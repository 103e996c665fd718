"""The daily cycle's files delivered by e-mail over SMTP (issue 17), with the standard library only
(smtplib, email.message.EmailMessage).

- Settings (`settings()`): `[smtp]` in the secrets file (`.streamlit/secrets.toml`, its path from
  TASKS_SECRETS; read through analytics.connectors.sources) or the environment, which wins:
  TASKS_SMTP_HOST, _PORT (587), _STARTTLS (on; "0", "false", "no", "off": off), _USERNAME,
  _PASSWORD, _SENDER, _TIMEOUT (30 s), _TRIES (3), _BACKOFF_SECONDS (2: waits of 2 s then 4 s).
  With a username the password is required; neither is ever logged, shown or put in a message.
- Who gets what (`plan`): a leader the briefing PDF and its workbook; an agency recipient only
  its agency's file, never another's (no file for its agency that day: skipped, and said so).
- One message per recipient, each sent on its own connection and tried up to `tries` times with
  doubling waits when the failure may pass (no connection, a timeout, a 4xx reply); a 5xx reply
  (a permanent refusal by RFC 5321), a refused login or a STARTTLS the server lacks is not
  tried again. Every result is returned (`SendResult`), logged, and recorded (`record`: the
  `deliveries` table and the audit log, action delivery_send) for the Data page.
- Subjects and bodies in Vietnamese first, then English; dates dd/mm/yyyy; the Date header in
  Vietnam time; attachments with their MIME types (analytics.reports.MIME).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import smtplib
import socket
import ssl
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from analytics import audit, store
from analytics.i18n import fmt_date, t
from analytics.recipients import Recipient, RecipientError, valid_email
from analytics.reporting.rules import VN

log = logging.getLogger(__name__)

ENV_PREFIX = "TASKS_SMTP_"
OFF = frozenset({"0", "false", "no", "off"})
ON = frozenset({"1", "true", "yes", "on"})
MAX_DETAIL = 200  # characters of a server's reply kept


class NotConfigured(Exception):
    """The SMTP settings are missing or not valid: `code`, words in both languages."""

    def __init__(self, code: str, **fmt) -> None:
        self.code = code
        self.reason = t(f"daily.why_{code}", "en", **fmt)
        self.reason_vi = t(f"daily.why_{code}", "vi", **fmt)
        super().__init__(self.reason)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    sender: str
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a repr, log or message
    timeout: float = 30.0
    tries: int = 3
    backoff_seconds: float = 2.0

    def shown(self) -> dict:
        """The settings as they may be printed: no password."""
        return {
            "host": self.host,
            "port": self.port,
            "starttls": self.starttls,
            "username": self.username,
            "sender": self.sender,
        }


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes = field(repr=False)
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class Outgoing:
    recipient: Recipient
    subject: str
    body: str
    attachments: tuple[Attachment, ...]

    @property
    def files(self) -> list[str]:
        return [a.name for a in self.attachments]


@dataclass
class SendResult:
    recipient: Recipient
    files: list[str]
    status: str  # sent | failed | skipped
    tries: int = 0
    code: str | None = None  # why it failed or was skipped: refused, timeout, auth, ...
    reason: str | None = None
    reason_vi: str | None = None
    smtp_code: int | None = None
    detail: str | None = None  # the server's reply (clipped), for the log and the JSON

    def to_json(self) -> dict:
        return {
            "email": self.recipient.email,
            "kind": self.recipient.kind,
            "agency_id": self.recipient.agency_id,
            "files": self.files,
            "status": self.status,
            "tries": self.tries,
            **(
                {
                    "code": self.code,
                    "message": self.reason,
                    "message_vi": self.reason_vi,
                    "smtp_code": self.smtp_code,
                    "detail": self.detail,
                }
                if self.status != "sent"
                else {}
            ),
        }


# --------------------------------------------------------------------------- settings


def _smtp_table() -> dict:
    """The `[smtp]` table of the secrets file ({} when there is none); NotConfigured when the
    file cannot be read."""
    from analytics.connectors.sources import secrets_path

    path = secrets_path()
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):  # unreadable, not UTF-8, not TOML: said, never "no host"
        raise NotConfigured("bad_secrets", path=path) from None
    table = doc.get("smtp")
    return table if isinstance(table, dict) else {}


def _number(name: str, value, kind=int, low: float = 0):
    try:
        number = kind(str(value).strip())
    except ValueError:
        raise NotConfigured("bad_setting", setting=name) from None
    if number < low or (kind is int and name == "port" and number > 65535):
        raise NotConfigured("bad_setting", setting=name)
    return number


def _flag(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ON or text in OFF:
        return text in ON
    raise NotConfigured("bad_setting", setting=name)


def settings(env: Mapping[str, str] | None = None) -> SmtpSettings:
    """The SMTP settings: the environment (TASKS_SMTP_*) first, then `[smtp]` of the secrets
    file; NotConfigured when the host or the sender is missing or a value is not valid."""
    from analytics.connectors.sources import secret

    env = os.environ if env is None else env
    table = _smtp_table()

    def value(name: str):
        got = env.get(ENV_PREFIX + name.upper())
        if got not in (None, ""):
            return got
        got = table.get(name)
        return None if got in (None, "") else got

    host, sender = value("host"), value("sender")
    if not host:
        raise NotConfigured("no_host")
    if not sender:
        raise NotConfigured("no_sender")
    try:
        sender = valid_email(sender)
    except RecipientError:
        raise NotConfigured("bad_setting", setting="sender") from None
    username = value("username")
    password = env.get(ENV_PREFIX + "PASSWORD") or secret("smtp.password")
    if username and not password:
        raise NotConfigured("no_password")

    def number(name: str, default, kind=int, low: float = 0):
        got = value(name)
        return default if got is None else _number(name, got, kind, low)

    starttls = value("starttls")
    return SmtpSettings(
        host=str(host).strip(),
        sender=sender,
        port=number("port", 587, int, 1),
        starttls=True if starttls is None else _flag("starttls", starttls),
        username=str(username) if username else None,
        password=password or None,
        timeout=number("timeout", 30.0, float, 1),
        tries=number("tries", 3, int, 1),
        backoff_seconds=number("backoff_seconds", 2.0, float),
    )


# --------------------------------------------------------------------------- what is sent


def _both(key: str, **fmt) -> str:
    """A text in Vietnamese, then in English."""
    return f"{t(key, 'vi', **fmt)}\n\n{t(key, 'en', **fmt)}"


def _greeting(recipient: Recipient, lang: str) -> str:
    if recipient.name:
        return t("daily.mail_dear", lang, name=recipient.name)
    return t("daily.mail_dear_all", lang)


def compose(
    recipient: Recipient,
    day: dt.date,
    attachments: Iterable[Attachment],
    agency_names: Mapping[str, tuple[str, str]] | None = None,
    headlines: tuple[str, str] | None = None,
) -> Outgoing:
    """The message of one recipient: subject and body in Vietnamese, then in English."""
    date = fmt_date(day)
    files = tuple(attachments)
    parts: list[str] = []
    if recipient.kind == "leader":
        subject = " / ".join(t("daily.subject_leader", lg, date=date) for lg in ("vi", "en"))
        for i, lg in enumerate(("vi", "en")):
            lines = [_greeting(recipient, lg), t("daily.mail_leader", lg, date=date)]
            if headlines:
                lines.append(headlines[i])
            lines.append(t("daily.mail_footer", lg))
            parts.append("\n\n".join(lines))
    else:
        names = (agency_names or {}).get(recipient.agency_id or "", (recipient.agency_id,) * 2)
        subject = " / ".join(
            t("daily.subject_agency", lg, date=date, agency=names[i])
            for i, lg in enumerate(("vi", "en"))
        )
        for i, lg in enumerate(("vi", "en")):
            lines = [
                _greeting(recipient, lg),
                t("daily.mail_agency", lg, date=date, agency=names[i]),
                t("daily.mail_footer", lg),
            ]
            parts.append("\n\n".join(lines))
    return Outgoing(recipient, subject, "\n\n---\n\n".join(parts) + "\n", files)


def plan(
    recipients: Iterable[Recipient],
    day: dt.date,
    briefing: Iterable[Attachment],
    agency_files: Mapping[str, Attachment],
    agency_names: Mapping[str, tuple[str, str]] | None = None,
    headlines: tuple[str, str] | None = None,
) -> tuple[list[Outgoing], list[SendResult]]:
    """Who gets what: a leader the briefing files, an agency recipient only its agency's file.
    Returns the messages to send and the recipients skipped (their agency has no file)."""
    briefing = tuple(briefing)
    messages: list[Outgoing] = []
    skipped: list[SendResult] = []
    for r in recipients:
        if r.kind == "leader":
            messages.append(compose(r, day, briefing, agency_names, headlines))
            continue
        own = agency_files.get(r.agency_id or "")
        if own is None:
            skipped.append(_skip(r, "no_file", agency=r.agency_id))
            continue
        messages.append(compose(r, day, (own,), agency_names))
    return messages, skipped


def _skip(r: Recipient, code: str, **fmt) -> SendResult:
    return SendResult(
        r,
        [],
        "skipped",
        code=code,
        reason=t(f"daily.why_{code}", "en", **fmt),
        reason_vi=t(f"daily.why_{code}", "vi", **fmt),
    )


def message(sender: str, out: Outgoing, now: dt.datetime | None = None) -> EmailMessage:
    """The e-mail of one Outgoing, from `sender` (an address), dated in Vietnam time."""
    msg = EmailMessage()
    msg["Subject"] = out.subject
    msg["From"] = Address(t("daily.mail_from", "vi"), addr_spec=sender)
    msg["To"] = Address(out.recipient.name or "", addr_spec=out.recipient.email)
    msg["Date"] = format_datetime((now or dt.datetime.now(dt.UTC)).astimezone(VN))
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies back
    msg.set_content(out.body)
    for a in out.attachments:
        maintype, subtype = a.mime.split("/", 1)
        msg.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.name)
    return msg


# --------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class _Failure:
    code: str
    retry: bool
    smtp_code: int | None = None
    detail: str | None = None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _reply(raw, password: str | None) -> str | None:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
    text = _CONTROL.sub(" ", text).strip()
    if password:
        text = text.replace(password, "***")
    return text[:MAX_DETAIL] or None


def _classify(exc: BaseException, password: str | None) -> _Failure:
    """Why one attempt failed, and whether trying again may help (a 4xx may pass, a 5xx not)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (None, b""))
        return _Failure(
            "recipient_refused", bool(code and code < 500), code, _reply(reply, password)
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _Failure("auth", False, exc.smtp_code, _reply(exc.smtp_error, password))
    if isinstance(exc, smtplib.SMTPSenderRefused):
        code = exc.smtp_code
        return _Failure("sender_refused", code < 500, code, _reply(exc.smtp_error, password))
    if isinstance(exc, smtplib.SMTPResponseException):  # data refused, a greeting refused, ...
        code = exc.smtp_code
        what = "data_refused" if isinstance(exc, smtplib.SMTPDataError) else "server_reply"
        return _Failure(what, 400 <= code < 500, code, _reply(exc.smtp_error, password))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _Failure("no_starttls", False)
    if isinstance(exc, ssl.SSLError):
        return _Failure("tls", False, None, _reply(getattr(exc, "reason", ""), password))
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return _Failure("disconnected", True)
    if isinstance(exc, ConnectionRefusedError):
        return _Failure("refused", True)
    if isinstance(exc, TimeoutError | socket.timeout):
        return _Failure("timeout", True)
    if isinstance(exc, socket.gaierror):
        return _Failure("unknown_host", True)
    if isinstance(exc, OSError | smtplib.SMTPException):
        return _Failure("network", True)
    return _Failure("unexpected", False)


def _attempt(cfg: SmtpSettings, msg: EmailMessage) -> None:
    """One connection, one message. Once the server has accepted the message, nothing that
    follows (its answer to QUIT, a connection cut then) makes it a failure to be sent again."""
    smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    try:
        smtp.ehlo()
        if cfg.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if cfg.username:
            smtp.login(cfg.username, cfg.password or "")
        smtp.send_message(
            msg, from_addr=cfg.sender, to_addrs=[str(msg["To"].addresses[0].addr_spec)]
        )
        with suppress(smtplib.SMTPException, OSError):
            smtp.quit()
    finally:
        smtp.close()


def send_one(
    cfg: SmtpSettings, out: Outgoing, sleep: Callable[[float], None] = time.sleep
) -> SendResult:
    """Send one message, trying again (waits of backoff, 2 × backoff, ...) while it may help."""
    msg = message(cfg.sender, out)
    failure = _Failure("unexpected", False)
    tries = 0
    for tries in range(1, max(1, cfg.tries) + 1):
        try:
            _attempt(cfg, msg)
        except Exception as exc:
            failure = _classify(exc, cfg.password)
            if failure.code == "unexpected":
                log.error("sending to %s failed unexpectedly", out.recipient.email, exc_info=exc)
            log.warning(
                "delivery to=%s try=%d/%d failed code=%s smtp_code=%s",
                out.recipient.email,
                tries,
                cfg.tries,
                failure.code,
                failure.smtp_code,
            )
            if not failure.retry or tries >= cfg.tries:
                break
            sleep(cfg.backoff_seconds * 2 ** (tries - 1))
            continue
        return SendResult(out.recipient, out.files, "sent", tries)
    fmt = {"host": cfg.host, "port": cfg.port, "smtp_code": failure.smtp_code or ""}
    return SendResult(
        out.recipient,
        out.files,
        "failed",
        tries,
        failure.code,
        t(f"daily.why_{failure.code}", "en", **fmt),
        t(f"daily.why_{failure.code}", "vi", **fmt),
        failure.smtp_code,
        failure.detail,
    )


def send(
    messages: Iterable[Outgoing],
    cfg: SmtpSettings,
    sleep: Callable[[float], None] = time.sleep,
) -> list[SendResult]:
    """Send every message (one connection each); every result, sent or failed."""
    return [send_one(cfg, out, sleep) for out in messages]


def not_sent(messages: Iterable[Outgoing], why: NotConfigured) -> list[SendResult]:
    """Every message as failed for a reason that stopped all sending (no SMTP settings)."""
    return [
        SendResult(m.recipient, m.files, "failed", 0, why.code, why.reason, why.reason_vi)
        for m in messages
    ]


# --------------------------------------------------------------------------- the record


def record(db, day: dt.date, results: Iterable[SendResult], by: str | None) -> int | None:
    """Write one run's results to `deliveries` and each sent or failed message to the audit log
    (delivery_send, outcome ok or failure), in one transaction; the run's number (None when
    there was nothing to record)."""
    results = list(results)
    if not results:
        return None
    now = audit.now()
    with audit.writing(db) as con:
        con.execute("begin")
        run_id = con.execute("select coalesce(max(run_id), 0) + 1 from deliveries").fetchone()[0]
        for r in results:
            con.execute(
                store.sql("delivery_add"),
                {
                    "run_id": run_id,
                    "day": day,
                    "sent_at": now,
                    "recipient_id": r.recipient.recipient_id,
                    "email": r.recipient.email,
                    "kind": r.recipient.kind,
                    "agency_id": r.recipient.agency_id,
                    "files": r.files,
                    "outcome": r.status,
                    "tries": r.tries,
                    "reason_code": r.code,
                    "reason": r.reason,
                    "reason_vi": r.reason_vi,
                },
            )
            if r.status == "skipped":
                continue
            details = {
                "run": run_id,
                "day": day.isoformat(),
                "kind": r.recipient.kind,
                "agency_id": r.recipient.agency_id,
                "files": r.files,
                "tries": r.tries,
                **({"code": r.code, "smtp_code": r.smtp_code} if r.status == "failed" else {}),
            }
            outcome = "ok" if r.status == "sent" else "failure"
            audit.append(con, by, "delivery_send", r.recipient.email, details, outcome, now)
        con.execute("commit")
    return int(run_id)


def last_run(db):
    """The messages of the last run that delivered (failures first), or an empty frame."""
    with store.connect(db) as con:
        return con.execute(store.sql("deliveries_last_run")).df()
