"""A real PostgreSQL for the tests: Debian's package (`make postgresql` installs it), a cluster
made by initdb in a temporary folder, started on a free port of 127.0.0.1, stopped and removed
at the end. Used through the session fixture `postgres` (tests/conftest.py).

- initdb runs as the user `postgres` when the tests run as root (PostgreSQL refuses to run as
  root; the folder is handed to that user), as the current user otherwise;
- the server listens on 127.0.0.1 only, its unix socket in the temporary folder (never in
  /var/run/postgresql, so it meets no other server), fsync off: a throwaway cluster;
- passwords (scram-sha-256) over TCP, `trust` on the folder's socket;
- one database (`tasks_source`) and two roles: the superuser `postgres` (`admin_dsn`) and
  `reader` (`dsn`), who may connect and select, and whose transactions are read-only.

`sql(statement)` runs SQL as the superuser through psql (no Python driver needed);
`stopped()` stops the server for the block and starts it again on the same port.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

DATABASE = "tasks_source"
READER = "reader"
ADMIN = "postgres"
START_TIMEOUT = 60  # seconds pg_ctl waits for the server to accept connections


class PostgresUnavailable(RuntimeError):
    """PostgreSQL could not be found or started; the message says why (and the server's log)."""


def bindir() -> Path:
    """The folder of initdb, pg_ctl and psql: TASKS_PG_BIN, else Debian's newest
    /usr/lib/postgresql/<version>/bin, else the one on PATH."""
    given = os.environ.get("TASKS_PG_BIN")
    if given:
        return Path(given)
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if debian:
        return debian[-1].parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresUnavailable(
        "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH): "
        "run `make postgresql` (apt-get install postgresql), or set TASKS_PG_BIN"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def conninfo(**parts: object) -> str:
    """A libpq conninfo string of key=value pairs, values quoted as libpq reads them."""

    def quoted(value: object) -> str:
        text = str(value)
        if text and not any(c in text for c in " '\\"):
            return text
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{k}={quoted(v)}" for k, v in parts.items())


@dataclass
class Postgres:
    """A running throwaway server. `dsn`: the read-only `reader`; `admin_dsn`: the superuser."""

    folder: Path
    port: int
    bin: Path
    admin_password: str = field(repr=False)
    reader_password: str = field(repr=False)
    host: str = "127.0.0.1"
    database: str = DATABASE
    reader: str = READER
    admin: str = ADMIN
    started_in: float = 0.0  # seconds from initdb to ready, with the database and role made

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    @property
    def dsn(self) -> str:
        return self.dsn_for(self.reader, self.reader_password)

    @property
    def admin_dsn(self) -> str:
        return self.dsn_for(self.admin, self.admin_password)

    def dsn_for(self, user: str, password: str, **more: object) -> str:
        """A conninfo to this server's database as `user` with `password` (a wrong one, say)."""
        return conninfo(
            host=self.host,
            port=self.port,
            dbname=self.database,
            user=user,
            password=password,
            connect_timeout=5,
            **more,
        )

    # -- running SQL ------------------------------------------------------------------------

    def sql(self, statement: str, *, database: str | None = None) -> str:
        """Run `statement` (one or several, ';'-separated) as the superuser through psql over
        TCP; stdout (unaligned, tuples only) is returned, an error raises with psql's words."""
        dsn = conninfo(
            host=self.host,
            port=self.port,
            dbname=database or self.database,
            user=self.admin,
            connect_timeout=5,
        )
        done = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", dsn],
            input=statement,
            capture_output=True,
            text=True,
            env={**os.environ, "PGPASSWORD": self.admin_password, "PGCONNECT_TIMEOUT": "5"},
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    # -- the server -------------------------------------------------------------------------

    def _as_owner(self, *cmd: str | os.PathLike) -> list[str]:
        args = [str(c) for c in cmd]
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args

    def _run(self, *cmd: str | os.PathLike, timeout: float = 120) -> None:
        done = subprocess.run(
            self._as_owner(*cmd), capture_output=True, text=True, timeout=timeout, cwd=self.folder
        )
        if done.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(
                f"{Path(str(cmd[0])).name} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()}\n{tail}".strip()
            )

    def initdb(self) -> None:
        pwfile = self.folder / "pwfile"
        pwfile.write_text(self.admin_password + "\n")
        _hand_over(pwfile)
        self._run(
            self.bin / "initdb",
            "-D",
            self.data,
            "-U",
            self.admin,
            "--pwfile",
            pwfile,
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        pwfile.unlink()

    def start(self) -> None:
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-p {self.port}",
                f"-k {self.folder}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=50",
            ]
        )
        self._run(
            self.bin / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.log,
            "-w",
            "-t",
            str(START_TIMEOUT),
            "-o",
            options,
            "start",
            timeout=START_TIMEOUT + 30,
        )

    def stop(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    @contextmanager
    def stopped(self) -> Iterator[None]:
        """The server stopped for the block (nothing listens on its port), started again after."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def setup_roles(self) -> None:
        reader = _ident(self.reader)
        self.sql(
            f"create database {_ident(self.database)};"
            f"create role {reader} login password {_literal(self.reader_password)};"
            f"alter role {reader} set default_transaction_read_only = on;",
            database="postgres",
        )
        self.sql(
            f"revoke create on schema public from public;"
            f"grant connect on database {_ident(self.database)} to {reader};"
            f"grant usage on schema public to {reader};"
            f"grant select on all tables in schema public to {reader};"
            f"alter default privileges in schema public grant select on tables to {reader};"
        )


def start() -> Postgres:
    """initdb, start, create the database and the read-only role; PostgresUnavailable says why
    when any step fails (the folder is removed then)."""
    began = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="tasks-pg-"))
    try:
        _hand_over(folder)
        pg = Postgres(
            folder=folder,
            port=free_port(),
            bin=bindir(),
            admin_password=secrets.token_urlsafe(16),
            reader_password=secrets.token_urlsafe(16),
        )
        pg.initdb()
        for attempt in range(3):  # the free port may be taken between looking and listening
            try:
                pg.start()
                break
            except PostgresUnavailable:
                if attempt == 2 or "could not bind" not in pg.log.read_text(errors="replace"):
                    raise
                pg.port = free_port()
        pg.setup_roles()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    pg.started_in = time.monotonic() - began
    return pg


def finish(pg: Postgres) -> None:
    """Stop the server (if it runs) and remove its folder."""
    try:
        if pg.running():
            pg.stop()
    finally:
        shutil.rmtree(pg.folder, ignore_errors=True)


def _hand_over(path: Path) -> None:
    """The path owned by the user `postgres` when the tests run as root (initdb and the
    server run as that user); nothing to do otherwise."""
    if os.geteuid() == 0:
        shutil.chown(path, user="postgres", group="postgres")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
