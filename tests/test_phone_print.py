"""The briefing on a phone and on paper (issue 16, items 4 and 5), what needs no browser: the
bars carry their values, every chart's legend sits below the plot (the toolbar is at the top
right), the four numbers at the top of the briefing are the cards' and the month count's own
(one set of numbers), a long list shows its first rows with all of them behind an expander and
the downloads hold every row, and one fixed print stylesheet on every page.

The browser half (first screen of a phone, page height, the toolbar against the legends, print
media and the PDF) is tests/e2e/test_phone_print_browser.py.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pandas as pd
import pytest

from analytics import briefing as B
from analytics import leader, reports
from analytics.i18n import fmt_int, fmt_month, t
from analytics.model import Filters, Scope
from tests.helpers import open_page
from ui import charts, layout
from ui.html import number_block

AUG = dt.date(2025, 8, 28)
LATE = pd.DataFrame(
    {
        "agency_id": ["most", "mof", "moh"],
        "label": ["Bộ Khoa học và Công nghệ", "Bộ Tài chính", "Bộ Y tế"],
        "overdue": [7, 5, 0],
        "completed_late": [8, 0, 3],
    }
)


def _bars(frame: pd.DataFrame = LATE):
    return charts.stacked_status_bars(
        frame, "vi", label_col="label", id_col="agency_id", statuses=B.LATE_STATUSES, title="Bộ"
    )


def test_every_bar_carries_its_value_and_its_total():
    spec = json.loads(_bars().to_json())
    overdue, late = spec["data"]
    assert overdue["text"] == ["7", "5", ""]  # an empty part says nothing
    assert late["text"] == ["8", "", "3"]
    assert {overdue["textposition"], late["textposition"]} == {"inside"}
    totals = {a["y"]: a["text"] for a in spec["layout"]["annotations"]}
    assert totals == {"Bộ Khoa học và Công nghệ": "15", "Bộ Tài chính": "5", "Bộ Y tế": "3"}
    # the axis leaves room for the longest bar's total
    assert spec["layout"]["xaxis"]["range"][1] > 15
    # the traces are still the statuses only: the legend and a click on a bar are unchanged
    assert [tr["name"] for tr in spec["data"]] == [
        t("status.overdue", "vi"),
        t("status.completed_late", "vi"),
    ]


def test_a_small_count_is_stepped_in_whole_numbers():
    spec = json.loads(_bars(LATE.assign(overdue=[2, 1, 0], completed_late=[1, 2, 1])).to_json())
    assert spec["layout"]["xaxis"]["dtick"] == 1
    assert "dtick" not in json.loads(_bars().to_json())["layout"]["xaxis"]


@pytest.mark.parametrize(
    "fig",
    [
        _bars(),
        charts.status_donut(
            {"completed_on_time": 3, "overdue": 2, "in_progress": 4}, "vi", "Cơ cấu"
        ),
    ],
    ids=["bars", "donut"],
)
def test_the_legend_sits_below_the_plot_away_from_the_toolbar(fig):
    legend = json.loads(fig.to_json())["layout"]["legend"]
    # the toolbar is drawn at the top right of the chart: the legend at the bottom, across
    assert legend["orientation"] == "h"
    assert (legend["yref"], legend["y"], legend["yanchor"]) == ("container", 0, "bottom")
    assert (legend["xref"], legend["x"], legend["xanchor"]) == ("container", 0, "left")


def test_the_four_numbers_are_the_cards_and_the_month_count(sample_db):
    data = reports.build_briefing(sample_db, AUG, Filters(), Scope.everything(), "vi")
    numbers = leader.key_numbers(data.headline, len(data.month_open), "vi", AUG)
    cards = {c.label: c.value for c in B.headline_cards(data.headline, None, "vi", AUG)}
    month = t("briefing.month_count", "vi", month=fmt_month("2025-08", "vi"))
    assert numbers == [
        (t("status.total", "vi"), cards[t("status.total", "vi")]),
        (t("status.completed", "vi"), cards[t("status.completed", "vi")]),
        (t("status.overdue", "vi"), cards[t("status.overdue", "vi")]),
        (month, fmt_int(len(data.month_open), "vi")),
    ]
    assert numbers[0][1] == fmt_int(data.headline["total"], "vi")
    en = leader.key_numbers(data.headline, len(data.month_open), "en", AUG)
    assert [label for label, _ in en][-1] == "Due in Aug 2025, still open"


def test_the_number_block_escapes_its_text():
    text = number_block([("<b>x</b>", "1 & 2", 'say "hi"'), ("a", "3", None)])
    assert "<b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text and "1 &amp; 2" in text
    assert 'title="say &quot;hi&quot;"' in text
    assert text.count('class="key-number"') == 2


def _walk(node):
    yield node
    children = getattr(node, "children", None) or {}
    for key in sorted(children):
        yield from _walk(children[key])


def _html(at) -> list[str]:
    return [e.proto.body for e in at.get("html")]


def _block_pairs(body: str) -> list[tuple[str, str]]:
    cells = re.findall(
        r'<div class="key-label">(.*?)</div><div class="key-value"[^>]*>(.*?)</div>', body
    )
    return [(html.unescape(a), html.unescape(b)) for a, b in cells]


@pytest.mark.usefixtures("steady_server", "app_clean")
def test_the_briefing_opens_with_the_four_numbers_and_collapses_long_lists(sample_copy, sample_db):
    data = reports.build_briefing(sample_db, AUG, Filters(), Scope.everything(), "vi")
    at = open_page("briefing", as_of=AUG)
    blocks = [b for b in _html(at) if 'data-testid="key-numbers"' in b]
    assert len(blocks) == 1
    shown = _block_pairs(blocks[0])
    assert shown == leader.key_numbers(data.headline, len(data.month_open), "vi", AUG)
    assert shown[0][1] == "652" and shown[3][1] == "27"  # as the meeting of 28/08/2025 said
    # the block comes right under the header, before the report buttons and the colour key
    order = [
        "numbers" if n.type == "html" and 'data-testid="key-numbers"' in n.proto.body else n.type
        for n in _walk(at.main)
        if n.type in ("html", "download_button")
    ]
    assert order.index("numbers") < order.index("download_button")
    assert order.index("numbers") < next(
        i for i, n in enumerate(_walk(at.main)) if n.type == "html" and "colour-key" in n.proto.body
    )
    # the same numbers as the page's headline cards and month count, under the same labels
    # (tests/test_one_set_of_numbers.py checks the page as a whole; by source is its own)
    first = {}
    for m in at.metric:
        first.setdefault(m.label, m.value)
    assert [(label, first[label]) for label, _ in shown] == shown
    # the late list: its first rows, all of them behind the expander, every row downloadable
    late = data.headline["overdue"] + data.headline["completed_late"]
    assert late == 99
    frames = [d.value for d in at.dataframe if "Cơ quan chủ trì" in d.value.columns]
    assert any(len(f) == layout.FIRST_ROWS for f in frames)
    labels = [e.label for e in at.expander]
    assert t("layout16.all_rows", "vi", n=fmt_int(late, "vi")) in labels
    collapsed = [e for e in at.expander if e.label.startswith("Xem tất cả")]
    assert len(collapsed) >= 4  # late, at risk, overdue, difficult
    for exp in collapsed:
        n = int(re.search(r"\d+", exp.label)[0])
        assert [len(d.value) for d in exp.dataframe] == [n]
    # each table keeps one pair of downloads, after its first rows and its expander
    buttons = [b.label for b in at.get("download_button")]
    previews = len(at.dataframe) - sum(len(e.dataframe) for e in collapsed)
    assert buttons.count("Tải Excel") == previews == buttons.count("Tải CSV")


@pytest.mark.usefixtures("steady_server", "app_clean")
@pytest.mark.parametrize("page", ["briefing", "agency", "workload", "data"])
def test_one_fixed_print_stylesheet_on_every_page(sample_copy, page):
    at = open_page(page, as_of=AUG)
    sheets = [b for b in _html(at) if "@media print" in b]
    assert sheets == [layout.STYLESHEET]  # once, and the fixed text: no data in it


def test_the_print_stylesheet_says_a4_and_hides_what_paper_cannot_use():
    css = layout.STYLESHEET
    assert re.search(r"@page \{ size: A4; margin: [\d.]+mm", css)
    printed = css[css.index("@media print") : css.index("@media screen")]
    hidden = printed[: printed.index("display: none !important")]
    for testid in (
        "stSidebar",
        "stHeader",
        "stToolbar",
        "stAppDeployButton",
        "stMainMenu",
        "stButton",
        "stDownloadButton",
        "stSelectbox",
        "stMultiSelect",
        "stDateInput",
        "stCheckbox",
        "stRadio",
    ):
        assert f'[data-testid="{testid}"]' in hidden, testid
    assert ".modebar" in hidden
    kept = printed[printed.index("break-inside: avoid") - 300 : printed.index("break-inside")]
    assert '[data-testid="stPlotlyChart"]' in kept and '[data-testid="stMetric"]' in kept
    assert f"max-width: {layout.PAPER_WIDTH}" in printed
