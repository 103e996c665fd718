"""Workbooks (xlsx, xlsm, xls, ods) through python-calamine, plus what the zip parts tell.

- python-calamine returns cached values only; formulas are never evaluated. A formula cell with
  no cached value comes back empty; for xlsx/xlsm it is flagged with a warning
  ("formula_no_cached_value"). Error cells (#N/A, #REF! ...) also come back empty from calamine,
  so for xlsx/xlsm they are found by scanning the sheet XML for cells of type "e"; text cells
  holding an error literal (CSV exports, ODS) are caught too. Error cells in .xls and formula
  errors in .ods cannot be told apart from empty cells (calamine limitation).
- Dates: calamine converts date cells to `datetime.date` / `datetime.datetime` and already honours
  the 1904 date system (checked: a 1904 workbook's 2025-01-01 reads as 2025-01-01).
  `RawTable.epoch_1904` is informational, for a caller that converts raw serial numbers itself.
- The two-halves fast path: a worksheet part of SPLIT_SHEET_BYTES or more is parsed as two
  workbooks at once, one per core (`_Workbook._read_in_halves`, `_Splitter`, `_Halves`). It is
  decided in one place, `split_sheet()`: set the environment variable TASKS_READ_SPLIT=0 (read
  at import) or `xlsx.SPLIT_SHEETS = False` to parse every sheet whole; the results are the
  same either way, only the time differs.
"""

from __future__ import annotations

import io
import logging
import os
import re
import struct
import threading
import zipfile
import zlib

import defusedxml.ElementTree as DET
import python_calamine as pc

from analytics.problems import InputRejected
from analytics.reading import common, formats
from analytics.reading.common import _damaged, _show
from analytics.reading.formats import _bomb, _ZipInfo
from analytics.text import nfc

log = logging.getLogger(__name__)

_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d{1,7})"')
_V_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


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
        total += _inflate_member(data, view, zi, info, formats.MAX_INFLATED - total, sink)
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
            except Exception as exc:
                raise _damaged(zip_info.workbook_path, exc) from None
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
        return (name, self.members[name]) if split_sheet(size) else None

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
                and end[0] < common.MAX_ROWS
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
        except Exception as exc:
            raise _damaged(member, exc) from None
        return _scan_sheet_xml(xml, has_err, has_f)


# A worksheet part this large is parsed as two halves at once (_Workbook._read_in_halves),
# unless SPLIT_SHEETS is off (TASKS_READ_SPLIT=0): see split_sheet().
SPLIT_SHEET_BYTES = 16 * 1024 * 1024
SPLIT_SHEETS = os.environ.get("TASKS_READ_SPLIT", "1").strip() != "0"


def split_sheet(size: int) -> bool:
    """Whether a worksheet part of `size` bytes is parsed as two halves at once: the one switch
    of that fast path (SPLIT_SHEETS, from TASKS_READ_SPLIT; SPLIT_SHEET_BYTES, the threshold)."""
    return SPLIT_SHEETS and size >= SPLIT_SHEET_BYTES


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
        # The user gets plain words; calamine's own text (and a Rust panic's) only the log.
        name = type(exc).__name__
        text = str(exc).lower()
        if "Password" in name or "password" in text or "encrypt" in text:
            log.info("calamine: password-protected workbook (%s: %s)", name, _show(exc, 300))
            raise formats._password_protected(None) from None
        raise _damaged("calamine could not parse the workbook", exc) from None
