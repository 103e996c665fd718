"""The bundled sample, loaded through the real reader and store, shows the public record.

Figures from the meeting reports of 1 Aug 2025 and 28 Aug 2025 (shared/seeds) and Directive
33/CT-TTg (51 overdue on 28 Oct 2025). Asserted from the store via the command line.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

NQ71 = "Nghị quyết 71/NQ-CP"
TBKL = "Thông báo kết luận của Ban Chỉ đạo Trung ương"


def cli(*args, db):
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc.returncode, (json.loads(proc.stdout) if proc.stdout.strip() else None), proc.stderr


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("sample") / "tasks.duckdb"
    code, doc, err = cli("sample", db=db)
    assert code == 0, err
    assert len(doc["loaded"]) >= 4
    return db


def summary(db, *extra):
    code, doc, err = cli("summary", *extra, db=db)
    assert code == 0, err
    return doc


def by_source(doc):
    return {row["source"]: row for row in doc["by_source"]}


def test_28_august_2025_meeting_figures(sample_db):
    doc = summary(sample_db, "--as-of", "2025-08-28")
    src = by_source(doc)
    nq, tb = src[NQ71], src[TBKL]
    assert (
        nq["total"],
        nq["completed"],
        nq["completed_on_time"],
        nq["completed_late"],
        nq["overdue"],
    ) == (330, 90, 65, 25, 4)
    assert (tb["total"], tb["completed"], tb["overdue"]) == (322, 136, 30)
    assert doc["totals"]["total"] == 652
    assert doc["totals"]["overdue"] == 34
    august = next(m for m in doc["by_month"] if m["month"] == "2025-08")
    assert august["remaining"] == 27
    mof = next(a for a in doc["by_agency"] if a["agency"] == "Bộ Tài chính")
    assert mof["overdue"] + mof["completed_late"] == 12
    assert mof["agency_en"] == "Ministry of Finance" and mof["agency_type"] == "ministry"


def test_31_july_2025_meeting_figures(sample_db):
    doc = summary(sample_db, "--as-of", "2025-07-31", "--source", NQ71)
    t = doc["totals"]
    assert (t["completed_late"], t["overdue"]) == (12, 21)
    overdue = {a["agency"]: a["overdue"] for a in doc["by_agency"] if a["overdue"]}
    expected_ministries = {
        "Bộ Nông nghiệp và Môi trường": 10,
        "Bộ Dân tộc và Tôn giáo": 4,
        "Bộ Tài chính": 4,
        "Bộ Khoa học và Công nghệ": 2,
        "Bộ Giáo dục và Đào tạo": 1,
        "Bộ Tư pháp": 1,
        "Bộ Y tế": 1,
        "Bộ Công an": 1,
    }
    for name, n in expected_ministries.items():
        assert overdue.get(name) == n, name
    provinces = {
        a["agency"] for a in doc["by_agency"] if a["overdue"] and a["agency_type"] == "province"
    }
    assert provinces == {
        "Thanh Hóa",
        "Đồng Nai",
        "Bắc Ninh",
        "Vĩnh Long",
        "Ninh Bình",
        "Hải Phòng",
        "Tây Ninh",
        "Quảng Ninh",
        "Hà Nội",
        "Gia Lai",
        "Hưng Yên",
    }


def test_28_october_2025_directive_33(sample_db):
    assert summary(sample_db, "--as-of", "2025-10-28")["totals"]["overdue"] == 51


def test_agency_filter_and_month_view(sample_db):
    doc = summary(sample_db, "--as-of", "2025-08-28", "--agency", "Bo Tai chinh")
    assert {a["agency"] for a in doc["by_agency"]} == {"Bộ Tài chính"}
    assert doc["totals"]["overdue"] + doc["totals"]["completed_late"] == 12
    months = [m["month"] for m in doc["by_month"]]
    assert months == sorted(months) and "2025-12" in months  # future months are listed too
    for m in doc["by_month"]:
        assert m["due"] == m["completed"] + m["remaining"]


def test_sample_again_adds_nothing(sample_db):
    code, doc, _ = cli("sample", db=sample_db)
    assert code == 0 and all(item["duplicate"] for item in doc["loaded"])
