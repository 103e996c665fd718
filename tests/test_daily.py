"""`python -m analytics daily` end to end (analytics/daily.py, analytics/cli/daily.py), as a
subprocess on a copy of the bundled sample, with a real HTTP source on 127.0.0.1 serving a
workbook (tests/http_source.py) and a real SMTP server (tests/smtp_sink.py): the files written,
the e-mails and their attachments, the exit code and its precedence, the log lines, the Data
page's last delivery; and the README's cron line run as written (/bin/sh -c), so that the README
and the code cannot drift apart."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from analytics import accounts, audit, delivery, recipients, store
from analytics.daily import DailyRun
from analytics.i18n import t
from analytics.reporting.rules import vn_today
from analytics.reports import MIME
from tests import http_source
from tests.helpers import PW, signed_in
from tests.http_source import ROWS, XLSX, Route, workbook
from tests.smtp_sink import Sink, free_port

ROOT = Path(__file__).resolve().parent.parent
DAY = "30/10/2025"
FOLDER = "2025-10-30"
PULLED_TITLE = ROWS[0][2]  # led by Bộ Tài chính in the served workbook
LINE = re.compile(
    r"^daily \d\d/\d\d/\d{4} \d\d:\d\d:\d\d step=(pull|report|deliver) result=(\w+)"
    r"(?: [a-z_]+=\S+)* seconds=\d+\.\d\d$"
)
LEADER, MOF, HANOI = "lanhdao@vpcp.gov.vn", "vanthu@mof.gov.vn", "ubnd@hanoi.gov.vn"


@pytest.fixture
def site(sample_db, tmp_path):
    """A copy of the sample with three recipients and an administrator."""
    db = tmp_path / "tasks.duckdb"
    shutil.copy(sample_db, db)
    recipients.add_recipient(db, LEADER, "leader", name="Phó Thủ tướng", by="root")
    recipients.add_recipient(db, MOF, "agency", "mof", by="root")
    recipients.add_recipient(db, HANOI, "agency", "p01", by="root")
    return db


@pytest.fixture
def web():
    server = http_source.Server()
    server.routes["/bcd.xlsx"] = Route(workbook(ROWS, title=f"Số liệu đến ngày {DAY}"), XLSX)
    yield server
    server.stop()


@pytest.fixture
def mail():
    sink = Sink()
    yield sink
    sink.stop()


def smtp_env(port: int, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKS_")}
    env.update(
        TASKS_SMTP_HOST="127.0.0.1",
        TASKS_SMTP_PORT=str(port),
        TASKS_SMTP_STARTTLS="off",  # the loopback server offers no STARTTLS
        TASKS_SMTP_SENDER="baocao@vpcp.gov.vn",
        TASKS_SMTP_BACKOFF_SECONDS="0",
        TASKS_SECRETS=str(tmp_path / "no-secrets.toml"),
    )
    return env


def daily(db, env, *args: str):
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "daily", "--db", str(db), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, json.loads(done.stdout), done.stderr.splitlines()


def step_lines(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        m = LINE.match(line)
        if m:
            found[m[1]] = m[2]
    return found


def test_pull_report_deliver_then_a_failing_day_told_everywhere(
    site, web, mail, tmp_path, app_clean, steady_server, monkeypatch
):
    sources = http_source.sources_file(
        tmp_path,
        {
            "name": "bcd",
            "kind": "http",
            "url": web.url("/bcd.xlsx"),
            "format": "xlsx",
            "task_source": "Hệ thống Ban Chỉ đạo",
            "as_of": "payload",
            "backoff_seconds": 0,
        },
    )
    out = tmp_path / "out"
    env = smtp_env(mail.port, tmp_path)
    code, doc, err = daily(site, env, "--sources", str(sources), "--out", str(out), "--date", DAY)
    assert code == 0, (doc, err)
    assert step_lines(err) == {"pull": "ok", "report": "ok", "deliver": "ok"}, err
    assert [s["step"] for s in doc["steps"]] == ["pull", "report", "deliver"]
    [pulled] = doc["pull"]
    assert (pulled["status"], pulled["tasks"], pulled["as_of"]) == ("new_snapshot", 3, "2025-10-30")
    # the files of the day, in their folder, complete
    folder = out / FOLDER
    pdf, xlsx = folder / "bao-cao-2025-10-30.pdf", folder / "bao-cao-2025-10-30.xlsx"
    assert doc["files"]["briefing_pdf"] == str(pdf) and pdf.read_bytes().startswith(b"%PDF")
    load_workbook(xlsx, read_only=True).close()
    agencies = doc["files"]["agencies"]
    assert {"mof", "p01"} <= set(agencies) and len(agencies) > 10
    assert sorted(p.name for p in (folder / "agencies").iterdir()) == sorted(
        Path(p).name for p in agencies.values()
    )
    assert not [p for p in folder.rglob(".*")]  # no temporary file left
    # the e-mails: the leader the briefing, each agency its own file and nobody else's
    assert sorted(m.to for m in mail.messages) == sorted([LEADER, MOF, HANOI])
    [leader] = mail.to(LEADER)
    assert leader.attachments() == {
        pdf.name: (MIME["pdf"], pdf.read_bytes()),
        xlsx.name: (MIME["xlsx"], xlsx.read_bytes()),
    }
    [mof] = mail.to(MOF)
    mof_file = Path(agencies["mof"])
    assert mof.attachments() == {mof_file.name: (MIME["xlsx"], mof_file.read_bytes())}
    titles = {
        c
        for ws in load_workbook(io.BytesIO(mof_file.read_bytes())).worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
    }
    assert PULLED_TITLE in titles  # the pulled source's task is in the agency's file
    [hanoi] = mail.to(HANOI)
    assert list(hanoi.attachments()) == [Path(agencies["p01"]).name]
    assert "30/10/2025" in leader.message["Subject"] and "2025-10-30" not in leader.body()
    assert doc["delivery"]["sent"] == 3 and doc["delivery"]["failed"] == 0
    assert len(audit.read(site, actions=["delivery_send"])) == 3

    # the next run: the source unchanged, another unreachable, the mail server down
    sources = http_source.sources_file(
        tmp_path,
        {
            "name": "bcd",
            "kind": "http",
            "url": web.url("/bcd.xlsx"),
            "format": "xlsx",
            "task_source": "Hệ thống Ban Chỉ đạo",
            "as_of": "payload",
            "backoff_seconds": 0,
        },
        {
            "name": "down",
            "kind": "http",
            "url": f"http://127.0.0.1:{free_port()}/x.xlsx",
            "task_source": "Hệ thống khác",
            "tries": 1,
        },
    )
    env = smtp_env(free_port(), tmp_path)
    code, doc, err = daily(site, env, "--sources", str(sources), "--out", str(out), "--date", DAY)
    assert code == 4, (doc, err)  # a delivery failed wins over a source unreachable (3)
    assert step_lines(err) == {"pull": "unreachable", "report": "ok", "deliver": "failed"}, err
    assert [p["status"] for p in doc["pull"]] == ["unchanged", "unreachable"]
    assert doc["delivery"]["failed"] == 3 and doc["delivery"]["sent"] == 0
    failed = doc["delivery"]["messages"]
    assert {m["code"] for m in failed} == {"refused"} and {m["tries"] for m in failed} == {3}
    assert len(mail.messages) == 3  # nothing more arrived
    # the Data page tells the steering office
    monkeypatch.setenv("TASKS_DB", str(site))
    accounts.add_user(site, "root", "admin", password=PW)
    at = signed_in("root")
    at.switch_page("pages/data.py").run()
    assert not at.exception
    said = t("daily.delivery_failed", "vi", n="3")
    assert said in [e.value for e in at.error]
    [table] = [d.value for d in at.dataframe if t("daily.col_tries", "vi") in d.value.columns]
    assert sorted(table[t("daily.email", "vi")]) == sorted([LEADER, MOF, HANOI])
    assert all("127.0.0.1" in r for r in table[t("review.reason", "vi")])


def test_no_figures_for_the_day_is_exit_1_and_sends_nothing(tmp_path, mail):
    db = tmp_path / "empty.duckdb"
    with store.connect(db):
        pass
    recipients.add_recipient(db, LEADER, "leader", by="root")
    code, doc, err = daily(db, smtp_env(mail.port, tmp_path), "--out", str(tmp_path / "o"))
    assert code == 1
    assert step_lines(err) == {"pull": "skipped", "report": "failed", "deliver": "skipped"}
    assert doc["errors"][0]["code"] == "no_data" and mail.messages == []
    assert doc["date"] == vn_today().isoformat()
    assert delivery.last_run(db).empty


def test_without_mail_settings_every_message_fails_said_and_recorded(tmp_path, monkeypatch):
    from analytics.daily import run_daily
    from tests.helpers import SIX_TASKS_AS_OF, six_task_store

    db = six_task_store(tmp_path, monkeypatch, {})
    for name in ("HOST", "PORT", "SENDER"):
        monkeypatch.delenv(f"TASKS_SMTP_{name}", raising=False)
    monkeypatch.delenv("TASKS_SOURCES", raising=False)
    monkeypatch.setenv("TASKS_SECRETS", str(tmp_path / "none.toml"))
    monkeypatch.chdir(tmp_path)  # no sources.toml here: nothing to pull
    recipients.add_recipient(db, LEADER, "leader", by="root")
    recipients.add_recipient(db, "vanthu@most.gov.vn", "agency", "most", by="root")
    recipients.add_recipient(db, "ubnd@tuyenquang.gov.vn", "agency", "p08", by="root")  # no task
    lines: list[str] = []
    # --no-send: the files, and who would get what
    run = run_daily(db, out=tmp_path / "o", day=SIX_TASKS_AS_OF, send=False, emit=lines.append)
    assert run.code == 0 and step_lines(lines)["deliver"] == "not_sent"
    assert [(p["email"], len(p["files"])) for p in run.summary["delivery"]["planned"]] == [
        (LEADER, 2),
        ("vanthu@most.gov.vn", 1),
    ]
    assert [s["code"] for s in run.summary["delivery"]["skipped"]] == ["no_file"]
    assert delivery.last_run(db).empty
    lines.clear()
    run = run_daily(db, out=tmp_path / "o", day=SIX_TASKS_AS_OF, emit=lines.append)
    assert run.code == 4
    assert step_lines(lines) == {"pull": "skipped", "report": "ok", "deliver": "failed"}, lines
    assert run.summary["errors"][0]["code"] == "no_host"
    last = delivery.last_run(db)
    assert list(last["outcome"]) == ["failed", "failed", "skipped"]
    assert set(last.loc[last["outcome"] == "failed", "reason_code"]) == {"no_host"}
    assert "TASKS_SMTP_HOST" in last["reason_vi"].iloc[0]
    log = audit.read(db, actions=["delivery_send"])
    assert set(log["outcome"]) == {"failure"} and set(log["username"]) == {"daily"}


def test_the_exit_code_is_the_first_of_1_4_3_2():
    def code(*happened: int) -> int:
        run = DailyRun(vn_today())
        run.codes.update(happened)
        return run.code

    assert code() == 0
    assert code(2) == 2
    assert code(2, 3) == 3
    assert code(2, 3, 4) == 4
    assert code(4, 1, 3) == 1


# --------------------------------------------------------------------------- the README


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("\n## Daily cycle\n", 1)[1].split("\n## ", 1)[0]


def _blocks(section: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", section, re.S)


def test_the_readme_cron_line_runs_as_written(sample_db, tmp_path, mail):
    [crontab] = [b for b in _blocks(_section()) if "30 6 * * *" in b]
    lines = crontab.splitlines()
    [line] = [ln for ln in lines if ln.startswith("30 6 * * * ")]
    assert "CRON_TZ=Asia/Ho_Chi_Minh" in lines[: lines.index(line)]
    assert "%" not in line  # cron would cut the line there
    command = line.split(None, 5)[5]
    assert command.startswith("cd /srv/task-dashboard && ")
    # the project folder the line changes into: the code, the venv, the sources, the secrets
    home = tmp_path / "srv" / "task-dashboard"
    home.mkdir(parents=True)
    for name in (".venv", "analytics"):
        (home / name).symlink_to(ROOT / name)
    server = http_source.Server()
    try:
        server.routes["/bcd.xlsx"] = Route(workbook(ROWS, title=f"Số liệu đến ngày {DAY}"), XLSX)
        http_source.sources_file(
            home,
            {
                "name": "bcd",
                "kind": "http",
                "url": server.url("/bcd.xlsx"),
                "task_source": "Hệ thống Ban Chỉ đạo",
            },
        )  # sources.toml, the default name
        (home / ".streamlit").mkdir()
        (home / ".streamlit" / "secrets.toml").write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {mail.port}\nstarttls = false\n'
            'sender = "baocao@vpcp.gov.vn"\n',
            encoding="utf-8",
        )
        db = tmp_path / "tasks.duckdb"
        shutil.copy(sample_db, db)
        recipients.add_recipient(db, LEADER, "leader", by="root")
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TASKS_DB": str(db)}  # as cron
        done = subprocess.run(
            ["/bin/sh", "-c", command.replace("/srv/task-dashboard", str(home))],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        server.stop()
    assert done.returncode == 0, done
    assert done.stdout == "" and done.stderr == ""  # everything went to the log
    log = (home / "var" / "daily.log").read_text(encoding="utf-8")
    assert step_lines(log.splitlines()) == {"pull": "ok", "report": "ok", "deliver": "ok"}, log
    summary = json.loads(log[log.index("{") :])
    assert summary["exit_code"] == 0 and summary["pull"][0]["status"] == "new_snapshot"
    [day] = (home / "var" / "daily").iterdir()  # today in Vietnam
    assert day.name == summary["date"]
    assert {p.name for p in day.iterdir()} >= {f"bao-cao-{day.name}.pdf", "agencies"}
    assert [m.to for m in mail.messages] == [LEADER]
    assert len(mail.messages[0].attachments()) == 2


def test_the_readme_systemd_timer_runs_the_same_command_at_0630_vietnam_time(tmp_path):
    section = _section()
    [service] = [b for b in _blocks(section) if "[Service]" in b]
    [timer] = [b for b in _blocks(section) if "[Timer]" in b]
    [line] = [ln for b in _blocks(section) for ln in b.splitlines() if ln.startswith("30 6 * * ")]
    folder = re.search(r"cd (\S+) &&", line)[1]
    settings = dict(
        ln.split("=", 1) for b in (service, timer) for ln in b.splitlines() if "=" in ln
    )
    assert settings["WorkingDirectory"] == folder
    assert settings["ExecStart"] == f"{folder}/.venv/bin/python -m analytics daily"
    assert ".venv/bin/python -m analytics daily >> var/daily.log" in line
    assert settings["StandardOutput"] == f"append:{folder}/var/daily.log"
    assert settings["OnCalendar"] == "*-*-* 06:30 Asia/Ho_Chi_Minh"
    assert settings["Persistent"] == "true" and settings["Type"] == "oneshot"
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the calendar line is checked above only")
    checked = subprocess.run(
        [analyze, "calendar", settings["OnCalendar"]], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr
    assert "Asia/Ho_Chi_Minh" in checked.stdout
