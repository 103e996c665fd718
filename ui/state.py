"""The shared sidebar: language, as-of date, sources, assigning documents, agency type, agency,
difficult only, judge by the original deadlines.

Every choice lives in the URL so that a copied link reproduces the view. Values read from the
URL are validated against what exists (an unknown agency or source is ignored), and none of
them can widen the signed-in user's scope: that is applied in the data layer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

import streamlit as st

from analytics.agencies import CENTRAL_TYPES
from analytics.i18n import t
from analytics.model import Filters, Scope
from ui import cache, data

LANG_LABELS = {"vi": "Tiếng Việt", "en": "English"}
TYPE_CHOICES = ("all", "central", "province")
TYPE_KEYS = {"all": "common.all", "central": "common.central", "province": "common.provinces"}
URL_KEYS = (
    "lang",
    "as_of",
    "source",
    "source_doc",
    "type",
    "agency",
    "difficult",
    "judge_original",
)


@dataclass(frozen=True)
class View:
    """What every page needs to know about the current view."""

    lang: str
    as_of: dt.date
    filters: Filters
    scope: Scope
    agency_id: str | None
    latest: dt.date | None

    def t(self, key: str, **fmt) -> str:
        return t(key, self.lang, **fmt)


def _qp(name: str) -> str | None:
    value = st.query_params.get(name)
    return value if value else None


def init_lang() -> str:
    """The language, from the session, else the URL, else Vietnamese."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = _qp("lang") if _qp("lang") in LANG_LABELS else "vi"
    return st.session_state["lang"]


def lang() -> str:
    return st.session_state.get("lang", "vi")


def _seed_from_url(cat: dict) -> None:
    """Once per session: copy the URL's filters into the widgets' state, validated."""
    if st.session_state.get("_seeded"):
        return
    st.session_state["_seeded"] = True
    as_of = _qp("as_of")
    if as_of:
        with contextlib.suppress(ValueError):
            st.session_state["as_of"] = dt.date.fromisoformat(as_of)
    sources = st.query_params.get_all("source")
    if sources:
        st.session_state["sources"] = [s for s in sources if s in cat["sources"]]
    docs = st.query_params.get_all("source_doc")
    if docs:  # checked against the documents in force where the choice is drawn
        st.session_state["source_docs"] = list(dict.fromkeys(docs))
    if _qp("type") in TYPE_CHOICES:
        st.session_state["agency_type"] = _qp("type")
    agency = _qp("agency")
    if agency and agency in set(cat["agencies"]["agency_id"]):
        st.session_state["agency"] = agency
    if _qp("difficult") in ("1", "true"):
        st.session_state["difficult"] = True
    if _qp("judge_original") in ("1", "true"):
        st.session_state["judge_original"] = True


def _write_url(view: View, agency_type: str) -> None:
    qp = st.query_params
    wanted: dict[str, str | list[str]] = {"lang": view.lang}
    if view.latest is None or view.as_of != view.latest:
        wanted["as_of"] = view.as_of.isoformat()
    if view.filters.sources:
        wanted["source"] = list(view.filters.sources)
    if agency_type != "all":
        wanted["type"] = agency_type
    if view.agency_id:
        wanted["agency"] = view.agency_id
    if view.filters.difficult_only:
        wanted["difficult"] = "1"
    if view.filters.source_docs:
        wanted["source_doc"] = list(view.filters.source_docs)
    if view.filters.judge_original:
        wanted["judge_original"] = "1"
    for key in URL_KEYS:
        value = wanted.get(key)
        if value is None:
            if key in qp:
                del qp[key]
        elif isinstance(value, list):
            if qp.get_all(key) != value:
                qp[key] = value
        elif qp.get(key) != value:
            qp[key] = value


def agency_label(agencies, agency_id: str, lang: str) -> str:
    row = agencies.loc[agencies["agency_id"] == agency_id]
    if row.empty:
        return agency_id
    name = row.iloc[0]["name_vi" if lang == "vi" else "name_en"]
    return name if isinstance(name, str) and name else row.iloc[0]["name_vi"]


@cache.resource(ttl=None)
def _agency_labels_cached(ids: tuple, vi: tuple, en: tuple, lang: str) -> dict[str, str]:
    names = vi if lang == "vi" else en
    return {
        i: (n if isinstance(n, str) and n else v) for i, n, v in zip(ids, names, vi, strict=True)
    }


def _agency_labels(agencies, lang: str) -> dict[str, str]:
    """agency id → name in `lang` (Vietnamese when there is no English name)."""
    return _agency_labels_cached(
        tuple(agencies["agency_id"]), tuple(agencies["name_vi"]), tuple(agencies["name_en"]), lang
    )


def _source_docs_choice(sb, as_of: dt.date, sources: tuple[str, ...], scope: Scope, lg: str):
    """The assigning documents to narrow the view to ("the tasks from Notice 05-TB/BCĐTW"):
    those of the tasks in force at `as_of` in `sources` that `scope` may see. A choice no
    longer among them (another date, a link's unknown name) is dropped; no choice is drawn
    when no task carries a document."""
    options = list(data.source_docs(as_of, sources, scope))
    chosen = [d for d in st.session_state.get("source_docs") or () if d in options]
    if st.session_state.get("source_docs") != chosen:
        st.session_state["source_docs"] = chosen
    if not options:
        return ()
    picked = sb.multiselect(
        t("col.source_doc", lg),
        options,
        key="source_docs",
        placeholder=t("common.all_source_docs", lg),
    )
    return tuple(sorted(picked))


def sidebar(scope: Scope) -> View:
    """Draw the shared filters; return the view. Keys are stable for tests and links."""
    cat = data.catalog()
    _seed_from_url(cat)
    lg = lang()
    latest = max(cat["dates"]) if cat["dates"] else None
    sb = st.sidebar
    sb.radio(
        t("common.language", lg),
        list(LANG_LABELS),
        key="lang",
        horizontal=True,
        format_func=LANG_LABELS.get,
    )
    lg = lang()
    sb.markdown(f"**{t('common.filters', lg)}**")
    default_date = latest or dt.date.today()
    if "as_of" not in st.session_state:
        st.session_state["as_of"] = default_date
    as_of = sb.date_input(
        t("common.as_of", lg),
        key="as_of",
        format="DD/MM/YYYY" if lg == "vi" else "YYYY-MM-DD",
        min_value=dt.date(2020, 1, 1),
        max_value=dt.date.today() + dt.timedelta(days=3 * 365),
    )
    if not isinstance(as_of, dt.date):
        as_of = default_date
    sources = sb.multiselect(
        t("common.sources", lg),
        cat["sources"],
        key="sources",
        placeholder=t("common.all_sources", lg),
    )
    source_docs = _source_docs_choice(sb, as_of, tuple(sorted(sources)), scope, lg)
    agency_type = sb.radio(
        t("col.agency_type", lg),
        TYPE_CHOICES,
        key="agency_type",
        horizontal=True,
        format_func=lambda k: t(TYPE_KEYS[k], lg),
    )
    agencies = cat["agencies"]
    visible = agencies
    if scope.agency_ids is not None:
        visible = visible[visible["agency_id"].isin(scope.agency_ids)]
    if agency_type == "central":
        visible = visible[visible["agency_type"].isin(CENTRAL_TYPES)]
    elif agency_type == "province":
        visible = visible[visible["agency_type"] == "province"]
    options = [""] + visible["agency_id"].tolist()
    labels = _agency_labels(cat["agencies"], lg)
    if st.session_state.get("agency") not in options:
        st.session_state["agency"] = ""
    agency_id = sb.selectbox(
        t("col.lead", lg),
        options,
        key="agency",
        format_func=lambda a: t("common.all_agencies", lg) if not a else labels.get(a, a),
    )
    difficult = sb.toggle(t("common.difficult_only", lg), key="difficult")
    judge_original = sb.toggle(
        t("pages_reported.judge_original", lg),
        key="judge_original",
        help=t("pages_reported.judge_original_help", lg),
    )
    types: tuple[str, ...] = ()
    if agency_type == "central":
        types = CENTRAL_TYPES
    elif agency_type == "province":
        types = ("province",)
    filters = Filters(
        sources=tuple(sorted(sources)),
        agency_ids=(agency_id,) if agency_id else (),
        agency_types=types,
        difficult_only=bool(difficult),
        source_docs=source_docs,
        judge_original=bool(judge_original),
    )
    view = View(
        lang=lg,
        as_of=as_of,
        filters=filters,
        scope=scope,
        agency_id=agency_id or None,
        latest=latest,
    )
    _write_url(view, agency_type)
    st.session_state["_view"] = view
    return view


def current_view() -> View:
    """The view app.py computed in this run. Every page calls this first.

    On the first run of a fresh server process Streamlit's old `pages/` auto-discovery is still on
    (until st.navigation has been called once) and a deep link runs the page file directly,
    without app.py: no sign-in, no sidebar. Then turn the discovery off, as st.navigation does,
    and run again: app.py routes the same URL to this page.
    """
    from streamlit.runtime.pages_manager import PagesManager

    view = st.session_state.get("_view")
    if PagesManager.uses_pages_directory or view is None:
        PagesManager.uses_pages_directory = False
        st.rerun()
    return view
