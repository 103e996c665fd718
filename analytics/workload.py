"""The monthly workload of one calendar year, from a task frame judged at an as-of date.

Pure functions over the frame `store.load_tasks` returns (columns deadline, completed, status,
completion_date, lead_ids ...). They answer the Deputy Prime Minister's request of 28/08/2025:
"clearly see how many tasks must be completed each month, and which agencies will carry them out".

Definitions (all at the as-of date of the frame):
- due: tasks whose deadline falls in the month; completed / remaining split them, exactly as
  `metrics.by_month` does (so the figures equal the command line's `summary`).
- backlog: open tasks whose deadline is before the first day of the month (carried into it).
- planned_cum / actual_cum: the cumulative number of the year's tasks due by the end of each month,
  against the cumulative number of them completed by the end of each month (by completion date;
  a completion without a recorded date counts in the as-of month; one before the year in January).
- pace: the open tasks due in the year divided by the months left, the as-of month included.
Cancelled tasks are in none of these (they are not due); `pace` counts them apart (`cancelled`).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from analytics import metrics

STATUS_COLUMNS = (
    "completed_on_time",
    "completed_late",
    "completed_timing_unknown",
    "in_progress",
    "overdue",
)
MONTH_COLUMNS = (
    "month",
    "due",
    "completed",
    "remaining",
    *STATUS_COLUMNS,
    "backlog",
    "planned_cum",
    "completed_in_month",
    "actual_cum",
)


def months_of(year: int) -> list[str]:
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


def _month_start(month: str) -> pd.Timestamp:
    return pd.Timestamp(f"{month}-01")


def years(df: pd.DataFrame, as_of: dt.date) -> list[int]:
    """Years that have a deadline in the frame, and the as-of year (sorted)."""
    found = {as_of.year}
    if len(df) and df["deadline"].notna().any():
        found |= {int(y) for y in pd.to_datetime(df["deadline"]).dropna().dt.year.unique()}
    return sorted(found)


def _dated(df: pd.DataFrame) -> pd.DataFrame:
    """The tasks with a deadline, cancelled ones left out."""
    df = metrics.counted(df)
    if df.empty:
        return df
    return df[df["deadline"].notna()]


def _in_year(df: pd.DataFrame, year: int) -> pd.DataFrame:
    dated = _dated(df)
    if dated.empty:
        return dated
    return dated[pd.to_datetime(dated["deadline"]).dt.year == year]


def open_mask(df: pd.DataFrame) -> pd.Series:
    return ~df["completed"].astype(bool)


def monthly(df: pd.DataFrame, year: int, as_of: dt.date) -> pd.DataFrame:
    """One row per month of `year` (all twelve), columns MONTH_COLUMNS."""
    months = months_of(year)
    base = metrics.by_month(df)
    table = pd.DataFrame({"month": months}).merge(
        base[["month", "due", "completed", "remaining"]], on="month", how="left"
    )
    year_df = _in_year(df, year)
    if len(year_df):
        month = pd.to_datetime(year_df["deadline"]).dt.strftime("%Y-%m")
        split = pd.crosstab(month, year_df["status"])
        split.index.name = "month"
        split = split.reset_index()
        split.columns.name = None
        table = table.merge(split, on="month", how="left")
    for col in STATUS_COLUMNS:
        if col not in table.columns:
            table[col] = 0
    for col in ("due", "completed", "remaining", *STATUS_COLUMNS):
        table[col] = table[col].fillna(0).astype("int64")

    dated = _dated(df)
    if len(dated):
        open_deadlines = pd.to_datetime(dated.loc[open_mask(dated), "deadline"])
        table["backlog"] = [int((open_deadlines < _month_start(m)).sum()) for m in months]
    else:
        table["backlog"] = 0
    table["backlog"] = table["backlog"].astype("int64")

    table["planned_cum"] = table["due"].cumsum().astype("int64")
    table["completed_in_month"] = completions_by_month(df, year, as_of)
    actual = table["completed_in_month"].cumsum().astype("float64")
    last = last_reported_month(year, as_of)
    table["actual_cum"] = actual.where(pd.Series(months) <= last) if last else float("nan")
    return table[list(MONTH_COLUMNS)]


def last_reported_month(year: int, as_of: dt.date) -> str | None:
    """The last month of `year` whose completions are known at `as_of` (None: the year is ahead)."""
    if as_of.year < year:
        return None
    if as_of.year > year:
        return f"{year:04d}-12"
    return f"{year:04d}-{as_of.month:02d}"


def completions_by_month(df: pd.DataFrame, year: int, as_of: dt.date) -> list[int]:
    """How many of the tasks due in `year` were completed in each of its months (see module doc)."""
    year_df = _in_year(df, year)
    out = [0] * 12
    if year_df.empty:
        return out
    done = year_df[year_df["completed"].astype(bool)]
    if done.empty:
        return out
    fallback = pd.Timestamp(as_of)
    when = pd.to_datetime(done["completion_date"]).fillna(fallback)
    start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    when = when.clip(lower=start, upper=end)
    for m in when.dt.month:
        out[int(m) - 1] += 1
    return out


def pace(df: pd.DataFrame, year: int, as_of: dt.date) -> dict:
    """What it takes to finish the year's tasks: open, months left, tasks per month needed."""
    year_df = _in_year(df, year)
    open_df = year_df[open_mask(year_df)] if len(year_df) else year_df
    n_open = int(len(open_df))
    overdue = int((open_df["status"] == "overdue").sum()) if n_open else 0
    if as_of.year < year:
        months_left = 12
    elif as_of.year > year:
        months_left = 0
    else:
        months_left = 12 - as_of.month + 1
    per_month = n_open / months_left if months_left else None
    done = completions_by_month(df, year, as_of)
    elapsed = 0 if as_of.year < year else (12 if as_of.year > year else as_of.month)
    achieved = sum(done[:elapsed]) / elapsed if elapsed else None
    cancelled = metrics.cancelled(df)
    if len(cancelled):
        deadline_year = pd.to_datetime(cancelled["deadline"]).dt.year
        cancelled = cancelled[deadline_year == year]
    return {
        "year": year,
        "due": int(len(year_df)),
        "open": n_open,
        "overdue": overdue,
        "months_left": months_left,
        "per_month": per_month,
        "per_month_ceil": math.ceil(per_month) if per_month is not None else None,
        "achieved_per_month": achieved,
        "cancelled": int(len(cancelled)),
    }


def agency_month(
    df: pd.DataFrame,
    agencies: pd.DataFrame,
    year: int,
    lang: str = "vi",
    scope_ids=None,
    top: int | None = 15,
) -> pd.DataFrame:
    """Open tasks per lead agency and deadline month of `year` (a task with two leads counts for
    each). Columns: agency_id, agency, one per month ('YYYY-MM'), total; sorted by total, the
    `top` agencies (all when None). Agencies outside `scope_ids` are left out."""
    months = months_of(year)
    columns = ["agency_id", "agency", *months, "total"]
    year_df = _in_year(df, year)
    if year_df.empty:
        return pd.DataFrame(columns=columns)
    open_df = year_df[open_mask(year_df)]
    per = metrics.roll_up(metrics.explode_leads(open_df), agencies, keep=scope_ids)
    if scope_ids is not None:
        per = per[per["agency_id"].isin(scope_ids)]
    if per.empty:
        return pd.DataFrame(columns=columns)
    month = pd.to_datetime(per["deadline"]).dt.strftime("%Y-%m")
    wide = pd.crosstab(per["agency_id"], month)
    wide = wide.reindex(columns=months, fill_value=0)
    wide.columns.name = None
    wide["total"] = wide[months].sum(axis=1)
    wide = wide.reset_index()
    wide.insert(1, "agency", wide["agency_id"].map(agency_names(agencies, lang)))
    wide["agency"] = wide["agency"].fillna(wide["agency_id"])
    wide = wide.sort_values(["total", "agency"], ascending=[False, True]).reset_index(drop=True)
    if top is not None:
        wide = wide.head(top)
    return wide[columns].astype({m: "int64" for m in [*months, "total"]})


def agency_names(agencies: pd.DataFrame, lang: str) -> dict[str, str]:
    """agency_id → name in `lang` (Vietnamese when the English name is missing)."""
    if agencies is None or agencies.empty:
        return {}
    vi = agencies["name_vi"]
    names = vi if lang == "vi" else agencies["name_en"].where(agencies["name_en"].notna(), vi)
    names = names.where(names.astype(str).str.len() > 0, vi)
    return dict(zip(agencies["agency_id"], names, strict=False))


def due_in_month(df: pd.DataFrame, month: str, open_only: bool = True) -> pd.DataFrame:
    """The tasks whose deadline falls in `month` ('YYYY-MM'), open ones only by default."""
    dated = _dated(df)
    if dated.empty:
        return dated
    mask = pd.to_datetime(dated["deadline"]).dt.strftime("%Y-%m") == month
    if open_only:
        mask &= open_mask(dated)
    return dated[mask].sort_values(["deadline", "source", "task_id"])
