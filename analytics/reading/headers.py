"""Header detection: which row (or pair of rows) is the header, and which canonical field each
column maps to (data/reference/header_variants.csv plus EXTRA_VARIANTS)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analytics.model import FIELDS, REQUIRED_FIELDS
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
    "status": ("Status", "Progress", "Implementation status"),
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

_FIELD_INDEX = {f: i for i, f in enumerate(FIELDS)}
_EXACT_WEIGHT = 1000
_CONTAINS_WEIGHT = 500
_COLNUM = re.compile(r"[(\[]?\s*(?:\d{1,3}|[A-Za-z])\s*[)\]]?(?:\s*[=+\-*/x×]\s*.*)?")


def _htext(value: object) -> str:
    """A cell as header text (single line, NFC)."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
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
    for fld, extra in EXTRA_VARIANTS.items():
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
        if len(key) >= 4 or fld == "row_no":
            contains[(f" {key} ", fld)] = len(key)
    exact_t = {k: tuple(v) for k, v in exact.items()}
    contains_t = tuple((k, f, n) for (k, f), n in contains.items())
    return exact_t, contains_t


def _hkey(text: object) -> str:
    key = fold_words(text)
    return key if key else fold(text)


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
    return mapping, total


def _row_texts(row: list) -> list[str]:
    return [_htext(v) for v in row]


def _single(grid: list[list], i: int) -> _Header:
    texts = _row_texts(grid[i])
    mapping, score = _assign([_match(t) for t in texts])
    return _Header(i, i, texts, mapping, score)


def _pair(grid: list[list], i: int) -> _Header | None:
    """Rows i and i+1 as one header (a merged group header over sub-headers)."""
    if i + 1 >= len(grid):
        return None
    top, sub = _row_texts(grid[i]), _row_texts(grid[i + 1])
    if _is_colnum_row(grid[i + 1]):
        return None
    width = max(len(top), len(sub))
    top += [""] * (width - len(top))
    sub += [""] * (width - len(sub))
    texts, found = [], []
    for t, s in zip(top, sub, strict=True):
        if t and s and fold(t) != fold(s):
            combined = f"{t} / {s}"
            m = dict(_match(combined))
            for fld, val in _match(s).items():
                if fld not in m or m[fld][0] < val[0]:
                    m[fld] = val
        else:
            combined = t or s
            m = _match(combined)
        texts.append(combined)
        found.append(m)
    mapping, score = _assign(found)
    return _Header(i, i + 1, texts, mapping, score)


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
        if below is not None and below.score > best.score:
            return below
        return best
    scores = _row_scores(grid)
    if not scores:
        return None
    i = min(scores, key=lambda rs: (-rs[1], rs[0]))[0]
    best = _single(grid, i)
    if i > 0:
        above_alone = _single(grid, i - 1)
        above = _pair(grid, i - 1)
        if above is not None and _good(above_alone) and above.score >= best.score:
            return above
    below = _pair(grid, i)
    if below is not None and below.score > best.score:
        return below
    return best


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
