"""Status words → status classes (analytics.model.STATUS_CLASSES), difficulty flags, and the
status of a task at a date over plain values (`judge`: the store's own SQL rule, one query).

The vocabulary is data/reference/status_vocabulary.csv, matched after fold_words() (no case,
no diacritics, no punctuation), plus the English and short forms in _EXTRA below. Rows of the
vocabulary whose class is not a status class are mapped (_VOCAB_CLASS):
- recurring ("Thường xuyên") → in_progress_on_time (never overdue by its words; dates decide);
- pending_review ("Chờ duyệt", "Đã báo cáo, chờ đánh giá") → in_progress_on_time;
- cancelled_or_adjusted → not_done_unspecified: what is proposed, paused or adjusted is still
  in the list ("Đề nghị đưa ra khỏi danh mục", "Tạm dừng", "Đề xuất gia hạn", "Không thực
  hiện"); only a decided cancellation is `cancelled` (the row of that name: "Bị hủy", "Dừng thực
  hiện", "Không thực hiện nữa", "Đã đưa ra khỏi danh mục", "Withdrawn");
- traffic_light: Xanh → in_progress_on_time, Vàng → at_risk, Đỏ → overdue_not_done.

Matching, most specific first:
1. the whole text is a known phrase ("Chưa hoàn thành (quá hạn)" → overdue_not_done);
2. the text begins with a known phrase, the longest wins ("Đã ban hành (Quyết định số 123)"
   → done_unspecified; "Đang thực hiện, dự kiến trình tháng 10" → in_progress_on_time);
3. a known phrase anywhere, the longest wins, so "chưa hoàn thành" beats "hoàn thành". What
   stands right before it qualifies it: a done phrase after a negation ("chưa được hoàn thành")
   is not done, after a partial mark ("cơ bản đã hoàn thành", "partially completed") in
   progress; a cancel phrase after a proposal, a pause or a negation ("Bộ kiến nghị đưa ra khỏi
   danh mục", "tạm ngừng thực hiện") is not done;
4. a percentage: 100% done, 0% not done, in between in progress.
Then words after the phrase (a system's own judgement, often in brackets) refine it:
- a done phrase followed by a partial mark ("một phần", "cơ bản", "chưa đầy đủ") or a
  percentage under 100 is in progress (and refined as such below); followed by a negated
  on-time mark ("không đúng hạn", "chưa đúng tiến độ", "không bảo đảm tiến độ") or a late mark
  ("quá hạn", "chậm so với yêu cầu") done_late; by "đúng hạn"/"không quá hạn" done_on_time;
- an in-progress or not-done phrase followed by a cancellation ("Chưa thực hiện, đã đưa ra khỏi
  danh mục") is cancelled; by "nguy cơ"/"sắp hết hạn" at risk; by a late or negated on-time
  mark overdue; by "trong hạn"/"chưa đến hạn" or a percentage between 0 and 100 in progress.

Decisions (not in the shared reference set, which lists none of these):
- "Cơ bản hoàn thành" ("substantially completed") is NOT done: the Government Office counts a
  task completed when its product is delivered; "cơ bản" says something is still missing. It
  is in progress, like "Hoàn thành một phần" and "Đã hoàn thành 50%".
- Paused ("Tạm dừng", "Tạm ngừng", "Suspended", "On hold") is NOT cancelled: the task is still
  owed and stays in the figures (not done).
- "dừng" folds to "dung", as do "dụng"/"dùng" ("áp dụng thực hiện", "nội dung thực hiện",
  "xây dựng triển khai"), so a stop phrase beginning with "dừng" counts only as the whole text
  or at its start ("đã dừng thực hiện", "bị dừng thực hiện" anywhere); likewise "hủy" is not
  "huy động" (to mobilise) nor "huy chương".
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from collections.abc import Iterable
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
        "hoan thanh nhung cham", "hoan thanh tre", "completed but not on time",
    ),
    "done_unspecified": (
        "completed", "complete", "done", "finished", "accomplished", "fulfilled", "issued",
        "submitted", "closed", "resolved", "da hoan thanh 100%", "hoan tat",
        "da hoan tat", "da ky ban hanh", "x", "da xong",
    ),
    "in_progress_on_time": (
        "in progress", "ongoing", "on going", "on track", "on schedule", "in process", "underway",
        "under way", "started", "in progress on time", "not yet due", "pending approval",
        "awaiting approval", "under review", "dang thuc hien dung tien do", "dung tien do", "dth",
        "dang tien hanh", "dang to chuc thuc hien", "dang nghien cuu", "dang tham muu",
        "partially completed", "partly completed", "partially done", "mostly completed",
        "substantially completed", "largely completed", "hoan thanh buoc dau",
        "buoc dau hoan thanh",
    ),
    "overdue_not_done": (
        "overdue", "late", "delayed", "behind schedule", "past due", "overdue not completed",
        "not completed overdue", "in progress overdue", "in progress late", "cham", "tre", "muon",
        "da qua han", "qua han chua thuc hien", "chua thuc hien qua han", "khong hoan thanh",
        "not on time", "chua dung han", "chua dung tien do",
    ),
    "not_done_unspecified": (
        "not started", "not completed", "not done", "incomplete", "not yet completed",
        "not yet started", "not implemented", "pending", "suspended", "paused",
        "on hold", "postponed", "cht", "chua", "chua xong", "chua ban hanh", "chua trinh",
        "tam ngung", "proposed for cancellation", "proposed for removal",
    ),
    "at_risk": (
        "at risk", "at risk of delay", "risk of delay", "due soon", "nearly due", "co nguy co cham",
        "co kha nang cham",
    ),
    "cancelled": (
        "dropped", "terminated", "abandoned", "removed from the programme",
        "no longer implemented", "bi ngung thuc hien", "ngung trien khai", "khong trien khai nua",
    ),
}  # fmt: skip

_TICKS = frozenset("\u2713\u2714\u2611\u221a")  # ✓ ✔ ☑ √ ticked in a "done" column
_BLANKS = frozenset({"", "nan", "none", "null", "<na>", "(blank)", "-", "--"})
_PCT = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*%")
_NEGATED_MARKER = re.compile(
    r"\b(?:khong|chua|not|no)\s+(?:bi\s+)?(?:qua han|tre han|tre|cham|muon|late|overdue|delayed)\b"
)
# "không đúng hạn", "chưa đúng tiến độ", "không bảo đảm tiến độ", "not on time": late.
_NOT_ON_TIME = re.compile(
    r"\b(?:khong|chua|not|not yet|never)\s+(?:duoc\s+|bao dam\s+|dam bao\s+|theo\s+|kip\s+)?"
    r"(?:dung han|trong han|dung thoi han|dung tien do|tien do|kip thoi|kip tien do|truoc han"
    r"|on time|in time|on schedule|within the deadline)\b"
    r"|\b(?:khong|chua)\s+kip\b"
)
_LATE = re.compile(
    r"\b(?:qua han|tre han|tre tien do|cham tien do|cham so voi|cham muon|cham tre|bi cham|bi tre"
    r"|con cham|late|overdue|delayed|behind schedule|past due)\b|^(?:cham|tre|muon)\b"
    r"|\bnhung (?:con |bi )?(?:cham|tre|muon)\b"
)
_ON_TIME = re.compile(
    r"\b(?:dung han|trong han|dung tien do|truoc han|truoc thoi han|vuot tien do|som"
    r"|on time|in time|ahead of schedule|early)\b"
)
# Within the deadline, said of a task not yet done ("dung han" is not: "chưa hoàn thành đúng
# hạn" means not completed in time).
_WITHIN = re.compile(
    r"\b(?:trong han|chua den han|dung tien do|on track|on schedule|not yet due"
    r"|within the deadline)\b"
)
_RISK = re.compile(
    r"\b(?:nguy co|kha nang cham|sap den han|sap het han|at risk|risk of delay|due soon)\b"
)
# Right after a done phrase: only part of it is done ("Hoàn thành một phần", "(cơ bản)").
_PARTIAL_AFTER = re.compile(
    r"^(?:(?:duoc|nhung|mot so)\s+)?(?:mot phan|co ban|phan lon|buoc dau|chua hoan toan"
    r"|chua day du|khong day du|chua xong|partially|partly|in part|mostly|largely)\b"
)
_NEGATION_BEFORE = re.compile(r"\b(?:chua|khong|not|not yet|never)(?: duoc| the| bi)?\s*$")
# Right before a done phrase: only part of it is done ("Cơ bản đã hoàn thành").
_PARTIAL_BEFORE = re.compile(
    r"\b(?:co ban|mot phan|buoc dau|phan lon|partially|partly|mostly|largely|substantially"
    r"|nearly|almost)(?: da| duoc| been)?\s*$"
)
# Right before a cancel phrase: not cancelled yet (a proposal, a pause, a negation).
_NOT_CANCELLED_BEFORE = re.compile(
    r"\b(?:de nghi|de xuat|kien nghi|xin|du kien|xem xet|tam|chua|khong|propose[sd]?|proposal to"
    r"|request(?:ed|s)?|recommend(?:ed|s)?|to be|may be|not|not yet)"
    r"(?: cho| duoc| viec| phep| for| to| be| to be)*\s*$"
)
# A phrase ending in a word that, followed by the next word, makes another word: "huy" of
# "huy động" (to mobilise) or "huy chương" (a medal) is not "hủy" (to cancel).
_COMPOUND_NEXT = {"huy": ("dong", "chuong", "hieu", "hoang")}
_OPEN = frozenset({"in_progress_on_time", "not_done_unspecified"})
_NOT_DONE = frozenset(
    {"in_progress_on_time", "not_done_unspecified", "overdue_not_done", "at_risk"}
)


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
    {
        "completed", "overdue", "delayed", "incomplete", "ongoing", "cancelled", "canceled",
        "withdrawn", "discontinued",
    }
)  # fmt: skip


@functools.cache
def _by_length() -> tuple[tuple[str, str], ...]:
    """The phrases longest first (more words = more specific)."""
    return tuple(sorted(_vocabulary().items(), key=lambda kv: (-len(kv[0]), kv[0])))


@functools.cache
def _inner_phrases() -> tuple[tuple[str, str], ...]:
    """The phrases that may match inside text: several words, or an unambiguous word; not a
    stop phrase beginning with "dung" ("dừng", but also "áp dụng", "nội dung", "xây dựng")."""
    return tuple(
        (p, c)
        for p, c in _by_length()
        if (" " in p or p in _FREE_WORDS) and not (c == "cancelled" and p.startswith("dung "))
    )


def _percent_class(pct: float) -> str:
    if pct >= 100:
        return "done_unspecified"
    return "not_done_unspecified" if pct <= 0 else "in_progress_on_time"


def _glued(phrase: str, rest: str) -> bool:
    """True when the phrase's last word and the next word make another word ("huy động")."""
    nexts = _COMPOUND_NEXT.get(phrase.rsplit(" ", 1)[-1])
    return bool(nexts) and rest.split(" ", 1)[0] in nexts


def _qualified(cls: str, before: str) -> str:
    """The class of a phrase found inside text, given the words right before it."""
    if cls in DONE_CLASSES:
        if _NEGATION_BEFORE.search(before):
            return "not_done_unspecified"
        if _PARTIAL_BEFORE.search(before):
            return "in_progress_on_time"
    elif cls == "cancelled" and _NOT_CANCELLED_BEFORE.search(before):
        return "not_done_unspecified"
    return cls


def _phrase_match(key: str) -> tuple[str, str, str, str] | None:
    """(class, text after the phrase, the phrase, the words before it) for the most specific
    known phrase in key."""
    exact = _vocabulary().get(key)
    if exact:
        return exact, "", key, ""
    for phrase, cls in _by_length():
        if key.startswith(phrase + " "):
            rest = key[len(phrase) + 1 :]
            if not _glued(phrase, rest):
                return cls, rest, phrase, ""
    padded = f" {key} "
    for phrase, cls in _inner_phrases():
        at = padded.find(f" {phrase} ")
        if at >= 0:
            rest = padded[at + len(phrase) + 2 :].strip()
            if not _glued(phrase, rest):
                before = padded[: at + 1].strip()
                return _qualified(cls, before), rest, phrase, before
    return None


def _pct_under_100(rest: str) -> float | None:
    pct = _PCT.search(rest)
    value = float(pct.group(1).replace(",", ".")) if pct else None
    return value if value is not None and value < 100 else None


def _cancelled_in(rest: str, lead: str) -> bool:
    """True when the words after a phrase (`lead`) say the task is cancelled: "Chưa thực hiện,
    đã đưa ra khỏi danh mục", not "Chưa đưa ra khỏi danh mục" (the lead "chưa" negates it)."""
    found = _phrase_match(rest)
    if found is None or found[0] != "cancelled":
        return False
    return bool(found[3]) or not _NOT_CANCELLED_BEFORE.search(lead)


def _refine(cls: str, rest: str, phrase: str, before: str) -> str:
    """Words after the matched phrase make the class more specific."""
    if not rest or cls not in DONE_CLASSES and cls not in _NOT_DONE:
        return cls
    rest = _NOT_ON_TIME.sub(" qua han ", rest)
    rest = _NEGATED_MARKER.sub(" trong han ", rest)
    if cls == "done_unspecified":
        if _PARTIAL_AFTER.search(rest) or _pct_under_100(rest) is not None:
            cls = "in_progress_on_time"  # partly done: refined as open below
        elif _LATE.search(rest):
            return "done_late"
        elif _ON_TIME.search(rest):
            return "done_on_time"
        else:
            return cls
    elif cls in DONE_CLASSES:
        if _PARTIAL_AFTER.search(rest) or _pct_under_100(rest) is not None:
            cls = "in_progress_on_time"
        else:
            return cls
    if _cancelled_in(rest, f"{before} {phrase}"):
        return "cancelled"
    if cls not in _OPEN:  # overdue or at risk: said already
        return cls
    if _RISK.search(rest):
        return "at_risk"
    if _LATE.search(rest):
        return "overdue_not_done"
    if cls == "not_done_unspecified" and (_WITHIN.search(rest) or _pct_under_100(rest)):
        return "in_progress_on_time"
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


# The status of a task at a date.


def judge(
    rows: Iterable[tuple[str | None, dt.date | None, dt.date | None]], as_of: dt.date
) -> list[str]:
    """The status (analytics.model.STATUSES) of each (status_class, deadline, completion_date)
    judged at `as_of`, in order: the very SQL expressions the store judges tasks with
    (sql/task_completed.sql, sql/task_status.sql, inlined in sql/judge_statuses.sql), evaluated
    in DuckDB over the given values in one query. A status_class of None counts as "unknown"
    (the dates alone decide)."""
    import duckdb
    import pyarrow as pa

    from analytics import store

    status_classes, deadlines, completions = [], [], []
    for status_class, deadline, completion in rows:
        status_classes.append(status_class or "unknown")
        deadlines.append(deadline)
        completions.append(completion)
    if not status_classes:
        return []
    given = pa.table(
        {
            "i": pa.array(range(len(status_classes)), pa.int64()),
            "status_class": pa.array(status_classes, pa.string()),
            "deadline": pa.array(deadlines, pa.date32()),
            "completion_date": pa.array(completions, pa.date32()),
        }
    )
    with duckdb.connect() as con:
        con.register("judge_rows", given)
        found = con.execute(store.sql("judge_statuses"), {"as_of": as_of}).fetchall()
    return [status for _, status in found]
