"""Report download buttons for the Briefing and Agency pages (filled in by the reports work)."""

from __future__ import annotations

from ui.state import View


def report_buttons(view: View, agency_id: str | None = None) -> None:
    """Briefing PDF / Excel (and per-agency zip) downloads for the current view."""
    return None
