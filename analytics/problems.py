"""Problems found while reading a file: errors block an ingest, warnings are recorded with it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Problem:
    """One finding about an input file, bilingual, pointing at a cell where it can.

    row: the spreadsheet's own 1-based row number (None when not about a row).
    column: the column header as written in the file (or the canonical field name).
    value: the offending cell value as text.
    """

    code: str
    message: str  # English
    message_vi: str  # Vietnamese
    row: int | None = None
    column: str | None = None
    value: str | None = None
    level: str = "error"  # "error" | "warning"
    suggestions: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["suggestions"] = list(self.suggestions)
        return d

    def text(self, lang: str = "vi") -> str:
        return self.message_vi if lang == "vi" else self.message


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
