"""Format sniffing and container checks: what a file is, decided before anything parses it.

- The format is decided by content (magic bytes), never by the file name.
- An OOXML package is an .xlsb only when its workbook part is binary: the part `_rels/.rels`
  names as the office document has the .xlsb content type (its Override, else the Default of
  its extension) or is a .bin part, or, without package relationships, an Override says so or
  `xl/workbook.bin` stands alone. A `Default` for .bin parts decides nothing: SheetJS writes
  the .xlsb one into every .xlsx, and macros, printer settings and embedded objects are .bin.
- A compound file (OLE) is judged from its directory (`_Cfb`): EncryptionInfo/EncryptedPackage
  streams (an encrypted .xlsx) or a FILEPASS record at the start of the Workbook stream (an
  encrypted .xls) are "password-protected"; a Word, PowerPoint or Outlook file is named. When
  the directory cannot be followed, the stream names found in the bytes decide, and calamine
  says whether the workbook is readable.
- Text is judged by content too: a web page or MHTML archive holding a table (an "Excel" export
  of many systems) is read as 'html' (`html`); delimited text is CSV/TSV whatever its name;
  a page without a table, XML (including Excel 2003's XML spreadsheet), JSON and text without
  columns are refused naming what they are. A few control characters, NUL included, are
  cells' content (the reader takes them out and names them, as in a workbook's cells:
  `analytics.safe_text`); text with more of them than a table holds is binary.
- What went wrong inside a library (zipfile, defusedxml, calamine) goes to the server log; the
  user gets plain words (`common._damaged`).
- Zip containers (xlsx, xlsm, ods) are checked twice before python-calamine sees them: the
  central directory (`check_container`, milliseconds) and then every member is actually inflated
  once with a running cap (`xlsx._inflate_all`), so a member whose real size differs from its
  declared size (declared sizes lie) is refused before calamine inflates it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field

import defusedxml.ElementTree as DET

from analytics.problems import InputRejected
from analytics.reading import html
from analytics.reading.common import _damaged, _reject

log = logging.getLogger(__name__)

MAX_INFLATED = 400 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 10_000
# Members smaller than this are not held to MAX_RATIO (a tiny, very regular XML part can compress
# 300:1 and is harmless); the overall ratio is checked once the total exceeds OVERALL_FLOOR.
RATIO_FLOOR = 1024 * 1024
OVERALL_FLOOR = 10 * 1024 * 1024

TEXT_FORMATS = ("csv", "tsv", "txt", "html")
ODS_MIMETYPES = (
    b"application/vnd.oasis.opendocument.spreadsheet",
    b"application/vnd.oasis.opendocument.spreadsheet-template",
)


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
# Streams that tell which Office program wrote a compound (OLE) file that is not a workbook.
_OLE_OTHERS = (
    ("worddocument", "a Word document (.doc)", "tài liệu Word (.doc)"),
    ("powerpoint document", "a PowerPoint file (.ppt)", "tệp PowerPoint (.ppt)"),
    ("__substg1.0_", "an Outlook message (.msg)", "thư Outlook (.msg)"),
    ("visio", "a Visio drawing", "bản vẽ Visio"),
)
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
        log.warning("damaged file: no zip directory (end of the archive missing)")
        raise _reject(
            "damaged_file",
            "The file is damaged or incomplete: its end is missing, as when a download or a copy "
            "is cut short. Get the file again from where it came from and upload it.",
            "Tệp bị hỏng hoặc không đầy đủ: thiếu phần cuối, như khi việc tải về hoặc sao chép bị "
            "ngắt giữa chừng. Hãy lấy lại tệp từ nơi gửi rồi tải lên.",
        )
    if entries > MAX_MEMBERS:
        raise _bomb(
            f"{entries:,} members (max {MAX_MEMBERS:,})",
            f"{entries:,} thành phần (tối đa {MAX_MEMBERS:,})",
        )
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged("zip directory", exc) from None
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


# ---------------------------------------------------------------------------------------------
# compound files (OLE): .xls, and Office files encrypted with a password

_MAX_SECT = 0xFFFFFFFA  # sector numbers at or above this are markers (end of chain, free ...)
_BIFF_BOF = (0x0809, 0x0409, 0x0209, 0x0009)
_BIFF_FILEPASS = 0x002F
_BIFF_EOF = 0x000A
_BIFF_BOUNDSHEET = 0x0085


class _Cfb:
    """Just enough of a compound file to list its streams and read the start of one.
    Raises ValueError (or struct.error) when its structure cannot be followed."""

    def __init__(self, data: bytes):
        if len(data) < 512:
            raise ValueError("short header")
        self.data = data
        major, _order, shift, mini_shift = struct.unpack_from("<HHHH", data, 0x1A)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("sector sizes")
        self.size = 1 << shift
        self.major = major
        n_fat, self.dir_start = struct.unpack_from("<II", data, 0x2C)
        self.cutoff, self.minifat_start, _n_minifat, difat, n_difat = struct.unpack_from(
            "<IIIII", data, 0x38
        )
        self.n_sectors = max(0, -(-(len(data) - self.size) // self.size))  # last may be short
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < _MAX_SECT]
        per = self.size // 4
        for _ in range(min(n_difat, self.n_sectors)):
            if difat >= _MAX_SECT:
                break
            more = struct.unpack_from(f"<{per}I", self._sector(difat))
            fat_sectors.extend(s for s in more[:-1] if s < _MAX_SECT)
            difat = more[-1]
        fat_sectors = fat_sectors[: max(n_fat, 1)]
        if not fat_sectors:
            raise ValueError("no allocation table")
        self.fat = struct.unpack(
            f"<{per * len(fat_sectors)}I", b"".join(self._sector(s) for s in fat_sectors)
        )
        self.entries = self._directory()

    def _sector(self, n: int) -> bytes:
        if n >= self.n_sectors:
            raise ValueError("sector outside the file")
        start = (n + 1) * self.size
        return self.data[start : start + self.size]

    def _chain(self, start: int, table, limit: int):
        """Sector numbers from start along table (at most limit of them: cycles end)."""
        n = start
        for _ in range(limit):
            if n >= _MAX_SECT:
                return
            if n >= len(table):
                raise ValueError("chain outside the table")
            yield n
            n = table[n]

    def _read(self, start: int, want: int) -> bytes:
        out = bytearray()
        for n in self._chain(start, self.fat, self.n_sectors):
            out += self._sector(n)
            if len(out) >= want:
                break
        return bytes(out[:want])

    def _directory(self) -> list[tuple[str, int, int, int]]:
        """(name, type, start sector, size) of each entry; type 1 storage, 2 stream, 5 root."""
        raw = self._read(self.dir_start, 128 * 4096)  # 4,096 entries: far more than Excel's
        entries = []
        for off in range(0, len(raw) - 127, 128):
            name_len, kind = struct.unpack_from("<HB", raw, off + 64)
            start, size = struct.unpack_from("<IQ", raw, off + 116)
            if self.major == 3:
                size &= 0xFFFFFFFF  # version 3 files leave the high half undefined
            name = raw[off : off + min(name_len, 64)].decode("utf-16-le", "replace")
            entries.append((name.rstrip("\x00"), kind, start, size))
        if not entries or entries[0][1] != 5:
            raise ValueError("no root entry")
        return entries

    def names(self) -> set[str]:
        return {name.lower() for name, kind, _s, _z in self.entries if kind in (1, 2)}

    def head(self, stream: str, want: int) -> bytes | None:
        """The first `want` bytes of the named stream (None when there is none)."""
        for name, kind, start, size in self.entries:
            if kind == 2 and name.lower() == stream.lower():
                want = min(want, size)
                if size >= self.cutoff:
                    return self._read(start, want)
                return self._read_mini(start, want)
        return None

    def _read_mini(self, start: int, want: int) -> bytes:
        _name, _kind, root_start, root_size = self.entries[0]
        mini_fat_raw = self._read(self.minifat_start, self.n_sectors * self.size)
        mini_fat = struct.unpack(f"<{len(mini_fat_raw) // 4}I", mini_fat_raw)
        container = self._read(root_start, root_size)
        out = bytearray()
        for n in self._chain(start, mini_fat, len(mini_fat)):
            piece = container[n * 64 : n * 64 + 64]
            if len(piece) < 64:
                raise ValueError("mini sector outside the mini stream")
            out += piece
            if len(out) >= want:
                break
        return bytes(out[:want])


def _biff_encrypted(stream: bytes) -> bool:
    """Whether a Workbook stream's global part holds a FILEPASS record (the workbook is
    encrypted: BIFF5/BIFF8 put it right after the BOF record)."""
    pos = 0
    for k in range(4096):
        if pos + 4 > len(stream):
            return False
        kind, length = struct.unpack_from("<HH", stream, pos)
        if k == 0 and kind not in _BIFF_BOF:
            return False
        if kind == _BIFF_FILEPASS:
            return True
        if kind in (_BIFF_EOF, _BIFF_BOUNDSHEET):
            return False
        pos += 4 + length
    return False


def _password_protected(file_name: str | None) -> InputRejected:
    """An encrypted workbook (.xlsx in an OLE container, .xls with FILEPASS, or as calamine
    found it, without the file's name)."""
    en = f"'{file_name}' is" if file_name else "The workbook is"
    vi = f"'{file_name}' được" if file_name else "Sổ tính được"
    return _reject(
        "password_protected",
        f"{en} password-protected (encrypted). Remove the password in Excel "
        "(File > Info > Protect Workbook > Encrypt with Password, clear it), save and upload "
        "again. If Excel opens it without asking for a password, the workbook's structure is "
        "protected: remove that (Review > Protect Workbook) and save again.",
        f"{vi} đặt mật khẩu (mã hoá). Hãy gỡ mật khẩu trong Excel (Tệp > Thông "
        "tin > Bảo vệ sổ làm việc > Mã hoá bằng mật khẩu, xoá mật khẩu), lưu và tải lên lại. "
        "Nếu Excel mở tệp mà không hỏi mật khẩu thì cấu trúc sổ đang được bảo vệ: hãy bỏ bảo vệ "
        "(Xem lại > Bảo vệ sổ làm việc) rồi lưu lại.",
        value=file_name,
    )


def _ole_kind(data: bytes, file_name: str) -> str:
    """'xls' for a compound file holding a workbook; InputRejected for an encrypted one (an
    .xlsx or .xls with a password) or another Office file. Read from the file's directory;
    when that cannot be followed, from the stream names found anywhere in the bytes (calamine
    then says whether the workbook is readable)."""
    try:
        cfb = _Cfb(data)
        names = cfb.names()
    except (ValueError, struct.error):
        log.info("compound file directory unreadable; judged by the bytes", exc_info=True)
        cfb = None
    if cfb is None:
        if any(n in data for n in _ENCRYPTED_NAMES):
            raise _password_protected(file_name)
        if not any(n in data for n in _WORKBOOK_STREAMS):
            raise _not_supported(
                "an Office file that is not an Excel workbook (a Word or Outlook file?)",
                "tệp Office nhưng không phải sổ Excel (tệp Word hoặc Outlook?)",
                file_name,
            )
        return "xls"
    if {"encryptedpackage", "encryptioninfo"} & names:
        raise _password_protected(file_name)
    for stream in ("Workbook", "Book"):
        if stream.lower() not in names:
            continue
        try:
            head = cfb.head(stream, 1 << 16)
        except (ValueError, struct.error):
            log.info("workbook stream unreadable; left to calamine", exc_info=True)
            return "xls"
        if head and _biff_encrypted(head):
            raise _password_protected(file_name)
        return "xls"
    for mark, en, vi in _OLE_OTHERS:
        if any(name.startswith(mark) for name in names):
            raise _not_supported(en, vi, file_name)
    raise _not_supported(
        "an Office file that is not an Excel workbook",
        "tệp Office nhưng không phải sổ Excel",
        file_name,
    )


@dataclass
class _ZipInfo:
    kind: str  # 'xlsx' | 'xlsm' | 'ods'
    workbook_path: str | None = None
    # worksheet member -> (holds error cells, holds formulas)
    flags: dict[str, tuple[bool, bool]] = field(default_factory=dict)


_OFFICE_DOCUMENT = "/officeDocument"  # the end of the relationship type, transitional or strict


def _office_document(rels: bytes) -> str | None:
    """The part _rels/.rels names as the office document (no leading /), if it names one."""
    if not rels:
        return None
    try:
        root = DET.fromstring(rels)
    except Exception:  # a damaged .rels: the content types alone decide
        log.info("_rels/.rels unreadable", exc_info=True)
        return None
    for rel in root:
        if rel.get("Type", "").endswith(_OFFICE_DOCUMENT) and rel.get("TargetMode") != "External":
            target = rel.get("Target", "").strip().lstrip("/")
            while target.startswith("./"):
                target = target[2:]
            return target or None
    return None


def _is_xlsb(ctype: str) -> bool:
    return ctype.lower().endswith("sheet.binary.macroenabled.main")


def _is_workbook_xml(ctype: str) -> bool:
    low = ctype.lower()
    return low.endswith(".main+xml") and ("spreadsheetml" in low or "ms-excel." in low)


def _xlsb(file_name: str) -> InputRejected:
    return _reject(
        "unsupported_format",
        f"'{file_name}' is an Excel binary workbook (.xlsb). Save it as .xlsx and upload again.",
        f"'{file_name}' là sổ Excel nhị phân (.xlsb). Hãy lưu lại dạng .xlsx rồi tải lên lại.",
        value=file_name,
    )


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
        rels = zf.read("_rels/.rels") if "_rels/.rels" in names else b""
    except InputRejected:
        raise
    except Exception as exc:  # zipfile raises many kinds on damaged archives
        raise _damaged("the zip directory or a part cannot be read", exc) from None
    overrides: dict[str, str] = {}  # part name (lower case, no leading /) -> content type
    defaults: dict[str, str] = {}  # extension (lower case) -> content type
    if ctypes:
        try:
            root = DET.fromstring(ctypes)
        except Exception as exc:
            raise _damaged("[Content_Types].xml", exc) from None
        for el in root:
            ctype = el.get("ContentType", "")
            if el.get("PartName"):
                overrides[el.get("PartName", "").lstrip("/").lower()] = ctype
            elif el.get("Extension"):
                defaults[el.get("Extension", "").lstrip(".").lower()] = ctype
    by_lower = {n.lower(): n for n in names}
    main = _office_document(rels)
    wb_path, macro = None, False
    # The workbook is the part _rels/.rels names as the office document; its content type is
    # its Override, else the Default of its extension. A Default for .bin parts alone says
    # nothing: SheetJS writes one into every .xlsx, and vbaProject.bin, printer settings and
    # embedded objects are .bin parts of ordinary workbooks.
    if main is not None:
        ctype = overrides.get(main.lower()) or defaults.get(main.rsplit(".", 1)[-1].lower(), "")
        if _is_xlsb(ctype) or main.lower().endswith(".bin"):
            raise _xlsb(file_name)
        if _is_workbook_xml(ctype) and main.lower() in by_lower:
            wb_path = by_lower[main.lower()]
            macro = "macroenabled" in ctype.lower()
    if wb_path is None:  # no package relationships (or odd ones): the Overrides tell
        for part, ctype in overrides.items():
            if _is_xlsb(ctype) and part.endswith(".bin") and part in by_lower:
                raise _xlsb(file_name)
            if _is_workbook_xml(ctype) and part in by_lower:
                wb_path = by_lower[part]
                macro = macro or "macroenabled" in ctype.lower()
                break
    if wb_path is None and "xl/workbook.bin" in names and "xl/workbook.xml" not in names:
        raise _xlsb(file_name)
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
        raise _damaged(wb_path, exc) from None
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
    """Binary data decoded as text: control characters (NUL included) are more than 1% of the
    first 20,000 characters, and more than a few cells of a table would hold."""
    sample = text[:20_000]
    bad = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n\f\v")
    return bad > max(100, len(sample) // 100)


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
        return _ole_kind(data, file_name), {}
    for magic, en, vi in _MAGIC:
        if data.startswith(magic):
            raise _not_supported(en, vi, file_name)
    if data.startswith(b"MZ") and b"\x00" in data[:64]:
        raise _not_supported("a Windows executable", "tệp chạy Windows", file_name)
    try:
        text, encoding = decode_text(data)
    except InputRejected:
        raise _not_supported(
            "binary data of no known kind (nor text in a known encoding)",
            "dữ liệu nhị phân không rõ loại (cũng không phải văn bản với bảng mã đã biết)",
            file_name,
        ) from None
    if _text_binaryish(text):
        raise _not_supported("a binary file", "tệp nhị phân", file_name)
    judged = _text_kind(text, file_name)
    if judged is not None:
        return "html", {"text": judged, "encoding": encoding, "delimiter": None}
    delim = _detect_delimiter(text)
    if delim is None:
        raise _not_supported(
            "plain text without columns (no tab, semicolon, comma or | between values)",
            "văn bản thường không chia cột (không có dấu tab, chấm phẩy, phẩy hay | giữa các giá "
            "trị)",
            file_name,
        )
    fmt = {",": "csv", ";": "csv", "\t": "tsv"}.get(delim, "txt")
    return fmt, {"text": text, "encoding": encoding, "delimiter": delim}


def _web_page_refused(file_name: str, en: str, vi: str) -> InputRejected:
    return _reject(
        "unsupported_format",
        f"'{file_name}' is a web page saved with a spreadsheet name (some systems export 'Excel' "
        f"files this way), {en}. Open it in Excel, save it as .xlsx and upload that.",
        f"'{file_name}' là trang web mang tên bảng tính (một số hệ thống xuất 'Excel' theo cách "
        f"này), {vi}. Hãy mở bằng Excel, lưu dạng .xlsx rồi tải lên bản đó.",
        value=file_name,
    )


def _text_kind(text: str, file_name: str) -> str | None:
    """A text file that is no delimited table: the HTML to read its tables from (a web page
    or web archive saved as .xls), or InputRejected naming what it is; None for delimited
    text."""
    lead = text[:4096].lstrip("\ufeff \t\r\n").lower()
    if html.looks_like_mhtml(text):
        page = html.mhtml_page(text)
        if page is None:
            raise _web_page_refused(
                file_name, "and none of its pages holds a table", "và không trang nào có bảng"
            )
        return page
    if html.looks_like_html(text):
        if not html.has_table(text):
            raise _web_page_refused(file_name, "and it holds no table", "và không có bảng nào")
        return text
    if lead.startswith("<?xml"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in lead or "excel.sheet" in lead:
            raise _reject(
                "unsupported_format",
                f"'{file_name}' is an 'XML Spreadsheet 2003' file, which cannot be read. Open it "
                "in Excel, use File > Save As > 'Excel Workbook (.xlsx)' and upload that.",
                f"'{file_name}' là tệp 'XML Spreadsheet 2003', không đọc được. Hãy mở bằng Excel, "
                "chọn Tệp > Lưu thành > 'Excel Workbook (.xlsx)' rồi tải lên bản đó.",
                value=file_name,
            )
        raise _not_supported("an XML file", "tệp XML", file_name)
    if lead.startswith(("{", "[")):
        try:
            json.loads(text)
        except ValueError:
            pass
        else:
            raise _not_supported("a JSON file", "tệp JSON", file_name)
    return None


def sniff_format(data: bytes, file_name: str) -> str:
    """'xlsx','xlsm','xls','ods','csv','tsv','txt','html' decided by content; InputRejected
    otherwise ('html': a web page or web archive saved with a spreadsheet name)."""
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
