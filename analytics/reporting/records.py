"""The reporting-back actions (issue 15), each one transaction with its audit entry: an agency's
progress report on a task (versioned, undoable by its author until its claim is confirmed), the
completion claim a report makes, the steering office's confirmation or return, deadline change
requests and their approval or rejection, cancellations, report rounds.

Who may do what is checked here, in the data layer, for the pages and the command line alike:
an agency editor reports and asks only for tasks its agencies (or their units) lead; admins and
coordinators report on any task, confirm, approve, cancel and open rounds. Every refusal is a
`Refused` with the reason in both languages; nothing is stored then.
"""

from __future__ import annotations

import datetime as dt
import functools
from contextlib import contextmanager, suppress

from analytics import audit, store
from analytics.access import STEERING_ROLES, User
from analytics.reporting.rules import (
    REPORT_FIELDS,
    Conflict,
    Refused,
    ReportFields,
    changed_fields,
    check_report,
    clean_text,
    cleaned,
    refused,
    vn_today,
)

DONE = ("done_on_time", "done_late", "done_unspecified")


@contextmanager
def _transaction(db):
    """The write lock, a connection, one transaction (rolled back on any error), the audit
    log's head anchored afterwards."""
    with audit.writing(db) as con:
        con.execute("begin transaction")
        try:
            yield con
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise


def _next_id(con, table: str, column: str) -> int:
    # names from code, never from users
    return con.execute(f"select coalesce(max({column}), 0) + 1 from {table}").fetchone()[0]  # noqa: S608


def _task(con, task_id: str, source: str | None) -> dict:
    """The task in the latest state (sql/task_in_force.sql); Refused when no source has it, or
    several do and `source` does not say which."""
    rows = con.execute(
        store.sql("task_in_force"), {"task_id": str(task_id), "source": source}
    ).fetchall()
    if not rows:
        raise refused("no_task", "no_task", task=task_id)
    if len(rows) > 1:
        raise refused(
            "ambiguous_task", "ambiguous_task", task=task_id, sources=", ".join(r[0] for r in rows)
        )
    keys = ("source", "task_id", "title", "lead_ids", "deadline_original", "deadline")
    keys += ("status_class", "completion_date", "confirmed_on", "cancelled_at")
    return dict(zip(keys, rows[0], strict=True))


def own_agencies(con, user: User) -> set[str]:
    """The agencies an editor reports for: its own and their registered units."""
    ids = list(user.agency_ids)
    return {*ids, *store.units_of(con, ids)}


def _may_report(con, user: User, task: dict) -> None:
    """Refused unless `user` may report on (and ask about) `task`."""
    if user.role in STEERING_ROLES:
        return
    if user.role == "agency_editor" and own_agencies(con, user) & set(task["lead_ids"] or ()):
        return
    raise refused("not_allowed", "not_your_task", task=task["task_id"], user=user.username)


PERMISSION_KEYS = ("confirm", "approve", "cancel", "open_round")
"""The permissions the actions check (`_may`); the refusal of each is `reporting.no_<it>`."""


def _may(user: User, permission: str) -> None:
    if permission not in PERMISSION_KEYS:
        raise ValueError(f"not a reporting permission: {permission}")  # a programming error
    if not user.allows(permission):
        raise refused("not_allowed", f"no_{permission}", user=user.username)


def _target(source: str, task_id: str) -> str:
    return f"{source}/{task_id}"


def audited(action: str, target_of):
    """Decorator of a public action `f(db, user, ...)`: a refusal is recorded in the audit log
    (outcome 'refused', its code) before it is raised, so the log holds every attempt, done or
    not. `target_of(args)`: the target from the action's other positional arguments."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(db, user, *args, **kwargs):
            try:
                return func(db, user, *args, **kwargs)
            except Refused as exc:
                source = kwargs.get("source")
                target = target_of(args, source)
                details = {"reason": exc.code}
                with suppress(Exception):  # the refusal stands even if the log cannot be written
                    audit.record(db, user.username, action, target, details, outcome="refused")
                raise

        return wrapper

    return decorate


def _task_target(args, source) -> str:
    return f"{source or '?'}/{args[0]}" if args else "?"


def _id_target(kind: str):
    return lambda args, source: f"{kind}/{args[0]}" if args else kind


def _latest_report(con, source: str, task_id: str) -> dict | None:
    cur = con.execute(
        "select * from task_reports where source = ? and task_id = ? and undone_at is null "
        "order by version desc limit 1",
        [source, task_id],
    )
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row, strict=True)) if row else None


def _store_evidence(con, evidence, data: bytes | None) -> None:
    if evidence is None or data is None:
        return
    con.execute(
        "insert into blobs select ?, ?, ?, now() where not exists "
        "(select 1 from blobs where sha256 = ?)",
        [evidence.sha256, evidence.size_bytes, data, evidence.sha256],
    )


def _save_report(
    db,
    user: User,
    task_id: str,
    report: ReportFields,
    *,
    source: str | None = None,
    expected_version: int | None = None,
    check_version: bool = True,
    channel: str = "app",
    evidence=None,
    evidence_data: bytes | None = None,
) -> dict:
    """Store a new version of the report on a task. `expected_version`: the version the author
    started from (None: there was none); someone else's newer version raises Conflict with
    theirs. A report 'completed' on a task not officially completed is a completion claim,
    pending the steering office (an earlier pending claim of the task is withdrawn).
    `evidence`: an analytics.reporting.evidence.Evidence, its bytes `evidence_data`.
    Returns report_id, version, changed (the fields that changed), claim_id."""
    report = cleaned(report)
    with _transaction(db) as con:
        task = _task(con, task_id, source)
        _may_report(con, user, task)
        check_report(report, vn_today())
        latest = _latest_report(con, task["source"], task["task_id"])
        version_now = latest["version"] if latest else None
        if check_version and version_now != expected_version:
            raise Conflict(latest or {})
        changed = changed_fields(latest, report)
        if evidence is not None and (latest or {}).get("evidence_sha256") != evidence.sha256:
            changed.append("evidence_file")
        if not changed and _claim_again(con, task, report):
            changed = ["claim_resubmitted"]  # the same completion sent again after a return
        if not changed and latest is None:
            raise refused("invalid", "empty_report")
        if not changed:
            return {"report_id": latest["report_id"], "version": version_now, "changed": []}
        report_id = _next_id(con, "task_reports", "report_id")
        version = (version_now or 0) + 1
        _store_evidence(con, evidence, evidence_data)
        row = report.as_row()
        row["cause_codes"] = list(report.cause_codes) or None
        if evidence is None and latest and not {"evidence_text", "status_reported"} & set(changed):
            evidence_pair = (latest.get("evidence_sha256"), latest.get("evidence_name"))
        else:
            evidence_pair = (evidence.sha256, evidence.file_name) if evidence else (None, None)
        con.execute(  # column names from REPORT_FIELDS (code), values bound
            "insert into task_reports (report_id, source, task_id, version, reported_at, "  # noqa: S608
            "reported_by, channel, evidence_sha256, evidence_name, "
            + ", ".join(REPORT_FIELDS)
            + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            + ", ".join("?" for _ in REPORT_FIELDS)
            + ")",
            [
                report_id,
                task["source"],
                task["task_id"],
                version,
                audit.now(),
                user.username,
                channel,
                *evidence_pair,
                *(row[k] for k in REPORT_FIELDS),
            ],
        )
        claim_id = _claim_from(con, user, task, report, report_id, evidence_pair[0])
        audit.append(
            con,
            user.username,
            "report_save",
            _target(task["source"], task["task_id"]),
            {"report_id": report_id, "version": version, "changed": changed, "claim_id": claim_id},
        )
    return {"report_id": report_id, "version": version, "changed": changed, "claim_id": claim_id}


save_report = audited("report_save", _task_target)(_save_report)


def _claim_again(con, task: dict, report: ReportFields) -> bool:
    """A completion reported again, unchanged, when its claim was returned or withdrawn: a new
    claim (none pending or confirmed, the task not officially completed)."""
    if report.status_reported != "completed" or _officially_completed(task, vn_today()):
        return False
    open_ = con.execute(
        "select count(*) from completion_claims where source = ? and task_id = ? "
        "and state in ('pending', 'confirmed')",
        [task["source"], task["task_id"]],
    ).fetchone()[0]
    return open_ == 0


def _officially_completed(task: dict, on: dt.date) -> bool:
    if task["status_class"] == "cancelled":
        return False
    if task["completion_date"] is not None:
        return task["completion_date"] <= on
    return task["status_class"] in DONE


def _claim_from(con, user, task, report: ReportFields, report_id, evidence_sha) -> int | None:
    """The completion claim a report 'completed' makes (None when it makes none)."""
    if report.status_reported != "completed" or _officially_completed(task, vn_today()):
        return None
    return _new_claim(
        con, user, task, report.completed_on, report.evidence_text, report_id, evidence_sha
    )


def _new_claim(con, user, task, completed_on, evidence_text, report_id, evidence_sha) -> int:
    con.execute(
        "update completion_claims set state = 'withdrawn', decided_at = ?, decided_by = ?, "
        "decision_reason = 'superseded' where source = ? and task_id = ? and state = 'pending'",
        [audit.now(), user.username, task["source"], task["task_id"]],
    )
    claim_id = _next_id(con, "completion_claims", "claim_id")
    con.execute(
        "insert into completion_claims (claim_id, source, task_id, report_id, completed_on, "
        "evidence_text, evidence_sha256, claimed_at, claimed_by, state) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
        [
            claim_id,
            task["source"],
            task["task_id"],
            report_id,
            completed_on,
            evidence_text,
            evidence_sha,
            audit.now(),
            user.username,
        ],
    )
    return claim_id


@audited("report_save", _task_target)
def claim(
    db,
    user: User,
    task_id: str,
    completed_on: dt.date,
    evidence_text: str,
    *,
    source: str | None = None,
    channel: str = "cli",
) -> dict:
    """A completion claim on a task: a report 'completed' on top of its latest report (its
    other fields kept). Returns save_report's answer."""
    with store.connect(db) as con:
        task = _task(con, task_id, source)
        latest = _latest_report(con, task["source"], task["task_id"])
    base = {k: (latest or {}).get(k) for k in REPORT_FIELDS}
    base["cause_codes"] = tuple(base.get("cause_codes") or ())
    base.update(status_reported="completed", completed_on=completed_on, evidence_text=evidence_text)
    return _save_report(
        db,
        user,
        task["task_id"],
        ReportFields(**base),
        source=task["source"],
        check_version=False,
        channel=channel,
    )


@audited("report_undo", _id_target("report"))
def undo_report(db, user: User, report_id: int) -> dict:
    """Undo the latest version of a report, by its author, while its claim is not confirmed:
    the version before it is in force again; its pending claim is withdrawn."""
    with _transaction(db) as con:
        row = con.execute(
            "select source, task_id, version, reported_by, undone_at from task_reports "
            "where report_id = ?",
            [int(report_id)],
        ).fetchone()
        if row is None or row[4] is not None:
            raise refused("not_found", "no_report", id=report_id)
        source, task_id, version, author, _ = row
        if author != user.username:
            raise refused("not_allowed", "not_your_report", id=report_id)
        latest = _latest_report(con, source, task_id)
        if latest is None or latest["report_id"] != int(report_id):
            raise refused("invalid", "not_latest_report", id=report_id)
        decided = con.execute(
            "select claim_id from completion_claims where report_id = ? and state = 'confirmed'",
            [int(report_id)],
        ).fetchone()
        if decided:
            raise refused("invalid", "report_confirmed", id=report_id)
        now = audit.now()
        con.execute(
            "update task_reports set undone_at = ?, undone_by = ? where report_id = ?",
            [now, user.username, int(report_id)],
        )
        con.execute(
            "update completion_claims set state = 'withdrawn', decided_at = ?, decided_by = ?, "
            "decision_reason = 'undone' where report_id = ? and state = 'pending'",
            [now, user.username, int(report_id)],
        )
        audit.append(
            con, user.username, "report_undo", _target(source, task_id), {"report_id": report_id}
        )
    return {"report_id": int(report_id), "version": version, "undone": True}


def _pending(con, table: str, key: str, ident: int) -> tuple:
    row = con.execute(
        f"select source, task_id, state from {table} where {key} = ?",  # noqa: S608 (names from code)
        [int(ident)],
    ).fetchone()
    if row is None:
        raise refused("not_found", f"no_{key}", id=ident)
    if row[2] != "pending":
        raise refused("not_pending", "not_pending", id=ident, state=row[2])
    return row


def _decide(db, user, *, table, key, ident, state, permission, action, reason=None) -> dict:
    """A pending claim or request decided: confirmed / returned, approved / rejected."""
    _may(user, permission)
    if state in ("returned", "rejected") and not clean_text(reason):
        raise refused("invalid", "reason_needed")
    with _transaction(db) as con:
        source, task_id, _ = _pending(con, table, key, ident)
        con.execute(
            f"update {table} set state = ?, decided_at = ?, decided_by = ?, "  # noqa: S608
            f"decision_reason = ? where {key} = ?",
            [state, audit.now(), user.username, clean_text(reason), int(ident)],
        )
        audit.append(
            con,
            user.username,
            action,
            _target(source, task_id),
            {key: int(ident), "state": state, "reason": clean_text(reason)},
        )
    return {key: int(ident), "source": source, "task_id": task_id, "state": state}


def _decision(action: str, table: str, key: str, state: str, permission: str):
    """One of the steering office's decisions on a pending claim or request, as a function
    `(db, user, ident, reason=None)`; a reason is required for a return or a rejection."""

    @audited(action, _id_target(key.removesuffix("_id")))
    def decide(db, user: User, ident: int, reason: str | None = None) -> dict:
        return _decide(
            db, user, table=table, key=key, ident=ident, state=state,
            permission=permission, action=action, reason=reason,
        )  # fmt: skip

    decide.__name__ = decide.__qualname__ = action
    return decide


confirm_claim = _decision("claim_confirm", "completion_claims", "claim_id", "confirmed", "confirm")
return_claim = _decision("claim_return", "completion_claims", "claim_id", "returned", "confirm")
approve_request = _decision(
    "deadline_approve", "deadline_requests", "request_id", "approved", "approve"
)
reject_request = _decision(
    "deadline_reject", "deadline_requests", "request_id", "rejected", "approve"
)


@audited("deadline_request", _task_target)
def request_deadline(
    db, user: User, task_id: str, to: dt.date, reason: str, *, source: str | None = None
) -> dict:
    """Ask for a task's deadline to move to `to`, with a reason; an earlier pending request of
    the task is withdrawn."""
    reason = clean_text(reason)
    with _transaction(db) as con:
        task = _task(con, task_id, source)
        _may_report(con, user, task)
        if not reason:
            raise refused("invalid", "reason_needed")
        if not isinstance(to, dt.date):
            raise refused("invalid", "bad_date", value=to)
        if task["deadline"] == to:
            raise refused("invalid", "same_deadline", date=to.strftime("%d/%m/%Y"))
        now = audit.now()
        con.execute(
            "update deadline_requests set state = 'withdrawn', decided_at = ?, decided_by = ?, "
            "decision_reason = 'superseded' where source = ? and task_id = ? and state = 'pending'",
            [now, user.username, task["source"], task["task_id"]],
        )
        request_id = _next_id(con, "deadline_requests", "request_id")
        con.execute(
            "insert into deadline_requests (request_id, source, task_id, deadline_before, "
            "requested_deadline, reason, requested_at, requested_by, state) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
            [request_id, task["source"], task["task_id"], task["deadline"], to, reason, now,
             user.username],
        )  # fmt: skip
        audit.append(
            con,
            user.username,
            "deadline_request",
            _target(task["source"], task["task_id"]),
            {"request_id": request_id, "from": task["deadline"], "to": to, "reason": reason},
        )
    return {"request_id": request_id, "source": task["source"], "task_id": task["task_id"]}


@audited("task_cancel", _task_target)
def cancel_task(
    db, user: User, task_id: str, reason: str, document: str, *, source: str | None = None
) -> dict:
    """Take a task off the list, with its reason and the document that decided it: it is shown
    as cancelled, never deleted."""
    _may(user, "cancel")
    reason, document = clean_text(reason), clean_text(document, 300)
    if not reason or not document:
        raise refused("invalid", "cancel_needs_reason")
    with _transaction(db) as con:
        task = _task(con, task_id, source)
        if task["cancelled_at"] is not None:
            raise refused("invalid", "already_cancelled", task=task["task_id"])
        cancel_id = _next_id(con, "task_cancellations", "cancel_id")
        con.execute(
            "insert into task_cancellations (cancel_id, source, task_id, reason, document, "
            "cancelled_at, cancelled_by) values (?, ?, ?, ?, ?, ?, ?)",
            [cancel_id, task["source"], task["task_id"], reason, document, audit.now(),
             user.username],
        )  # fmt: skip
        audit.append(
            con,
            user.username,
            "task_cancel",
            _target(task["source"], task["task_id"]),
            {"cancel_id": cancel_id, "reason": reason, "document": document},
        )
    return {"cancel_id": cancel_id, "source": task["source"], "task_id": task["task_id"]}


@audited("task_uncancel", _id_target("cancel"))
def revoke_cancellation(db, user: User, cancel_id: int) -> dict:
    """Withdraw a cancellation made by mistake: the task counts again."""
    _may(user, "cancel")
    with _transaction(db) as con:
        row = con.execute(
            "select source, task_id from task_cancellations where cancel_id = ? "
            "and revoked_at is null",
            [int(cancel_id)],
        ).fetchone()
        if row is None:
            raise refused("not_found", "no_cancel_id", id=cancel_id)
        con.execute(
            "update task_cancellations set revoked_at = ?, revoked_by = ? where cancel_id = ?",
            [audit.now(), user.username, int(cancel_id)],
        )
        audit.append(
            con, user.username, "task_uncancel", _target(*row), {"cancel_id": int(cancel_id)}
        )
    return {"cancel_id": int(cancel_id), "source": row[0], "task_id": row[1]}


@audited("round_open", lambda args, source: "round")
def open_round(db, user: User, title: str, due_on: dt.date, agency_ids=None) -> dict:
    """Open a report round: the agencies named (None: all) report by `due_on`."""
    _may(user, "open_round")
    title = clean_text(title, 300)
    if not title or not isinstance(due_on, dt.date):
        raise refused("invalid", "round_needs_title")
    ids = sorted({str(a) for a in agency_ids}) if agency_ids else None
    with _transaction(db) as con:
        round_id = _next_id(con, "report_rounds", "round_id")
        con.execute(
            "insert into report_rounds (round_id, title, due_on, agency_ids, opened_at, "
            "opened_by) values (?, ?, ?, ?, ?, ?)",
            [round_id, title, due_on, ids, audit.now(), user.username],
        )
        audit.append(
            con,
            user.username,
            "round_open",
            f"round/{round_id}",
            {"title": title, "due_on": due_on, "agencies": ids},
        )
    return {"round_id": round_id}


@audited("round_close", _id_target("round"))
def close_round(db, user: User, round_id: int) -> dict:
    _may(user, "open_round")
    with _transaction(db) as con:
        row = con.execute(
            "select round_id from report_rounds where round_id = ? and closed_at is null",
            [int(round_id)],
        ).fetchone()
        if row is None:
            raise refused("not_found", "no_round_id", id=round_id)
        con.execute(
            "update report_rounds set closed_at = ?, closed_by = ? where round_id = ?",
            [audit.now(), user.username, int(round_id)],
        )
        audit.append(con, user.username, "round_close", f"round/{round_id}", None)
    return {"round_id": int(round_id), "closed": True}


@audited("setting_change", lambda args, source: "stale_days")
def set_stale_days(db, user: User, days: int) -> None:
    """The setting: an agency whose tasks have no report for `days` days is marked stale."""
    _may(user, "open_round")
    if not isinstance(days, int) or not 1 <= days <= 365:
        raise refused("invalid", "bad_stale_days", value=days)
    with _transaction(db) as con:
        con.execute("delete from meta where key = 'stale_days'")
        con.execute("insert into meta values ('stale_days', ?)", [str(days)])
        audit.append(con, user.username, "setting_change", "stale_days", {"days": days})
