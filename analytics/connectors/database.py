"""Sources of kind "postgres" and "mysql": a query against another system's database or view,
run through DuckDB's postgres (mysql) extension, loaded from its pip wheel
(analytics/store/extensions.py: nothing is downloaded).

    [[source]]
    name = "de-an-06"
    kind = "postgres"                    # or "mysql"
    dsn_env = "DEAN06_DSN"               # the connection string, read by sources.secret()
    query = "select * from nhiem_vu"     # in the source database's own SQL; a select
    task_source = "Đề án 06"
    as_of = "fetch_date"                 # a query states no date of its own

`fetch(source)`:
- reads the connection string (a libpq conninfo or postgresql:// URI for PostgreSQL; DuckDB's
  "host=... user=... passwd=... database=..." or mysql:// for MySQL) from `secret(dsn_env)`;
- attaches the database READ_ONLY in a private in-memory DuckDB, and runs the query on the
  server as it is written (`postgres_query` / `mysql_query`: the source's SQL, pushed down
  whole), within `source.timeout` seconds (libpq's connect_timeout and the server's
  statement_timeout, unless the connection string sets them);
- for MySQL: the mysql extension sets no connect timeout (and its connection string has no key
  for one), so a server that takes the connection and says nothing would hold the pull
  forever: the server's greeting is waited for first, at most `source.timeout` seconds
  (`_mysql_silent`). On MariaDB the query is sent as `set statement max_statement_time=<the
  timeout>, tx_read_only=1 for <query>`: stopped by the server past the timeout, and read-only
  even through a function that writes (the extension's READ_ONLY does not reach the server).
  MySQL itself (no `set statement`) gets the query as written: its user's grants keep it
  read-only (tested against MariaDB only: tests/mysql.py);
- returns the result as CSV (UTF-8, a header row of the query's column names) in a Payload
  named `<source name>.csv`, read by the same header matching as an uploaded sheet: columns
  named like a sheet's headers ("Tên nhiệm vụ", "Cơ quan chủ trì", ...) or like the canonical
  fields (task_id, title, lead_agency, deadline, status, completed_on, ...);
- at most the upload's caps: `reading.MAX_ROWS` rows and `source.cap` bytes of CSV.

Failures say why in plain words, never with the connection string or its password (DuckDB's
own messages repeat the whole connection string, so none of them is passed on): a server that
cannot be reached or refuses the credentials is `Unreachable` (`retry` false where trying
again in the same pull cannot help: no connection string, wrong credentials, no such database,
a malformed string, a connection the server's rules refuse, no extension); a query the server
refuses (an unknown table, a syntax error, a write, over the timeout) or a result over a cap is
`Rejected`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import socket
import time
from urllib.parse import quote, unquote, urlsplit

import duckdb

from analytics.connectors import Payload, Rejected, Unreachable, utc_now
from analytics.connectors.sources import Source, secret
from analytics.i18n import fmt_int, t
from analytics.problems import Problem, error
from analytics.reading import MAX_ROWS
from analytics.store import extensions

KIND_EXTENSION = {"postgres": "postgres", "mysql": "mysql"}
QUERY_FUNCTION = {"postgres": "postgres_query", "mysql": "mysql_query"}
KIND_NAME = {"postgres": "PostgreSQL", "mysql": "MySQL"}
BATCH_ROWS = 2000
# A query is a select: the first word of its text, past comments and opening parentheses.
_READING_WORDS = ("select", "with", "table", "values")
_LEADING = re.compile(r"\A(?:\s+|--[^\n]*\n?|/\*.*?\*/|\()*", re.S)


def fetch(source: Source) -> Payload:
    """The query's result as a CSV Payload; Unreachable or Rejected (module docstring)."""
    kind = source.kind
    if kind not in KIND_EXTENSION:
        raise ValueError(f"not a database source: {kind!r}")
    query = (source.query or "").strip().rstrip(";").strip()
    if not _reads(query):
        raise Rejected([_problem("databases.not_select", code="query_not_select", column="query")])
    dsn = secret(source.dsn_env or "")
    if not dsn:
        raise Unreachable.said(
            "databases.no_dsn", code="no_credentials", retry=False, env=source.dsn_env
        )
    hidden = _secrets_of(dsn)
    con = duckdb.connect()
    try:
        failure = _open(con, source, dsn)
        if failure is None:
            data, failure = _run(con, source, query, hidden)
    finally:
        con.close()
    if failure is not None:  # raised here, outside any `except`: no DuckDB error chained to it
        raise failure
    return Payload(
        source=source.name,
        data=data,
        file_name=f"{source.name}.csv",
        as_of=None,
        fetched_at=utc_now(),
        detail=source.detail,
    )


def _problem(key: str, *, code: str, column: str | None = None, value=None, **fmt) -> Problem:
    """An error whose words are texts.toml's `key` in both languages, numbers written as each
    language writes them."""

    def said(lang: str) -> str:
        shown = {k: fmt_int(v, lang) if isinstance(v, int) else v for k, v in fmt.items()}
        return t(key, lang, **shown)

    shown_value = None if value is None else str(value)
    return error(code, said("en"), said("vi"), column=column, value=shown_value)


def _reads(query: str) -> bool:
    first = _LEADING.sub("", query, count=1).split(None, 1)
    return bool(first) and first[0].lower().rstrip("(") in _READING_WORDS


def _open(con, source: Source, dsn: str) -> Exception | None:
    """Load the extension and attach the database read-only; the failure, if any."""
    try:
        extensions.load(con, KIND_EXTENSION[source.kind])
    except extensions.ExtensionMissing as exc:
        return Unreachable.said(
            "databases.no_extension",
            code="no_extension",
            retry=False,
            kind=KIND_NAME[source.kind],
            package=exc.package,
        )
    if source.kind == "mysql" and (silent := _mysql_silent(source, dsn)) is not None:
        return silent
    try:
        if source.kind == "postgres":
            dsn = _with_timeouts(dsn, source.timeout)
        literal = dsn.replace("'", "''")
        con.execute(f"attach '{literal}' as src (type {source.kind}, read_only)")
    except duckdb.Error as exc:
        return _unreachable(source, str(exc))
    return None


def _run(con, source: Source, query: str, hidden: tuple[str, ...]):
    """(the result as CSV bytes, None) or (None, the failure). Rows are written as they come,
    so no more than the caps is ever held."""
    function = QUERY_FUNCTION[source.kind]
    out = _CsvOut(source.cap)
    sent = query
    began = time.monotonic()
    try:
        sent = _guarded(con, source, query)
        cursor = con.execute(
            f"select * from {function}('src', $query) limit {MAX_ROWS + 1}",  # noqa: S608
            {"query": sent},
        )
        out.write([d[0] for d in cursor.description])
        while not out.full and (batch := cursor.fetchmany(BATCH_ROWS)):
            for row in batch:
                out.write(row)
    except duckdb.Error as exc:
        text = _mysql_said(str(exc), sent) if source.kind == "mysql" else str(exc)
        if _connection_lost(text):
            return None, _unreachable(source, text)
        if not _server_words(text, hidden):
            # MariaDB's max_statement_time reaches DuckDB as a failed fetch with no words
            if sent != query and time.monotonic() - began >= source.timeout * 0.9:
                return None, Rejected([_slow(source)])
            return None, Rejected([_problem("databases.query_failed", code="query_refused")])
        return None, _query_refused(source, text, hidden)
    if out.rows > MAX_ROWS:
        return None, Rejected(
            [_problem("databases.too_many_rows", code="too_many_rows", rows=MAX_ROWS)]
        )
    if out.size > source.cap:
        megabytes = max(1, source.cap // (1024 * 1024))
        return None, Rejected([_problem("databases.too_large", code="too_large", mb=megabytes)])
    if out.rows == 0:
        return None, Rejected([_problem("databases.no_rows", code="no_rows")])
    return b"".join(out.parts), None


def _guarded(con, source: Source, query: str) -> str:
    """The query as sent to the server: on MariaDB stopped by it past the source's timeout and
    run in a read-only transaction; PostgreSQL's and MySQL's as written (module docstring)."""
    if source.kind != "mysql":
        return query
    [(version,)] = con.execute(
        "select * from mysql_query('src', 'select version() as v')"
    ).fetchall()
    if "mariadb" not in str(version).lower():
        return query
    seconds = f"{max(0.001, source.timeout):.3f}".rstrip("0").rstrip(".")
    return f"set statement max_statement_time={seconds}, tx_read_only=1 for {query}"


def _mysql_said(text: str, sent: str) -> str:
    """DuckDB's words about a MySQL query without the query they repeat: 'IO Error: Failed to
    prepare MySQL query "<sent>": <the server's words>' -> the server's words."""
    marker = f'MySQL query "{sent}":'
    at = text.find(marker)
    return text[at + len(marker) :].strip() if at >= 0 else text


def _mysql_silent(source: Source, dsn: str) -> Unreachable | None:
    """A timeout when the MySQL server of the connection string (over TCP) takes the connection
    and sends no greeting within the source's timeout; None otherwise (refused, an unknown
    host, a socket: the extension says which)."""
    address = _mysql_address(dsn)
    if address is None:
        return None
    try:
        with socket.create_connection(address, timeout=source.timeout) as probe:
            probe.recv(1)
    except TimeoutError:
        return Unreachable.said(
            "databases.timeout",
            code="timeout",
            kind=KIND_NAME[source.kind],
            seconds=max(1, round(source.timeout)),
        )
    except (OSError, ValueError):
        return None
    return None


_MYSQL_PAIR = re.compile(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s"]*)')


def _mysql_address(dsn: str) -> tuple[str, int] | None:
    """(host, port) of a MySQL connection string (key=value pairs, or a mysql:// URI) when it
    connects over TCP; None for the local socket (no host, "localhost", a socket given)."""
    try:
        if "://" in dsn:
            parts = urlsplit(dsn)
            host, port, sock = parts.hostname or "", parts.port or 0, ""
        else:
            pairs = {k.lower(): v.strip('"') for k, v in _MYSQL_PAIR.findall(dsn)}
            host = pairs.get("host", "")
            port = int(pairs.get("port") or 0)
            sock = pairs.get("socket") or pairs.get("unix_socket") or ""
    except ValueError:
        return None
    if not host or host == "localhost" or sock:
        return None
    return host, port or 3306


class _CsvOut:
    """CSV lines (UTF-8, CRLF) as bytes, counted; `full` once past the byte cap or the rows'."""

    def __init__(self, cap: int):
        self.cap = cap
        self.parts: list[bytes] = []
        self.size = 0
        self.rows = -1  # the header is no row
        self._line = io.StringIO(newline="")
        self._writer = csv.writer(self._line, lineterminator="\r\n")

    @property
    def full(self) -> bool:
        return self.size > self.cap or self.rows > MAX_ROWS

    def write(self, row) -> None:
        if self.full:
            return
        self._line.seek(0)
        self._line.truncate()
        self._writer.writerow([_cell(v) for v in row])
        self.parts.append(self._line.getvalue().encode("utf-8"))
        self.size += len(self.parts[-1])
        self.rows += 1


def _cell(value: object) -> str:
    """A value as a sheet's cell would say it (read back by the same cell readers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value if v is not None)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)  # numbers, Decimal, UUID, time, interval


# ---------------------------------------------------------------------------------------------
# plain words for what went wrong (DuckDB's messages name the whole connection string: never
# passed on; only the server's own one-line words about a query are, with every secret cut out)


def _unreachable(source: Source, text: str) -> Unreachable:
    low = text.lower()
    kind = KIND_NAME[source.kind]
    env = source.dsn_env
    if re.search(r"access denied for user .* to database", low):  # MySQL: none, or not its
        return Unreachable.said(
            "databases.no_database_access", code="no_database", retry=False, env=env
        )
    if "password authentication failed" in low or "access denied for user" in low:
        return Unreachable.said(
            "databases.bad_credentials", code="bad_credentials", retry=False, env=env
        )
    if re.search(r'database "[^"]*" does not exist|unknown database', low):
        return Unreachable.said("databases.no_database", code="no_database", retry=False, env=env)
    if "timeout expired" in low or "timed out" in low:
        return Unreachable.said(
            "databases.timeout", code="timeout", kind=kind, seconds=max(1, round(source.timeout))
        )
    if (
        re.search(r"unknown (?:mysql )?server host '[^']*\s", low)  # no "=": all of it a host
        or "invalid dsn" in low
        or "unrecognized configuration parameter" in low
        or "invalid port" in low
        or "parameter in connection string" in low
    ):
        return Unreachable.said("databases.bad_dsn", code="bad_dsn", retry=False, env=env)
    if (
        "could not translate host name" in low
        or "unknown mysql server host" in low
        or "unknown server host" in low
        or "name or service not known" in low
    ):
        return Unreachable.said("databases.unknown_host", code="unknown_host", env=env)
    if "refused" in low or "can't connect" in low or "is the server running" in low:
        return Unreachable.said("databases.refused", code="refused", kind=kind, env=env)
    if (
        "invalid connection option" in low
        or 'missing "="' in low
        or "invalid uri" in low
        or "invalid connection string" in low
    ):
        return Unreachable.said("databases.bad_dsn", code="bad_dsn", retry=False, env=env)
    if (
        "no pg_hba.conf entry" in low
        or "ssl" in low
        or "is not allowed to connect" in low
        or "is blocked because of many connection errors" in low
    ):
        return Unreachable.said(
            "databases.not_allowed", code="not_allowed", retry=False, kind=kind, env=env
        )
    return Unreachable.said("databases.unreachable", code="unreachable", kind=kind, env=env)


def _connection_lost(text: str) -> bool:
    low = text.lower()
    return any(
        words in low
        for words in (
            "unable to connect",
            "failed to connect",
            "server closed the connection",
            "connection refused",
            "no connection to the server",
            "lost connection",
            "terminating connection",
            "server has gone away",
        )
    )


def _query_refused(source: Source, text: str, hidden: tuple[str, ...]) -> Rejected:
    said = _server_words(text, hidden)
    low = said.lower()
    if (
        "statement timeout" in low
        or "canceling statement" in low
        or "max_execution_time" in low
        or "max_statement_time" in low
        or "maximum statement execution time exceeded" in low
    ):
        return Rejected([_slow(source)])
    if "no fields returned" in low:
        return Rejected([_problem("databases.not_select", code="query_not_select", column="query")])
    if "read-only" in low or "read only" in low or "cannot execute statement of type" in low:
        return Rejected([_problem("databases.query_writes", code="query_writes", column="query")])
    if m := re.search(
        r'relation "([^"]+)" does not exist'
        r"|table [`']?(?:[^`'\s.]+[`']?\.[`']?)?([^`'\s]+?)[`']? doesn't exist",  # MySQL
        said,
        re.I,
    ):
        name = m.group(1) or m.group(2)
        return Rejected(
            [
                _problem(
                    "databases.no_table",
                    code="query_no_table",
                    column="query",
                    value=name,
                    name=name,
                )
            ]
        )
    if m := re.search(
        r'column "?([^"\s]+)"? does not exist|unknown column \'([^\']+)\'', said, re.I
    ):
        name = m.group(1) or m.group(2)
        return Rejected(
            [
                _problem(
                    "databases.no_column",
                    code="query_no_column",
                    column="query",
                    value=name,
                    name=name,
                )
            ]
        )
    if m := re.search(
        r"permission denied for (?:table|view|relation|schema|sequence|function) (\S+)"
        r"|select command denied to user \S+ for table "  # MySQL
        r"[`']?(?:[^`'\s.]+[`']?\.[`']?)?([^`'\s]+?)[`']?$",
        said,
        re.I,
    ):
        name = m.group(1) or m.group(2)
        return Rejected(
            [
                _problem(
                    "databases.not_permitted",
                    code="query_not_permitted",
                    column="query",
                    value=name,
                    name=name,
                )
            ]
        )
    if m := re.search(
        r'syntax error at or near "([^"]*)"|right syntax to use near \'(.+)\' at line \d+',
        said,
        re.I,
    ):
        near = (m.group(1) or m.group(2) or "")[:40].strip()  # MySQL: the rest of the query
        return Rejected(
            [
                _problem(
                    "databases.syntax",
                    code="query_syntax",
                    column="query",
                    value=near,
                    near=near,
                )
            ]
        )
    if "syntax" in low:
        return Rejected([_problem("databases.syntax_other", code="query_syntax", column="query")])
    return Rejected(
        [_problem("databases.query_refused", code="query_refused", column="query", why=said)]
    )


def _slow(source: Source) -> Problem:
    return _problem(
        "databases.query_slow",
        code="query_timeout",
        column="query",
        seconds=max(1, round(source.timeout)),
    )


def _server_words(text: str, hidden: tuple[str, ...]) -> str:
    """The database server's own one line about the query ("relation "x" does not exist"),
    out of DuckDB's message, with every secret cut out; at most 300 characters."""
    m = re.search(r"ERROR:\s+(.+)", text)
    line = m.group(1) if m else text.splitlines()[0] if text else ""
    line = re.sub(r"^[A-Za-z ]*Error:\s*", "", line).strip()
    for value in hidden:
        line = line.replace(value, "***")
    return line[:300]


def _secrets_of(dsn: str) -> tuple[str, ...]:
    """The connection string and the password it holds (never to appear in a message)."""
    found = [dsn]
    for m in re.finditer(
        r"""\b(?:password|passwd)\s*=\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S+)""", dsn, re.I
    ):
        value = m.group(1)
        if value[0] in "'\"" and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        found.append(value)
    if "://" in dsn:
        try:
            parts = urlsplit(dsn)
            if parts.password:
                found += [parts.password, unquote(parts.password)]
        except ValueError:
            pass
    return tuple(v for v in found if len(v) >= 3)


def _with_timeouts(dsn: str, seconds: float) -> str:
    """The conninfo with libpq's connect_timeout and the server's statement_timeout set to the
    source's timeout, unless it names them itself (connect_timeout; options)."""
    connect = max(1, round(seconds))
    statement = f"-c statement_timeout={max(1000, round(seconds * 1000))}"
    if re.match(r"postgres(?:ql)?://", dsn):
        query = urlsplit(dsn).query
        more = []
        if "connect_timeout=" not in query:
            more.append(f"connect_timeout={connect}")
        if "options=" not in query:
            more.append("options=" + quote(statement))
        if not more:
            return dsn
        return dsn + ("&" if "?" in dsn else "?") + "&".join(more)
    if not re.search(r"\bconnect_timeout\s*=", dsn):
        dsn = f"{dsn} connect_timeout={connect}"
    if not re.search(r"\boptions\s*=", dsn):
        dsn = f"{dsn} options='{statement}'"
    return dsn
