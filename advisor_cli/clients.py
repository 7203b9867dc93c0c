"""advisor-reports clients: list, create, show or update clients (name, logo, colour)."""

from __future__ import annotations

import sys

from advisor_cli.client import Api, ApiFailure
from advisor_cli.common import print_json, put_logo


def _schedule(text: str) -> dict | None:
    """`DAY:HOUR` (UTC) as the API's monthly schedule; `none` for none. The server checks the
    ranges and names a bad one."""
    if text.strip().lower() == "none":
        return None
    day, _, hour = text.partition(":")
    try:
        return {"frequency": "monthly", "day": int(day), "hour": int(hour or 0)}
    except ValueError:
        raise ApiFailure(400, "InvalidSchedule", f"--import-schedule {text!r}: give DAY:HOUR, "
                         "such as 1:6 (the 1st of every month at 06:00 UTC), or none.",
                         "") from None


def cmd_clients(api: Api, args) -> int:
    if args.action == "list":
        for c in api.all_pages("clients", {"search": args.search} if args.search else {}):
            print(f"{c['clientId']:<32} {'active' if c['active'] else 'inactive':<9} "
                  f"{c['name']}")
    elif args.action == "create":
        print_json(api.json("POST", "clients", json={"name": args.name}))
    elif args.action == "update":
        fields = {k: v for k, v in (("name", args.new_name), ("accentColor", args.color),
                                    ("active", args.active)) if v is not None}
        if args.import_schedule is not None:
            fields["importSchedule"] = _schedule(args.import_schedule)
        if args.subscriptions is not None:
            fields["subscriptionIds"] = [s.strip() for s in args.subscriptions.split(",")
                                         if s.strip()]
        if args.logo:
            put_logo(api, args.logo, f"clients/{args.name}/logo")
        client = api.json("PATCH", f"clients/{args.name}", json=fields) if fields else \
            api.json("GET", f"clients/{args.name}")
        print_json(client)
        print("Render a report again to see the change: advisor-reports render REPORT_ID",
              file=sys.stderr)
    else:
        print_json(api.json("GET", f"clients/{args.name}"))
    return 0
