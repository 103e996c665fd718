"""Streamlit's own English texts on a Vietnamese page, in Vietnamese (issue 16, point 9).

Streamlit 1.67 has no locale. What it offers is used where the texts are ours: labels,
placeholders, help, `format="DD/MM/YYYY"` of every date input; the charts get Plotly's own
localisation through st.plotly_chart's `config` (`plotly_config`). What is left is drawn by the
browser in English whatever the page's language: the file uploader ("Upload", "25MB per file",
"Remove …"), the date picker's calendar (month and weekday names, "Previous month", the days'
spoken labels, which follow the *browser's* locale, not the page's), the tables' toolbar
("Download as CSV", "Search", "Fullscreen"), the selectboxes' "No results", "Press Enter to
apply" under a text input, the "Running..." icon, the sidebar's and the help icons' labels.

`inject(lang)` sends, once per run, one hidden `st.html` element with a small script (no
iframe: Streamlit runs it in the page itself; `unsafe_allow_javascript`). Its texts are fixed:
the [widgets16] section of analytics/texts.toml, English (Streamlit's exact string, a template
when it holds a value: "Help for {label}") beside Vietnamese; no data goes in. In Vietnamese the
script translates the text nodes and the aria-label / title / placeholder / aria-valuetext
attributes that equal one of them, now and on every change (one MutationObserver on the body,
kept in `window.__streamlitVi`, so reruns and page switches never stack observers); what a
template captures (a file or field name) is kept as it is, a date is translated in turn. In
English the same element tells the script to stop and to put back every original it replaced:
the English page stays English. Our own texts (markdown, captions, labels, alerts, options)
are never touched, even when one reads like Streamlit's.
"""

from __future__ import annotations

import json
import re

import streamlit as st

from analytics.i18n import TEXTS, t

MARKER = "data-streamlit-vi"
"""The attribute of the element's hidden span: the stylesheet takes the element out of the page."""

FIXED = (
    # the file uploader (FileUploader.js, its file chips and checks in utils.js)
    "widgets16.upload",
    "widgets16.drop_file",
    "widgets16.drop_files",
    "widgets16.per_file",
    "widgets16.file_upload",
    "widgets16.add_files",
    "widgets16.add_icon",
    "widgets16.remove",
    "widgets16.cancel_upload",
    "widgets16.retry_upload",
    "widgets16.file_error",
    "widgets16.too_large",
    "widgets16.bad_type",
    "widgets16.too_small",
    "widgets16.only_one",
    "widgets16.unexpected",
    "widgets16.upload_failed",
    # the date input and its calendar (DateInput.js; react-aria's calendar and date field)
    "widgets16.choose_date",
    "widgets16.clear_date",
    "widgets16.keys_help",
    "widgets16.previous_month",
    "widgets16.next_month",
    "widgets16.previous",
    "widgets16.next",
    "widgets16.month",
    "widgets16.year",
    "widgets16.day_of",
    "widgets16.month_of",
    "widgets16.year_of",
    "widgets16.month_value",
    "widgets16.calendar_of",
    "widgets16.month_year",
    "widgets16.long_date",
    "widgets16.short_date",
    "widgets16.selected_date",
    "widgets16.date_selected",
    "widgets16.today",
    "widgets16.first_date",
    "widgets16.last_date",
    # the app's frame, the sidebar, help icons, selectboxes, text and number inputs (index.js …)
    "widgets16.skip_to_main",
    "widgets16.app_pages",
    "widgets16.collapse_sidebar",
    "widgets16.expand_sidebar",
    "widgets16.sidebar",
    "widgets16.main_menu",
    "widgets16.running",
    "widgets16.link_to_heading",
    "widgets16.help_for",
    "widgets16.open",
    "widgets16.dismiss",
    "widgets16.show_password",
    "widgets16.hide_password",
    "widgets16.no_results",
    "widgets16.clear_all",
    "widgets16.clear_value",
    "widgets16.selected_values",
    "widgets16.options_available",
    "widgets16.options_available_one",
    "widgets16.option_selected",
    "widgets16.enter_apply",
    "widgets16.enter_submit",
    "widgets16.keys_enter_apply",
    "widgets16.keys_enter_submit",
    "widgets16.increment",
    "widgets16.decrement",
    # the tables' toolbar, search and column menu (DataFrame.js, Toolbar.js)
    "widgets16.download_csv",
    "widgets16.search",
    "widgets16.close_search",
    "widgets16.next_result",
    "widgets16.previous_result",
    "widgets16.fullscreen",
    "widgets16.close_fullscreen",
    "widgets16.show_hide_columns",
    "widgets16.clear_selection",
    "widgets16.column_menu",
    "widgets16.sort_ascending",
    "widgets16.sort_descending",
    "widgets16.pin_column",
    "widgets16.unpin_column",
    "widgets16.hide_column",
    "widgets16.copy_column_name",
)
"""The texts the script replaces, each Streamlit's English (the English column) beside ours."""

MONTHS = (  # "Tháng 1" / "January" …
    "widgets16.month_1",
    "widgets16.month_2",
    "widgets16.month_3",
    "widgets16.month_4",
    "widgets16.month_5",
    "widgets16.month_6",
    "widgets16.month_7",
    "widgets16.month_8",
    "widgets16.month_9",
    "widgets16.month_10",
    "widgets16.month_11",
    "widgets16.month_12",
)
WEEKDAYS = (  # Sunday first, as en-US
    "widgets16.weekday_0",
    "widgets16.weekday_1",
    "widgets16.weekday_2",
    "widgets16.weekday_3",
    "widgets16.weekday_4",
    "widgets16.weekday_5",
    "widgets16.weekday_6",
)
INITIALS = "widgets16.weekday_initials"  # the calendar's header row, "S M T W T F S"

PLOTLY = (
    "widgets16.plotly_png",
    "widgets16.plotly_zoom",
    "widgets16.plotly_pan",
    "widgets16.plotly_zoom_in",
    "widgets16.plotly_zoom_out",
    "widgets16.plotly_autoscale",
    "widgets16.plotly_reset_axes",
    "widgets16.plotly_box_select",
    "widgets16.plotly_lasso_select",
    "widgets16.plotly_preparing",
    "widgets16.plotly_zoom_back",
)
"""Plotly's own texts (its modebar), given to Plotly as its "vi" dictionary."""

_FIELD = re.compile(r"\{(\w+)\}")
_MONTH_NAMES = "|".join(t(k, "en") for k in MONTHS)
_WEEKDAY_NAMES = "|".join(t(k, "en") for k in WEEKDAYS)
CAPTURES = {
    "month": _MONTH_NAMES,  # → its number ("tháng {month}")
    "weekday": _WEEKDAY_NAMES,  # → the Vietnamese day
    "day": r"\d{1,2}",  # → without a leading zero
    "year": r"\d{4}",
    "n": r"[\d.,]+",
    "size": r"[\d.,]+ ?[KMGT]?B",
    "keys": "Ctrl|⌘",
    "date": ".+",  # translated in turn: "Today, {date}" holds "Tuesday, October 28, 2025"
}
"""What each template field matches; any other field ({label}, {name}, {type}) is kept as is."""
RECURSIVE = ("date",)


def _escape(text: str) -> str:
    """`text` literally in a JavaScript regular expression (its syntax characters escaped)."""
    return re.sub(r"[\\^$.*+?()[\]{}|/]", lambda m: "\\" + m.group(0), text)


def _pattern(english: str) -> str:
    """A template's English as a JavaScript regular expression, its fields named groups."""
    out, last = [], 0
    for m in _FIELD.finditer(english):
        out.append(_escape(english[last : m.start()]))
        out.append(f"(?<{m.group(1)}>{CAPTURES.get(m.group(1), '.+?')})")
        last = m.end()
    out.append(_escape(english[last:]))
    return "^" + "".join(out) + "$"


def translations() -> dict:
    """What the script knows: fixed texts, templates (most specific first), month and weekday
    names, the weekday initials. Every text from analytics/texts.toml."""
    exact, templates = {}, []
    for key in FIXED + MONTHS + WEEKDAYS:
        vi, en = TEXTS[key]
        if _FIELD.search(en):
            templates.append((en, vi))
        else:
            exact[en] = vi
    # a longer fixed part first: "Choose date, {date}" before "{month} {year}"
    templates.sort(key=lambda pair: -len(_FIELD.sub("", pair[0])))
    return {
        "exact": exact,
        "patterns": [[_pattern(en), vi] for en, vi in templates],
        "months": [t(k, "en") for k in MONTHS],
        "weekdays": [t(k, "en") for k in WEEKDAYS],
        "weekdaysVi": [t(k, "vi") for k in WEEKDAYS],
        "initials": t(INITIALS, "en").split(),
        "initialsVi": t(INITIALS, "vi").split(),
        "recursive": list(RECURSIVE),
        # in a list's options only these: the calendar's months, a selectbox's "No results"
        "listed": [t(k, "en") for k in MONTHS] + [t("widgets16.no_results", "en")],
    }


# Our own texts live in these; their text is never translated (an agency named "Search" stays
# so). data-testid values of Streamlit 1.67, then multiselect tags and the options of a list.
OURS = (
    "stMarkdown",
    "stCaptionContainer",
    "stHeading",
    "stAlert",
    "stWidgetLabel",
    "stMetric",
    "stText",
    "stCode",
    "stJson",
    "stTable",
)
SKIP = ", ".join(f'[data-testid="{testid}"]' for testid in OURS) + (
    ', [data-baseweb="tag"], [role="option"]'
)
"""Where a text is ours; in an option only a month (the calendar's) or "No results" is not."""

ATTRIBUTES = ("aria-label", "title", "placeholder", "aria-valuetext")

SCRIPT = r"""
(function () {
  var S = window.__streamlitVi || (window.__streamlitVi = {done: [], run: null, obs: null, made: 0});
  var C = __CONFIG__;
  function revert() {
    S.done.forEach(function (d) {
      var node = d[0], attr = d[1];
      if (!node.isConnected) return;
      if (attr) { if (node.getAttribute(attr) === d[3]) node.setAttribute(attr, d[2]); }
      else if (node.nodeValue === d[3]) node.nodeValue = d[2];
    });
    S.done = [];
  }
  if (C.lang !== "vi") { S.run = S.tr = null; revert(); return; }
  var exact = new Map(Object.entries(C.exact));
  var patterns = C.patterns.map(function (p) { return [new RegExp(p[0]), p[1]]; });
  function fill(vi, m) {
    return vi.replace(/\{(\w+)\}/g, function (_, name) {
      var v = m.groups[name];
      if (name === "month") return String(C.months.indexOf(v) + 1);
      if (name === "weekday") return C.weekdaysVi[C.weekdays.indexOf(v)];
      if (name === "day") return String(parseInt(v, 10));
      if (C.recursive.indexOf(name) >= 0) { var r = tr(v); return r === null ? v : r; }
      return v;
    });
  }
  function tr(s) {
    if (s.length > 300 || !/[A-Za-z]/.test(s)) return null;
    var x = exact.get(s);
    if (x !== undefined) return x;
    for (var i = 0; i < patterns.length; i++) {
      var m = patterns[i][0].exec(s);
      if (m) return fill(patterns[i][1], m);
    }
    return null;
  }
  function record(node, attr, en, vi) {
    if (S.done.length > 5000) S.done = S.done.filter(function (d) { return d[0].isConnected; });
    S.done.push([node, attr, en, vi]);
  }
  function text(node) {
    var v = node.nodeValue, s = v.trim(), up = node.parentElement;
    if (!up || /^(SCRIPT|STYLE|NOSCRIPT)$/.test(up.tagName)) return;
    var ours = s ? up.closest(__SKIP__) : null;
    if (!s || (ours && !(ours.getAttribute("role") === "option" && C.listed.indexOf(s) >= 0))) return;
    var vi = tr(s);
    if (vi === null) return;
    vi = v.replace(s, function () { return vi; });
    node.nodeValue = vi;
    record(node, null, v, vi);
  }
  function attr(el, name) {
    var v = el.getAttribute(name);
    if (!v) return;
    var vi = tr(v);
    if (vi === null) return;
    el.setAttribute(name, vi);
    record(el, name, v, vi);
  }
  function tree(root) {
    if (root.nodeType === 3) return text(root);
    if (root.nodeType !== 1) return;
    var walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), n;
    while ((n = walk.nextNode())) text(n);
    __ATTRS__.forEach(function (a) { if (root.hasAttribute(a)) attr(root, a); });
    root.querySelectorAll(__SELECTOR__).forEach(function (el) {
      __ATTRS__.forEach(function (a) { if (el.hasAttribute(a)) attr(el, a); });
    });
  }
  function initials() {  // the calendar's header row: by position, whatever day comes first
    var en = C.initials, vi = C.initialsVi;
    var rows = document.querySelectorAll('[data-testid="stDateInputCalendar"] thead tr');
    rows.forEach(function (row) {
      var cells = Array.prototype.slice.call(row.children);
      if (cells.length !== 7) return;
      var now = cells.map(function (c) { return c.textContent.trim(); }).join(" ");
      for (var k = 0; k < 7; k++) {
        var turned = en.slice(k).concat(en.slice(0, k));
        if (turned.join(" ") !== now) continue;
        cells.forEach(function (c, i) {
          var node = c.firstChild;
          if (node && node.nodeType === 3) {
            var v = node.nodeValue, w = vi[(i + k) % 7];
            node.nodeValue = w;
            record(node, null, v, w);
          }
        });
        return;
      }
    });
  }
  S.tr = tr;  // one text's Vietnamese, or null (the browser test asks it)
  S.run = function (records) {
    records.forEach(function (r) {
      if (r.type === "childList") r.addedNodes.forEach(tree);
      else if (r.type === "characterData") text(r.target);
      else attr(r.target, r.attributeName);
    });
    initials();
  };
  if (!S.obs) {
    S.made += 1;
    S.obs = new MutationObserver(function (records) { if (S.run) S.run(records); });
    S.obs.observe(document.body, {
      subtree: true, childList: true, characterData: true,
      attributes: true, attributeFilter: __ATTRS__
    });
  }
  tree(document.body);
  initials();
})();
"""


def _js(value) -> str:
    """A value as a JavaScript literal that cannot close the script element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def _body(lang: str) -> str:
    config = {"lang": lang, **(translations() if lang == "vi" else {})}
    selector = ", ".join(f"[{a}]" for a in ATTRIBUTES)
    values = {"CONFIG": config, "ATTRS": list(ATTRIBUTES), "SKIP": SKIP, "SELECTOR": selector}
    script = re.sub(r"__([A-Z]+)__", lambda m: _js(values[m.group(1)]), SCRIPT)
    # out of the page's flow (no gap) but not display:none, so that the page's first element
    # is still "visible" to a browser test waiting for one (tests/e2e/conftest.py wait_idle)
    hide = (
        f'[data-testid="stElementContainer"]:has([{MARKER}]) '
        "{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }"
    )
    return f"<span {MARKER} hidden></span><style>{hide}</style><script>{script}</script>"


_BODIES: dict[str, str] = {}


def inject(lang: str) -> None:
    """The script for this run's language, in one hidden element (call once per run)."""
    if lang not in _BODIES:
        _BODIES[lang] = _body(lang)
    st.html(_BODIES[lang], unsafe_allow_javascript=True)


def plotly_config(lang: str) -> dict:
    """st.plotly_chart's `config`: no Plotly logo; in Vietnamese, Plotly's own texts (its
    modebar) and month and day names from analytics/texts.toml, through Plotly's locales."""
    config: dict = {"displaylogo": False}
    if lang != "vi":
        return config
    config["locale"] = "vi"
    config["locales"] = {
        "vi": {
            "dictionary": {t(k, "en"): t(k, "vi") for k in PLOTLY},
            "format": {
                "months": [t(k, "vi") for k in MONTHS],
                "shortMonths": [f"T{m}" for m in range(1, 13)],
                "days": [t(k, "vi") for k in WEEKDAYS],
                "shortDays": t(INITIALS, "vi").split(),
            },
        }
    }
    return config
