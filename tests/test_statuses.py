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


def _variants() -> list[tuple[str, str]]:
    with (REF / "status_vocabulary.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return [(group, v) for group, variants, *_ in rows for v in variants.split("|")]


VARIANTS = _variants()


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


@pytest.mark.parametrize(("group", "variant"), VARIANTS, ids=[v for _, v in VARIANTS])
def test_every_vocabulary_variant(group, variant):
    expected = _expected(group, variant)
    assert expected in STATUS_CLASSES
    cell = _cell(variant)
    assert classify_status(cell) == expected
    assert classify_status(cell.upper()) == expected
    assert classify_status(fold(cell)) == expected  # no diacritics, lower case
    assert classify_status(unicodedata.normalize("NFD", cell)) == expected  # decomposed input


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hoàn thành quá hạn", "done_late"),
        ("Chưa hoàn thành (quá hạn)", "overdue_not_done"),
        ("Chưa hoàn thành quá hạn", "overdue_not_done"),
        ("Chưa hoàn thành, quá hạn", "overdue_not_done"),
        ("Đang thực hiện quá hạn", "overdue_not_done"),
        ("Đã ban hành (Quyết định số 123/QĐ-TTg)", "done_unspecified"),
        ("Đã ban hành Quyết định số 1234/QĐ-TTg ngày 15/8/2025", "done_unspecified"),
        ("Đã trình Chính phủ", "done_unspecified"),
        ("Đã trình Chính phủ tại Tờ trình số 45/TTr-BKHCN", "done_unspecified"),
        ("Chưa hoàn thành", "not_done_unspecified"),
        ("Đang thực hiện, dự kiến trình tháng 10", "in_progress_on_time"),
        ("Đang triển khai, chậm tiến độ", "overdue_not_done"),
        ("Đang thực hiện (có nguy cơ chậm)", "at_risk"),
        ("Đang thực hiện, chưa quá hạn", "in_progress_on_time"),
        ("Đã hoàn thành, chậm 2 tháng", "done_late"),
        ("Đã hoàn thành sớm", "done_on_time"),
        ("Đã ban hành Luật Trẻ em", "done_unspecified"),
        ("Hoàn thành 50%", "in_progress_on_time"),
        ("Đã hoàn thành 100%", "done_unspecified"),
        ("Cơ bản hoàn thành", "done_unspecified"),
        ("Quá hạn, đang thực hiện", "overdue_not_done"),
    ],
)
def test_most_specific_phrase_wins(text, expected):
    assert classify_status(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chưa hoàn thành", "not_done_unspecified"),
        ("chua hoan thanh", "not_done_unspecified"),
        ("Vẫn chưa hoàn thành", "not_done_unspecified"),
        ("Chưa được hoàn thành", "not_done_unspecified"),
        ("Bộ chưa hoàn thành nhiệm vụ", "not_done_unspecified"),
        ("Nhiệm vụ chưa được hoàn thành", "not_done_unspecified"),
        ("Nhiệm vụ không được hoàn thành đúng hạn", "not_done_unspecified"),
        ("The report was never completed", "not_done_unspecified"),
        ("Chưa thực hiện", "not_done_unspecified"),
        ("Không hoàn thành", "overdue_not_done"),
        ("Chưa đến hạn", "in_progress_on_time"),
        ("Not completed", "not_done_unspecified"),
        ("Not yet completed", "not_done_unspecified"),
        ("Task not completed", "not_done_unspecified"),
    ],
)
def test_negation_wins_over_the_done_words_it_contains(text, expected):
    assert classify_status(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Completed", "done_unspecified"),
        ("Done", "done_unspecified"),
        ("DONE", "done_unspecified"),
        ("Completed on time", "done_on_time"),
        ("Completed late", "done_late"),
        ("In progress", "in_progress_on_time"),
        ("Ongoing", "in_progress_on_time"),
        ("Overdue", "overdue_not_done"),
        ("Late", "overdue_not_done"),
        ("Delayed", "overdue_not_done"),
        ("Not started", "not_done_unspecified"),
        ("Not completed", "not_done_unspecified"),
        ("At risk", "at_risk"),
        ("Task is overdue", "overdue_not_done"),
    ],
)
def test_english(text, expected):
    assert classify_status(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HOAN THANH QUA HAN", "done_late"),
        ("hoan thanh dung han", "done_on_time"),
        ("Dang thuc hien qua han", "overdue_not_done"),
        ("Da ban hanh (Quyet dinh so 123/QD-TTg)", "done_unspecified"),
        ("Chua hoan thanh (qua han)", "overdue_not_done"),
        ("  Đang   thực hiện  ", "in_progress_on_time"),
    ],
)
def test_without_diacritics_case_or_spacing(text, expected):
    assert classify_status(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100%", "done_unspecified"),
        ("100 %", "done_unspecified"),
        ("50%", "in_progress_on_time"),
        ("99,5%", "in_progress_on_time"),
        ("0%", "not_done_unspecified"),
        ("Đạt 100%", "done_unspecified"),
    ],
)
def test_percentages(text, expected):
    assert classify_status(text) == expected


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
