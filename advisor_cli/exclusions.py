"""advisor-reports exclusions: a client's exclusion rules (list, add, remove)."""

from __future__ import annotations

import sys

from advisor_cli.client import Api, ApiFailure


def cmd_exclusions(api: Api, args) -> int:
    url = f"clients/{args.client}/exclusions"
    if args.action == "list":
        rules = api.all_pages(url, {})
        for r in rules:
            what = "everything" if r["all"] else "; ".join(
                f"{k}={r[k]}" for k in ("recommendation", "category", "subscriptionId",
                                        "resourceGroup", "resourceId", "resourceIdPrefix",
                                        "resourceType") if r.get(k))
            state = "in force" if r["inForce"] else "not in force"
            print(f"{r['ruleId']:<16} {r['kind']:<15} {state:<13} "
                  f"expires {(r['expiresAt'] or 'never')[:10]:<10} {what}  ({r['reason']})")
        print(f"{len(rules)} rule(s)", file=sys.stderr)
        return 0
    if args.action == "remove":
        if not args.rule_id:
            raise ApiFailure(400, "MissingRuleId", "exclusions remove needs a rule id", "")
        api.request("DELETE", f"{url}/{args.rule_id}")
        print(f"Removed {args.rule_id}; render the client's reports again to apply it")
        return 0
    body = {k: v for k, v in (
        ("recommendation", args.recommendation), ("category", args.category),
        ("subscriptionId", args.subscription), ("resourceGroup", args.resource_group),
        ("resourceId", args.resource_id), ("resourceIdPrefix", args.resource_id_prefix),
        ("resourceType", args.resource_type), ("reason", args.reason), ("kind", args.kind),
        ("expiresAt", args.expires)) if v}
    if args.all:
        body["all"] = True
    rule = api.json("POST", url, json=body)
    print(f"Added {rule['ruleId']}; render the client's reports again to apply it")
    return 0
