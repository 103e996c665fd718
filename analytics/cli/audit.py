"""`audit verify`: check the audit log (analytics/audit.py); exit 0 when intact, 2 naming the
first missing or altered entry, 1 when the key cannot be read."""

from __future__ import annotations

from analytics.cli.common import add_db, out


def _error(message: str, message_vi: str, value: str | None = None) -> dict:
    return {
        "errors": [
            {
                "row": None,
                "column": None,
                "value": value,
                "message": message,
                "message_vi": message_vi,
            }
        ]
    }


def cmd_verify(args) -> int:
    from analytics import audit, store

    path = store.db_path(args.db)
    if not path.is_file():
        out(
            _error(
                f"No database file {path}: nothing to verify.",
                f"Không có tệp cơ sở dữ liệu {path}: không có gì để kiểm tra.",
                str(path),
            )
        )
        return 2
    try:
        verdict = audit.verify(path)
    except audit.AuditError as exc:
        out(_error(exc.message, exc.message_vi))
        return 1
    out(verdict.as_dict())
    return 0 if verdict.intact else 2


def register_cli(subparsers) -> None:
    """Add `audit verify` to the command line."""
    p = subparsers.add_parser("audit", help="the audit log (JSON on stdout)")
    sub = p.add_subparsers(dest="audit_command", required=True)
    q = sub.add_parser(
        "verify",
        help="check the audit log: exit 0 when intact, 2 naming the first missing or altered entry",
    )
    add_db(q)
    q.set_defaults(func=cmd_verify)
