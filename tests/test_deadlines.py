"""Tests for analytics.deadlines: deadline forms, strict dates, serials, impossible dates."""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import deadlines
from analytics.deadlines import (
    KINDS,
    DateError,
    Deadline,
    format_date,
    parse_date,
    parse_deadline,
)
from analytics.text import fold

REF = Path(__file__).resolve().parent.parent / "data" / "reference"
D = dt.date

# Every example in deadline_forms.csv (as written there) → (kind, date) with default_year=2025.
EXPECTED = {
    "31/12/2025": ("date", D(2025, 12, 31)),
    "31/12/2025.": ("date", D(2025, 12, 31)),
    "15/08/2025": ("date", D(2025, 8, 15)),
    "15/8/2025": ("date", D(2025, 8, 15)),
    "15-8-2025": ("date", D(2025, 8, 15)),
    "30.6.2025": ("date", D(2025, 6, 30)),
    "2025-08-15": ("date", D(2025, 8, 15)),
    "ngày 15/8/2025": ("date", D(2025, 8, 15)),
    "ngày 15 tháng 8 năm 2025": ("date", D(2025, 8, 15)),
    "45884 (Excel serial)": ("date", D(2025, 8, 15)),
    "Trước 15/9/2025": ("before_date", D(2025, 9, 15)),
    "Trước ngày 15/9/2025": ("before_date", D(2025, 9, 15)),
    "trước ngày 31/7/2025": ("before_date", D(2025, 7, 31)),
    "Chậm nhất ngày 30/6/2025": ("before_date", D(2025, 6, 30)),
    "Hoàn thành trước ngày 30/6/2025": ("before_date", D(2025, 6, 30)),
    "Trước 30/6 (year implied)": ("before_date", D(2025, 6, 30)),
    "Không quá ngày 31/12/2025": ("before_date", D(2025, 12, 31)),
    "Tháng 9/2025": ("month", D(2025, 9, 30)),
    "Tháng 09/2025": ("month", D(2025, 9, 30)),
    "tháng 9 năm 2025": ("month", D(2025, 9, 30)),
    "T9/2025": ("month", D(2025, 9, 30)),
    "09/2025": ("month", D(2025, 9, 30)),
    "9/2025": ("month", D(2025, 9, 30)),
    "Trong tháng 9/2025": ("month", D(2025, 9, 30)),
    "Tháng 9": ("month", D(2025, 9, 30)),
    "Tháng 8-9/2025": ("multi_month", D(2025, 9, 30)),
    "Tháng 11, 12/2025": ("multi_month", D(2025, 12, 31)),
    "Tháng 11-12/2025": ("multi_month", D(2025, 12, 31)),
    "Quý III/2025": ("quarter", D(2025, 9, 30)),
    "Quý 3/2025": ("quarter", D(2025, 9, 30)),
    "Q3/2025": ("quarter", D(2025, 9, 30)),
    "Quý III năm 2025": ("quarter", D(2025, 9, 30)),
    "Trong quý IV/2025": ("quarter", D(2025, 12, 31)),
    "Quý IV/2025": ("quarter", D(2025, 12, 31)),
    "Quý II-III/2025": ("multi_quarter", D(2025, 9, 30)),
    "Quý III và IV/2025": ("multi_quarter", D(2025, 12, 31)),
    "6 tháng đầu năm 2025": ("half_year", D(2025, 6, 30)),
    "6 tháng cuối năm 2025": ("half_year", D(2025, 12, 31)),
    "Năm 2025 (6 tháng cuối)": ("half_year", D(2025, 12, 31)),
    "Năm 2025": ("year", D(2025, 12, 31)),
    "2025": ("year", D(2025, 12, 31)),
    "Trong năm 2025": ("year", D(2025, 12, 31)),
    "Cuối năm 2025": ("year", D(2025, 12, 31)),
    "Hết năm 2025": ("year", D(2025, 12, 31)),
    "2025-2026": ("range", D(2026, 12, 31)),
    "2025 - 2030": ("range", D(2030, 12, 31)),
    "Giai đoạn 2025-2030": ("range", D(2030, 12, 31)),
    "2026-2030": ("range", D(2030, 12, 31)),
    "Từ năm 2025": ("range", None),
    "Đến năm 2030": ("range", D(2030, 12, 31)),
    "2025 và các năm tiếp theo": ("range", None),
    "Thường xuyên": ("recurring", None),
    "Hằng năm": ("recurring", None),
    "Hàng năm": ("recurring", None),
    "Hằng quý": ("recurring", None),
    "Định kỳ hằng quý": ("recurring", None),
    "Hằng tháng": ("recurring", None),
    "Hằng tuần": ("recurring", None),
    "Liên tục": ("recurring", None),
    "Thường xuyên (báo cáo định kỳ)": ("recurring", None),
    "Ngay sau khi Luật được thông qua": ("event_relative", None),
    "Sau khi Nghị định có hiệu lực": ("event_relative", None),
    "Trong vòng 30 ngày kể từ ngày ký": ("event_relative", None),
    "Kỳ họp thứ 9 Quốc hội": ("event_relative", None),
    # Decision: a month written inside event text is used as the deadline.
    "Trình Quốc hội tại Kỳ họp thứ 10 (tháng 10/2025)": ("event_relative", D(2025, 10, 31)),
    "Theo tiến độ dự án": ("event_relative", None),
    "Trình Chính phủ tháng 6/2025; ban hành tháng 9/2025": ("multi_stage", D(2025, 9, 30)),
    "Tháng 6/2025 (trình); Tháng 8/2025 (ban hành)": ("multi_stage", D(2025, 8, 31)),
    "Đợt 1: trước 30/6/2025; đợt 2: trước 31/12/2025": ("multi_stage", D(2025, 12, 31)),
    "(blank)": ("none", None),
    "Theo chỉ đạo của Thủ tướng": ("none", None),
    "Theo yêu cầu": ("none", None),
    "Không quy định": ("none", None),
}
# Forms in the CSV whose year comes from default_year: without it they are free text.
NEEDS_YEAR = {"Trước 30/6 (year implied)", "Tháng 9"}
CSV_KIND = {"unspecified": "none"}  # the CSV's group name → our kind


def _csv_examples() -> list[tuple[str, str]]:
    with (REF / "deadline_forms.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        (row["deadline_kind"], ex)
        for row in rows
        for ex in row["examples (pipe-separated)"].split("|")
    ]


CSV_EXAMPLES = _csv_examples()


def _cell(example: str) -> str:
    """The cell value an example stands for: notes in parentheses dropped."""
    for note in (" (Excel serial)", " (year implied)"):
        example = example.replace(note, "")
    return example


def test_reference_file_is_read():
    assert len(CSV_EXAMPLES) >= 70
    assert {kind for kind, _ in CSV_EXAMPLES} >= {"date", "multi_stage", "unspecified"}


@pytest.mark.parametrize(("group", "example"), CSV_EXAMPLES, ids=[e for _, e in CSV_EXAMPLES])
def test_every_csv_example(group, example):
    kind, date = EXPECTED[example]
    assert kind == CSV_KIND.get(group, group)  # the example is listed under its kind
    got = parse_deadline(_cell(example), default_year=2025)
    assert (got.kind, got.date) == (kind, date)
    assert kind in KINDS


@pytest.mark.parametrize("example", [e for _, e in CSV_EXAMPLES], ids=[e for _, e in CSV_EXAMPLES])
def test_every_csv_example_without_default_year(example):
    got = parse_deadline(_cell(example))
    if example in NEEDS_YEAR:
        assert (got.kind, got.date) == ("free_text", None)
    else:
        assert (got.kind, got.date) == EXPECTED[example]


def test_text_is_kept_as_written_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Trước ngày 15/9/2025")
    got = parse_deadline(decomposed)
    assert got.text == "Trước ngày 15/9/2025" == unicodedata.normalize("NFC", decomposed)
    assert (got.kind, got.date) == ("before_date", D(2025, 9, 15))
    assert parse_deadline("  Quý  III/2025 ").text == "Quý III/2025"


@pytest.mark.parametrize("blank", [None, "", "   ", "(blank)", float("nan"), pd.NaT, pd.NA, np.nan])
def test_blank_is_none_with_empty_text(blank):
    assert parse_deadline(blank) == Deadline(None, "none", "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("03/04/2025", D(2025, 4, 3)),
        ("05/06/2025", D(2025, 6, 5)),
        ("01/02/2025", D(2025, 2, 1)),
        ("12/01/2025", D(2025, 1, 12)),
        ("3.4.2025", D(2025, 4, 3)),
        ("3-4-2025", D(2025, 4, 3)),
    ],
)
def test_day_first(value, expected):
    assert parse_deadline(value).date == expected
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15/8/25", D(2025, 8, 15)),
        ("31/12/25", D(2025, 12, 31)),
        ("Trước 1/1/26", D(2026, 1, 1)),
    ],
)
def test_two_digit_years(value, expected):
    assert parse_deadline(value).date == expected


@pytest.mark.parametrize(
    "value",
    [
        "31/02/2025",
        "32/1/2025",
        "15/13/2025",
        "29/02/2025",
        "31/04/2025",
        "0/5/2025",
        "2025-02-30",
        "ngày 31 tháng 2 năm 2025",
        "Trước ngày 31/6/2025",
        "Tháng 13/2025",
        "13/2025",
        "Quý 5/2025",
        "Quý V/2025",
        "Trước 31/2",
        "Đợt 1: trước 31/02/2025; đợt 2: trước 31/12/2025",
        "Trình Chính phủ tháng 13/2025",
        "31/12/2250",
    ],
)
def test_impossible_dates_raise(value):
    with pytest.raises(DateError) as info:
        parse_deadline(value, default_year=2025)
    err = info.value
    assert isinstance(err, ValueError)
    assert value in str(err)  # says which value
    assert err.message_vi and err.message_vi != str(err)
    assert "Ngày không hợp lệ" in err.message_vi


def test_impossible_date_messages_name_the_problem():
    with pytest.raises(DateError, match="February 2025 has no day 31"):
        parse_deadline("31/02/2025")
    with pytest.raises(DateError, match="no month 13"):
        parse_deadline("Tháng 13/2025")
    with pytest.raises(DateError, match="no quarter 5"):
        parse_deadline("Quý 5/2025")
    with pytest.raises(DateError) as info:
        parse_deadline("29/02/2025")
    assert "tháng 2/2025 không có ngày 29" in info.value.message_vi


def test_leap_day_is_valid():
    assert parse_deadline("29/02/2024").date == D(2024, 2, 29)
    assert parse_deadline("Trước 29/2", default_year=2024).date == D(2024, 2, 29)


@pytest.mark.parametrize(
    ("value", "epoch_1904", "expected"),
    [
        (45292, False, D(2024, 1, 1)),
        (45292.0, False, D(2024, 1, 1)),
        (45292.75, False, D(2024, 1, 1)),  # the time of day is dropped
        ("45292", False, D(2024, 1, 1)),
        ("45884", False, D(2025, 8, 15)),
        (np.int64(45292), False, D(2024, 1, 1)),
        (np.float64(45292.5), False, D(2024, 1, 1)),
        (45292, True, D(2028, 1, 2)),  # 1462 days later
        ("45292", True, D(2028, 1, 2)),
        (43830, True, D(2024, 1, 1)),
    ],
)
def test_excel_serials(value, epoch_1904, expected):
    got = parse_deadline(value, epoch_1904=epoch_1904)
    assert (got.kind, got.date) == ("date", expected)
    assert parse_date(value, epoch_1904=epoch_1904) == expected


def test_serial_epochs_differ_by_1462_days():
    a = parse_deadline(50000).date
    b = parse_deadline(50000, epoch_1904=True).date
    assert (b - a).days == 1462


@pytest.mark.parametrize(
    "value", [12, 12.5, 100_000, -45292, 19_999, 80_001, "12345", float("inf")]
)
def test_implausible_numbers_are_free_text(value):
    got = parse_deadline(value)
    assert (got.kind, got.date) == ("free_text", None)


def test_a_year_number_is_a_year():
    assert parse_deadline(2025) == Deadline(D(2025, 12, 31), "year", "2025")
    assert parse_deadline(2030.0).date == D(2030, 12, 31)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D(2025, 9, 30), D(2025, 9, 30)),
        (dt.datetime(2025, 9, 30, 17, 45), D(2025, 9, 30)),
        (pd.Timestamp("2025-09-30 08:00"), D(2025, 9, 30)),
    ],
)
def test_date_cells(value, expected):
    assert parse_deadline(value) == Deadline(expected, "date", "30/09/2025")
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("Quy III/2025", "quarter", D(2025, 9, 30)),
        ("quy iv nam 2025", "quarter", D(2025, 12, 31)),
        ("Thang 9/2025", "month", D(2025, 9, 30)),
        ("THÁNG 9/2025", "month", D(2025, 9, 30)),
        ("truoc ngay 15/9/2025", "before_date", D(2025, 9, 15)),
        ("TRƯỚC NGÀY 15/9/2025", "before_date", D(2025, 9, 15)),
        ("Cham nhat ngay 30/6/2025", "before_date", D(2025, 6, 30)),
        ("Khong qua ngay 31/12/2025", "before_date", D(2025, 12, 31)),
        ("Nam 2025", "year", D(2025, 12, 31)),
        ("Cuoi nam 2025", "year", D(2025, 12, 31)),
        ("6 thang dau nam 2025", "half_year", D(2025, 6, 30)),
        ("Giai doan 2025-2030", "range", D(2030, 12, 31)),
        ("Den nam 2030", "range", D(2030, 12, 31)),
        ("Thuong xuyen", "recurring", None),
        ("Hang quy", "recurring", None),
        ("Sau khi Nghi dinh co hieu luc", "event_relative", None),
        ("Theo chi dao cua Thu tuong", "none", None),
    ],
)
def test_without_diacritics_or_case(value, kind, expected):
    got = parse_deadline(value)
    assert (got.kind, got.date) == (kind, expected)


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("Q3 2025", "quarter", D(2025, 9, 30)),
        ("Q4/2025", "quarter", D(2025, 12, 31)),
        ("by 15/09/2025", "before_date", D(2025, 9, 15)),
        ("before 15/09/2025", "before_date", D(2025, 9, 15)),
        ("no later than 15/09/2025", "before_date", D(2025, 9, 15)),
        ("end of 2025", "year", D(2025, 12, 31)),
        ("by end of 2025", "year", D(2025, 12, 31)),
        ("September 2025", "month", D(2025, 9, 30)),
        ("Sep 2025", "month", D(2025, 9, 30)),
        ("end of September 2025", "month", D(2025, 9, 30)),
        ("15 September 2025", "date", D(2025, 9, 15)),
        ("September 15, 2025", "date", D(2025, 9, 15)),
        ("H1 2025", "half_year", D(2025, 6, 30)),
        ("second half of 2025", "half_year", D(2025, 12, 31)),
        ("2025-2030", "range", D(2030, 12, 31)),
        ("from 2025 onwards", "range", None),
        ("Quarterly", "recurring", None),
        ("Ongoing", "recurring", None),
        ("After the law is passed", "event_relative", None),
    ],
)
def test_english(value, kind, expected):
    got = parse_deadline(value)
    assert (got.kind, got.date) == (kind, expected)


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        # 'trước' + a period: before the period starts
        ("Trước tháng 10/2025", "before_date", D(2025, 9, 30)),
        ("Trước quý IV/2025", "before_date", D(2025, 9, 30)),
        ("Trước năm 2026", "before_date", D(2025, 12, 31)),
        ("Trước cuối năm 2025", "year", D(2025, 12, 31)),
        # 'chậm nhất' / 'không quá' + a period: its end
        ("Chậm nhất tháng 9/2025", "month", D(2025, 9, 30)),
        ("Không quá quý III/2025", "quarter", D(2025, 9, 30)),
        ("Đến hết năm 2025", "range", D(2025, 12, 31)),
        ("Đến 31/12/2025", "before_date", D(2025, 12, 31)),
    ],
)
def test_before_a_period(value, kind, expected):
    got = parse_deadline(value)
    assert (got.kind, got.date) == (kind, expected)


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("Tháng 9", "month", D(2024, 9, 30)),
        ("Quý II", "quarter", D(2024, 6, 30)),
        ("Trước 30/6", "before_date", D(2024, 6, 30)),
        ("ngày 15 tháng 8", "date", D(2024, 8, 15)),
        ("6 tháng đầu năm", "half_year", D(2024, 6, 30)),
        ("Tháng 9/2025", "month", D(2025, 9, 30)),  # a written year wins
    ],
)
def test_default_year(value, kind, expected):
    got = parse_deadline(value, default_year=2024)
    assert (got.kind, got.date) == (kind, expected)
    if "2025" not in value:
        assert parse_deadline(value).kind == "free_text"


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("Tháng 6/2025\nTháng 9/2025", "multi_stage", D(2025, 9, 30)),
        ("Đợt 1: trước 30/6/2025, đợt 2: trước 31/12/2025", "multi_stage", D(2025, 12, 31)),
        ("Dự thảo trước 30/6/2025, ban hành trước 30/9/2025", "multi_stage", D(2025, 9, 30)),
        ("Trước ngày\n15/9/2025", "before_date", D(2025, 9, 15)),  # a wrapped single deadline
        ("Từ tháng 6 đến tháng 9/2025", "multi_month", D(2025, 9, 30)),
        ("Tháng 12/2025 - 1/2026", "multi_month", D(2026, 1, 31)),
        ("01/01/2025 - 31/12/2025", "range", D(2025, 12, 31)),
        ("Quý II - Quý III/2025", "multi_quarter", D(2025, 9, 30)),
        ("Trình Chính phủ tháng 6/2025", "month", D(2025, 6, 30)),
        ("Báo cáo Thủ tướng trước 15/9/2025", "before_date", D(2025, 9, 15)),
        ("31/12/2025 (đã gia hạn)", "date", D(2025, 12, 31)),
        ("Quý III/2025 (dự kiến)", "quarter", D(2025, 9, 30)),
        ("Sau khi Luật có hiệu lực ngày 1/7/2025", "event_relative", D(2025, 7, 1)),
        ("Kỳ họp thứ 10 Quốc hội", "event_relative", None),
        ("2025-08-15 00:00:00", "date", D(2025, 8, 15)),
        ("Hằng năm, trước 31/12", "recurring", None),
        ("-", "none", None),
        ("Nghị định 13/2023/NĐ-CP", "free_text", None),
        ("Chờ hướng dẫn", "free_text", None),
    ],
)
def test_longer_text(value, kind, expected):
    got = parse_deadline(value, default_year=2025)
    assert (got.kind, got.date) == (kind, expected)


def test_string_results_are_cached():
    deadlines._parse_text.cache_clear()
    first = parse_deadline("Quý III/2025")
    assert parse_deadline("Quý III/2025") is first
    assert deadlines._parse_text.cache_info().hits == 1


def test_fast_fold_matches_fold():
    chars = [chr(c) for c in (*range(0x20, 0x250), *range(0x1E00, 0x1F00))]
    samples = ["".join(chars), *chars, *(_cell(e) for _, e in CSV_EXAMPLES), "Quý II – III/2025"]
    for s in samples:
        text = deadlines.nfc(s)
        assert deadlines._fold_nfc(text) == deadlines._DASHES.sub("-", fold(text)), s


def test_each_distinct_text_is_parsed_once():
    """The text parser is cached: a sheet repeats the same few deadline forms thousands of times
    (benchmarks/ingest.py measures what that saves on 100,000 rows)."""
    typical = [
        "31/12/2025",
        "Tháng 9/2025",
        "Quý III/2025",
        "Trước ngày 15/9/2025",
        "Năm 2025",
        "Thường xuyên",
    ]
    values = [v + " " * i for i in range(40) for v in typical]  # distinct strings, same forms
    deadlines._parse_text.cache_clear()
    first = [parse_deadline(value, default_year=2025) for value in values]
    assert deadlines._parse_text.cache_info().misses == len(values)
    for _ in range(3):
        assert [parse_deadline(value, default_year=2025) for value in values] == first
    info = deadlines._parse_text.cache_info()
    assert (info.misses, info.hits) == (len(values), 3 * len(values))


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("ngày " * 2000, "free_text"),
        ("1/" * 3000, "free_text"),
        ("tháng 1-" * 1000, "multi_month"),
        ("quý I-" * 1000, "multi_quarter"),
        ("Tháng 6/2025; " * 500, "multi_stage"),
    ],
)
@pytest.mark.timeout(60)  # a hang guard (it takes milliseconds), not a speed assertion
def test_long_hostile_text_does_not_hang_the_parser(value, kind):
    assert parse_deadline(value, default_year=2025).kind == kind


# ---------------------------------------------------------------------------------------------
# parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15/8/2025", D(2025, 8, 15)),
        ("15/08/2025", D(2025, 8, 15)),
        ("15-8-2025", D(2025, 8, 15)),
        ("15.8.2025", D(2025, 8, 15)),
        ("2025-08-15", D(2025, 8, 15)),
        ("2025-08-15 00:00:00", D(2025, 8, 15)),
        ("ngày 15/8/2025", D(2025, 8, 15)),
        ("ngày 15 tháng 8 năm 2025", D(2025, 8, 15)),
        ("Ngay 15 thang 8 nam 2025", D(2025, 8, 15)),
        ("15/8/25", D(2025, 8, 15)),
        ("31/12/2025.", D(2025, 12, 31)),
        ("45884", D(2025, 8, 15)),
        (45884, D(2025, 8, 15)),
        (D(2025, 8, 15), D(2025, 8, 15)),
        (dt.datetime(2025, 8, 15, 9, 30), D(2025, 8, 15)),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("blank", [None, "", "  ", "-", "(blank)", float("nan"), pd.NaT])
def test_parse_date_blank(blank):
    assert parse_date(blank) is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("31/02/2025", "February 2025 has no day 31"),
        ("29/02/2025", "no day 29"),
        ("15/13/2025", "no month 13"),
        ("Tháng 9/2025", "Not a date"),
        ("Trước 15/9/2025", "Not a date"),
        ("2025", "Not a date"),
        ("15/8", "Not a date"),
        ("abc", "Not a date"),
        (12, "not an Excel date serial"),
        (True, "Not a date"),
    ],
)
def test_parse_date_errors(value, fragment):
    with pytest.raises(DateError, match=fragment) as info:
        parse_date(value)
    assert info.value.message_vi


# ---------------------------------------------------------------------------------------------
# format_date


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (D(2025, 4, 3), "vi", "03/04/2025"),
        (D(2025, 4, 3), "en", "03/04/2025"),  # dd/mm/yyyy in both languages
        (dt.datetime(2025, 4, 3, 12), "vi", "03/04/2025"),
        (None, "vi", ""),
        (None, "en", ""),
    ],
)
def test_format_date(value, lang, expected):
    assert format_date(value, lang) == expected
    assert format_date(value) == format_date(value, "vi")


def test_format_then_parse_round_trip():
    for day in (D(2025, 1, 31), D(2024, 2, 29), D(2025, 12, 1)):
        assert parse_date(format_date(day)) == day
        assert parse_date(format_date(day, "en")) == day
