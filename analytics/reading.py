"""Read a task table out of an uploaded spreadsheet or delimited text file.

The reader turns bytes into a `RawTable`: the header row found (or given), the canonical field
each column maps to, and one `RawRow` per task row with the spreadsheet's own row number. It
never guesses silently: anything it cannot read is an `InputRejected` with a bilingual message,
and anything wrong with a single row is a `Problem` in `RawTable.warnings` (level "error" for row
errors, which block an ingest; level "warning" otherwise).

Decisions worth knowing:

- The format is decided by content (magic bytes), never by the file name.
- Zip containers (xlsx, xlsm, ods) are checked twice before python-calamine sees them: the
  central directory (`check_container`, milliseconds) and then every member is actually inflated
  once with a running cap, so a member whose real size differs from its declared size (declared
  sizes lie) is refused before calamine inflates it.
- python-calamine returns cached values only; formulas are never evaluated. A formula cell with
  no cached value comes back empty; for xlsx/xlsm it is flagged with a warning
  ("formula_no_cached_value"). Error cells (#N/A, #REF! ...) also come back empty from calamine,
  so for xlsx/xlsm they are found by scanning the sheet XML for cells of type "e"; text cells
  holding an error literal (CSV exports, ODS) are caught too. Error cells in .xls and formula
  errors in .ods cannot be told apart from empty cells (calamine limitation).
- Dates: calamine converts date cells to `datetime.date` / `datetime.datetime` and already honours
  the 1904 date system (checked: a 1904 workbook's 2025-01-01 reads as 2025-01-01).
  `RawTable.epoch_1904` is informational, for a caller that converts raw serial numbers itself.
- Merged cells: every cell covered by a merged range takes the value of its top-left cell
  (xlsx/xls; calamine does not report merges for ods). Section-heading detection looks at the
  cells as written (before filling), so a heading merged across columns stays one section row.
- Cell text is NFC-normalised, NBSP becomes a space, runs of spaces collapse and the text is
  stripped, but line breaks inside a cell are kept (agency lists are often one per line).
- Cells in columns that map to no canonical field are not read or checked.
- A ragged CSV row (more non-empty fields than the header) is reported as an error and not
  emitted (its columns cannot be trusted); a short row is padded with None.
- Reading is in-process; a caller that wants CPU/memory limits runs it in a worker process.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import threading
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import defusedxml.ElementTree as DET
import python_calamine as pc

from analytics.model import FIELDS, REQUIRED_FIELDS
from analytics.problems import InputRejected, Problem, error, warning
from analytics.text import fold, fold_words, nfc

MAX_BYTES = 25 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLS = 200
MAX_CELL_CHARS = 32_767
MAX_INFLATED = 400 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 10_000

HEADER_SCAN_ROWS = 30
# Members smaller than this are not held to MAX_RATIO (a tiny, very regular XML part can compress
# 300:1 and is harmless); the overall ratio is checked once the total exceeds OVERALL_FLOOR.
RATIO_FLOOR = 1024 * 1024
OVERALL_FLOOR = 10 * 1024 * 1024
MAX_FORMULA_WARNINGS = 50

VARIANTS_CSV = Path(__file__).resolve().parents[1] / "data" / "reference" / "header_variants.csv"

TEXT_FORMATS = ("csv", "tsv", "txt")
ODS_MIMETYPES = (
    b"application/vnd.oasis.opendocument.spreadsheet",
    b"application/vnd.oasis.opendocument.spreadsheet-template",
)

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

ERROR_LITERALS = frozenset(
    {
        "#N/A",
        "#REF!",
        "#VALUE!",
        "#DIV/0!",
        "#NAME?",
        "#NULL!",
        "#NUM!",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#GETTING_DATA",
    }
)
_LIBRE_ERROR = re.compile(r"Err:\d{3}")

_ROMAN_OR_LETTER = re.compile(r"(?:[IVXLC]+|[ivxlc]+|[A-Za-zĐđ])\s*[.)]?")
_ARABIC = re.compile(r"(\d{1,3})\s*[.)]?")
_ITEM_MARK = re.compile(r"[\d.\-+*•–)]+")  # "1.2", "-", "+": a task row's number or bullet
_COLNUM = re.compile(r"[(\[]?\s*(?:\d{1,3}|[A-Za-z])\s*[)\]]?(?:\s*[=+\-*/x×]\s*.*)?")
_TRAILER_STARTS = ("tong cong", "tong so", "ghi chu", "nguoi lap", "noi nhan")
_STOP_STARTS = ("nguoi lap", "noi nhan")
_CONG = re.compile(r"cong(?:$|\s*[:(\[\d.\-])")
_HSPACE = re.compile(r"[^\S\n]+")
# Whitespace other than the plain space (exactly what str.isspace() accepts, listed so the regex
# scans a character class instead of trying an alternation at every position: 5x faster).
_ODD_SPACE_CLASS = "[\t-\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_ODD_CHAR = re.compile(_ODD_SPACE_CLASS)
_ODD_SPACE = re.compile(f"{_ODD_SPACE_CLASS}|  ")
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d{1,7})"')
_V_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")


# ---------------------------------------------------------------------------------------------
# public data classes


@dataclass(slots=True)
class RawRow:
    row: int  # the spreadsheet's own 1-based row number (CSV: 1-based record number)
    values: dict[str, object]  # canonical field -> cell value
    group: str | None  # text of the last section heading row above it


@dataclass
class RawTable:
    file_name: str
    file_format: str  # 'xlsx','xlsm','xls','ods','csv','tsv','txt'
    sheet: str | None
    sheets: list[str]  # all sheet names (for a picker)
    header_row: int  # 1-based (top row when the header spans two rows)
    headers: list[str]  # header text per column ("Thời hạn / Thực tế" for two-row headers)
    mapping: dict[str, int]  # canonical field -> 0-based column index
    # The task rows, column by column (fast to resolve): the spreadsheet's own 1-based row
    # numbers, the section heading above each row, and one list of cell values per mapped field.
    row_numbers: list[int]
    groups: list[str | None]
    columns: dict[str, list]
    warnings: list[Problem]  # row problems: level "error" blocks an ingest, "warning" does not
    epoch_1904: bool = False
    encoding: str | None = None  # for text files
    delimiter: str | None = None
    title_lines: list[str] = field(default_factory=list)  # text above the header (title block)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.warnings if p.level == "error"]

    @property
    def n_rows(self) -> int:
        return len(self.row_numbers)

    @cached_property
    def rows(self) -> list[RawRow]:
        """The same rows one by one (built on first use; the ingest path reads `columns`)."""
        names = list(self.columns)
        cols = [self.columns[n] for n in names]
        return [
            RawRow(rn, dict(zip(names, vals, strict=True)), grp)
            for rn, grp, *vals in zip(self.row_numbers, self.groups, *cols, strict=True)
        ]


# ---------------------------------------------------------------------------------------------
# helpers


def _reject(code: str, en: str, vi: str, **kw) -> InputRejected:
    return InputRejected([error(code, en, vi, **kw)])


def _damaged(detail: str = "") -> InputRejected:
    extra = f" ({detail})" if detail else ""
    return _reject(
        "damaged_file",
        f"The file is damaged or incomplete and cannot be read{extra}. Open it in Excel, save it "
        "again as .xlsx and upload that copy.",
        f"Tệp bị hỏng hoặc không đầy đủ, không đọc được{extra}. Hãy mở tệp bằng Excel, lưu lại "
        "dạng .xlsx rồi tải lên bản đó.",
    )


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _show(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _htext(value: object) -> str:
    """A cell as header text (single line, NFC)."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(value)


def _clean_str(text: str) -> str | None:
    """NFC, NBSP → space, spaces collapsed, stripped; line breaks inside the cell kept."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if _ODD_SPACE.search(text) is None:
        return text.strip() or None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (_HSPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line) or None


def _clean_strs(texts: list[str]) -> list[str | None]:
    """_clean_str over many cells at once: one NFC pass and one odd-space scan over the joined
    text (NUL, which XML cells cannot hold, keeps cells apart: nothing composes across it);
    cells with odd spaces, or any NUL, take the one-by-one path."""
    if not texts:
        return []
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        return [_clean_str(t) for t in texts]
    if not joined.isascii():
        joined = unicodedata.normalize("NFC", joined)
    parts = joined.split("\x00")
    # No odd space is printable, so cells that are all printable need no regex scan (2x faster)
    if "  " not in joined and (all(map(str.isprintable, parts)) or not _ODD_CHAR.search(joined)):
        return [t.strip() or None for t in parts]
    return [_clean_str(t) if _ODD_SPACE.search(t) else (t.strip() or None) for t in parts]


def _is_error_literal(text: str) -> bool:
    return text[:1] == "#" and text in ERROR_LITERALS or bool(_LIBRE_ERROR.fullmatch(text))


def _stt_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.strip()
    return str(value)


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
    for i in range(min(HEADER_SCAN_ROWS, len(grid))):
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


# ---------------------------------------------------------------------------------------------
# format sniffing and containers

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "ảnh PNG"),
    (b"\xff\xd8\xff", "a JPEG image", "ảnh JPEG"),
    (b"GIF87a", "a GIF image", "ảnh GIF"),
    (b"GIF89a", "a GIF image", "ảnh GIF"),
    (b"%PDF", "a PDF document", "tài liệu PDF"),
    (b"\x7fELF", "a Linux executable", "tệp chạy Linux"),
    (b"\x1f\x8b", "a gzip archive", "tệp nén gzip"),
    (b"BZh", "a bzip2 archive", "tệp nén bzip2"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "tệp nén 7-Zip"),
    (b"Rar!\x1a\x07", "a RAR archive", "tệp nén RAR"),
    (b"\xfd7zXZ\x00", "an xz archive", "tệp nén xz"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive", "tệp nén zstd"),
    (b"RIFF", "a media file", "tệp đa phương tiện"),
    (b"{\\rtf", "an RTF document", "tài liệu RTF"),
    (b"SQLite format 3\x00", "an SQLite database", "cơ sở dữ liệu SQLite"),
    (b"\xca\xfe\xba\xbe", "a Java/Mach-O binary", "tệp nhị phân"),
    (b"\xcf\xfa\xed\xfe", "a macOS executable", "tệp chạy macOS"),
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_NAMES = (
    "EncryptedPackage".encode("utf-16-le"),
    "EncryptionInfo".encode("utf-16-le"),
)
_WORKBOOK_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
_SUPPORTED_HINT_EN = (
    "Upload an Excel workbook (.xlsx, .xlsm, .xls), an .ods sheet or a CSV/TSV text file."
)
_SUPPORTED_HINT_VI = (
    "Hãy tải lên sổ tính Excel (.xlsx, .xlsm, .xls), bảng .ods hoặc tệp văn bản CSV/TSV."
)


def _not_supported(what_en: str, what_vi: str, file_name: str) -> InputRejected:
    return _reject(
        "unsupported_format",
        f"'{file_name}' is {what_en}, not a spreadsheet. {_SUPPORTED_HINT_EN}",
        f"'{file_name}' là {what_vi}, không phải bảng tính. {_SUPPORTED_HINT_VI}",
        value=file_name,
    )


def _eocd_entries(data: bytes) -> int | None:
    """Number of members declared in the zip's end-of-central-directory record."""
    pos = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if pos < 0 or pos + 22 > len(data):
        return None
    entries = struct.unpack_from("<H", data, pos + 10)[0]
    if entries == 0xFFFF:  # zip64: the locator sits just before the EOCD
        loc = pos - 20
        if loc >= 0 and data[loc : loc + 4] == b"PK\x06\x07":
            off = struct.unpack_from("<Q", data, loc + 8)[0]
            if data[off : off + 4] == b"PK\x06\x06":
                return struct.unpack_from("<Q", data, off + 32)[0]
    return entries


def _bomb(en: str, vi: str) -> InputRejected:
    return _reject(
        "zip_bomb",
        f"Refused as a possible zip bomb: {en}. A real task workbook is far smaller.",
        f"Từ chối vì có thể là 'bom nén' (zip bomb): {vi}. Một sổ nhiệm vụ thật nhỏ hơn nhiều.",
    )


def check_container(data: bytes) -> None:
    """Refuse a zip whose central directory promises too much (zip bomb); milliseconds."""
    entries = _eocd_entries(data)
    if entries is None:
        raise _damaged("no zip directory")
    if entries > MAX_MEMBERS:
        raise _bomb(
            f"{entries:,} members (max {MAX_MEMBERS:,})",
            f"{entries:,} thành phần (tối đa {MAX_MEMBERS:,})",
        )
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged(type(exc).__name__) from None
    if len(infos) > MAX_MEMBERS:
        raise _bomb(f"{len(infos):,} members", f"{len(infos):,} thành phần")
    total = total_c = 0
    for zi in infos:
        total += zi.file_size
        total_c += zi.compress_size
        if total > MAX_INFLATED:
            raise _bomb(
                f"the parts inflate to more than {MAX_INFLATED // 2**20} MB",
                f"các thành phần giải nén ra hơn {MAX_INFLATED // 2**20} MB",
            )
        if zi.file_size > RATIO_FLOOR and zi.file_size > MAX_RATIO * max(zi.compress_size, 1):
            ratio = zi.file_size // max(zi.compress_size, 1)
            raise _bomb(
                f"member '{zi.filename}' inflates {ratio}:1 (max {MAX_RATIO}:1)",
                f"thành phần '{zi.filename}' giải nén gấp {ratio} lần (tối đa {MAX_RATIO})",
            )
    if total > OVERALL_FLOOR and total > MAX_RATIO * max(total_c, 1):
        ratio = total // max(total_c, 1)
        raise _bomb(
            f"the archive inflates {ratio}:1 overall (max {MAX_RATIO}:1)",
            f"toàn bộ tệp giải nén gấp {ratio} lần (tối đa {MAX_RATIO})",
        )


@dataclass
class _ZipInfo:
    kind: str  # 'xlsx' | 'xlsm' | 'ods'
    workbook_path: str | None = None
    # worksheet member -> (holds error cells, holds formulas)
    flags: dict[str, tuple[bool, bool]] = field(default_factory=dict)


def _zip_kind(data: bytes, file_name: str) -> _ZipInfo:
    check_container(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
        if "mimetype" in names:
            mime = zf.read("mimetype").strip()
            if mime in ODS_MIMETYPES:
                return _ZipInfo("ods")
            if mime.startswith(b"application/vnd.oasis.opendocument"):
                raise _not_supported(
                    "an OpenDocument file that is not a spreadsheet",
                    "tệp OpenDocument nhưng không phải bảng tính",
                    file_name,
                )
        ctypes = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except InputRejected:
        raise
    except Exception as exc:  # zipfile raises many kinds on damaged archives
        raise _damaged(type(exc).__name__) from None
    wb_path, macro = None, False
    if ctypes:
        try:
            root = DET.fromstring(ctypes)
        except Exception:
            raise _damaged("[Content_Types].xml") from None
        for el in root:
            ctype = el.get("ContentType", "")
            part = el.get("PartName", "")
            if ctype.endswith("sheet.binary.macroEnabled.main"):
                raise _reject(
                    "unsupported_format",
                    f"'{file_name}' is an Excel binary workbook (.xlsb). Save it as .xlsx and "
                    "upload again.",
                    f"'{file_name}' là sổ Excel nhị phân (.xlsb). Hãy lưu lại dạng .xlsx rồi tải "
                    "lên lại.",
                    value=file_name,
                )
            if ctype.endswith(".main+xml") and (
                "spreadsheetml" in ctype or "ms-excel.sheet" in ctype
            ):
                wb_path = part.lstrip("/")
                macro = macro or "macroEnabled" in ctype
    if wb_path is None and "xl/workbook.xml" in names:
        wb_path = "xl/workbook.xml"
    if wb_path is None or wb_path not in names:
        if "word/document.xml" in names:
            raise _not_supported("a Word document", "tài liệu Word", file_name)
        if "ppt/presentation.xml" in names:
            raise _not_supported("a PowerPoint file", "tệp PowerPoint", file_name)
        raise _not_supported("a zip archive", "tệp nén zip", file_name)
    try:
        head = zf.read(wb_path)
    except Exception as exc:
        raise _damaged(type(exc).__name__) from None
    if b"http://purl.oclc.org/ooxml" in head:
        raise _reject(
            "strict_ooxml",
            f"'{file_name}' is saved as 'Strict Open XML', which cannot be read. In Excel use "
            "File > Save As > 'Excel Workbook (.xlsx)' and upload again.",
            f"'{file_name}' được lưu dạng 'Strict Open XML', không đọc được. Trong Excel chọn "
            "Tệp > Lưu thành > 'Excel Workbook (.xlsx)' rồi tải lên lại.",
            value=file_name,
        )
    macro = macro or "xl/vbaProject.bin" in names
    return _ZipInfo("xlsm" if macro else "xlsx", workbook_path=wb_path)


def _text_binaryish(text: str) -> bool:
    sample = text[:20_000]
    if "\x00" in sample:
        return True
    bad = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n\f\v")
    return bad > max(2, len(sample) // 100)


def _sniff(data: bytes, file_name: str) -> tuple[str, dict]:
    blank = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"
    if not data or (not data[:4096].strip(blank) and not data.strip(blank)):
        raise _reject(
            "empty_file",
            f"'{file_name}' is empty.",
            f"Tệp '{file_name}' trống, không có nội dung.",
            value=file_name,
        )
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        info = _zip_kind(data, file_name)
        return info.kind, {"zip": info}
    if data[:8] == _OLE:
        if any(n in data for n in _ENCRYPTED_NAMES):
            raise _reject(
                "password_protected",
                f"'{file_name}' is password-protected (encrypted). Remove the password in Excel "
                "(File > Info > Protect Workbook > Encrypt with Password, clear it), save and "
                "upload again.",
                f"'{file_name}' được đặt mật khẩu (mã hoá). Hãy gỡ mật khẩu trong Excel (Tệp > "
                "Thông tin > Bảo vệ sổ làm việc > Mã hoá bằng mật khẩu, xoá mật khẩu), lưu và "
                "tải lên lại.",
                value=file_name,
            )
        if not any(n in data for n in _WORKBOOK_STREAMS):
            raise _not_supported(
                "an Office file that is not an Excel workbook (a Word or Outlook file?)",
                "tệp Office nhưng không phải sổ Excel (tệp Word hoặc Outlook?)",
                file_name,
            )
        return "xls", {}
    for magic, en, vi in _MAGIC:
        if data.startswith(magic):
            raise _not_supported(en, vi, file_name)
    if data.startswith(b"MZ") and b"\x00" in data[:64]:
        raise _not_supported("a Windows executable", "tệp chạy Windows", file_name)
    try:
        text, encoding = decode_text(data)
    except InputRejected:
        raise _not_supported(
            "not a spreadsheet or a text table in a known encoding",
            "không phải bảng tính hoặc bảng văn bản với bảng mã đã biết",
            file_name,
        ) from None
    if _text_binaryish(text):
        raise _not_supported("a binary file", "tệp nhị phân", file_name)
    lead = text[:2048].lstrip("\ufeff \t\r\n").lower()
    if lead.startswith(("<!doctype html", "<html", "<table", "<meta", "<?xml", "<head", "<body")):
        raise _reject(
            "unsupported_format",
            f"'{file_name}' is a web page or XML file saved under a spreadsheet name (some systems "
            "export 'Excel' files this way). Open it in Excel, save it as .xlsx and upload that.",
            f"'{file_name}' là trang web hoặc tệp XML mang tên bảng tính (một số hệ thống xuất "
            "'Excel' theo cách này). Hãy mở bằng Excel, lưu dạng .xlsx rồi tải lên bản đó.",
            value=file_name,
        )
    delim = _detect_delimiter(text)
    fmt = {",": "csv", ";": "csv", "\t": "tsv"}.get(delim, "txt")
    return fmt, {"text": text, "encoding": encoding, "delimiter": delim}


def sniff_format(data: bytes, file_name: str) -> str:
    """'xlsx','xlsm','xls','ods','csv','tsv','txt' decided by content; InputRejected otherwise."""
    return _sniff(data, file_name)[0]


def decode_text(data: bytes) -> tuple[str, str]:
    """(NFC text, encoding): BOMs first, then UTF-8, then Vietnamese Windows cp1258; else refuse."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8-sig", data)]
    elif data.startswith(b"\xff\xfe") and not data.startswith(b"\xff\xfe\x00\x00"):
        candidates = [("utf-16-le", data[2:])]
    elif data.startswith(b"\xfe\xff"):
        candidates = [("utf-16-be", data[2:])]
    else:
        candidates = [("utf-8", data)]
        head = data[:4000]
        if len(head) >= 4 and head.count(b"\x00") > len(head) // 4:
            # UTF-16 without a BOM: the zero bytes sit in the high half of ASCII characters
            odd = head[1::2].count(b"\x00")
            even = head[0::2].count(b"\x00")
            candidates.insert(0, ("utf-16-le" if odd > even else "utf-16-be", data))
        candidates.append(("cp1258", data))
    for encoding, payload in candidates:
        try:
            text = payload.decode(encoding)
        except UnicodeDecodeError:
            continue
        return unicodedata.normalize("NFC", text), encoding
    raise _reject(
        "unknown_encoding",
        "The text file is neither UTF-8, UTF-16 nor Vietnamese Windows (cp1258) text. Save it "
        "from Excel as 'CSV UTF-8' and upload again.",
        "Tệp văn bản không ở bảng mã UTF-8, UTF-16 hay Windows tiếng Việt (cp1258). Hãy lưu từ "
        "Excel dạng 'CSV UTF-8' rồi tải lên lại.",
    )


def _detect_delimiter(text: str) -> str | None:
    """The delimiter among tab ; , | giving the most rows of one consistent width (quotes kept)."""
    sample = text[:65_536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    best, best_key = None, (0, 0)
    for delim in ("\t", ";", ",", "|"):
        try:
            records = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delim))
        except csv.Error:
            continue
        counts: dict[int, int] = {}
        for rec in records[:200]:
            if any(f.strip() for f in rec):
                counts[len(rec)] = counts.get(len(rec), 0) + 1
        multi = {n: c for n, c in counts.items() if n > 1}
        if not multi:
            continue
        width, freq = max(multi.items(), key=lambda nc: (nc[1], nc[0]))
        if (freq, width) > best_key:
            best, best_key = delim, (freq, width)
    return best


# ---------------------------------------------------------------------------------------------
# sources: a grid of rows with 0-based index = sheet row - 1


@dataclass
class _Grid:
    rows: list[list]
    raw: dict[int, list]  # rows as written, where merged-cell filling changed them
    cell_errors: dict[tuple[int, int], str] = field(default_factory=dict)
    uncached: set[tuple[int, int]] = field(default_factory=set)
    ragged: dict[int, int] = field(default_factory=dict)  # CSV: row index -> field count
    from_above: set[tuple[int, int]] = field(default_factory=set)  # filled by a vertical merge


def _fill_merges(
    rows: list[list], merges, *, keep_raw: bool, from_above: set | None = None
) -> dict[int, list]:
    """Give every merged cell its top-left value; return the touched rows as written, and
    collect in from_above the cells filled from a row above (vertical merges)."""
    raw: dict[int, list] = {}
    n = len(rows)
    budget = 2 * sum(map(len, rows)) + 10_000  # overlapping ranges must not multiply the work
    for (r0, c0), (r1, c1) in merges or ():
        if r0 >= n or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        if value == "" or value is None:
            continue
        for r in range(r0, min(r1, n - 1) + 1):
            row = rows[r]
            last = min(c1, len(row) - 1)
            if last < c0:
                continue
            budget -= last - c0 + 1
            if budget < 0:
                raise _reject(
                    "damaged_file",
                    "The sheet's merged cell ranges overlap or cover far more than the data; "
                    "unmerge the cells and upload again.",
                    "Các vùng gộp ô của trang chồng lên nhau hoặc vượt xa vùng dữ liệu; hãy bỏ gộp "
                    "ô rồi tải lên lại.",
                )
            if keep_raw and r not in raw:
                raw[r] = list(row)
            for c in range(c0, last + 1):
                row[c] = value
            if from_above is not None and r > r0:
                from_above.update((r, c) for c in range(c0, last + 1))
    return raw


def _xlsx_sheet_members(zf: zipfile.ZipFile, wb_path: str) -> tuple[dict[str, str], bool, set[str]]:
    """(sheet name -> worksheet member path in workbook order, date1904, hidden sheet names)
    from workbook.xml and its rels."""
    root = DET.fromstring(zf.read(wb_path))
    ns_main = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""
    epoch = False
    pr = root.find(f"{ns_main}workbookPr")
    if pr is not None and pr.get("date1904", "").strip().lower() in ("1", "true"):
        epoch = True
    base = wb_path.rsplit("/", 1)[0] if "/" in wb_path else ""
    rels_path = (
        f"{base}/_rels/{wb_path.rsplit('/', 1)[-1]}.rels" if base else f"_rels/{wb_path}.rels"
    )
    targets: dict[str, str] = {}
    try:
        rels = DET.fromstring(zf.read(rels_path))
        for rel in rels:
            target = rel.get("Target", "")
            if target.startswith("/"):
                path = target.lstrip("/")
            else:
                parts = (base.split("/") if base else []) + target.split("/")
                stack: list[str] = []
                for p in parts:
                    if p == "..":
                        if stack:
                            stack.pop()
                    elif p and p != ".":
                        stack.append(p)
                path = "/".join(stack)
            targets[rel.get("Id", "")] = path
    except KeyError:
        pass
    members: dict[str, str] = {}
    hidden: set[str] = set()
    sheets = root.find(f"{ns_main}sheets")
    for sh in sheets if sheets is not None else ():
        rid = next((v for k, v in sh.attrib.items() if k.endswith("}id")), None)
        if rid and rid in targets:
            members[sh.get("name", "")] = targets[rid]
        if sh.get("state", "visible") != "visible":
            hidden.add(sh.get("name", ""))
    return members, epoch, hidden


_INFLATE_STEP = 1 << 20  # compressed bytes per step; a step yields up to 8 times as much


def _inflate_all(data: bytes, info: _ZipInfo, sinks: dict | None = None) -> None:
    """Inflate every member once with a running cap (declared sizes may lie); note which
    worksheet parts hold error cells or formulas. Members with a sink go first, in the order
    given: their bytes are written to it piece by piece, and it is closed once they are whole."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    view = memoryview(data)
    members = [zi for zi in zf.infolist() if not zi.is_dir()]
    if sinks:
        order = {name: k for k, name in enumerate(sinks)}
        members.sort(key=lambda zi: order.get(zi.filename, len(order)))  # stable
    total = 0
    for zi in members:
        sink = sinks.get(zi.filename) if sinks else None
        total += _inflate_member(data, view, zi, info, MAX_INFLATED - total, sink)
        if sink is not None:
            sink.close()


def _inflate_member(
    data: bytes, view: memoryview, zi: zipfile.ZipInfo, info: _ZipInfo, room: int, sink
) -> int:
    """Inflate one member within its declared size and the room left under the cap, writing
    its bytes to sink (if any); returns how many bytes it produced."""
    if zi.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _damaged(f"unsupported compression method {zi.compress_type}")
    off = zi.header_offset
    if data[off : off + 4] != b"PK\x03\x04":
        raise _damaged("bad member header")
    name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
    start = off + 30 + name_len + extra_len
    comp = view[start : start + zi.compress_size]
    if len(comp) < zi.compress_size:
        raise _damaged("member cut short")
    scan = zi.filename.startswith("xl/worksheets/") and zi.filename.endswith(".xml")
    if isinstance(sink, _Splitter):
        scan = False  # _read_in_halves scans the parts it builds, once they are being parsed
    if zi.compress_size == 0 and zi.file_size == 0:
        return 0
    if zi.compress_type == zipfile.ZIP_STORED:
        if len(comp) > room:
            raise _bomb("the parts are too large", "các thành phần quá lớn")
        if scan or sink is not None:
            body = bytes(comp)
            if scan:
                info.flags[zi.filename] = (b't="e"' in body, _has_formula(body))
            if sink is not None:
                sink.write(body)
        return len(comp)
    has_err = has_f = False
    tail = b""
    produced = 0
    d = zlib.decompressobj(-15)
    step = _INFLATE_STEP
    for pos in range(0, len(comp), step):
        piece = comp[pos : pos + step]
        while piece:
            try:
                out = d.decompress(piece, 8 * step)
            except zlib.error:
                raise _damaged("corrupt compressed data") from None
            produced += len(out)
            if produced > zi.file_size or produced > room:
                raise _bomb(
                    f"member '{zi.filename}' inflates beyond its declared size",
                    f"thành phần '{zi.filename}' giải nén vượt kích thước khai báo",
                )
            if scan and out:
                edge = tail + out[:8]
                if not has_err:
                    has_err = b't="e"' in out or b't="e"' in edge
                if not has_f:
                    has_f = _has_formula(out) or _has_formula(edge)
                tail = out[-8:]
            if sink is not None and out:
                sink.write(out)
            piece = d.unconsumed_tail
        if d.eof:
            break
    if not d.eof or produced != zi.file_size:
        raise _damaged(f"member '{zi.filename}' is incomplete")
    if scan:
        info.flags[zi.filename] = (has_err, has_f)
    return produced


def _has_formula(xml: bytes, start: int = 0, end: int | None = None) -> bool:
    """Whether xml[start:end] holds a formula element (<f>, <f ...>, or a prefixed <x:f>): one
    scan for "<f", a second only where ":f" occurs at all (4 scans before: 0.24 s on 68 MB)."""
    end = len(xml) if end is None else end
    pos = xml.find(b"<f", start, end)
    while pos >= 0:
        if xml[pos + 2 : min(pos + 3, end)] in (b">", b" ", b"/", b"\t", b"\n", b"\r"):
            return True
        pos = xml.find(b"<f", pos + 2, end)
    return xml.find(b":f", start, end) >= 0 and (
        xml.find(b":f>", start, end) >= 0 or xml.find(b":f ", start, end) >= 0
    )


def _cell_ref(xml: bytes, pos: int, prefixed: bool) -> tuple[int, int, int] | None:
    """(row0, col0, end of start tag) of the <c> element that contains position pos."""
    lo = max(0, pos - 4096)  # a cell's start tag is near; never scan back to the file start
    start = xml.rfind(b"<c ", lo, pos + 1)
    if prefixed:  # <x:c r="A1"> markup
        alt = xml.rfind(b":c ", lo, pos + 1)
        if alt > start:
            start = xml.rfind(b"<", lo, alt)
    if start < 0:
        return None
    tag_end = xml.find(b">", start)
    if tag_end < 0:
        return None
    m = _CELL_REF.search(xml, start, tag_end + 1)
    if not m:
        return None
    return int(m.group(2)) - 1, _col_index(m.group(1)), tag_end


def _formula_starts(xml: bytes):
    """Positions of <f> elements (unprefixed fast path; a regex for prefixed markup)."""
    pos = xml.find(b"<f")
    if pos < 0:
        yield from (m.start() for m in re.finditer(rb"<\w+:f[\s>/]", xml))
        return
    while pos >= 0:
        if xml[pos + 2 : pos + 3] in (b">", b" ", b"/", b"\t", b"\n", b"\r"):
            yield pos
        pos = xml.find(b"<f", pos + 2)


def _scan_sheet_xml(xml: bytes, errors: bool, formulas: bool):
    """Error cells {(row0, col0): code} and formula cells without a cached value {(row0, col0)}."""
    found: dict[tuple[int, int], str] = {}
    uncached: set[tuple[int, int]] = set()
    prefixed = re.search(rb"<\w+:worksheet\b", xml[:4096]) is not None
    if errors:
        pos = xml.find(b't="e"')
        while pos >= 0:
            ref = _cell_ref(xml, pos, prefixed)
            if ref is not None:
                r, c, tag_end = ref
                code = "#ERROR"
                if xml[tag_end - 1 : tag_end] != b"/":
                    end = _CELL_END.search(xml, tag_end, tag_end + 4000)
                    stop = end.start() if end else tag_end + 4000
                    v = _V_VALUE.search(xml, tag_end, stop)
                    if v:
                        code = v.group(1).decode("utf-8", "replace").strip() or code
                found[(r, c)] = code
            pos = xml.find(b't="e"', pos + 5)
    if formulas:
        for pos in _formula_starts(xml):
            gt = xml.find(b">", pos)
            if gt < 0:
                break
            if xml[gt - 1 : gt] == b"/":
                after = gt + 1
            else:
                close = xml.find(b"</", gt)
                after = xml.find(b">", close) + 1 if close >= 0 else -1
                if after <= 0:
                    break
            nxt = xml[after : after + 16].lstrip()
            if nxt.startswith((b"</", b"<v/>", b"<v />", b"<v></v>")):
                ref = _cell_ref(xml, pos, prefixed)
                if ref is not None:
                    uncached.add((ref[0], ref[1]))
    return found, uncached


class _Workbook:
    """A calamine workbook plus what we learnt from its zip parts."""

    def __init__(
        self, data: bytes, fmt: str, zip_info: _ZipInfo | None, first_sheet: str | None = None
    ):
        self.data = data
        self.fmt = fmt
        self.zip_info = zip_info
        self.epoch_1904 = False
        self.members: dict[str, str] = {}
        self._parsed: dict[str, object] = {}
        self._unscanned: set[str] = set()  # worksheet parts whose flags were never noted
        if zip_info is None:
            self._open()
            return
        hidden: set[str] = set()
        zf = None
        if fmt in ("xlsx", "xlsm") and zip_info.workbook_path:
            try:
                zf = zipfile.ZipFile(io.BytesIO(data))
                self.members, self.epoch_1904, hidden = _xlsx_sheet_members(
                    zf, zip_info.workbook_path
                )
            except InputRejected:
                raise
            except Exception:
                raise _damaged("workbook.xml") from None
        big = self._big_sheet(zf, first_sheet, hidden) if zf is not None else None
        if big is not None:
            self._read_in_halves(zf, *big)
            return
        # calamine parses the likely sheet in a thread (it releases the GIL) while every zip
        # member is inflated here with a running cap. That is safe to overlap: the declared
        # sizes already passed check_container, and calamine's zip reader stops at a member's
        # declared size (a lying member fails there); a file the cap refuses is refused before
        # anything calamine read is used.
        ahead = _Ahead(lambda: self._open_and_parse(first_sheet))
        try:
            _inflate_all(data, zip_info)
        except BaseException:
            ahead.wait()
            raise
        ahead.result()

    def _big_sheet(self, zf, first_sheet: str | None, hidden: set[str]) -> tuple[str, str] | None:
        """(name, part) of the sheet _pick_sheet will most likely read first, when that part is
        large enough to be worth parsing as two halves at once. A wrong guess costs time only:
        what is parsed ahead is used for the sheet of that name and no other."""
        if first_sheet is not None:
            want = nfc(first_sheet)
            name = next((n for n in self.members if n == first_sheet or nfc(n) == want), None)
        else:
            name = next(
                (n for n, m in self.members.items() if n not in hidden and "worksheets/" in m),
                None,
            )
        if name is None:
            return None
        try:
            size = zf.getinfo(self.members[name]).file_size
        except KeyError:
            return None
        return (name, self.members[name]) if size >= SPLIT_SHEET_BYTES else None

    def _read_in_halves(self, zf, name: str, member: str) -> None:
        """Parse a large worksheet as two workbooks holding part of its rows each, in two
        threads (calamine releases the GIL: one part per core). The first starts as soon as half
        of the worksheet is inflated, the second once it is whole; the other
        parts are inflated and checked here meanwhile. Parsing stored parts also skips
        calamine's own inflating. Anything unexpected (markup that cannot be split, a part that
        fails, rows out of order) leaves the sheet to be parsed whole, which then says what is
        wrong with it."""
        others = sorted(m for m in self.members.values() if m != member)
        small = {  # what calamine needs besides the sheet: workbook, rels, styles, strings
            zi.filename: _Pieces()
            for zi in zf.infolist()
            if not zi.is_dir() and zi.filename != member and zi.filename not in others
        }
        parts: list[_Ahead] = []
        books: list[tuple[bytes, int, int]] = []  # each part's zip, and where its rows lie

        def parse(sheet_pieces: list) -> None:
            spans: dict[str, tuple[int, int]] = {}
            book = _stored_zip(
                [(n, sink.pieces) for n, sink in small.items()]
                + [(member, sheet_pieces)]
                + [(o, [_EMPTY_SHEET]) for o in others],
                spans,
            )
            books.append((book, *spans[member]))
            parts.append(_Ahead(lambda: _parse_sheet(book, name)))

        splitter = _Splitter(zf.getinfo(member).file_size, parse)
        try:
            _inflate_all(self.data, self.zip_info, {**small, member: splitter})
            self._open()
        except BaseException:
            for part in parts:
                part.wait()
            raise
        if len(parts) != 2:  # not split (or, never seen, half split): parsed whole on demand
            for part in parts:
                part.wait()
            self._unscanned.add(member)
            return
        # The sheet's error cells and formulas are looked for in the two parts while they are
        # parsed (the inflating above skipped it, so the second part started sooner). The cut
        # lies at a tag's "<": no pattern spans it.
        self.zip_info.flags[member] = (
            any(book.find(b't="e"', lo, hi) >= 0 for book, lo, hi in books),
            any(_has_formula(book, lo, hi) for book, lo, hi in books),
        )
        books.clear()
        try:
            first = parts[0].result()
            rows = None
            end = first.end
            if (
                end is not None
                and end[0] < MAX_ROWS
                and (end[0] + 1) * (end[1] + 1) <= _EAGER_CELLS
            ):
                # the first part's cells become Python objects while the second is parsed
                rows = _calamine(lambda: first.to_python(skip_empty_area=False))
            second = parts[1].result()
        except InputRejected:  # the whole sheet is parsed instead, and says what is wrong
            parts[1].wait()
            return
        except BaseException:
            parts[1].wait()
            raise
        joined = _Halves.join(first, second, rows)
        if joined is not None:
            self._parsed[name] = joined

    def _open(self) -> None:
        self.wb = _calamine(lambda: pc.CalamineWorkbook.from_filelike(io.BytesIO(self.data)))
        self.names: list[str] = list(self.wb.sheet_names)
        self.meta = {m.name: m for m in self.wb.sheets_metadata}

    def _open_and_parse(self, first_sheet: str | None) -> None:
        """Open the workbook and parse the sheet _pick_sheet will look at first."""
        self._open()
        order = _sheet_order(self, first_sheet)
        if order and not self.is_chart(order[0]):
            name = order[0]
            try:
                self._parsed[name] = _calamine(lambda: self.wb.get_sheet_by_name(name))
            except InputRejected as exc:  # raised when _pick_sheet asks for this sheet
                self._parsed[name] = exc

    def is_chart(self, name: str) -> bool:
        m = self.meta.get(name)
        return m is not None and m.typ != pc.SheetTypeEnum.WorkSheet

    def visible(self, name: str) -> bool:
        m = self.meta.get(name)
        return m is None or m.visible == pc.SheetVisibleEnum.Visible

    def sheet(self, name: str):
        parsed = self._parsed.pop(name, None)
        if isinstance(parsed, InputRejected):
            raise parsed
        if parsed is not None:
            return parsed
        return _calamine(lambda: self.wb.get_sheet_by_name(name))

    def scan(self, name: str) -> tuple[dict[tuple[int, int], str], set[tuple[int, int]]]:
        member = self.members.get(name)
        if not member or self.zip_info is None:
            return {}, set()
        if member in self._unscanned:  # never looked at: look for both
            has_err = has_f = True
        else:
            has_err, has_f = self.zip_info.flags.get(member, (False, False))
        if not (has_err or has_f):
            return {}, set()
        try:
            xml = zipfile.ZipFile(io.BytesIO(self.data)).read(member)
        except Exception:
            raise _damaged(member) from None
        return _scan_sheet_xml(xml, has_err, has_f)


# A worksheet part this large is parsed as two halves at once (_Workbook._read_in_halves).
SPLIT_SHEET_BYTES = 16 * 1024 * 1024
_EAGER_CELLS = 5_000_000  # a first half this size is made into Python rows ahead of time
_SHEET_DATA, _SHEET_DATA_END = b"<sheetData>", b"</sheetData>"
_EMPTY_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData/></worksheet>"
)


class _Pieces:
    """A member's bytes as inflated, piece by piece."""

    def __init__(self):
        self.pieces: list[bytes] = []

    def write(self, piece: bytes) -> None:
        self.pieces.append(piece)

    def close(self) -> None:
        pass


class _Splitter:
    """Takes a worksheet part as it is inflated. Once FIRST_PART of it has arrived, hands
    `parse` the rows so far (up to the last "<row " tag seen) closed as a worksheet of their
    own; when the part is whole, the sheet's opening (up to <sheetData>) followed by the rest.
    Cell text cannot hold a raw "<", so "<row " is always a tag. Markup other than the plain
    unprefixed kind is not split (nothing is handed over)."""

    FIRST_PART = 0.5

    def __init__(self, size: int, parse):
        self.size = size
        self.parse = parse
        self.pieces: list = []
        self.got = 0
        self.head: memoryview | None = None  # the sheet up to and including <sheetData>
        self.split = False
        self.given_up = False

    def write(self, piece: bytes) -> None:
        if self.given_up:
            return
        self.pieces.append(piece)
        self.got += len(piece)
        if self.split:
            return
        if self.head is None:
            piece = b"".join(self.pieces) if len(self.pieces) > 1 else piece
            self.pieces = [piece]
            start = piece.find(_SHEET_DATA)
            if start < 0:
                if len(piece) > 1 << 20:  # no row data in the first megabyte
                    self._give_up()
                return
            if b"<worksheet" not in piece[:start]:
                self._give_up()
                return
            self.head = memoryview(piece)[: start + len(_SHEET_DATA)]
        end = piece.find(_SHEET_DATA_END)
        cut = -1
        if self.got >= self.FIRST_PART * self.size:
            cut = piece.rfind(b"<row ", 0, end if end >= 0 else len(piece))
            if len(self.pieces) == 1 and piece.find(b"<row ", 0, max(cut, 0)) < 0:
                cut = -1  # the first part would hold no row
        if cut <= 0:
            if end >= 0:  # the rows end before a place to split them
                self._give_up()
            return
        rows = self.pieces[:-1] + [memoryview(piece)[:cut], _SHEET_END]
        self.pieces = [self.head, memoryview(piece)[cut:]]
        self.split = True
        self.parse(rows)

    def _give_up(self) -> None:
        self.given_up = True
        self.pieces = []  # nothing will be handed over: keep nothing

    def close(self) -> None:
        if self.split:
            rest, self.pieces = self.pieces, []
            self.parse(rest)


_SHEET_END = b"</sheetData></worksheet>"


def _stored_zip(members: list[tuple[str, list]], spans: dict | None = None) -> bytes:
    """A zip archive of uncompressed members, each given as pieces (bytes or memoryviews).
    `spans`, if given, gets each member's (start, end) offsets in the archive."""
    out: list = []
    central: list[bytes] = []
    offset = 0
    for name, pieces in members:
        raw = name.encode("utf-8")
        crc = 0
        size = 0
        for piece in pieces:
            crc = zlib.crc32(piece, crc)
            size += len(piece)
        # version 20, flags (bit 11: UTF-8 name), stored, DOS time 00:00, date 1980-01-01
        fields = (20, 0x800, 0, 0, 0x21, crc, size, size, len(raw))
        local = struct.pack("<I5HIIIHH", 0x04034B50, *fields, 0) + raw
        central.append(
            struct.pack("<IH5HIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset) + raw
        )
        out.append(local)
        out.extend(pieces)
        if spans is not None:
            spans[name] = (offset + len(local), offset + len(local) + size)
        offset += len(local) + size
    directory = b"".join(central)
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0
    )
    return b"".join([*out, directory, end])


def _parse_sheet(book: bytes, name: str):
    return pc.CalamineWorkbook.from_filelike(io.BytesIO(book)).get_sheet_by_name(name)


class _Halves:
    """A worksheet parsed in two parts (_Splitter), read like one calamine sheet."""

    def __init__(self, first, second, first_rows: list[list] | None = None):
        self._first, self._second = first, second
        self._first_rows = first_rows  # the first part's grid, if already made (used once)
        (r1, c1), (r2, c2) = first.end, second.end
        self.end = (max(r1, r2), max(c1, c2))

    @staticmethod
    def join(first, second, first_rows: list[list] | None = None) -> _Halves | None:
        """None unless every row of the second half lies below the first's (rows written out
        of order, or without numbers, which calamine counts from the top of each half)."""
        if first.end is None or second.start is None or second.end is None:
            return None
        if second.start[0] <= first.end[0]:
            return None
        return _Halves(first, second, first_rows)

    @property
    def merged_cell_ranges(self):
        return self._second.merged_cell_ranges  # the second part holds what follows the rows

    def to_python(self, skip_empty_area: bool = False, nrows: int | None = None) -> list[list]:
        if skip_empty_area:
            raise NotImplementedError("the reader reads whole grids")
        width = self.end[1] + 1
        made = self._first_rows
        if made is None:
            rows = self._first.to_python(skip_empty_area=False, nrows=nrows)
        elif nrows is None:
            rows, self._first_rows = made, None
        else:
            rows = [list(row) for row in made[:nrows]]
        if nrows is None or len(rows) < nrows:
            top, left = self._second.start
            rows.extend([""] * width for _ in range(top - len(rows)))  # blank rows between
            more = self._second.to_python(
                skip_empty_area=True, nrows=None if nrows is None else nrows - len(rows)
            )
            if left:
                more = [[""] * left + row for row in more]
            rows.extend(more)
        for row in rows:
            if len(row) < width:
                row.extend([""] * (width - len(row)))
        return rows if nrows is None else rows[:nrows]


class _Ahead:
    """Run fn in a background thread; result() re-raises what it raised (as _calamine maps it)."""

    def __init__(self, fn):
        self._fn = fn
        self._value = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = threading.Thread(
            target=self._run, name="calamine-ahead", daemon=True
        )
        try:
            self._thread.start()
        except RuntimeError:  # no thread to be had (a tight address-space limit): run it later
            self._thread = None

    def _run(self) -> None:
        try:
            self._value = _calamine(self._fn)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def result(self):
        """What fn returned (it runs here if no thread could be started)."""
        if self._thread is None:
            self._run()
        else:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _sheet_order(wbk: _Workbook, sheet: str | None) -> list[str]:
    """The sheets _pick_sheet tries, in order: the named one, else the worksheets, visible ones
    first ([] when the name is unknown or only chart sheets exist: _pick_sheet says why)."""
    names = wbk.names
    if sheet is not None:
        if sheet in names:
            return [sheet]
        want = nfc(sheet)
        return [n for n in names if nfc(n) == want][:1]
    work = [n for n in names if not wbk.is_chart(n)]
    return [n for n in work if wbk.visible(n)] + [n for n in work if not wbk.visible(n)]


def _calamine(fn):
    try:
        return fn()
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except InputRejected:
        raise
    except BaseException as exc:  # calamine raises CalamineError and, on panics, BaseException
        name = type(exc).__name__
        if "Password" in name or "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise _reject(
                "password_protected",
                "The workbook is password-protected. Remove the password in Excel, save and "
                "upload again.",
                "Sổ tính được đặt mật khẩu. Hãy gỡ mật khẩu trong Excel, lưu và tải lên lại.",
            ) from None
        raise _damaged(f"{name}: {_show(exc, 120)}") from None


# ---------------------------------------------------------------------------------------------
# reading


def _too_many_rows(n: int) -> InputRejected:
    return _reject(
        "too_many_rows",
        f"The table has about {n:,} rows below the header (max {MAX_ROWS:,}). Split the file.",
        f"Bảng có khoảng {n:,} dòng dưới tiêu đề (tối đa {MAX_ROWS:,}). Hãy tách tệp.",
        value=str(n),
    )


def _too_many_cols(n: int, sheet: str | None) -> InputRejected:
    where_en = f" on sheet '{sheet}'" if sheet else ""
    where_vi = f" ở trang '{sheet}'" if sheet else ""
    return _reject(
        "too_many_columns",
        f"The table{where_en} has {n:,} columns (max {MAX_COLS}).",
        f"Bảng{where_vi} có {n:,} cột (tối đa {MAX_COLS}).",
        value=str(n),
    )


def _text_grid(text: str, delimiter: str | None) -> _Grid:
    rows: list[list] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or "\x1f")
    try:
        for rec in reader:
            rec = [f.strip() for f in rec]
            rows.append(rec)
            if len(rec) > MAX_COLS and any(f.strip() for f in rec[MAX_COLS:]):
                raise _too_many_cols(len(rec), None)
            if len(rows) > MAX_ROWS + HEADER_SCAN_ROWS + 2:
                raise _too_many_rows(len(rows))
    except csv.Error as exc:
        line = len(rows) + 1
        raise _reject(
            "damaged_file",
            f"Record {line} cannot be read as delimited text ({exc}); check quotes.",
            f"Không đọc được bản ghi {line} dạng văn bản phân cách ({exc}); kiểm tra dấu ngoặc kép.",
            row=line,
        ) from None
    return _Grid(rows, {})


def _mapped_header(h: _Header, mapping: dict[str, int] | None, width: int) -> dict[str, int]:
    result = dict(h.mapping)
    if not mapping:
        return result
    bad = []
    for fld, col in mapping.items():
        if fld not in _FIELD_INDEX or not isinstance(col, int) or not 0 <= col < width:
            bad.append(f"{fld}={col}")
    if bad:
        raise _reject(
            "bad_mapping",
            f"The column mapping is not valid: {', '.join(bad)} (fields: {', '.join(FIELDS)}; "
            f"columns 0..{width - 1}).",
            f"Ánh xạ cột không hợp lệ: {', '.join(bad)} (trường: {', '.join(FIELDS)}; cột "
            f"0..{width - 1}).",
            value=", ".join(bad),
        )
    taken = set(mapping.values())
    result = {f: c for f, c in result.items() if f not in mapping and c not in taken}
    result.update(mapping)
    return result


def _no_header(sheet: str | None, looked: list[str]) -> InputRejected:
    if sheet is not None and not looked:
        en = f"No recognisable header row was found in the first 30 rows of sheet '{sheet}'."
        vi = f"Không tìm thấy dòng tiêu đề nhận ra được trong 30 dòng đầu của trang '{sheet}'."
    elif looked:
        names = ", ".join(f"'{n}'" for n in looked)
        en = f"No sheet has a recognisable header row (sheets looked at: {names})."
        vi = f"Không trang nào có dòng tiêu đề nhận ra được (đã xem các trang: {names})."
    else:
        en = "No recognisable header row was found in the first 30 rows."
        vi = "Không tìm thấy dòng tiêu đề nhận ra được trong 30 dòng đầu."
    return _reject(
        "no_header",
        f"{en} Expected column headers such as 'STT', 'Nhiệm vụ', 'Cơ quan chủ trì', 'Thời hạn'.",
        f"{vi} Cần các tiêu đề cột như 'STT', 'Nhiệm vụ', 'Cơ quan chủ trì', 'Thời hạn'.",
        value=sheet,
    )


def _pick_sheet(wbk: _Workbook, sheet: str | None, header_row: int | None) -> _Picked:
    """The sheet to read: the named one, else the first worksheet whose header scores well."""
    names = wbk.names
    if sheet is not None:
        chosen = sheet if sheet in names else None
        if chosen is None:
            want = nfc(sheet)
            chosen = next((n for n in names if nfc(n) == want), None)
        if chosen is None:
            listed = ", ".join(f"'{n}'" for n in names)
            raise _reject(
                "sheet_not_found",
                f"Sheet '{sheet}' is not in the workbook; its sheets are: {listed}.",
                f"Sổ tính không có trang '{sheet}'; các trang hiện có: {listed}.",
                value=sheet,
            )
        if wbk.is_chart(chosen):
            raise _reject(
                "chart_sheet",
                f"Sheet '{chosen}' is a chart sheet and holds no table.",
                f"Trang '{chosen}' là trang biểu đồ, không chứa bảng.",
                value=chosen,
            )
        order = [chosen]
    else:
        work = [n for n in names if not wbk.is_chart(n)]
        if not work:
            raise _reject(
                "chart_sheets_only",
                "The workbook holds only chart sheets, no table of tasks.",
                "Sổ tính chỉ có trang biểu đồ, không có bảng nhiệm vụ.",
            )
        order = [n for n in work if wbk.visible(n)] + [n for n in work if not wbk.visible(n)]
    looked: list[str] = []
    too_wide: tuple[str, int] | None = None
    fallback: _Picked | None = None
    for name in order:
        looked.append(name)
        sh = wbk.sheet(name)
        end = sh.end
        if end is None:
            continue
        width = end[1] + 1
        if width > MAX_COLS:
            if sheet is not None:
                raise _too_many_cols(width, name)
            too_wide = too_wide or (name, width)
            continue
        preview = _calamine(
            lambda sh=sh: sh.to_python(skip_empty_area=False, nrows=HEADER_SCAN_ROWS + 2)
        )
        merges = _calamine(lambda sh=sh: sh.merged_cell_ranges) or []
        _fill_merges(preview, merges, keep_raw=False)
        head = _detect_header(preview)
        picked = _Picked(name, sh, merges, end, head)
        if head is not None and _good(head):
            return picked
        if fallback is None:
            fallback = picked
    if fallback is not None and header_row is not None:
        return fallback
    if sheet is not None and fallback is None:
        raise _reject(
            "empty_sheet",
            f"Sheet '{order[0]}' is empty.",
            f"Trang '{order[0]}' trống.",
            value=order[0],
        )
    if too_wide is not None and fallback is None:
        raise _too_many_cols(too_wide[1], too_wide[0])
    if fallback is None:
        raise _reject(
            "empty_workbook",
            "Every sheet in the workbook is empty.",
            "Mọi trang trong sổ tính đều trống.",
        )
    raise _no_header(sheet, [] if sheet is not None else looked)


@dataclass
class _Picked:
    name: str
    sheet: object
    merges: list
    end: tuple[int, int]
    head: _Header | None


def _full_grid(wbk: _Workbook, picked: _Picked, header_row: int | None) -> _Grid:
    if header_row is not None:
        bottom = header_row - 1
    else:
        bottom = picked.head.bottom if picked.head is not None else 0
    if picked.end[0] - bottom > MAX_ROWS:
        raise _too_many_rows(picked.end[0] - bottom)
    rows = _calamine(lambda: picked.sheet.to_python(skip_empty_area=False))
    from_above: set[tuple[int, int]] = set()
    raw = _fill_merges(rows, picked.merges, keep_raw=True, from_above=from_above)
    errors, uncached = wbk.scan(picked.name)
    return _Grid(rows, raw, errors, uncached, from_above=from_above)


_HINTS = {
    "task": (
        "the task, e.g. 'Nhiệm vụ' or 'Nội dung nhiệm vụ'",
        "nội dung nhiệm vụ, ví dụ 'Nhiệm vụ'",
    ),
    "lead_agency": (
        "the lead agency, e.g. 'Cơ quan chủ trì'",
        "cơ quan chủ trì, ví dụ 'Cơ quan chủ trì'",
    ),
}


def read_table(
    data: bytes,
    file_name: str,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: dict[str, int] | None = None,
) -> RawTable:
    """Read the task table of a workbook or text file into canonical fields (see module doc)."""
    if len(data) > MAX_BYTES:
        raise _reject(
            "file_too_large",
            f"'{file_name}' is {len(data) / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB.",
            f"Tệp '{file_name}' nặng {len(data) / 2**20:.1f} MB; giới hạn là "
            f"{MAX_BYTES // 2**20} MB.",
            value=file_name,
        )
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise _reject(
            "bad_header_row",
            f"Header row must be a row number from 1 (got {header_row}).",
            f"Dòng tiêu đề phải là số dòng từ 1 (nhận được {header_row}).",
            value=str(header_row),
        )
    fmt, info = _sniff(data, file_name)
    encoding = delimiter = None
    epoch = False
    sheets: list[str] = []
    sheet_name: str | None = None
    head: _Header | None = None
    if fmt in TEXT_FORMATS:
        encoding, delimiter = info["encoding"], info["delimiter"]
        grid = _text_grid(info["text"], delimiter)
    else:
        wbk = _Workbook(data, fmt, info.get("zip"), first_sheet=sheet)
        sheets = list(wbk.names)
        epoch = wbk.epoch_1904
        picked = _pick_sheet(wbk, sheet, header_row)
        sheet_name, head = picked.name, picked.head
        grid = _full_grid(wbk, picked, header_row)
    rows = grid.rows
    if header_row is not None:
        if header_row > len(rows):
            raise _reject(
                "bad_header_row",
                f"Header row {header_row} is below the last row of the table ({len(rows)}).",
                f"Dòng tiêu đề {header_row} nằm dưới dòng cuối của bảng ({len(rows)}).",
                row=header_row,
            )
        head = _detect_header(rows, header_row - 1)
    elif fmt in TEXT_FORMATS:
        head = _detect_header(rows)
        if head is None or not _good(head):
            raise _no_header(None, [])
    assert head is not None
    if fmt in TEXT_FORMATS:
        width = len(head.headers)
        _mark_ragged(grid, head, width)
    else:
        width = max(len(head.headers), len(rows[head.top]) if rows else 0)
    headers = head.headers + [""] * (width - len(head.headers))
    fmap = _mapped_header(head, mapping, width)
    missing = [f for f in REQUIRED_FIELDS if f not in fmap]
    if missing:
        found = ", ".join(f"'{h}'" for h in headers if h) or "-"
        names = ", ".join(missing)
        hint_en = ", ".join(_HINTS[f][0] for f in missing)
        hint_vi = ", ".join(_HINTS[f][1] for f in missing)
        raise _reject(
            "missing_columns",
            f"Required column(s) not found: {names} ({hint_en}). "
            f"Headers found on row {head.top + 1}: {found}.",
            f"Không tìm thấy cột bắt buộc: {names} ({hint_vi}). "
            f"Các tiêu đề tìm thấy ở dòng {head.top + 1}: {found}.",
            row=head.top + 1,
            column=None,
            value=names,
        )
    row_numbers, groups, columns, problems = _emit_rows(grid, head, fmap, headers)
    if not row_numbers:
        raise _reject(
            "no_rows",
            f"No task rows found below the header on row {head.top + 1}.",
            f"Không có dòng nhiệm vụ nào bên dưới dòng tiêu đề {head.top + 1}.",
            row=head.top + 1,
        )
    return RawTable(
        file_name=file_name,
        file_format=fmt,
        sheet=sheet_name,
        sheets=sheets,
        header_row=head.top + 1,
        headers=headers,
        mapping=dict(sorted(fmap.items(), key=lambda fc: fc[1])),
        row_numbers=row_numbers,
        groups=groups,
        columns=columns,
        warnings=problems,
        epoch_1904=epoch,
        encoding=encoding,
        delimiter=delimiter,
        title_lines=_title_lines(rows, head.top),
    )


def _title_lines(rows: list[list], top: int) -> list[str]:
    """The non-empty texts above the header row (title block), for telling the source."""
    out = []
    for row in rows[: min(top, HEADER_SCAN_ROWS)]:
        for cell in row:
            if isinstance(cell, str) and cell.strip():
                out.append(cell.strip())
    return out


def _mark_ragged(grid: _Grid, head: _Header, width: int) -> None:
    """Text rows below the header: longer than the header → ragged (unless the extra fields are
    empty); shorter → padded with empty fields."""
    rows = grid.rows
    for i in range(head.bottom + 1, len(rows)):
        rec = rows[i]
        n = len(rec)
        if n == width:
            continue
        if n > width:
            if any(rec[width:]):
                grid.ragged[i] = n
            del rec[width:]
        else:
            rec.extend([""] * (width - n))


def _emit_rows(
    grid: _Grid, head: _Header, fmap: dict[str, int], headers: list[str]
) -> tuple[list[int], list[str | None], dict[str, list], list[Problem]]:
    """Classify the rows below the header, then convert the mapped columns column by column
    (one conversion per distinct value: fast on 100,000-row sheets). Returns the task rows'
    1-based numbers, their section headings, the converted columns and the row problems."""
    rows = grid.rows
    idx, groups, problems = _classify_rows(grid, head, fmap, len(headers))
    if len(idx) > MAX_ROWS:
        raise _too_many_rows(len(idx))
    fields = sorted(fmap.items(), key=lambda fc: fc[1])
    col_name = {c: (headers[c] if c < len(headers) and headers[c] else f) for f, c in fields}
    task_id_col = fmap.get("task_id")
    position = {i: k for k, i in enumerate(idx)}
    flagged: set[int] = set()  # positions (in idx) of rows with a problem
    row_problems: list[tuple[int, int, Problem]] = []
    columns = []
    col_idx = [c for _f, c in fields]
    for c, vals in zip(col_idx, _select_columns(rows, idx, col_idx), strict=True):
        conv, bad = _convert_column(vals, c == task_id_col)
        if bad:
            for k, v in enumerate(vals):
                if v.__class__ is str and v in bad:
                    kind, text = bad[v]
                    rownum = idx[k] + 1
                    if kind == "long":
                        prob = _too_long(rownum, col_name[c], text, c)
                    else:
                        prob = _cell_error(rownum, col_name[c], text, c)
                    row_problems.append((rownum, c, prob))
                    flagged.add(k)
        columns.append(conv)
    mapped_cols = {c for _f, c in fields}
    for (i, c), code in grid.cell_errors.items():
        k = position.get(i)
        if k is not None and c in mapped_cols and rows[i][c] == "":
            row_problems.append((i + 1, c, _cell_error(i + 1, col_name[c], code, c)))
            flagged.add(k)
    uncached_hits = sorted(
        (i + 1, c)
        for i, c in grid.uncached
        if i in position and c in mapped_cols and rows[i][c] == ""
    )
    row_problems.sort(key=lambda rcp: (rcp[0], rcp[1]))
    problems.extend(p for _r, _c, p in row_problems)
    problems.sort(key=lambda p: p.row or 0)

    # Drop the rows with only blanks in the mapped columns (unless a problem names them).
    names = [f for f, _c in fields]
    width = len(names)
    maybe_blank = set(range(len(idx)))
    for conv in columns:
        maybe_blank = {k for k in maybe_blank if conv[k] is None}
        if not maybe_blank:
            break
    drop = maybe_blank - flagged if width else set()
    row_numbers = [i + 1 for i in idx]
    if drop:
        keep = [k for k in range(len(idx)) if k not in drop]
        row_numbers = [row_numbers[k] for k in keep]
        groups = [groups[k] for k in keep]
        columns = [[conv[k] for k in keep] for conv in columns]
    out = dict(zip(names, columns, strict=True))

    for rownum, c in uncached_hits[:MAX_FORMULA_WARNINGS]:
        problems.append(
            warning(
                "formula_no_cached_value",
                f"Row {rownum}, column '{col_name[c]}' ({_col_letter(c)}): a formula without a saved result; it is "
                "read as empty (formulas are never calculated here). Open and save the file in "
                "Excel to store the results.",
                f"Dòng {rownum}, cột '{col_name[c]}' ({_col_letter(c)}): công thức chưa có kết quả lưu sẵn nên được "
                "đọc là ô trống (hệ thống không tính công thức). Hãy mở và lưu lại tệp bằng Excel.",
                row=rownum,
                column=col_name[c],
            )
        )
    if len(uncached_hits) > MAX_FORMULA_WARNINGS:
        extra = len(uncached_hits) - MAX_FORMULA_WARNINGS
        problems.append(
            warning(
                "formula_no_cached_value",
                f"{extra:,} more formula cells without a saved result were read as empty.",
                f"Còn {extra:,} ô công thức khác chưa có kết quả lưu sẵn được đọc là ô trống.",
                value=str(extra),
            )
        )
    return row_numbers, groups, out, problems


def _select_columns(rows: list[list], idx: list[int], cols: list[int]) -> list[list]:
    """The cells of rows `idx` in columns `cols`, one list per column (one transpose in C)."""
    if not idx or not cols:
        return [[] for _ in cols]
    if idx[-1] - idx[0] + 1 == len(idx):  # one run of rows (the usual case): a slice
        picked = rows[idx[0] : idx[-1] + 1]
    else:
        picked = [rows[i] for i in idx]
    need = max(cols) + 1
    if min(map(len, picked)) < need:  # a short row (text files are padded; be safe anyway)
        return [[r[c] if c < len(r) else "" for r in picked] for c in cols]
    transposed = list(zip(*picked, strict=False))  # rows of unequal length were handled above
    return [list(transposed[c]) for c in cols]


def _convert_column(vals: list, task_id: bool) -> tuple[list, dict[str, tuple[str, str]]]:
    """Converted values, and the bad strings: original -> ('long' | 'error', cleaned text).

    Columns of repeated values (agencies, statuses, dates) convert each distinct value once;
    mostly-distinct columns (task text, ids) convert cell by cell."""
    # A column whose first cells are mostly distinct (task text, ids) is converted cell by cell
    # without a set of all its cells: hashing 100,000 long strings costs more than it saves.
    # Both ways give the same values; only the time differs.
    probe = vals[:_DISTINCT_PROBE] if len(vals) > 2 * _DISTINCT_PROBE else vals
    uniq = set(probe)
    uniq.discard("")
    if probe is vals or 2 * len(uniq) <= len(probe):
        if probe is not vals:
            uniq = set(vals)
            uniq.discard("")
        kinds = set(map(type, uniq))
        distinct = 2 * len(uniq) > len(vals)
    else:
        kinds = set(map(type, vals))  # blank cells are "": str only if some text is not blank
        if str in kinds and len(kinds) > 1 and not any(v for v in vals if v.__class__ is str):
            kinds.discard(str)
        distinct = True
    mixed_bool = bool in kinds and (int in kinds or float in kinds)  # True == 1 == 1.0
    if mixed_bool or distinct:
        bad: dict[str, tuple[str, str]] = {}
        if kinds <= {int, float}:  # numbers (no bool here): nothing can be suspect
            if task_id:
                return [
                    None
                    if v.__class__ is str
                    else str(int(v))
                    if v.__class__ is float and v.is_integer()
                    else str(v)
                    for v in vals
                ], bad
            return [
                None
                if v.__class__ is str
                else int(v)
                if v.__class__ is float and v.is_integer()
                else v
                for v in vals
            ], bad
        if kinds <= {str}:
            conv = _clean_strs(vals)
            filled = list(filter(None, conv))
            if _SUSPECT_STARTS.isdisjoint({t[:1] for t in filled}) and (
                max(map(len, filled), default=0) <= MAX_CELL_CHARS
            ):
                return conv, bad
        else:
            one = _convert_id if task_id else _convert_plain
            conv = list(map(one, vals))
        suspects = [k for k, cv in enumerate(conv) if cv.__class__ is str and _suspect(cv)]
        for k in suspects:
            cv = conv[k]
            if len(cv) > MAX_CELL_CHARS:
                bad[vals[k]] = ("long", cv)
            elif _is_error_literal(cv):
                bad[vals[k]] = ("error", cv)
            else:
                continue
            conv[k] = None
        return conv, bad
    strs = [v for v in uniq if v.__class__ is str]
    cleaned = _clean_strs(strs)
    table: dict = dict(zip(strs, cleaned, strict=True))
    table[""] = None
    bad = {}
    for v, cv in zip(strs, cleaned, strict=True):
        if cv is not None and _suspect(cv):
            if len(cv) > MAX_CELL_CHARS:
                bad[v] = ("long", cv)
            elif _is_error_literal(cv):
                bad[v] = ("error", cv)
            else:
                continue
            table[v] = None
    if len(strs) < len(uniq):
        for v in uniq:
            if v.__class__ is not str:
                table[v] = _convert_scalar(v, task_id)
    return list(map(table.__getitem__, vals)), bad


_SUSPECT_STARTS = frozenset(("#", "E"))  # error literals: "#N/A", LibreOffice's "Err:502"
_DISTINCT_PROBE = 2_000  # cells _convert_column looks at to judge a text column's repetition


def _suspect(text: str) -> bool:
    return len(text) > MAX_CELL_CHARS or text[:1] in _SUSPECT_STARTS


def _convert_plain(v: object) -> object:
    if v.__class__ is str:
        return _clean_str(v) if v else None
    return _convert_scalar(v, False)


def _convert_id(v: object) -> object:
    if v.__class__ is str:
        return _clean_str(v) if v else None
    return _convert_scalar(v, True)


def _convert_scalar(v: object, task_id: bool) -> object:
    if v is None:
        return None
    if v.__class__ is float:
        if v.is_integer():
            v = int(v)
        return str(v) if task_id else v
    if v.__class__ is int and task_id:
        return str(v)
    return v


def _has_value(row: list, raw: list, i: int, c: int, from_above: set) -> bool:
    """A cell counts as filled if written in this row or reached by a merge from above (a
    heading merged across the row does not fill its lead agency or deadline)."""
    if c >= len(row) or row[c] == "" or row[c] is None:
        return False
    if raw is row:
        return True
    return not (raw[c] == "" or raw[c] is None) or (i, c) in from_above


def _classify_rows(
    grid: _Grid, head: _Header, fmap: dict[str, int], width: int
) -> tuple[list[int], list[str | None], list[Problem]]:
    """Indices of the task rows, the section heading above each, and ragged-row errors."""
    rows, raw_rows, ragged, from_above = grid.rows, grid.raw, grid.ragged, grid.from_above
    n = len(rows)
    start = head.bottom + 1
    while start < n and rows[start].count("") == len(rows[start]):
        start += 1
    if start < n and _is_colnum_row(rows[start]):
        start += 1
    stt_col = fmap.get("row_no")
    task_col = fmap["task"]
    lead_col = fmap["lead_agency"]
    deadline_col = fmap.get("deadline")
    section_limit = max(task_col, 1)
    idx: list[int] = []
    groups: list[str | None] = []
    problems: list[Problem] = []
    group: str | None = None
    for i in range(start, n):
        row = rows[i]
        rowlen = len(row)
        if row.count("") == rowlen:
            continue
        raw = raw_rows.get(i, row)
        first = raw[0] if raw else ""
        if first == "" or first is None:
            first = next((v for v in raw if v != "" and v is not None), None)
            if first is None:
                continue
        if first.__class__ is str and not first[:1].isdigit():
            key = fold(first[:24])
            if key.startswith(_STOP_STARTS):
                break
            if key.startswith(_TRAILER_STARTS) or _CONG.match(key):
                continue
        if ragged and i in ragged:
            problems.append(_ragged_error(i + 1, ragged[i], width))
            continue
        sv = raw[stt_col] if stt_col is not None and stt_col < len(raw) else ""
        section = (
            sv.__class__ is str
            and sv[:1].isalpha()
            and _ROMAN_OR_LETTER.fullmatch(sv.strip()) is not None
        )
        if (
            not section
            and not _has_value(row, raw, i, lead_col, from_above)
            and (deadline_col is None or not _has_value(row, raw, i, deadline_col, from_above))
        ):
            cols = [c for c, v in enumerate(raw) if v != "" and v is not None]
            if len(cols) <= 2 and cols[-1] <= section_limit:
                stt = _stt_text(sv)
                m = _ARABIC.fullmatch(stt) if stt else None
                if m is not None:  # "1" over "1.1", "1.2" is a heading; else a bare task
                    nxt = _next_stt(rows, raw_rows, i + 1, stt_col)
                    section = nxt.startswith(f"{m.group(1)}.")
                else:  # no number, or heading text written in (or merged over) the STT cell
                    section = not stt or _ITEM_MARK.fullmatch(stt) is None
        if section:
            text = raw[task_col] if task_col < len(raw) else ""
            if text == "" or text is None:
                text = next(
                    (v for c, v in enumerate(raw) if v != "" and v is not None and c != stt_col),
                    sv,
                )
            group = nfc(text) or None
            continue
        idx.append(i)
        groups.append(group)
    return idx, groups, problems


def _ragged_error(rownum: int, count: int, width: int) -> Problem:
    return error(
        "ragged_row",
        f"Row {rownum} has {count} fields but the header has {width}; the row was not read (its "
        "columns would shift). Check for a delimiter that is not inside quotes.",
        f"Dòng {rownum} có {count} trường trong khi tiêu đề có {width}; dòng này không được đọc "
        "(các cột sẽ bị lệch). Kiểm tra dấu phân cách không nằm trong ngoặc kép.",
        row=rownum,
        value=str(count),
    )


def _too_long(rownum: int, column: str, text: str, col: int) -> Problem:
    return error(
        "cell_too_long",
        f"Row {rownum}, column '{column}' ({_col_letter(col)}): the text has {len(text):,} characters (max "
        f"{MAX_CELL_CHARS:,}).",
        f"Dòng {rownum}, cột '{column}' ({_col_letter(col)}): nội dung dài {len(text):,} ký tự (tối đa "
        f"{MAX_CELL_CHARS:,}).",
        row=rownum,
        column=column,
        value=_show(text),
    )


def _next_stt(rows: list[list], raw_rows: dict[int, list], i: int, stt_col: int | None) -> str:
    for j in range(i, min(i + 50, len(rows))):
        raw = raw_rows.get(j, rows[j])
        if raw.count("") == len(raw):
            continue
        return _stt_text(raw[stt_col]) if stt_col is not None and stt_col < len(raw) else ""
    return ""


def _cell_error(rownum: int, column: str, code: str, col: int) -> Problem:
    return error(
        "cell_error",
        f"Row {rownum}, column '{column}' ({_col_letter(col)}): the cell holds the Excel error {code}; fix the "
        "formula or type the value.",
        f"Dòng {rownum}, cột '{column}' ({_col_letter(col)}): ô chứa lỗi Excel {code}; hãy sửa công thức hoặc nhập "
        "giá trị.",
        row=rownum,
        column=column,
        value=code,
    )


def candidate_header_rows(
    data: bytes, file_name: str, sheet: str | None = None
) -> list[tuple[int, float]]:
    """(1-based row, score) of the first rows that look like a header, best first (for a UI)."""
    if len(data) > MAX_BYTES:
        return []
    fmt, info = _sniff(data, file_name)
    if fmt in TEXT_FORMATS:
        grid = _text_grid(info["text"], info["delimiter"]).rows[:HEADER_SCAN_ROWS]
    else:
        wbk = _Workbook(data, fmt, info.get("zip"), first_sheet=sheet)
        try:
            picked = _pick_sheet(wbk, sheet, header_row=1)
        except InputRejected:
            if sheet is not None:
                raise
            return []
        grid = _calamine(
            lambda: picked.sheet.to_python(skip_empty_area=False, nrows=HEADER_SCAN_ROWS)
        )
        _fill_merges(grid, picked.merges, keep_raw=False)
    scores = _row_scores(grid)
    return [(i + 1, round(s, 2)) for i, s in sorted(scores, key=lambda rs: (-rs[1], rs[0]))]
