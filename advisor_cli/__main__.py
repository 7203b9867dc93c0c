"""advisor-reports: the command line for Advisor Reports.

    advisor-reports upload export.csv --client contoso --wait --out ./reports
    advisor-reports status REPORT_ID --watch
    advisor-reports list --client contoso --status completed
    advisor-reports download REPORT_ID --out ./reports --types executive,cost --formats pdf
    advisor-reports recommendations REPORT_ID --category Cost --impact High --csv
    advisor-reports check export.csv
    advisor-reports clients list | create NAME | show ID
    advisor-reports clients update ID --name "Fabrikam Ltd." --logo logo.png --color '#0b5cad'
    advisor-reports branding set --name "Northwind Advisory" --contact "..." --logo logo.png
    advisor-reports notes REPORT_ID --file notes.md   (then: render REPORT_ID)
    advisor-reports bulk delete --client contoso --status failed --yes

The server is --url / ADVISOR_REPORTS_URL (default http://localhost:7071, where `make run`
serves) and the key --key / ADVISOR_REPORTS_KEY (default: the key `make run` generated).
Exit status: 0 done, 1 refused or failed, 2 usage or connection problems, 130 interrupted.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import requests

from advisor_cli.client import Api, ApiFailure
from advisor_cli.progress import Display, follow

TYPES = ("executive", "detailed", "cost", "security", "operations")
FORMATS = ("html", "pdf", "xlsx", "pptx")


def _choices(allowed: tuple[str, ...]):
    def parse(value: str) -> list[str]:
        chosen = [v.strip().lower() for v in value.split(",") if v.strip()]
        unknown = [v for v in chosen if v not in allowed]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(unknown)}; choose from {', '.join(allowed)}")
        return chosen
    return parse


def _print_json(data) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _download(api: Api, report: dict, out: Path, types: list[str] | None,
              formats: list[str] | None) -> list[Path]:
    chosen = [a for a in report.get("artifacts") or []
              if (not types or a["reportType"] in types)
              and (not formats or a["format"] in formats)]
    if not chosen:
        raise ApiFailure(404, "NoArtifacts", "The report has no artifacts of those types and "
                         "formats.", "")
    paths = []
    for artifact in chosen:
        path = api.download(artifact["url"], out)
        print(f"  {path} ({artifact['size']:,} bytes)")
        paths.append(path)
    return paths


def _report_summary(report: dict) -> str:
    counts = report["counts"]
    lines = [f"{report['reportId']}  {report['status']}  {report.get('title', '')}",
             f"  client {report['clientId']} · rows {counts['rowsAccepted']:,} accepted, "
             f"{counts['rowsRejected']:,} rejected, {counts['duplicates']:,} duplicates"]
    if report.get("failureReason"):
        lines.append(f"  failed: {report['failureReason']}")
    for error in (report.get("errors") or [])[:10]:
        lines.append(f"  line {error.get('line', '?')}: {error['message']}")
    for warning in report.get("warnings") or []:
        lines.append(f"  warning {warning['code']} x{warning.get('count', 1)}: "
                     f"{warning['message']}")
    for artifact in report.get("artifacts") or []:
        lines.append(f"  {artifact['reportType']}.{artifact['format']}  {artifact['url']}")
    return "\n".join(lines)


def _wait(api: Api, status_url: str, report_id: str) -> dict:
    status = follow(api, status_url, Display())
    report = api.json("GET", f"reports/{report_id}")
    print(_report_summary(report))
    if status["runtimeStatus"] != "Completed" or report["status"] == "failed":
        raise ApiFailure(422, "ReportFailed", report.get("failureReason")
                         or str(status.get("output")), "")
    return report


# -- commands ----------------------------------------------------------------------------------


def cmd_upload(api: Api, args) -> int:
    params = {"clientId": args.client}
    if args.title:
        params["title"] = args.title
    if args.types:
        params["reportTypes"] = ",".join(args.types)
    if args.formats:
        params["formats"] = ",".join(args.formats)
    if args.baseline:
        params["baselineReportId"] = args.baseline
    if args.client_name:
        params["clientName"] = args.client_name
    fields = {"notes": Path(args.notes_file).read_text(encoding="utf-8")} \
        if args.notes_file else None
    with open(args.file, "rb") as handle:
        accepted = api.json("POST", "reports", params=params, data=fields,
                            files={"file": (Path(args.file).name, handle, "text/csv")},
                            timeout=600)
    report_id = accepted["reportId"]
    print(f"Uploaded {args.file} as report {report_id}")
    print(f"  status: {accepted['statusQueryGetUri'].split('?')[0]}")
    if not (args.wait or args.out):
        print(f"  follow it: advisor-reports status {report_id} --watch")
        return 0
    args.report_id = report_id  # so an interrupt can say how to resume
    report = _wait(api, accepted["statusQueryGetUri"], report_id)
    if args.out:
        _download(api, report, Path(args.out), args.types, args.formats)
    return 0


def cmd_status(api: Api, args) -> int:
    report = api.json("GET", f"reports/{args.report_id}")
    if args.watch and report["status"] in ("queued", "processing"):
        report = _wait(api, report["links"]["status"], args.report_id)
    else:
        print(_report_summary(report))
    return 1 if report["status"] == "failed" else 0


def cmd_list(api: Api, args) -> int:
    params = {k: v for k, v in (("clientId", args.client),
                                ("status", ",".join(args.status or []) or None)) if v}
    reports = api.all_pages("reports", params)
    for r in reports:
        created = (r["timings"].get("createdAt") or "")[:16].replace("T", " ")
        print(f"{r['reportId']:<24} {r['status']:<10} {created:<16} {r['clientId']:<16} "
              f"{r['counts']['rowsAccepted']:>7,}  {r.get('title', '')}")
    print(f"{len(reports)} report(s)", file=sys.stderr)
    return 0


def cmd_download(api: Api, args) -> int:
    report = api.json("GET", f"reports/{args.report_id}")
    if report["status"] != "completed":
        raise ApiFailure(409, "NotCompleted", f"The report is {report['status']}; download it "
                         "when it has completed.", "")
    _download(api, report, Path(args.out), args.types, args.formats)
    return 0


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


def cmd_check(api: Api | None, args) -> int:
    from shared.advisor.check import main as check_main

    return check_main([args.file, *(["--json"] if args.json else [])])


def _put_logo(api: Api, path: str, route: str) -> None:
    data = Path(path).read_bytes()
    kind = "image/jpeg" if path.lower().endswith((".jpg", ".jpeg")) else "image/png"
    api.json("PUT", route, data=data, headers={"Content-Type": kind})


def cmd_clients(api: Api, args) -> int:
    if args.action == "list":
        for c in api.all_pages("clients", {"search": args.search} if args.search else {}):
            print(f"{c['clientId']:<32} {'active' if c['active'] else 'inactive':<9} "
                  f"{c['name']}")
    elif args.action == "create":
        _print_json(api.json("POST", "clients", json={"name": args.name}))
    elif args.action == "update":
        fields = {k: v for k, v in (("name", args.new_name), ("accentColor", args.color),
                                    ("active", args.active)) if v is not None}
        if args.logo:
            _put_logo(api, args.logo, f"clients/{args.name}/logo")
        client = api.json("PATCH", f"clients/{args.name}", json=fields) if fields else \
            api.json("GET", f"clients/{args.name}")
        _print_json(client)
        print("Render a report again to see the change: advisor-reports render REPORT_ID",
              file=sys.stderr)
    else:
        _print_json(api.json("GET", f"clients/{args.name}"))
    return 0


def cmd_branding(api: Api, args) -> int:
    if args.action == "set":
        if args.logo:
            _put_logo(api, args.logo, "branding/logo")
        fields = {k: v for k, v in (("name", args.name), ("contact", args.contact))
                  if v is not None}
        if fields:
            api.json("PATCH", "branding", json=fields)
    elif args.action == "remove-logo":
        api.request("DELETE", "branding/logo")
    _print_json(api.json("GET", "branding"))
    return 0


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


def cmd_notes(api: Api, args) -> int:
    text = Path(args.file).read_text(encoding="utf-8") if args.file else ""
    report = api.json("PATCH", f"reports/{args.report_id}", json={"notes": text})
    print(f"Notes of report {report['reportId']} {'set' if text else 'removed'} "
          f"({len(text):,} characters); render it again to see them: "
          f"advisor-reports render {report['reportId']}")
    return 0


def cmd_render(api: Api, args) -> int:
    body = {k: v for k, v in (("reportTypes", args.types), ("formats", args.formats)) if v}
    accepted = api.json("POST", f"reports/{args.report_id}/render", json=body or None)
    print(f"Rendering report {args.report_id} again")
    args.wait = args.wait or bool(args.out)
    if args.wait:
        report = _wait(api, accepted["statusQueryGetUri"], args.report_id)
        if args.out:
            _download(api, report, Path(args.out), args.types, args.formats)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="advisor-reports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="server base URL (default $ADVISOR_REPORTS_URL or "
                                      "http://localhost:7071)")
    parser.add_argument("--key", help="function key (default $ADVISOR_REPORTS_KEY or the "
                                      "key `make run` generated)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("upload", help="upload an export and start processing it")
    p.add_argument("file")
    p.add_argument("--client", default="default")
    p.add_argument("--title")
    p.add_argument("--types", type=_choices(TYPES), help="comma list (default all)")
    p.add_argument("--formats", type=_choices(FORMATS),
                   help="comma list (default html,pdf; xlsx: workbooks, pptx: the executive "
                        "deck)")
    p.add_argument("--client-name", help="the client's name when the upload creates it")
    p.add_argument("--notes-file", help="consultant's notes for the executive summary "
                                        "(text or Markdown: paragraphs, - bullets, **bold**)")
    p.add_argument("--wait", action="store_true", help="follow progress until done")
    p.add_argument("--out", help="download the reports here when done (implies --wait)")
    p.add_argument("--baseline", help="the report to compare with (default: the client's "
                                      "latest completed report)")
    p.set_defaults(run=cmd_upload)

    p = sub.add_parser("status", help="a report's status")
    p.add_argument("report_id")
    p.add_argument("--watch", action="store_true", help="follow progress until done")
    p.set_defaults(run=cmd_status)

    p = sub.add_parser("list", help="list reports")
    p.add_argument("--client")
    p.add_argument("--status", type=_choices(("queued", "processing", "completed", "failed")))
    p.set_defaults(run=cmd_list)

    p = sub.add_parser("download", help="download a report's files")
    p.add_argument("report_id")
    p.add_argument("--out", default=".")
    p.add_argument("--types", type=_choices(TYPES))
    p.add_argument("--formats", type=_choices(FORMATS))
    p.set_defaults(run=cmd_download)

    p = sub.add_parser("recommendations", help="a report's recommendations")
    p.add_argument("report_id")
    p.add_argument("--category")
    p.add_argument("--impact")
    p.add_argument("--search")
    p.add_argument("--csv", action="store_true", help="CSV on standard output")
    p.set_defaults(run=cmd_recommendations)

    p = sub.add_parser("changes", help="what changed since the report's baseline")
    p.add_argument("report_id")
    p.add_argument("--change", choices=("new", "resolved"))
    p.add_argument("--csv", action="store_true", help="CSV on standard output")
    p.set_defaults(run=cmd_changes)

    p = sub.add_parser("exclusions", help="a client's exclusion rules: list, add, remove")
    p.add_argument("action", choices=("list", "add", "remove"))
    p.add_argument("rule_id", nargs="?", help="the rule to remove")
    p.add_argument("--client", required=True)
    p.add_argument("--recommendation")
    p.add_argument("--category")
    p.add_argument("--subscription")
    p.add_argument("--resource-group")
    p.add_argument("--resource-id")
    p.add_argument("--resource-id-prefix")
    p.add_argument("--resource-type")
    p.add_argument("--all", action="store_true", help="match every recommendation")
    p.add_argument("--reason")
    p.add_argument("--kind", choices=("accepted-risk", "not-applicable", "postponed"),
                   default="accepted-risk")
    p.add_argument("--expires", help="ISO 8601 date-time the rule stops (postponed needs it)")
    p.set_defaults(run=cmd_exclusions)

    p = sub.add_parser("check", help="validate an export locally (no server needed)")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_check, local=True)

    p = sub.add_parser("clients", help="list, create, show or update clients")
    p.add_argument("action", choices=("list", "create", "show", "update"))
    p.add_argument("name", nargs="?", help="the name (create) or id (show, update)")
    p.add_argument("--search")
    p.add_argument("--name", dest="new_name", help="update: the client's name on covers")
    p.add_argument("--logo", help="update: a PNG or JPEG logo (at most 512 KiB)")
    p.add_argument("--color", help="update: the accent colour, e.g. '#0b5cad'")
    active = p.add_mutually_exclusive_group()
    active.add_argument("--active", dest="active", action="store_true", default=None)
    active.add_argument("--inactive", dest="active", action="store_false",
                        help="update: refuse new uploads for the client")
    p.set_defaults(run=cmd_clients)

    p = sub.add_parser("branding", help="the partner's name, contact line and logo on every "
                                        "report")
    p.add_argument("action", choices=("show", "set", "remove-logo"))
    p.add_argument("--name", help="set: shown as 'Prepared by NAME'")
    p.add_argument("--contact", help="set: a contact line for the covers")
    p.add_argument("--logo", help="set: a PNG or JPEG logo (at most 512 KiB)")
    p.set_defaults(run=cmd_branding)

    p = sub.add_parser("bulk", help="delete, render or retry many reports at once")
    p.add_argument("action", choices=("delete", "render", "retry"))
    p.add_argument("--client")
    p.add_argument("--status", choices=("queued", "processing", "completed", "failed"))
    p.add_argument("--created-to", help="ISO 8601 date-time: reports created up to then")
    p.add_argument("--ids", help="comma list of report ids (instead of a filter)")
    p.add_argument("--yes", action="store_true", help="delete: yes, really")
    p.set_defaults(run=cmd_bulk)

    p = sub.add_parser("notes", help="set a report's consultant's notes (no --file: remove)")
    p.add_argument("report_id")
    p.add_argument("--file", help="text or Markdown: paragraphs, - bullets, **bold**")
    p.set_defaults(run=cmd_notes)

    p = sub.add_parser("render", help="render a report again (after branding or notes "
                                      "changed)")
    p.add_argument("report_id")
    p.add_argument("--types", type=_choices(TYPES))
    p.add_argument("--formats", type=_choices(FORMATS))
    p.add_argument("--wait", action="store_true")
    p.add_argument("--out", help="download the files here when done (implies --wait)")
    p.set_defaults(run=cmd_render)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "clients" and args.action != "list" and not args.name:
        what = "name" if args.action == "create" else "id"
        parser.error(f"clients {args.action} needs a {what}")
    api = None if getattr(args, "local", False) else Api.from_settings(args.url, args.key)
    try:
        return args.run(api, args)
    except ApiFailure as failure:
        print(f"error: {failure}", file=sys.stderr)
        return 1 if failure.status < 500 or failure.code == "ReportFailed" else 2
    except requests.ConnectionError:
        print(f"error: cannot reach {api.url}; is the app running (make run)?", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        report = getattr(args, "report_id", None)
        hint = f"advisor-reports status {report} --watch" if report else \
            "advisor-reports list, then advisor-reports status ID --watch"
        print(f"\ninterrupted: the work goes on on the server; resume watching with: {hint}",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
