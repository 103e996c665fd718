"""Header detection: which row (or pair of rows) is the header, and which canonical field each
column maps to (data/reference/header_variants.csv plus EXTRA_VARIANTS and CANONICAL_NAMES)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analytics import safe_text
from analytics.model import FIELDS, REPORT_COLUMN_FIELDS, REQUIRED_FIELDS
from analytics.reading import common
from analytics.text import fold, fold_words, nfc

VARIANTS_CSV = Path(__file__).resolve().parents[2] / "data" / "reference" / "header_variants.csv"

# Headers beyond data/reference/header_variants.csv: English sheets, difficulty/priority flags,
# and sub-headers under a merged "Thời hạn" group ("Theo kế hoạch" | "Thực tế").
EXTRA_VARIANTS: dict[str, tuple[str, ...]] = {
    "row_no": ("No.", "No", "S/N", "Seq"),
    "group": ("Group", "Category", "Area"),
    "task_id": ("Task ID", "ID", "Task code", "Code"),
    "task": ("Task", "Tasks", "Task name", "Task description", "Description", "Content"),
    "lead_agency": (
        "Lead agency",
        "Lead",
        "Lead unit",
        "Lead agencies",
        "Responsible agency",
        "Assigned to",
        "Owner",
    ),
    "support_agencies": (
        "Supporting agencies",
        "Supporting agency",
        "Support agencies",
        "Coordinating agencies",
        "Supporting",
    ),
    "product": ("Product", "Products", "Output", "Outputs", "Deliverable", "Expected output"),
    "submission_level": ("Submission level", "Issuing authority", "Approval level"),
    "deadline": (
        "Deadline",
        "Due date",
        "Due",
        "Target date",
        "Time limit",
        "Theo kế hoạch",
        "Kế hoạch",
        "Thời hạn theo kế hoạch",
        "Hạn",
    ),
    "source_doc": ("Source document", "Assigning document"),
    "assigned_date": ("Assigned date", "Date assigned", "Assigned on"),
    "status": ("Status", "Implementation status"),
    "progress_pct": ("% complete", "Progress (%)", "Percent complete"),
    "completion_date": (
        "Completion date",
        "Completed on",
        "Date completed",
        "Actual completion",
        "Thực tế",
        "Hoàn thành thực tế",
        "Thời gian thực tế",
        "Ngày hoàn thành thực tế",
    ),
    "result": ("Result", "Results", "Outcome"),
    "issues": (
        "Causes",
        "Cause",
        "Reason for delay",
        "Reasons for delay",
        "Difficulties",
        "Issues",
    ),
    "proposals": ("Proposals", "Proposal", "Recommendations"),
    "notes": ("Notes", "Note", "Remarks", "Comments"),
    "leader": ("Leader", "Supervising leader"),
    "focal_point": ("Focal point", "Contact person"),
    "agency_comment": ("Agency comment", "Agency comments", "Agency's comment", "Agency feedback"),
    # A narrative of what was done; it is the status when the sheet has no explicit status
    # column (see _assign).
    "progress": ("Progress", "Progress notes", "Progress update", "Implementation progress"),
    "difficulty": (
        "Mức độ khó",
        "Độ khó",
        "Nhiệm vụ khó",
        "Nhiệm vụ khó khăn",
        "Nhiệm vụ khó khăn, phức tạp",
        "Mức độ ưu tiên",
        "Ưu tiên",
        "Trọng tâm",
        "Nhiệm vụ trọng tâm",
        "Difficulty",
        "Difficult",
        "Priority",
    ),
}

# The canonical field names themselves ("task_id", "lead_agency", "source_doc", ...; "_" reads as
# a space) and the JSON task feed's "title" (docs/task-feed.md; its other names are variants
# already): the columns of a database source's query (analytics/connectors/database.py).
CANONICAL_NAMES: dict[str, tuple[str, ...]] = {
    **{f: (f,) for f in FIELDS if f not in REPORT_COLUMN_FIELDS},
    "task": ("task", "title"),
}

_FIELD_INDEX = {f: i for i, f in enumerate(FIELDS)}
_EXACT_WEIGHT = 1000
_CONTAINS_WEIGHT = 500
_COLNUM = re.compile(r"[(\[]?\s*(?:\d{1,3}|[A-Za-z])\s*[)\]]?(?:\s*[=+\-*/x×]\s*.*)?")


def _htext(value: object) -> str:
    """A cell as header text (single line, NFC, no control characters)."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        value = safe_text.remove_controls(value)
    return nfc(value)


# ---------------------------------------------------------------------------------------------
# header variants and scoring


@lru_cache(maxsize=1)
def _variants() -> tuple[dict[str, tuple[str, ...]], tuple[tuple[str, str, int], ...]]:
    """(exact key -> fields, contains entries (padded key, field, key length))."""
    pairs: list[tuple[str, str]] = []
    with VARIANTS_CSV.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for rec in reader:
            if len(rec) < 2 or rec[0].strip() not in _FIELD_INDEX:
                continue
            for variant in rec[1].split("|"):
                if "(group row)" in variant:  # a group given by a row, not a column
                    continue
                pairs.append((rec[0].strip(), variant))
    for fld, extra in (*EXTRA_VARIANTS.items(), *CANONICAL_NAMES.items()):
        pairs.extend((fld, v) for v in extra)
    exact: dict[str, list[str]] = {}
    contains: dict[tuple[str, str], int] = {}
    for fld, variant in pairs:
        key = _hkey(variant)
        if not key:
            continue
        exact.setdefault(key, [])
        if fld not in exact[key]:
            exact[key].append(fld)
        if (len(key) >= 4 or fld == "row_no") and fld not in REPORT_COLUMN_FIELDS:
            contains[(f" {key} ", fld)] = len(key)  # a report column: its exact header only
    exact_t = {k: tuple(v) for k, v in exact.items()}
    contains_t = tuple((k, f, n) for (k, f), n in contains.items())
    return exact_t, contains_t


# Abbreviations real systems write in headers ("Thời hạn HT", "Tên NV", "ĐV chủ trì"), read
# as the words they stand for. "TT" (thứ tự) is a header of its own and stays as it is.
_ABBREVIATIONS = {
    "ht": "hoan thanh",
    "nv": "nhiem vu",
    "cq": "co quan",
    "dv": "don vi",
    "vb": "van ban",
    "tg": "thoi gian",
}
# "Đơn vị /Cá nhân đầu mối", "Cơ quan, cá nhân chủ trì": a unit or a person is the unit.
_UNIT_OR_PERSON = re.compile(r"\b(don vi|co quan) ca nhan\b")


def _hkey(text: object) -> str:
    """The key a header is matched by: fold_words() (no case, diacritics, punctuation or
    spacing around "/" and ","), abbreviations spelt out, "Đơn vị/Cá nhân" read as "Đơn vị"."""
    key = fold_words(text)
    if not key:
        return fold(text)
    words = key.split(" ")
    if any(w in _ABBREVIATIONS for w in words):
        key = " ".join(_ABBREVIATIONS.get(w, w) for w in words)
    if "ca nhan" in key:
        key = _UNIT_OR_PERSON.sub(r"\1", key)
    return key


@lru_cache(maxsize=4096)
def _match(text: str) -> dict[str, tuple[int, bool]]:
    """Canonical fields a header text matches: field -> (score, exact)."""
    if not text or len(text) > 120:
        return {}
    key = _hkey(text)
    if not key:
        return {}
    exact, contains = _variants()
    found: dict[str, tuple[int, bool]] = {}
    for fld in exact.get(key, ()):
        found[fld] = (_EXACT_WEIGHT + len(key), True)
    if key.count(" ") < 12:
        padded = f" {key} "
        for vkey, fld, n in contains:
            if vkey in padded and len(vkey) - 2 < len(key):
                score = _CONTAINS_WEIGHT + n
                if fld not in found or found[fld][0] < score:
                    found[fld] = (score, False)
    return found


@dataclass
class _Header:
    top: int  # 0-based grid index of the first header row
    bottom: int  # 0-based grid index of the last header row
    headers: list[str]
    mapping: dict[str, int]
    score: float


def _assign(
    per_column: list[dict[str, tuple[int, bool]]],
) -> tuple[dict[str, int], float]:
    """Greedy one-to-one assignment of fields to columns: best score first, ties leftmost."""
    cands = []
    for col, found in enumerate(per_column):
        for fld, (score, is_exact) in found.items():
            cands.append((-score, col, _FIELD_INDEX[fld], fld, is_exact))
    cands.sort()
    mapping: dict[str, int] = {}
    used: set[int] = set()
    total = 0.0
    for _neg, col, _fi, fld, is_exact in cands:
        if fld in mapping or col in used:
            continue
        mapping[fld] = col
        used.add(col)
        total += 1.0 if is_exact else 0.6
    if "progress" in mapping and "status" not in mapping:
        # A narrative column ("Tình hình thực hiện") beside an explicit status column
        # ("Trạng thái") is progress text; without one, it is the status.
        mapping["status"] = mapping.pop("progress")
    return mapping, total


def _row_texts(row: list) -> list[str]:
    return [_htext(v) for v in row]


def _single(grid: list[list], i: int) -> _Header:
    texts = _row_texts(grid[i])
    mapping, score = _assign([_match(t) for t in texts])
    return _Header(i, i, texts, mapping, score)


def _pair(grid: list[list], i: int) -> _Header | None:
    """Rows i and i+1 as one header (a merged group header over sub-headers).

    A group header written once over blank cells (text files, unmerged workbooks) stands over
    every sub-header to its right up to the next header; a sub-header without words ("#") names
    its column by itself, not by the group above it ("Nhiệm vụ" over "#" | "Tên nhiệm vụ": the
    title is the name column)."""
    if i + 1 >= len(grid):
        return None
    top, sub = _row_texts(grid[i]), _row_texts(grid[i + 1])
    if _is_colnum_row(grid[i + 1]):
        return None
    width = max(len(top), len(sub))
    top += [""] * (width - len(top))
    sub += [""] * (width - len(sub))
    _carry_groups(top, sub)
    texts, found = [], []
    for t, s in zip(top, sub, strict=True):
        if t and s and fold(t) != fold(s):
            combined = f"{t} / {s}"
            if fold_words(s):
                m = dict(_match(combined))
                for fld, val in _match(s).items():
                    if fld not in m or m[fld][0] < val[0]:
                        m[fld] = val
            else:
                m = _match(s)
        else:
            combined = t or s
            m = _match(combined)
        texts.append(combined)
        found.append(m)
    mapping, score = _assign(found)
    return _Header(i, i + 1, texts, mapping, score)


def _carry_groups(top: list[str], sub: list[str]) -> None:
    """A group header's text over the blank cells to its right that have a sub-header (the
    blanks a merged group header leaves when it is written once, as text files do)."""
    group = ""
    for j, (t, s) in enumerate(zip(top, sub, strict=True)):
        if t:
            group = t if s and fold(t) != fold(s) else ""
        elif s and group:
            top[j] = group
        else:
            group = ""


# A cell a header row never holds: a number or date written as text ("1", "15.", "30/6/2025").
_NUMBERISH = re.compile(r"(?=.*\d)[\d\s.,:;/()\[\]\-–+%]+")


@dataclass
class _Below:
    """What row i+1 tells about being the lower half of a two-row header under row i."""

    data_like: bool  # it holds a number, a date or a number-like text where a header would be
    differ: int  # cells with text of their own (not the same as the cell above)
    named: int  # of these, the ones that are header names by themselves ("Tình trạng")
    same: int  # cells that repeat the one above (a header cell merged down over both rows)


def _below(grid: list[list], i: int) -> _Below:
    top, sub = grid[i], grid[i + 1]
    data_like = False
    differ = named = same = 0
    for j, s in enumerate(sub):
        if s == "" or s is None:
            continue
        t = _htext(top[j]) if j < len(top) else ""
        if s.__class__ is not str:
            if t and _htext(s) == t:
                same += 1
                continue
            data_like = True
            break
        text = s.strip()
        if not text:
            continue
        if t and fold(t) == fold(text):
            same += 1
            continue
        if _NUMBERISH.fullmatch(text):
            data_like = True
            break
        differ += 1
        named += bool(_match(_htext(text)))
    return _Below(data_like, differ, named, same)


def _pair_wins(pair: _Header | None, single: _Header, grid: list[list]) -> bool:
    """Rows i and i+1 read as one header rather than row i alone: when that scores higher, when
    it scores the same and row i+1 has sub-headers of its own (the one-row reading would take
    the sub-header row for a task), and when row i's header cells are merged down over row
    i+1 so that it can be no task row, as long as the pair keeps the required columns. Never
    when row i+1 holds a number or a date where a header would be: that is a task row."""
    if pair is None:
        return False
    below = _below(grid, single.top)
    if below.data_like:
        return False
    if pair.score > single.score:
        return True
    if not below.differ:
        return False
    if pair.score == single.score:
        return below.named > 0 or below.same > 0
    return below.same >= 2 and all(f in pair.mapping for f in REQUIRED_FIELDS)


def _good(h: _Header) -> bool:
    n = len(h.mapping)
    return n >= 3 or (n >= 2 and any(f in h.mapping for f in REQUIRED_FIELDS))


def _row_scores(grid: list[list]) -> list[tuple[int, float]]:
    out = []
    for i in range(min(common.HEADER_SCAN_ROWS, len(grid))):
        h = _single(grid, i)
        if h.score > 0:
            out.append((i, h.score))
    return out


def _detect_header(grid: list[list], given: int | None = None) -> _Header | None:
    """Best header among the first rows (or at the given 0-based row), two-row aware."""
    if given is not None:
        best = _single(grid, given)
        below = _pair(grid, given)
        return below if _pair_wins(below, best, grid) else best
    scores = _row_scores(grid)
    if not scores:
        return None
    i = min(scores, key=lambda rs: (-rs[1], rs[0]))[0]
    best = _single(grid, i)
    if i > 0:
        above_alone = _single(grid, i - 1)
        above = _pair(grid, i - 1)
        if (
            above is not None
            and _good(above_alone)
            and above.score >= best.score
            and not _below(grid, i - 1).data_like
        ):
            return above
    below = _pair(grid, i)
    return below if _pair_wins(below, best, grid) else best


def _is_colnum_row(row: list) -> bool:
    """The "(1) (2) (3)" / "A B C" row printed under a header."""
    nonempty = [v for v in row if v != "" and v is not None]
    if len(nonempty) < 2:
        return False
    hits = 0
    for v in nonempty:
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)):
            hits += float(v).is_integer() and 0 <= v <= 400
        elif isinstance(v, str) and _COLNUM.fullmatch(v.strip()):
            hits += 1
    return hits >= max(2, 0.7 * len(nonempty))
