"""Roles and what they allow. Deny by default: an unknown role may do nothing."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.model import Scope

ROLES = ("admin", "agency_editor", "leader", "agency_viewer", "guest")
ASSIGNABLE_ROLES = ("admin", "agency_editor", "leader", "agency_viewer")
"""Roles an account may hold ('guest' is the built-in anonymous visitor, never an account)."""
AGENCY_ROLES = ("agency_editor", "agency_viewer")
"""Roles that need at least one agency (their own)."""

PERMISSIONS: dict[str, tuple[str, ...]] = {
    "view": ("admin", "agency_editor", "leader", "agency_viewer", "guest"),
    "export": ("admin", "agency_editor", "leader", "agency_viewer", "guest"),
    "upload": ("admin", "agency_editor"),
    "retract": ("admin",),
    "restore": ("admin",),
    "manage_users": ("admin",),
    "read_audit": ("admin",),
    "admin": ("admin",),
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
        if self.role in ("admin", "agency_editor", "leader", "guest"):
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
    def can_admin(self) -> bool:
        """The administration page: users and the audit log."""
        return self.allows("admin")

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

        Admins may update every agency; agency editors only their own; everyone else none.
        """
        wanted = sorted({str(a) for a in agency_ids})
        if self.role == "admin":
            return ()
        if self.role == "agency_editor":
            return tuple(a for a in wanted if a not in set(self.agency_ids))
        return tuple(wanted)


GUEST = User(username="guest", role="guest", display_name="Khách (chỉ xem)")
