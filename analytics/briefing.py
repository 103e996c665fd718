"""What the Briefing and Agency pages show, computed from task frames. Pure functions, no Streamlit.

Inputs are the task frames of `store.load_tasks` (columns of analytics/sql/tasks_at.sql), the
per-agency table of `metrics.by_agency` and the snapshot list of `store.list_snapshots`. Every
function returns a new frame and never modifies its inputs (the dashboard shares cached frames).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from analytics import changes, exports, metrics
from analytics.agencies import CENTRAL_TYPES
from analytics.i18n import fmt_date, fmt_int, fmt_pct, source_label, t
from analytics.text import fold

AT_RISK_DAYS = 30  # "tasks due in the next 30 days still open"
PEER_MIN_DUE = 3  # an agency is ranked among its peers only with at least this many due tasks
TOP_N = 10  # bars shown before "show all"
LATE_STATUSES = ("overdue", "completed_late")
OPEN_STATUSES = ("overdue", "in_progress", "no_deadline")
PEER_GROUPS = ("central", "province")


def as_date(value) -> dt.date | None:
    """A plain date from a date, a datetime or a pandas Timestamp (None for missing)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _deadlines(df: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(df["deadline"])


# --------------------------------------------------------------------------- snapshot dates


def snapshot_dates(snapshots: pd.DataFrame, sources: Sequence[str] = ()) -> list[dt.date]:
    """The dates of active snapshots (of `sources` when given), oldest first."""
    if snapshots is None or snapshots.empty:
        return []
    active = snapshots[snapshots["status"] == "active"]
    if sources:
        active = active[active["source"].isin(list(sources))]
    return sorted({as_date(v) for v in active["as_of"].tolist() if as_date(v) is not None})


def previous_date(
    snapshots: pd.DataFrame, as_of: dt.date, sources: Sequence[str] = ()
) -> dt.date | None:
    """The latest snapshot date strictly before `as_of` (the state the change is measured from)."""
    as_of = as_date(as_of)
    earlier = [d for d in snapshot_dates(snapshots, sources) if d < as_of]
    return earlier[-1] if earlier else None


# --------------------------------------------------------------------------- headline cards


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    value: str
    delta: str | None
    delta_color: str
    help: str | None = None


CARD_KEYS = (  # two rows of four: the figures leaders quote first, then the split
    ("total", "status.total", "off"),
    ("completed", "status.completed", "normal"),
    ("overdue", "status.overdue", "inverse"),
    ("due_completion_rate", "col.rate", "normal"),
    ("completed_on_time", "status.completed_on_time", "normal"),
    ("completed_late", "status.completed_late", "inverse"),
    ("in_progress", "status.in_progress", "off"),
    ("no_deadline", "status.no_deadline", "off"),
)
CARDS_PER_ROW = 4
# Shown after the others when the view or the previous state has cancelled tasks.
CANCELLED_CARD = ("cancelled", "briefing.card_cancelled", "off")


def _card_keys(cur: dict, prev: dict | None) -> tuple[tuple[str, str, str], ...]:
    if cur.get("cancelled") or (prev or {}).get("cancelled"):
        return (*CARD_KEYS, CANCELLED_CARD)
    return CARD_KEYS


def deltas(cur: dict, prev: dict | None) -> dict[str, float | int | None]:
    """Current minus previous for every headline figure (None without a previous state)."""
    out: dict[str, float | int | None] = {}
    for key, _, _ in (*CARD_KEYS, CANCELLED_CARD):
        if prev is None:
            out[key] = None
        elif key == "due_completion_rate":
            a, b = cur.get(key), prev.get(key)
            out[key] = None if a is None or b is None else a - b
        else:
            out[key] = int(cur.get(key, 0)) - int(prev.get(key, 0))
    return out


def _fmt_delta_int(value: int, lang: str) -> str:
    if value == 0:
        return "0"
    return ("+" if value > 0 else "-") + fmt_int(abs(value), lang)


def _fmt_delta_pp(value: float, lang: str) -> str:
    points = round(value * 100, 1)
    if points == 0:
        return "0"
    text = f"{abs(points):.1f}"
    if lang == "vi":
        text = text.replace(".", ",")
    return ("+" if points > 0 else "-") + text + " " + t("briefing.pp", lang)


def headline_cards(cur: dict, prev: dict | None, lang: str, as_of: dt.date) -> list[Card]:
    """The cards of a headline (metrics.headline) with the change since `prev`."""
    d = deltas(cur, prev)
    cards = []
    for key, label_key, color in _card_keys(cur, prev):
        if key == "due_completion_rate":
            value = fmt_pct(cur.get(key), lang)
            delta = None if d[key] is None else _fmt_delta_pp(d[key], lang)
            help_text = t(
                "briefing.rate_help",
                lang,
                date=fmt_date(as_of, lang),
                done=cur.get("due_completed", 0),
                due=cur.get("due", 0),
            )
        else:
            value = fmt_int(cur.get(key, 0), lang)
            delta = None if d[key] is None else _fmt_delta_int(int(d[key]), lang)
            help_text = t("briefing.cancelled_help", lang) if key == "cancelled" else None
        cards.append(Card(key, t(label_key, lang), value, delta, color, help_text))
    return cards


def source_headlines(df: pd.DataFrame, as_of: dt.date) -> dict[str, dict]:
    """metrics.headline for each source of the frame."""
    if df.empty:
        return {}
    return {
        str(src): metrics.headline(part, as_of) for src, part in df.groupby("source", sort=True)
    }


def source_table(
    cur: dict[str, dict], prev: dict[str, dict] | None, lang: str, prev_date: dt.date | None
) -> pd.DataFrame:
    """One row per source: the headline figures now and, when known, at the previous date."""
    rows = []
    keys = (
        ("total", "col.total"),
        ("completed", "status.completed"),
        ("completed_on_time", "col.on_time"),
        ("completed_late", "status.completed_late"),
        ("overdue", "col.overdue"),
        ("in_progress", "col.in_progress"),
        ("no_deadline", "status.no_deadline"),
        ("cancelled", "status.cancelled"),
    )
    for source in sorted(set(cur) | set(prev or {})):
        now = cur.get(source, {})
        row = {t("col.source", lang): source_label(source, lang)}
        for key, label in keys:
            row[t(label, lang)] = int(now.get(key, 0))
        rate = now.get("due_completion_rate")
        row[t("col.rate", lang)] = None if rate is None else round(rate * 100, 1)
        if prev is not None and prev_date is not None:
            before = prev.get(source, {})
            when = fmt_date(prev_date, lang)
            for key, label in keys[:5]:
                row[t("briefing.col_prev", lang, what=t(label, lang), date=when)] = int(
                    before.get(key, 0)
                )
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- changes


CHANGE_KINDS = ("newly_overdue", "newly_completed", "new", "deadline_moved", "removed")


def compare(before: pd.DataFrame, after: pd.DataFrame) -> changes.Changes:
    """What changed between the previous state and the current one (matched by source, task)."""
    return changes.compare(before, after)


def change_list(ch: changes.Changes) -> pd.DataFrame:
    """The changed tasks in one frame with a `change` column (a task may appear more than once)."""
    parts = []
    for kind in CHANGE_KINDS:
        frame = getattr(ch, kind)
        if len(frame):
            part = frame.assign(change=kind)
            if kind == "deadline_moved":
                part = part.assign(deadline_before=pd.to_datetime(frame["deadline_before"]))
            parts.append(part)
    if not parts:
        return pd.DataFrame(
            columns=["change", "source", "task_id", "title", "lead_ids", "status", "deadline"]
        )
    out = pd.concat(parts, ignore_index=True)
    if "deadline_before" not in out.columns:
        out["deadline_before"] = pd.NaT
    return out


# --------------------------------------------------------------------------- lists


def lead_mask(df: pd.DataFrame, agency_id: str) -> pd.Series:
    """Tasks that `agency_id` leads (alone or with others)."""
    return df["lead_ids"].map(lambda ids: ids is not None and agency_id in list(ids)).astype(bool)


def late_tasks(df: pd.DataFrame, agency_id: str | None = None) -> pd.DataFrame:
    """Overdue and completed-late tasks (of one lead agency), most days late first."""
    out = df[df["status"].isin(LATE_STATUSES)]
    if agency_id:
        out = out[lead_mask(out, agency_id)]
    days = out["days_overdue"].fillna(out["days_late"]).fillna(0)
    return (
        out.assign(_days=days)
        .sort_values(["_days", "source", "task_id"], ascending=[False, True, True])
        .drop(columns="_days")
    )


def at_risk(df: pd.DataFrame, as_of: dt.date, days: int = AT_RISK_DAYS) -> pd.DataFrame:
    """Open tasks whose deadline falls within [as_of, as_of + days], soonest first."""
    if df.empty:
        return df
    as_of = as_date(as_of)
    deadline = _deadlines(df)
    start = pd.Timestamp(as_of)
    end = pd.Timestamp(as_of + dt.timedelta(days=days))
    mask = (
        df["status"].isin(OPEN_STATUSES)
        & deadline.notna()
        & (deadline >= start)
        & (deadline <= end)
    )
    return df[mask].sort_values(["deadline", "source", "task_id"])


def open_due_in_month(df: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Open tasks whose deadline falls in the calendar month of `as_of` (overdue ones included)."""
    if df.empty:
        return df
    as_of = as_date(as_of)
    deadline = _deadlines(df)
    mask = (
        df["status"].isin(OPEN_STATUSES)
        & deadline.notna()
        & (deadline.dt.year == as_of.year)
        & (deadline.dt.month == as_of.month)
    )
    return df[mask].sort_values(["deadline", "source", "task_id"])


def overdue_list(df: pd.DataFrame) -> pd.DataFrame:
    """Overdue tasks, most days overdue first."""
    out = df[df["status"] == "overdue"]
    return out.sort_values(["days_overdue", "source", "task_id"], ascending=[False, True, True])


_STATUS_RANK = {
    "overdue": 0,
    "in_progress": 1,
    "no_deadline": 2,
    "completed_late": 3,
    "completed_timing_unknown": 4,
    "completed_on_time": 5,
    "cancelled": 6,
}


def difficult_tasks(df: pd.DataFrame) -> pd.DataFrame:
    """Tasks marked difficult: overdue first, then open ones by deadline, completed last."""
    out = df[df["difficult"].astype(bool)]
    rank = out["status"].map(_STATUS_RANK).fillna(9)
    return (
        out.assign(_rank=rank)
        .sort_values(["_rank", "deadline", "source", "task_id"])
        .drop(columns="_rank")
    )


def cancelled_list(df: pd.DataFrame) -> pd.DataFrame:
    """Cancelled tasks (counted and listed apart), by source and task id."""
    return metrics.cancelled(df).sort_values(["source", "task_id"])


def open_timeline(df: pd.DataFrame) -> pd.DataFrame:
    """Open tasks with a deadline (overdue and in progress), soonest deadline first."""
    out = df[df["status"].isin(("overdue", "in_progress")) & df["deadline"].notna()]
    return out.sort_values(["deadline", "source", "task_id"])


def task_months(df: pd.DataFrame) -> list[str]:
    """Deadline months present ('YYYY-MM'), oldest first; '' stands for no deadline."""
    if df.empty:
        return []
    deadline = _deadlines(df)
    months = sorted(deadline.dropna().dt.strftime("%Y-%m").unique().tolist())
    return months + ([""] if deadline.isna().any() else [])


def filter_tasks(
    df: pd.DataFrame,
    statuses: Iterable[str] = (),
    sources: Iterable[str] = (),
    months: Iterable[str] = (),
) -> pd.DataFrame:
    """Narrow a task frame by status, source and deadline month ('' = no deadline); empty = all."""
    statuses, sources, months = list(statuses), list(sources), list(months)
    mask = pd.Series(True, index=df.index)
    if statuses:
        mask &= df["status"].isin(statuses)
    if sources:
        mask &= df["source"].isin(sources)
    if months:
        month = _deadlines(df).dt.strftime("%Y-%m").fillna("")
        mask &= month.isin(months)
    return df[mask]


# --------------------------------------------------------------------------- agencies


def peer_group(agency_type: str) -> str:
    """Ministries, ministerial-level and government agencies are one group; provinces another."""
    if agency_type in CENTRAL_TYPES:
        return "central"
    if agency_type == "province":
        return "province"
    return str(agency_type or "other")


def late_by_agency(
    table: pd.DataFrame,
    group: str,
    agency_ids: Sequence[str] = (),
    agency_types: Sequence[str] = (),
) -> pd.DataFrame:
    """Agencies of one peer group with late tasks (overdue + completed late), most first.

    `agency_ids` / `agency_types` narrow to the view's filters (by_agency lists co-leads too).
    """
    cols = [
        "agency_id",
        "name_vi",
        "name_en",
        "agency_type",
        "overdue",
        "completed_late",
        "late",
        "total",
    ]
    if table is None or table.empty:
        return pd.DataFrame(columns=cols)
    out = table[table["agency_type"].map(peer_group) == group]
    if agency_ids:
        out = out[out["agency_id"].isin(list(agency_ids))]
    if agency_types:
        out = out[out["agency_type"].isin(list(agency_types))]
    out = out[out["late"] > 0]
    return out.sort_values(["late", "overdue", "name_vi"], ascending=[False, False, True])[
        cols
    ].reset_index(drop=True)


def peer_ranking(table: pd.DataFrame, min_due: int = PEER_MIN_DUE) -> pd.DataFrame:
    """Each agency's rank among its peer group by completion rate among due tasks.

    Only agencies with at least `min_due` due tasks are ranked (a rate of 1/1 says little);
    equal rates share a rank (1, 2, 2, 4). Columns added: peer_group, eligible, rank, n_ranked.
    """
    cols = [
        "agency_id",
        "name_vi",
        "name_en",
        "agency_type",
        "total",
        "due",
        "due_completed",
        "due_completion_rate",
        "late",
        "peer_group",
        "eligible",
        "rank",
        "n_ranked",
    ]
    if table is None or table.empty:
        return pd.DataFrame(columns=cols)
    out = table[
        [
            "agency_id",
            "name_vi",
            "name_en",
            "agency_type",
            "total",
            "due",
            "due_completed",
            "due_completion_rate",
            "late",
        ]
    ].copy()
    out["due"] = out["due"].fillna(0).astype("int64")
    out["due_completed"] = out["due_completed"].fillna(0).astype("int64")
    out["peer_group"] = out["agency_type"].map(peer_group)
    out["eligible"] = out["due"] >= min_due
    rate = out["due_completion_rate"].where(out["eligible"])
    out["rank"] = (
        rate.groupby(out["peer_group"]).rank(method="min", ascending=False).astype("Int64")
    )
    out["n_ranked"] = out.groupby("peer_group")["eligible"].transform("sum").astype("int64")
    out = out.sort_values(["peer_group", "rank", "name_vi"], na_position="last")
    return out[cols].reset_index(drop=True)


@dataclass(frozen=True)
class PeerRank:
    agency_id: str
    group: str
    rank: int | None  # None: not ranked (too few due tasks)
    n_ranked: int
    rate: float | None
    due: int
    due_completed: int
    min_due: int

    def label(self) -> str:
        return "–" if self.rank is None else f"{self.rank}/{self.n_ranked}"


def peer_rank(
    ranking: pd.DataFrame, agency_id: str, min_due: int = PEER_MIN_DUE
) -> PeerRank | None:
    """The rank of one agency (None when it leads no task in the view)."""
    row = ranking.loc[ranking["agency_id"] == agency_id]
    if row.empty:
        return None
    r = row.iloc[0]
    rank = None if pd.isna(r["rank"]) else int(r["rank"])
    rate = None if pd.isna(r["due_completion_rate"]) else float(r["due_completion_rate"])
    return PeerRank(
        agency_id=agency_id,
        group=str(r["peer_group"]),
        rank=rank,
        n_ranked=int(r["n_ranked"]),
        rate=rate,
        due=int(r["due"]),
        due_completed=int(r["due_completed"]),
        min_due=min_due,
    )


def peers_of(ranking: pd.DataFrame, group: str) -> pd.DataFrame:
    """The ranked agencies of one peer group, best first."""
    return ranking[(ranking["peer_group"] == group) & ranking["eligible"]].sort_values(
        ["rank", "name_vi"]
    )


def agency_options(table: pd.DataFrame, agency_types: Sequence[str] = ()) -> list[str]:
    """Agencies leading tasks in the view, ministries first then provinces, by name."""
    if table is None or table.empty:
        return []
    out = table
    if agency_types:
        out = out[out["agency_type"].isin(list(agency_types))]
    order = out["agency_type"].map(lambda a: {"central": 0, "province": 1}.get(peer_group(a), 2))
    name = out["name_vi"].map(fold)  # "Đà Nẵng" next to "Da...", not after "Z"
    return out.assign(_o=order, _n=name).sort_values(["_o", "_n"])["agency_id"].tolist()


def ordered(frame: pd.DataFrame, columns: Sequence[str], lang: str) -> pd.DataFrame:
    """A frame of exports.present_tasks with its columns in the order of `columns` (field names)."""
    labels = dict(exports.TASK_COLUMNS)
    wanted = [
        t(labels[c], lang) for c in columns if c in labels and t(labels[c], lang) in frame.columns
    ]
    rest = [c for c in frame.columns if c not in wanted]
    return frame[wanted + rest]


# Display widths (pixels) of the long text columns of task tables, by field name.
COLUMN_WIDTHS = {"title": 420, "lead": 200, "causes": 300, "support": 220, "source": 160}


def column_widths(frame: pd.DataFrame, lang: str) -> dict[str, int]:
    """Widths for the columns of a presented task table that have one."""
    labels = dict(exports.TASK_COLUMNS)
    out = {}
    for field, width in COLUMN_WIDTHS.items():
        label = t(labels[field], lang)
        if label in frame.columns:
            out[label] = width
    return out


def date_columns(frame: pd.DataFrame) -> list[str]:
    """Columns holding dates (for a dd/mm/yyyy display)."""
    out = []
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_datetime64_any_dtype(series):
            out.append(col)
        elif series.dtype == object:
            sample = series.dropna()
            if len(sample) and isinstance(sample.iloc[0], dt.date):
                out.append(col)
    return out


# --------------------------------------------------------------------------- what agencies reported
# Beside the official figures (issue 15): the tasks reported completed and awaiting confirmation,
# the commitments missed by agency and the open report round. Words come from
# analytics/reporting/words.py and the [briefing_reported] texts.


def _flag(df: pd.DataFrame, name: str) -> pd.Series:
    if name not in df.columns or df.empty:
        return pd.Series(False, index=df.index)
    return df[name].fillna(False).astype(bool)


def claimed_tasks(df: pd.DataFrame) -> pd.DataFrame:
    """Tasks reported completed, awaiting confirmation (not officially completed, not
    cancelled), the oldest claim first."""
    out = metrics.counted(df)
    out = out[_flag(out, "reported_completed")]
    return out.sort_values(["claimed_on", "source", "task_id"], na_position="last")


def missed_commitments(df: pd.DataFrame, agencies: pd.DataFrame, scope_ids=None) -> pd.DataFrame:
    """Per lead agency, the tasks whose committed completion date passed without completion:
    agency_id, name_vi, name_en, n, task_ids, titles (tuples), most first. A task with several
    leads counts for each; a unit's for its parent (as metrics.by_agency)."""
    cols = ["agency_id", "name_vi", "name_en", "n", "task_ids", "titles"]
    missed = metrics.counted(df)
    missed = missed[_flag(missed, "commitment_missed")]
    if missed.empty:
        return pd.DataFrame(columns=cols)
    per = metrics.roll_up(metrics.explode_leads(missed), agencies, keep=scope_ids)
    if scope_ids is not None:
        per = per[per["agency_id"].isin(scope_ids)]
    rows = []
    names = agencies.set_index("agency_id") if len(agencies) else None
    for agency_id, group in per.sort_values(["source", "task_id"]).groupby("agency_id"):
        known = names is not None and agency_id in names.index
        name_vi = names.at[agency_id, "name_vi"] if known else agency_id
        name_en = names.at[agency_id, "name_en"] if known else None
        rows.append(
            {
                "agency_id": agency_id,
                "name_vi": name_vi if isinstance(name_vi, str) and name_vi else agency_id,
                "name_en": name_en if isinstance(name_en, str) and name_en else name_vi,
                "n": len(group),
                "task_ids": tuple(exports.task_codes(group)),  # '' for a derived id
                "titles": tuple(group["title"].fillna("")),
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["n", "name_vi"], ascending=[False, True]).reset_index(drop=True)


def view_agency_ids(agencies: pd.DataFrame, filters, scope) -> frozenset[str] | None:
    """The agencies the view covers (None: every one): the viewer's scope narrowed by the
    filters' agencies and agency types."""
    ids = None if scope is None or scope.agency_ids is None else set(scope.agency_ids)
    if filters is not None and filters.agency_ids:
        wanted = set(filters.agency_ids)
        ids = wanted if ids is None else ids & wanted
    if filters is not None and filters.agency_types and agencies is not None and len(agencies):
        typed = set(agencies.loc[agencies["agency_type"].isin(filters.agency_types), "agency_id"])
        ids = typed if ids is None else ids & typed
    return None if ids is None else frozenset(ids)


@dataclass(frozen=True)
class RoundStatus:
    """The open report round as the briefing says it: who has reported, who has not, who is
    stale (no report nor agency file for `stale_days` days)."""

    round_id: int
    title: str
    due_on: dt.date | None
    expected: tuple[str, ...]  # the agencies the round asks (within the view)
    reported: tuple[str, ...]
    not_reported: tuple[str, ...]
    stale: tuple[str, ...]
    stale_days: int


def round_status(
    round_: dict | None,
    reporting: pd.DataFrame,
    stale_days: int,
    agency_ids: frozenset[str] | None = None,
) -> RoundStatus | None:
    """The open round (analytics.reporting.open_round) with agency_reporting's frame, within
    `agency_ids` (None: every agency); None without an open round."""
    if not round_:
        return None
    frame = reporting if reporting is not None else pd.DataFrame()
    if len(frame) and agency_ids is not None:
        frame = frame[frame["agency_id"].isin(agency_ids)]
    if len(frame):
        frame = frame.sort_values("agency_id")
        asked = frame[frame["in_round"].astype(bool)]
        done = asked["reported_in_round"].astype(bool)
        expected = tuple(asked["agency_id"])
        reported = tuple(asked.loc[done, "agency_id"])
        not_reported = tuple(asked.loc[~done, "agency_id"])
        stale = tuple(frame.loc[frame["stale"].astype(bool), "agency_id"])
    else:
        expected = reported = not_reported = stale = ()
    return RoundStatus(
        round_id=int(round_["round_id"]),
        title=str(round_.get("title") or ""),
        due_on=as_date(round_.get("due_on")),
        expected=expected,
        reported=reported,
        not_reported=not_reported,
        stale=stale,
        stale_days=int(stale_days),
    )


def round_line(status: RoundStatus, lang: str) -> str:
    """'Đợt báo cáo «…», hạn dd/mm/yyyy: N/M cơ quan đã báo cáo'."""
    return t(
        "briefing_reported.round_line",
        lang,
        title=status.title,
        due=fmt_date(status.due_on, lang),
        n=fmt_int(len(status.reported), lang),
        m=fmt_int(len(status.expected), lang),
    )


def agency_list_text(ids, names: dict[str, str]) -> str:
    """'Bộ Tài chính; Hà Nội' (names from exports.agency_names; the id when unknown)."""
    return "; ".join(names.get(a, a) for a in ids)


def round_lines(status: RoundStatus, names: dict[str, str], lang: str) -> list[str]:
    """The round's line, then who has not reported and who is stale (each when any)."""
    lines = [round_line(status, lang)]
    if status.not_reported:
        lines.append(
            t(
                "briefing_reported.not_reported",
                lang,
                items=agency_list_text(status.not_reported, names),
            )
        )
    elif status.expected:
        lines.append(t("briefing_reported.all_reported", lang))
    if status.stale:
        lines.append(
            t(
                "briefing_reported.stale",
                lang,
                days=fmt_int(status.stale_days, lang),
                items=agency_list_text(status.stale, names),
            )
        )
    return lines


def missed_task_text(task_ids, titles) -> str:
    """'t1 – Nhiệm vụ t1; t5 – …' for a missed-commitments row."""
    return "; ".join(
        " – ".join(str(p) for p in (tid, title) if p) or "–"
        for tid, title in zip(task_ids, titles, strict=False)
    )


def missed_table(missed: pd.DataFrame, lang: str) -> pd.DataFrame:
    """missed_commitments as users read it: agency, how many, the tasks."""
    name_col = "name_vi" if lang == "vi" else "name_en"
    names = missed[name_col].fillna(missed["name_vi"]) if len(missed) else missed["name_vi"]
    return pd.DataFrame(
        {
            t("col.agency", lang): names.to_numpy(),
            t("briefing_reported.col_missed", lang): missed["n"].astype("int64").to_numpy(),
            t("briefing_reported.col_tasks", lang): [
                missed_task_text(a, b)
                for a, b in zip(missed["task_ids"], missed["titles"], strict=True)
            ],
        }
    )
