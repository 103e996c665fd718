"""The coordinator role (issue 15): the steering office (Government Office, Ministry of Science
and Technology). Sees every agency, uploads, retracts and restores, keeps the agency register,
reads the audit log, holds the claim permissions to come; never manages users."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from analytics import access, accounts, agency_units, store
from analytics import audit as audit_log
from analytics.access import User
from analytics.i18n import t
from analytics.model import Scope, Task
from tests.helpers import AGENCIES, PW, ROOT, open_page, seeded_session, signed_in

COORDINATOR = {
    "view",
    "export",
    "upload",
    "report",
    "retract",
    "restore",
    "manage_agencies",
    "read_audit",
    "confirm",
    "approve",
    "cancel",
    "open_round",
}
CLAIMS = ("confirm", "approve", "cancel", "open_round")
AS_OF = dt.date(2025, 8, 28)


@pytest.fixture
def db(tmp_path):
    return tmp_path / "coord.duckdb"


@pytest.fixture
def app_db(tmp_path, monkeypatch, app_clean, steady_server):
    """A small store (three agencies' tasks) with an admin, for the AppTests."""
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("TASKS_DB", str(path))
    tasks = [
        Task(
            task_id=f"t{i}",
            title=f"Nhiệm vụ {i}",
            lead_ids=(lead,),
            lead_text=lead,
            deadline=dt.date(2025, 9, 30),
            deadline_text="30/09/2025",
            deadline_kind="date",
            status_class="in_progress_on_time",
            row=5 + i,
            sheet="Sheet1",
        )
        for i, lead in enumerate(["mof", "p01", "most"], 1)
    ]
    store.commit_snapshot(
        path,
        source="NQ71",
        as_of=AS_OF,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=b"tiny store",
        file_name="tiny.xlsx",
        user="tester",
    )
    accounts.add_user(path, "root", "admin", password=PW)
    return path


# --------------------------------------------------------------------------- permissions


def test_coordinator_permission_matrix():
    c = User("vpcp", "coordinator")
    perms = set(access.PERMISSIONS) | {"delete_everything"}
    assert {p for p in perms if c.allows(p)} == COORDINATOR
    for refused in ("manage_users", "admin", "delete_everything"):
        assert not c.allows(refused)
    assert not c.can_admin and not c.is_admin
    assert c.can_open_admin and c.can_upload and c.can_read_audit
    assert c.scope == Scope.everything()
    assert c.refused_agencies(["mof", "p01", "most"]) == ()
    assert c.may_update(["mof", "p01"])
    assert agency_units._own(c) is None  # answers "which agency is this name" for any agency


@pytest.mark.parametrize("permission", CLAIMS)
def test_claim_permissions_belong_to_admins_and_coordinators_only(permission):
    holders = {r for r in access.ROLES if User("u", r, agency_ids=("mof",)).allows(permission)}
    assert holders == {"admin", "coordinator"}


def test_coordinator_is_assignable_with_a_label_in_both_languages():
    assert "coordinator" in access.ASSIGNABLE_ROLES and "coordinator" not in access.AGENCY_ROLES
    assert t("role.coordinator", "vi").startswith("Điều phối viên")
    assert t("role.coordinator", "en").startswith("Coordinator")


# --------------------------------------------------------------------------- accounts


def test_add_and_set_role_coordinator_without_agencies(db):
    accounts.add_user(db, "root", "admin", password=PW)
    accounts.add_user(db, "vpcp", "coordinator", password=PW, by="root")
    assert accounts.get_user(db, "vpcp") == User("vpcp", "coordinator", "", ())
    with pytest.raises(accounts.AuthError, match="not tied to an agency"):
        accounts.add_user(db, "most1", "coordinator", password=PW, agency_ids=["most"])
    assert accounts.get_user(db, "most1") is None
    accounts.add_user(db, "ed", "agency_editor", password=PW, agency_ids=["mof"])
    with pytest.raises(accounts.AuthError, match="not tied to an agency"):
        accounts.set_role(db, "ed", "coordinator", agency_ids=["mof"], by="root")
    assert accounts.set_role(db, "ed", "coordinator", by="root") == User("ed", "coordinator")


def test_set_role_to_coordinator_is_audited(db):
    accounts.add_user(db, "root", "admin", password=PW)
    accounts.add_user(db, "ed", "agency_editor", password=PW, agency_ids=["mof"])
    accounts.set_role(db, "ed", "coordinator", by="root")
    log = audit_log.read(db, actions=["user_set_role"])
    assert list(log["username"]) == ["root"] and list(log["target"]) == ["ed"]
    assert list(log["outcome"]) == ["ok"]
    details = json.loads(log["details"][0])
    assert details == {
        "from": {"role": "agency_editor", "agency_ids": ["mof"]},
        "to": {"role": "coordinator", "agency_ids": []},
    }


def test_last_admin_cannot_become_a_coordinator(db):
    accounts.add_user(db, "root", "admin", password=PW)
    accounts.add_user(db, "vpcp", "coordinator", password=PW)
    with pytest.raises(accounts.AuthError, match="only active administrator"):
        accounts.set_role(db, "root", "coordinator", by="root")
    with pytest.raises(accounts.AuthError, match="only active administrator"):
        accounts.disable_user(db, "root", by="vpcp")
    assert accounts.get_user(db, "root").is_admin


# --------------------------------------------------------------------------- command line


def cli(*args, db):
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None


def test_cli_users_add_coordinator(db):
    code, doc = cli("users", "add", "VPCP.DieuPhoi", "--role", "coordinator", db=db)
    assert code == 0
    assert doc["user"] == {
        **doc["user"],
        "username": "vpcp.dieuphoi",
        "role": "coordinator",
        "agency_ids": [],
        "disabled": False,
    }
    assert accounts.verify_password(db, "vpcp.dieuphoi", doc["password"]).can_open_admin
    code, doc = cli("users", "add", "x1", "--role", "coordinator", "--agency", "most", db=db)
    assert code == 2 and doc["errors"]
    assert accounts.get_user(db, "x1") is None
    code, doc = cli("users", "list", db=db)
    assert [(u["username"], u["role"]) for u in doc["users"]] == [("vpcp.dieuphoi", "coordinator")]


# --------------------------------------------------------------------------- the app


def test_coordinator_signs_in_sees_upload_and_no_user_management(app_db, monkeypatch):
    import streamlit as st

    seen: list[list[str]] = []
    original = st.navigation

    def spy(pages, *args, **kwargs):
        if kwargs.get("position") != "hidden":
            seen.append([p.url_path for p in pages if p.visibility != "hidden"])
        return original(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)
    accounts.add_user(app_db, "vpcp", "coordinator", password=PW)
    at = signed_in("vpcp")
    assert not at.exception
    assert seen[-1] == [
        "briefing",
        "agency",
        "workload",
        "trends",
        "data",
        "my_tasks",
        "review",
        "upload",
        "admin",
    ]
    at.switch_page("pages/upload.py").run()
    assert not at.exception and not at.error
    at.switch_page("pages/admin.py").run()
    assert not at.exception and not at.error
    # the register and the audit log; no accounts: no form to add, pick or change a user
    assert [tab.label for tab in at.tabs] == [t("admin.tab_agencies", "vi"), t("audit.title", "vi")]
    keys = {w.key for w in at.text_input} | {w.key for w in at.selectbox}
    assert "admin_unit_name" in keys and "admin_alias_text" in keys
    assert not {"admin_add_username", "admin_add_role", "admin_pick"} & keys
    assert not at.get("code")  # no password is ever shown
    action = t("audit_column.action", "vi")  # the log as people read it (audit.for_people)
    assert any(len(df.value) and action in df.value.columns for df in at.dataframe)


def test_coordinator_adds_an_agency_unit(app_db):
    session = seeded_session(app_db, "vpcp", "coordinator")
    at = open_page("pages/admin.py", "vi", session=session)
    at.text_input(key="admin_unit_name").input("Cục Thử nghiệm")
    [b for b in at.button if b.form_id == "admin_unit"][0].click()
    at.run()
    assert not at.exception and not at.error
    units = agency_units.listing(app_db)["units"]
    assert [(u["name_vi"], u["created_by"]) for u in units] == [("Cục Thử nghiệm", "vpcp")]


def test_coordinator_may_retract_on_the_data_page(app_db):
    session = seeded_session(app_db, "vpcp", "coordinator")
    at = open_page("pages/data.py", "vi", query={"as_of": AS_OF.isoformat()}, session=session)
    assert at.button(key="data_retract") is not None
    leader = seeded_session(app_db, "boss", "leader")
    at = open_page("pages/data.py", "vi", query={"as_of": AS_OF.isoformat()}, session=leader)
    assert "data_retract" not in {b.key for b in at.button}


def test_admin_page_offers_the_coordinator_role(app_db):
    session = seeded_session(app_db, "root2", "admin")
    accounts.add_user(app_db, "ed", "agency_editor", password=PW, agency_ids=["mof"])
    at = open_page("pages/admin.py", "vi", session=session)
    role = at.selectbox(key="admin_add_role")
    assert "coordinator" in role.options or t("role.coordinator", "vi") in role.options
    at.selectbox(key="admin_pick").select("ed").run()
    at.selectbox(key="admin_role__ed").select("coordinator")
    [b for b in at.button if b.form_id == "admin_role__ed"][0].click()
    at.run()
    assert not at.exception and not at.error
    assert accounts.get_user(app_db, "ed") == User("ed", "coordinator")
    log = audit_log.read(app_db, actions=["user_set_role"])
    assert list(log["username"]) == ["root2"]
    assert json.loads(log["details"][0])["to"] == {"role": "coordinator", "agency_ids": []}
