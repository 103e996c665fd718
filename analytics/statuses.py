"""Status words → status classes (analytics.model.STATUS_CLASSES), and difficulty flags.

The vocabulary is data/reference/status_vocabulary.csv, matched after fold_words() (no case,
no diacritics, no punctuation), plus the English and short forms in _EXTRA below. Rows of the
vocabulary whose class is not a status class are mapped (_VOCAB_CLASS):
- recurring ("Thường xuyên") → in_progress_on_time (never overdue by its words; dates decide);
- pending_review ("Chờ duyệt", "Đã báo cáo, chờ đánh giá") → in_progress_on_time;
- cancelled_or_adjusted ("Tạm dừng", "Hủy", "Đề xuất gia hạn") → not_done_unspecified;
- traffic_light: Xanh → in_progress_on_time, Vàng → at_risk, Đỏ → overdue_not_done.

Matching, most specific first:
1. the whole text is a known phrase ("Chưa hoàn thành (quá hạn)" → overdue_not_done);
2. the text begins with a known phrase, the longest wins ("Đã ban hành (Quyết định số 123)"
   → done_unspecified; "Đang thực hiện, dự kiến trình tháng 10" → in_progress_on_time);
3. a known phrase anywhere, the longest wins, so "chưa hoàn thành" beats "hoàn thành"; a done
   phrase right after a negation ("chưa được hoàn thành") is not done;
4. a percentage: 100% done, 0% not done, in between in progress.
Then words after the phrase refine it: a done phrase followed by "quá hạn"/"chậm" is done_late,
by "đúng hạn" done_on_time, by a percentage under 100 in progress; an in-progress or not-done
phrase followed by "quá hạn"/"chậm tiến độ" is overdue, by "nguy cơ" at risk.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

from analytics.model import DONE_CLASSES, STATUS_CLASSES
from analytics.text import fold, fold_words, nfc

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
VOCABULARY_FILE = REFERENCE_DIR / "status_vocabulary.csv"

_VOCAB_CLASS = {
    "recurring": "in_progress_on_time",
    "pending_review": "in_progress_on_time",
    "cancelled_or_adjusted": "not_done_unspecified",
}
_TRAFFIC_LIGHT = {"xanh": "in_progress_on_time", "vang": "at_risk", "do": "overdue_not_done"}

# Forms the vocabulary file does not list: English, short codes, common Vietnamese variants.
_EXTRA = {
    "done_on_time": (
        "completed on time", "done on time", "finished on time", "completed in time", "on time",
        "completed ahead of schedule", "completed early", "hoan thanh dung tien do",
        "hoan thanh truoc han", "hoan thanh som", "hoan thanh vuot tien do",
    ),
    "done_late": (
        "completed late", "done late", "finished late", "completed overdue",
        "completed behind schedule", "completed after deadline", "late completion",
        "hoan thanh nhung cham", "hoan thanh tre",
    ),
    "done_unspecified": (
        "completed", "complete", "done", "finished", "accomplished", "fulfilled", "issued",
        "submitted", "closed", "resolved", "co ban hoan thanh", "da hoan thanh 100%", "hoan tat",
        "da hoan tat", "da ky ban hanh", "x", "da xong",
    ),
    "in_progress_on_time": (
        "in progress", "ongoing", "on going", "on track", "on schedule", "in process", "underway",
        "under way", "started", "in progress on time", "not yet due", "pending approval",
        "awaiting approval", "under review", "dang thuc hien dung tien do", "dung tien do", "dth",
        "dang tien hanh", "dang to chuc thuc hien", "dang nghien cuu", "dang tham muu",
    ),
    "overdue_not_done": (
        "overdue", "late", "delayed", "behind schedule", "past due", "overdue not completed",
        "not completed overdue", "in progress overdue", "in progress late", "cham", "tre", "muon",
        "da qua han", "qua han chua thuc hien", "chua thuc hien qua han", "khong hoan thanh",
    ),
    "not_done_unspecified": (
        "not started", "not completed", "not done", "incomplete", "not yet completed",
        "not yet started", "not implemented", "pending", "cancelled", "canceled", "suspended",
        "on hold", "postponed", "cht", "chua", "chua xong", "chua ban hanh", "chua trinh",
    ),
    "at_risk": (
        "at risk", "at risk of delay", "risk of delay", "due soon", "nearly due", "co nguy co cham",
        "co kha nang cham",
    ),
}  # fmt: skip

_TICKS = frozenset("\u2713\u2714\u2611\u221a")  # ✓ ✔ ☑ √ ticked in a "done" column
_BLANKS = frozenset({"", "nan", "none", "null", "<na>", "(blank)", "-", "--"})
_PCT = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*%")
_NEGATED_MARKER = re.compile(
    r"\b(?:khong|chua|not|no)\s+(?:bi\s+)?(?:qua han|tre han|tre|cham|muon|late|overdue|delayed)\b"
)
_LATE = re.compile(
    r"\b(?:qua han|tre han|tre tien do|cham tien do|cham so voi|cham muon|cham tre|bi cham|bi tre"
    r"|con cham|late|overdue|delayed|behind schedule|past due)\b|^(?:cham|tre|muon)\b"
)
_ON_TIME = re.compile(
    r"\b(?:dung han|trong han|dung tien do|truoc han|truoc thoi han|vuot tien do|som"
    r"|on time|in time|ahead of schedule|early)\b"
)
_RISK = re.compile(
    r"\b(?:nguy co|kha nang cham|sap den han|sap het han|at risk|risk of delay|due soon)\b"
)
_NEGATION_BEFORE = re.compile(r"\b(?:chua|khong|not|not yet|never)(?: duoc| the| bi)?\s*$")
_OPEN = frozenset({"in_progress_on_time", "not_done_unspecified"})


@functools.cache
def _vocabulary() -> dict[str, str]:
    """fold_words(phrase) → status class, from the reference file and _EXTRA."""
    phrases: dict[str, str] = {}
    with VOCABULARY_FILE.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        next(rows)
        for canonical, variants, *_ in rows:
            for variant in variants.split("|"):
                if "(tick" in variant:  # 'X (tick in "Đã hoàn thành" column)': the X itself
                    variant = variant.split("(", 1)[0]
                key = fold_words(variant.replace("\u2026", " "))
                if canonical == "traffic_light":
                    cls = _TRAFFIC_LIGHT[key]
                else:
                    cls = _VOCAB_CLASS.get(canonical, canonical)
                if key and cls in STATUS_CLASSES:
                    phrases.setdefault(key, cls)
    for cls, extra in _EXTRA.items():
        for phrase in extra:
            phrases.setdefault(fold_words(phrase), cls)
    return phrases


# One-word phrases that may also be found inside longer text (other one-word phrases such as
# "x", "ht", "chua", "tre" or "muon" only count as the whole text or its first word).
_FREE_WORDS = frozenset(
    {"completed", "overdue", "delayed", "incomplete", "ongoing", "cancelled", "canceled"}
)


@functools.cache
def _by_length() -> tuple[tuple[str, str], ...]:
    """The phrases longest first (more words = more specific)."""
    return tuple(sorted(_vocabulary().items(), key=lambda kv: (-len(kv[0]), kv[0])))


@functools.cache
def _inner_phrases() -> tuple[tuple[str, str], ...]:
    """The phrases that may match inside text: several words, or an unambiguous word."""
    return tuple((p, c) for p, c in _by_length() if " " in p or p in _FREE_WORDS)


def _percent_class(pct: float) -> str:
    if pct >= 100:
        return "done_unspecified"
    return "not_done_unspecified" if pct <= 0 else "in_progress_on_time"


def _phrase_match(key: str) -> tuple[str, str] | None:
    """(class, text after the phrase) for the most specific known phrase in key."""
    exact = _vocabulary().get(key)
    if exact:
        return exact, ""
    for phrase, cls in _by_length():
        if key.startswith(phrase + " "):
            return cls, key[len(phrase) + 1 :]
    padded = f" {key} "
    for phrase, cls in _inner_phrases():
        at = padded.find(f" {phrase} ")
        if at >= 0:
            if cls in DONE_CLASSES and _NEGATION_BEFORE.search(padded[: at + 1]):
                return "not_done_unspecified", padded[at + len(phrase) + 2 :].strip()
            return cls, padded[at + len(phrase) + 2 :].strip()
    return None


def _refine(cls: str, rest: str) -> str:
    """Words after the matched phrase make the class more specific."""
    if not rest:
        return cls
    rest = _NEGATED_MARKER.sub(" ", rest)
    if cls == "done_unspecified":
        pct = _PCT.search(rest)
        if pct and float(pct.group(1).replace(",", ".")) < 100:
            return "in_progress_on_time"
        if _LATE.search(rest):
            return "done_late"
        if _ON_TIME.search(rest):
            return "done_on_time"
    elif cls in _OPEN:
        if _RISK.search(rest):
            return "at_risk"
        if _LATE.search(rest):
            return "overdue_not_done"
    return cls


@functools.lru_cache(maxsize=16_384)
def _classify(text: str) -> str:
    if text in _TICKS:
        return "done_unspecified"
    folded = fold(text)
    if folded in _BLANKS:
        return "unknown"
    pct = _PCT.fullmatch(folded)
    if pct:
        return _percent_class(float(pct.group(1).replace(",", ".")))
    key = fold_words(folded)
    found = _phrase_match(key) if key else None
    if found is None:
        pct = _PCT.search(folded)
        return _percent_class(float(pct.group(1).replace(",", "."))) if pct else "unknown"
    return _refine(*found)


def classify_status(text: object) -> str:
    """The status class (one of STATUS_CLASSES) of a status cell; 'unknown' if blank or unknown."""
    if text is None:
        return "unknown"
    return _classify(nfc(text))


# Difficulty / priority cells.
_DIFFICULT = frozenset(
    fold_words(w)
    for w in (
        "Khó", "Khó khăn", "Phức tạp", "Rất khó", "Rất phức tạp", "Khó, phức tạp", "Ưu tiên",
        "Ưu tiên cao", "Trọng tâm", "Trọng điểm", "Nhiệm vụ khó", "Cao", "Rất cao", "x", "Có",
        "Yes", "Y", "True", "1", "difficult", "very difficult", "hard", "high", "very high",
        "priority", "high priority", "critical", "key",
    )
)  # fmt: skip
_NOT_DIFFICULT = frozenset(
    fold_words(w)
    for w in (
        "Dễ", "Bình thường", "Không", "Không khó", "No", "N", "False", "0", "Thấp", "Trung bình",
        "easy", "normal", "low", "medium",
    )
)  # fmt: skip
_DIFFICULT_LEAD = re.compile(
    r"(?:rat |nhiem vu |muc do )?(?:kho|phuc tap|uu tien|trong tam|trong diem|difficult|high|hard"
    r"|cao)\b(?! bac| du lieu| luu tru| hang)"
)
_NEGATIVE_LEAD = re.compile(r"(?:khong|chua|no|not)\b")


@functools.lru_cache(maxsize=4_096)
def _difficult(text: str) -> bool:
    key = fold_words(text)
    if key in _NOT_DIFFICULT or not key:
        return text in _TICKS
    if key in _DIFFICULT:
        return True
    if _NEGATIVE_LEAD.match(key):
        return False
    return _DIFFICULT_LEAD.match(key) is not None


def is_difficult(text: object) -> bool:
    """True when a difficulty/priority cell marks the task difficult ('Khó', 'Ưu tiên', 'x')."""
    if text is None or isinstance(text, float) and text != text:
        return False
    if isinstance(text, bool):
        return text
    if isinstance(text, int | float):
        return text == 1
    return _difficult(nfc(text))
