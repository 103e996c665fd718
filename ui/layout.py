"""How the pages sit on a phone and on paper (issue 16, items 4 and 5).

`stylesheet()` injects, once per run of every page (from ui/state.current_view), one fixed
stylesheet with no data in it:

- print (A4, as a leader hands a page round): margins, no sidebar, no Streamlit header, toolbar
  or deploy menu, no buttons, download buttons, chart toolbars or input widgets, the content
  across the sheet (no wider than it, so a chart Streamlit draws again for print fits),
  charts, metric cards and tables not split across pages;
- a phone (Streamlit stacks columns below 641 px): smaller title and metric cards (labels
  wrapped, not cut), the briefing's four numbers in one compact block of two by two at the
  top; on a wider screen and on paper the cards below say them.

`key_numbers` draws that block: total tasks, completed, overdue (the headline cards' labels and
values, all tasks) and the tasks due this month still open (the briefing's month count), through
analytics/leader.key_numbers, as ui/html.number_block (escaped text; not st.metric, so the
page's cards stay its metrics).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from analytics import leader
from ui.html import number_block

if TYPE_CHECKING:  # ui/state.py draws the stylesheet: no import at run time
    from ui.state import View

PHONE_MAX = 640  # Streamlit stacks st.columns at this width and below
# A4 less the side margins: the content's width on paper, so a chart drawn again for print
# (Streamlit redraws a chart when its box changes size) is drawn no wider than the sheet.
PAPER_WIDTH = "186mm"
PAGE_MARGIN = "14mm 12mm 16mm 12mm"
FIRST_ROWS = 5  # a long list on the briefing: its first rows shown, the rest behind a click

# The app's frame, of no use on paper (data-testid, Streamlit 1.67).
CHROME = (
    "stSidebar",
    "stSidebarCollapsedControl",
    "stHeader",
    "stToolbar",
    "stDecoration",
    "stAppDeployButton",
    "stMainMenu",
    "stStatusWidget",
    "stSkipToContent",
    "stElementToolbar",
    "stToast",
)
# Buttons and input widgets: hidden with their element's box, so no gap is left either.
WIDGETS = (
    "stButton",
    "stDownloadButton",
    "stFormSubmitButton",
    "stLinkButton",
    "stPageLink",
    "stPopover",
    "stTextInput",
    "stTextArea",
    "stNumberInput",
    "stDateInput",
    "stTimeInput",
    "stSelectbox",
    "stMultiSelect",
    "stRadio",
    "stCheckbox",
    "stSlider",
    "stSelectSlider",
    "stSegmentedControl",
    "stButtonGroup",
    "stPills",
    "stFileUploader",
    "stColorPicker",
    "stChatInput",
)
# Kept whole on one sheet.
UNSPLIT = ("stPlotlyChart", "stMetric", "stDataFrame", "stTable", "stAlert", "stImage")


# The element holding the four numbers (its Streamlit container, so no gap is left when hidden).
BOX = '[data-testid="stElementContainer"]:has(.key-numbers)'


def _selectors(ids: tuple[str, ...]) -> str:
    return ",\n".join(f'  [data-testid="{i}"]' for i in ids)


def _boxes(ids: tuple[str, ...]) -> str:
    return ",\n".join(
        f'  [data-testid="stElementContainer"]:has(> [data-testid="{i}"])' for i in ids
    )


STYLESHEET = f"""<style>
@media print {{
  @page {{ size: A4; margin: {PAGE_MARGIN}; }}
  html, body {{ background: #ffffff !important; }}
{_selectors(CHROME + WIDGETS)},
{_boxes(WIDGETS)},
  .modebar, .modebar-container,
  {BOX} {{
    display: none !important;
  }}
  [data-testid="stAppViewContainer"], [data-testid="stMain"] {{
    margin: 0 !important;
    padding: 0 !important;
    width: 100% !important;
    max-width: none !important;
    left: 0 !important;
  }}
  [data-testid="stMainBlockContainer"] {{
    width: 100% !important;
    max-width: {PAPER_WIDTH} !important;
    padding: 0 !important;
  }}
{_selectors(UNSPLIT)} {{
    break-inside: avoid;
    page-break-inside: avoid;
  }}
  h1, h2, h3, h4, [data-testid="stHeading"] {{
    break-after: avoid;
    page-break-after: avoid;
  }}
}}
.key-numbers {{
  display: grid;
  grid-template-columns: repeat(2, minmax(0, 1fr));
  gap: 0.5rem;
}}
.key-number {{
  border: 1px solid rgba(128, 128, 128, 0.35);
  border-radius: 0.5rem;
  padding: 0.45rem 0.7rem;
}}
.key-label {{ font-size: 0.875rem; line-height: 1.25; }}
.key-value {{ font-size: 1.75rem; line-height: 1.25; font-weight: 400; }}
@media screen and (min-width: {PHONE_MAX + 1}px) {{
  {BOX} {{ display: none !important; }}
}}
@media screen and (max-width: {PHONE_MAX}px) {{
  h1 {{ font-size: 2rem !important; padding-top: 0.5rem !important; }}
  [data-testid="stMetric"] > div {{ padding: 0.5rem 0.7rem !important; }}
  [data-testid="stMetricValue"] {{ font-size: 1.75rem !important; }}
  [data-testid="stMetricLabel"] p {{ white-space: normal !important; line-height: 1.25; }}
}}
</style>"""


def stylesheet() -> None:
    """The fixed stylesheet above (no data in it); drawn as a style tag, it takes no room."""
    st.html(STYLESHEET)


def key_numbers(view: View, head: dict, month_count: int) -> None:
    """The four numbers a leader asks for, in one block right under the title: two by two on
    a phone (hidden on a wider screen and on paper, where the cards below say them)."""
    items = leader.key_numbers(head, month_count, view.lang, view.as_of)
    notes = [None] * (len(items) - 1) + [view.t("briefing.month_help")]
    cells = [(label, value, note) for (label, value), note in zip(items, notes, strict=True)]
    st.html(number_block(cells))
