"""Queries across snapshots (the Trends and Data pages) and the Data page's task search.

Every query goes through `store.connect` with bound parameters only; SQL lives in
analytics/sql/history_*.sql. The access scope is applied in the SQL as tasks_at.sql applies it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

import pandas as pd

from analytics import store
from analytics.metrics import COUNT_KEYS
from analytics.model import Filters, Scope
from analytics.text import fold

log = logging.getLogger("dashboard.history")

STATUSES_ALLOWED = ("active", "retracted")
ACTIONS = {"retracted": "retract", "active": "restore"}


def trend(db, filters: Filters = Filters(), scope: Scope = Scope.everything()) -> pd.DataFrame:  # noqa: B008
    """Counts by status at every active snapshot date D, the state at D judged at D.

    One query (history_trend.sql) for all dates. Columns: as_of (date) and metrics.COUNT_KEYS;
    each row equals `metrics.counts(store.load_tasks(db, D, filters, scope))`.
    """
    with store.connect(db) as con:
        params = store.with_units(con, store.filter_params(filters, scope))
        frame = con.execute(store.sql("history_trend"), params).df()
    if frame.empty:
        return pd.DataFrame(columns=["as_of", *COUNT_KEYS])
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame[["as_of", *COUNT_KEYS]].astype({k: "int64" for k in COUNT_KEYS})


def snapshot_dates(snapshots: pd.DataFrame, sources=()) -> list[dt.date]:
    """The dates of active snapshots (of `sources`, all when empty), oldest first."""
    if snapshots is None or snapshots.empty:
        return []
    active = snapshots[snapshots["status"] == "active"]
    if sources:
        active = active[active["source"].isin(list(sources))]
    return sorted({pd.Timestamp(d).date() for d in active["as_of"]})


# --------------------------------------------------------------------------- the Data page


def warnings(db, snapshot_id: int | None = None) -> pd.DataFrame:
    """The problems recorded when the files were read, for one snapshot or all."""
    return store.list_warnings(db, None if snapshot_id is None else [int(snapshot_id)])


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;]+')


def safe_file_name(name: object, fallback: str = "snapshot.xlsx") -> str:
    """A file name to offer for download: the last part only, no control or path characters.

    The stored name is text the uploader chose; it is never used as a path here."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = PureWindowsPath(PurePosixPath(text).name).name
    text = _UNSAFE.sub("_", text).strip(" .")
    return text[:150] or fallback


def original_file(db, snapshot_id: int) -> tuple[bytes, str] | None:
    """(the bytes of the file a snapshot was read from, a safe name to offer), or None."""
    snaps = store.list_snapshots(db)
    row = snaps.loc[snaps["snapshot_id"] == int(snapshot_id)]
    if row.empty:
        return None
    rec = row.iloc[0]
    sha = rec["file_sha256"]
    if not isinstance(sha, str) or not sha:
        return None
    data = store.file_bytes(db, sha)
    if data is None:
        return None
    return data, safe_file_name(rec["file_name"])


def set_status(db, snapshot_id: int, status: str, username: str | None) -> bool:
    """Retract ('retracted') or restore ('active') a snapshot and record who did it.

    The audit record is written by analytics.audit.record; a failure to record is
    logged, never hidden by undoing the change (the snapshot row keeps who changed it, too)."""
    if status not in STATUSES_ALLOWED:
        raise ValueError(f"unknown snapshot status {status!r}")
    done = store.set_snapshot_status(db, int(snapshot_id), status, user=username)
    if not done:
        return False
    from analytics import audit

    try:
        audit.record(db, username, ACTIONS[status], target=str(int(snapshot_id)))
    except Exception:  # the change is made: say so in the log, do not undo it
        log.exception("could not record %s of snapshot %s", ACTIONS[status], snapshot_id)
    return True


# --------------------------------------------------------------------------- task search


def _names(ids, names: dict[str, str]) -> str:
    if ids is None:
        return ""
    return " | ".join(names.get(i, i) for i in ids)


def search_index(df: pd.DataFrame, agencies: pd.DataFrame) -> pd.Series:
    """Per task: its id, title and agencies (ids, names in both languages, text as written),
    folded (lower case, no diacritics). Aligned with `df`'s index."""
    if df.empty:
        return pd.Series([], index=df.index, dtype=object)
    both: dict[str, str] = {}
    if agencies is not None and len(agencies):
        for rec in agencies.itertuples(index=False):
            en = rec.name_en if isinstance(rec.name_en, str) else ""
            both[rec.agency_id] = f"{rec.name_vi} | {en}"
    sep = " | "  # a phrase never runs from one field into the next
    parts = (
        df["task_id"].astype(str)
        + sep
        + df["title"].fillna("").astype(str)
        + sep
        + df["lead_ids"].map(lambda ids: _names(ids, both))
        + sep
        + df["support_ids"].map(lambda ids: _names(ids, both))
        + sep
        + df["lead_text"].fillna("").astype(str)
        + sep
        + df["support_text"].fillna("").astype(str)
    )
    return pd.Series([fold(p) for p in parts], index=df.index, dtype=object)


def search(df: pd.DataFrame, index: pd.Series, query: str) -> pd.DataFrame:
    """The rows whose folded text holds the folded query as a phrase ("bo tai chinh" finds
    Bộ Tài chính, not a title with "bộ", "tài" and "chính" far apart); all rows when empty."""
    phrase = fold(query)
    if not phrase or df.empty:
        return df
    return df[index.str.contains(phrase, regex=False)]
