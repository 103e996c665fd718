"""Small widgets every page uses: the as-of line, the colour legend, downloads, the error guard,
the official figures with the reconciled ones beside them."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from analytics import briefing as B
from analytics import exports, metrics, store
from analytics.i18n import fmt_date, fmt_int, source_label, t
from analytics.reporting import words
from analytics.style import STATUS_COLORS, STATUS_ORDER
from ui import data
from ui.audit_panel import audit_export
from ui.html import colour_key, esc
from ui.state import View

log = logging.getLogger("dashboard")


def page_header(view: View, title_key: str) -> tuple[int, ...]:
    """Title, the as-of date and the snapshots the figures come from; returns the snapshot ids."""
    st.title(view.t(title_key))
    ids = data.snapshot_ids(view.as_of, view.filters.sources)
    snaps = data.snapshots()
    used = snaps[snaps["snapshot_id"].isin(ids)]
    items = ", ".join(
        f"{esc(source_label(row.source, view.lang))} – {fmt_date(row.as_of, view.lang)} "
        f"(#{row.snapshot_id})"
        for row in used.itertuples()
    )
    st.caption(
        view.t("common.figures_as_of", date=fmt_date(view.as_of, view.lang))
        + (" · " + view.t("common.from_snapshots", items=items) if items else "")
    )
    held_back_notice(view)
    return ids


def held_back_notice(view: View) -> None:
    """The notice "N rows of file F could not be read", linked to those rows on the Data page, for
    each snapshot in force whose file had rows held back (the rows the user's scope may see)."""
    held = data.held_back(view.as_of, view.filters.sources, view.scope)
    if held.empty:
        return
    lines = metrics.held_back_notices(held, view.lang)
    for row, line in zip(held.itertuples(), lines, strict=True):
        query = {"held_back": str(int(row.snapshot_id)), "lang": view.lang}
        if view.latest is None or view.as_of != view.latest:
            query["as_of"] = view.as_of.isoformat()
        st.warning(
            f"{esc(line)}. {esc(view.t('held_back.notice_more'))}", icon=":material/warning:"
        )
        # in this tab, in this session (a new tab would open signed out)
        st.page_link(
            "pages/data.py",
            label=view.t("held_back.link"),
            icon=":material/search:",
            query_params=query,
        )


def legend(view: View, statuses=STATUS_ORDER) -> None:
    """The status colours with their names: squares drawn in the charts' colours (an emoji
    square needs an emoji font, which many browsers lack), through ui/html.colour_key."""
    items = [(STATUS_COLORS[s], view.t(f"status.{s}")) for s in statuses if s in STATUS_COLORS]
    st.html(colour_key(view.t("common.legend"), items))


def downloads(view: View, frame: pd.DataFrame, name: str, key: str) -> None:
    """Excel and CSV buttons for one table (formula-like text neutralised); every download is
    recorded in the audit log, with the view it was taken from."""
    audit_export(view, name, frame, name=name, key=key)


@contextmanager
def guard(view_lang: str = "vi"):
    """Never show a traceback: a clear message instead, details in the server log."""
    try:
        yield
    except store.StoreBusy:
        st.warning(t("common.store_busy", view_lang))
    except Exception:  # the user sees a message, the log keeps the details
        log.exception("page failed")
        st.error(t("common.error_generic", view_lang))


def no_data(view: View) -> None:
    st.info(view.t("common.no_data"))


MAX_ROWS_ON_SCREEN = 500


def table(view: View, frame: pd.DataFrame, key: str, name: str, first: int | None = None) -> None:
    """A read-only table (dates dd/mm/yyyy) with its Excel and CSV buttons.

    At most MAX_ROWS_ON_SCREEN rows are sent to the browser; the downloads hold every row and
    every column (the screen leaves out the reported columns no task fills). With `first`, a
    longer table shows its first rows and the whole of it behind an expander."""
    if frame is None or frame.empty:
        st.caption(view.t("common.no_tasks"))
        return
    full = frame
    frame = exports.without_empty_reported(frame, view.lang)
    if len(frame) > MAX_ROWS_ON_SCREEN:
        frame = frame.head(MAX_ROWS_ON_SCREEN)
        st.caption(view.t("common.rows_shown", n=len(frame), total=len(full)))
    fmt = "DD/MM/YYYY"  # both languages (analytics.i18n.DATE_WIDGET)
    config = {
        c: st.column_config.Column(width=w) for c, w in B.column_widths(frame, view.lang).items()
    }
    config.update({c: st.column_config.DateColumn(format=fmt) for c in B.date_columns(frame)})
    shown = {"hide_index": True, "width": "stretch", "column_config": config, "placeholder": ""}
    if first and len(frame) > first:  # a long list: its first rows, all of them behind a click
        st.dataframe(frame.head(first), key=key, **shown)
        with st.expander(view.t("layout16.all_rows", n=fmt_int(len(full), view.lang))):
            st.dataframe(frame, key=f"{key}_all", **shown)
    else:
        st.dataframe(frame, key=key, **shown)
    downloads(view, full, f"{name}_{B.as_date(view.as_of).isoformat()}", key=f"{key}_dl")


CARD_MIN_PX = 150  # a card's narrowest: two a row on a 390 px phone, four on paper


def cards(view: View, cur: dict, prev: dict | None) -> None:
    """Headline metric cards with the change since the previous snapshot date."""
    all_cards = B.headline_cards(cur, prev, view.lang, view.as_of)
    # rows of CARDS_PER_ROW that wrap to two a row on a phone (st.columns would stack them)
    grid = st.grid(B.CARDS_PER_ROW, min_column_width=CARD_MIN_PX)
    for card in all_cards:
        grid.metric(
            card.label,
            card.value,
            card.delta,
            delta_color=card.delta_color,
            help=card.help,
            border=True,
        )


def reconciled_line(view: View, counts: dict, rec: dict, on=None, detail: bool = False) -> None:
    """The official figures with what agencies reported beside them ("652 nhiệm vụ, 34 quá hạn;
    trong đó 9 đã báo cáo hoàn thành, chờ xác nhận …"), as escaped text: `counts` a headline,
    `rec` metrics.reconciled of the same tasks; `on` the date they are of (said when given);
    `detail` adds the adjusted deadlines, the missed commitments and the overdue if confirmed."""
    sentence = words.reconciled_sentence(counts, rec, view.lang)
    if on is not None:
        sentence = view.t("pages_reported.on_date", date=fmt_date(on, view.lang), sentence=sentence)
    st.caption(esc(sentence))
    if detail:
        text = view.t(
            "pages_reported.detail",
            adjusted=fmt_int(rec.get("deadline_adjusted", 0), view.lang),
            missed=fmt_int(rec.get("commitments_missed", 0), view.lang),
            overdue=fmt_int(rec.get("overdue_reconciled", 0), view.lang),
        )
        st.caption(esc(text))
    if view.filters.judge_original:
        st.caption(esc(view.t("pages_reported.judging_original")))


def reconciled(view: View, as_of=None, filters=None, dated: bool = False, detail: bool = False):
    """reconciled_line of the tasks in view at `as_of` (the view's date unless given) under
    `filters` (the view's unless given), from the cached headline and reconciled figures."""
    as_of = as_of or view.as_of
    filters = filters or view.filters
    counts = data.aggregate("headline", as_of, filters, view.scope)
    rec = data.aggregate("reconciled", as_of, filters, view.scope)
    reconciled_line(view, counts, rec, on=as_of if dated else None, detail=detail)
