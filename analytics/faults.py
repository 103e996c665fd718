"""Named fault points: the one way tests make production code fail at a chosen place.

Production code marks the places a test needs to break with a call

    faults.point("store.commit.inside_transaction")

which does nothing (one dictionary lookup and one environment read) unless the environment
variable `TASKS_FAULTS` names that point. `TASKS_FAULTS` is a comma-separated list of point
names, read at every call, so a test sets it for a child process (`env_with`) or for its own
process (`monkeypatch.setenv`). A named point then does what `POINTS` says; the one action so
far is "exit": the process ends at once with exit code 137, as `kill -9` would end it (no
cleanup, no `finally`, no atexit; an open DuckDB transaction is left for the next open to roll
back). A new kind of fault (raising an error, say) is a new action here, not a new flag.

Every point is listed in `POINTS` with the test that uses it; a name that is not listed, in a
`point()` call or in `TASKS_FAULTS`, raises at once (a typo in a test must not make it pass
silently). There are no other test-only branches in production functions: add a point here.

Not a setting for users: nothing in the dashboard or the command line sets `TASKS_FAULTS`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

ENV = "TASKS_FAULTS"
EXIT_CODE = 137  # what a shell reports for a process killed by SIGKILL (128 + 9)

# name -> action ("exit"), with the test that uses it
POINTS: dict[str, str] = {
    # tests/test_store.py test_killed_ingest_leaves_previous_state: a commit dies inside its
    # open transaction, after the tasks are staged; the store keeps its previous state.
    "store.commit.inside_transaction": "exit",
    # tests/test_export_cli.py test_a_killed_export_leaves_the_folder_as_it_was: an export dies
    # with half its files written; the folder keeps its earlier set, the next export clears up.
    "export.set.between_files": "exit",
}


def active(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The point names TASKS_FAULTS sets (ValueError for a name not in POINTS)."""
    raw = (os.environ if environ is None else environ).get(ENV, "")
    names = frozenset(n.strip() for n in raw.split(",") if n.strip())
    unknown = sorted(names - POINTS.keys())
    if unknown:
        raise ValueError(f"{ENV} names unknown fault points: {', '.join(unknown)}")
    return names


def point(name: str) -> None:
    """A place where a test may make this process fail (see the module's docstring)."""
    action = POINTS.get(name)
    if action is None:
        raise KeyError(f"unknown fault point {name!r} (analytics/faults.py POINTS)")
    if not os.environ.get(ENV) or name not in active():
        return
    if action == "exit":
        os._exit(EXIT_CODE)
    raise AssertionError(f"fault point {name!r}: unknown action {action!r}")


def env_with(*names: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of the environment (or `base`) with TASKS_FAULTS naming `names`, for a child."""
    env = dict(os.environ if base is None else base)
    env[ENV] = ",".join(names)
    active(env)  # refuse an unknown name here, in the test, not in the child
    return env
