"""advisor-reports upload, status, list, download, notes, render: a report and its files."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from advisor_cli.client import Api, ApiFailure, WouldOverwrite, save
from advisor_cli.progress import Display, follow


def _download(api: Api, report: dict, out: Path, types: list[str] | None,
              formats: list[str] | None, force: bool = False) -> list[Path]:
    """The chosen files into `out`. Without `force`, nothing is written when any of them is
    already there (last month's folder): the command names the files and stops."""
    chosen = [a for a in report.get("artifacts") or []
              if (not types or a["reportType"] in types)
              and (not formats or a["format"] in formats)]
    if not chosen:
        raise ApiFailure(404, "NoArtifacts", "The report has no artifacts of those types and "
                         "formats.", "")
    # The server names the files: ask for all of them before writing any.
    opened = []
    try:
        for artifact in chosen:
            opened.append((artifact, *api.open_download(artifact["url"])))
        there = [name for _, name, _ in opened if (out / name).exists()]
        if there and not force:
            raise WouldOverwrite(_overwrite_message(report["reportId"], out, there, types,
                                                    formats))
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for artifact, name, response in opened:
            path = save(response, out / name, force)
            print(f"  {path} ({artifact['size']:,} bytes)")
            paths.append(path)
        return paths
    finally:
        for _, _, response in opened:
            response.close()


def _overwrite_message(report_id: str, out: Path, names: list[str], types: list[str] | None,
                       formats: list[str] | None) -> str:
    again = ["advisor-reports", "download", report_id, "--out", str(out), "--force"]
    again += ["--types", ",".join(types)] if types else []
    again += ["--formats", ",".join(formats)] if formats else []
    files = ", ".join(f'"{name}"' for name in names)
    return (f"{plural(len(names), 'file')} already in {out}: {files}. Nothing was downloaded. "
            f"To replace {'it' if len(names) == 1 else 'them'}: {shlex.join(again)}; or "
            "choose another --out.")


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _report_summary(report: dict) -> str:
    counts = report["counts"]
    lines = [f"{report['reportId']}  {report['status']}  {report.get('title', '')}",
             f"  client {report['clientId']} · rows {counts['rowsAccepted']:,} accepted, "
             f"{counts['rowsRejected']:,} rejected, {counts['duplicates']:,} duplicates"]
    if report.get("comparable") is False:
        lines.append("  not for comparison: never a baseline, left out of trend and portfolio")
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
    if args.appendix:
        params["appendix"] = args.appendix
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
        _download(api, report, Path(args.out), args.types, args.formats, args.force)
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
    _download(api, report, Path(args.out), args.types, args.formats, args.force)
    return 0


def cmd_notes(api: Api, args) -> int:
    text = Path(args.file).read_text(encoding="utf-8") if args.file else ""
    report = api.json("PATCH", f"reports/{args.report_id}", json={"notes": text})
    print(f"Notes of report {report['reportId']} {'set' if text else 'removed'} "
          f"({len(text):,} characters); render it again to see them: "
          f"advisor-reports render {report['reportId']}")
    return 0


def cmd_render(api: Api, args) -> int:
    body = {k: v for k, v in (("reportTypes", args.types), ("formats", args.formats),
                              ("appendix", args.appendix)) if v}
    accepted = api.json("POST", f"reports/{args.report_id}/render", json=body or None)
    print(f"Rendering report {args.report_id} again")
    args.wait = args.wait or bool(args.out)
    if args.wait:
        report = _wait(api, accepted["statusQueryGetUri"], args.report_id)
        if args.out:
            _download(api, report, Path(args.out), args.types, args.formats, args.force)
    return 0


def cmd_comparable(api: Api, args) -> int:
    """Mark a report (not) for comparison: an incomplete export never becomes a baseline."""
    fit = args.value == "yes"
    report = api.json("PATCH", f"reports/{args.report_id}", json={"comparable": fit})
    print(f"Report {report['reportId']} is {'' if fit else 'not '}for comparison"
          + ("" if fit else ": no later report takes it as baseline, and the client's trend "
             "and the portfolio leave it out"))
    return 0
