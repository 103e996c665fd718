"""The house stays livable: no module over about 800 lines, no function over about 120, and the
layer rules (analytics/ and sample/ import no streamlit; pages/ stay thin scripts)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = ("app.py", "analytics", "ui", "pages", "sample", "benchmarks", "tests")
MAX_MODULE = 800
MAX_FUNCTION = 120
MAX_PAGE = 350


def _files() -> list[Path]:
    out: list[Path] = []
    for name in CODE:
        p = ROOT / name
        out.extend([p] if p.is_file() else sorted(p.rglob("*.py")))
    return [f for f in out if "__pycache__" not in f.parts]


def test_the_files_are_found():
    files = {f.relative_to(ROOT).as_posix() for f in _files()}
    assert {"app.py", "analytics/store/__init__.py", "pages/upload.py", "sample/plans.py"} <= files


def test_no_module_is_too_long():
    long = {
        f.relative_to(ROOT).as_posix(): n
        for f in _files()
        if (n := f.read_text(encoding="utf-8").count("\n")) > MAX_MODULE
    }
    assert not long, f"modules over {MAX_MODULE} lines: {long}"


def test_no_function_is_too_long():
    long = []
    for f in _files():
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION:
                    long.append(f"{f.relative_to(ROOT)}:{node.lineno} {node.name} ({n} lines)")
    assert not long, f"functions over {MAX_FUNCTION} lines: {long}"


def test_pages_are_thin():
    thick = {
        f.name: n
        for f in sorted((ROOT / "pages").glob("*.py"))
        if (n := f.read_text(encoding="utf-8").count("\n")) > MAX_PAGE
    }
    assert not thick, f"pages over {MAX_PAGE} lines: {thick}"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_domain_imports_no_streamlit():
    offenders = [
        f.relative_to(ROOT).as_posix()
        for name in ("analytics", "sample")
        for f in sorted((ROOT / name).rglob("*.py"))
        if "streamlit" in _imports(f)
    ]
    assert not offenders, offenders


def test_a_version_in_force_is_one_fragment():
    """Which version of a task is in force in a snapshot is written once
    (sql/version_in_force.sql); rebuild_versions.sql alone compares ranges with the old order."""
    sql_dir = ROOT / "analytics" / "sql"
    written = {
        f.name
        for f in sql_dir.glob("*.sql")
        if "to_seq >" in f.read_text(encoding="utf-8")
        and f.name not in {"version_in_force.sql", "rebuild_versions.sql"}
    }
    assert not written, f"write {{version_in_force}} instead in: {sorted(written)}"
    using = {f.name for f in sql_dir.glob("*.sql") if "{version_in_force}" in f.read_text()}
    assert {"tasks_at.sql", "history_trend.sql", "carry_over_others.sql"} <= using
