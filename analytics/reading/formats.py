"""Format sniffing and container checks: what a file is, decided before anything parses it.

- The format is decided by content (magic bytes), never by the file name.
- Zip containers (xlsx, xlsm, ods) are checked twice before python-calamine sees them: the
  central directory (`check_container`, milliseconds) and then every member is actually inflated
  once with a running cap (`xlsx._inflate_all`), so a member whose real size differs from its
  declared size (declared sizes lie) is refused before calamine inflates it.
"""

from __future__ import annotations

import csv
import io
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field

import defusedxml.ElementTree as DET

from analytics.problems import InputRejected
from analytics.reading.common import _damaged, _reject

MAX_INFLATED = 400 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 10_000
# Members smaller than this are not held to MAX_RATIO (a tiny, very regular XML part can compress
# 300:1 and is harmless); the overall ratio is checked once the total exceeds OVERALL_FLOOR.
RATIO_FLOOR = 1024 * 1024
OVERALL_FLOOR = 10 * 1024 * 1024

TEXT_FORMATS = ("csv", "tsv", "txt")
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
