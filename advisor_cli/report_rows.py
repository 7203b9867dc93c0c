"""advisor-reports recommendations, changes: a report's rows, on the terminal or as CSV."""

from __future__ import annotations

import csv
import sys

from advisor_cli.client import Api


def cmd_recommendations(api: Api, args) -> int:
    from shared.advisor.safety import neutralise_formula

    params = {k: v for k, v in (("category", args.category), ("impact", args.impact),
                                ("search", args.search)) if v}
    rows = api.all_pages(f"reports/{args.report_id}/recommendations", params)
    if args.csv:
        columns = ["line", "category", "impact", "recommendation", "subscriptionName",
                   "resourceGroup", "resourceName", "resourceType", "annualSavings", "currency",
                   "potentialBenefits"]
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([neutralise_formula("" if row.get(c) is None else str(row[c]))
                             for c in columns])
    else:
        for row in rows:
            savings = f"  {row['annualSavings']:,.2f} {row['currency']}" \
                if row.get("annualSavings") is not None else ""
            print(f"{row['impact']:<7} {row['category']:<22} {row['recommendation'][:70]:<70} "
                  f"{row['resourceName']}{savings}")
        print(f"{len(rows)} recommendation(s)", file=sys.stderr)
    return 0


CHANGE_COLUMNS = ["change", "impact", "category", "recommendation", "resourceName",
                  "resourceId", "subscriptionId", "annualSavings", "currency"]


def cmd_changes(api: Api, args) -> int:
    from shared.advisor.safety import neutralise_formula

    params = {"change": args.change} if args.change else {}
    summary = api.json("GET", f"reports/{args.report_id}/changes",
                       params={**params, "pageSize": 1})
    rows = api.all_pages(f"reports/{args.report_id}/changes", params)
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(CHANGE_COLUMNS)
        for row in rows:
            writer.writerow([neutralise_formula("" if row.get(c) is None else str(row[c]))
                             for c in CHANGE_COLUMNS])
        return 0
    baseline = summary["baseline"]
    if baseline is None:
        print("No baseline: this is the client's first completed report, so nothing to "
              "compare with.")
        return 0
    counts = summary["counts"]
    print(f"Since {baseline['reportId']} ({(baseline.get('createdAt') or '')[:10]}, "
          f"{baseline.get('title') or 'untitled'}): {counts['new']:,} new, "
          f"{counts['resolved']:,} resolved, {counts['persisting']:,} still open")
    for c in summary["byCategory"]:
        print(f"  {c['category']:<24} new {c['new']:>6,}  resolved {c['resolved']:>6,}  "
              f"still open {c['persisting']:>6,}")
    for s in summary["savingsByCurrency"]:
        print(f"  savings {s['currency']}: new {s['new']:,.2f}, resolved {s['resolved']:,.2f}")
    for row in rows:
        print(f"{row['change']:<9} {row['impact']:<7} {row['category']:<22} "
              f"{row['recommendation'][:60]:<60} {row['resourceName'] or row['resourceId']}")
    return 0
