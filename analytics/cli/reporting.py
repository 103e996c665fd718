"""Agencies report back from the command line (issue 15): `claim`, `confirm`, `return`,
`extend`, `approve`, `reject`, `cancel`. Each acts as the account `--user` names
(accounts.get_user), with that account's permissions (checked in analytics/reporting/records.py,
as for the pages), and prints the new or decided item as JSON (exit 0).

Exit 2 with the failure JSON (`code`: the refusal's: not_allowed, no_task, ambiguous_task,
not_pending, not_found, invalid; or no_user, no_database), nothing stored, when the account does
not exist or is disabled, its role or agency does not allow the action, the task or item does not
exist, the task id is in several sources and --source does not say which, the item is no longer
pending, a reason is missing or a date or an id is not valid. The actions write their refusals
to the audit log themselves (outcome `refused`, records.audited). A task id is the stored `task_id`,
the one the exports (`report --format xlsx`: column "Mã nhiệm vụ") and the pages show.
"""

from __future__ import annotations

import datetime as dt

from analytics.cli.common import add_db, fail, out
from analytics.i18n import t

MAX_ID = 2**31 - 1


def _say(code: str, key: str, **values) -> int:
    """Exit 2 with the text `key` in both languages."""
    return fail(t(key, "en", **values), 2, t(key, "vi", **values), kind=code)


def _date(text: str) -> dt.date:
    from analytics.reporting.rules import refused

    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise refused("invalid", "bad_date", value=text) from None


def _ident(text: str) -> int:
    from analytics.reporting import Refused

    value = str(text).strip()
    if value.isdigit() and 1 <= int(value) <= MAX_ID:
        return int(value)
    raise Refused(
        "invalid",
        t("cli_reporting.bad_id", "en", value=text),
        t("cli_reporting.bad_id", "vi", value=text),
    )


def _claim_answer(db, answer: dict) -> dict:
    """claim's answer: the claim the report made (or the one still standing for it)."""
    from analytics import store

    with store.connect(db) as con:
        source, task_id = con.execute(
            "select source, task_id from task_reports where report_id = ?", [answer["report_id"]]
        ).fetchone()
        row = con.execute(
            "select claim_id, state from completion_claims where report_id = ? "
            "order by claim_id desc limit 1",
            [answer["report_id"]],
        ).fetchone()
    doc = {
        "claim_id": row[0] if row else None,
        "source": source,
        "task_id": task_id,
        "state": row[1] if row else None,
        "report_id": answer["report_id"],
        "version": answer["version"],
        "changed": answer.get("changed", []),
    }
    if row is None:  # officially completed already: the report is stored, no claim needed
        doc["message"] = t("cli_reporting.no_claim_needed", "en")
        doc["message_vi"] = t("cli_reporting.no_claim_needed", "vi")
    return doc


def _act(args, user) -> dict:
    """Do what the command says as `user`; the JSON it prints. Raises Refused."""
    from analytics import reporting

    db, command, source = args.db, args.command, getattr(args, "source", None)
    if command == "claim":
        completed_on = _date(args.completed_on)
        answer = reporting.claim(
            db, user, args.task_id, completed_on, args.evidence, source=source, channel="cli"
        )
        return _claim_answer(db, answer)
    if command == "extend":
        to = _date(args.to)
        answer = reporting.request_deadline(db, user, args.task_id, to, args.reason, source=source)
        return {**answer, "state": "pending", "requested_deadline": to.isoformat()}
    if command == "cancel":
        answer = reporting.cancel_task(
            db, user, args.task_id, args.reason, args.document, source=source
        )
        return {**answer, "state": "cancelled"}
    ident = _ident(args.item_id)
    if command == "confirm":
        return reporting.confirm_claim(db, user, ident)
    if command == "return":
        return reporting.return_claim(db, user, ident, args.reason)
    if command == "approve":
        return reporting.approve_request(db, user, ident)
    if command == "reject":
        return reporting.reject_request(db, user, ident, args.reason)
    raise AssertionError(command)  # pragma: no cover - argparse names the command


def cmd_reporting(args) -> int:
    from analytics import accounts, store
    from analytics.reporting import Refused

    path = store.db_path(args.db)
    if not path.exists():
        return _say("no_database", "cli_reporting.no_database", path=str(path))
    user = accounts.get_user(args.db, args.user)
    if user is None:
        return _say("no_user", "cli_reporting.no_user", user=args.user)
    try:
        doc = _act(args, user)
    except Refused as exc:  # the action recorded it in the audit log (records.audited)
        return fail(exc.message, 2, exc.message_vi, kind=exc.code)
    out(doc)
    return 0


def _common(p, *, task: bool) -> None:
    p.add_argument("--user", required=True, help="the account acting (its role and agencies)")
    if task:
        p.add_argument(
            "--source", default=None, help="the task's source, when the id is in several"
        )
    add_db(p)
    p.set_defaults(func=cmd_reporting)


def register_cli(sub) -> None:
    """Add claim, confirm, return, extend, approve, reject and cancel to the command line."""
    p = sub.add_parser("claim", help="report a task completed, with its evidence (a claim)")
    p.add_argument("task_id", help="the task's id, as the exports and the pages show it")
    p.add_argument("--completed-on", required=True, help="YYYY-MM-DD")
    p.add_argument("--evidence", default=None, help="number and date of the report or product")
    _common(p, task=True)

    for name, text in (
        ("confirm", "confirm a completion claim (steering office)"),
        ("return", "return a completion claim, with a reason (steering office)"),
        ("approve", "approve a deadline change request (steering office)"),
        ("reject", "reject a deadline change request, with a reason (steering office)"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("item_id", metavar="ID", help="the claim_id or request_id")
        if name in ("return", "reject"):
            p.add_argument("--reason", default=None, help="why (required)")
        _common(p, task=False)

    p = sub.add_parser("extend", help="ask for a task's deadline to move, with a reason")
    p.add_argument("task_id")
    p.add_argument("--to", required=True, help="the new deadline, YYYY-MM-DD")
    p.add_argument("--reason", default=None, help="why (required)")
    _common(p, task=True)

    p = sub.add_parser("cancel", help="cancel a task, with its reason and document (steering)")
    p.add_argument("task_id")
    p.add_argument("--reason", default=None, help="why (required)")
    p.add_argument("--document", default=None, help="the deciding document (required)")
    _common(p, task=True)
