"""DuckDB's extensions from their pip wheels, loaded from the wheel's file, never downloaded.

requirements.txt pins `duckdb` and, at the same version, one `duckdb-extension-<name>` wheel per
extension the project uses (postgres_scanner, mysql_scanner, ducklake). Each wheel holds a
Python package with an empty `__init__.py` and the extension's file, signed by DuckDB:

    duckdb_extension_postgres_scanner/extensions/v1.5.5/postgres_scanner.duckdb_extension

`load(con, name)` turns off DuckDB's own installing and autoloading on the connection (so no
statement can reach for the extensions repository later) and runs `load '<that file>'`. A wheel
that is missing, or built for another DuckDB version, is an `ExtensionMissing` that names the
package to install; nothing is fetched at run time.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

# the name callers use -> DuckDB's name of the extension (its file's stem and wheel's suffix)
EXTENSIONS = {
    "postgres": "postgres_scanner",
    "postgres_scanner": "postgres_scanner",
    "mysql": "mysql_scanner",
    "mysql_scanner": "mysql_scanner",
    "ducklake": "ducklake",
}


class ExtensionMissing(RuntimeError):
    """The extension's wheel is not installed (or was built for another DuckDB version).
    `package`: the pip name to install, `extension`: DuckDB's name of the extension."""

    def __init__(self, extension: str, package: str, why: str):
        self.extension = extension
        self.package = package
        super().__init__(
            f"DuckDB's {extension} extension is not installed: {why}. "
            f"Install the wheel pinned in requirements.txt: pip install {package}=={duckdb.__version__}"
        )


def package_name(name: str) -> str:
    """The pip name of the wheel that carries extension `name` ("postgres" ->
    "duckdb-extension-postgres-scanner")."""
    return "duckdb-extension-" + _extension(name).replace("_", "-")


def path(name: str) -> Path:
    """The extension file inside its installed wheel, for the running DuckDB version."""
    ext = _extension(name)
    module = f"duckdb_extension_{ext}"
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionMissing(ext, package_name(ext), f"no Python package {module}")
    version = f"v{duckdb.__version__}"
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "extensions" / version / f"{ext}.duckdb_extension"
        if candidate.is_file():
            return candidate
    found = sorted(
        p.parent.name
        for folder in spec.submodule_search_locations
        for p in Path(folder).glob(f"extensions/*/{ext}.duckdb_extension")
    )
    why = (
        f"the installed wheel is for DuckDB {', '.join(found)}, not {version}"
        if found
        else "the package holds no extension file"
    )
    raise ExtensionMissing(ext, package_name(ext), why)


def offline(con) -> None:
    """No extension installed or loaded behind the caller's back on this connection: a
    statement that needs an extension not loaded fails instead of downloading it."""
    con.execute("set autoinstall_known_extensions = false")
    con.execute("set autoload_known_extensions = false")


def load(con, name: str) -> None:
    """Load extension `name` (postgres, mysql, ducklake) into connection `con` from its wheel's
    file, with DuckDB's installing and autoloading turned off first."""
    file = path(name)
    offline(con)
    escaped = str(file).replace("'", "''")
    con.execute(f"load '{escaped}'")


def _extension(name: str) -> str:
    try:
        return EXTENSIONS[name.lower()]
    except KeyError:
        raise ValueError(
            f"unknown DuckDB extension {name!r}; known: {sorted(EXTENSIONS)}"
        ) from None
