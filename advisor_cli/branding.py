"""advisor-reports branding: the partner's name, contact line and logo on every report."""

from __future__ import annotations

from advisor_cli.client import Api
from advisor_cli.common import print_json, put_logo


def cmd_branding(api: Api, args) -> int:
    if args.action == "set":
        if args.logo:
            put_logo(api, args.logo, "branding/logo")
        fields = {k: v for k, v in (("name", args.name), ("contact", args.contact))
                  if v is not None}
        if fields:
            api.json("PATCH", "branding", json=fields)
    elif args.action == "remove-logo":
        api.request("DELETE", "branding/logo")
    print_json(api.json("GET", "branding"))
    return 0
