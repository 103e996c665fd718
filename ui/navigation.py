"""The app's pages, defined once, and the navigation handed to Streamlit in every state.

Every page is always registered at its own address, so Streamlit never answers a known address
with its English "Page not found" and the address stays in the browser while the visitor signs
in (the page then opens after sign-in). What the visitor may not open yet is registered hidden:

- signed out (the sign-in screen): every page, hidden, drawing nothing under the sign-in form;
- signed in without the permission: the page, hidden, saying so in the page's language;
- an address that is no page: a hidden page at that address saying so, with a link to the
  briefing (Streamlit's own not-found message is English and offers no text to replace).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import streamlit as st

from analytics.i18n import t


@dataclass(frozen=True)
class Entry:
    stem: str  # the URL path and the file pages/<stem>.py
    title_key: str
    icon: str  # a Material icon: its font ships with Streamlit (an emoji needs an emoji font)
    needs: str | None  # the User permission needed, None for every visitor

    @property
    def script(self) -> str:
        return f"pages/{self.stem}.py"


PAGES = (
    Entry("briefing", "page.briefing", ":material/dashboard:", None),
    Entry("agency", "page.agency", ":material/account_balance:", None),
    Entry("workload", "page.workload", ":material/calendar_month:", None),
    Entry("trends", "page.trends", ":material/trending_up:", None),
    Entry("data", "page.data", ":material/table_view:", None),
    Entry("my_tasks", "page.my_tasks", ":material/edit_note:", "can_report"),
    Entry("review", "page.review", ":material/fact_check:", "can_review"),
    Entry("upload", "page.upload", ":material/upload_file:", "can_upload"),
    Entry("admin", "page.admin", ":material/admin_panel_settings:", "can_open_admin"),
)
PROTECTED = tuple(e.stem for e in PAGES if e.needs is not None)
"""The pages only a signed-in user with a permission opens."""

STEMS = frozenset(e.stem for e in PAGES) | {"home"}
_PATH = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what st.Page accepts as a url path, and no more


def allowed(entry: Entry, user) -> bool:
    """Deny by default: only a permission that is exactly True opens a protected page."""
    return entry.needs is None or getattr(user, entry.needs, False) is True


def requested() -> str | None:
    """The address (one path segment) this run was asked for, if the browser named one."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        from streamlit.util import calc_hash

        ctx = get_script_run_ctx()
        pages = ctx.pages_manager if ctx is not None else None
        name = pages.intended_page_name if pages is not None else None
        by_hash = pages.intended_page_script_hash if pages is not None else None
        if not name and by_hash:  # a page's hash is calc_hash(url_path) (st.Page)
            name = next((s for s in STEMS if calc_hash(s) == by_hash), None)
    except Exception:
        return None
    return name if isinstance(name, str) and name else None


def _nothing() -> None:
    """The page under the sign-in form: nothing more."""


def _not_allowed(lang: str, home):
    def page() -> None:
        st.title(t("nav.not_allowed_title", lang))
        st.warning(t("nav.not_allowed", lang))
        st.page_link(home, label=t("nav.to_briefing", lang), icon=":material/dashboard:")

    return page


def _not_found(lang: str, home):
    def page() -> None:
        st.title(t("nav.not_found_title", lang))
        st.info(t("nav.not_found", lang))
        st.page_link(home, label=t("nav.to_briefing", lang), icon=":material/dashboard:")

    return page


def _unknown_page(lang: str, home, factory=_not_found):
    """A hidden page at the unknown address asked for (so Streamlit's English message is never
    sent), or None when there is none or it cannot be a page's address."""
    name = requested()
    if name is None or name in STEMS or not _PATH.fullmatch(name):
        return None
    return st.Page(
        factory(lang, home),
        title=t("nav.not_found_title", lang),
        url_path=name,
        visibility="hidden",
    )


def build(user, lang: str):
    """The navigation of a visitor who may see pages (a user or the guest): the page to run."""
    shown = [
        st.Page(e.script, title=t(e.title_key, lang), icon=e.icon, url_path=e.stem)
        for e in PAGES
        if allowed(e, user)
    ]
    briefing = shown[0]
    refused = [
        st.Page(
            _not_allowed(lang, briefing),
            title=t(e.title_key, lang),
            icon=e.icon,
            url_path=e.stem,
            visibility="hidden",
        )
        for e in PAGES
        if not allowed(e, user)
    ]

    def home() -> None:
        """ "/" forwards to the briefing at its own address, keeping the link's parameters."""
        st.switch_page(
            briefing, query_params={k: st.query_params.get_all(k) for k in st.query_params}
        )

    start = st.Page(
        home, title=t("page.briefing", lang), url_path="home", default=True, visibility="hidden"
    )
    unknown = _unknown_page(lang, briefing)
    return st.navigation([start, *shown, *refused, *([unknown] if unknown else [])])


def signed_out(lang: str) -> None:
    """The sign-in screen's navigation: every page registered hidden and empty, so the address
    asked for stays (and opens after sign-in), the sidebar lists no page, and Streamlit stops
    its pages/ auto-discovery (which would list, and run, pages/*.py itself)."""
    start = st.Page(_nothing, title=t("auth.signin", lang), url_path="home", default=True)
    hidden = [
        st.Page(_nothing, title=t(e.title_key, lang), url_path=e.stem, visibility="hidden")
        for e in PAGES
    ]
    unknown = _unknown_page(lang, start, factory=lambda _lang, _home: _nothing)
    st.navigation([start, *hidden, *([unknown] if unknown else [])], position="hidden")
