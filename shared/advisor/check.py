"""`python -m shared.advisor.check FILE [--json]`: validate an export before uploading it.

Prints the validation summary (recognised columns, rows accepted and rejected with the first 20
errors, warnings, key statistics). Exit status 0 when the file would be accepted, 1 when it is
refused, 2 when it cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.advisor.model import ExportRefused
from shared.advisor.parse import Limits, parse_export
from shared.advisor.stats import compute_statistics
from shared.settings import SettingsError, load_settings


def check_file(path: Path, limits: Limits) -> tuple[int, dict]:
    """(exit status, report) for one file."""
    data = path.read_bytes()
    try:
        result = parse_export(data, limits)
    except ExportRefused as refused:
        return 1, {"file": str(path), "accepted": False, "refusal": refused.to_dict()}
    stats = compute_statistics(result.records)
    return 0, {"file": str(path), "accepted": True, **result.summary(),
               "statistics": {k: stats[k] for k in ("totals", "byCategory", "byImpact")}}


def format_text(report: dict) -> str:
    lines = [f"File: {report['file']}"]
    if not report["accepted"]:
        refusal = report["refusal"]
        lines.append(f"REFUSED ({refusal['code']}): {refusal['message']}")
        for detail in refusal.get("details", []):
            lines.append(f"  line {detail['line']}: {detail['message']}")
        return "\n".join(lines)
    lines.append(f"Accepted: {report['rowsAccepted']} of {report['rowsTotal']} rows "
                 f"({report['rowsRejected']} rejected, {report['duplicates']} duplicates); "
                 f"{report['encoding']}, {report['delimiter']}-separated")
    recognised = report["columns"]["recognised"]
    lines.append(f"Columns recognised ({len(recognised)}): " + ", ".join(recognised))
    if report["columns"]["unrecognised"]:
        lines.append("Columns kept as data: " + ", ".join(report["columns"]["unrecognised"]))
    for error in report["errors"]:
        column = f" [{error['column']}]" if error.get("column") else ""
        lines.append(f"  rejected line {error['line']}{column}: {error['message']}")
    if report["errorsTruncated"]:
        lines.append("  (only the first 20 rejected rows are listed)")
    for warning in report["warnings"]:
        where = f" (lines {', '.join(map(str, warning['lines']))})" if warning["lines"] else ""
        lines.append(f"Warning {warning['code']} x{warning['count']}: {warning['message']}{where}")
    totals = report["statistics"]["totals"]
    lines.append(f"Recommendations: {totals['recommendations']} "
                 f"({totals['highImpact']} high impact) across {totals['subscriptions']} "
                 "subscription(s)")
    for c in report["statistics"]["byCategory"]:
        lines.append(f"  {c['category']}: {c['count']}")
    for s in totals["savingsByCurrency"]:
        lines.append(f"Potential annual savings: {s['annualSavings']:,.2f} {s['currency']} "
                     f"({s['recommendations']} recommendations; estimates overlap)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.advisor.check",
                                     description="Validate an Azure Advisor CSV export.")
    parser.add_argument("file", type=Path)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not args.file.is_file():
        print(f"{args.file}: no such file", file=sys.stderr)
        return 2
    status, report = check_file(args.file, Limits(settings.max_upload_bytes, settings.max_rows))
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else format_text(report))
    return status


if __name__ == "__main__":
    sys.exit(main())
