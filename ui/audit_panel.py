"""The audit log on the pages: downloads that record themselves (`recorded`, `audit_export`) and
the administrators' panel (`audit_panel`). Events and refusals are recorded through
`ui.auth.audit` and `ui.auth.require`; the log itself is analytics/audit.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics import audit as audit_log
from analytics import exports
from analytics.access import User
from analytics.i18n import t
from ui import data, state
from ui.auth import require, user
from ui.html import esc


def _scope_doc(u: User) -> object:
    scope = u.scope
    return "*" if scope.agency_ids is None else sorted(scope.agency_ids)


def recorded(
    what: str,
    make: Callable[[], bytes],
    fmt: str,
    rows: int | None = None,
    details: dict | None = None,
    who: User | None = None,
) -> Callable[[], bytes]:
    """Wrap a download's data callable so the export is recorded when the file is produced.

    Streamlit runs the callable when the button is pressed (outside the script thread), so the
    user and database are captured now. If the record cannot be written, no file is given."""
    u = who or user()
    db = data.db()
    doc = {
        "format": fmt,
        "scope": _scope_doc(u),
        **({"rows": rows} if rows is not None else {}),
        **(details or {}),
    }

    def produce() -> bytes:
        payload = make()
        size = len(payload.encode("utf-8") if isinstance(payload, str) else payload)
        audit_log.record(db, u.username, "export", what, {**doc, "bytes": size})
        return payload

    return produce


def audit_export(
    view: state.View,
    what: str,
    frame: pd.DataFrame,
    name: str | None = None,
    key: str | None = None,
    details: dict | None = None,
) -> None:
    """Excel and CSV buttons for one table, each download recorded in the audit log."""
    name = name or what
    key = key or f"dl_{what}"
    doc = {
        "as_of": view.as_of.isoformat(),
        "filters": {
            "sources": list(view.filters.sources),
            "agency_ids": list(view.filters.agency_ids),
            "agency_types": list(view.filters.agency_types),
            "difficult_only": view.filters.difficult_only,
            "source_docs": list(view.filters.source_docs),
        },
        **(details or {}),
    }
    row = st.container(horizontal=True)  # side by side on a phone too
    row.download_button(
        t("common.download_xlsx", view.lang),
        data=recorded(
            what, lambda: exports.to_xlsx({name: frame}, view.lang), "xlsx", len(frame), doc
        ),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
    )
    row.download_button(
        t("common.download_csv", view.lang),
        data=recorded(what, lambda: exports.to_csv(frame), "csv", len(frame), doc),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )


def audit_panel(view: state.View, key: str = "audit") -> None:
    """The audit log for administrators: filters, the table, recorded downloads."""
    u = user()
    if not require(u, "read_audit", "audit_log"):
        return
    lg = view.lang
    st.subheader(t("audit.title", lg))
    try:  # first: whether the log is intact (analytics/audit.py), naming the first bad entry
        verdict = audit_log.verify(data.db())
        (st.success if verdict.intact else st.error)(esc(verdict.text(lg)))
    except audit_log.AuditError as exc:
        st.error(esc(exc.message_vi if lg == "vi" else exc.message))
    c1, c2, c3, c4 = st.columns([1, 2, 1, 1])
    since = c1.date_input(
        t("common.from_date", lg),
        value=None,
        key=f"{key}_since",
        format="DD/MM/YYYY",
    )
    actions = c2.multiselect(
        t("audit.actions", lg),
        audit_log.ACTIONS,
        key=f"{key}_actions",
        format_func=lambda a: t(f"audit_action.{a}", lg),
        placeholder=t("audit.all_actions", lg),
    )
    who = c3.text_input(t("audit.user", lg), key=f"{key}_user", max_chars=256)
    limit = c4.number_input(
        t("audit.limit", lg),
        min_value=10,
        max_value=100_000,
        value=1000,
        step=100,
        key=f"{key}_limit",
    )
    frame = audit_log.read(
        data.db(),
        limit=int(limit),
        since=audit_log.vn_midnight_utc(since) if since else None,
        actions=actions or None,
        username=who.strip() or None,
    )
    st.caption(t("audit.rows", lg, n=len(frame)))
    shown = audit_log.for_people(frame, lg)  # Vietnam time, actions by name
    st.dataframe(shown, hide_index=True, width="stretch", key=f"{key}_table")
    audit_export(view, "audit_log", shown, name="audit_log", key=f"{key}_dl")
