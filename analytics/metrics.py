"""Figures leaders quote, computed from a task frame (see store.load_tasks). Pure functions."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.model import STATUSES

COUNT_KEYS = (
    "total",
    "completed",
    "completed_on_time",
    "completed_late",
    "completed_timing_unknown",
    "overdue",
    "in_progress",
    "no_deadline",
)
COMPLETED = ("completed_on_time", "completed_late", "completed_timing_unknown")


def counts(df: pd.DataFrame) -> dict[str, int]:
    """COUNTS of a task frame."""
    by_status = df["status"].value_counts() if len(df) else pd.Series(dtype=int)
    out = {"total": int(len(df))}
    for status in STATUSES:
        out[status] = int(by_status.get(status, 0))
    out["completed"] = sum(out[s] for s in COMPLETED)
    return {k: out[k] for k in COUNT_KEYS}


def _count_frame(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """COUNTS per group of `keys` (one row per group, statuses as columns)."""
    if df.empty:
        return pd.DataFrame(columns=[*keys, *COUNT_KEYS])
    wide = pd.crosstab([df[k] for k in keys], df["status"])
    for status in STATUSES:
        if status not in wide.columns:
            wide[status] = 0
    wide["total"] = wide[list(STATUSES)].sum(axis=1)
    wide["completed"] = wide[list(COMPLETED)].sum(axis=1)
    wide = wide.reset_index()
    wide.columns.name = None
    return wide[[*keys, *COUNT_KEYS]].astype({k: "int64" for k in COUNT_KEYS})


def due_completion_rate(c: dict[str, int], due: int, due_completed: int) -> float | None:
    return None if due == 0 else due_completed / due


def headline(df: pd.DataFrame, as_of: dt.date) -> dict:
    """COUNTS plus the completion rate among tasks already due at `as_of`."""
    c = counts(df)
    if len(df):
        due_mask = df["deadline"].notna() & (pd.to_datetime(df["deadline"]) <= pd.Timestamp(as_of))
        due = int(due_mask.sum())
        due_completed = int((due_mask & df["completed"].astype(bool)).sum())
    else:
        due = due_completed = 0
    c["due"] = due
    c["due_completed"] = due_completed
    c["due_completion_rate"] = None if due == 0 else round(due_completed / due, 4)
    c["late"] = c["overdue"] + c["completed_late"]
    return c


def by_source(df: pd.DataFrame) -> pd.DataFrame:
    return _count_frame(df, ["source"])


def explode_leads(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (task, lead agency): a task with two leads counts once for each."""
    if df.empty:
        return df.assign(agency_id=pd.Series(dtype=str))
    out = df.explode("lead_ids").rename(columns={"lead_ids": "agency_id"})
    return out[out["agency_id"].notna()]


def by_agency(
    df: pd.DataFrame, agencies: pd.DataFrame, as_of: dt.date, scope_ids=None
) -> pd.DataFrame:
    """COUNTS per lead agency with names and type, `late` and the completion rate among due."""
    per = explode_leads(df)
    if scope_ids is not None:
        per = per[per["agency_id"].isin(scope_ids)]
    table = _count_frame(per, ["agency_id"])
    if not per.empty:
        due_mask = per["deadline"].notna() & (
            pd.to_datetime(per["deadline"]) <= pd.Timestamp(as_of)
        )
        due = per.assign(due=due_mask, due_completed=due_mask & per["completed"].astype(bool))
        due = due.groupby("agency_id")[["due", "due_completed"]].sum().reset_index()
        table = table.merge(due, on="agency_id", how="left")
    else:
        table["due"] = pd.Series(dtype="int64")
        table["due_completed"] = pd.Series(dtype="int64")
    table = table.merge(agencies, on="agency_id", how="left")
    table["name_vi"] = table["name_vi"].fillna(table["agency_id"])
    table["name_en"] = table["name_en"].fillna(table["name_vi"])
    table["agency_type"] = table["agency_type"].fillna("other")
    table["late"] = table["overdue"] + table["completed_late"]
    table["due_completion_rate"] = (table["due_completed"] / table["due"]).where(table["due"] > 0)
    return table.sort_values(["late", "overdue", "total"], ascending=False).reset_index(drop=True)


def by_month(df: pd.DataFrame) -> pd.DataFrame:
    """Per deadline month: due, completed (as of the frame's date), remaining (overdue included)."""
    if df.empty or df["deadline"].notna().sum() == 0:
        return pd.DataFrame(columns=["month", "due", "completed", "remaining", "overdue"])
    dated = df[df["deadline"].notna()]
    month = pd.to_datetime(dated["deadline"]).dt.strftime("%Y-%m")
    completed = dated["completed"].astype(bool)
    frame = pd.DataFrame(
        {
            "month": month,
            "due": 1,
            "completed": completed.astype(int),
            "overdue": (dated["status"] == "overdue").astype(int),
        }
    )
    out = frame.groupby("month", as_index=False)[["due", "completed", "overdue"]].sum()
    out["remaining"] = out["due"] - out["completed"]
    return (
        out[["month", "due", "completed", "remaining", "overdue"]]
        .sort_values("month")
        .reset_index(drop=True)
    )


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    out = []
    for rec in frame[columns].to_dict("records"):
        out.append(
            {k: (int(v) if hasattr(v, "item") and k in COUNT_KEYS else v) for k, v in rec.items()}
        )
    return out


def summary_dict(df: pd.DataFrame, agencies: pd.DataFrame, as_of: dt.date, scope_ids=None) -> dict:
    """The command line's `summary` document."""
    src = by_source(df)
    ag = by_agency(df, agencies, as_of, scope_ids).sort_values("agency_id")
    months = by_month(df)
    return {
        "as_of": as_of.isoformat(),
        "totals": counts(df),
        "by_source": _records(src, ["source", *COUNT_KEYS]),
        "by_agency": [
            {
                "agency": r["name_vi"],
                "agency_en": r["name_en"],
                "agency_id": r["agency_id"],
                "agency_type": r["agency_type"],
                **{k: int(r[k]) for k in COUNT_KEYS},
            }
            for r in ag.to_dict("records")
        ],
        "by_month": [
            {
                "month": r["month"],
                "due": int(r["due"]),
                "completed": int(r["completed"]),
                "remaining": int(r["remaining"]),
            }
            for r in months.to_dict("records")
        ],
    }
