"""Figures leaders quote, computed from a task frame (see store.load_tasks). Pure functions.

Cancelled tasks (status `cancelled`) are counted apart: `total` is the tasks in the list less the
cancelled ones, and every rate, split and month counts the same tasks; `cancelled` is their
number, shown beside the total.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.i18n import fmt_int, t
from analytics.model import COUNTED_STATUSES, STATUSES

COUNT_KEYS = (
    "total",
    "completed",
    "completed_on_time",
    "completed_late",
    "completed_timing_unknown",
    "overdue",
    "in_progress",
    "no_deadline",
    "cancelled",
)
COMPLETED = ("completed_on_time", "completed_late", "completed_timing_unknown")


def counted(df: pd.DataFrame) -> pd.DataFrame:
    """The tasks the figures count: all but the cancelled ones (counted and listed apart)."""
    if df.empty or "status" not in df.columns:
        return df
    return df[df["status"] != "cancelled"]


def cancelled(df: pd.DataFrame) -> pd.DataFrame:
    """The cancelled tasks of a task frame."""
    if "status" not in df.columns:
        return df.iloc[0:0]
    return df[df["status"] == "cancelled"]


def counts(df: pd.DataFrame) -> dict[str, int]:
    """COUNTS of a task frame (`total` leaves the cancelled tasks out; `cancelled` counts them)."""
    by_status = df["status"].value_counts() if len(df) else pd.Series(dtype=int)
    out = {}
    for status in STATUSES:
        out[status] = int(by_status.get(status, 0))
    out["total"] = sum(out[s] for s in COUNTED_STATUSES)
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
    wide["total"] = wide[list(COUNTED_STATUSES)].sum(axis=1)
    wide["completed"] = wide[list(COMPLETED)].sum(axis=1)
    wide = wide.reset_index()
    wide.columns.name = None
    return wide[[*keys, *COUNT_KEYS]].astype({k: "int64" for k in COUNT_KEYS})


def due_completion_rate(c: dict[str, int], due: int, due_completed: int) -> float | None:
    return None if due == 0 else due_completed / due


def headline(df: pd.DataFrame, as_of: dt.date) -> dict:
    """COUNTS plus the completion rate among tasks already due at `as_of`."""
    c = counts(df)
    df = counted(df)
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


def roll_up(per: pd.DataFrame, agencies: pd.DataFrame, keep=None) -> pd.DataFrame:
    """Rows per (task, lead agency) with each registered unit's rows counted for its parent (the
    overall view: a ministry's figures hold its units' tasks). `agencies`: store.list_agencies
    (its parent_id column); a unit in `keep` without its parent stays as it is (a view of the
    unit itself). A task led by a ministry and its unit counts once for the ministry. The one
    place a unit is mapped to its parent (its counterpart, widening a parent's filter, is
    store.with_units)."""
    if per.empty or agencies is None or "parent_id" not in agencies.columns:
        return per
    units = agencies[agencies["parent_id"].notna()]
    parents = dict(zip(units["agency_id"], units["parent_id"], strict=True))
    kept = set(keep or ())
    for agency_id in kept:
        if parents.get(agency_id) not in kept:
            parents.pop(agency_id, None)
    if not parents:
        return per
    mapped = per["agency_id"].map(parents)
    if not mapped.notna().any():
        return per
    per = per.assign(agency_id=mapped.fillna(per["agency_id"]))
    return per.drop_duplicates(subset=["source", "task_id", "agency_id"])


def units_of(agencies: pd.DataFrame, parent_id: str) -> list[str]:
    """The registered units of `parent_id` among `agencies` (store.list_agencies)."""
    if agencies is None or "parent_id" not in agencies.columns:
        return []
    return sorted(agencies.loc[agencies["parent_id"] == parent_id, "agency_id"])


def by_unit(df: pd.DataFrame, agencies: pd.DataFrame, as_of: dt.date, parent_id: str):
    """A parent's figures by its units (by_agency's columns): a row per unit leading tasks of
    `df`, and the parent's own row for the tasks it leads itself (nothing rolled up)."""
    ids = {parent_id, *units_of(agencies, parent_id)}
    per = explode_leads(df)
    return _agency_table(per[per["agency_id"].isin(ids)], agencies, as_of)


def by_agency(
    df: pd.DataFrame, agencies: pd.DataFrame, as_of: dt.date, scope_ids=None
) -> pd.DataFrame:
    """COUNTS per lead agency with names and type, `late` and the completion rate among due.
    A unit's tasks count for its parent (roll_up), unless `scope_ids` names the unit and not
    its parent."""
    per = roll_up(explode_leads(df), agencies, keep=scope_ids)
    if scope_ids is not None:
        per = per[per["agency_id"].isin(scope_ids)]
    return _agency_table(per, agencies, as_of)


def _agency_table(per: pd.DataFrame, agencies: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """by_agency's table from rows per (task, lead agency)."""
    table = _count_frame(per, ["agency_id"])
    per = counted(per)
    if not per.empty:
        due_mask = per["deadline"].notna() & (
            pd.to_datetime(per["deadline"]) <= pd.Timestamp(as_of)
        )
        due = per.assign(due=due_mask, due_completed=due_mask & per["completed"].astype(bool))
        due = due.groupby("agency_id")[["due", "due_completed"]].sum().reset_index()
        table = table.merge(due, on="agency_id", how="left")
        # an agency whose tasks are all cancelled has none due
        table[["due", "due_completed"]] = table[["due", "due_completed"]].fillna(0).astype("int64")
    else:
        table["due"] = pd.Series(0, index=table.index, dtype="int64")
        table["due_completed"] = pd.Series(0, index=table.index, dtype="int64")
    table = table.merge(
        agencies.drop(columns=["parent_id"], errors="ignore"), on="agency_id", how="left"
    )
    table["name_vi"] = table["name_vi"].fillna(table["agency_id"])
    table["name_en"] = table["name_en"].fillna(table["name_vi"])
    table["agency_type"] = table["agency_type"].fillna("other")
    table["late"] = table["overdue"] + table["completed_late"]
    table["due_completion_rate"] = (table["due_completed"] / table["due"]).where(table["due"] > 0)
    return table.sort_values(["late", "overdue", "total"], ascending=False).reset_index(drop=True)


def by_month(df: pd.DataFrame) -> pd.DataFrame:
    """Per deadline month: due, completed (as of the frame's date), remaining (overdue included);
    cancelled tasks are not due."""
    df = counted(df)
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


SUMMARY_REPORTED = ("reported_completed", "deadline_adjusted", "commitments_missed")
"""What agencies reported, in `summary`'s totals and agency rows beside COUNT_KEYS (reconciled)."""


def summary_dict(df: pd.DataFrame, agencies: pd.DataFrame, as_of: dt.date, scope_ids=None) -> dict:
    """The command line's `summary` document: COUNT_KEYS and SUMMARY_REPORTED in the totals and
    per agency, COUNT_KEYS per source, the months."""
    src = by_source(df)
    ag = by_agency(df, agencies, as_of, scope_ids).sort_values("agency_id")
    reported = reconciled_by_agency(df, agencies, scope_ids).set_index("agency_id")
    totals = reconciled(df)
    months = by_month(df)

    def agency_reported(agency_id) -> dict[str, int]:
        row = reported.loc[agency_id] if agency_id in reported.index else None
        return {k: int(row[k]) if row is not None else 0 for k in SUMMARY_REPORTED}

    return {
        "as_of": as_of.isoformat(),
        "totals": {**counts(df), **{k: totals[k] for k in SUMMARY_REPORTED}},
        "by_source": _records(src, ["source", *COUNT_KEYS]),
        "by_agency": [
            {
                "agency": r["name_vi"],
                "agency_en": r["name_en"],
                "agency_id": r["agency_id"],
                "agency_type": r["agency_type"],
                **{k: int(r[k]) for k in COUNT_KEYS},
                **agency_reported(r["agency_id"]),
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


def held_back_notices(held: pd.DataFrame, lang: str = "vi") -> list[str]:
    """The notices "N rows of file F could not be read", one per snapshot in force with rows held
    back (`held`: store.held_back_in_force), for every page and report that shows its figures."""
    if held is None or held.empty:
        return []
    return [
        t(
            "held_back.notice_one" if r.n_rows == 1 else "held_back.notice",
            lang,
            n=fmt_int(int(r.n_rows), lang),
            file=r.file_name or "?",
        )
        for r in held.itertuples()
    ]


RECONCILED_KEYS = (
    "reported_completed",
    "reported_completed_overdue",
    "completed_reconciled",
    "overdue_reconciled",
    "deadline_adjusted",
    "commitments_missed",
)


def reconciled(df: pd.DataFrame) -> dict[str, int]:
    """Beside the official figures, what agencies reported (issue 15): reported_completed, the
    tasks reported completed and awaiting confirmation that are not officially completed (of
    them reported_completed_overdue counted overdue); completed_reconciled and
    overdue_reconciled, the official figures with those claims taken as confirmed;
    deadline_adjusted, tasks judged by an approved new deadline; commitments_missed, tasks not
    completed by the date their agency committed to. Cancelled tasks are not counted."""
    df = counted(df)

    def flag(name: str) -> pd.Series:
        if name not in df.columns or df.empty:
            return pd.Series(False, index=df.index)
        return df[name].fillna(False).astype(bool)

    claimed = flag("reported_completed")
    overdue = df["status"] == "overdue" if len(df) else pd.Series(False, index=df.index)
    completed = df["completed"].astype(bool) if len(df) else pd.Series(False, index=df.index)
    out = {
        "reported_completed": int(claimed.sum()),
        "reported_completed_overdue": int((claimed & overdue).sum()),
        "completed_reconciled": int((completed | claimed).sum()),
        "overdue_reconciled": int((overdue & ~claimed).sum()),
        "deadline_adjusted": int(flag("deadline_adjusted").sum()),
        "commitments_missed": int(flag("commitment_missed").sum()),
    }
    return out


def reconciled_by_agency(df: pd.DataFrame, agencies: pd.DataFrame, scope_ids=None) -> pd.DataFrame:
    """RECONCILED_KEYS per lead agency (a unit's tasks count for its parent, as in by_agency)."""
    per = counted(roll_up(explode_leads(df), agencies, keep=scope_ids))
    if scope_ids is not None:
        per = per[per["agency_id"].isin(scope_ids)]
    rows = [{"agency_id": a, **reconciled(g)} for a, g in per.groupby("agency_id", sort=True)]
    return pd.DataFrame(rows, columns=["agency_id", *RECONCILED_KEYS])
