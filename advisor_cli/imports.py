"""advisor-reports import: a client's recommendations read from Azure, made into a report."""

from __future__ import annotations

from pathlib import Path

from advisor_cli.client import Api
from advisor_cli.reports import _download, _wait


def _source_lines(report: dict) -> list[str]:
    """Each subscription the import read: its count, or why it could not be read."""
    lines = []
    for sub in (report.get("imported") or {}).get("subscriptions") or []:
        label = f"{sub.get('name') or ''} ({sub['subscriptionId']})".strip()
        if sub.get("error"):
            lines.append(f"  {label}: not read: {sub['error']}")
        else:
            lines.append(f"  {label}: {sub.get('recommendations', 0):,} recommendation(s)")
    return lines


def cmd_import(api: Api, args) -> int:
    body = {k: v for k, v in (("title", args.title), ("reportTypes", args.types),
                              ("formats", args.formats), ("baselineReportId", args.baseline))
            if v}
    if args.notes_file:
        body["notes"] = Path(args.notes_file).read_text(encoding="utf-8")
    accepted = api.json("POST", f"clients/{args.client}/imports", json=body or None)
    report_id = accepted["reportId"]
    print(f"Importing client {args.client}'s Advisor recommendations from Azure as report "
          f"{report_id}")
    print(f"  status: {accepted['statusQueryGetUri'].split('?')[0]}")
    if not (args.wait or args.out):
        print(f"  follow it: advisor-reports status {report_id} --watch")
        return 0
    args.report_id = report_id  # so an interrupt can say how to resume
    try:
        report = _wait(api, accepted["statusQueryGetUri"], report_id)
    finally:
        lines = _source_lines(api.json("GET", f"reports/{report_id}"))
        if lines:
            print("Subscriptions read:\n" + "\n".join(lines))
    if args.out:
        _download(api, report, Path(args.out), args.types, args.formats, args.force)
    return 0
