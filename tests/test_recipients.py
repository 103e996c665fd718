"""The recipients of the daily e-mails (analytics/recipients.py) in a real store, and their
section of the Administration page (ui/recipients.py) through AppTest: an administrator adds
one, a bad address and an agency recipient without an agency are refused, a recipient is
changed and taken off the list; every change and refusal is in the audit log."""

from __future__ import annotations

import json

import pytest

from analytics import audit, recipients
from analytics.i18n import t
from analytics.recipients import RecipientError
from tests.helpers import signed_in, six_task_store
from ui.html import esc

USERS = {"root": ("admin", ()), "coord": ("coordinator", ())}


@pytest.fixture
def db(tmp_path):
    return tmp_path / "tasks.duckdb"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "no-at-sign",
        "two@@vpcp.gov.vn",
        "nobody@localhost",
        "a b@vpcp.gov.vn",
        "Lãnh đạo <ld@vpcp.gov.vn>",
        "ld@vpcp.gov.vn, other@x.vn",
        "ld@vpcp.gov.vn\r\nBcc: spy@x.vn",
        ".dot@vpcp.gov.vn",
        "ld@-vpcp.gov.vn",
        "x" * 250 + "@vpcp.gov.vn",
    ],
)
def test_a_bad_address_is_refused(db, bad):
    with pytest.raises(RecipientError) as refused:
        recipients.add_recipient(db, bad, "leader", by="root")
    assert refused.value.code == "bad_email"
    assert "\n" not in refused.value.text("vi")
    assert recipients.list_recipients(db).empty


def test_add_change_remove_and_restore_each_audited(db):
    leader = recipients.add_recipient(
        db, " LanhDao@VPCP.gov.vn ", "leader", name="Phó Thủ tướng", by="root"
    )
    mof = recipients.add_recipient(db, "vanthu@mof.gov.vn", "agency", "mof", by="root")
    frame = recipients.list_recipients(db)
    assert list(frame["email"]) == ["lanhdao@vpcp.gov.vn", "vanthu@mof.gov.vn"]
    assert list(frame["created_by"]) == ["root", "root"] and frame["active"].all()
    # the same address for the same kind and agency twice: refused
    with pytest.raises(RecipientError) as twice:
        recipients.add_recipient(db, "vanthu@mof.gov.vn", "agency", "mof", by="root")
    assert twice.value.code == "duplicate"
    # but the same address may also receive another agency's file
    hanoi = recipients.add_recipient(db, "vanthu@mof.gov.vn", "agency", "p01", by="root")
    after = recipients.update_recipient(
        db, mof, email="tonghop@mof.gov.vn", name="Văn phòng Bộ", by="ed"
    )
    assert (after.email, after.name, after.kind, after.agency_id) == (
        "tonghop@mof.gov.vn",
        "Văn phòng Bộ",
        "agency",
        "mof",
    )
    gone = recipients.remove_recipient(db, hanoi, by="root")
    assert gone.active is False
    assert [r.recipient_id for r in recipients.active_recipients(db)] == [leader, mof]
    assert len(recipients.list_recipients(db)) == 3  # a removed recipient stays, inactive
    back = recipients.update_recipient(db, hanoi, active=True, by="root")
    assert back.active and len(recipients.active_recipients(db)) == 3
    made_leader = recipients.update_recipient(db, mof, kind="leader", by="root")
    assert (made_leader.kind, made_leader.agency_id) == ("leader", None)
    log = audit.read(db).iloc[::-1]  # oldest first
    assert list(log["action"]) == [
        "recipient_add",
        "recipient_add",
        "recipient_add",
        "recipient_update",
        "recipient_remove",
        "recipient_update",
        "recipient_update",
    ]
    assert list(log["username"]) == ["root", "root", "root", "ed", "root", "root", "root"]
    changed = json.loads(log.iloc[3]["details"])
    assert changed["email_before"] == "vanthu@mof.gov.vn" and changed["name"] == "Văn phòng Bộ"
    updated = recipients.list_recipients(db).set_index("recipient_id").loc[mof]
    assert updated["updated_by"] == "root" and updated["created_by"] == "root"


def test_an_agency_recipient_needs_a_known_agency_and_a_leader_none(db):
    for kind, agency, code in (
        ("agency", None, "needs_agency"),
        ("agency", "", "needs_agency"),
        ("agency", "no-such-agency", "unknown_agency"),
        ("leader", "mof", "leader_no_agency"),
        ("boss", None, "bad_kind"),
    ):
        with pytest.raises(RecipientError) as refused:
            recipients.add_recipient(db, "a@vpcp.gov.vn", kind, agency, by="root")
        assert refused.value.code == code, (kind, agency)
        assert refused.value.text("vi") != refused.value.text("en")
    leader = recipients.add_recipient(db, "a@vpcp.gov.vn", "leader", by="root")
    with pytest.raises(RecipientError) as refused:
        recipients.update_recipient(db, leader, kind="agency", by="root")
    assert refused.value.code == "needs_agency"
    with pytest.raises(RecipientError) as missing:
        recipients.remove_recipient(db, 99, by="root")
    assert missing.value.code == "no_recipient"
    assert audit.read(db, actions=["recipient_update"]).empty  # nothing refused was stored


# --------------------------------------------------------------------------- the page


@pytest.fixture
def app_db(tmp_path, monkeypatch, app_clean, steady_server):
    return six_task_store(tmp_path, monkeypatch, USERS)


def _admin_page(user: str = "root"):
    at = signed_in(user)
    at.switch_page("pages/admin.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _add(at, email: str, kind: str, agency: str | None = None, name: str = ""):
    at.text_input(key="recipients_add_email").input(email)
    at.text_input(key="recipients_add_name").input(name)
    at.selectbox(key="recipients_add_kind").select(kind)
    if agency:
        at.selectbox(key="recipients_add_agency").select(agency)
    [b for b in at.button if b.form_id == "recipients_add"][0].click()
    return at.run()


def _table(at):
    column = t("daily.email", "vi")
    [table] = [df.value for df in at.dataframe if column in df.value.columns]
    return table


def test_an_administrator_adds_recipients_and_bad_ones_are_refused(app_db):
    at = _admin_page()
    assert t("daily.no_recipients", "vi") in [i.value for i in at.info]
    _add(at, "lanhdao@vpcp.gov.vn", "leader", name="Phó Thủ tướng")
    assert not at.exception and not at.error
    assert t("daily.added", "vi", email=esc("lanhdao@vpcp.gov.vn")) in [s.value for s in at.success]
    _add(at, "vanthu@mof.gov.vn", "agency", "mof")
    assert not at.error
    table = _table(at)
    assert list(table[t("daily.email", "vi")]) == ["lanhdao@vpcp.gov.vn", "vanthu@mof.gov.vn"]
    assert list(table[t("daily.kind", "vi")]) == [
        t("daily.kind_leader", "vi"),
        t("daily.kind_agency", "vi"),
    ]
    assert "Bộ Tài chính" in table[t("col.agency", "vi")].iloc[1]
    assert "mof" not in set(table[t("col.agency", "vi")].str.split(" ").str[0])
    # a bad address: refused, said, nothing stored, the refusal in the log
    _add(at, "lanhdao at vpcp", "leader")
    assert [e.value for e in at.error] == [
        t("admin.refused", "vi", why=t("daily.err_bad_email", "vi", email="lanhdao at vpcp"))
    ]
    # an agency recipient without an agency: refused
    _add(at, "vanthu@most.gov.vn", "agency")
    assert t("daily.err_needs_agency", "vi") in at.error[-1].value
    assert len(recipients.list_recipients(app_db)) == 2
    refused = audit.read(app_db, actions=["recipient_add"])
    assert sorted(zip(refused["outcome"], refused["target"], strict=True)) == [
        ("ok", "lanhdao@vpcp.gov.vn"),
        ("ok", "vanthu@mof.gov.vn"),
        ("refused", "lanhdao at vpcp"),
        ("refused", "vanthu@most.gov.vn"),
    ]
    assert set(refused["username"]) == {"root"}


def test_an_administrator_changes_and_removes_a_recipient(app_db):
    rid = recipients.add_recipient(app_db, "vanthu@mof.gov.vn", "agency", "mof", by="root")
    at = _admin_page()
    at.selectbox(key="recipients_pick").select(rid).run()
    at.text_input(key=f"recipients_name__{rid}").input("Văn phòng Bộ Tài chính")
    at.selectbox(key=f"recipients_agency__{rid}").select("p01")
    [b for b in at.button if b.form_id == f"recipients_edit__{rid}"][0].click()
    at.run()
    assert not at.exception and not at.error
    row = recipients.list_recipients(app_db).iloc[0]
    assert (row["name"], row["agency_id"], row["updated_by"]) == (
        "Văn phòng Bộ Tài chính",
        "p01",
        "root",
    )
    at.selectbox(key="recipients_pick").select(rid).run()
    at.button(key="recipients_toggle").click().run()
    assert not at.error
    assert t("daily.removed", "vi", email=esc("vanthu@mof.gov.vn")) in [s.value for s in at.success]
    assert recipients.active_recipients(app_db) == []
    assert list(_table(at)[t("col.state", "vi")]) == [t("daily.inactive", "vi")]
    actions = list(audit.read(app_db, username="root")["action"])
    assert {"recipient_update", "recipient_remove"} <= set(actions)


def test_a_coordinator_does_not_see_the_recipients(app_db):
    at = _admin_page("coord")
    assert not [w for w in at.text_input if w.key == "recipients_add_email"]
    assert t("daily.recipients", "vi") not in [h.value for h in at.subheader]
