"""`agencies add NAME --parent ID | alias TEXT --to ID | list [--parent ID]`: the agency register
a store keeps (analytics/agency_units.py), JSON on stdout."""

from __future__ import annotations

from analytics.cli.common import actor, add_db, out


def _agency_doc(agency, resolver) -> dict:
    from analytics.agency_units import label

    return {
        "agency_id": agency.id,
        "name_vi": agency.name_vi,
        "name_en": agency.name_en,
        "agency_type": agency.type,
        "parent_id": agency.parent_id,
        "label": label(agency, resolver),
    }


def cmd_agencies(args) -> int:
    from analytics import agency_units as units
    from analytics.text import nfc

    by = getattr(args, "user", None) or actor()
    try:
        if args.agencies_command == "add":
            unit = units.add_unit(args.db, args.name, args.parent, name_en=args.name_en, by=by)
            out({"unit": _agency_doc(unit, units.resolver_for(args.db))})
        elif args.agencies_command == "alias":
            target = units.add_alias(args.db, args.text, args.to, by=by)
            resolver = units.resolver_for(args.db)
            out({"alias": nfc(args.text), "agency": _agency_doc(target, resolver)})
        else:
            out(units.listing(args.db, args.parent))
    except units.RegisterError as exc:
        out(
            {
                "errors": [
                    {
                        "row": None,
                        "column": None,
                        "value": None,
                        "code": exc.code,
                        "message": exc.message,
                        "message_vi": exc.message_vi,
                    }
                ]
            }
        )
        return 2
    return 0


def register_cli(subparsers) -> None:
    """`agencies add NAME --parent ID | alias TEXT --to ID | list [--parent ID]` (JSON out)."""
    p = subparsers.add_parser(
        "agencies", help="units of ministries and provinces, and other names of agencies"
    )
    sub = p.add_subparsers(dest="agencies_command", required=True)

    def common(q, user: bool = True) -> None:
        add_db(q)
        if user:
            q.add_argument("--user", default=None, help="who makes the change (audit log)")
        q.set_defaults(func=cmd_agencies)

    q = sub.add_parser("add", help="register a unit of a ministry, agency or province")
    q.add_argument("name", help="the unit's name as files write it, e.g. 'Vụ Pháp chế'")
    q.add_argument("--parent", required=True, help="the parent's id (mof, moet, p01, ...)")
    q.add_argument("--name-en", default=None, help="the unit's English name")
    common(q)

    q = sub.add_parser("alias", help="register another name of an agency or unit")
    q.add_argument("text", help="the name as files write it")
    q.add_argument("--to", required=True, help="the agency's or unit's id")
    common(q)

    q = sub.add_parser("list", help="the registered units and names")
    q.add_argument("--parent", default=None, help="only this parent's units and names")
    common(q, user=False)
