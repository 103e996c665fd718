"""The upload flow's logic, kept out of the page: quarantine by hash, what an upload would change
(before/after figures, new/removed/changed tasks, agency updates merged as the store merges them),
who may commit it, the commit itself and its audit events.

Everything here is pure or talks to the store through analytics.store; the file itself is read
only in the sandbox child (analytics.sandbox). The file name a browser sends is never used as a
path: uploads are kept as `<quarantine>/<sha256>`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analytics import metrics, store
from analytics.agency_update import rows_outside
from analytics.changes import Changes, compare
from analytics.i18n import t
from analytics.model import Filters, Scope
from analytics.problems import InputRejected, Problem, error
from analytics.reading import MAX_BYTES

log = logging.getLogger("dashboard.upload")

ACCEPTED_TYPES = ("xlsx", "xlsm", "xls", "ods", "csv", "tsv", "txt")
MAX_UPLOAD_BYTES = MAX_BYTES
MAX_SIGHTINGS = 50
_SHA = re.compile(r"[0-9a-f]{64}")
_meta_lock = threading.Lock()

# Fields whose change counts as an edit of a task (texts as written that only restate a value,
# such as "21/5/2025" for a date, are left out).
SEMANTIC_FIELDS = (
    "title",
    "lead_ids",
    "support_ids",
    "grp",
    "product",
    "deadline",
    "deadline_kind",
    "status_text",
    "status_class",
    "completion_date",
    "difficult",
    "causes",
    "proposals",
    "notes",
    "result",
    "source_doc",
    "assigned_date",
    "leader",
    "agency_comment",
    "progress",
)


# --------------------------------------------------------------------------- quarantine


def quarantine_dir() -> Path:
    """`TASKS_UPLOADS`, else an `uploads` folder next to the database (data/uploads)."""
    configured = os.environ.get("TASKS_UPLOADS")
    return Path(configured) if configured else store.db_path().parent / "uploads"


def display_name(file_name: object) -> str:
    """The browser's file name as text to show and record (last component, printable, short)."""
    text = str(file_name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if ch.isprintable())
    return text.strip()[:200] or "upload"


@dataclass(frozen=True)
class Quarantined:
    sha256: str
    size: int
    seen_before: bool  # these exact bytes were uploaded before
    first_name: str | None  # the name they were first uploaded under
    first_at: str | None


def _too_large(name: str, size: int) -> InputRejected:
    return InputRejected(
        [
            error(
                "file_too_large",
                f"'{name}' is {size / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB. "
                "Nothing was kept.",
                f"Tệp '{name}' nặng {size / 2**20:.1f} MB; giới hạn là "
                f"{MAX_UPLOAD_BYTES // 2**20} MB. Tệp không được lưu lại.",
                value=name,
            )
        ]
    )


def quarantine(data: bytes, file_name: str, user: str | None = None) -> Quarantined:
    """Keep the uploaded bytes as `<quarantine>/<sha256>` before anything reads them.

    A file over the size limit is refused and not kept. Writing is atomic (temporary file, then
    rename); the same bytes are stored once and recognised when they come again."""
    name = display_name(file_name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_large(name, len(data))
    sha = hashlib.sha256(data).hexdigest()
    folder = quarantine_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / sha
    seen = path.is_file()
    if not seen:
        fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    meta_path = folder / f"{sha}.json"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    with _meta_lock:
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {"sha256": sha, "size": len(data), "sightings": []}
        first = (meta.get("sightings") or [None])[0]
        if len(meta["sightings"]) < MAX_SIGHTINGS:
            meta["sightings"].append({"name": name, "user": user, "at": now})
        fd, tmp = tempfile.mkstemp(prefix=".meta-", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(meta, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, meta_path)
    return Quarantined(
        sha,
        len(data),
        seen,
        first.get("name") if seen and first else None,
        first.get("at") if seen and first else None,
    )


def quarantined_bytes(sha: str) -> bytes:
    """The bytes kept under `sha` (checked against their hash)."""
    if not _SHA.fullmatch(sha or ""):
        raise ValueError("not a sha256")
    data = (quarantine_dir() / sha).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        raise ValueError("quarantined file does not match its hash")
    return data


def snapshots_of_file(db, sha: str) -> pd.DataFrame:
    """Snapshots already made from these exact bytes."""
    snaps = store.list_snapshots(db)
    return snaps[snaps["file_sha256"] == sha].reset_index(drop=True)


# --------------------------------------------------------------------------- agencies in a file


def lead_sets(tasks) -> list[set[str]]:
    return [set(t.lead_ids) for t in tasks]


def common_and_all_leads(tasks) -> tuple[set[str], set[str]]:
    """(agencies leading every task of the file, agencies leading any task of it)."""
    sets = lead_sets(tasks)
    if not sets:
        return set(), set()
    common = set.intersection(*sets)
    union = set().union(*sets)
    return common, union


def apply_agency_choices(prepared, choices: dict[str, str], resolver=None):
    """Replace unknown agency names the user matched to a known agency (name -> agency id).
    `resolver`: the one that knows the ids (the store's, `agency_units.resolver_for`, for its
    units); None: the reference lists.

    Returns a new Prepared; the warnings for the names resolved are dropped."""
    from analytics.agencies import default_resolver
    from analytics.text import fold_words

    choices = {k: v for k, v in (choices or {}).items() if v}
    if not choices:
        return prepared
    resolver = resolver or default_resolver()

    def unknown_id(name: str) -> str:
        slug = fold_words(name).replace(" ", "-")
        return ("x-" + slug)[:60].rstrip("-") if slug else "x-unknown"

    swap: dict[str, str] = {}
    added = {}
    for name, agency_id in choices.items():
        agency = resolver.get(agency_id)
        if agency is None:
            continue
        swap[unknown_id(name)] = agency.id
        added[agency.id] = agency

    def fix(ids: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        for i in ids:
            j = swap.get(i, i)
            if j not in out:
                out.append(j)
        return tuple(out)

    tasks = [
        dataclasses.replace(t, lead_ids=fix(t.lead_ids), support_ids=fix(t.support_ids))
        if (set(t.lead_ids) | set(t.support_ids)) & swap.keys()
        else t
        for t in prepared.tasks
    ]
    used = {i for t in tasks for i in (*t.lead_ids, *t.support_ids)}
    agencies = {a.id: a for a in prepared.agencies if a.id in used}
    for a in added.values():
        if a.id in used:
            agencies[a.id] = a
    resolved_names = {n for n, v in choices.items() if resolver.get(v) is not None}
    warnings = [
        w
        for w in prepared.warnings
        if not (w.code == "unknown_agency" and w.value in resolved_names)
    ]
    return dataclasses.replace(
        prepared, tasks=tasks, agencies=list(agencies.values()), warnings=warnings
    )


# --------------------------------------------------------------------------- the plan and preview


@dataclass(frozen=True)
class Plan:
    """How an upload is applied: the whole source ("full"), or only some agencies' tasks in it
    ("agency": the file's tasks change, every task it does not mention stays as it is; only a
    full upload leaves tasks out). The mode is said, not read from the list: an agency update
    whose list is empty is not ready (`ready`), never a full replacement. Left out, the mode is
    "agency" when agencies are given, else "full"."""

    source: str
    as_of: dt.date
    update_agencies: tuple[str, ...] = ()
    mode: str | None = None  # "full" | "agency"

    def __post_init__(self) -> None:
        mode = self.mode or ("agency" if self.update_agencies else "full")
        if mode not in PLAN_MODES:
            raise ValueError(f"unknown upload mode {mode!r}")
        if mode == "full" and self.update_agencies:
            raise ValueError("a full replacement names no agencies")
        object.__setattr__(self, "mode", mode)
        object.__setattr__(self, "update_agencies", tuple(self.update_agencies))

    @property
    def is_agency_update(self) -> bool:
        return self.mode == "agency"

    @property
    def ready(self) -> bool:
        """False for an agency update that names no agency yet (nothing may be committed)."""
        return not self.is_agency_update or bool(self.update_agencies)


PLAN_MODES = ("full", "agency")


def default_update_agencies(user, tasks, before: pd.DataFrame) -> tuple[str, ...]:
    """The agency update a file suggests: () for a full replacement.

    Agency editors always update (only) their own agencies: those leading every task of the
    file, else those leading any. Others: an agency update when every task of the file shares a
    lead agency and the source also holds tasks of other agencies."""
    common, union = common_and_all_leads(tasks)
    if getattr(user, "role", None) == "agency_editor":
        own = set(getattr(user, "agency_ids", ()) or ())
        return tuple(sorted((common & own) or (union & own) or own))
    if not common or before.empty:
        return ()
    others = before["lead_ids"].map(
        lambda ids: bool(set(ids) - common) if ids is not None else True
    )
    return tuple(sorted(common)) if bool(others.any()) else ()


def merged_after(
    before: pd.DataFrame, incoming: pd.DataFrame, update_agencies
) -> tuple[pd.DataFrame, int]:
    """The source's state after the upload, as store.commit_snapshot builds it: a full upload
    is the file; an agency update keeps, unchanged, every task in force that the file does not
    give, whatever its lead agencies (an agency's file never removes a task). Returns (after,
    number of tasks kept)."""
    if not update_agencies or before.empty:
        return incoming.reset_index(drop=True), 0
    file_ids = set(incoming["task_id"]) if len(incoming) else set()
    kept = before[~before["task_id"].isin(file_ids)]
    if incoming.empty:
        return kept.reset_index(drop=True), len(kept)
    after = pd.concat([kept, incoming], ignore_index=True)
    return after.sort_values("task_id", kind="stable").reset_index(drop=True), len(kept)


def kept_of(before: pd.DataFrame, incoming: pd.DataFrame, update_agencies) -> int:
    """How many tasks in force led by an agency of the update its file does not mention."""
    if not update_agencies or before.empty:
        return 0
    file_ids = set(incoming["task_id"]) if len(incoming) else set()
    theirs = before["lead_ids"].map(
        lambda ids: ids is not None and bool(set(update_agencies) & set(ids))
    )
    return int((theirs & ~before["task_id"].isin(file_ids)).sum())


def _norm(value):
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NaT:
        return None
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return tuple(value)
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def changed_ids(before: pd.DataFrame, after: pd.DataFrame) -> set[str]:
    """Ids present on both sides whose content (SEMANTIC_FIELDS) differs."""
    if before.empty or after.empty:
        return set()
    b = before.drop_duplicates("task_id").set_index("task_id")
    a = after.drop_duplicates("task_id").set_index("task_id")
    both = b.index.intersection(a.index)
    out = set()
    fields = [f for f in SEMANTIC_FIELDS if f in b.columns and f in a.columns]
    for tid in both:
        rb, ra = b.loc[tid], a.loc[tid]
        if any(_norm(rb[f]) != _norm(ra[f]) for f in fields):
            out.add(str(tid))
    return out


@dataclass
class Refusal:
    """What an upload would change that the user may not change."""

    agencies: tuple[str, ...]  # agencies whose tasks the upload would touch, not the user's
    tasks: dict[str, list[str]]  # agency -> task ids touched (for the audit log)
    # "agencies" | "not_allowed" | "full_by_editor" | "outside_update" | "no_agencies"
    reason: str = "agencies"
    # agency -> the same tasks as a user finds them: the file's row and the title (a derived
    # id such as 'auto-8c21e2447a' means nothing to anyone and is never shown)
    named: dict[str, list[TaskRef]] = field(default_factory=dict)


TITLE_SHOWN = 60  # characters of a title named in a message


@dataclass(frozen=True)
class TaskRef:
    """A task named for a user: the row of the file (and its sheet) and its title; a task the
    upload would take out of the list has no row in the file, only its title."""

    row: int | None
    title: str
    sheet: str | None = None

    def text(self, lang: str = "vi") -> str:
        title = " ".join(str(self.title or "").split())
        if len(title) > TITLE_SHOWN:
            title = title[: TITLE_SHOWN - 1].rstrip() + "…"
        vi = lang == "vi"
        if self.row is None:
            return f"'{title}' ({'không còn trong tệp' if vi else 'not in the file'})"
        where = f"{'dòng' if vi else 'row'} {self.row}"
        if self.sheet:
            where = f"{'trang' if vi else 'sheet'} '{self.sheet}', {where}"
        return f"{where}: {title}" if title else where


def _refs_of(frame: pd.DataFrame, ids, *, from_file: bool) -> dict[str, TaskRef]:
    """task id -> TaskRef for the `ids` found in a judged or stored frame (`from_file`: its
    rows are the file's, so named by row; else by title alone)."""
    if frame.empty:
        return {}
    part = frame[frame["task_id"].isin(list(ids))].drop_duplicates("task_id")
    out = {}
    for rec in part.to_dict("records"):
        row = rec.get("origin_row") if from_file else None
        row = None if row is None or pd.isna(row) else int(row)
        sheet = rec.get("origin_sheet") if from_file else None
        sheet = None if sheet is None or (isinstance(sheet, float) and pd.isna(sheet)) else sheet
        out[str(rec["task_id"])] = TaskRef(row, str(rec.get("title") or ""), sheet or None)
    return out


@dataclass
class Preview:
    plan: Plan
    before: pd.DataFrame  # the source's tasks in force at as_of, judged at as_of
    incoming: pd.DataFrame  # the file's tasks, judged at as_of by the store's SQL
    after: pd.DataFrame  # the source after the commit (merged for an agency update)
    kept: int  # the source's tasks the file does not give, carried over (agency update)
    changes: Changes
    changed: set[str]  # ids whose content changes
    headline_before: dict
    headline_after: dict
    overall_before: dict
    overall_after: dict
    base_snapshots: tuple[int, ...]  # the snapshots in force when the preview was made
    later: list[dt.date] = field(default_factory=list)  # later snapshots of the source
    duplicate_of: int | None = None  # the same bytes already committed for source and date
    refusal: Refusal | None = None
    # held-back rows' tasks whose version in force stays (the valid rows committed without them)
    kept_held_back: tuple[str, ...] = ()
    # the other sources' tasks in force at the date: no upload of this source touches them
    kept_elsewhere: int = 0
    # other source -> how many of the file's task ids, unknown in this source, are in force
    # there (a file read as a new source whose tasks belong to an existing one)
    ids_elsewhere: dict[str, int] = field(default_factory=dict)
    # of `kept`, the tasks of the update's own agencies that the file does not mention
    kept_own: int = 0

    @property
    def untouched(self) -> int:
        """Every task in force at the date, in every source, that stays as it is: the source's
        tasks the file does not touch and all the other sources' tasks."""
        return self.kept + self.kept_elsewhere

    @property
    def touched_ids(self) -> set[str]:
        c = self.changes
        return set(c.new["task_id"]) | set(c.removed["task_id"]) | self.changed


def _leads_by_id(frame: pd.DataFrame) -> dict[str, set[str]]:
    if frame.empty:
        return {}
    return {
        str(tid): set(ids) if ids is not None else set()
        for tid, ids in zip(frame["task_id"], frame["lead_ids"], strict=True)
    }


def check_permission(
    user,
    before: pd.DataFrame,
    after: pd.DataFrame,
    changes: Changes,
    changed: set[str],
    plan: Plan,
    *,
    with_sheet: bool = False,
) -> Refusal | None:
    """None when `user` may make this change; else what is refused.

    Every task the upload adds, removes or edits is touched; its agencies are its lead agencies
    before and after. `user.may_update(those agencies)` decides (admins: all; agency editors:
    only their own; everyone else: none). Agency editors may only send agency updates. An
    agency update that names no agency is refused for everyone (it is not ready). Each task
    refused is named by its row in the file (with its sheet: `with_sheet`) and its title."""
    if not getattr(user, "can_upload", False):
        return Refusal((), {}, "not_allowed")
    if not plan.ready:
        return Refusal((), {}, "no_agencies")
    if getattr(user, "role", None) == "agency_editor":
        own = set(getattr(user, "agency_ids", ()) or ())
        if not plan.is_agency_update:
            return Refusal((), {}, "full_by_editor")
        outside = tuple(sorted(set(plan.update_agencies) - own))
        if outside:
            return Refusal(outside, {a: [] for a in outside}, "agencies")
    lb, la = _leads_by_id(before), _leads_by_id(after)
    touched = set(changes.new["task_id"]) | set(changes.removed["task_id"]) | set(changed)
    per_agency: dict[str, list[str]] = {}
    for tid in sorted(map(str, touched)):
        for agency in lb.get(tid, set()) | la.get(tid, set()):
            per_agency.setdefault(agency, []).append(tid)
    if user.may_update(per_agency.keys()):
        return None
    refused = user.refused_agencies(per_agency.keys())
    ids = {tid for a in refused for tid in per_agency.get(a, [])}
    refs = _refs_of(before, ids, from_file=False)  # a task taken out: its title
    refs.update(_refs_of(after, ids, from_file=True))  # a task the file gives: its row
    if not with_sheet:
        refs = {k: dataclasses.replace(r, sheet=None) for k, r in refs.items()}
    return Refusal(
        tuple(refused),
        {a: per_agency.get(a, []) for a in refused},
        "agencies",
        {a: [refs[tid] for tid in per_agency.get(a, []) if tid in refs] for a in refused},
    )


def outside_refusal(tasks, plan: Plan, *, with_sheet: bool = False) -> Refusal | None:
    """An agency update whose file holds rows no agency of the update leads (the rule the
    command line's `ingest --update-agency` applies too: analytics/agency_update.py), each
    row named by its number (and sheet: `with_sheet`) and its title."""
    if not plan.is_agency_update or not plan.update_agencies:
        return None
    outside = rows_outside(tasks, plan.update_agencies)
    if not outside:
        return None
    columns = getattr(tasks, "columns", None)
    if columns is not None:
        pairs = zip(columns["title"], columns["sheet"], strict=True)
        about = dict(zip(columns["task_id"], pairs, strict=True))
    else:
        about = {t.task_id: (t.title, t.sheet) for t in tasks}
    named = {}
    for agency, items in sorted(outside.items()):
        refs = []
        for row, tid in items:
            title, sheet = about.get(tid, ("", None))
            refs.append(TaskRef(row, str(title or ""), sheet if with_sheet else None))
        named[agency] = refs
    return Refusal(
        tuple(sorted(outside)),
        {a: [str(tid) for _row, tid in items] for a, items in sorted(outside.items())},
        "outside_update",
        named,
    )


def _empty_like(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0].copy()


def judge(prepared, source: str, as_of: dt.date) -> pd.DataFrame:
    """The file's tasks judged at `as_of` with the store's own SQL."""
    return store.judge_tasks(prepared.tasks, prepared.agencies, source, as_of)


def with_held_back_kept(
    before: pd.DataFrame, incoming: pd.DataFrame, prepared
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The file's tasks plus, as store.commit_snapshot adds them, the tasks in force that its
    held-back rows name and its valid rows do not give (a row that could not be read keeps its
    task as it was). Returns (tasks, the ids kept so)."""
    ids = {h.task_id for h in getattr(prepared, "held_back", ()) if h.task_id}
    if not ids or before.empty:
        return incoming, ()
    given = set(incoming["task_id"]) if len(incoming) else set()
    kept = before[before["task_id"].isin(ids - given)]
    if kept.empty:
        return incoming, ()
    out = pd.concat([incoming, kept], ignore_index=True) if len(incoming) else kept
    return out.reset_index(drop=True), tuple(sorted(map(str, kept["task_id"])))


def build_preview(
    db, prepared, plan: Plan, user, sha: str | None = None, incoming: pd.DataFrame | None = None
) -> Preview:
    """Before/after for the source and for all sources, the changes, and the permission check.

    `incoming`: the file's tasks already judged (`judge`) for this source and date, if at hand."""
    src = (plan.source,)
    everyone = Scope.everything()
    base = store.snapshots_in_force(db, plan.as_of, src)
    before = store.load_tasks(db, plan.as_of, Filters(sources=src), everyone)
    if incoming is None:
        incoming = judge(prepared, plan.source, plan.as_of)
    if before.empty and not incoming.empty:
        before = _empty_like(incoming)
    if incoming.empty and not before.empty:
        incoming = _empty_like(before)
    given, kept_held = with_held_back_kept(before, store.admitted(before, incoming, plan), prepared)
    if plan.ready:
        after, kept = merged_after(before, given, plan.update_agencies)
    else:  # an agency update naming no agency yet changes nothing (and is refused below)
        after, kept = before.reset_index(drop=True), len(before)
    kept_own = kept_of(before, given, plan.update_agencies)  # 0 but for an agency update
    changes = compare(before, after)
    changed = changed_ids(before, after)
    everything = store.load_tasks(db, plan.as_of, Filters(), everyone)
    others = everything[everything["source"] != plan.source] if len(everything) else everything
    overall_after = pd.concat([others, after], ignore_index=True) if len(others) else after
    ids_elsewhere: dict[str, int] = {}
    if len(others) and len(incoming):  # the file's ids this source does not hold
        unknown = set(incoming["task_id"]) - set(before["task_id"])
        found = others[others["task_id"].isin(unknown)]
        ids_elsewhere = {
            str(src): int(n) for src, n in found.groupby("source")["task_id"].nunique().items()
        }
    snaps = store.list_snapshots(db)
    later: list[dt.date] = []
    duplicate = None
    if len(snaps):
        dates = pd.to_datetime(snaps["as_of"]).dt.date
        mine = (snaps["source"] == plan.source) & (snaps["status"] == "active")
        later = sorted({d for d in dates[mine] if d > plan.as_of})
        if sha:
            same = snaps[
                (snaps["file_sha256"] == sha)
                & (snaps["source"] == plan.source)
                & (dates == plan.as_of)
            ]
            duplicate = int(same["snapshot_id"].min()) if len(same) else None
    with_sheet = len(getattr(prepared, "tables", None) or ()) > 1  # rows named with their sheet
    refusal = check_permission(
        user, before, after, changes, changed, plan, with_sheet=with_sheet
    ) or outside_refusal(prepared.tasks, plan, with_sheet=with_sheet)
    return Preview(
        plan=plan,
        before=before,
        incoming=incoming,
        after=after,
        kept=kept,
        changes=changes,
        changed=changed,
        headline_before=metrics.headline(before, plan.as_of),
        headline_after=metrics.headline(after, plan.as_of),
        overall_before=metrics.headline(everything, plan.as_of),
        overall_after=metrics.headline(overall_after, plan.as_of),
        base_snapshots=tuple(base),
        later=later,
        duplicate_of=duplicate,
        refusal=refusal,
        kept_held_back=kept_held,
        kept_elsewhere=len(others),
        ids_elsewhere=ids_elsewhere,
        kept_own=kept_own,
    )


# --------------------------------------------------------------------------- commit


class StaleState(RuntimeError):
    """The source changed (another commit) between the preview and the confirmation."""


class Refused(PermissionError):
    def __init__(self, refusal: Refusal):
        self.refusal = refusal
        super().__init__(f"refused: {refusal.reason} {refusal.agencies}")


def commit(
    db,
    prepared,
    plan: Plan,
    data: bytes,
    file_name: str,
    user,
    preview: Preview,
    *,
    accept_valid_rows: bool = False,
):
    """Commit one snapshot, all or nothing, after checking again that nothing changed since the
    preview and that the user may make the change. Returns store.CommitResult.

    `accept_valid_rows`: the rows with errors are held back (recorded with the snapshot, their
    tasks kept as they were) and the valid rows committed; without it any error refuses."""
    if not plan.ready:  # never stored as a full replacement: an agency update names agencies
        raise Refused(Refusal((), {}, "no_agencies"))
    if accept_valid_rows:
        prepared = prepared.accepting_valid_rows()
    if prepared.errors:
        raise InputRejected(prepared.errors, prepared.warnings)
    fresh = build_preview(db, prepared, plan, user)
    if fresh.base_snapshots != preview.base_snapshots:
        raise StaleState("the source changed since the preview")
    if fresh.refusal is not None:
        raise Refused(fresh.refusal)
    table = prepared.table
    try:
        return store.commit_snapshot(
            db,
            source=plan.source,
            as_of=plan.as_of,
            tasks=prepared.tasks,
            agencies=prepared.agencies,
            file_bytes=data,
            file_name=display_name(file_name),
            sheet=prepared.sheet_names or None,
            header_row=table.header_row,
            user=getattr(user, "username", None),
            warnings=prepared.warnings,
            update_agencies=list(plan.update_agencies) if plan.is_agency_update else None,
            expected_base=tuple(preview.base_snapshots),
            held_back=prepared.held_back,
        )
    except store.StaleBase as exc:  # another commit landed between the check above and the write
        raise StaleState(str(exc)) from exc


# --------------------------------------------------------------------------- audit


def audit(
    db,
    username: str | None,
    action: str,
    target: str | None = None,
    details=None,
    outcome: str = "ok",
) -> bool:
    """Record an event in the audit log (analytics.audit.record); never fails the upload."""
    from analytics import audit as audit_log

    try:
        audit_log.record(db, username, action, target, details, outcome)
    except Exception:  # logged; the user's work goes on
        log.exception("audit record failed: %s %s", action, target)
        return False
    return True


# --------------------------------------------------------------------------- problems for display

PROBLEM_GROUPS = ("unknown_agency", "free_text_deadline", "dates_vs_words", "other")


def group_warnings(warnings: list[Problem]) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = {g: [] for g in PROBLEM_GROUPS}
    for w in warnings:
        out[w.code if w.code in out else "other"].append(w)
    return {k: v for k, v in out.items() if v}


PROBLEM_COLUMNS = {  # field of a problem → the key of its column header in texts.toml
    "sheet": "col.sheet_short",
    "row": "col.row",
    "column": "col.column",
    "value": "col.value",
    "message": "col.message",
    "suggestions": "col.closest_names",
}


def problems_frame(problems: list[Problem], lang: str = "vi") -> pd.DataFrame:
    head = {f: t(key, lang) for f, key in PROBLEM_COLUMNS.items()}
    rows = [
        {
            head["sheet"]: p.sheet or "",
            head["row"]: p.row,
            head["column"]: p.column or "",
            head["value"]: p.value or "",
            head["message"]: p.message_vi if lang == "vi" else p.message,
            head["suggestions"]: "; ".join(p.suggestions),
        }
        for p in problems
    ]
    frame = pd.DataFrame(rows, columns=list(head.values()))
    frame[head["row"]] = frame[head["row"]].astype("Int64")
    if not any(p.suggestions for p in problems):
        frame = frame.drop(columns=[head["suggestions"]])
    if not any(p.sheet for p in problems):  # one sheet read: no sheet to name
        frame = frame.drop(columns=[head["sheet"]])
    return frame


def table_info(prepared) -> dict:
    """What the annotated copy needs to know about the reading."""
    t = prepared.table
    return {
        "file_format": t.file_format,
        "sheet": t.sheet,
        "header_row": t.header_row,
        "headers": list(t.headers),
        "mapping": dict(t.mapping),
        "delimiter": t.delimiter,
        # several task sheets: each sheet's own reading (a problem names its sheet)
        "sheets": {
            x.sheet: {"headers": list(x.headers), "mapping": dict(x.mapping)}
            for x in getattr(prepared, "tables", None) or []
            if x.sheet is not None
        },
    }


def column_label(index: int, header: str | None) -> str:
    """'C – Cơ quan chủ trì' for column index 2."""
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(index + 1)
    return f"{letter} – {header}" if header else letter
