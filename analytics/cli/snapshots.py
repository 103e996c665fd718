"""`snapshots`, `retract ID`, `restore ID`: the snapshots stored, and taking one out or back."""

from __future__ import annotations

import json

from analytics.cli.common import add_db, fail, out


def cmd_snapshots(args) -> int:
    from analytics import store

    frame = store.list_snapshots(args.db)
    out(
        {
            "snapshots": json.loads(
                frame.to_json(orient="records", date_format="iso", force_ascii=False)
            )
        }
    )
    return 0


def cmd_status(args, status: str) -> int:
    from analytics import store

    if not store.set_snapshot_status(args.db, args.snapshot_id, status, user=args.user):
        return fail(
            f"No snapshot {args.snapshot_id}", 2, f"Không có bản dữ liệu {args.snapshot_id}"
        )
    out({"snapshot_id": args.snapshot_id, "status": status})
    return 0


def register_cli(sub) -> None:
    p = sub.add_parser("snapshots", help="list snapshots")
    add_db(p)
    p.set_defaults(func=cmd_snapshots)

    for name, status in (("retract", "retracted"), ("restore", "active")):
        p = sub.add_parser(name, help=f"{name} a snapshot")
        p.add_argument("snapshot_id", type=int)
        add_db(p)
        p.add_argument("--user", default=None)
        p.set_defaults(func=lambda a, s=status: cmd_status(a, s))
