"""A real MySQL (Debian's MariaDB) for the tests: a data folder made by mariadb-install-db in a
temporary folder, a server started on a free port of 127.0.0.1, stopped and removed at the end.
Used through the session fixture `mysql` (tests/conftest.py); `make mariadb` installs the
package (`mariadb-server`; its own service is never used).

- `mariadb-install-db --no-defaults` (no my.cnf of the machine is read, by the server either);
  as root the files belong to the user `mysql` and the server switches to it (`--user`);
- the setup runs in the bootstrap itself (`--extra-file`): the grant tables loaded, root's
  password set (`root@localhost` only: the other root accounts the installer makes, with no
  password, are dropped), one database (`tasks_source`, utf8mb4) and one user `reader` who may
  only select in it, over TCP from 127.0.0.1; so the server is ready the moment it listens;
- the folder is in /dev/shm when it has room (the bootstrap syncs files a thousand times:
  3-4 s on a busy disk, half a second in memory), else in the temporary folder;
- the server listens on 127.0.0.1 only, its unix socket in that folder (never
  /run/mysqld, so it meets no other server); small: a 16 MB buffer pool, no binary log, no
  performance schema, nothing flushed to disk at commit: a throwaway server;
- ready when it greets a TCP connection (no client process per poll); a server that cannot
  start is `MySQLUnavailable`, with its log; never a skip;
- folders left by a session killed midway (older than an hour, their server gone) are removed
  at the next start.

`sql(statement)` runs SQL as root through the `mariadb` client over the folder's socket
(`delimiter` works, as in a file given to the client); `stopped()` stops the server for the
block and starts it again on the same port. The DSN is DuckDB's mysql extension's form:
"host=127.0.0.1 port=... user=... password=... database=...".
"""

from __future__ import annotations

import os
import pwd
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
ADMIN = "root"
OWNER = "mysql"  # the system user the server runs as when the tests run as root
START_TIMEOUT = 60.0  # seconds the server has to greet a connection
# The bootstrap syncs files some thousand times (3-4 s on a busy disk, 0.5 s in memory): the
# folder goes to /dev/shm when it has room (a container's default 64 MB has not).
SHM = Path("/dev/shm")
SHM_FREE_NEEDED = 256 * 1024 * 1024
PREFIX = "tasks-mysql-"
STALE_AFTER_S = 3600  # a folder this old whose server is gone: left by a session killed midway
STOP_TIMEOUT = 60.0
# The server's own options, also given to the bootstrap (the same InnoDB files).
SERVER_OPTIONS = (
    "--skip-name-resolve",
    "--skip-log-bin",
    "--performance-schema=OFF",
    "--innodb-buffer-pool-size=16M",
    "--innodb-log-file-size=8M",
    "--innodb-log-buffer-size=2M",
    "--innodb-data-file-path=ibdata1:4M:autoextend",
    "--innodb-autoextend-increment=4",
    "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=0",
    "--key-buffer-size=1M",
    "--max-connections=30",
    "--table-open-cache=200",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
)


class MySQLUnavailable(RuntimeError):
    """MariaDB could not be found or started; the message says why (and the server's log)."""


@dataclass(frozen=True)
class Programs:
    server: Path  # mariadbd
    install_db: Path  # mariadb-install-db
    client: Path  # mariadb


def programs() -> Programs:
    """MariaDB's programs: from the folder TASKS_MARIADB_BIN if set, else PATH, /usr/sbin,
    /usr/bin (MySQL's older names too)."""
    given = os.environ.get("TASKS_MARIADB_BIN")
    folders = [given] if given else [os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"]
    search = os.pathsep.join(folders)

    def find(*names: str) -> Path:
        for name in names:
            found = shutil.which(name, path=search)
            if found:
                return Path(found)
        raise MySQLUnavailable(
            f"MariaDB is not installed (no {' or '.join(names)} found): run `make mariadb` "
            "(apt-get install mariadb-server), or set TASKS_MARIADB_BIN to the folder of its programs"
        )

    return Programs(
        server=find("mariadbd", "mysqld"),
        install_db=find("mariadb-install-db", "mysql_install_db"),
        client=find("mariadb", "mysql"),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dsn(**parts: object) -> str:
    """A connection string of key=value pairs as DuckDB's mysql extension reads them (a value
    with a space, a quote or a backslash in double quotes, `\\` escaping `\\` and `"`)."""

    def quoted(value: object) -> str:
        text = str(value)
        if text and not any(c in text for c in ' "\\='):
            return text
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return " ".join(f"{k}={quoted(v)}" for k, v in parts.items())


@dataclass
class MySQL:
    """A running throwaway server. `dsn`: the select-only `reader`; `admin_dsn`: root (over the
    folder's socket only: root has no account over TCP)."""

    folder: Path
    port: int
    programs: Programs
    admin_password: str = field(repr=False)
    reader_password: str = field(repr=False)
    host: str = "127.0.0.1"
    database: str = DATABASE
    reader: str = READER
    admin: str = ADMIN
    started_in: float = 0.0  # seconds from mariadb-install-db to the first greeting
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    @property
    def socket(self) -> Path:
        return self.folder / "s"

    @property
    def client_options(self) -> Path:
        return self.folder / "client.cnf"

    @property
    def dsn(self) -> str:
        return self.dsn_for(self.reader, self.reader_password)

    @property
    def admin_dsn(self) -> str:
        return dsn(socket=self.socket, user=self.admin, password=self.admin_password)

    def dsn_for(self, user: str, password: str, **more: object) -> str:
        """A connection string to this server's database as `user` with `password` (a wrong
        one, say), over TCP."""
        parts = {"host": self.host, "port": self.port, "user": user, "password": password}
        return dsn(**parts, database=self.database, **more)

    # -- running SQL ------------------------------------------------------------------------

    def sql(self, statement: str, *, database: str | None = None) -> str:
        """Run `statement` (one or several, ';'-separated; `delimiter` as in a file) as root
        through the mariadb client; stdout (tab-separated, no column names) is returned, an
        error raises with the client's words."""
        done = subprocess.run(
            [
                str(self.programs.client),
                f"--defaults-file={self.client_options}",
                "--batch",
                "--skip-column-names",
                "--default-character-set=utf8mb4",
                database or self.database,
            ],
            input=statement,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"mariadb failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    # -- the server -------------------------------------------------------------------------

    def _owner_options(self) -> list[str]:
        return [f"--user={OWNER}"] if os.geteuid() == 0 else []

    def install(self) -> None:
        """The data folder, with the database, the users and root's password made in the
        bootstrap (FLUSH PRIVILEGES loads the grant tables it otherwise runs without)."""
        setup = self.folder / "setup.sql"
        setup.write_text(self._setup_sql(), encoding="utf-8")
        setup.chmod(0o600)
        _hand_over(setup)
        try:
            done = subprocess.run(
                [
                    str(self.programs.install_db),
                    "--no-defaults",
                    f"--datadir={self.data}",
                    *self._owner_options(),
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                    f"--extra-file={setup}",
                    *SERVER_OPTIONS,
                ],
                capture_output=True,
                text=True,
                timeout=300,
                cwd=self.folder,
            )
        finally:
            setup.unlink(missing_ok=True)
        if done.returncode != 0:
            said = (done.stdout + done.stderr).strip()
            raise MySQLUnavailable(
                f"mariadb-install-db failed ({done.returncode}):\n{said[-3000:]}"
            )
        self.client_options.write_text(
            "[client]\n"
            f"user={self.admin}\n"
            f'password="{self.admin_password}"\n'
            f"socket={self.socket}\n",
            encoding="utf-8",
        )
        self.client_options.chmod(0o600)

    def _setup_sql(self) -> str:
        db = _ident(self.database)
        reader = f"{_literal(self.reader)}@'127.0.0.1'"
        others = ", ".join(
            f"'root'@{_literal(h)}" for h in ("127.0.0.1", "::1", "%", socket.gethostname())
        )
        return (
            "flush privileges;\n"
            f"alter user 'root'@'localhost' identified by {_literal(self.admin_password)};\n"
            f"drop user if exists {others};\n"
            f"create database {db} character set utf8mb4 collate utf8mb4_unicode_ci;\n"
            f"create user {reader} identified by {_literal(self.reader_password)};\n"
            f"grant select on {db}.* to {reader};\n"
        )

    def start(self) -> None:
        """Start the server and wait until it greets a connection on its port."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(self.programs.server),
                    "--no-defaults",
                    *self._owner_options(),
                    f"--datadir={self.data}",
                    f"--socket={self.socket}",
                    f"--pid-file={self.folder / 'server.pid'}",
                    f"--tmpdir={self.folder}",
                    f"--secure-file-priv={self.folder}",
                    f"--port={self.port}",
                    "--bind-address=127.0.0.1",
                    *SERVER_OPTIONS,
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=self.folder,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise MySQLUnavailable(
                    f"mariadbd stopped at start ({self.process.returncode}):\n{self.log_tail()}"
                )
            if greets(self.host, self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise MySQLUnavailable(
            f"mariadbd did not answer on port {self.port} within {START_TIMEOUT:.0f} s:\n"
            f"{self.log_tail()}"
        )

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self) -> None:
        """A clean shutdown (SIGTERM), killed if it takes longer than STOP_TIMEOUT."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @contextmanager
    def stopped(self) -> Iterator[None]:
        """The server stopped for the block (nothing listens on its port), started again after."""
        self.stop()
        try:
            yield
        finally:
            self.start()


def greets(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when a MySQL server at host:port sends its greeting (a handshake packet: protocol
    version 10) on a new connection."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            head = s.recv(5)
    except OSError:
        return False
    return len(head) == 5 and head[4] == 10


def start() -> MySQL:
    """Install, start, ready with the database and the select-only user; MySQLUnavailable
    says why when any step fails (the folder is removed then)."""
    began = time.monotonic()
    parent = _parent()
    _sweep(Path(parent or tempfile.gettempdir()))
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
    server = None
    try:
        _hand_over(folder)
        server = MySQL(
            folder=folder,
            port=free_port(),
            programs=programs(),
            admin_password=secrets.token_urlsafe(16),
            reader_password=secrets.token_urlsafe(16),
        )
        server.install()
        for attempt in range(3):  # the free port may be taken between looking and listening
            try:
                server.start()
                break
            except MySQLUnavailable:
                bind_failed = "Address already in use" in server.log_tail()
                if attempt == 2 or not bind_failed:
                    raise
                server.port = free_port()
    except BaseException:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    server.started_in = time.monotonic() - began
    return server


def finish(server: MySQL) -> None:
    """Stop the server (if it runs) and remove its folder."""
    try:
        server.stop()
    finally:
        shutil.rmtree(server.folder, ignore_errors=True)


def _parent() -> str | None:
    """Where the server's folder goes: TASKS_MARIADB_TMP, else /dev/shm with room to spare
    (a folder in memory: no disk syncs), else the temporary folder."""
    given = os.environ.get("TASKS_MARIADB_TMP")
    if given:
        return given
    try:
        stat = os.statvfs(SHM)
    except OSError:
        return None
    room = stat.f_bavail * stat.f_frsize
    return str(SHM) if room >= SHM_FREE_NEEDED and os.access(SHM, os.W_OK | os.X_OK) else None


def _sweep(parent: Path) -> None:
    """Remove the folders of earlier sessions killed before their end (in /dev/shm they hold
    memory): older than STALE_AFTER_S, with no running server (its pid file gone or dead)."""
    now = time.time()
    for old in parent.glob(f"{PREFIX}*"):
        try:
            if now - old.stat().st_mtime < STALE_AFTER_S:
                continue
            pid_file = old / "server.pid"
            if pid_file.exists() and _alive(int(pid_file.read_text().strip() or 0)):
                continue
        except (OSError, ValueError):
            continue
        shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _hand_over(path: Path) -> None:
    """The path owned by the user `mysql` when the tests run as root (the server switches to
    that user); nothing to do otherwise."""
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(OWNER)
    except KeyError:
        raise MySQLUnavailable(
            f"the tests run as root and there is no system user {OWNER!r} for the server to "
            "run as: install mariadb-server (`make mariadb`), which makes it"
        ) from None
    shutil.chown(path, user=OWNER, group=OWNER)


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
