"""Times in Vietnam time (UTC+7) wherever a time is shown (issue 16, point 9): the stored times
are UTC without a zone; the upload's quarantine notes are ISO times with a zone."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.reporting.rules import vn_time, vn_times


def test_a_stored_time_an_iso_time_and_a_bad_text():
    assert vn_time(dt.datetime(2025, 8, 31, 18, 5)) == "01/09/2025 01:05"
    assert vn_time("2025-08-31T18:05:00+00:00") == "01/09/2025 01:05"
    assert vn_time("2025-09-01T01:05:00+07:00") == "01/09/2025 01:05"
    assert vn_time("") == "" and vn_time("hôm qua") == ""


def test_a_column_of_stored_times_with_gaps():
    column = pd.Series([dt.datetime(2025, 12, 31, 17, 0), None])
    assert list(vn_times(column)) == ["01/01/2026 00:00", ""]
    assert list(vn_times([])) == []
