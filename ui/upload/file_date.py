"""The date the file states for its figures (analytics.file_dates) on the upload page: the
as-of date box takes it while the user has not chosen a date of their own, it is shown as a
suggestion, a chosen date far from it is warned about, and after the commit the message says
which dates' figures changed."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics import file_dates, store
from analytics.i18n import fmt_date, t
from ui.html import esc
from ui.upload.context import Page, UploadState

WIDGET = "up_as_of"
_AUTO = "_up_as_of_auto"  # the date the page put in the box (not the user's own choice)
_PENDING = "_up_as_of_pending"  # the file's date, put in the box before it is drawn
_APPLIED = "_up_as_of_applied"  # the file (sha) whose date was put in the box


def before_widget() -> None:
    """Before the date box is drawn: today at first, or the file's date found in the last run."""
    pending = st.session_state.pop(_PENDING, None)
    if isinstance(pending, dt.date):
        st.session_state[WIDGET] = pending
        st.session_state[_AUTO] = pending
    elif WIDGET not in st.session_state:
        st.session_state[WIDGET] = st.session_state[_AUTO] = dt.date.today()


def title_lines(result) -> list[str]:
    """The texts above the header row of the sheet read first: the reading's first rows
    (`ReadResult.head`; the title lines themselves stay in the sandbox child)."""
    prepared = getattr(result, "prepared", None)
    head = getattr(result, "head", None)
    if prepared is None or head is None or head.sheet != prepared.table.sheet:
        return []
    above = head.rows[: max(int(prepared.table.header_row or 1) - 1, 0)]
    return [cell.strip() for row in above for cell in row if isinstance(cell, str) and cell.strip()]


def stated(result, file_name: str):
    """(date, where, text) the file states, from its title lines and its name."""
    return file_dates.stated_date(title_lines(result), file_name)


def suggest(pg: Page, cur: UploadState, result, as_of: dt.date) -> None:
    """The file's date: put in the box (once per file, then read again) while the date is the
    page's own; shown as a suggestion; a warning when the date chosen is far from it."""
    found = stated(result, cur.name)
    if found is None:
        return
    date, where, text = found
    own = st.session_state.get(_AUTO) == as_of  # the user has not chosen a date
    if own and as_of != date and st.session_state.get(_APPLIED) != cur.sha:
        st.session_state[_APPLIED] = cur.sha
        st.session_state[_PENDING] = date
        st.rerun()
    key = "file_dates.where_title" if where == "title" else "file_dates.where_name"
    place = t(key, pg.lg, text=esc(file_dates.shown_text(text)))
    st.caption(pg.t("file_dates.suggested", date=fmt_date(date, pg.lg), where=place))
    if file_dates.far_from(as_of, date):
        days = abs((as_of - date).days)
        st.warning(
            pg.t(
                "file_dates.far",
                chosen=fmt_date(as_of, pg.lg),
                stated=fmt_date(date, pg.lg),
                days=days,
            )
        )


def changed_message(pg: Page, done: dict) -> str:
    """Which dates' figures the commit changed: from its date until the source's next
    snapshot (a back-dated file), or from its date on (the latest)."""
    date, source = done.get("date"), done.get("source")
    if not isinstance(date, dt.date) or not source:
        return ""
    frame = store.list_snapshots(pg.db)
    if "status" in frame:
        frame = frame[frame["status"] == "active"]
    dates = [
        d.date() if isinstance(d, dt.datetime) else d
        for d in frame.loc[frame["source"] == source, "as_of"]
    ]
    nxt = file_dates.next_date(date, dates)
    if nxt is None:
        return pg.t("file_dates.changed_latest", date=fmt_date(date, pg.lg))
    return pg.t("file_dates.changed_past", date=fmt_date(date, pg.lg), next=fmt_date(nxt, pg.lg))
