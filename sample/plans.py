"""Trajectories: each task of the sample across the three snapshots (its title, lead agencies,
the deadline written at each date and its completion), drawn in a fixed order from one stream,
so that the public figures come out at each date."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from sample.deadlines import RECURRING, Deadline, _completion_cell, _pick_day, _pick_deadline
from sample.manifest import AS_OF_DATES, D1, D2, D3, SOURCE_NQ71
from sample.vocabulary import (
    _CAUSES,
    _GROUPS,
    _LEAD_PAIRS,
    _LOCALITY_SHARE,
    _MINISTRIES,
    _MINISTRY_WEIGHTS,
    _NOTICES_BASE,
    _NOTICES_NEW1,
    _NOTICES_NEW2,
    _PROVINCES,
    _spell,
    _TitlePool,
)


@dataclass(frozen=True)
class _Plan:
    """One task across the snapshots: identity, and the deadline written at each snapshot."""

    key: int
    source: str
    group: str
    title: str
    leads: tuple[str, ...]
    lead_text: str
    support_text: str
    product: str
    first: int  # index into AS_OF_DATES of the first snapshot listing the task
    deadlines: tuple[Deadline, Deadline, Deadline]
    completion: dt.date | None
    completion_cell: str | dt.date | None
    difficult: bool
    cause: str
    pick: float  # stable choice among status words
    at_risk: bool
    notice: str | None = None
    task_id: str = ""
    merge_lead: bool = False


# Trajectories. Each entry: (count, kind, outcome, agency constraint, special title or None).
# kind: T1 done on time by D1; L1 done late by D1; OL2 overdue at D1, done (late) by D2;
#   OOL3 overdue at D1 and D2, done late by D3; OOO overdue at all three;
#   EXTaug / EXTq4 overdue at D1, deadline moved by D2 (to end of August / Q4), outcome at D3;
#   OOX3 overdue at D1 and D2, deadline moved by D3 (outcome P or T);
#   PT2 in progress at D1, done on time by D2; PPaug / PPdue / PPlate in progress at D1 and D2
#   with a deadline at end of August / 1/9-27/10 / from 28/10 on, outcome at D3;
#   NEW1aug / NEW1due / NEW1late first listed at D2; NEW2 first listed at D3; N recurring.
# outcome at D3: T on time, L late, O overdue, P in progress ("-" when fixed by the kind).
# agency: None any; "nomof" any but the Ministry of Finance; or a tuple of agency keys.
_Entry = tuple[int, str, str, object, tuple | None]
# A special title is (group, title, product) or (group, title, product, fixed Deadline).

_BEFORE_15_SEPT = Deadline(dt.date(2025, 9, 15), "Trước 15/9/2025", "before")
_MOST_LAWS = (
    "Xây dựng Luật Chuyển đổi số",
    "Xây dựng Luật Công nghệ cao (sửa đổi)",
    "Xây dựng Luật Chuyển giao công nghệ (sửa đổi)",
    "Xây dựng Luật Sở hữu trí tuệ (sửa đổi)",
)

_IT_TITLE = (
    "infra",
    "Nâng cấp, hoàn thiện hạ tầng công nghệ thông tin đáp ứng yêu cầu an toàn thông tin",
    "Hệ thống thông tin",
)
_POPDB_TITLE = (
    "infra",
    "Hoàn thành kết nối Hệ thống thông tin giải quyết thủ tục hành chính cấp bộ, cấp tỉnh với Cơ sở dữ liệu quốc gia về dân cư phục vụ giải quyết thủ tục hành chính, dịch vụ công theo Nghị định số 107/2021/NĐ-CP",
    "Hệ thống thông tin",
)

_NQ71_PLAN: tuple[_Entry, ...] = (
    # The 21 tasks overdue at 31/7/2025 (meeting of 1/8/2025).
    (
        1,
        "OOL3",
        "-",
        ("memr", "moet", "mae", "moh", "p:Thanh Hóa", "p:Đồng Nai", "p:Bắc Ninh"),
        _IT_TITLE,
    ),
    (
        1,
        "OOO",
        "-",
        (
            "p:Vĩnh Long",
            "p:Ninh Bình",
            "p:Hải Phòng",
            "p:Tây Ninh",
            "p:Quảng Ninh",
            "p:Hà Nội",
            "p:Gia Lai",
            "p:Hưng Yên",
        ),
        _POPDB_TITLE,
    ),
    (
        1,
        "OOL3",
        "-",
        ("mof",),
        (
            "inst",
            "Xây dựng Nghị định quy định về thành lập, tổ chức và hoạt động của quỹ đầu tư mạo hiểm cho khởi nghiệp sáng tạo, ươm tạo công nghệ và chuyển đổi số",
            "Nghị định",
        ),
    ),
    (
        1,
        "OOO",
        "-",
        ("mof",),
        (
            "inst",
            "Xây dựng Luật sửa đổi, bổ sung một số điều của Luật Ngân sách nhà nước, Luật Quản lý, đầu tư vốn nhà nước tại doanh nghiệp, Luật Doanh nghiệp, Luật Quản lý thuế",
            "Luật",
        ),
    ),
    (
        1,
        "EXTaug",
        "L",
        ("mof", "mps"),
        (
            "dx",
            "Xây dựng giải pháp, công cụ giám sát các cơ sở khám bệnh, chữa bệnh liên thông dữ liệu khám bệnh, chữa bệnh bảo hiểm y tế",
            "Hệ thống thông tin",
        ),
    ),
    (1, "OL2", "-", ("mof",), None),
    (
        1,
        "OL2",
        "-",
        ("most",),
        (
            "dx",
            "Xây dựng các ứng dụng triển khai trí tuệ nhân tạo trong hoạt động của cơ quan nhà nước",
            "Hệ thống thông tin",
        ),
    ),
    (
        1,
        "EXTaug",
        "T",
        ("most",),
        (
            "st",
            "Tháo gỡ vướng mắc về cơ chế, chính sách phát triển đô thị thông minh và khu công nghệ cao",
            "Báo cáo",
        ),
    ),
    (
        1,
        "OL2",
        "-",
        ("mae",),
        (
            "st",
            "Ban hành chương trình thúc đẩy sản xuất thông minh trong nông nghiệp",
            "Quyết định của Thủ tướng Chính phủ",
        ),
    ),
    (1, "EXTaug", "O", ("mae",), None),
    (1, "EXTq4", "P", ("mae",), None),
    (6, "OL2", "-", ("mae",), None),
    (
        1,
        "OL2",
        "-",
        ("memr",),
        (
            "inst",
            "Hoàn thành xây dựng, cập nhật Kế hoạch hành động thực hiện Chương trình hành động của Chính phủ về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
            "Kế hoạch",
        ),
    ),
    (2, "OL2", "-", ("memr",), None),
    (1, "OL2", "-", ("moj",), None),
    # Completed by 31/7 (12 of them late, two of those led by the Ministry of Finance).
    (48, "T1", "-", None, None),
    (2, "L1", "-", ("mof",), None),
    (10, "L1", "-", "nomof", None),
    (17, "PT2", "-", None, None),
    # In progress at 28/8.
    (5, "PPaug", "T", None, None),
    (2, "PPaug", "L", None, None),
    (2, "PPaug", "O", None, None),
    # The four laws to submit to the National Assembly before 15/9 (meeting of 28/8/2025).
    *((1, "PPdue", "T", ("most",), ("inst", t, "Luật", _BEFORE_15_SEPT)) for t in _MOST_LAWS[:3]),
    (1, "PPdue", "L", ("most",), ("inst", _MOST_LAWS[3], "Luật", _BEFORE_15_SEPT)),
    (37, "PPdue", "T", None, None),
    (11, "PPdue", "L", None, None),
    (13, "PPdue", "O", None, None),
    (15, "PPlate", "T", None, None),
    (
        1,
        "PPlate",
        "P",
        ("most",),
        (
            "inst",
            "Xây dựng Luật Trí tuệ nhân tạo",
            "Luật",
            Deadline(dt.date(2025, 12, 31), "Quý IV/2025", "quarter"),
        ),
    ),
    (132, "PPlate", "P", None, None),
    (2, "NEW1late", "P", None, None),
    (8, "N", "-", None, None),
)

_TBKL_PLAN: tuple[_Entry, ...] = (
    (70, "T1", "-", None, None),
    (3, "L1", "-", ("mof",), None),
    (25, "L1", "-", "nomof", None),
    (1, "OL2", "-", ("mof",), None),
    (11, "OL2", "-", "nomof", None),
    (1, "OOL3", "-", ("mof",), None),
    (11, "OOL3", "-", "nomof", None),
    (1, "OOO", "-", ("mof",), None),
    (7, "OOO", "-", "nomof", None),
    (1, "OOX3", "P", ("mof",), None),
    (6, "OOX3", "P", "nomof", None),
    (3, "OOX3", "T", "nomof", None),
    (2, "EXTaug", "T", None, None),
    (1, "EXTaug", "L", None, None),
    (26, "PT2", "-", None, None),
    (5, "PPaug", "T", None, None),
    (2, "PPaug", "L", None, None),
    (2, "PPaug", "O", None, None),
    (30, "PPdue", "T", None, None),
    (16, "PPdue", "L", None, None),
    (18, "PPdue", "O", None, None),
    (15, "PPlate", "T", None, None),
    (39, "PPlate", "P", None, None),
    (2, "NEW1aug", "T", None, None),
    (1, "NEW1aug", "L", None, None),
    (3, "NEW1due", "O", None, None),
    (4, "NEW1due", "T", None, None),
    (6, "NEW1late", "P", None, None),
    (3, "NEW2", "T", None, None),
    (2, "NEW2", "O", None, None),
    (11, "NEW2", "P", None, None),
    (10, "N", "-", None, None),
)

_DAY = dt.timedelta(days=1)
_AUG_END_FORMS = {"month": 40, "month_short": 15, "date_text": 30, "date_cell": 15}
_LATE_FORMS = {
    "quarter": 22,
    "year": 12,
    "half": 8,
    "month": 20,
    "month_short": 6,
    "date_text": 18,
    "date_cell": 10,
    "before": 4,
}


def _timeline(
    rng: random.Random, kind: str, outcome: str, start: dt.date
) -> tuple[int, tuple[Deadline, Deadline, Deadline], dt.date | None]:
    """(first snapshot, deadline at each snapshot, completion date) for one trajectory."""
    first = 0
    comp: dt.date | None = None
    y26 = dt.date(2026, 12, 31)
    if kind == "N":
        return 0, (RECURRING, RECURRING, RECURRING), None
    if kind == "T1":
        comp = _pick_day(rng, max(start + dt.timedelta(days=10), dt.date(2025, 2, 20)), D1 - _DAY)
        hi = min(comp + dt.timedelta(days=rng.choice((20, 45, 90, 150))), dt.date(2025, 12, 31))
        dl = _pick_deadline(rng, comp, max(hi, comp), avoid=(comp,))
        return 0, (dl, dl, dl), comp
    if kind == "L1":
        dl = _pick_deadline(
            rng, max(start + dt.timedelta(days=20), dt.date(2025, 3, 15)), D1 - 12 * _DAY
        )
        assert dl.date is not None
        comp = _pick_day(rng, dl.date + 3 * _DAY, D1 - _DAY)
        return 0, (dl, dl, dl), comp
    if kind in ("OL2", "OOL3", "OOO", "OOX3", "EXTaug", "EXTq4"):
        lo = max(start + dt.timedelta(days=20), dt.date(2025, 4, 15))
        dl = _pick_deadline(rng, lo, D1 - 3 * _DAY)
        if kind == "OL2":
            comp = _pick_day(rng, D1 + _DAY, D2 - _DAY)
            return 0, (dl, dl, dl), comp
        if kind == "OOL3":
            comp = _pick_day(rng, D2 + _DAY, D3 - _DAY)
            return 0, (dl, dl, dl), comp
        if kind == "OOO":
            return 0, (dl, dl, dl), None
        if kind == "OOX3":
            dl3 = _pick_deadline(
                rng, D3 + 3 * _DAY, dt.date(2025, 12, 31), _LATE_FORMS, AS_OF_DATES
            )
            if outcome == "T":
                comp = _pick_day(rng, D2 + _DAY, D3 - _DAY)
            return 0, (dl, dl, dl3), comp
        if kind == "EXTq4":
            dl2 = Deadline(dt.date(2025, 12, 31), "Quý IV/2025", "quarter")
            return 0, (dl, dl2, dl2), None
        dl2 = _pick_deadline(rng, dt.date(2025, 8, 31), dt.date(2025, 8, 31), _AUG_END_FORMS)
        if outcome == "T":
            comp = _pick_day(rng, D2 + _DAY, dt.date(2025, 8, 29))
        elif outcome == "L":
            comp = _pick_day(rng, dt.date(2025, 9, 8), D3 - _DAY)
        return 0, (dl, dl2, dl2), comp
    if kind == "PT2":
        if rng.random() < 0.55:
            dl = _pick_deadline(rng, D1 + 5 * _DAY, D2 - 2 * _DAY, avoid=AS_OF_DATES)
        else:
            dl = _pick_deadline(rng, D2 + 5 * _DAY, dt.date(2025, 12, 31), avoid=AS_OF_DATES)
        assert dl.date is not None
        comp = _pick_day(rng, D1 + _DAY, min(dl.date - 2 * _DAY, D2 - _DAY))
        return 0, (dl, dl, dl), comp
    if kind.startswith(("PP", "NEW1", "NEW2")):
        first = 0 if kind.startswith("PP") else (1 if kind.startswith("NEW1") else 2)
        sub = kind.removeprefix("PP").removeprefix("NEW1").removeprefix("NEW2") or "any"
        if kind == "NEW2":
            sub = {"T": "new2T", "O": "new2O", "P": "late"}[outcome]
        if sub == "aug":
            # Due at the end of August: open on 28/8 (never "before" forms, never 28/8 itself).
            lo = dt.date(2025, 8, 30) if outcome == "T" else dt.date(2025, 8, 29)
            dl = _pick_deadline(rng, lo, dt.date(2025, 8, 31), _AUG_END_FORMS)
        elif sub == "due":
            hi = D3 - (3 if outcome == "L" else 1) * _DAY
            dl = _pick_deadline(rng, dt.date(2025, 9, 3), hi, avoid=AS_OF_DATES)
        elif sub == "new2T":
            dl = _pick_deadline(
                rng, dt.date(2025, 10, 10), dt.date(2025, 12, 31), _LATE_FORMS, AS_OF_DATES
            )
        elif sub == "new2O":
            dl = _pick_deadline(rng, dt.date(2025, 10, 5), D3 - 3 * _DAY, avoid=AS_OF_DATES)
        else:  # late: from 28/10/2025, a few in 2026
            hi = y26 if rng.random() < 0.12 else dt.date(2025, 12, 31)
            lo = dt.date(2026, 1, 1) if hi == y26 else D3
            dl = _pick_deadline(rng, lo, hi, _LATE_FORMS, AS_OF_DATES)
        assert dl.date is not None
        if outcome == "T":
            lo = D2 + _DAY if first < 2 else dt.date(2025, 10, 1)
            comp = _pick_day(rng, lo, min(dl.date - _DAY, D3 - _DAY))
        elif outcome == "L":
            comp = _pick_day(rng, dl.date + 2 * _DAY, D3 - _DAY)
        return first, (dl, dl, dl), comp
    raise ValueError(kind)


def _pick_leads(rng: random.Random, constraint: object) -> tuple[str, ...]:
    if isinstance(constraint, tuple):
        return constraint
    allow_mof = constraint != "nomof"
    if rng.random() < 0.06:
        pairs = [p for p in _LEAD_PAIRS if allow_mof or "mof" not in p]
        return rng.choice(pairs)
    if rng.random() < _LOCALITY_SHARE:
        return ("p:" + rng.choice(list(_PROVINCES)),)
    names = [m for m in _MINISTRY_WEIGHTS if allow_mof or m != "mof"]
    return (rng.choices(names, weights=[_MINISTRY_WEIGHTS[m] for m in names])[0],)


def _support(rng: random.Random, leads: tuple[str, ...]) -> str:
    if leads[0].startswith("p:"):
        pool = ["Bộ Khoa học và Công nghệ", "Bộ Công an", "Bộ Tài chính", "Bộ Nội vụ"]
        picks = rng.sample(pool, rng.choice((1, 1, 2)))
        return ", ".join(["Các sở, ngành liên quan", *picks])
    others = [
        _MINISTRIES[k][0] for k in _MINISTRY_WEIGHTS if k not in leads and k not in ("mocst",)
    ]
    r = rng.random()
    if r < 0.15:
        return "Các bộ, ngành, địa phương"
    if r < 0.22:
        return ""
    picks = rng.sample(others, rng.choice((1, 2, 2, 3)))
    if rng.random() < 0.3:
        picks.append("các địa phương")
    return ", ".join(picks)


def _build_plans(source: str, plan: tuple[_Entry, ...], rng: random.Random, titles: _TitlePool):
    plans: list[_Plan] = []
    for count, kind, outcome, constraint, special in plan:
        for _ in range(count):
            if kind.startswith("NEW1"):
                notice, start = rng.choice(_NOTICES_NEW1)
            elif kind == "NEW2":
                notice, start = rng.choice(_NOTICES_NEW2)
            else:
                notice, start = rng.choice(_NOTICES_BASE[:5])
            if source == SOURCE_NQ71:
                notice, start = None, dt.date(2025, 1, 9)
            first, deadlines, comp = _timeline(rng, kind, outcome, start)
            if special is not None and len(special) == 4:
                fixed: Deadline = special[3]
                assert fixed.date is not None and kind.startswith("PP")
                deadlines = (fixed, fixed, fixed)
                if outcome == "T":
                    comp = _pick_day(rng, D2 + _DAY, min(fixed.date - 2 * _DAY, D3 - _DAY))
                elif outcome == "L":
                    comp = _pick_day(rng, fixed.date + 2 * _DAY, D3 - _DAY)
            if notice is not None:
                # The latest notice that leaves time before the first deadline / completion.
                first_dates = [d.date for d in deadlines if d.date is not None]
                if comp is not None:
                    first_dates.append(comp)
                limit = min(first_dates) if first_dates else D1
                pool = {0: _NOTICES_BASE, 1: _NOTICES_NEW1, 2: _NOTICES_NEW2}[first]
                fits = [n for n in pool if n[1] + dt.timedelta(days=12) <= limit]
                notice = rng.choice(fits or pool[:1])[0]
            leads = _pick_leads(rng, constraint)
            if special is not None:
                group, title, product = special[:3]
                titles.take(title)
            else:
                group, title, product = titles.draw(leads[0], recurring=(kind == "N"))
            lead_text = "; ".join(_spell(rng, a) for a in leads)
            hard_bias = 0.3 if kind in ("OOO", "OOL3", "OOX3") or product == "Luật" else 0.07
            plans.append(
                _Plan(
                    key=len(plans),
                    source=source,
                    group=group,
                    title=title,
                    leads=leads,
                    lead_text=lead_text,
                    support_text=_support(rng, leads),
                    product=product,
                    first=first,
                    deadlines=deadlines,
                    completion=comp,
                    completion_cell=None if comp is None else _completion_cell(rng, comp),
                    difficult=rng.random() < hard_bias,
                    cause=rng.choice(_CAUSES),
                    pick=rng.random(),
                    at_risk=kind.endswith("aug") and rng.random() < 0.5,
                    notice=notice,
                    merge_lead=rng.random() < 0.5,
                )
            )
    return plans


def _order_and_number(source: str, plans: list[_Plan], rng: random.Random) -> list[_Plan]:
    """Sheet order (by group; leads clustered now and then) and stable ids."""
    prefix = "NQ71" if source == SOURCE_NQ71 else "TBKL"
    ordered: list[_Plan] = []
    for group in _GROUPS[source]:
        members = [p for p in plans if p.group == group and p.first == 0]
        rng.shuffle(members)
        cluster: dict[str, int] = {}
        keyed = []
        for i, p in enumerate(members):
            if p.lead_text not in cluster:
                cluster[p.lead_text] = i if rng.random() < 0.4 else -1
            c = cluster[p.lead_text]
            keyed.append(((c if c >= 0 else i), i, p))
        keyed.sort(key=lambda t: (t[0], t[1]))
        ordered += [p for _, _, p in keyed]
    later = [p for p in plans if p.first > 0]
    later.sort(key=lambda p: (p.first, p.key))
    numbered = {}
    for n, p in enumerate(ordered + later, start=1):
        numbered[p.key] = replace(p, task_id=f"{prefix}-{n:03d}")
    # Sheet order: base tasks in their order, later tasks at the end of their group.
    out: list[_Plan] = []
    for group in _GROUPS[source]:
        out += [numbered[p.key] for p in ordered if p.group == group]
        out += [numbered[p.key] for p in later if p.group == group]
    return out
