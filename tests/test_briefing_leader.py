"""The briefing a leader reads (issue 16, points 1, 2 and 7): the year's remaining workload by
month with the agencies behind each month on the page and in the PDF, the difficult tasks and
the tasks due this month in the PDF, and the agency viewer's banner without controls that do
nothing in one agency's scope."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from analytics import accounts, leader, reports
from analytics import briefing as B
from analytics.model import Filters, Scope
from tests.helpers import PW, open_page, signed_in

AUG = dt.date(2025, 8, 28)

pytestmark = pytest.mark.usefixtures("steady_server", "app_clean")


def pdf_text(data) -> str:
    pages = PdfReader(io.BytesIO(reports.briefing_pdf(data, "vi"))).pages
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages))


def test_the_pdf_carries_the_workload_the_difficult_and_this_months_tasks(sample_db):
    data = reports.build_briefing(sample_db, AUG, Filters(), Scope.everything(), "vi")
    text = pdf_text(data)
    assert "KHỐI LƯỢNG CÒN LẠI ĐẾN CUỐI NĂM 2025" in text
    assert list(data.year_months["month"]) == [
        "2025-08",
        "2025-09",
        "2025-10",
        "2025-11",
        "2025-12",
    ]
    top = data.year_agency_months.iloc[0]
    assert str(top["agency"]) in text
    # the agency × month table's total row equals the chart's remaining per month
    months = [m for m in data.year_months["month"]]
    per_month = data.year_agency_months[months].sum()
    assert (per_month >= data.year_months.set_index("month")["remaining"]).all()  # co-leads
    assert "NHIỆM VỤ KHÓ" in text and "khó" in text
    assert len(data.difficult) == int(data.tasks["difficult"].astype(bool).sum())
    for tid in data.difficult["task_id"].head(5):
        assert tid in text
    assert len(data.month_open) == 27  # "27 tasks due in August"
    assert "Đến hạn trong T8/2025, chưa hoàn thành: 27." in text
    for tid in data.month_open["task_id"]:
        assert tid in text


def test_the_briefing_page_shows_the_remaining_workload(sample_copy):
    at = open_page("briefing", as_of=AUG)
    assert "Khối lượng còn lại đến cuối năm 2025" in [s.value for s in at.subheader]
    frames = [d.value for d in at.dataframe]
    months = next(f for f in frames if "Còn phải hoàn thành" in f.columns and "Tháng" in f.columns)
    assert list(months["Tháng"]) == ["T8/2025", "T9/2025", "T10/2025", "T11/2025", "T12/2025"]
    assert months["Cơ quan chủ trì"].str.len().gt(0).all()
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Cơ quan chủ trì theo tháng") for label in labels)
    # everyone's view: no banner, the agency-type choice and the zip are there
    assert not [i for i in at.info if "—" in i.value]
    assert at.sidebar.radio(key="agency_type") is not None


def test_an_agency_viewer_sees_whose_figures_these_are(sample_copy):
    accounts.add_user(sample_copy, "tc16", "agency_viewer", password=PW, agency_ids=("mof",))
    at = signed_in("tc16", as_of=AUG)
    at.switch_page("pages/briefing.py").run()
    assert not at.exception and not at.error
    total = at.metric[0].value
    assert f"Bộ Tài chính — {total} nhiệm vụ" in [i.value for i in at.info]
    assert not [r for r in at.sidebar.radio if r.key == "agency_type"]
    keys = [b.key for b in at.download_button]
    assert "report_zip" not in keys and "report_pdf" in keys


def test_a_rank_among_one_means_nothing():
    one = B.PeerRank("m", "central", 1, 1, 1.0, 5, 5, 3)
    many = B.PeerRank("m", "central", 2, 4, 0.5, 5, 3, 3)
    unranked = B.PeerRank("m", "central", None, 4, None, 1, 0, 3)
    assert not leader.rank_means_something(one)
    assert leader.rank_means_something(many)
    assert not leader.rank_means_something(unranked) and not leader.rank_means_something(None)
    assert leader.single_agency(Scope.agencies(["mof"])) and not leader.single_agency(
        Scope.everything()
    )
