"""The DuckDB task store: dated, versioned snapshots and the state as of any date.

Callers use this package's names (`from analytics import store`; `store.load_tasks(...)`); its
three modules are one concern each:

- `connection`: where the file is, short-lived connections retried while another process holds
  the file, the schema kept in place, the process's write lock, the named queries (`sql`);
- `snapshots`: writing, one file as one snapshot, all or nothing; retracting and restoring;
- `queries`: reading, the state in force at a date, the snapshots, their warnings and
  held-back rows, the agencies, the stored files.
"""

from analytics.problems import StoreBusy
from analytics.store.connection import (
    DEFAULT_DB,
    ROOT,
    SCHEMA_VERSION,
    SQL_DIR,
    STORAGE_VERSION,
    _write_lock,
    connect,
    db_path,
    sql,
    version_token,
)
from analytics.store.proposals import admitted, proposed_ids
from analytics.store.queries import (
    file_bytes,
    filter_params,
    held_back_in_force,
    is_empty,
    latest_as_of,
    list_agencies,
    list_held_back,
    list_snapshots,
    list_warnings,
    load_tasks,
    sheet_names,
    snapshots_in_force,
    source_docs,
    sources,
    storage_counts,
    units_of,
    with_units,
    with_units_of,
)
from analytics.store.snapshots import (
    CONTENT_HASH_ENGINE,
    CommitResult,
    StaleBase,
    commit_snapshot,
    find_duplicate,
    judge_tasks,
    set_snapshot_status,
    sha256,
    sheet_text,
    tasks_to_arrow,
)

__all__ = [
    "CONTENT_HASH_ENGINE",
    "DEFAULT_DB",
    "ROOT",
    "SCHEMA_VERSION",
    "SQL_DIR",
    "STORAGE_VERSION",
    "CommitResult",
    "StaleBase",
    "StoreBusy",  # analytics.problems', what connect raises when the file stays locked
    "_write_lock",  # the process's one write lock, held by every module that writes the store
    "admitted",  # store/proposals.py: an agency file's tasks but its proposals (the preview)
    "commit_snapshot",
    "connect",
    "db_path",
    "file_bytes",
    "filter_params",
    "find_duplicate",
    "held_back_in_force",
    "is_empty",
    "judge_tasks",
    "latest_as_of",
    "list_agencies",
    "list_held_back",
    "list_snapshots",
    "list_warnings",
    "load_tasks",
    "proposed_ids",
    "set_snapshot_status",
    "sha256",
    "sheet_names",
    "sheet_text",
    "snapshots_in_force",
    "source_docs",
    "sources",
    "sql",
    "storage_counts",
    "tasks_to_arrow",
    "units_of",
    "version_token",
    "with_units",
    "with_units_of",
]
