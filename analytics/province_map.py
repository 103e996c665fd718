"""The map of provinces on the Briefing (issue 16): the 34 provinces after 1 Jul 2025 as a tile
grid, one square per province placed geographically (data/reference/province_grid.csv; no
licensed boundary geometry of the new provinces exists), and each province's figures from the
tasks in view. Pure functions (no Streamlit): ui/province_map.py draws them.

A province's figures are by_agency's (analytics/metrics.py): the tasks it leads, a co-led task
counting for each lead, a registered unit's tasks for its province, cancelled tasks outside the
total. `completion_rate` = completed / total (all the tasks, not only those due); None when the
province leads no task.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Collection
from pathlib import Path

import pandas as pd

GRID_PATH = Path(__file__).resolve().parent.parent / "data" / "reference" / "province_grid.csv"
MEASURES = ("overdue", "completion_rate")
"""What the squares are coloured by: overdue tasks (a count) or the completion rate."""

GRID_COLUMNS = ("agency_id", "code", "name_vi", "name_en", "short_vi", "short_en", "row", "col")
FIGURE_COLUMNS = ("total", "completed", "overdue", "completion_rate", "has_tasks", "in_scope")


@functools.cache
def _grid_rows() -> tuple[dict, ...]:
    with GRID_PATH.open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def grid() -> pd.DataFrame:
    """The tile grid: one row per province (GRID_COLUMNS), `row` 0 the northernmost, `col` 0 the
    westernmost."""
    frame = pd.DataFrame(list(_grid_rows()), columns=list(GRID_COLUMNS))
    return frame.astype({"row": "int64", "col": "int64"})


def province_figures(by_agency: pd.DataFrame | None, scope_ids: Collection[str] | None = None):
    """Every province of the grid with its figures from `by_agency` (metrics.by_agency of the
    tasks in view): total, completed, overdue (ints, 0 without tasks), completion_rate
    (completed / total, None without tasks), has_tasks, and in_scope (False for a province the
    viewer's scope does not name; its figures are left at 0: nothing of it is shown)."""
    out = grid()
    cols = ["agency_id", "total", "completed", "overdue"]
    empty = by_agency is None or by_agency.empty
    table = pd.DataFrame(columns=cols) if empty else by_agency[cols]
    out = out.merge(table, on="agency_id", how="left")
    out["in_scope"] = True if scope_ids is None else out["agency_id"].isin(list(scope_ids))
    for name in ("total", "completed", "overdue"):
        out[name] = out[name].fillna(0).where(out["in_scope"], 0).astype("int64")
    out["has_tasks"] = out["total"] > 0
    rate = out["completed"] / out["total"].where(out["has_tasks"])
    out["completion_rate"] = rate.astype(object).where(out["has_tasks"], None)
    return out[[*GRID_COLUMNS, *FIGURE_COLUMNS]]


def shown(figures: pd.DataFrame) -> bool:
    """Whether the map is drawn: some province is in the viewer's scope (a ministry viewer
    without provinces sees no map)."""
    return bool(figures["in_scope"].any())


def value(row, measure: str) -> float | None:
    """The value a square is coloured by (None: no tasks, drawn grey)."""
    if not row["has_tasks"]:
        return None
    if measure == "overdue":
        return float(row["overdue"])
    return float(row["completion_rate"])
