"""Problems found while reading a file: errors block an ingest, warnings are recorded with it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace


@dataclass(frozen=True)
class Problem:
    """One finding about an input file, bilingual, pointing at a cell where it can.

    row: the spreadsheet's own 1-based row number (None when not about a row).
    column: the column header as written in the file (or the canonical field name).
    value: the offending cell value as text.
    sheet: the sheet the row is on, when a workbook's several task sheets are read (None when
    one sheet or a text file is read: its rows need no sheet named).
    """

    code: str
    message: str  # English
    message_vi: str  # Vietnamese
    row: int | None = None
    column: str | None = None
    value: str | None = None
    level: str = "error"  # "error" | "warning"
    suggestions: tuple[str, ...] = field(default_factory=tuple)
    sheet: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["suggestions"] = list(self.suggestions)
        return d

    def text(self, lang: str = "vi") -> str:
        return self.message_vi if lang == "vi" else self.message

    def on_sheet(self, sheet: str | None) -> Problem:
        """The same problem said of sheet `sheet` (one of several task sheets read): the sheet
        is named first in both messages, "Trang 'Bộ Tài chính', dòng 12: …" / "Sheet 'Bộ Tài
        chính', row 12: …". A problem that names its sheet already is returned as it is."""
        if sheet is None or self.sheet is not None:
            return self

        def named(text: str, row_word: str, sheet_word: str) -> str:
            lead = f"{row_word} {self.row}"
            rest = text[len(lead) :]
            if self.row is not None and text.startswith(lead) and not rest[:1].isdigit():
                return f"{sheet_word} '{sheet}', {row_word.lower()} {self.row}{rest}"
            return f"{sheet_word} '{sheet}': {text}"

        return replace(
            self,
            sheet=sheet,
            message=named(self.message, "Row", "Sheet"),
            message_vi=named(self.message_vi, "Dòng", "Trang"),
        )


def error(code: str, en: str, vi: str, **kw) -> Problem:
    return Problem(code=code, message=en, message_vi=vi, level="error", **kw)


def warning(code: str, en: str, vi: str, **kw) -> Problem:
    return Problem(code=code, message=en, message_vi=vi, level="warning", **kw)


class InputRejected(Exception):
    """The input cannot be ingested; `errors` says where and why. Nothing was stored."""

    def __init__(self, errors: list[Problem], warnings: list[Problem] | None = None):
        self.errors = list(errors)
        self.warnings = list(warnings or [])
        super().__init__("; ".join(p.message for p in self.errors[:5]))


class StoreBusy(RuntimeError):
    """Another process holds the database for longer than we are willing to wait."""


@dataclass(frozen=True)
class HeldBackRow:
    """A row of a file not taken as a task because of its errors, when the file's valid rows
    are committed without it. Recorded with the snapshot; the task it names, if the source
    held one, stays in force as it was."""

    row: int  # the spreadsheet's own 1-based row number
    problems: tuple[Problem, ...]  # its errors (each names the column and value)
    task_id: str | None = None  # the id the row gives, else the id derived from it; None: none
    lead_ids: tuple[str, ...] = ()  # its lead agencies, where the cell names known ones
    sheet: str | None = None
