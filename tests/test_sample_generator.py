"""The sample generator's own model reproduces the meeting figures; its files say the same."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter

import pytest
from openpyxl import load_workbook

import sample
from analytics.statuses import judge
from sample import D1, D2, D3, SOURCE_NQ71, SOURCE_TBKL

MOF = "Bộ Tài chính"


@pytest.fixture(scope="module")
def snaps():
    return sample.build_snapshots()


@pytest.fixture(scope="module")
def counts(snaps):
    return sample.expected_counts(snaps)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    first = tmp_path_factory.mktemp("sample_a")
    second = tmp_path_factory.mktemp("sample_b")
    return sample.generate(first), sample.generate(second)


def test_manifest_order():
    files = sample.sample_files()
    assert [(f.path.name, f.source, f.as_of) for f in files] == [
        ("nq71_2025-07-31.xlsx", SOURCE_NQ71, D1),
        ("tbkl_2025-07-31.xlsx", SOURCE_TBKL, D1),
        ("nq71_2025-08-28.xlsx", SOURCE_NQ71, D2),
        ("tbkl_2025-08-28.xlsx", SOURCE_TBKL, D2),
        ("nq71_2025-10-28.xlsx", SOURCE_NQ71, D3),
        ("tbkl_2025-10-28.xlsx", SOURCE_TBKL, D3),
    ]
    assert all(f.path.parent == sample.SAMPLE_DIR for f in files)


def test_figures_at_28_august(counts):
    nq, tb = counts[(SOURCE_NQ71, D2)], counts[(SOURCE_TBKL, D2)]
    assert nq["total"] == 330
    assert (nq["completed"], nq["completed_on_time"], nq["completed_late"]) == (90, 65, 25)
    assert nq["overdue"] == 4
    assert tb["total"] == 322
    assert tb["completed"] == 136
    assert tb["overdue"] == 30
    assert nq["total"] + tb["total"] == 652
    assert nq["overdue"] + tb["overdue"] == 34


def test_figures_at_31_july_and_28_october(counts):
    nq = counts[(SOURCE_NQ71, D1)]
    assert nq["completed_late"] + nq["overdue"] == 33
    assert (nq["completed_late"], nq["overdue"]) == (12, 21)
    assert counts[(SOURCE_TBKL, D1)]["overdue"] > counts[(SOURCE_TBKL, D2)]["overdue"]
    assert counts[(SOURCE_NQ71, D3)]["overdue"] + counts[(SOURCE_TBKL, D3)]["overdue"] == 51
    for source in (SOURCE_NQ71, SOURCE_TBKL):
        assert counts[(source, D3)]["completed"] > counts[(source, D2)]["completed"]
        assert counts[(source, D2)]["completed"] > counts[(source, D1)]["completed"]


def test_due_in_august_and_open_at_28_august(snaps):
    tasks = snaps[(SOURCE_NQ71, D2)] + snaps[(SOURCE_TBKL, D2)]

    def in_august(t):
        return t.deadline is not None and (t.deadline.year, t.deadline.month) == (2025, 8)

    open_august = [t for t in tasks if in_august(t) and t.completion is None]
    assert len(open_august) == 27
    assert all(t.status == "in_progress" for t in open_august)
    assert not [t for t in tasks if t.status == "overdue" and in_august(t)]


def test_ministry_of_finance_behind_on_12_at_28_august(snaps):
    tasks = snaps[(SOURCE_NQ71, D2)] + snaps[(SOURCE_TBKL, D2)]
    behind = [t for t in tasks if MOF in t.leads and t.status in ("overdue", "completed_late")]
    assert len(behind) == 12


def test_nq71_overdue_by_agency_at_31_july(snaps):
    overdue = [t for t in snaps[(SOURCE_NQ71, D1)] if t.status == "overdue"]
    assert len(overdue) == 21
    per_agency = Counter(a for t in overdue for a in t.leads)
    assert per_agency == {
        "Bộ Nông nghiệp và Môi trường": 10,
        "Bộ Dân tộc và Tôn giáo": 4,
        MOF: 4,
        "Bộ Khoa học và Công nghệ": 2,
        "Bộ Giáo dục và Đào tạo": 1,
        "Bộ Tư pháp": 1,
        "Bộ Y tế": 1,
        "Bộ Công an": 1,
        **{
            p: 1
            for p in (
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
            )
        },
    }
    titles = " | ".join(t.title for t in overdue)
    for words in (
        "trí tuệ nhân tạo",
        "sản xuất thông minh",
        "cơ sở khám bệnh, chữa bệnh",
        "đô thị thông minh và khu công nghệ cao",
        "Nâng cấp, hoàn thiện hạ tầng công nghệ thông tin",
    ):
        assert words in titles
    # The four still overdue at 28/8 are the ones the meeting named.
    still = [t.title for t in snaps[(SOURCE_NQ71, D2)] if t.status == "overdue"]
    assert any("hạ tầng công nghệ thông tin" in t for t in still)
    assert any("Cơ sở dữ liệu quốc gia về dân cư" in t for t in still)
    assert any("quỹ đầu tư mạo hiểm" in t for t in still)
    assert any("Luật Quản lý thuế" in t for t in still)


def test_identity_across_snapshots(snaps):
    for source in (SOURCE_NQ71, SOURCE_TBKL):
        by_date = {d: {t.task_id: t for t in snaps[(source, d)]} for d in (D1, D2, D3)}
        for tasks in by_date.values():
            assert len(tasks) == len(set(tasks))
        assert set(by_date[D1]) < set(by_date[D2]) <= set(by_date[D3])
        for earlier, later in ((D1, D2), (D2, D3)):
            for tid, t in by_date[earlier].items():
                u = by_date[later][tid]
                assert (u.title, u.leads, u.lead_text, u.group) == (
                    t.title,
                    t.leads,
                    t.lead_text,
                    t.group,
                )
                if t.completion is not None:
                    assert u.completion == t.completion
                    assert u.deadline == t.deadline
                    assert u.status == t.status
    prefix = {SOURCE_NQ71: "NQ71-", SOURCE_TBKL: "TBKL-"}
    for (source, _), tasks in snaps.items():
        assert all(re.fullmatch(re.escape(prefix[source]) + r"\d{3}", t.task_id) for t in tasks)
    # Some overdue tasks at 31/7 got a later deadline by 28/8.
    nq1 = {t.task_id: t for t in snaps[(SOURCE_NQ71, D1)]}
    moved = [
        t
        for t in snaps[(SOURCE_NQ71, D2)]
        if t.task_id in nq1 and nq1[t.task_id].deadline != t.deadline
    ]
    assert moved and all(nq1[t.task_id].status == "overdue" for t in moved)


def test_titles_distinct_and_realistic(snaps):
    titles = {}
    for (source, _), tasks in snaps.items():
        for t in tasks:
            titles.setdefault((source, t.task_id), t.title)
    assert len(set(titles.values())) == len(titles) == 330 + 338
    multi = [t for t in snaps[(SOURCE_NQ71, D2)] + snaps[(SOURCE_TBKL, D2)] if len(t.leads) > 1]
    assert len(multi) >= 10
    assert any("; " in t.lead_text for t in multi)
    hard = sum(t.difficult for t in snaps[(SOURCE_NQ71, D2)] + snaps[(SOURCE_TBKL, D2)])
    assert 40 <= hard <= 100


def test_spellings_and_forms_present(snaps):
    tasks = snaps[(SOURCE_NQ71, D2)] + snaps[(SOURCE_TBKL, D2)]
    lead_texts = " | ".join(t.lead_text for t in tasks)
    for spelled in (
        "UBND tỉnh",
        "UBND TP.",
        "Bộ Thông tin và Truyền thông",
        "Bộ Kế hoạch và Đầu tư",
    ):
        assert spelled in lead_texts
    forms = Counter(t.deadline_form for t in tasks)
    for form in ("date_text", "date_cell", "month", "month_short", "quarter", "half", "year"):
        assert forms[form] >= 5, form
    assert forms["before"] >= 3
    texts = {t.deadline_cell for t in tasks if isinstance(t.deadline_cell, str)}
    for text in (
        "Trước 15/9/2025",
        "Quý III/2025",
        "Quý IV/2025",
        "6 tháng cuối năm 2025",
        "Năm 2025",
    ):
        assert text in texts, text
    assert any(re.fullmatch(r"Tháng \d{1,2}/2025", x) for x in texts)
    assert any(re.fullmatch(r"T\d{1,2}/2025", x) for x in texts)
    assert any(re.fullmatch(r"\d{2}/\d{2}/2025", x) for x in texts)
    assert forms["recurring"] == 18
    assert all(t.status == "no_deadline" for t in tasks if t.deadline_form == "recurring")


_DONE = {
    "Hoàn thành đúng hạn",
    "Đã hoàn thành đúng hạn",
    "Hoàn thành trong hạn",
    "Đã hoàn thành",
    "Hoàn thành",
    "Đã ban hành",
}
_DONE_LATE = {
    "Hoàn thành quá hạn",
    "Đã hoàn thành quá hạn",
    "Hoàn thành chậm",
    "Hoàn thành trễ hạn",
    "Đã hoàn thành",
}
_OVERDUE = {
    "Quá hạn",
    "Quá hạn chưa hoàn thành",
    "Chậm tiến độ",
    "Chưa hoàn thành (quá hạn)",
    "Đang thực hiện quá hạn",
    "Chưa hoàn thành",
}


def test_status_words_consistent_with_dates(snaps):
    for tasks in snaps.values():
        for t in tasks:
            s = t.status
            if s == "completed_on_time":
                assert t.status_text in _DONE
            elif s == "completed_late":
                assert t.status_text in _DONE_LATE
                assert t.cause
            elif s == "overdue":
                assert t.status_text in _OVERDUE
                assert t.cause
            else:
                assert t.status_text not in _DONE | _DONE_LATE
                assert "quá hạn" not in t.status_text.lower()
                assert t.status_text != "Quá hạn"
            if t.completion is not None:
                assert t.completion <= t.as_of
                assert t.deadline is not None  # timing is decidable


def test_before_deadlines_are_unambiguous(snaps):
    """ "Trước 15/9" read as 15/9 or 14/9 must not change any status."""
    for (_, as_of), tasks in snaps.items():
        before = [t for t in tasks if t.deadline_form == "before"]
        eve = [(None, t.deadline - dt.timedelta(days=1), t.completion) for t in before]
        assert judge(eve, as_of) == [t.status for t in before]


def test_deadline_profile(snaps):
    tasks = snaps[(SOURCE_NQ71, D2)] + snaps[(SOURCE_TBKL, D2)]
    open_by_month = Counter(
        (t.deadline.year, t.deadline.month)
        for t in tasks
        if t.completion is None and t.deadline is not None
    )
    for month in (9, 10, 11, 12):
        assert open_by_month[(2025, month)] >= 20, month
    assert 5 <= sum(n for (y, _), n in open_by_month.items() if y == 2026) <= 60
    all_deadlines = [t.deadline for t in tasks if t.deadline is not None]
    h2 = sum(d >= dt.date(2025, 7, 1) for d in all_deadlines)
    assert h2 > len(all_deadlines) / 2


# ---- the written files ---------------------------------------------------------------------

_ROMAN_Q = {"I": 3, "II": 6, "III": 9, "IV": 12}


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def _parse_deadline(value):
    """A tiny parser for exactly the forms the generator writes (not the project's parser)."""
    if value is None or value == "Thường xuyên":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    text = str(value).strip()
    if m := re.fullmatch(r"(?:Trước (?:ngày )?)?(\d{1,2})/(\d{1,2})/(\d{4})", text):
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(?:Tháng |T)(\d{1,2})/(\d{4})", text):
        return _month_end(int(m[2]), int(m[1]))
    if m := re.fullmatch(r"Quý (I|II|III|IV)/(\d{4})", text):
        return _month_end(int(m[2]), _ROMAN_Q[m[1]])
    if m := re.fullmatch(r"6 tháng (đầu|cuối) năm (\d{4})", text):
        return dt.date(int(m[2]), 6, 30) if m[1] == "đầu" else dt.date(int(m[2]), 12, 31)
    if m := re.fullmatch(r"Năm (\d{4})", text):
        return dt.date(int(m[1]), 12, 31)
    raise AssertionError(f"unexpected deadline {value!r}")


def _read(path):
    """Rows of the data block as {header: value}, merged lead cells filled down."""
    wb = load_workbook(path)
    ws = wb.active
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    for rng in ws.merged_cells.ranges:
        if rng.min_row >= sample.DATA_START_ROW:
            top = grid[rng.min_row - 1][rng.min_col - 1]
            for r in range(rng.min_row, rng.max_row + 1):
                grid[r - 1][rng.min_col - 1] = top
    return ws, grid


def test_generate_is_deterministic_and_small(generated):
    first, second = generated
    for a, b in zip(first, second, strict=True):
        assert a.path.name == b.path.name
        data = a.path.read_bytes()
        assert data == b.path.read_bytes()
        assert 10_000 < len(data) < 1_000_000


def test_written_cells_match_the_model(generated, snaps):
    for f in generated[0]:
        ws, grid = _read(f.path)
        model = {t.task_id: t for t in snaps[(f.source, f.as_of)]}
        if f.source == SOURCE_NQ71:
            header = grid[5]
            assert header[:4] == ["STT", "Mã nhiệm vụ", "Nội dung nhiệm vụ", "Cơ quan chủ trì"]
            col = {h: i for i, h in enumerate(header)}
            c_id, c_dl, c_done = (
                col["Mã nhiệm vụ"],
                col["Thời hạn hoàn thành"],
                col["Ngày hoàn thành"],
            )
            c_status, c_lead = col["Tình hình thực hiện"], col["Cơ quan chủ trì"]
        else:
            top, sub = grid[4], grid[5]
            assert (
                top[6] == "Thời hạn" and sub[6] == "Theo kế hoạch" and sub[7] == "Ngày hoàn thành"
            )
            assert "G5:H5" in {str(r) for r in ws.merged_cells.ranges}
            col = {h: i for i, h in enumerate(top) if h}
            c_id, c_dl, c_done = col["Mã NV"], 6, 7
            c_status, c_lead = col["Tình trạng"], col["Đơn vị chủ trì"]
            assert grid[6][:3] == ["(1)", "(2)", "(3)"]
        assert "PHỤ LỤC" in str(grid[1][0])
        seen = {}
        for row in grid[sample.DATA_START_ROW - 1 :]:
            tid = row[c_id]
            if not (isinstance(tid, str) and tid[:5] in ("NQ71-", "TBKL-")):
                continue
            seen[tid] = row
        assert set(seen) == set(model)
        read = []
        for tid, row in seen.items():
            t = model[tid]
            dl = _parse_deadline(row[c_dl])
            assert dl == t.deadline, (tid, row[c_dl])
            done = row[c_done]
            if isinstance(done, dt.datetime):
                done = done.date()
            elif isinstance(done, str):
                d, m, y = (int(x) for x in done.split("/"))
                done = dt.date(y, m, d)
            assert done == t.completion
            assert row[c_status] == t.status_text
            assert row[c_lead] == t.lead_text
            read.append((None, dl, done))
        status = Counter(judge(read, f.as_of))
        expected = sample.expected_counts(snaps)[(f.source, f.as_of)]
        assert status["overdue"] == expected["overdue"]
        assert status["completed_late"] == expected["completed_late"]
        assert status["completed_on_time"] == expected["completed_on_time"]
        texts = [str(r[0]) for r in grid if r[0] is not None]
        assert any(t.startswith("Tổng cộng") for t in texts)
        assert "Ghi chú:" in texts and "Nơi nhận:" in texts
        sections = [r[0] for r in grid if r[0] in ("I", "II", "III", "IV", "V")]
        assert sections == ["I", "II", "III", "IV", "V"]
        merged_leads = [
            r
            for r in ws.merged_cells.ranges
            if r.min_row >= sample.DATA_START_ROW and r.min_col == c_lead + 1
        ]
        assert merged_leads  # some lead cells span several rows


def test_large_workbook(tmp_path):
    path = tmp_path / "large.xlsx"
    sample.write_large_workbook(path, 1200, seed=3)
    wb = load_workbook(path, read_only=True)
    ws = wb.active
    ids = [
        r[1]
        for r in ws.iter_rows(min_row=sample.DATA_START_ROW, values_only=True)
        if r and len(r) > 1 and isinstance(r[1], str) and r[1].startswith("NQ71-")
    ]
    assert len(ids) == len(set(ids)) == 1200
    wb.close()
    again = tmp_path / "again.xlsx"
    sample.write_large_workbook(again, 1200, seed=3)
    assert again.read_bytes() == path.read_bytes()
