"""The sources file: which systems the pull fetches task data from, and how.

TOML, its path from `TASKS_SOURCES` (default `sources.toml` in the working directory; git-ignored,
`sources.example.toml` is the committed example). One `[[source]]` table per source:

    [[source]]
    name = "bcd-nq71"                    # letters, digits, ".", "_", "-"; unique
    kind = "http"                        # http | folder | postgres | mysql
    url = "https://example.gov.vn/export/nq71.xlsx"
    format = "xlsx"                      # xlsx | xls | ods | csv | json; else the content type
    task_source = "Nghị quyết 71/NQ-CP"  # the source name snapshots are filed under
    as_of = "payload"                    # payload (the date the data states) | fetch_date
    token_env = "BCD_TOKEN"              # a Bearer token, by its name (see `secret`)

Fields by kind: `KIND_FIELDS`; every source also takes `tries` (3) and `backoff_seconds` (1: the
waits between tries double, 1 s then 2 s). Credentials are never written in the file: a token,
a password or a connection string is named by a `*_env` field and read by `secret(name)` from
the environment, else from `.streamlit/secrets.toml` (its path from `TASKS_SECRETS`). Every
mistake of the file is reported at once (`SourcesInvalid`, one problem per mistake naming the
source and the field) before anything is fetched.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

from analytics.connectors import KINDS, problem
from analytics.problems import InputRejected, Problem

SOURCES_ENV = "TASKS_SOURCES"
SECRETS_ENV = "TASKS_SECRETS"
DEFAULT_SOURCES = "sources.toml"
DEFAULT_SECRETS = Path(".streamlit") / "secrets.toml"

FORMATS = ("xlsx", "xls", "ods", "csv", "json")
AS_OF = ("payload", "fetch_date")
COMMON_FIELDS = ("name", "kind", "task_source", "as_of", "tries", "backoff_seconds")
KIND_FIELDS = {
    "http": (
        "url",
        "format",
        "token_env",
        "username_env",
        "password_env",
        "timeout",
        "max_bytes",
    ),
    "folder": ("path", "format", "settle_seconds", "max_bytes"),
    "postgres": ("dsn_env", "query", "timeout"),
    "mysql": ("dsn_env", "query", "timeout"),
}
REQUIRED = {"http": ("url",), "folder": ("path",), "postgres": ("dsn_env", "query")}
REQUIRED["mysql"] = REQUIRED["postgres"]
# Fields that would hold a credential itself: refused, with the *_env field to use instead.
SECRET_FIELDS = {
    "token": "token_env",
    "bearer": "token_env",
    "api_key": "token_env",
    "authorization": "token_env",
    "password": "password_env",
    "username": "username_env",
    "user": "username_env",
    "dsn": "dsn_env",
    "secret": "token_env",
}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,127}")
MAX_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Source:
    """One source of the sources file (fields by kind: KIND_FIELDS; None: not given)."""

    name: str
    kind: str
    task_source: str | None = None
    as_of: str = "payload"
    tries: int = 3
    backoff_seconds: float = 1.0
    url: str | None = None
    format: str | None = None
    token_env: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    timeout: float = 30.0
    max_bytes: int | None = None  # at most the upload cap (analytics.uploads.MAX_UPLOAD_BYTES)
    path: str | None = None  # a folder: resolved against the sources file's folder
    settle_seconds: float = 60.0  # a folder's file younger than this is left for the next run
    dsn_env: str | None = None
    query: str | None = None

    @property
    def cap(self) -> int:
        """The most bytes a payload may have: the upload cap (analytics.uploads.MAX_UPLOAD_BYTES,
        the reader's MAX_BYTES), or less when `max_bytes` says."""
        from analytics.reading import MAX_BYTES as MAX_UPLOAD_BYTES

        return min(self.max_bytes or MAX_UPLOAD_BYTES, MAX_UPLOAD_BYTES)

    @property
    def detail(self) -> str:
        """What the source reads, shown on the Data page and in the JSON (never a credential)."""
        if self.kind == "http":
            return shown_url(self.url or "")
        if self.kind == "folder":
            return self.path or ""
        return " ".join((self.query or "").split())[:200]


class SourcesInvalid(InputRejected):
    """The sources file has mistakes (`errors`: one Problem each, naming source and field)."""


def shown_url(url: str) -> str:
    """A URL as it may be shown or logged: no user, no password, no query, no fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "?"
    return f"{parts.scheme}://{host}{port}{parts.path}"


def sources_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get(SOURCES_ENV) or DEFAULT_SOURCES)


def secrets_path() -> Path:
    return Path(os.environ.get(SECRETS_ENV) or DEFAULT_SECRETS)


def secret(name: str) -> str | None:
    """A credential by its name: the environment variable `name`, else the key `name` of the
    secrets file (a dotted name, "smtp.password", is a key of one of its tables); None when
    neither has it. Never from the sources file."""
    value = os.environ.get(name)
    if value:
        return value
    path = secrets_path()
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found: object = doc.get(name)
    if found is None and "." in name:
        found = doc
        for part in name.split("."):
            found = found.get(part) if isinstance(found, dict) else None
    return found if isinstance(found, str) and found else None


def load_sources(path: str | os.PathLike | None = None) -> list[Source]:
    """The sources of the file (`TASKS_SOURCES`, default sources.toml); SourcesInvalid lists
    every mistake of it, each naming its source and field."""
    target = sources_path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesInvalid(
            [
                problem(
                    "connectors.no_sources_file", code="no_sources_file", value=target, path=target
                )
            ]
        ) from None
    except (OSError, UnicodeDecodeError):
        raise SourcesInvalid(
            [problem("connectors.unreadable_sources", code="bad_sources_file", path=target)]
        ) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its words are the library's: only the line
        found = re.search(r"line (\d+)", str(exc))
        line = found.group(1) if found else "?"
        raise SourcesInvalid(
            [problem("connectors.bad_toml", code="bad_sources_file", path=target, line=line)]
        ) from None
    problems: list[Problem] = []
    for key in doc:
        if key != "source":
            problems.append(
                problem("connectors.unknown_table", code="unknown_field", column=key, key=key)
            )
    tables = doc.get("source", [])
    if not isinstance(tables, list) or not all(isinstance(x, dict) for x in tables):
        problems.append(problem("connectors.not_tables", code="bad_sources_file"))
        tables = []
    out: list[Source] = []
    seen: set[str] = set()
    for index, table in enumerate(tables, start=1):
        source, found = _source(table, index, target.parent)
        problems.extend(found)
        name = table.get("name")
        if isinstance(name, str) and _NAME.fullmatch(name):
            if name in seen:
                problems.append(
                    problem(
                        "connectors.name_twice",
                        code="duplicate_name",
                        column="name",
                        value=name,
                        name=name,
                    )
                )
            seen.add(name)
        if source is not None:
            out.append(source)
    if problems:
        raise SourcesInvalid(problems)
    return out


def _source(table: dict, index: int, base: Path) -> tuple[Source | None, list[Problem]]:
    """One [[source]] table: the Source, or None, and the problems found in it."""
    problems: list[Problem] = []
    name = table.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        key = "connectors.no_name" if name is None else "connectors.bad_name"
        problems.append(problem(key, code="bad_name", column="name", value=name, index=index))
        name = f"#{index}"
    label = name

    def bad(key: str, field: str, value=None, **fmt) -> None:
        problems.append(
            problem(
                key, code="bad_field", column=field, value=value, source=label, field=field, **fmt
            )
        )

    kind = table.get("kind")
    if kind not in KINDS:
        bad("connectors.bad_kind", "kind", kind, kinds=", ".join(KINDS))
        return None, problems
    allowed = set(COMMON_FIELDS) | set(KIND_FIELDS[kind])
    for field in table:
        if field in allowed:
            continue
        if field.lower() in SECRET_FIELDS:
            bad("connectors.secret_in_file", field, None, instead=SECRET_FIELDS[field.lower()])
        else:
            bad("connectors.unknown_field", field, None, kind=kind)
    for field in REQUIRED.get(kind, ()):
        if table.get(field) in (None, ""):
            bad("connectors.missing_field", field, None, kind=kind)
    values = {k: v for k, v in table.items() if k in allowed}
    _check_values(values, kind, bad)
    if problems:
        return None, problems
    if kind == "folder":
        folder = Path(values["path"]).expanduser()
        values["path"] = str(folder if folder.is_absolute() else base / folder)
    for field in ("timeout", "backoff_seconds", "settle_seconds"):
        if field in values:
            values[field] = float(values[field])
    known = {f.name for f in fields(Source)}
    return Source(**{k: v for k, v in values.items() if k in known}), []


def _check_values(values: dict, kind: str, bad) -> None:
    """Each given field's value (`bad(key, field, value, **fmt)` for each mistake)."""
    text_fields = ("task_source", "query", "path")
    for field in text_fields:
        if field in values and (not isinstance(values[field], str) or not values[field].strip()):
            bad("connectors.not_text", field, values[field])
    for field in ("token_env", "username_env", "password_env", "dsn_env"):
        if field in values and (
            not isinstance(values[field], str) or not _ENV_NAME.fullmatch(values[field])
        ):
            bad("connectors.bad_env_name", field, values[field])
    if values.get("as_of", "payload") not in AS_OF:
        bad("connectors.bad_choice", "as_of", values["as_of"], choices=", ".join(AS_OF))
    if "format" in values and values["format"] not in FORMATS:
        bad("connectors.bad_choice", "format", values["format"], choices=", ".join(FORMATS))
    if ("username_env" in values) != ("password_env" in values):
        bad("connectors.basic_pair", "username_env" if "password_env" in values else "password_env")
    if "token_env" in values and "username_env" in values:
        bad("connectors.two_auths", "token_env")
    limits = {
        "timeout": (0.1, MAX_TIMEOUT_S),
        "backoff_seconds": (0.0, 60.0),
        "settle_seconds": (0.0, 86400.0),
        "tries": (1, 10),
        "max_bytes": (1, None),
    }
    for field, (low, high) in limits.items():
        if field not in values:
            continue
        value = values[field]
        integral = field in ("tries", "max_bytes")
        ok_type = isinstance(value, int) if integral else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type or value < low or (high and value > high):
            bound = "" if high is None else f"{high:g}"
            bad("connectors.bad_number", field, value, low=f"{low:g}", high=bound or "∞")
    if "url" in values:
        _check_url(values["url"], bad)


def _check_url(url, bad) -> None:
    if not isinstance(url, str):
        bad("connectors.bad_url", "url", None)
        return
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError:
        bad("connectors.bad_url", "url", None)
        return
    if parts.scheme not in ("http", "https") or not parts.hostname:
        bad("connectors.bad_url", "url", shown_url(url))
    elif parts.username is not None or parts.password is not None:
        bad("connectors.url_credentials", "url", shown_url(url))
