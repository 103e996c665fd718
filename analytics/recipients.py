"""Who receives the daily cycle's files by e-mail (issue 17), kept in the task store (the
`recipients` table of sql/schema.sql) beside the accounts.

No Streamlit here: the Administration page (ui/recipients.py) and the daily cycle
(analytics/daily.py, analytics/delivery.py) use these functions.

- kind 'leader': receives the day's briefing PDF and its workbook.
- kind 'agency': receives only the file of its agency (`agency_id`, required), never another's.
- An address is checked (one mailbox, no display name, no control characters) and kept in lower
  case; the same address may not be listed twice for the same kind and agency.
- Rows are never deleted: a removed recipient becomes inactive and may be made active again.
  Every change is written to the audit log in the same transaction (recipient_add,
  recipient_update, recipient_remove), with who made it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analytics import audit, store
from analytics.i18n import t

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("leader", "agency")
MAX_EMAIL = 254  # RFC 5321's limit of a path
MAX_NAME = 200

# One mailbox: the dot-atom local part of RFC 5322 and a host name of labels (at least two).
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_RE = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RecipientError(ValueError):
    """A change refused: `code`, and its words in both languages (`text(lang)`)."""

    def __init__(self, code: str, **fmt) -> None:
        self.code = code
        self.fmt = fmt
        super().__init__(self.text("en"))

    def text(self, lang: str = "vi") -> str:
        return t(f"daily.err_{self.code}", lang, **self.fmt)


@dataclass(frozen=True)
class Recipient:
    recipient_id: int
    email: str
    name: str
    kind: str
    agency_id: str | None
    active: bool = True


# --------------------------------------------------------------------------- checks


def valid_email(email: object) -> str:
    """The address as kept (trimmed, lower case); RecipientError 'bad_email' when it is not one
    mailbox."""
    text = str(email or "").strip()
    if not text or len(text) > MAX_EMAIL or _CONTROL.search(text) or not EMAIL_RE.match(text):
        raise RecipientError("bad_email", email=_CONTROL.sub("", text)[:80])
    return text.lower()


def _valid_name(name: object) -> str | None:
    text = " ".join(_CONTROL.sub(" ", str(name or "")).split())
    return text[:MAX_NAME] or None


def _known_agencies(con) -> set[str]:
    from analytics.accounts import known_agencies

    ids = set(known_agencies())
    ids.update(r[0] for r in con.execute("select agency_id from agencies").fetchall())
    ids.update(r[0] for r in con.execute("select agency_id from agency_units").fetchall())
    return ids


def _valid_kind_agency(con, kind: object, agency_id: object) -> tuple[str, str | None]:
    if kind not in KINDS:
        raise RecipientError("bad_kind", kind=str(kind)[:40])
    agency = str(agency_id).strip() if agency_id not in (None, "") else None
    if kind == "agency" and agency is None:
        raise RecipientError("needs_agency")
    if kind == "leader" and agency is not None:
        raise RecipientError("leader_no_agency")
    if agency is not None and agency not in _known_agencies(con):
        raise RecipientError("unknown_agency", agency=agency[:40])
    return str(kind), agency


def _no_twin(con, email: str, kind: str, agency: str | None, except_id: int | None) -> None:
    twin = con.execute(
        "select recipient_id from recipients where active and email = ? and kind = ? "
        "and agency_id is not distinct from ? and recipient_id is distinct from ?",
        [email, kind, agency, except_id],
    ).fetchone()
    if twin is not None:
        raise RecipientError("duplicate", email=email)


def _row(con, recipient_id: int) -> Recipient:
    found = con.execute(
        "select recipient_id, email, name, kind, agency_id, active from recipients "
        "where recipient_id = ?",
        [int(recipient_id)],
    ).fetchone()
    if found is None:
        raise RecipientError("no_recipient", id=recipient_id)
    return Recipient(found[0], found[1], found[2] or "", found[3], found[4], bool(found[5]))


def _details(r: Recipient) -> dict:
    return {"kind": r.kind, "agency_id": r.agency_id, "name": r.name, "active": r.active}


# --------------------------------------------------------------------------- changes


def add_recipient(
    db,
    email: str,
    kind: str,
    agency_id: str | None = None,
    name: str | None = None,
    by: str | None = None,
) -> int:
    """List a new recipient (active); its id. RecipientError when refused (nothing stored)."""
    address = valid_email(email)
    shown = _valid_name(name)
    now = audit.now()
    with audit.writing(db) as con:
        kind, agency = _valid_kind_agency(con, kind, agency_id)
        _no_twin(con, address, kind, agency, None)
        con.execute("begin")
        new_id = con.execute(
            store.sql("recipient_add"),
            {
                "email": address,
                "name": shown,
                "kind": kind,
                "agency_id": agency,
                "now": now,
                "by": by,
            },
        ).fetchone()[0]
        added = Recipient(new_id, address, shown or "", kind, agency)
        audit.append(
            con, by, "recipient_add", address, {"id": new_id, **_details(added)}, "ok", now
        )
        con.execute("commit")
    return int(new_id)


_UNSET = object()


def update_recipient(
    db,
    recipient_id: int,
    *,
    email: str | None = None,
    name: object = _UNSET,
    kind: str | None = None,
    agency_id: object = _UNSET,
    active: bool | None = None,
    by: str | None = None,
) -> Recipient:
    """Change a recipient (the fields given; `name=None` clears the name, `agency_id=None` the
    agency); the recipient as it now is."""
    return _change(db, recipient_id, "recipient_update", by, email, name, kind, agency_id, active)


def remove_recipient(db, recipient_id: int, by: str | None = None) -> Recipient:
    """Take a recipient off the list (inactive; the row and its history stay)."""
    return _change(db, recipient_id, "recipient_remove", by, None, _UNSET, None, _UNSET, False)


def _change(db, recipient_id, action, by, email, name, kind, agency_id, active) -> Recipient:
    now = audit.now()
    with audit.writing(db) as con:
        before = _row(con, recipient_id)
        address = valid_email(email) if email is not None else before.email
        shown = (_valid_name(name) or "") if name is not _UNSET else before.name
        new_kind = kind if kind is not None else before.kind
        agency = before.agency_id if agency_id is _UNSET else agency_id
        if kind == "leader" and agency_id is _UNSET:
            agency = None  # a recipient made a leader keeps no agency
        new_kind, agency = _valid_kind_agency(con, new_kind, agency)
        after = Recipient(
            before.recipient_id,
            address,
            shown,
            new_kind,
            agency,
            before.active if active is None else bool(active),
        )
        if after.active:
            _no_twin(con, address, new_kind, agency, before.recipient_id)
        con.execute("begin")
        con.execute(
            store.sql("recipient_update"),
            {
                "recipient_id": after.recipient_id,
                "email": after.email,
                "name": after.name or None,
                "kind": after.kind,
                "agency_id": after.agency_id,
                "active": after.active,
                "now": now,
                "by": by,
            },
        )
        details = {"id": after.recipient_id, "before": _details(before), **_details(after)}
        if before.email != after.email:
            details["email_before"] = before.email
        if action == "recipient_remove":
            audit.append(con, by, "recipient_remove", after.email, details, "ok", now)
        else:
            audit.append(con, by, "recipient_update", after.email, details, "ok", now)
        con.execute("commit")
    return after


# --------------------------------------------------------------------------- reading


def list_recipients(db, active_only: bool = False) -> pd.DataFrame:
    """Every recipient (the active first), with who listed and last changed it and when."""
    with store.connect(db) as con:
        return con.execute(store.sql("recipients_list"), {"active_only": active_only}).df()


def active_recipients(db) -> list[Recipient]:
    """The recipients the daily cycle sends to."""
    frame = list_recipients(db, active_only=True)
    return [
        Recipient(
            int(r.recipient_id),
            r.email,
            r.name if isinstance(r.name, str) else "",
            r.kind,
            r.agency_id if isinstance(r.agency_id, str) else None,
        )
        for r in frame.itertuples(index=False)
    ]
