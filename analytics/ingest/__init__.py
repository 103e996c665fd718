"""From file bytes to validated canonical tasks, and from there to a snapshot in the store.

Callers use this package's names (`from analytics.ingest import prepare, ingest`); its modules,
in the order a file goes through them:

- `planning`: `prepare`, a file read (analytics.reading) and resolved, not yet stored
  (`Prepared`): which sheets, which source, the rows held back;
- `resolution`: `resolve_rows`, the rows of one sheet become canonical tasks (a TaskBatch);
- `checks`: the checks every row goes through (`Check`), with their bilingual problems;
- `cells`: cell values as the checks and the tasks take them;
- `commit`: `ingest`, read, validate and store one file as one snapshot.
"""

from analytics.ingest.checks import Check
from analytics.ingest.commit import ingest
from analytics.ingest.planning import (
    KNOWN_SOURCES,
    SOURCE_NQ71,
    SOURCE_TBKL,
    Prepared,
    detect_source,
    prepare,
)
from analytics.ingest.resolution import agency_resolver, held_back_rows, resolve_rows

__all__ = [
    "KNOWN_SOURCES",
    "SOURCE_NQ71",
    "SOURCE_TBKL",
    "Check",
    "Prepared",
    "agency_resolver",
    "detect_source",
    "held_back_rows",
    "ingest",
    "prepare",
    "resolve_rows",
]
