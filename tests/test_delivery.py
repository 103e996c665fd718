"""E-mail delivery (analytics/delivery.py) against a real SMTP server on 127.0.0.1 (aiosmtpd,
tests/smtp_sink.py): who gets which files, a failing server retried and reported, STARTTLS (off
by the setting, on with a real certificate), a login whose password never shows, the settings
from the secrets file and the environment, and the record kept in a real store."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import pytest
from fpdf import FPDF
from openpyxl import Workbook, load_workbook

from analytics import audit, delivery, recipients
from analytics.recipients import Recipient
from analytics.reports import MIME
from tests.smtp_sink import Sink, free_port

DAY = dt.date(2025, 8, 28)
PASSWORD = "s3cret-Pa55-word!"


def pdf_bytes(text: str) -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text=text)
    return bytes(doc.output())


def xlsx_bytes(text: str) -> bytes:
    wb = Workbook()
    wb.active["A1"] = text
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def sink():
    s = Sink()
    yield s
    s.stop()


@pytest.fixture
def waits():
    seen: list[float] = []
    return seen


def cfg(port: int, **more) -> delivery.SmtpSettings:
    values = dict(host="127.0.0.1", port=port, sender="baocao@vpcp.gov.vn", starttls=False)
    values.update(backoff_seconds=1.0, timeout=10)
    values.update(more)
    return delivery.SmtpSettings(**values)


BRIEFING = (
    delivery.Attachment("bao-cao-2025-08-28.pdf", pdf_bytes("briefing"), MIME["pdf"]),
    delivery.Attachment("bao-cao-2025-08-28.xlsx", xlsx_bytes("briefing"), MIME["xlsx"]),
)
AGENCY_FILES = {
    "mof": delivery.Attachment("mof_Bo-Tai-chinh_2025-08-28.xlsx", xlsx_bytes("mof"), MIME["xlsx"]),
    "p01": delivery.Attachment("p01_Ha-Noi_2025-08-28.xlsx", xlsx_bytes("p01"), MIME["xlsx"]),
}
NAMES = {"mof": ("Bộ Tài chính", "Ministry of Finance"), "p01": ("Hà Nội", "Hanoi")}
LEADER = Recipient(1, "lanhdao@vpcp.gov.vn", "Phó Thủ tướng", "leader", None)
MOF = Recipient(2, "vanthu@mof.gov.vn", "", "agency", "mof")
HANOI = Recipient(3, "ubnd@hanoi.gov.vn", "Văn phòng UBND", "agency", "p01")
MOST = Recipient(4, "vanthu@most.gov.vn", "", "agency", "most")  # no file today


def test_a_leader_gets_the_briefing_and_each_agency_only_its_own_file(sink, waits):
    messages, skipped = delivery.plan(
        [LEADER, MOF, HANOI, MOST], DAY, BRIEFING, AGENCY_FILES, NAMES, ("Câu tóm tắt.", "Gist.")
    )
    results = delivery.send(messages, cfg(sink.port), sleep=waits.append)
    assert [r.status for r in results] == ["sent", "sent", "sent"] and waits == []
    assert [(s.recipient.email, s.status, s.code) for s in skipped] == [
        ("vanthu@most.gov.vn", "skipped", "no_file")
    ]
    assert "most" in skipped[0].reason_vi
    assert sorted(m.to for m in sink.messages) == sorted(
        [LEADER.email, MOF.email, HANOI.email]
    )  # one recipient per message: nobody sees another's address
    [leader] = sink.to(LEADER.email)
    assert leader.attachments() == {
        a.name: (a.mime, a.data) for a in BRIEFING
    }  # the PDF as application/pdf, the workbook as the xlsx type, byte for byte
    assert set(leader.attachments()) == {"bao-cao-2025-08-28.pdf", "bao-cao-2025-08-28.xlsx"}
    [mof] = sink.to(MOF.email)
    assert mof.attachments() == {AGENCY_FILES["mof"].name: (MIME["xlsx"], AGENCY_FILES["mof"].data)}
    assert (
        load_workbook(io.BytesIO(mof.attachments()[AGENCY_FILES["mof"].name][1])).active["A1"].value
        == "mof"
    )
    [hanoi] = sink.to(HANOI.email)
    assert list(hanoi.attachments()) == [AGENCY_FILES["p01"].name]
    assert sink.to(MOST.email) == []
    assert leader.mail_from == "baocao@vpcp.gov.vn"


def test_subjects_and_bodies_say_vietnamese_first_then_english_with_the_date(sink):
    messages, _ = delivery.plan(
        [LEADER, MOF], DAY, BRIEFING, AGENCY_FILES, NAMES, ("Tóm tắt.", "Gist.")
    )
    delivery.send(messages, cfg(sink.port))
    leader, mof = sink.to(LEADER.email)[0], sink.to(MOF.email)[0]
    subject = leader.message["Subject"]
    vi, en = subject.split(" / ")
    assert "28/08/2025" in vi and "28/08/2025" in en and "Báo cáo" in vi and "briefing" in en
    body = leader.body()
    assert body.index("Kính gửi Phó Thủ tướng") < body.index("Tóm tắt.") < body.index("Dear")
    assert body.index("Dear Phó Thủ tướng") < body.index("Gist.")
    assert "2025-08-28" not in body and "28/08/2025" in body
    assert (
        "Bộ Tài chính" in mof.message["Subject"] and "Ministry of Finance" in mof.message["Subject"]
    )
    assert mof.body().startswith("Kính gửi Quý cơ quan,")
    assert leader.message["Date"].endswith("+0700")  # Vietnam time
    assert leader.message["Auto-Submitted"] == "auto-generated"
    assert leader.message["To"].addresses[0].display_name == "Phó Thủ tướng"


def test_a_refused_connection_is_tried_three_times_with_doubling_waits_and_reported(waits):
    port = free_port()  # nothing listens there
    messages, _ = delivery.plan([LEADER], DAY, BRIEFING, AGENCY_FILES)
    [result] = delivery.send(messages, cfg(port), sleep=waits.append)
    assert (result.status, result.code, result.tries) == ("failed", "refused", 3)
    assert waits == [1.0, 2.0]
    assert f"127.0.0.1:{port}" in result.reason_vi and "refused" in result.reason
    doc = result.to_json()
    assert doc["status"] == "failed" and doc["message_vi"] == result.reason_vi
    assert doc["files"] == [a.name for a in BRIEFING]


def test_a_4xx_reply_is_tried_again_and_goes_on_the_third_try(sink, waits):
    sink.data_replies = ["451 4.3.0 Try again later", "421 4.7.0 Busy"]
    messages, _ = delivery.plan([MOF], DAY, BRIEFING, AGENCY_FILES)
    [result] = delivery.send(messages, cfg(sink.port), sleep=waits.append)
    assert (result.status, result.tries) == ("sent", 3)
    assert sink.data_seen == 3 and len(sink.messages) == 1 and waits == [1.0, 2.0]


def test_a_4xx_reply_every_time_fails_after_three_tries(sink, waits):
    sink.data_replies = ["451 4.3.0 Try again later"] * 5
    messages, _ = delivery.plan([MOF], DAY, BRIEFING, AGENCY_FILES)
    [result] = delivery.send(messages, cfg(sink.port), sleep=waits.append)
    assert (result.status, result.code, result.smtp_code, result.tries) == (
        "failed",
        "data_refused",
        451,
        3,
    )
    assert sink.messages == [] and sink.data_seen == 3
    assert "451" in result.reason_vi and "Try again later" in result.detail


def test_a_5xx_reply_is_permanent_reported_at_once_and_the_others_still_go(sink, waits):
    sink.data_replies = ["554 5.6.0 Message rejected"]
    messages, _ = delivery.plan([LEADER, MOF], DAY, BRIEFING, AGENCY_FILES)
    first, second = delivery.send(messages, cfg(sink.port), sleep=waits.append)
    assert (first.status, first.code, first.smtp_code, first.tries) == (
        "failed",
        "data_refused",
        554,
        1,
    )
    assert waits == [] and second.status == "sent"
    assert [m.to for m in sink.messages] == [MOF.email]


def test_a_refused_recipient_is_reported_with_the_servers_code(sink, waits):
    sink.rcpt_replies[HANOI.email] = "550 5.1.1 No such mailbox"
    messages, _ = delivery.plan([HANOI, MOF], DAY, BRIEFING, AGENCY_FILES)
    bad, good = delivery.send(messages, cfg(sink.port), sleep=waits.append)
    assert (bad.status, bad.code, bad.smtp_code, bad.tries) == (
        "failed",
        "recipient_refused",
        550,
        1,
    )
    assert good.status == "sent" and waits == []


def test_starttls_is_on_by_default_and_a_server_without_it_is_reported(sink, waits):
    messages, _ = delivery.plan([LEADER], DAY, BRIEFING, AGENCY_FILES)
    settings = delivery.SmtpSettings(host="127.0.0.1", port=sink.port, sender="bc@vpcp.gov.vn")
    assert settings.starttls is True
    [result] = delivery.send(messages, settings, sleep=waits.append)
    assert (result.status, result.code, result.tries) == ("failed", "no_starttls", 1)
    assert sink.messages == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    from tests.http_source import self_signed

    return self_signed(tmp_path_factory.mktemp("smtp-tls"))


def test_starttls_with_a_trusted_certificate_then_the_login(certificate, monkeypatch, waits):
    server = Sink(login=("baocao", PASSWORD), tls=certificate)
    try:
        messages, _ = delivery.plan([LEADER], DAY, BRIEFING, AGENCY_FILES)
        settings = cfg(server.port, starttls=True, username="baocao", password=PASSWORD)
        [untrusted] = delivery.send(messages, settings, sleep=waits.append)
        assert (untrusted.status, untrusted.code, untrusted.tries) == ("failed", "tls", 1)
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # the client now trusts it
        [result] = delivery.send(messages, settings, sleep=waits.append)
        assert result.status == "sent", result.to_json()
        assert server.logins == [("baocao", True)]
        assert [m.to for m in server.messages] == [LEADER.email]
    finally:
        server.stop()


def test_the_password_is_never_in_a_log_a_result_or_a_message(
    certificate, monkeypatch, caplog, waits
):
    server = Sink(login=("baocao", PASSWORD), tls=certificate)  # a login only after STARTTLS
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    caplog.set_level(logging.DEBUG)
    try:
        messages, _ = delivery.plan([LEADER], DAY, BRIEFING, AGENCY_FILES)
        wrong = cfg(server.port, starttls=True, username="baocao", password=PASSWORD + "x")
        [refused] = delivery.send(messages, wrong, sleep=waits.append)
        assert (refused.status, refused.code, refused.tries) == ("failed", "auth", 1)
        right = cfg(server.port, starttls=True, username="baocao", password=PASSWORD)
        [sent] = delivery.send(messages, right, sleep=waits.append)
        assert sent.status == "sent"
        # smtplib tries each mechanism the server offers (PLAIN, LOGIN), then gives up
        assert server.logins[-1] == ("baocao", True)
        assert {ok for _, ok in server.logins[:-1]} == {False}
        shown = [
            caplog.text,
            repr(right),
            json.dumps(right.shown()),
            json.dumps([refused.to_json(), sent.to_json()], ensure_ascii=False),
            server.messages[0].raw.decode("utf-8", "replace"),
        ]
        assert all(PASSWORD not in text for text in shown)
        assert "delivery to=lanhdao@vpcp.gov.vn try=1/3 failed code=auth" in caplog.text
    finally:
        server.stop()


def test_the_settings_from_the_secrets_file_and_the_environment_which_wins(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[smtp]\nhost = "mail.example.gov.vn"\nport = 2525\nstarttls = false\n'
        f'username = "baocao"\npassword = "{PASSWORD}"\nsender = "BaoCao@Example.gov.vn"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TASKS_SECRETS", str(secrets))
    for name in ("HOST", "PORT", "STARTTLS", "USERNAME", "PASSWORD", "SENDER", "TIMEOUT"):
        monkeypatch.delenv(f"TASKS_SMTP_{name}", raising=False)
    got = delivery.settings()
    assert (got.host, got.port, got.starttls, got.username, got.sender) == (
        "mail.example.gov.vn",
        2525,
        False,
        "baocao",
        "baocao@example.gov.vn",
    )
    assert got.password == PASSWORD and PASSWORD not in repr(got)
    assert (got.timeout, got.tries, got.backoff_seconds) == (30.0, 3, 2.0)
    monkeypatch.setenv("TASKS_SMTP_HOST", "relay.local")
    monkeypatch.setenv("TASKS_SMTP_STARTTLS", "on")
    monkeypatch.setenv("TASKS_SMTP_PASSWORD", "from-env")
    got = delivery.settings()
    assert (got.host, got.starttls, got.password, got.port) == (
        "relay.local",
        True,
        "from-env",
        2525,
    )
    monkeypatch.setenv("TASKS_SMTP_PORT", "many")
    with pytest.raises(delivery.NotConfigured) as bad:
        delivery.settings()
    assert bad.value.code == "bad_setting" and "port" in bad.value.reason_vi
    secrets.write_text('[smtp]\nsender = "a@b.vn"\n', encoding="utf-8")
    for name in ("HOST", "PORT"):
        monkeypatch.delenv(f"TASKS_SMTP_{name}")
    with pytest.raises(delivery.NotConfigured) as none:
        delivery.settings()
    assert none.value.code == "no_host" and "TASKS_SMTP_HOST" in none.value.reason_vi
    secrets.write_text("[smtp\nhost = ", encoding="utf-8")  # broken: said, not "no host"
    with pytest.raises(delivery.NotConfigured) as broken:
        delivery.settings()
    assert broken.value.code == "bad_secrets" and str(secrets) in broken.value.reason_vi


def test_the_record_of_a_run_in_the_store_and_the_audit_log(tmp_path, sink, waits):
    db = tmp_path / "tasks.duckdb"
    for email, kind, agency in (
        ("lanhdao@vpcp.gov.vn", "leader", None),
        ("vanthu@mof.gov.vn", "agency", "mof"),
        ("vanthu@most.gov.vn", "agency", "most"),
    ):
        recipients.add_recipient(db, email, kind, agency, by="root")
    listed = recipients.active_recipients(db)
    sink.rcpt_replies["vanthu@mof.gov.vn"] = "550 5.1.1 No such mailbox"
    messages, skipped = delivery.plan(listed, DAY, BRIEFING, AGENCY_FILES, NAMES)
    results = delivery.send(messages, cfg(sink.port), sleep=waits.append) + skipped
    run = delivery.record(db, DAY, results, "daily:cli")
    assert run == 1
    last = delivery.last_run(db)
    assert list(last["outcome"]) == ["failed", "skipped", "sent"]  # failures first
    assert list(last["email"]) == ["vanthu@mof.gov.vn", "vanthu@most.gov.vn", "lanhdao@vpcp.gov.vn"]
    failed = last.iloc[0]
    assert failed["reason_code"] == "recipient_refused" and "550" in failed["reason_vi"]
    assert list(failed["files"]) == [AGENCY_FILES["mof"].name] and failed["tries"] == 1
    log = audit.read(db, actions=["delivery_send"])
    assert sorted(zip(log["target"], log["outcome"], strict=True)) == [
        ("lanhdao@vpcp.gov.vn", "ok"),
        ("vanthu@mof.gov.vn", "failure"),
    ]
    assert set(log["username"]) == {"daily:cli"}
    assert delivery.record(db, DAY, results, "daily:cli") == 2  # the next run's number
    assert delivery.not_sent(messages, delivery.NotConfigured("no_host"))[0].code == "no_host"
