"""advisor-reports bulk: delete, render or retry many reports at once."""

from __future__ import annotations

import sys
import time

from advisor_cli.client import Api


def cmd_bulk(api: Api, args) -> int:
    if args.action == "delete" and not args.yes:
        print("error: bulk delete removes reports for good: add --yes to go ahead",
              file=sys.stderr)
        return 2
    body: dict = {"action": args.action}
    if args.ids:
        body["reportIds"] = [i.strip() for i in args.ids.split(",") if i.strip()]
    else:
        body["filter"] = {k: v for k, v in (("clientId", args.client), ("status", args.status),
                                            ("createdTo", args.created_to)) if v}
    accepted = api.json("POST", "reports/bulk", json=body)
    print(f"Bulk {args.action} of {accepted['count']} report(s) started ({accepted['bulkId']})")
    url = accepted["statusQueryGetUri"]
    while True:
        response = api.request("GET", url)
        status = response.json()
        if response.status_code == 200:
            break
        progress = status.get("customStatus") or {}
        print(f"  {progress.get('done', 0)}/{progress.get('total', '?')} done", file=sys.stderr)
        time.sleep(2)
    results = (status.get("output") or {}).get("results") or []
    counts = {k: sum(1 for r in results if r["outcome"] == k)
              for k in ("deleted", "started", "skipped", "failed")}
    print(", ".join(f"{k} {v}" for k, v in counts.items()))
    for result in results:
        if result["outcome"] in ("skipped", "failed"):
            print(f"  {result['reportId']}: {result['outcome']}: {result.get('reason', '')}")
    return 1 if counts["failed"] else 0
