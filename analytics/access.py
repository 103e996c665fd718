"""Roles and what they allow. Deny by default: an unknown role may do nothing."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from analytics.model import Scope

ROLES = ("admin", "coordinator", "agency_editor", "leader", "agency_viewer", "guest")
ASSIGNABLE_ROLES = ("admin", "coordinator", "agency_editor", "leader", "agency_viewer")
"""Roles an account may hold ('guest' is the built-in anonymous visitor, never an account)."""
AGENCY_ROLES = ("agency_editor", "agency_viewer")
"""Roles that need at least one agency (their own)."""
STEERING_ROLES = ("admin", "coordinator")
"""The steering office (issue 15): the task list is theirs; they update every agency's tasks.
A coordinator (Government Office, Ministry of Science and Technology) is an admin without user
management."""

PERMISSIONS: dict[str, tuple[str, ...]] = {
    "view": ROLES,
    "export": ROLES,
    "upload": ("admin", "coordinator", "agency_editor"),
    "retract": STEERING_ROLES,
    "restore": STEERING_ROLES,
    "manage_agencies": STEERING_ROLES,  # the agency register: units and other names
    "manage_users": ("admin",),
    "read_audit": STEERING_ROLES,
    "admin": ("admin",),  # the Administration page's accounts tab
    # agencies report back (issue 15, analytics/reporting/): progress reports and requests on
    # their tasks; the steering office confirms claims, decides deadline changes, cancels tasks
    # and opens report rounds
    "report": ("admin", "coordinator", "agency_editor"),
    "confirm": STEERING_ROLES,
    "approve": STEERING_ROLES,
    "cancel": STEERING_ROLES,
    "open_round": STEERING_ROLES,
}
"""Permission → the roles that hold it. A permission not listed here is held by nobody."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    display_name: str = ""
    agency_ids: tuple[str, ...] = ()

    @property
    def scope(self) -> Scope:
        """Rows this user may see: agency viewers only their own agencies' tasks."""
        if self.role in ("admin", "coordinator", "agency_editor", "leader", "guest"):
            return Scope.everything()
        if self.role == "agency_viewer" and self.agency_ids:
            return Scope.agencies(self.agency_ids)
        return Scope.agencies(())  # unknown role or viewer without agency: nothing

    def allows(self, permission: str) -> bool:
        """Deny by default: unknown permissions and unknown roles allow nothing."""
        return self.role in PERMISSIONS.get(permission, ())

    @property
    def can_upload(self) -> bool:
        return self.allows("upload")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_report(self) -> bool:
        """The "My tasks" page: reports on the tasks of one's agencies (steering: any task)."""
        return self.allows("report")

    @property
    def can_review(self) -> bool:
        """The review page: confirm claims, decide deadline changes, cancel, open rounds."""
        return self.allows("confirm")

    @property
    def can_admin(self) -> bool:
        """The administration page's accounts: users, roles, lockouts."""
        return self.allows("admin")

    @property
    def can_open_admin(self) -> bool:
        """The administration page, for at least one of its tabs (accounts, the agency register,
        the audit log): admins all of them, coordinators the register and the audit log."""
        return any(self.allows(p) for p in ("admin", "manage_agencies", "read_audit"))

    @property
    def can_read_audit(self) -> bool:
        return self.allows("read_audit")

    @property
    def label(self) -> str:
        return self.display_name or self.username

    def may_update(self, agency_ids) -> bool:
        """May this user upload changes to tasks led by `agency_ids`?"""
        return not self.refused_agencies(agency_ids) and self.can_upload

    def refused_agencies(self, agency_ids) -> tuple[str, ...]:
        """Of `agency_ids`, those whose tasks this user may not update (sorted).

        Admins and coordinators may update every agency; agency editors only their own; everyone
        else none.
        """
        wanted = sorted({str(a) for a in agency_ids})
        if self.role in STEERING_ROLES:
            return ()
        if self.role == "agency_editor":
            return tuple(a for a in wanted if a not in set(self.agency_ids))
        return tuple(wanted)


GUEST = User(username="guest", role="guest", display_name="Khách (chỉ xem)")


AGENCY_SEES_RANK = "TASKS_AGENCY_SEES_RANK"
"""The setting: whether a user who sees some agencies only (an agency viewer) is shown each
one's rank among all its peers (every agency of the same type, whatever the user's scope).
On unless set to 0, false, no or off: league tables of the ministries and provinces are
published. Only the rank is shown, computed in the data layer (ui/data.peer_ranks): the other
agencies' figures stay out of the viewer's pages, lists and files."""


def agency_sees_rank(env: Mapping[str, str] | None = None) -> bool:
    """TASKS_AGENCY_SEES_RANK read from the environment (or `env`)."""
    raw = (os.environ if env is None else env).get(AGENCY_SEES_RANK, "")
    return raw.strip().lower() not in ("0", "false", "no", "off")
