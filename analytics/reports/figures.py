"""The briefing's figures and the words around them: `BriefingData` (computed once by
`build_briefing`) and the sentences, scope and snapshot lines every output prints.

Every figure comes from `store.load_tasks` and `analytics.metrics`, exactly as the dashboard's
pages compute them (same date, filters and scope give the same numbers).

The headline sentence, in the Government Office's form:
    "X nhiệm vụ đến hạn đã hoàn thành, đạt Y% (đúng hạn: a, quá hạn: b);
     chưa hoàn thành: c (trong hạn: d, quá hạn: e)"
    due  = tasks with a deadline on or before the as-of date
    X    = due tasks completed by the as-of date (metrics.headline's due_completed)
    Y    = X / due (due_completion_rate)
    a, b = among those X, completed on time / completed late (completed with unknown timing,
           when any, is shown as a third figure so that a + b + unknown = X)
    c    = every task not completed at the as-of date, whether due or not (total - completed)
    d    = c - e: in progress within the deadline + tasks without a deadline
    e    = overdue: deadline passed, not completed
Cancelled tasks (status `cancelled`) are in none of these figures: the report says how many
there are beside the total and lists them in a section (and a sheet) of their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from analytics import audit, briefing, exports, leader, metrics, reporting, store, workload
from analytics.agencies import CENTRAL_TYPES
from analytics.changes import Changes, compare
from analytics.i18n import LANGS, fmt_date, fmt_int, fmt_pct, source_label, t
from analytics.model import Filters, Scope
from analytics.reporting import rules, words

# A kind of change (analytics.changes.Changes) → its words in the reports.
CHANGE_KEYS = {
    "new": "report.change_new",
    "removed": "report.change_removed",
    "newly_completed": "change.newly_completed",
    "newly_overdue": "change.newly_overdue",
    "deadline_moved": "change.deadlines_moved",
    "status_changed": "report.change_status_changed",
}


def audit_head_text(data: BriefingData, lang: str) -> str:
    """'entry #N, hash 1a2b3c4d…' of the audit log's head, or '' when the log is empty."""
    if data.audit_head is None:
        return ""
    seq, hash_ = data.audit_head
    return t("report.audit_head", lang, n=seq, hash=audit.short(hash_))


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (use one of {', '.join(LANGS)})")
    return lang


def headline_parts(df: pd.DataFrame, as_of: dt.date) -> dict:
    """metrics.headline plus the parts of the headline sentence (see the module doc)."""
    h = metrics.headline(df, as_of)
    if len(df):
        due = df["deadline"].notna() & (pd.to_datetime(df["deadline"]) <= pd.Timestamp(as_of))
        status = df.loc[due, "status"]
        a = int((status == "completed_on_time").sum())
        b = int((status == "completed_late").sum())
        u = int((status == "completed_timing_unknown").sum())
    else:
        a = b = u = 0
    c = h["total"] - h["completed"]
    return {
        **h,
        "x": h["due_completed"],
        "y": h["due_completion_rate"],
        "a": a,
        "b": b,
        "u": u,
        "c": c,
        "d": h["in_progress"] + h["no_deadline"],
        "e": h["overdue"],
    }


def due_of(parts: dict) -> dict:
    """leader.due_parts's figures (the tasks due) from headline_parts."""
    return {
        "due": parts["due"],
        "x": parts["x"],
        "y": parts["y"],
        "a": parts["a"],
        "b": parts["b"],
        "u": parts["u"],
        "open": parts["due"] - parts["x"],
    }


def result_sentence(parts: dict, lang: str = "vi") -> str:
    """The result as the page says it (one set of numbers, issue 16): the block of the tasks
    due, 'Trong số nhiệm vụ đã đến hạn (N): hoàn thành X, đạt Y% (đúng hạn a, quá hạn b);
    chưa hoàn thành c.', where each label has one meaning (not the Government Office's sentence,
    whose 'quá hạn' names two figures)."""
    return leader.due_block(due_of(parts), lang)


def headline_sentence(parts: dict, lang: str = "vi") -> str:
    """'X nhiệm vụ đến hạn đã hoàn thành, đạt Y% (đúng hạn: a, quá hạn: b); chưa hoàn thành:
    c (trong hạn: d, quá hạn: e).'"""
    n = lambda v: fmt_int(v, lang)  # noqa: E731
    unknown = t("report.sentence_unknown", lang, n=n(parts["u"])) if parts["u"] else ""
    return t(
        "report.sentence",
        lang,
        x=n(parts["x"]),
        y=fmt_pct(parts["y"], lang),
        a=n(parts["a"]),
        b=n(parts["b"]),
        u=unknown,
        c=n(parts["c"]),
        d=n(parts["d"]),
        e=n(parts["e"]),
    )


def overall_sentence(parts: dict, lang: str = "vi") -> str:
    n = lambda v: fmt_int(v, lang)  # noqa: E731
    unknown = (
        t("report.sentence_unknown", lang, n=n(parts["completed_timing_unknown"]))
        if parts["completed_timing_unknown"]
        else ""
    )
    return t(
        "report.overall_completed",
        lang,
        completed=n(parts["completed"]),
        on_time=n(parts["completed_on_time"]),
        late=n(parts["completed_late"]),
        u=unknown,
        in_progress=n(parts["in_progress"]),
        no_deadline=n(parts["no_deadline"]),
    )


def footnote(parts: dict, as_of: dt.date, lang: str = "vi") -> str:
    text = t(
        "report.footnote",
        lang,
        date=fmt_date(as_of, lang),
        in_progress=fmt_int(parts["in_progress"], lang),
        no_deadline=fmt_int(parts["no_deadline"], lang),
    )
    if parts.get("cancelled"):
        text += t("report.footnote_cancelled", lang, n=fmt_int(parts["cancelled"], lang))
    return text


previous_date = briefing.previous_date


@dataclass(frozen=True)
class BriefingData:
    """Everything a briefing shows, computed once (read-only frames)."""

    as_of: dt.date
    lang: str
    filters: Filters
    scope: Scope
    snapshots: pd.DataFrame  # the snapshots in force: snapshot_id, source, as_of, file_name
    tasks: pd.DataFrame  # store.load_tasks(as_of, filters, scope)
    agencies: pd.DataFrame  # store.list_agencies
    parts: dict  # headline_parts(tasks)
    by_source: pd.DataFrame  # metrics.by_source
    source_parts: dict  # source → headline_parts of its tasks
    by_agency: pd.DataFrame  # metrics.by_agency(tasks, agencies, as_of, scope.agency_ids)
    by_month: pd.DataFrame  # metrics.by_month
    overdue: pd.DataFrame  # overdue tasks, longest overdue first
    previous_as_of: dt.date | None = None
    previous_snapshots: pd.DataFrame = field(default_factory=pd.DataFrame)
    previous_parts: dict | None = None
    changes: Changes | None = None
    # the snapshots in force with rows held back (store.held_back_in_force), said in the report
    held_back: pd.DataFrame = field(default_factory=pd.DataFrame)
    # cancelled tasks (in none of the figures), listed apart
    cancelled: pd.DataFrame = field(default_factory=pd.DataFrame)
    generated_at: dt.datetime = field(  # Vietnam time, whatever the server's zone
        default_factory=lambda: dt.datetime.now(rules.VN).replace(tzinfo=None, microsecond=0)
    )
    # the audit log's newest entry (number, hash) when the figures were read (audit.head)
    audit_head: tuple[int, str] | None = None
    # what agencies reported, beside the official figures (issue 15): metrics.reconciled,
    # metrics.reconciled_by_agency, the tasks reported completed awaiting confirmation,
    # briefing.missed_commitments and the open round (briefing.round_status, None: none)
    reconciled: dict = field(default_factory=dict)
    reconciled_by_agency: pd.DataFrame = field(default_factory=pd.DataFrame)
    claimed: pd.DataFrame = field(default_factory=pd.DataFrame)
    missed: pd.DataFrame = field(default_factory=pd.DataFrame)
    report_round: briefing.RoundStatus | None = None
    # the briefing a leader reads (issue 16): the figures among the tasks due (briefing.due_parts),
    # the difficult tasks, the open tasks due in the as-of month, the year's remaining workload by
    # month (workload.monthly from the as-of month) and by lead agency and month
    due: dict = field(default_factory=dict)
    difficult: pd.DataFrame = field(default_factory=pd.DataFrame)
    month_open: pd.DataFrame = field(default_factory=pd.DataFrame)
    year_months: pd.DataFrame = field(default_factory=pd.DataFrame)
    year_agency_months: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def headline(self) -> dict:
        return {
            k: v for k, v in self.parts.items() if k not in ("x", "y", "a", "b", "u", "c", "d", "e")
        }

    @property
    def snapshot_ids(self) -> tuple[int, ...]:
        return tuple(int(i) for i in self.snapshots["snapshot_id"]) if len(self.snapshots) else ()

    def sentence(self, lang: str | None = None) -> str:
        return headline_sentence(self.parts, lang or self.lang)

    def reconciled_sentence(self, lang: str | None = None) -> str:
        """'652 nhiệm vụ, 34 quá hạn; trong đó 9 đã báo cáo hoàn thành, chờ xác nhận …'."""
        rec = self.reconciled or metrics.reconciled(self.tasks)
        return words.reconciled_sentence(self.parts, rec, lang or self.lang)

    def reported_completed_by_agency(self) -> dict[str, int]:
        """agency_id → tasks reported completed, awaiting confirmation."""
        frame = self.reconciled_by_agency
        if frame is None or frame.empty:
            return {}
        return dict(zip(frame["agency_id"], frame["reported_completed"].astype(int), strict=True))


def build_briefing(
    db, as_of: dt.date, filters: Filters | None = None, scope: Scope | None = None, lang: str = "vi"
) -> BriefingData:
    """All figures and frames of the briefing at `as_of` for these filters, within `scope`."""
    check_lang(lang)
    filters = filters or Filters()
    scope = scope or Scope.everything()
    snaps = store.list_snapshots(db)
    ids = store.snapshots_in_force(db, as_of, filters.sources)
    df = store.load_tasks(db, as_of, filters, scope)
    agencies = store.list_agencies(db)
    by_source = metrics.by_source(df)
    source_parts = {
        src: headline_parts(df[df["source"] == src], as_of) for src in by_source["source"]
    }
    overdue = df[df["status"] == "overdue"]
    if len(overdue):
        overdue = overdue.sort_values(
            ["days_overdue", "source", "task_id"], ascending=[False, True, True]
        )
    prev = previous_date(snaps, as_of, filters.sources)
    prev_snaps = snaps.iloc[0:0]
    prev_parts = changes = None
    if prev is not None:
        before = store.load_tasks(db, prev, filters, scope)
        prev_ids = store.snapshots_in_force(db, prev, filters.sources)
        prev_snaps = _snapshot_rows(snaps, prev_ids)
        prev_parts = headline_parts(before, prev)
        changes = compare(before, df)
    return BriefingData(
        as_of=as_of,
        lang=lang,
        filters=filters,
        scope=scope,
        snapshots=_snapshot_rows(snaps, ids),
        tasks=df,
        agencies=agencies,
        parts=headline_parts(df, as_of),
        by_source=by_source,
        source_parts=source_parts,
        by_agency=metrics.by_agency(df, agencies, as_of, scope.agency_ids),
        by_month=metrics.by_month(df),
        overdue=overdue.reset_index(drop=True),
        previous_as_of=prev,
        previous_snapshots=prev_snaps,
        previous_parts=prev_parts,
        changes=changes,
        held_back=store.held_back_in_force(db, as_of, filters.sources, scope),
        cancelled=metrics.cancelled(df).sort_values(["source", "task_id"]).reset_index(drop=True),
        audit_head=audit.head(db),
        **reported_parts(db, df, agencies, filters, scope),
        **leader_parts(df, agencies, as_of, scope, lang),
    )


def leader_parts(df: pd.DataFrame, agencies: pd.DataFrame, as_of: dt.date, scope, lang) -> dict:
    """BriefingData's fields of issue 16 for the tasks `df` of the view."""
    year = briefing.as_date(as_of).year
    wide = workload.agency_month(df, agencies, year, lang, scope.agency_ids, None)
    return {
        "due": leader.due_parts(df, as_of),
        "difficult": briefing.difficult_tasks(df).reset_index(drop=True),
        "month_open": briefing.open_due_in_month(df, as_of).reset_index(drop=True),
        "year_months": leader.remaining_months(workload.monthly(df, year, as_of), as_of),
        "year_agency_months": leader.remaining_agency_months(wide, as_of),
    }


def reported_parts(db, df: pd.DataFrame, agencies: pd.DataFrame, filters, scope) -> dict:
    """BriefingData's fields on what agencies reported, for the tasks `df` of the view."""
    open_ = reporting.open_round(db)
    status = None
    if open_ is not None:
        status = briefing.round_status(
            open_,
            reporting.agency_reporting(db, audit.now(), open_),
            reporting.stale_days(db),
            briefing.view_agency_ids(agencies, filters, scope),
        )
    return {
        "reconciled": metrics.reconciled(df),
        "reconciled_by_agency": metrics.reconciled_by_agency(df, agencies, scope.agency_ids),
        "claimed": briefing.claimed_tasks(df).reset_index(drop=True),
        "missed": briefing.missed_commitments(df, agencies, scope.agency_ids),
        "report_round": status,
    }


def _snapshot_rows(snaps: pd.DataFrame, ids) -> pd.DataFrame:
    cols = ["snapshot_id", "source", "as_of", "file_name"]
    if snaps.empty:
        return pd.DataFrame(columns=cols)
    return snaps.loc[snaps["snapshot_id"].isin(list(ids)), cols].reset_index(drop=True)


def snapshots_text(snaps: pd.DataFrame, lang: str) -> str:
    if snaps is None or snaps.empty:
        return t("report.none", lang)
    return "; ".join(
        f"{source_label(r.source, lang)} – {fmt_date(r.as_of, lang)} (#{r.snapshot_id}, "
        f"{r.file_name})"
        for r in snaps.itertuples()
    )


def scope_text(data: BriefingData, lang: str) -> str:
    """The filters and the viewer's scope in words."""
    names = exports.agency_names(data.agencies, lang)
    f = data.filters
    items = []
    if f.sources:
        labels = ", ".join(source_label(s, lang) for s in f.sources)
        items.append(t("report.scope_sources", lang, items=labels))
    if f.agency_types:
        if set(f.agency_types) == {"province"}:
            kinds = t("common.provinces", lang)
        elif set(f.agency_types) == set(CENTRAL_TYPES):
            kinds = t("common.central", lang)
        else:
            kinds = ", ".join(t(f"agency_type.{k}", lang) for k in f.agency_types)
        items.append(t("report.scope_types", lang, items=kinds))
    if f.agency_ids:
        items.append(
            t("report.scope_agencies", lang, items=", ".join(names.get(a, a) for a in f.agency_ids))
        )
    if f.difficult_only:
        items.append(t("report.scope_difficult", lang))
    if f.source_docs:
        items.append(t("report.scope_source_docs", lang, items="; ".join(f.source_docs)))
    if data.scope.agency_ids is not None:
        ids = sorted(data.scope.agency_ids)
        items.append(
            t(
                "report.scope_user",
                lang,
                items=", ".join(names.get(a, a) for a in ids) or t("report.none", lang),
            )
        )
    return "; ".join(items) if items else t("report.scope_all", lang)


def agency_groups(by_agency: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(section key, sheet key, rows) for ministries, provinces and other bodies."""
    central = by_agency[by_agency["agency_type"].isin(CENTRAL_TYPES)]
    provinces = by_agency[by_agency["agency_type"] == "province"]
    other = by_agency[~by_agency["agency_type"].isin([*CENTRAL_TYPES, "province"])]
    return [
        ("report.sec_ministries", "common.central", central.reset_index(drop=True)),
        ("report.sec_provinces", "common.provinces", provinces.reset_index(drop=True)),
        ("report.other_agencies", "report.sheet_other", other.reset_index(drop=True)),
    ]


def agency_name(row, lang: str) -> str:
    name = row["name_vi"] if lang == "vi" else row["name_en"]
    return name if isinstance(name, str) and name else str(row["agency_id"])


def lead_names(ids, names: dict[str, str]) -> str:
    if ids is None:
        return ""
    return "; ".join(names.get(i, i) for i in ids)


def deadline_notes(tasks: pd.DataFrame, lang: str) -> list[str]:
    """The approved deadline change of each task in words ('thời hạn điều chỉnh từ … sang …,
    duyệt ngày …', words.deadline_note through exports), '' where none."""
    notes = exports.reported_values(tasks, "deadline_note", lang) if len(tasks) else None
    return [n or "" for n in notes] if notes is not None else [""] * len(tasks)
