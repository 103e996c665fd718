"""The status of a task at a date is written once (analytics/sql/task_status.sql and
task_completed.sql): the store's queries inline it, `analytics.statuses.judge` evaluates it over
plain values (the sample generator's expected figures come from it), and no copy comes back."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from analytics import history, store
from analytics.model import STATUSES, Filters, Scope, Task
from analytics.statuses import classify_status, judge
from tests.helpers import AGENCIES, ROOT

D = dt.date
SQL_DIR = ROOT / "analytics" / "sql"
CASES_FILE = Path(__file__).resolve().parent / "status_cases.csv"
# The statuses a date rule produces (cancelled comes from the words alone).
DATED = frozenset(STATUSES) - {"cancelled"}
AS_OF = D(2025, 8, 28)
DEADLINES = (None, D(2025, 8, 1), AS_OF, D(2025, 9, 30), D(2026, 6, 30))
COMPLETIONS = (None, D(2025, 7, 15), D(2025, 8, 20), AS_OF, D(2025, 9, 10))


def _texts() -> list[str]:
    with CASES_FILE.open(encoding="utf-8", newline="") as fh:
        return sorted({r["text"] for r in csv.DictReader(fh)})


def _tasks() -> list[Task]:
    """Every status text of status_cases.csv under every deadline and completion date."""
    tasks = []
    for text in _texts():
        for deadline in DEADLINES:
            for completion in COMPLETIONS:
                n = len(tasks) + 1
                tasks.append(
                    Task(
                        task_id=f"T{n:05d}",
                        title=f"Nhiệm vụ {n}",
                        lead_ids=("mof",),
                        lead_text="Bộ Tài chính",
                        deadline=deadline,
                        deadline_text=None if deadline is None else f"{deadline:%d/%m/%Y}",
                        deadline_kind="none" if deadline is None else "date",
                        status_text=text,
                        status_class=classify_status(text),
                        completion_date=completion,
                        row=n + 5,
                        sheet="Sheet1",
                    )
                )
    return tasks


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    db = tmp_path_factory.mktemp("status_rule") / "t.duckdb"
    tasks = _tasks()
    store.commit_snapshot(
        db,
        source="S",
        as_of=AS_OF,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=b"status cases",
        file_name="cases.xlsx",
        user="tester",
    )
    return db, tasks


@pytest.mark.parametrize("as_of", [AS_OF, D(2025, 9, 15), D(2026, 1, 1)])
def test_judge_says_what_the_store_says(loaded, as_of):
    db, tasks = loaded
    frame = store.load_tasks(db, as_of, Filters(), Scope.everything())
    stored = dict(zip(frame["task_id"], frame["status"], strict=True))
    judged = judge(((t.status_class, t.deadline, t.completion_date) for t in tasks), as_of)
    assert [stored[t.task_id] for t in tasks] == judged
    assert set(judged) == set(STATUSES)  # the cases reach every status


def test_judge_counts_what_the_trend_counts(loaded):
    db, tasks = loaded
    row = history.trend(db).iloc[0]
    judged = Counter(judge(((t.status_class, t.deadline, t.completion_date) for t in tasks), AS_OF))
    assert row["as_of"] == AS_OF
    for status in DATED:
        assert row[status] == judged[status], status


def test_judge_over_plain_values():
    rows = [
        (None, None, D(2025, 8, 1)),  # completed without a deadline: on time, as in the store
        (None, D(2025, 8, 1), D(2025, 8, 2)),
        (None, D(2025, 8, 1), None),
        (None, AS_OF, None),  # due today: not yet overdue
        ("unknown", None, None),
        ("done_unspecified", D(2025, 8, 1), None),
        ("cancelled", D(2025, 8, 1), D(2025, 7, 1)),
        (None, D(2025, 8, 1), D(2025, 9, 1)),  # completed after the date: not yet
    ]
    assert judge(rows, AS_OF) == [
        "completed_on_time",
        "completed_late",
        "overdue",
        "in_progress",
        "no_deadline",
        "completed_timing_unknown",
        "cancelled",
        "overdue",
    ]
    assert judge([], AS_OF) == []


# ---- no copy of the rule -------------------------------------------------------------------

_STATUS_LITERAL = "|".join(sorted(DATED))
# A status produced in SQL (`then 'overdue'`, `else 'in_progress'`), in a .sql file or a string.
_SQL_PRODUCES = re.compile(rf"\b(?:then|else)\s+'(?:{_STATUS_LITERAL})'", re.IGNORECASE)
_DATE_WORDS = re.compile(r"deadline|completion|as_of|judged_on")
# Calls that put a value where a condition holds (pandas, numpy).
_VALUE_CALLS = frozenset({"where", "select", "mask", "case_when", "fillna", "full", "choose"})
PYTHON_DIRS = ("analytics", "sample", "ui", "pages")


def _python_files() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in PYTHON_DIRS:
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def _words(node: ast.AST):
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            yield n.id
        elif isinstance(n, ast.Attribute):
            yield n.attr
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            yield n.value  # df["deadline"]


def _compares_dates(fn: ast.AST) -> bool:
    """An ordering comparison (<, <=, >, >=) of something named like a deadline, a completion
    or the date judged at."""
    for n in ast.walk(fn):
        if isinstance(n, ast.Compare) and any(
            isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE) for op in n.ops
        ):
            sides = [n.left, *n.comparators]
            if any(_DATE_WORDS.search(w) for side in sides for w in _words(side)):
                return True
    return False


def _produced_statuses(fn: ast.AST) -> list[str]:
    """Status names the function hands out as values: returned, assigned, chosen by a
    conditional expression or put where a condition holds (np.where, Series.mask, ...)."""
    found = []
    for n in ast.walk(fn):
        values: list[ast.AST] = []
        if isinstance(n, ast.Return | ast.Assign | ast.AnnAssign) and n.value is not None:
            values.append(n.value)
        elif isinstance(n, ast.IfExp):
            values += [n.body, n.orelse]
        elif isinstance(n, ast.Call):
            name = n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
            if name in _VALUE_CALLS:
                values += [*n.args, *(k.value for k in n.keywords)]
        for value in values:
            for v in value.elts if isinstance(value, ast.List | ast.Tuple) else [value]:
                if isinstance(v, ast.Constant) and v.value in DATED:
                    found.append(v.value)
    return found


def _copies_in(source: str, name: str) -> list[str]:
    found = []
    tree = ast.parse(source, name)
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and _compares_dates(fn):
            produced = _produced_statuses(fn)
            if produced:
                found.append(f"{name}:{fn.lineno} {fn.name}() gives {sorted(set(produced))}")
    for n in ast.walk(tree):
        if (
            isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and _SQL_PRODUCES.search(n.value)
        ):
            found.append(f"{name}:{n.lineno} SQL text producing a status")
    return found


def test_no_python_code_judges_a_status_from_dates():
    """A status is judged in SQL only (analytics.statuses.judge for plain values): no function in
    analytics/, sample/, ui/, pages/ or app.py compares dates and hands out a status name."""
    copies = []
    for path in _python_files():
        copies += _copies_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert copies == []


def test_the_scan_finds_a_copy():
    """The copy the sample generator once had (sample.py's status_at) is found, and the pandas
    form of the same rule too."""
    old = """
def status_at(deadline, completion, as_of):
    if completion is not None and completion <= as_of:
        if deadline is None:
            return "completed_timing_unknown"
        return "completed_on_time" if completion <= deadline else "completed_late"
    if deadline is None:
        return "no_deadline"
    return "overdue" if deadline < as_of else "in_progress"
"""
    frame = """
def statuses(df, as_of):
    late = df["deadline"] < as_of
    return np.where(late, "overdue", "in_progress")
"""
    sql_in_python = """
QUERY = "select case when deadline < $d then 'overdue' else 'in_progress' end from t"
"""
    assert len(_copies_in(old, "old.py")) == 1
    assert len(_copies_in(frame, "frame.py")) == 1
    assert len(_copies_in(sql_in_python, "sql.py")) == 1


def test_every_query_that_judges_a_status_inlines_the_shared_rule():
    produces = {p.name for p in SQL_DIR.glob("*.sql") if _SQL_PRODUCES.search(p.read_text())}
    assert produces == {"task_status.sql"}
    rule = {"task_status.sql", "task_completed.sql"}
    queries = [p for p in SQL_DIR.glob("*.sql") if p.name not in rule]
    for path in queries:
        text = path.read_text(encoding="utf-8")
        # a column named status is judged by the rule; a bound value stored as one (a pull's
        # outcome, "$status as status") is not a task's status
        if re.search(r"(?<!\$status )\bas\s+status\b", text):
            assert "{task_status} as status" in text, path.name
        if "{task_status}" in text:
            assert "{task_completed} as completed" in text, path.name  # what task_status reads
    judging = {p.name for p in queries if "{task_status}" in p.read_text(encoding="utf-8")}
    assert judging >= {"tasks_at.sql", "history_trend.sql", "judge_statuses.sql"}


def test_analytics_imports_the_sample_only_for_the_command_line():
    """The generator is a top-level package (sample/); the domain code does not lean on it, only
    the command line's `sample` and `bootstrap` commands load its files."""
    importers = []
    for path in sorted((ROOT / "analytics").rglob("*.py")):
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(n, ast.Import):
                names = [a.name for a in n.names]
            elif isinstance(n, ast.ImportFrom) and n.level == 0:
                names = [n.module or ""]
            if any(m == "sample" or m.startswith("sample.") for m in names):
                importers.append(path.relative_to(ROOT).as_posix())
    assert importers and all(p.startswith("analytics/cli") for p in importers), importers
    assert not (ROOT / "analytics" / "sample.py").exists()
