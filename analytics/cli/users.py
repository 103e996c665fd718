"""`users add|list|disable|enable|set-role|set-password|unlock`: the dashboard's accounts."""

from __future__ import annotations

import sys

from analytics.access import ASSIGNABLE_ROLES
from analytics.cli.common import actor, add_db, out

GENERATED = "Generated password, shown once; only its hash is stored."


def _records(frame) -> list[dict]:
    """The accounts of accounts.list_users as plain JSON."""
    docs = []
    for rec in frame.to_dict(orient="records"):
        rec = dict(rec)
        ids = rec.get("agency_ids")
        rec["agency_ids"] = [str(a) for a in ids] if ids is not None else []
        rec["disabled"] = bool(rec.get("disabled"))
        for k in ("created_at", "updated_at"):
            v = rec.get(k)
            rec[k] = v.isoformat() if hasattr(v, "isoformat") else v
        rec["display_name"] = (
            rec.get("display_name") if isinstance(rec.get("display_name"), str) else None
        )
        docs.append(rec)
    return docs


def _user_doc(db, username: str) -> dict:
    from analytics import accounts

    frame = accounts.list_users(db)
    row = frame.loc[frame["username"] == accounts.normalize_username(username)]
    if row.empty:
        return {"username": accounts.normalize_username(username)}
    return _records(row)[0]


def _add(args, by: str) -> dict:
    from analytics import accounts

    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
    generated = accounts.add_user(
        args.db,
        args.username,
        args.role,
        password=password,
        agency_ids=args.agency or (),
        display_name=args.display_name,
        by=by,
    )
    doc = {"user": _user_doc(args.db, args.username)}
    if generated:
        doc["password"] = generated
        doc["message"] = GENERATED
    return doc


def _answer(args, by: str) -> dict:
    """Make the change the command asks for; the JSON it prints."""
    from analytics import accounts

    db, command = args.db, args.users_command
    if command == "add":
        return _add(args, by)
    if command == "list":
        return {"users": _records(accounts.list_users(db))}
    if command == "disable":
        accounts.disable_user(db, args.username, by=by)
    elif command == "enable":
        accounts.enable_user(db, args.username, by=by)
    elif command == "set-role":
        accounts.set_role(db, args.username, args.role, agency_ids=args.agency, by=by)
    elif command == "set-password":
        password = accounts.set_password(db, args.username, by=by)
        return {"user": _user_doc(db, args.username), "password": password, "message": GENERATED}
    elif command == "unlock":
        ended = accounts.unlock_user(db, args.username, by=by)
        return {"user": _user_doc(db, args.username), "unlocked": True, "lockouts": ended}
    else:  # pragma: no cover - argparse requires a command
        raise accounts.AuthError("unknown users command")
    return {"user": _user_doc(db, args.username)}


def cmd_users(args) -> int:
    from analytics import accounts

    try:
        doc = _answer(args, actor())
    except accounts.AuthError as exc:
        out({"errors": [{"row": None, "column": None, "value": None, "message": str(exc)}]})
        return 2
    out(doc)
    return 0


def register_cli(subparsers) -> None:
    """Add `users add|list|disable|enable|set-role|set-password|unlock` to the command line."""
    p = subparsers.add_parser("users", help="manage dashboard accounts (JSON on stdout)")
    users = p.add_subparsers(dest="users_command", required=True)

    def with_db(q):
        add_db(q)
        q.set_defaults(func=cmd_users)

    q = users.add_parser(
        "add", help="create an account (password generated unless --password-stdin)"
    )
    q.add_argument("username")
    q.add_argument("--role", required=True, help=f"one of: {', '.join(ASSIGNABLE_ROLES)}")
    q.add_argument("--agency", action="append", default=None, help="agency id (repeat for several)")
    q.add_argument("--display-name", default=None)
    q.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    with_db(q)

    q = users.add_parser("list", help="list accounts")
    with_db(q)

    for name, text in (
        ("disable", "disable an account"),
        ("enable", "enable an account"),
        ("unlock", "clear a sign-in lockout"),
    ):
        q = users.add_parser(name, help=text)
        q.add_argument("username")
        with_db(q)

    q = users.add_parser("set-role", help="change an account's role (and agencies)")
    q.add_argument("username")
    q.add_argument("role", help=f"one of: {', '.join(ASSIGNABLE_ROLES)}")
    q.add_argument("--agency", action="append", default=None, help="agency id (repeat for several)")
    with_db(q)

    q = users.add_parser("set-password", help="generate a new password (printed once)")
    q.add_argument("username")
    with_db(q)
