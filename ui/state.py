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
from analytics.i18n import source_label, t
from analytics.model import Filters, Scope
from ui import cache, data, layout, streamlit_vi
from ui.html import esc

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
    """The language, from the session, else the URL, else Vietnamese; Streamlit's own English
    texts follow it, on every page and the sign-in screen (ui/streamlit_vi.py)."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = _qp("lang") if _qp("lang") in LANG_LABELS else "vi"
    streamlit_vi.inject(st.session_state["lang"])
    return st.session_state["lang"]


def lang() -> str:
    return st.session_state.get("lang", "vi")


MIN_DATE = dt.date(2020, 1, 1)
IGNORED_KEY = "_link_ignored"  # what the link asked for and was not applied, for the notice


def _shown(value: str) -> str:
    """A link's value as quoted in the notice: at most 40 characters."""
    return value if len(value) <= 40 else value[:39] + "…"


def _link_date(value: str) -> dt.date | None:
    """A link's as_of (yyyy-mm-dd or dd/mm/yyyy) within the date picker's range, else None."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        with contextlib.suppress(ValueError):
            day = dt.datetime.strptime(value, fmt).date()
            return day if MIN_DATE <= day <= _max_date() else None
    return None


def _max_date() -> dt.date:
    return dt.date.today() + dt.timedelta(days=3 * 365)


def _seed_from_url(cat: dict) -> None:
    """Once per session: copy the URL's filters into the widgets' state, validated; what was
    ignored is kept (IGNORED_KEY, (text key, value) pairs) for the notice above the page."""
    if st.session_state.get("_seeded"):
        return
    st.session_state["_seeded"] = True
    ignored: list[tuple[str, str]] = []
    if _qp("lang") and _qp("lang") not in LANG_LABELS:
        ignored.append(("ui16.link_bad_lang", _qp("lang")))
    as_of = _qp("as_of")
    if as_of:
        day = _link_date(as_of)
        if day is None:
            ignored.append(("ui16.link_bad_date", as_of))
        else:
            st.session_state["as_of"] = day
    sources = st.query_params.get_all("source")
    if sources:
        st.session_state["sources"] = [s for s in sources if s in cat["sources"]]
        ignored += [("ui16.link_no_source", s) for s in sources if s not in cat["sources"]]
    docs = st.query_params.get_all("source_doc")
    if docs:  # checked against the documents in force where the choice is drawn
        st.session_state["source_docs"] = list(dict.fromkeys(docs))
    if _qp("type") in TYPE_CHOICES:
        st.session_state["agency_type"] = _qp("type")
    elif _qp("type"):
        ignored.append(("ui16.link_bad_type", _qp("type")))
    agency = _qp("agency")
    if agency and agency in set(cat["agencies"]["agency_id"]):
        st.session_state["agency"] = agency
        st.session_state["_link_agency"] = agency  # still to be checked against the scope
    elif agency:
        ignored.append(("ui16.link_no_agency", agency))
    if _qp("difficult") in ("1", "true"):
        st.session_state["difficult"] = True
    if _qp("judge_original") in ("1", "true"):
        st.session_state["judge_original"] = True
    st.session_state[IGNORED_KEY] = ignored


def ignored_text(ignored: list[tuple[str, str]], lg: str) -> str:
    """ "Đã bỏ qua trong liên kết: ngày «2025-02-30» không hợp lệ; cơ quan «xyz» không có"."""
    items = "; ".join(t(key, lg, value=_shown(value)) for key, value in ignored)
    return t("ui16.link_ignored", lg, items=items)


def _link_notice(view: View) -> None:
    """The notice of what the link asked for and was not applied, above the page, until the
    user changes the view the link opened."""
    ignored = st.session_state.get(IGNORED_KEY)
    if not ignored:
        return
    opened = (view.as_of, view.filters, view.agency_id)
    first = st.session_state.setdefault("_link_view", opened)
    if first != opened:
        st.session_state[IGNORED_KEY] = []
        return
    st.warning(esc(ignored_text(ignored, view.lang)), icon=":material/link_off:")


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
        format="DD/MM/YYYY",
        min_value=MIN_DATE,
        max_value=_max_date(),
    )
    if not isinstance(as_of, dt.date):
        as_of = default_date
    sources = sb.multiselect(
        t("common.sources", lg),
        cat["sources"],
        key="sources",
        placeholder=t("common.all_sources", lg),
        format_func=lambda s: source_label(s, lg),
    )
    source_docs = _source_docs_choice(sb, as_of, tuple(sorted(sources)), scope, lg)
    agency_type = (
        "all"
        if len(scope.agency_ids or ()) == 1
        else sb.radio(  # one agency: no choice
            t("col.agency_type", lg),
            TYPE_CHOICES,
            key="agency_type",
            horizontal=True,
            format_func=lambda k: t(TYPE_KEYS[k], lg),
        )
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
    linked = st.session_state.pop("_link_agency", None)
    if linked and linked not in options:  # outside the scope: said as of an unknown one
        st.session_state.setdefault(IGNORED_KEY, []).append(("ui16.link_no_agency", linked))
    agency_id = (
        ""
        if len(scope.agency_ids or ()) == 1
        else sb.selectbox(  # one agency: "all" is that one, no choice
            t("col.lead", lg),
            options,
            key="agency",
            placeholder=t("viewer16.pick_one", lg),
            format_func=lambda a: t("common.all_agencies", lg) if not a else labels.get(a, a),
        )
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
    _link_notice(view)
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
    layout.stylesheet()  # print and phone rules, once for every page (ui/layout.py)
    return view
