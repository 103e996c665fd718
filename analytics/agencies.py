"""Agency names → canonical agencies (ministries, agencies, the 34 provinces, party bodies, groups).

Task sheets name lead and supporting agencies in many ways: official names with or without
diacritics, abbreviations ("BTC", "Bộ KH&CN"), English names, former ministries merged on
1 Mar 2025, the 63 provinces that became 34 on 1 Jul 2025 and older names (Hà Tây, the ministries
merged in 2007). ``AgencyResolver`` maps every one of these to a canonical ``Agency`` from
``data/reference/``, and ``split`` breaks a cell that names several agencies into single names.

A store keeps its own register on top (analytics/agency_units.py): units inside a ministry or a
province ("Vụ Pháp chế", "Sở GD&ĐT Ninh Thuận") and other names of agencies.
``AgencyResolver.with_register`` gives a resolver that knows them as well.
"""

from __future__ import annotations

import copy
import csv
import difflib
import functools
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from analytics.text import fold, fold_words, nfc

AGENCY_TYPES = (
    "ministry",
    "ministerial_agency",
    "gov_agency",
    "province",
    "party",
    "legislature",
    "judiciary",
    "state",
    "mass_org",
    "university",
    "agency",
    "enterprise",
    "group",
    "other",
)
CENTRAL_TYPES = ("ministry", "ministerial_agency", "gov_agency")  # "Bộ, ngành" in the UI
PARENT_TYPES = (*CENTRAL_TYPES, "province")
"""The agencies that may have units (a unit's parent is one of these, never another unit)."""

# `kind` column of agencies_central.csv / agencies_other.csv → AGENCY_TYPES.
_KIND_TYPES = {
    "ministry": "ministry",
    "ministerial-level agency": "ministerial_agency",
    "government agency": "gov_agency",
    "party": "party",
    "legislature": "legislature",
    "judiciary": "judiciary",
    "state": "state",
    "mass-org": "mass_org",
    "university": "university",
    "agency": "agency",
    "enterprise": "enterprise",
    "group": "group",
}
_TYPE_ORDER = {"ministry": 0, "ministerial_agency": 1, "gov_agency": 2, "province": 3}

# Alias priorities: a lower number wins when two agencies claim the same key.
_P_NAME, _P_SHORT, _P_FORMER, _P_GENERATED = 0, 1, 2, 3

_UNKNOWN_ID_MAX = 60
_CACHE_MAX = 100_000


@dataclass(frozen=True)
class Agency:
    """One canonical agency.

    id: reference id ('mof', 'most', ...); provinces 'p' + official 2-digit code ('p01');
        unknown names 'x-' + fold_words(name) with spaces → '-' (at most 60 characters).
    name_vi: official Vietnamese name (provinces: the short name, 'Hà Nội'; unknown: as written).
    name_en: English name (provinces: 'Hanoi'; unknown: as written).
    type: one of AGENCY_TYPES; a unit carries its parent's type (a filter by type includes it).
    parent_id: for a unit of a ministry or province (a store's register), the parent's id.
    """

    id: str
    name_vi: str
    name_en: str
    type: str
    parent_id: str | None = None


def _nfc_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(unicodedata.normalize("NFC", pattern), re.IGNORECASE)


# --- cleaning of one name as written -------------------------------------------------------

_LEAD_BULLET = _nfc_pattern(r"^(?:[-+•*·–—>]+|\(?\d{1,3}[.)](?!\d)|\(?[a-zđ]\))\s*")
_LEAD_LABEL = _nfc_pattern(
    r"^(?:(?:cơ quan|co quan|đơn vị|don vi)\s+)?(?:chủ trì|chu tri|phối hợp|phoi hop)\s*[:\-–]?\s*"
)
_TRAIL_PAREN = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
_TRAIL_LABEL = _nfc_pattern(r"[\s\-–:,]*(?:chủ trì|chu tri|phối hợp|phoi hop)\s*$")
_EDGE_PUNCT = re.compile(r"^[\s,;:.\-–]+|[\s,;:.\-–]+$")
_HAS_WORD = re.compile(r"\w")


def _clean(text: object) -> str:
    """A name without bullets, numbering, trailing notes "(chủ trì)" or the words "chủ trì"."""
    s = nfc(text)
    while True:
        before = s
        s = _LEAD_BULLET.sub("", s)
        s = _LEAD_LABEL.sub("", s)
        s = _TRAIL_PAREN.sub("", s)
        s = _TRAIL_LABEL.sub("", s)
        s = _EDGE_PUNCT.sub("", s)
        if s == before:
            return s


# --- matching keys -------------------------------------------------------------------------

_KEY_SUBS = (
    (re.compile(r"\buy ban nhan dan\b"), "ubnd"),
    (re.compile(r"\b(?:viet nam|vietnam)\b"), "vn"),
    (re.compile(r"\btrung uong\b"), "tw"),
    (re.compile(r"\bchinh phu\b"), "cp"),
    (re.compile(r"(?:(?<= )|^)&(?= |$)"), "va"),
    (re.compile(r"\band\b"), "va"),
)


def _key(text: object) -> str:
    """Matching key: folded words with a few spellings unified (Ủy ban nhân dân → ubnd, ...)."""
    k = fold_words(text)
    for pattern, repl in _KEY_SUBS:
        k = pattern.sub(repl, k)
    return k


def _compact(key: str) -> str:
    """Key without spaces and '&': 'bo kh&dt' and 'bo khdt' meet at 'bokhdt'."""
    return key.replace(" ", "").replace("&", "")


# Province prefixes and suffixes, on keys ("ubnd tinh", "tp", "people s committee of", ...).
_PROV_PREFIX = re.compile(
    r"^(?:ubnd|hdnd|people s committee(?: of)?|pc of|the|tinh|thanh pho|tp|province of|city of)\s+"
)
_PROV_SUFFIX = re.compile(r"\s+(?:people s committee|provincial|city|province|pc|cu|moi)$")
_RELATED_SUFFIX = re.compile(r"\s+(?:co lien quan|lien quan)$")
_PARENT_WORD = re.compile(r"\s+(?:bo|tinh|thanh pho|tp)$")  # 'van phong bo' → 'van phong'


def _strip_province_affixes(key: str) -> str:
    while True:
        before = key
        key = _PROV_PREFIX.sub("", key)
        key = _PROV_SUFFIX.sub("", key)
        if key == before:
            return key


# --- splitting -----------------------------------------------------------------------------

_HARD_SEP = re.compile(r"[;\n\r+]")
_COMMA_SEP = re.compile(r"\s*,\s*")
_AND_SEP = _nfc_pattern(r"\s+(?:và|va|and|&)\s+|\s*/\s*")


def _top_level_split(text: str, pattern: re.Pattern[str]) -> tuple[list[str], list[str]]:
    """Split at matches outside parentheses; returns (pieces, separators between them)."""
    depth = []
    d = 0
    for ch in text:
        if ch in "([":
            d += 1
        depth.append(d)
        if ch in ")]":
            d = max(0, d - 1)
    pieces: list[str] = []
    seps: list[str] = []
    start = 0
    for m in pattern.finditer(text):
        if m.start() == m.end() or depth[m.start()] > 0:
            continue
        pieces.append(text[start : m.start()])
        seps.append(m.group(0))
        start = m.end()
    pieces.append(text[start:])
    return pieces, seps


def _join(pieces: list[str], seps: list[str], i: int, j: int) -> str:
    out = pieces[i]
    for k in range(i + 1, j + 1):
        out += seps[k - 1] + pieces[k]
    return out


def _is_missing(cell: object) -> bool:
    if cell is None:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    return type(cell).__name__ in ("NAType", "NaTType")


def _slug_id(prefix: str, name: str, fallback: str) -> str:
    slug = fold_words(name).replace(" ", "-")
    return (prefix + slug)[:_UNKNOWN_ID_MAX].rstrip("-") if slug else fallback


def unknown_id(name: str) -> str:
    """The id an unknown name is kept under: 'x-' + its folded words joined by '-'."""
    return _slug_id("x-", name, "x-unknown")


def unit_id(name: str, parent_id: str) -> str:
    """The id of a unit registered as `name` under `parent_id`: 'mof-vu-phap-che' (letters,
    digits and '-' only: 'Sở GD&ĐT' → 'so-gd-dt')."""
    slug = re.sub(r"[^0-9a-z]+", "-", fold_words(_clean(name))).strip("-")
    return (f"{parent_id}-{slug}" if slug else f"{parent_id}-unit")[:_UNKNOWN_ID_MAX].rstrip("-")


def name_key(text: object) -> str:
    """The key a name is matched by (stored with an alias: two texts with one key are one name)."""
    return _key(_clean(text))


def _unknown_agency(name: str) -> Agency:
    return Agency(id=unknown_id(name), name_vi=name, name_en=name, type="other")


# --- reading the reference files -----------------------------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: nfc(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def _pipe(value: str) -> list[str]:
    return [p.strip() for p in value.split("|") if p.strip()]


_PAREN = re.compile(r"\(([^()]*)\)")


def _code_list(value: str) -> list[str]:
    """'MND (also MOD)' → ['MND', 'MOD']; 'VHL (doc) / KHCNVN (file-code)' → ['VHL', 'KHCNVN'];
    'MEMR (media also: Ministry of ...)' → ['MEMR', 'Ministry of ...']."""
    out: list[str] = []
    notes = {"doc", "file-code", "file code"}
    for inner in _PAREN.findall(value):
        inner = re.sub(r"^(?:media\s+)?also:?\s*", "", inner.strip(), flags=re.IGNORECASE)
        if inner.lower() not in notes:
            out.extend(p.strip() for p in inner.split("/"))
    out = [p.strip() for p in _PAREN.sub(" ", value).split("/")] + out
    return [p for p in out if p]


def _slash_names(value: str) -> list[str]:
    """'Quốc hội / Văn phòng Quốc hội' → both names, plus the whole text."""
    parts = [p.strip() for p in value.split(" / ")] if " / " in value else []
    return [value, *parts]


def _bo_short_forms(name_vi: str) -> list[str]:
    """Initialisms of a ministry name: 'Bộ Kế hoạch và Đầu tư' → 'Bộ KHĐT', 'BKHĐT', 'Bộ KH&ĐT'."""
    f = fold(name_vi)
    if not f.startswith("bo "):
        return []
    groups = [g.split() for g in re.split(r"\s*(?:,|-|\bva\b)\s*", f[3:]) if g.strip()]
    inits = ["".join(w[0] for w in g) for g in groups]
    joined = "".join(inits)
    forms = [f"bo {joined}", f"b{joined}"]
    if len(inits) > 1:
        amp = " ".join(inits[:-1]) + "&" + inits[-1]
        forms += [f"bo {amp}", f"bo {'&'.join(inits)}"]
    return forms


class AgencyResolver:
    """Resolves agency names as written in task sheets to canonical agencies."""

    def __init__(self, reference_dir: Path | None = None) -> None:
        if reference_dir is None:
            reference_dir = Path(__file__).resolve().parent.parent / "data" / "reference"
        self.reference_dir = Path(reference_dir)
        self._agencies: dict[str, Agency] = {}
        self._order: list[str] = []
        # key → (priority, agency id or None when ambiguous at that priority)
        self._claims: dict[str, tuple[int, str | None]] = {}
        self._prov_claims: dict[str, tuple[int, str | None]] = {}
        self._live_compact: dict[str, str] = {}  # compact key → id, for names and short forms
        self._load()
        self._exact = {k: v for k, (_, v) in self._claims.items() if v}
        self._prov = {k: v for k, (_, v) in self._prov_claims.items() if v}
        compact: dict[str, tuple[int, str | None]] = {}
        for k, (p, v) in self._claims.items():
            if v:
                self._claim(compact, _compact(k), v, p)
        self._compact = {k: v for k, (_, v) in compact.items() if v and k}
        self._units_of: dict[str, dict[str, str]] = {}  # parent id → unit name key → unit id
        self._cache: dict[str, Agency | None] = {}

    # -- building --

    @staticmethod
    def _claim(
        table: dict[str, tuple[int, str | None]], key: str, agency_id: str, prio: int
    ) -> None:
        if not key:
            return
        old = table.get(key)
        if old is None or prio < old[0]:
            table[key] = (prio, agency_id)
        elif prio == old[0] and old[1] != agency_id:
            table[key] = (prio, None)  # ambiguous: nobody gets it

    def _alias(self, text: str, agency_id: str, prio: int, *, province: bool = False) -> None:
        for variant in {text, _clean(text)}:
            key = _key(variant)
            if prio < _P_FORMER:
                self._live_compact.setdefault(_compact(key), agency_id)
            elif self._live_compact.get(_compact(key), agency_id) != agency_id:
                continue  # a former or generated form never shadows a live agency's name
            self._claim(self._claims, key, agency_id, prio)
            if province:
                self._claim(self._prov_claims, key, agency_id, prio)
                self._claim(self._prov_claims, _strip_province_affixes(key), agency_id, prio)

    def _add_agency(self, agency: Agency) -> None:
        self._agencies[agency.id] = agency
        self._order.append(agency.id)

    def _load(self) -> None:
        d = self.reference_dir
        central = _read_csv(d / "agencies_central.csv")
        for row in sorted(
            central, key=lambda r: _TYPE_ORDER.get(_KIND_TYPES.get(r["kind"], "other"), 9)
        ):
            typ = _KIND_TYPES.get(row["kind"], "other")
            self._add_agency(Agency(row["id"], row["name_vi"], row["name_en"], typ))
            self._alias(row["name_vi"], row["id"], _P_NAME)
            self._alias(row["name_en"], row["id"], _P_NAME)
            for form in _pipe(row["short_forms_vi"]):
                self._alias(form, row["id"], _P_SHORT)
            for form in _code_list(row["abbr_en"]) + _code_list(row["doc_code_vi"]):
                self._alias(form, row["id"], _P_SHORT)
            for form in _bo_short_forms(row["name_vi"]):
                self._alias(form, row["id"], _P_GENERATED)

        others = _read_csv(d / "agencies_other.csv")
        prov_rows = _read_csv(d / "provinces_34.csv")
        for row in sorted(prov_rows, key=lambda r: r["code"]):
            pid = "p" + row["code"]
            self._add_agency(Agency(pid, row["name_vi"], row["name_en"], "province"))
            names = [row["name_vi"], row["full_name_vi"], row["name_en"], row["name_ascii"]]
            names += [row["slug"], *_pipe(row["aliases"])]
            for name in names:
                self._alias(name, pid, _P_NAME, province=True)

        for row in others:
            typ = _KIND_TYPES.get(row["kind"], "other")
            self._add_agency(Agency(row["id"], row["name_vi"], row["name_en"], typ))
            for name in _slash_names(row["name_vi"]) + _slash_names(row["name_en"]):
                self._alias(name, row["id"], _P_NAME)
            for form in _pipe(row["short_forms_vi"]):
                self._alias(form, row["id"], _P_SHORT)
            if row["kind"] == "enterprise":  # 'Tập đoàn, doanh nghiệp (Viettel, VNPT, …)'
                for inner in _PAREN.findall(row["name_vi"]):
                    for part in re.split(r"[,;/…]", inner):
                        self._alias(part.strip(), row["id"], _P_SHORT)

        # Former bodies → successors; never take a key from a live agency.
        for row in _read_csv(d / "agencies_former.csv"):
            sid = row["successor_id"]
            if sid not in self._agencies:
                continue
            self._alias(row["former_name_vi"], sid, _P_FORMER)
            self._alias(row["former_name_en"], sid, _P_FORMER)
            for form in _code_list(row["former_abbr"]):
                self._alias(form, sid, _P_FORMER)
            for form in _bo_short_forms(_clean(row["former_name_vi"])):
                self._alias(form, sid, _P_GENERATED)

        # Older names (before 2025) → today's successors; provinces match with their prefixes.
        for row in _read_csv(d / "agencies_former_older.csv"):
            sid = row["successor_id"]
            if sid not in self._agencies:
                continue
            province = row["kind"] == "province"
            names = [row["former_name_vi"], *_pipe(row["other_names_vi"]), row["former_name_en"]]
            for name in names + _code_list(row["former_abbr"]):
                self._alias(name, sid, _P_FORMER, province=province)
            if not province:
                for form in _bo_short_forms(_clean(row["former_name_vi"])):
                    self._alias(form, sid, _P_GENERATED)

        # The 63 former provinces → the 34.
        for row in _read_csv(d / "provinces_63_to_34.csv"):
            pid = "p" + row["new_code"]
            if pid not in self._agencies:
                continue
            prio = _P_NAME if row["kept_name"] == "yes" else _P_FORMER
            for name in (row["old_name_vi"], row["old_full_name_vi"], row["old_name_ascii"]):
                self._alias(name, pid, prio, province=True)

    # -- lookup --

    def _lookup(self, text: str) -> str | None:
        key = _key(text)
        if not key:
            return None
        hit = self._exact.get(key)
        if hit:
            return hit
        stripped = _strip_province_affixes(key)
        if stripped and stripped != key:
            hit = self._prov.get(stripped)
            if hit:
                return hit
        hit = self._compact.get(_compact(key))
        if hit:
            return hit
        related = _RELATED_SUFFIX.sub("", key)
        if related != key:
            hit = self._exact.get(related) or self._compact.get(_compact(related))
            if hit:
                return hit
        if self._units_of:
            return self._unit_of_named_parent(key)
        return None

    def _unit_of_named_parent(self, key: str) -> str | None:
        """'vu phap che bo tai chinh': a registered unit ('vu phap che') of the parent the rest
        of the name resolves to ('bo tai chinh' → mof)."""
        words = key.split()
        for i in range(1, len(words)):
            units = self._units_of.get(self._lookup(" ".join(words[i:])) or "")
            if units:
                hit = units.get(" ".join(words[:i]))
                if hit:
                    return hit
        return None

    def unit_parent(self, text: str) -> Agency | None:
        """The ministry, agency or province a unit's name ends with, or None: 'Sở GD&ĐT Ninh
        Thuận' → Khánh Hòa (Ninh Thuận merged into it), 'Vụ Pháp chế Bộ Tài chính' → Bộ Tài
        chính. A suggestion for an unknown name (the register's parent); never a match."""
        if _is_missing(text):
            return None
        words = _key(text).split()
        for i in range(1, len(words)):
            agency_id = self._lookup(" ".join(words[i:]))
            agency = self._agencies.get(agency_id or "")
            if agency is not None and agency.type in PARENT_TYPES and agency.parent_id is None:
                return agency
        return None

    def resolve(self, text: str) -> Agency | None:
        """One name → its canonical agency (former bodies → successors), None if unknown."""
        if _is_missing(text):
            return None
        memo = fold(text)
        if memo in self._cache:
            return self._cache[memo]
        agency_id = self._lookup(text)
        if agency_id is None:
            cleaned = _clean(text)
            if cleaned != nfc(text):
                agency_id = self._lookup(cleaned)
        agency = self._agencies[agency_id] if agency_id else None
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[memo] = agency
        return agency

    def split(self, cell: object) -> list[str]:
        """Split a cell naming several agencies into names as written (cleaned of notes)."""
        if _is_missing(cell):
            return []
        if isinstance(cell, (list, tuple)):
            return [name for item in cell for name in self.split(item)]
        raw = unicodedata.normalize("NFC", str(cell))
        whole = self._clean_name(raw)
        if whole and self.resolve(whole) is not None:
            return [whole]
        out: list[str] = []
        pieces, _ = _top_level_split(raw, _HARD_SEP)
        for piece in pieces:
            out.extend(self._split_piece(piece))
        return out

    def _clean_name(self, text: str) -> str:
        """_clean(text), unless the note it drops names a unit's parent: 'Vụ Pháp chế (Bộ Giáo
        dục và Đào tạo)' is that ministry's unit, not the first one registered as 'Vụ Pháp chế'."""
        cleaned = _clean(text)
        if not self._units_of:
            return cleaned
        whole = _EDGE_PUNCT.sub("", nfc(text))
        if whole == cleaned:
            return cleaned
        hit = self.resolve(whole)
        if hit is not None and hit.parent_id is not None and hit != self.resolve(cleaned):
            return whole
        return cleaned

    def _split_piece(self, piece: str) -> list[str]:
        cleaned = self._clean_name(piece)
        if not _HAS_WORD.search(cleaned):
            return []
        if self.resolve(cleaned) is not None:
            return [cleaned]
        frags, seps = _top_level_split(cleaned, _COMMA_SEP)
        out: list[str] = []
        i = 0
        while i < len(frags):
            for j in range(len(frags) - 1, i - 1, -1):
                name = _clean(_join(frags, seps, i, j))
                if name and self.resolve(name) is not None:
                    out.append(name)
                    i = j + 1
                    break
            else:
                out.extend(self._split_and(frags[i]))
                i += 1
        return out

    def _split_and(self, fragment: str) -> list[str]:
        """Split on 'và' (or '&', 'and', '/') only when every part resolves; else keep it whole."""
        whole = _clean(fragment)
        if not _HAS_WORD.search(whole):
            return []
        parts, seps = _top_level_split(whole, _AND_SEP)
        if len(parts) < 2:
            return [whole]
        out: list[str] = []
        i = 0
        while i < len(parts):
            for j in range(len(parts) - 1, i - 1, -1):
                name = _clean(_join(parts, seps, i, j))
                if name and self.resolve(name) is not None:
                    out.append(name)
                    i = j + 1
                    break
            else:
                return [whole]
        return out

    def resolve_cell(self, cell: object) -> tuple[list[Agency], list[str]]:
        """(agencies in order without duplicates, unknown names as written).

        Unknown names become Agencies of type 'other' with an 'x-...' id.
        """
        agencies: list[Agency] = []
        unknown: list[str] = []
        seen: set[str] = set()
        for name in self.split(cell):
            agency = self.resolve(name)
            if agency is None:
                agency = _unknown_agency(name)
                if agency.id not in seen:
                    unknown.append(name)
            if agency.id not in seen:
                seen.add(agency.id)
                agencies.append(agency)
        return agencies, unknown

    def suggestions(self, text: str, n: int = 3) -> list[Agency]:
        """The closest known agencies to a name (best first), by similarity of folded names."""
        if n <= 0 or _is_missing(text):
            return []
        out: list[str] = []
        hit = self.resolve(text)
        if hit is not None:
            out.append(hit.id)
        key = _key(_clean(text))
        if not key:
            return [self._agencies[i] for i in out[:n]]
        stripped = _strip_province_affixes(key)
        best: dict[str, float] = {}
        matcher = difflib.SequenceMatcher(autojunk=False)
        for target, table in ((key, self._exact), (stripped, self._prov)):
            if not target:
                continue
            matcher.set_seq2(target)
            for alias, agency_id in table.items():
                if len(alias) < 3:
                    continue
                matcher.set_seq1(alias)
                if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
                    continue
                score = matcher.ratio()
                if score > best.get(agency_id, 0.0):
                    best[agency_id] = score
        for agency_id, score in sorted(best.items(), key=lambda kv: (-kv[1], kv[0])):
            if score < 0.6:
                break
            if agency_id not in out:
                out.append(agency_id)
        return [self._agencies[i] for i in out[:n]]

    def all(self) -> list[Agency]:
        """Every known agency: ministries (reference order), ministerial-level agencies,
        government agencies, the 34 provinces by code, then the others."""
        return [self._agencies[i] for i in self._order]

    def get(self, agency_id: str) -> Agency | None:
        return self._agencies.get(agency_id)

    def units_of(self, parent_id: str) -> list[Agency]:
        """The registered units of `parent_id` (a resolver with a register), in register order."""
        return [a for a in self.all() if a.parent_id == parent_id]

    def with_register(self, units=(), aliases=()) -> AgencyResolver:
        """A resolver that also knows a store's register (this one is left as it is).

        units: (agency_id, parent_id, name_vi, name_en) rows, oldest first; a unit whose parent
            is unknown or not one of PARENT_TYPES is left out.
        aliases: (alias_text, agency_id) rows, oldest first.
        A register name never takes a key of the reference lists; an alias wins over a unit's
        name, and between units the one registered first keeps a name that two units share (the
        other is reached by its name followed by its parent's, 'Vụ Pháp chế Bộ Tài chính')."""
        new = copy.copy(self)
        new._agencies = dict(self._agencies)
        new._order = list(self._order)
        new._exact = dict(self._exact)
        new._compact = dict(self._compact)
        new._units_of = {}
        new._cache = {}
        taken: dict[str, str] = {}
        for agency_id, parent_id, name_vi, name_en in units:
            parent = self._agencies.get(parent_id)
            if parent is None or parent.type not in PARENT_TYPES or parent.parent_id is not None:
                continue
            if agency_id in new._agencies:
                continue
            unit = Agency(agency_id, name_vi, name_en or name_vi, parent.type, parent.id)
            new._agencies[agency_id] = unit
            new._order.append(agency_id)
            own = new._units_of.setdefault(parent.id, {})
            for name in (name_vi, name_en or name_vi):
                for key in {_key(name), name_key(name)}:
                    if key:
                        own.setdefault(key, agency_id)
                        taken.setdefault(key, agency_id)
                        # 'Văn phòng Bộ' + 'Bộ Khoa học và Công nghệ' is written 'Văn phòng Bộ
                        # Khoa học và Công nghệ': the parent's word belongs to the parent's name
                        short = _PARENT_WORD.sub("", key)
                        if short and short != key:
                            own.setdefault(short, agency_id)
        for text, agency_id in aliases:
            if agency_id not in new._agencies:
                continue
            for key in {_key(text), name_key(text)}:
                if key:
                    taken[key] = agency_id  # an alias is an explicit answer: it wins
        for key, agency_id in taken.items():
            if key in self._exact:  # a reference name stays with its agency
                continue
            new._exact[key] = agency_id
            new._compact.setdefault(_compact(key), agency_id)
        return new


@functools.cache
def _reference_resolver() -> AgencyResolver:
    return AgencyResolver()


_build_lock = threading.Lock()


def default_resolver() -> AgencyResolver:
    """The resolver over data/reference/, built once per process (a thread that asks while
    another builds it waits for that one: ingest's warm-up and register threads both ask)."""
    with _build_lock:
        return _reference_resolver()
