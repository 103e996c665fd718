"""Web pages saved with a spreadsheet name: the tables of an HTML (or MHTML) "Excel" export.

Many systems export their lists as an HTML page named .xls (Excel opens it and shows the
tables). Such a file is read as a sheet laid out the way Excel lays it out:

- Each table row is a sheet row, in the order of the page; a <th> is a cell like a <td>.
- A cell spanning columns or rows (colspan, rowspan) is a merged cell: every cell it covers takes
  its value (as merged cells of a workbook do), and a rowspan ends with its table.
- Text outside the tables (a title, a date line) and a table's caption are a row of one cell,
  so that title lines above the header are seen as in a workbook.
- Cell text is the text shown: whitespace runs collapse, <br> and paragraphs inside a cell are
  line breaks; scripts, styles and comments (Excel's conditional markup) are not text.
- A table nested in a cell gives its own rows (before the row that holds it).
- An MHTML file ("single file web page", also saved as .xls) is read through the HTML part that
  holds the most table rows.

Nothing is evaluated or fetched: html.parser only tokenises the text.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from analytics import safe_text
from analytics.reading import common
from analytics.reading.common import _fill_merges, _Grid, _reject, _too_many_cols, _too_many_rows

log = logging.getLogger(__name__)

_HTML_STARTS = (
    "<!doctype html",
    "<html",
    "<table",
    "<meta",
    "<head",
    "<body",
    "<style",
    "<title",
    "<div",
    "<tr",
    "<center",
)
_TABLE = re.compile(r"<table[\s>]", re.IGNORECASE)
_TR = re.compile(r"<tr[\s>]", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\n\f]+")
_RUNS = re.compile(r" {2,}")
_SKIP = frozenset({"script", "style", "title", "xml", "template", "noscript", "object"})
_BLOCKS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "center", "section", "ul", "ol"}
)
MAX_SPAN = 1000  # colspan/rowspan beyond this are read as this (HTML itself caps colspan there)
MAX_NESTING = 20  # tables nested deeper than this are not tables of their own


def looks_like_html(text: str) -> bool:
    """Whether the text is a web page (by its first markup), not a delimited table."""
    lead = _lead(text)
    if lead.startswith(_HTML_STARTS):
        return True
    if lead.startswith(("<!--", "<?xml")):  # a comment or an XML declaration before the page
        head = text[:4096].lower()
        return "<html" in head or "<table" in head or "<!doctype html" in head
    return False


def looks_like_mhtml(text: str) -> bool:
    """Whether the text is a MIME web archive (a "single file web page")."""
    lead = _lead(text)
    head = lead[:4096]
    return lead.startswith(("mime-version:", "from:", "content-type:", "x-document-type:")) and (
        "multipart/related" in head
    )


def has_table(text: str) -> bool:
    return _TABLE.search(text) is not None


def _lead(text: str) -> str:
    return text[:8192].lstrip("\ufeff \t\r\n").lower()


def mhtml_page(text: str) -> str | None:
    """The HTML part of a web archive that holds the most table rows (None if none has a
    table). Parts are decoded by their own transfer encoding and character set."""
    msg = email.message_from_string(text, policy=email.policy.compat32)
    best, best_rows = None, 0
    for part in msg.walk():
        if part.get_content_type() != "text/html":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            page = payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            page = payload.decode("utf-8", "replace")
        rows = len(_TR.findall(page))
        if has_table(page) and rows > best_rows:
            best, best_rows = page, rows
    return best


@dataclass
class _Table:
    cells: list | None = None  # the open row: (text, colspan, rowspan) per cell
    cell: list[str] | None = None  # the open cell's text pieces
    span: tuple[int, int] = (1, 1)
    cover: dict[int, int] = field(default_factory=dict)  # column -> rows still covered below
    first_row: int = 0
    merges: list = field(default_factory=list)


class _Tables(HTMLParser):
    """The page's rows as written (values at the top-left of their spans) and its spans."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.merges: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.stack: list[_Table] = []
        self.outside: list[str] = []  # text outside every table since the last block
        self.skip: list[str] = []
        self.too_deep = 0  # <table> tags below MAX_NESTING not yet closed
        self.limit = common.MAX_ROWS + common.HEADER_SCAN_ROWS + 2

    # --- tokens

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP:
            self.skip.append(tag)
            return
        if self.skip:
            return
        t = self.stack[-1] if self.stack else None
        if tag == "table":
            self._flush_outside()
            if len(self.stack) >= MAX_NESTING:  # deeper tables are text of the cell they sit in
                self.too_deep += 1
                return
            self.stack.append(_Table(first_row=len(self.rows)))
        elif t is None:
            if tag == "br" or tag in _BLOCKS:
                self._flush_outside()
        elif tag == "tr":
            self._end_row(t)
            t.cells = []
        elif tag in ("td", "th"):
            self._end_cell(t)
            if t.cells is None:
                t.cells = []
            a = dict(attrs)
            t.span = (_span(a.get("colspan")), _span(a.get("rowspan")))
            t.cell = []
        elif tag == "caption":  # a table's title: a row of its own
            self._end_row(t)
            t.cells, t.cell, t.span = [], [], (1, 1)
        elif t.cell is not None and (tag == "br" or tag in _BLOCKS):
            t.cell.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _SKIP:
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        t = self.stack[-1] if self.stack else None
        if t is None:
            if tag in _BLOCKS:
                self._flush_outside()
            return
        if tag == "table":
            if self.too_deep:
                self.too_deep -= 1
                return
            self._end_row(t)
            self.stack.pop()
            last = len(self.rows) - 1
            for (r0, c0), (r1, c1) in t.merges:  # a rowspan ends with its table
                self.merges.append(((r0, c0), (min(r1, last), c1)))
        elif tag in ("tr", "caption"):
            self._end_row(t)
        elif tag in ("td", "th"):
            self._end_cell(t)
        elif t.cell is not None and tag in _BLOCKS:
            t.cell.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if not self.stack:
            self.outside.append(data)
            return
        t = self.stack[-1]
        if t.cell is not None:  # whitespace collapses here; line breaks come from <br> and blocks
            t.cell.append(_SPACES.sub(" ", data))

    # --- building rows

    def _end_cell(self, t: _Table) -> None:
        if t.cell is None:
            return
        text = _RUNS.sub(" ", "".join(t.cell).replace("\xa0", " "))
        lines = (line.strip(safe_text.SPACES) for line in text.split("\n"))
        t.cells.append(("\n".join(line for line in lines if line), *t.span))
        t.cell = None

    def _end_row(self, t: _Table) -> None:
        self._end_cell(t)
        if t.cells is None:
            return
        cells, t.cells = t.cells, None
        r = len(self.rows)
        out: list[str] = []
        spans: dict[int, int] = {}
        for text, colspan, rowspan in cells:
            while t.cover.get(len(out), 0) > 0:  # under a cell spanning rows from above
                out.append("")
            c = len(out)
            if c >= common.MAX_COLS:  # empty cells past the limit are dropped, text is refused
                if text:
                    raise _too_many_cols(c + 1, None)
                continue
            colspan = min(colspan, common.MAX_COLS - c)
            out.append(text)
            out.extend([""] * (colspan - 1))
            if colspan > 1 or rowspan > 1:
                t.merges.append(((r, c), (r + rowspan - 1, c + colspan - 1)))
            if rowspan > 1:
                spans.update((k, rowspan - 1) for k in range(c, c + colspan))
        if t.cover:
            out.extend([""] * (max(t.cover) + 1 - len(out)))
        t.cover = {k: n - 1 for k, n in t.cover.items() if n > 1}
        t.cover.update(spans)
        self._add(out)

    def _flush_outside(self) -> None:
        text = _SPACES.sub(" ", "".join(self.outside).replace("\xa0", " ")).strip(safe_text.SPACES)
        self.outside = []
        if text:
            self._add([text])

    def _add(self, row: list[str]) -> None:
        if len(row) > common.MAX_COLS and any(row[common.MAX_COLS :]):
            raise _too_many_cols(len(row), None)
        self.rows.append(row)
        if len(self.rows) > self.limit:
            raise _too_many_rows(len(self.rows))

    def finish(self) -> None:
        self.close()
        while self.stack:
            self.handle_endtag("table")
        self._flush_outside()


def _span(value: str | None) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(n, 1), MAX_SPAN)


def _unreadable_page() -> Exception:
    return _reject(
        "unsupported_format",
        "The file is a web page saved with a spreadsheet name, and its markup cannot be read. "
        "Open it in Excel, save it as .xlsx and upload that.",
        "Tệp là trang web mang tên bảng tính và không đọc được phần đánh dấu của nó. Hãy mở bằng "
        "Excel, lưu dạng .xlsx rồi tải lên bản đó.",
    )


def page_rows(text: str) -> tuple[list[list[str]], list]:
    """(rows as written, each padded to the page's width; merged ranges) of a web page."""
    parser = _Tables()
    try:
        parser.feed(text)
        parser.finish()
    except (AssertionError, ValueError, IndexError):  # html.parser on markup it cannot take
        log.warning("web page markup could not be tokenised", exc_info=True)
        raise _unreadable_page() from None
    rows = parser.rows
    width = max(map(len, rows), default=0)
    for row in rows:
        row.extend([""] * (width - len(row)))
    return rows, parser.merges


def html_grid(text: str) -> _Grid:
    """The page as a sheet: merged cells filled, the rows as written kept where they changed."""
    rows, merges = page_rows(text)
    from_above: set[tuple[int, int]] = set()
    raw = _fill_merges(rows, merges, keep_raw=True, from_above=from_above)
    return _Grid(rows, raw, from_above=from_above)
