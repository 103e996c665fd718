"""One set of numbers (issue 16, point 3): on the briefing page, in its PDF and in its workbook
no label carries two values. The figures among the tasks due stand in their own titled block
("Trong số nhiệm vụ đã đến hạn (N): …"), so a label inside it is that block's label; every
other figure is said with the cards' own labels.

Collected from what is shown, on the sample store at 28/08/2025: the page's metric cards (label,
value; a source's cards under that source), the page's and the PDF's sentence blocks parsed into
(label, value) pairs, the PDF's count of tasks due this month, and the workbook summary's rows.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from analytics import reports
from analytics.i18n import fmt_month, t
from analytics.model import Filters, Scope
from tests.helpers import open_page

AUG = dt.date(2025, 8, 28)
NUM = r"\d+(?:[.,]\d+)*%?"
DUE = "due"  # the context of the pairs inside the block of the tasks due

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")


def _titles(lang: str) -> dict[str, str]:
    return {t("briefing16.due_block", lang).split(" (")[0]: DUE, t("status.total", lang): ""}


def block_pairs(text: str, lang: str = "vi") -> list[tuple[tuple[str, str, str], str]]:
    """((source, context, label), value) of every sentence block in `text`: 'Title (N): label
    value, label value (label value); label value.' optionally after '– Source: '."""
    out = []
    for title, ctx in _titles(lang).items():
        pattern = (
            rf"(?:– (?P<src>[^:–]+?): )?(?P<title>{re.escape(title)}) \(?(?P<n>{NUM})\)?: "
            r"(?P<body>.*?)\.(?=\s|$)"
        )
        for m in re.finditer(pattern, text):
            src = (m["src"] or "").strip()
            out.append(((src, ctx, title.lower()), m["n"]))
            for seg in re.split(r", |; | \(|\)", m["body"]):
                pair = re.fullmatch(rf"\s*(?P<label>[^\d]+?):? (?P<v>{NUM})\s*", seg)
                if pair:
                    out.append(((src, ctx, pair["label"].strip().lower()), pair["v"]))
    return out


def _walk(node):
    yield node
    children = getattr(node, "children", None) or {}
    for key in sorted(children):
        yield from _walk(children[key])


def page_pairs(at, sources: set[str]) -> list[tuple[tuple[str, str, str], str]]:
    """The metric cards (under the source whose bold name precedes them) and the blocks."""
    out, src = [], ""
    for node in _walk(at.main):
        kind = getattr(node, "type", "")
        if kind == "subheader":
            src = ""
        elif kind == "markdown":
            text = re.sub(r"\\(.)", r"\1", node.value)
            bold = re.fullmatch(r"\*\*(.+)\*\*", text)
            if bold and bold[1] in sources:
                src = bold[1]
            out += block_pairs(text)
        elif kind == "metric":
            label = re.sub(r"\\(.)", r"\1", node.label).strip().lower()
            out.append(((src, "", label), node.value))
    return out


def conflicts(pairs) -> dict:
    seen: dict[tuple, set[str]] = defaultdict(set)
    for key, value in pairs:
        seen[key].add(str(value))
    return {k: v for k, v in seen.items() if len(v) > 1}


def test_block_parser_sees_a_label_with_two_values():
    # the Government Office's sentence said "quá hạn" of two figures: the parser must see that
    text = "Tổng số nhiệm vụ 10: đã hoàn thành 4 (quá hạn 1); quá hạn 3."
    assert conflicts(block_pairs(text)) == {("", "", "quá hạn"): {"1", "3"}}
    due = "Trong số nhiệm vụ đã đến hạn (5): hoàn thành 4, đạt 80,0% (đúng hạn 3, quá hạn 1)."
    assert dict(block_pairs(due))[("", DUE, "đúng hạn")] == "3"


@pytest.fixture(scope="module")
def briefing_data(sample_db):
    return reports.build_briefing(sample_db, AUG, Filters(), Scope.everything(), "vi")


def pdf_text(data) -> str:
    payload = reports.briefing_pdf(data, "vi")
    pages = PdfReader(io.BytesIO(payload)).pages
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages))


def workbook_pairs(data) -> list[tuple[tuple[str, str, str], str]]:
    wb = load_workbook(io.BytesIO(reports.briefing_xlsx(data, "vi")))
    ws = wb[t("report.sheet_summary", "vi")]
    out = []
    for row in ws.iter_rows(values_only=True):
        label, value = (row + (None, None))[:2]
        if (
            isinstance(label, str)
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            out.append((("", "xlsx", label.strip().lower()), f"{value:g}"))
    return out


def test_one_label_one_value_on_the_page_in_the_pdf_and_the_workbook(sample_copy, briefing_data):
    at = open_page("briefing", as_of=AUG)
    sources = set(briefing_data.source_parts)
    shown = page_pairs(at, sources)
    printed = block_pairs(pdf_text(briefing_data))
    # the due-only block is on the page and in the PDF, and the cards' words in the PDF
    assert any(k[1] == DUE and not k[0] for k, _ in shown), shown
    assert any(k[1] == DUE and not k[0] for k, _ in printed)
    assert any(k == ("", "", "hoàn thành đúng hạn") for k, _ in printed)
    assert any(k[0] in sources and k[1] == DUE for k, _ in printed)  # one block per source
    # the count of tasks due this month, in the PDF under the card's own label
    label = t("briefing.month_count", "vi", month=fmt_month("2025-08", "vi"))
    text = pdf_text(briefing_data)
    month = re.search(re.escape(label) + rf": ({NUM})", text)
    assert month, label
    printed.append((("", "", label.lower()), month[1]))
    bad = conflicts(shown + printed)
    assert not bad, bad
    # the workbook's rows: one value per label, and its status rows are the cards' figures
    book = workbook_pairs(briefing_data)
    assert not conflicts(book), conflicts(book)
    cards = {k[2]: v for k, v in shown if not k[0] and not k[1]}
    for (_, _, name), value in book:
        if name in cards:
            assert cards[name].replace(".", "") == value, name


def test_the_due_block_is_not_the_cards(briefing_data):
    # on the sample the two definitions differ (a task completed early is on time but not due)
    due, head = briefing_data.due, briefing_data.headline
    assert due["a"] < head["completed_on_time"]
    assert due["a"] + due["b"] + due["u"] == due["x"] == head["due_completed"]
    assert due["open"] == head["due"] - head["due_completed"]
