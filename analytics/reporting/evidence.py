"""Evidence files an agency attaches to a report (issue 15): a PDF or DOCX of at most 20 MB,
checked before anything keeps it, the way uploads are checked.

- The kind is decided by content (magic bytes, the package's parts), never by the name; a name
  that says the other accepted kind (a PDF named .docx) is refused as a disagreement, a name
  that says nothing (or something else) gets the right extension.
- PDF: the header `%PDF-` at the start, `%%EOF` near the end, and no JavaScript, Launch action
  or embedded file: names are read with their `#xx` escapes undone, in the file's body and in
  its object streams (inflated with the reader's cap, `formats.MAX_INFLATED`). An encrypted
  PDF is accepted; its object streams cannot be read and are not checked.
- DOCX: a zip checked by the upload reader's own zip-bomb checks (`formats.check_container` on
  the central directory, then `xlsx._inflate_all` inflating every member once with a running
  cap), no member with an absolute path or `..`, `[Content_Types].xml` giving the main part
  the .docx content type, and no macros (vbaProject, macro-enabled types) or ActiveX.
- The file name is the upload's display name (`uploads.display_name`: last path component,
  printable characters), NFC, at most 120 characters with its extension kept.
- Messages come from texts.toml ([evidence]), name the file and say what to do; what a library
  said goes to the server log only.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import defusedxml.ElementTree as DET

from analytics.i18n import t
from analytics.problems import InputRejected
from analytics.reading.formats import (
    MAX_INFLATED,
    _Cfb,
    _office_document,
    _ZipInfo,
    check_container,
)
from analytics.reading.xlsx import _inflate_all
from analytics.uploads import display_name

log = logging.getLogger(__name__)

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 120
DEFAULT_STEM = "minh-chung"
KINDS = ("pdf", "docx")
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_WORD_EXTENSIONS = ("docx", "doc", "docm", "dotx", "dotm")


@dataclass(frozen=True)
class Evidence:
    file_name: str  # cleaned display name (no path parts, no control chars, <= 120 chars)
    kind: str  # "pdf" | "docx"
    sha256: str
    size_bytes: int


class EvidenceRejected(ValueError):
    """An evidence file refused; nothing was kept. str(exc) is the English message."""

    def __init__(self, code: str, message: str, message_vi: str, file_name: str):
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_vi = message_vi
        self.file_name = file_name

    def text(self, lang: str = "vi") -> str:
        return self.message_vi if lang == "vi" else self.message


def _refuse(code: str, key: str, name: str, what: str | None = None, **fmt) -> EvidenceRejected:
    """The refusal `code` with the text `key` in both languages; `what` is a key too."""

    def say(lang: str) -> str:
        extra = {"what": t(what, lang)} if what else {}
        return t(key, lang, name=name, **fmt, **extra)

    return EvidenceRejected(code, say("en"), say("vi"), name)


# --------------------------------------------------------------------------- the file name


def _split_ext(raw: str) -> tuple[str, str]:
    """(stem, extension without the dot, lower case) of a name ("", "" when it has none)."""
    stem, dot, ext = raw.rpartition(".")
    if dot and 0 < len(ext) <= 8 and ext.isascii() and ext.isalnum():
        return stem, ext.lower()
    return raw, ""


def clean_name(file_name: object) -> tuple[str, str]:
    """(the name to show without its extension, "" when nothing is left; the extension the
    name gives, lower case): the upload's display name, NFC."""
    raw_stem, ext = _split_ext(str(file_name or ""))
    stem = display_name(raw_stem)
    if stem == "upload" and "upload" not in raw_stem:  # display_name's name for nothing
        return "", ext
    stem = unicodedata.normalize("NFC", stem)
    return ("" if not stem.strip(". ") else stem), ext


def _final_name(stem: str, ext: str, kind: str) -> str:
    """stem.kind (stem.ext.kind when the name gives another extension), at most
    MAX_NAME_CHARS characters, the extensions kept; DEFAULT_STEM for no stem."""
    tail = f".{kind}" if ext in ("", kind) else f".{ext}.{kind}"
    stem = (stem or DEFAULT_STEM)[: MAX_NAME_CHARS - len(tail)].rstrip()
    return stem + tail


# --------------------------------------------------------------------------- the kind


def _mb(size: int, lang: str) -> str:
    text = f"{math.ceil(size * 10 / 2**20) / 10:.1f}"  # never shown as the limit it exceeds
    return text.replace(".", ",") if lang == "vi" else text


_IMAGES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")


def _what(data: bytes) -> str:
    """The texts.toml key naming a file that is neither a PDF nor a zip package."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        try:
            names = _Cfb(data).names()
        except (ValueError, struct.error, IndexError):
            log.info("compound file directory unreadable", exc_info=True)
            return "evidence.what_old_office"
        if {"encryptedpackage", "encryptioninfo"} & names:
            return "evidence.what_encrypted"
        if "worddocument" in names:
            return "evidence.what_doc"
        if {"workbook", "book"} & names:
            return "evidence.what_xls"
        return "evidence.what_old_office"
    if data.startswith((b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")):
        return "evidence.what_program"
    if data.startswith(_IMAGES):
        return "evidence.what_image"
    if data[:5] == b"{\\rtf":
        return "evidence.what_rtf"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if (
        head.startswith((b"<!doctype html", b"<html"))
        or b"<html" in head
        or b"mime-version" in head
    ):
        return "evidence.what_html"
    return "evidence.what_unknown"


def checked(data: bytes, file_name: str) -> Evidence:
    """The evidence file `data` sent as `file_name`, checked; EvidenceRejected if refused."""
    data = bytes(data)
    stem, ext = clean_name(file_name)
    shown = _final_name(stem, "", ext) if ext else (stem or DEFAULT_STEM)[:MAX_NAME_CHARS]
    if not data or not data[:4096].strip(b" \t\r\n\x00") and not data.strip(b" \t\r\n\x00"):
        raise _refuse("empty_file", "evidence.empty", shown)
    if len(data) > MAX_EVIDENCE_BYTES:
        limit = MAX_EVIDENCE_BYTES // 2**20
        raise EvidenceRejected(
            "file_too_large",
            t("evidence.too_big", "en", name=shown, size=_mb(len(data), "en"), limit=limit),
            t("evidence.too_big", "vi", name=shown, size=_mb(len(data), "vi"), limit=limit),
            shown,
        )
    if data[:5] == b"%PDF-":
        kind = "pdf"
    elif data[:4] == b"PK\x03\x04":
        kind = "docx"
    else:
        raise _refuse("unsupported_format", "evidence.not_accepted", shown, _what(data))
    if (ext == "pdf" and kind == "docx") or (ext in _WORD_EXTENSIONS and kind == "pdf"):
        raise _refuse(
            "name_content_mismatch", "evidence.mismatch", shown, ext=ext, kind=kind.upper()
        )
    name = _final_name(stem, ext, kind)
    if kind == "pdf":
        _check_pdf(data, name)
    else:
        _check_docx(data, name)
    return Evidence(name, kind, hashlib.sha256(data).hexdigest(), len(data))


# --------------------------------------------------------------------------- PDF

_REGULAR = rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]"  # a character of a PDF name
_END = rb"(?!" + _REGULAR + rb")"
_ESCAPED = re.compile(rb"/((?:[A-Za-z0-9]*#[0-9A-Fa-f]{2})(?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})*)" + _END)
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_ACTIVE = {
    b"JavaScript": "evidence.pdf_javascript",
    b"JS": "evidence.pdf_javascript",
    b"Launch": "evidence.pdf_launch",
    b"EmbeddedFile": "evidence.pdf_embedded",
    b"EmbeddedFiles": "evidence.pdf_embedded",
}
_STREAM = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
_FLATE = {b"FlateDecode", b"Fl"}
_OTHER_FILTERS = {
    b"ASCIIHexDecode",
    b"AHx",
    b"ASCII85Decode",
    b"A85",
    b"LZWDecode",
    b"LZW",
    b"RunLengthDecode",
    b"RL",
    b"Crypt",
}
_WANTED = {*_ACTIVE, *_FLATE, *_OTHER_FILTERS, b"ObjStm", b"Encrypt"}
_PLAIN = re.compile(
    rb"/(" + b"|".join(sorted(map(re.escape, _WANTED), key=len, reverse=True)) + rb")" + _END
)
_MAX_ESCAPED = 20_000  # names written with #xx escapes (a font's "#20"); more are not read
_INFLATE_STEP = 1 << 22  # inflated bytes per step
_FEED = 1 << 16  # compressed bytes fed at a time


class _TooLarge(Exception):
    pass


def _names(chunk: bytes) -> set[bytes]:
    """The names in `chunk` this module looks for (`_WANTED`, without the slash), also when
    written with #xx escapes."""
    found = set(_PLAIN.findall(chunk))
    for k, m in enumerate(_ESCAPED.finditer(chunk)):
        if k >= _MAX_ESCAPED:
            raise zlib.error("too many escaped names to check")
        name = _HEX.sub(lambda h: bytes.fromhex(h.group(1).decode()), m.group(1))
        if name in _WANTED:
            found.add(name)
    return found


def _active(names: set[bytes], name: str) -> None:
    for bad, what in _ACTIVE.items():
        if bad in names:
            raise _refuse("pdf_active_content", "evidence.pdf_active", name, what)


def _inflated(data: bytes, start: int, room: int) -> Iterator[bytes]:
    """The Flate stream starting at data[start], piece by piece, read up to its end (never
    copying the rest of the file); _TooLarge past `room`, zlib.error if corrupt or cut short."""
    view = memoryview(data)
    d = zlib.decompressobj()
    pos = start
    while not d.eof and pos < len(data):
        piece = view[pos : pos + _FEED]
        pos += len(piece)
        while piece and not d.eof:
            out = d.decompress(piece, _INFLATE_STEP)
            room -= len(out)
            if room < 0:
                raise _TooLarge
            yield out
            piece = d.unconsumed_tail
    if not d.eof:
        raise zlib.error("stream cut short")


def _object_streams(data: bytes) -> Iterator[tuple[int, set[bytes]]]:
    """(where the data starts, names of the dictionary) of each object stream (/Type /ObjStm).
    Each byte is read for a dictionary once, however many 'stream' keywords the file holds."""
    done = 0
    for m in _STREAM.finditer(data):
        head = data[max(done, m.start() - 2048) : m.start()]
        done = m.end()
        names = _names(head[head.rfind(b"obj") + 1 :])
        if b"ObjStm" in names:
            yield m.end(), names


def _check_pdf(data: bytes, name: str) -> None:
    if b"%%EOF" not in data[-1024:]:
        raise _refuse("damaged_file", "evidence.pdf_damaged", name)
    try:
        names = _names(data)
    except zlib.error as exc:
        log.warning("evidence PDF unreadable: %s", exc)
        raise _refuse("pdf_unreadable", "evidence.pdf_unreadable", name) from None
    _active(names, name)
    encrypted = b"Encrypt" in names
    room = MAX_INFLATED
    for start, dict_names in _object_streams(data) if b"ObjStm" in names else ():
        if not dict_names & (_FLATE | _OTHER_FILTERS):
            continue  # stored as it is: read with the body above
        try:
            if dict_names & _OTHER_FILTERS:
                raise zlib.error("a filter other than Flate")
            tail = b""
            for piece in _inflated(data, start, room):
                room -= len(piece)
                _active(_names(tail + piece), name)
                tail = piece[-64:]
        except _TooLarge:
            raise _refuse("zip_bomb", "evidence.zip_bomb", name) from None
        except zlib.error as exc:
            if encrypted:  # its streams cannot be read without the key
                continue
            log.warning("evidence PDF object stream unreadable: %s", exc)
            raise _refuse("pdf_unreadable", "evidence.pdf_unreadable", name) from None


# --------------------------------------------------------------------------- DOCX


def _unsafe_path(member: str) -> bool:
    path = member.replace("\\", "/")
    return (
        path.startswith("/") or re.match(r"^[A-Za-z]:", path) is not None or ".." in path.split("/")
    )


def _content_types(zf: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    """([Content_Types].xml's Overrides {part: type}, Defaults {extension: type}), lower case
    part names and extensions without the leading / or dot."""
    root = DET.fromstring(zf.read("[Content_Types].xml"))
    overrides: dict[str, str] = {}
    defaults: dict[str, str] = {}
    for el in root:
        ctype = el.get("ContentType", "")
        if el.get("PartName"):
            overrides[el.get("PartName", "").lstrip("/").lower()] = ctype
        elif el.get("Extension"):
            defaults[el.get("Extension", "").lstrip(".").lower()] = ctype
    return overrides, defaults


def _package_kind(names: set[str], main_type: str) -> str | None:
    """The texts.toml key naming a zip package that is not a .docx (None: a .docx)."""
    low = main_type.lower()
    if low == DOCX_MAIN:
        return None
    if "wordprocessingml.template" in low or "ms-word.template" in low:
        return "evidence.what_template"
    if "spreadsheetml" in low or "xl/workbook.xml" in names:
        return "evidence.what_xlsx"
    if "presentationml" in low or "ppt/presentation.xml" in names:
        return "evidence.what_pptx"
    return "evidence.what_zip"


def _check_docx(data: bytes, name: str) -> None:
    try:
        check_container(data)
        zf = zipfile.ZipFile(io.BytesIO(data))
        members = zf.namelist()
    except InputRejected as exc:
        code = exc.errors[0].code if exc.errors else "damaged_file"
        log.info("evidence zip refused (%s): %s", code, exc)
        if code == "zip_bomb":
            raise _refuse("zip_bomb", "evidence.zip_bomb", name) from None
        raise _refuse("damaged_file", "evidence.damaged", name) from None
    except Exception as exc:  # zipfile raises many kinds on damaged archives
        log.info("evidence zip unreadable: %s: %s", type(exc).__name__, exc)
        raise _refuse("damaged_file", "evidence.damaged", name) from None
    bad = next((m for m in members if _unsafe_path(m)), None)
    if bad is not None:
        entry = display_name(bad.replace("/", "∕").replace("\\", "∖"))[:80]
        raise _refuse("unsafe_path", "evidence.unsafe_path", name, entry=entry)
    names = set(members)
    lower = {m.lower() for m in members}
    if "[Content_Types].xml" not in names:
        raise _refuse("unsupported_format", "evidence.not_accepted", name, "evidence.what_zip")
    try:
        overrides, defaults = _content_types(zf)
        rels = zf.read("_rels/.rels") if "_rels/.rels" in names else b""
    except Exception as exc:
        log.info("evidence package parts unreadable: %s: %s", type(exc).__name__, exc)
        raise _refuse("damaged_file", "evidence.damaged", name) from None
    types = [c.lower() for c in (*overrides.values(), *defaults.values())]
    if any(m.endswith(("vbaproject.bin", "vbadata.xml")) or "/activex/" in m for m in lower) or any(
        "vbaproject" in c or "macroenabled" in c or "activex" in c for c in types
    ):
        raise _refuse("macro", "evidence.macro", name)
    main = _office_document(rels) or "word/document.xml"
    main_type = overrides.get(main.lower()) or defaults.get(main.rsplit(".", 1)[-1].lower(), "")
    other = _package_kind(lower, main_type)
    if other is None and main.lower() not in lower:
        other = "evidence.what_zip"
    if other is not None:
        raise _refuse("unsupported_format", "evidence.not_accepted", name, other)
    try:
        _inflate_all(data, _ZipInfo("docx"))
    except InputRejected as exc:
        code = exc.errors[0].code if exc.errors else "damaged_file"
        log.info("evidence zip refused while inflating (%s): %s", code, exc)
        key = "evidence.zip_bomb" if code == "zip_bomb" else "evidence.damaged"
        raise _refuse(code if code == "zip_bomb" else "damaged_file", key, name) from None
