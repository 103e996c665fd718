"""Small widgets every page uses: the as-of line, the colour legend, downloads, the error guard."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from analytics import exports, store
from analytics.i18n import fmt_date, t
from analytics.style import STATUS_COLORS, STATUS_ORDER
from ui import data
from ui.state import View

log = logging.getLogger("dashboard")


_MD_SPECIAL = "\\`*_{}[]()<>#+-.!|~$"


def md_escape(text: object) -> str:
    """Data as inert markdown text: every markdown/HTML special character backslash-escaped."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def page_header(view: View, title_key: str) -> tuple[int, ...]:
    """Title, the as-of date and the snapshots the figures come from; returns the snapshot ids."""
    st.title(view.t(title_key))
    ids = data.snapshot_ids(view.as_of, view.filters.sources)
    snaps = data.snapshots()
    used = snaps[snaps["snapshot_id"].isin(ids)]
    items = ", ".join(
        f"{md_escape(row.source)} – {fmt_date(row.as_of, view.lang)} (#{row.snapshot_id})"
        for row in used.itertuples()
    )
    st.caption(
        view.t("figures_as_of", date=fmt_date(view.as_of, view.lang))
        + (" · " + view.t("from_snapshots", items=items) if items else "")
    )
    return ids


def legend(view: View, statuses=STATUS_ORDER) -> None:
    """The status colours with their names (text next to a swatch, no HTML)."""
    swatch = {
        "completed_on_time": "🟩",
        "completed_late": "🟧",
        "completed_timing_unknown": "🟦",
        "in_progress": "🔵",
        "overdue": "🟥",
        "no_deadline": "⬜",
    }
    parts = [f"{swatch[s]} {view.t(s)}" for s in statuses if s in STATUS_COLORS]
    st.caption(view.t("legend") + ": " + " · ".join(parts))


def downloads(view: View, frame: pd.DataFrame, name: str, key: str) -> None:
    """Excel and CSV buttons for one table (formula-like text neutralised)."""
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(
        view.t("download_xlsx"),
        data=lambda: exports.to_xlsx({name: frame}, view.lang),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
    )
    c2.download_button(
        view.t("download_csv"),
        data=lambda: exports.to_csv(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )


@contextmanager
def guard(view_lang: str = "vi"):
    """Never show a traceback: a clear message instead, details in the server log."""
    try:
        yield
    except store.StoreBusy:
        st.warning(t("store_busy", view_lang))
    except Exception:  # the user sees a message, the log keeps the details
        log.exception("page failed")
        st.error(t("error_generic", view_lang))


def no_data(view: View) -> None:
    st.info(view.t("no_data"))
