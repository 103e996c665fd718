"""No English on Vietnamese pages, in a real browser (issue 16, point 9; ui/streamlit_vi.py).

One server, one browser whose own language is English (en-US: the case where the calendar's
month and day names come out English), one session walked through every page: the guest's
(briefing, agency, workload, trends, data), then signed in as an administrator (my tasks,
review, upload, admin), each date picker opened, the uploader shown with a file in it, a
table's toolbar hovered, a selectbox typed into until "no results", a text field typed into.
At every step none of ENGLISH is in the page's innerText, title, aria-label, placeholder or
aria-valuetext, nor was in a text that appeared and went meanwhile (a recorder in the page,
while the translations are on: the "Running..." icon, a tooltip, a spoken announcement).
Then in English the uploader and the calendar say Streamlit's English again.

Screenshots: tests/artifacts/datepicker_vi.png, uploader_vi.png.
"""

from __future__ import annotations

import re
import shutil

import pytest

from analytics import accounts
from analytics.i18n import t
from tests.e2e.conftest import screenshot, start_server, stop_server, wait_idle
from ui import streamlit_vi

pytestmark = pytest.mark.e2e
ADMIN, PW = "quantri", "correct horse battery"
SLOW = 120_000  # ms, a loaded 2-core machine

MONTHS = tuple(t(k, "en") for k in streamlit_vi.MONTHS)
WEEKDAYS = tuple(t(k, "en") for k in streamlit_vi.WEEKDAYS)

# Streamlit's English (and Plotly's, and the browser's month and day names in the calendar),
# each with where it comes from (Streamlit 1.67's frontend, static/js). Matched as whole words.
ENGLISH = (
    # the file uploader (FileUploader.js; its file chips and checks, utils.js)
    ("Upload", "the uploader's button"),
    ("Browse files", "the uploader's button before Streamlit 1.5x"),
    ("Drag and drop", "the uploader while a file is dragged over it"),
    ("per file", 'the uploader\'s limit, "25MB per file • XLSX, …"'),
    ("file upload", "the uploader's file input (aria-label)"),
    ("Add files", "the uploader's add button beside a file"),
    ("add icon", "that button's hidden icon name (DynamicIcon.js)"),
    ("Remove", "a file chip's or a multiselect tag's delete button, \"Remove name.pdf\""),
    ("Cancel upload", "a file chip still uploading"),
    ("Click to retry", "a file chip whose upload failed"),
    ("Error:", "a rejected file's chip"),
    ("files are not allowed", 'a file of another type, "application/pdf files are not allowed."'),
    ("or smaller", "a file over the limit"),
    # the date input and its calendar (DateInput.js; react-aria's calendar and date field)
    ("Choose date", "the date input's button, the calendar's label"),
    ("Clear date", "the date input's clear button"),
    ("Use arrow keys", "the calendar's help for screen readers"),
    ("Previous month", "the calendar's back arrow"),
    ("Next month", "the calendar's forward arrow"),
    ("Previous", "react-aria's hidden calendar button"),
    ("Next", "react-aria's hidden calendar button"),
    ("month", "the calendar's month list, a date field's month segment (aria-label)"),
    ("year", "the calendar's year list, a date field's year segment (aria-label)"),
    ("day", "a date field's day segment (aria-label)"),
    ("Selected Date", "react-aria's announcement of the date chosen"),
    ("selected", 'react-aria\'s label of the chosen day, "Tuesday, October 28, 2025 selected"'),
    ("Today", "react-aria's label of today's cell"),
    ("available date", "react-aria's label of the first and the last day allowed"),
    *(
        (m, "the calendar's title and month list, the days' labels (the browser's en-US)")
        for m in MONTHS
    ),
    *((d, "the calendar's days' labels (the browser's en-US)") for d in WEEKDAYS),
    # the app's frame, the sidebar, help icons, selectboxes, text and number inputs (index.js …)
    ("Skip to main content", "the link a keyboard meets first"),
    ("App pages", "the sidebar's page list (aria-label)"),
    ("Collapse sidebar", "the sidebar's button"),
    ("Expand sidebar", "the collapsed sidebar's button"),
    ("Sidebar", "the sidebar (aria-label)"),
    ("Main menu", "the top right menu's button"),
    ("Running...", "the status icon while a page runs"),
    ("Link to heading", "a heading's anchor"),
    ("Help for", 'a help icon, "Help for <label>"'),
    ("Open", "a selectbox's arrow"),
    ("Dismiss", "react-aria's hidden close button of a popover"),
    ("Show password", "the password field's eye button"),
    ("Hide password", "the password field's eye button"),
    ("No results", "a selectbox whose typed text matches nothing"),
    ("Clear all", "a multiselect's clear button"),
    ("Clear value", "a selectbox's clear button"),
    ("Selected values", "a multiselect's chosen values (aria-label)"),
    ("options available", 'react-aria\'s announcement, "55 options available."'),
    ("option available", 'react-aria\'s announcement, "1 option available."'),
    ("Press Enter", 'a text field\'s instructions, "Press Enter to apply"'),
    ("+Enter to", 'a text area\'s instructions, "Press Ctrl+Enter to submit form"'),
    ("Increment", "a number input's + button"),
    ("Decrement", "a number input's - button"),
    ("Choose options", "a multiselect without a placeholder"),
    ("Choose an option", "a selectbox without a placeholder"),
    ("Page not found", "an address st.navigation does not know"),
    # the tables' toolbar, search and column menu (DataFrame.js, Toolbar.js)
    ("Download as CSV", "a table's toolbar"),
    ("Search", "a table's toolbar"),
    ("Fullscreen", "a table's or a chart's toolbar"),
    ("Close fullscreen", "a table's or a chart's toolbar"),
    ("Show/hide columns", "a table's toolbar"),
    ("Clear selection", "a table's toolbar with rows selected"),
    ("Sort ascending", "a table's column menu"),
    # the charts' modebar (Plotly, through st.plotly_chart's config)
    ("Download plot", "a chart's camera button"),
    ("Zoom", "a chart's zoom buttons"),
    ("Pan", "a chart's pan button"),
    ("Autoscale", "a chart's autoscale button"),
    ("Reset axes", "a chart's reset button"),
    ("Box Select", "a chart's selection buttons"),
    ("Double-click", "a chart zoomed in"),
)
_WORDS = [(re.compile(rf"(?<!\w){re.escape(text)}(?!\w)"), text, where) for text, where in ENGLISH]

# the texts in the page now: innerText and the four attributes, plus what the recorder saw
TEXTS_NOW = """() => {
  const out = [document.body.innerText];
  const names = ["title", "aria-label", "placeholder", "aria-valuetext"];
  document.querySelectorAll("[title], [aria-label], [placeholder], [aria-valuetext]")
    .forEach(e => names.forEach(a => { const v = e.getAttribute(a); if (v) out.push(v); }));
  const seen = Array.from(window.__seen || []);
  if (window.__seen) window.__seen.clear();
  return out.concat(seen);
}"""

# Every text that appears or changes while the translations are on, read once the page's own
# handlers (the translation among them) have run: what a user could have seen or heard.
RECORDER = """(() => {
  const seen = window.__seen = new Set();
  const names = ["title", "aria-label", "placeholder", "aria-valuetext"];
  const on = () => window.__streamlitVi && window.__streamlitVi.run;
  const take = n => {
    if (!n.isConnected) return;
    if (n.nodeType === 3) {
      const up = n.parentElement;
      if (up && !/^(SCRIPT|STYLE|NOSCRIPT)$/.test(up.tagName)) seen.add(n.nodeValue);
      return;
    }
    if (n.nodeType !== 1) return;
    const walk = document.createTreeWalker(n, NodeFilter.SHOW_TEXT);
    let x;
    while ((x = walk.nextNode())) take(x);
    [n, ...n.querySelectorAll("*")].forEach(e => names.forEach(a => {
      const v = e.getAttribute(a); if (v) seen.add(v);
    }));
  };
  new MutationObserver(records => {
    if (!on()) return;
    const nodes = [];
    records.forEach(r => {
      if (r.type === "childList") r.addedNodes.forEach(a => nodes.push(a));
      else nodes.push(r.type === "attributes" ? [r.target, r.attributeName] : r.target);
    });
    setTimeout(() => {
      if (!on() || seen.size > 50000) return;
      nodes.forEach(n => {
        if (!Array.isArray(n)) return take(n);
        const v = n[0].getAttribute(n[1]); if (v) seen.add(v);
      });
    }, 0);
  }).observe(document, {subtree: true, childList: true, characterData: true,
                        attributes: true, attributeFilter: names});
})()"""


@pytest.fixture(scope="module")
def texts_server(sample_db_template, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e-texts")
    db = tmp / "tasks.duckdb"
    shutil.copy(sample_db_template, db)
    accounts.add_user(db, ADMIN, "admin", password=PW)
    srv = start_server(db, tmp, env_extra={"TASKS_UPLOADS": str(tmp / "uploads")})
    srv.tmp = tmp
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def walk(browser, texts_server):
    """One session for the whole module, in a browser whose language is English."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.add_init_script(RECORDER)
    pg = context.new_page()
    pg.goto(texts_server.url + "/briefing")
    wait_idle(pg, timeout=SLOW)
    yield pg
    context.close()


def english_on(page) -> list[str]:
    """Which of ENGLISH the page holds (where it comes from, and the text it is in)."""
    page.wait_for_timeout(100)  # the recorder's last reads
    found = {}
    for text in page.evaluate(TEXTS_NOW):
        for word, name, where in _WORDS:
            if name not in found and word.search(text):
                found[name] = f"{name!r} ({where}) in {text[:120]!r}"
    return sorted(found.values())


def assert_vietnamese(page) -> None:
    assert english_on(page) == []


def open_page(page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").locator(f"a[href$='/{name}']").click()
    wait_idle(page, timeout=SLOW)
    assert page.get_by_test_id("stException").count() == 0


def wait_calendar(page):
    """The calendar open, its header row in Vietnamese ("CN T2 … T7")."""
    calendar = page.get_by_test_id("stDateInputCalendar")
    calendar.locator("thead th").first.wait_for()
    page.wait_for_function(
        "(want) => [...document.querySelectorAll("
        "'[data-testid=\"stDateInputCalendar\"] thead th')].map(c => c.textContent)"
        ".join(' ') === want",
        arg=t(streamlit_vi.INITIALS, "vi"),
    )
    return calendar


def open_calendars(page) -> int:
    """Open every visible date input's calendar in turn; each field reads dd/mm/yyyy, each
    calendar says Vietnamese (its header row "CN T2 … T7"). Returns how many were opened."""
    buttons = page.get_by_test_id("stDateInputCalendarButton")
    opened = 0
    for i in range(buttons.count()):
        button = buttons.nth(i)
        if not button.is_visible() or button.is_disabled():
            continue
        parts = button.evaluate(
            "b => [...b.closest('[data-testid=\"stDateInput\"]')"
            ".querySelectorAll('[role=\"spinbutton\"]')].map(e => e.dataset.type)"
        )
        assert parts == ["day", "month", "year"]  # format="DD/MM/YYYY"
        button.scroll_into_view_if_needed()
        button.click()
        calendar = wait_calendar(page)
        assert_vietnamese(page)
        page.keyboard.press("Escape")
        calendar.wait_for(state="detached")
        opened += 1
    return opened


def sign_in(page) -> None:
    page.get_by_test_id("stSidebar").get_by_text("Đăng nhập").first.click()
    for label, text in (("Tên đăng nhập", ADMIN), ("Mật khẩu", PW)):
        page.get_by_label(label, exact=True).click()
        page.get_by_label(label, exact=True).press_sequentially(text, delay=20)
    # typed, not yet sent: the form's instructions under the field
    instructions = page.get_by_test_id("InputInstructions").filter(visible=True).first
    assert instructions.inner_text().startswith(t("widgets16.enter_submit", "vi"))
    assert_vietnamese(page)
    page.keyboard.press("Tab")
    page.get_by_test_id("stSidebar").get_by_test_id("stFormSubmitButton").get_by_role(
        "button"
    ).click()
    wait_idle(page, timeout=SLOW)
    page.get_by_text(re.compile(f"Đăng nhập: {ADMIN}")).wait_for(timeout=SLOW)


def test_1_the_guests_pages(walk):
    page = walk
    assert_vietnamese(page)
    # the sidebar's date picker, its month list open, another month chosen from it
    page.get_by_test_id("stSidebar").get_by_test_id("stDateInputCalendarButton").click()
    calendar = wait_calendar(page)
    month_button = calendar.locator("button[aria-haspopup='listbox']").first
    page.wait_for_function(
        "b => /^Tháng \\d+/.test(b.textContent)", arg=month_button.element_handle()
    )
    assert_vietnamese(page)
    screenshot(page, "datepicker_vi")
    month_button.click()
    page.get_by_role("option", name="Tháng 3", exact=True).wait_for()
    assert_vietnamese(page)
    page.get_by_role("option", name="Tháng 3", exact=True).click()
    page.wait_for_function(
        "b => b.textContent.startsWith('Tháng 3')", arg=month_button.element_handle()
    )
    assert calendar.get_by_role("button", name="Tháng trước").count() == 1
    assert_vietnamese(page)
    page.keyboard.press("Escape")

    # a table's toolbar, hovered: its tooltip
    table = page.get_by_test_id("stDataFrame").filter(visible=True).first
    table.evaluate("e => e.scrollIntoView({block: 'center'})")  # its toolbar clear of the header
    table.hover()
    button = table.get_by_test_id("stElementToolbarButton").first
    button.hover()
    page.get_by_test_id("stTooltipContent").first.wait_for()
    assert_vietnamese(page)

    # a selectbox typed into until nothing matches
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").last
    box.locator("input").click()
    page.keyboard.type("zzzz", delay=20)
    page.get_by_text(t("widgets16.no_results", "vi")).wait_for()
    assert_vietnamese(page)
    page.keyboard.press("Escape")

    for name in ("agency", "workload", "trends", "data"):
        open_page(page, name)
        assert_vietnamese(page)
    # a text field typed into, not yet applied
    search = page.locator(".st-key-data_search input")
    search.click()
    search.press_sequentially("ha", delay=20)
    instructions = page.locator(".st-key-data_search").get_by_test_id("InputInstructions")
    assert instructions.inner_text().startswith(t("widgets16.enter_apply", "vi"))
    assert_vietnamese(page)
    assert open_calendars(page) == 1


def test_2_the_script_knows_every_text(walk):
    page = walk
    """Each of Streamlit's English texts, a template's fields filled, comes back in Vietnamese
    from the script itself in the page, and its Vietnamese is left alone."""
    sample = {
        "size": "25MB",
        "name": "bien_ban.pdf",
        "type": "application/pdf",
        "label": "Từ ngày",
        "option": "Bộ Tài chính",
        "n": "12",
        "keys": "Ctrl",
        "year": "2025",
        "month": "October",
        "weekday": "Tuesday",
        "day": "06",
        "date": "October 28, 2025",
    }
    filled = {
        **sample,
        "month": "10",
        "weekday": "Thứ Ba",
        "day": "6",
        "date": t("widgets16.short_date", "vi", day="28", month="10", year="2025"),
    }
    cases = []
    for key in streamlit_vi.FIXED + streamlit_vi.MONTHS + streamlit_vi.WEEKDAYS:
        en, vi = t(key, "en", **sample), t(key, "vi", **filled)
        cases.append((key, en, vi))
    got = page.evaluate(
        "cases => cases.map(c => [window.__streamlitVi.tr(c[1]), window.__streamlitVi.tr(c[2])])",
        cases,
    )
    wrong = [
        (key, en, vi, g) for (key, en, vi), g in zip(cases, got, strict=True) if g != [vi, None]
    ]
    assert wrong == []


def test_3_the_signed_in_pages(walk, texts_server):
    page = walk
    sign_in(page)
    assert_vietnamese(page)

    open_page(page, "my_tasks")
    limit = page.locator(".st-key-mt_evidence").get_by_test_id("stFileUploaderDropzoneInstructions")
    assert limit.inner_text().startswith("Tối đa ")
    assert_vietnamese(page)
    assert open_calendars(page) >= 2

    open_page(page, "review")
    assert_vietnamese(page)
    open_calendars(page)

    open_page(page, "upload")
    uploader = page.get_by_test_id("stFileUploader").first
    assert uploader.get_by_role("button", name=t("widgets16.upload", "vi"), exact=True).count() == 1
    limit = uploader.get_by_test_id("stFileUploaderDropzoneInstructions").inner_text()
    assert limit.startswith(t("widgets16.per_file", "vi", size="25MB") + " • XLSX")
    assert_vietnamese(page)
    screenshot(page, "uploader_vi")
    pdf = texts_server.tmp / "bien_ban.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(pdf))
    chip = uploader.get_by_test_id("stFileChip")
    chip.wait_for()
    assert chip.get_by_test_id("stFileChipDeleteBtn").get_by_role("button").get_attribute(
        "aria-label"
    ) == t("widgets16.remove", "vi", name="bien_ban.pdf")
    assert chip.get_by_role("alert").inner_text().startswith(t("widgets16.file_error", "vi"))
    assert_vietnamese(page)
    assert open_calendars(page) >= 1

    open_page(page, "admin")
    assert_vietnamese(page)
    open_calendars(page)


def test_4_english_stays_english(walk):
    page = walk
    """The same session switched to English: Streamlit's English back, on the uploader and in
    the calendar; the script made one observer through every rerun and page."""
    open_page(page, "upload")
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    wait_idle(page, timeout=SLOW)
    page.locator("h1", has_text="Upload").wait_for(timeout=SLOW)
    uploader = page.get_by_test_id("stFileUploader").first
    assert uploader.get_by_role("button", name="Upload", exact=True).count() == 1
    assert " per file" in uploader.get_by_test_id("stFileUploaderDropzoneInstructions").inner_text()
    page.get_by_test_id("stSidebar").get_by_test_id("stDateInputCalendarButton").click()
    calendar = page.get_by_test_id("stDateInputCalendar")
    calendar.wait_for()
    assert calendar.get_by_role("button", name="Previous month").count() == 1
    heads = calendar.locator("thead th").all_inner_texts()
    assert heads == t(streamlit_vi.INITIALS, "en").split()
    state = page.evaluate(
        "({made: window.__streamlitVi.made, done: window.__streamlitVi.done.length})"
    )
    assert state == {"made": 1, "done": 0}
    page.keyboard.press("Escape")
