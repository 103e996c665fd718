"""`sample`: load the bundled sample snapshots; `bootstrap`: what `make run` does first."""

from __future__ import annotations

import sys

from analytics.cli.common import add_db, out


def cmd_sample(args) -> int:
    from analytics.ingest import ingest
    from sample import sample_files

    loaded = []
    for f in sample_files():
        result, _ = ingest(
            args.db, f.path.read_bytes(), f.path.name, as_of=f.as_of, source=f.source, user="sample"
        )
        loaded.append(
            {
                "snapshot_id": result.snapshot_id,
                "source": result.source,
                "as_of": result.as_of.isoformat(),
                "tasks": result.tasks,
                "duplicate": result.duplicate,
            }
        )
    out({"loaded": loaded})
    return 0


def cmd_bootstrap(args) -> int:
    """What `make run` does first: load the sample into an empty database."""
    from analytics import store

    loaded = []
    if store.is_empty(args.db):
        code = cmd_sample(args)
        if code:
            return code
        loaded = ["sample"]
    sys.stderr.write(
        f"Database: {store.db_path(args.db)}" + (" (sample data loaded)" if loaded else "") + "\n"
    )
    from analytics import accounts

    password = accounts.ensure_admin(args.db)
    if password:
        sys.stderr.write(
            "\nAdministrator sign-in (shown only this once; only an argon2 hash is stored):\n"
            "  in the dashboard's sidebar open 'Đăng nhập / Sign in' and enter\n"
            "  username: admin\n"
            f"  password: {password}\n"
            "A new password at any time: python -m analytics users set-password admin\n\n"
        )
    else:
        sys.stderr.write(
            "Administrators sign in with their own accounts "
            "(python -m analytics users list | set-password USERNAME).\n"
        )
    return 0


def register_cli(sub) -> None:
    p = sub.add_parser("sample", help="load the bundled sample snapshots")
    add_db(p)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("bootstrap", help="load the sample into an empty database (make run)")
    add_db(p)
    p.set_defaults(func=cmd_bootstrap)
