"""Tests for analytics.statuses: status words → status classes, and difficulty flags."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest

from analytics import statuses
from analytics.model import STATUS_CLASSES
from analytics.statuses import classify_status, is_difficult
from analytics.text import fold

REF = Path(__file__).resolve().parent.parent / "data" / "reference"

# The vocabulary's groups that are not status classes, and the class each one counts as.
GROUP_CLASS = {
    "recurring": "in_progress_on_time",
    "pending_review": "in_progress_on_time",
    "cancelled_or_adjusted": "not_done_unspecified",
}
TRAFFIC_LIGHT = {"Xanh": "in_progress_on_time", "Vàng": "at_risk", "Đỏ": "overdue_not_done"}
# The table of cell texts and the class each must get (text, expected, why).
CASES_FILE = Path(__file__).resolve().parent / "status_cases.csv"


def _variants() -> list[tuple[str, str]]:
    with (REF / "status_vocabulary.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return [(group, v) for group, variants, *_ in rows for v in variants.split("|")]


def _cases() -> list[tuple[str, str, str]]:
    with CASES_FILE.open(encoding="utf-8", newline="") as fh:
        return [(r["text"], r["expected"], r["why"]) for r in csv.DictReader(fh)]


VARIANTS = _variants()
CASES = _cases()


def _expected(group: str, variant: str) -> str:
    if group == "traffic_light":
        return TRAFFIC_LIGHT[variant]
    return GROUP_CLASS.get(group, group)


def _cell(variant: str) -> str:
    """'X (tick in "Đã hoàn thành" column)' stands for a cell holding X."""
    return "X" if variant.startswith("X (tick") else variant


def test_vocabulary_is_read_from_the_project():
    assert statuses.VOCABULARY_FILE == REF / "status_vocabulary.csv"
    assert statuses.VOCABULARY_FILE.is_file()
    assert len(VARIANTS) >= 80
    assert {g for g, _ in VARIANTS} >= set(GROUP_CLASS) | {"done_late", "traffic_light"}
    assert {g for g, _ in VARIANTS} - set(GROUP_CLASS) - {"traffic_light"} <= set(STATUS_CLASSES)


def test_the_vocabulary_has_a_cancelled_row():
    cancelled = {v for g, v in VARIANTS if g == "cancelled"}
    assert {"Bị hủy", "Dừng thực hiện", "Không thực hiện nữa", "Đưa ra khỏi danh mục"} <= cancelled
    assert {"Cancelled", "Canceled", "Withdrawn", "Removed from the list"} <= cancelled
    assert "cancelled" in STATUS_CLASSES


def test_the_vocabulary_is_nfc_and_each_variant_in_one_group():
    text = (REF / "status_vocabulary.csv").read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", text) == text
    groups: dict[str, set[str]] = {}
    for group, variant in VARIANTS:
        groups.setdefault(fold(variant), set()).add(_expected(group, variant))
    assert {k: v for k, v in groups.items() if len(v) > 1} == {}


@pytest.mark.parametrize(("group", "variant"), VARIANTS, ids=[v for _, v in VARIANTS])
def test_every_vocabulary_variant(group, variant):
    expected = _expected(group, variant)
    assert expected in STATUS_CLASSES
    cell = _cell(variant)
    assert classify_status(cell) == expected
    assert classify_status(cell.upper()) == expected
    assert classify_status(fold(cell)) == expected  # no diacritics, lower case
    assert classify_status(unicodedata.normalize("NFD", cell)) == expected  # decomposed input


def test_the_table_of_cases_is_well_formed():
    assert len(CASES) >= 150
    assert {e for _, e, _ in CASES} <= set(STATUS_CLASSES)
    assert set(STATUS_CLASSES) <= {e for _, e, _ in CASES}  # every class has an example
    texts = [t for t, _, _ in CASES]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(("text", "expected", "why"), CASES, ids=[t for t, _, _ in CASES])
def test_every_case_in_the_table(text, expected, why):
    assert classify_status(text) == expected, why
    assert classify_status(unicodedata.normalize("NFD", text)) == expected, why


@pytest.mark.parametrize(
    "text", [None, "", "   ", float("nan"), "(blank)", "-", "abc", "Xem báo cáo", "Luật Trẻ em"]
)
def test_blank_or_unrecognised_is_unknown(text):
    assert classify_status(text) == "unknown"


@pytest.mark.parametrize("text", ["x", "X", "✓", "✔", "HT"])
def test_ticks_mean_done(text):
    assert classify_status(text) == "done_unspecified"


def test_results_are_cached():
    statuses._classify.cache_clear()
    classify_status("Đang thực hiện")
    classify_status("Đang thực hiện")
    assert statuses._classify.cache_info().hits == 1


@pytest.mark.parametrize(
    "text",
    [
        "Khó",
        "Khó khăn",
        "Phức tạp",
        "Rất khó",
        "Ưu tiên",
        "Trọng tâm",
        "Trọng điểm",
        "x",
        "X",
        "Có",
        "Yes",
        "difficult",
        "high",
        "cao",
        "Cao",
        "KHÓ",
        "kho",
        "Uu tien",
        "Khó khăn do thiếu vốn",
        "Ưu tiên 1",
        "✓",
        True,
        1,
    ],
)
def test_difficult(text):
    assert is_difficult(text) is True


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "  ",
        "Dễ",
        "Bình thường",
        "Không",
        "No",
        "Thấp",
        "Trung bình",
        "Không khó",
        "Kho bạc",
        "abc",
        float("nan"),
        False,
        0,
    ],
)
def test_not_difficult(text):
    assert is_difficult(text) is False
