"""Connected sources: task data fetched from other systems instead of uploaded by a person.

A source is declared in the sources file (analytics/connectors/sources.py: `load_sources`), one
`[[source]]` each, of a kind: "http" (analytics/connectors/http.py), "folder" (folder.py),
"postgres" and "mysql" (database.py). `fetch(source)` brings its bytes as a `Payload`; the pull
(analytics/connectors/pull.py, `python -m analytics pull`) compares their hash with the last
pull's and ingests them through the upload sandbox like an uploaded file.

A fetch that fails says why in plain words: `Unreachable` (the source could not be reached: the
last good data stays) or `Rejected` (what came is not acceptable: nothing is stored). Neither
ever carries a token, a password or a URL's credentials.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analytics.i18n import t

if TYPE_CHECKING:
    from analytics.connectors.sources import Source
    from analytics.problems import Problem

KINDS = ("http", "folder", "postgres", "mysql")


@dataclass(frozen=True)
class Payload:
    """What one fetch brought: the bytes to ingest and what they are."""

    source: str  # the Source.name
    data: bytes  # a spreadsheet (xlsx/xls/ods/csv) or the JSON task feed
    file_name: str  # a name whose extension says the format: "bcd-nq71.xlsx", "de-an-06.csv"
    as_of: dt.date | None  # the date the payload states (JSON "as_of", a sheet's title), if any
    fetched_at: dt.datetime  # UTC, no zone
    detail: str = ""  # what was fetched (URL without credentials, query name, file path)


class Unreachable(Exception):
    """The source could not be reached (nothing stored, the last good data stays).

    `reason` (English) and `reason_vi` (Vietnamese): plain words, no secret; `code`: a short
    machine word ("http_status", "timeout", "refused", ...); `status`: the HTTP status, if any;
    `retry`: whether trying again within the same pull may help (a 5xx, a timeout: yes; a 404, a
    certificate refused, a missing credential: no)."""

    def __init__(
        self,
        reason: str,
        reason_vi: str,
        *,
        code: str = "unreachable",
        status: int | None = None,
        retry: bool = True,
    ):
        self.reason = reason
        self.reason_vi = reason_vi
        self.code = code
        self.status = status
        self.retry = retry
        super().__init__(reason)

    @classmethod
    def said(
        cls, key: str, *, code: str, status: int | None = None, retry: bool = True, **fmt
    ) -> Unreachable:
        """The reason from texts.toml (`key`, formatted with `fmt` and `status` in both
        languages)."""
        if status is not None:
            fmt.setdefault("status", status)
        return cls(t(key, "en", **fmt), t(key, "vi", **fmt), code=code, status=status, retry=retry)

    def text(self, lang: str = "vi") -> str:
        return self.reason_vi if lang == "vi" else self.reason


class Rejected(Exception):
    """The payload is not acceptable; `problems`: analytics.problems.Problem list (nothing stored)."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = list(problems)
        self.warnings = list(warnings or [])
        super().__init__("; ".join(p.message for p in self.problems[:5]))


def problem(key: str, *, code: str, column: str | None = None, value=None, **fmt) -> Problem:
    """An error Problem whose words are texts.toml's `key` in both languages."""
    from analytics.problems import error

    shown = None if value is None else str(value)
    return error(code, t(key, "en", **fmt), t(key, "vi", **fmt), column=column, value=shown)


def utc_now() -> dt.datetime:
    """Now in UTC without a zone (how the store keeps times): the connectors' one clock, read
    as `connectors.utc_now()` so that a test can set it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def fetch(source: Source) -> Payload:
    """Fetch one source's payload; Unreachable or Rejected when it cannot be had.

    A folder with no settled new file raises `folder.NothingNew` (the pull counts it as
    unchanged); the pull itself takes a folder's files one by one (folder.pending)."""
    if source.kind == "http":
        from analytics.connectors import http

        return http.fetch(source)
    if source.kind == "folder":
        from analytics.connectors import folder

        return folder.fetch(source)
    if source.kind in ("postgres", "mysql"):
        from analytics.connectors import database

        return database.fetch(source)
    raise ValueError(f"unknown source kind: {source.kind!r}")  # load_sources refuses it first
