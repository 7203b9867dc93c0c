"""advisor-reports: the command line for Advisor Reports.

    advisor-reports upload export.csv --client contoso --wait --out ./reports
    advisor-reports import --client contoso --wait --out ./reports   (read from Azure)
    advisor-reports status REPORT_ID --watch
    advisor-reports list --client contoso --status completed
    advisor-reports download REPORT_ID --out ./reports --types executive,cost --formats pdf
        (files are named for the client, the type and the review; an existing file is
        never replaced without --force)
    advisor-reports recommendations REPORT_ID --category Cost --impact High --csv
    advisor-reports check export.csv
    advisor-reports clients list | create NAME | show ID
    advisor-reports clients update ID --name "Fabrikam Ltd." --logo logo.png --color '#0b5cad'
    advisor-reports branding set --name "Northwind Advisory" --contact "..." --logo logo.png
    advisor-reports notes REPORT_ID --file notes.md   (then: render REPORT_ID)
    advisor-reports comparable REPORT_ID no   (an incomplete export: never a baseline)
    advisor-reports bulk delete --client contoso --status failed --yes
    advisor-reports actions list --client contoso --status open,in-progress
    advisor-reports actions set KEY --client contoso --owner "Ana" --status done --due 2027-01-31
    advisor-reports actions import "Contoso - Executive summary.xlsx" --client contoso

The server is --url / ADVISOR_REPORTS_URL (default http://localhost:7071, where `make run`
serves) and the key --key / ADVISOR_REPORTS_KEY (default: the key `make run` generated).
Exit status: 0 done, 1 refused or failed, 2 usage or connection problems, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys

import requests

from advisor_cli.actions import cmd_actions
from advisor_cli.branding import cmd_branding
from advisor_cli.bulk import cmd_bulk
from advisor_cli.check import cmd_check
from advisor_cli.client import Api, ApiFailure, WouldOverwrite
from advisor_cli.clients import cmd_clients
from advisor_cli.exclusions import cmd_exclusions
from advisor_cli.imports import cmd_import
from advisor_cli.report_rows import cmd_changes, cmd_recommendations
from advisor_cli.reports import (
    cmd_comparable,
    cmd_download,
    cmd_list,
    cmd_notes,
    cmd_render,
    cmd_status,
    cmd_upload,
)

FORCE_HELP = ("replace files of the same name already in --out; without it the command "
              "refuses: when any of the files exists it downloads nothing, names them and "
              "exits 1")
TYPES = ("executive", "detailed", "cost", "security", "operations")
ACTION_STATUSES = ("open", "in-progress", "done", "wont-do")
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


# The commands are declared here, in the order --help lists them; each group's handlers are in
# a module of its own (reports.py, report_rows.py, exclusions.py, actions.py, check.py,
# clients.py, branding.py, bulk.py), and what several of them use is in common.py.
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
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--baseline", help="the report to compare with (default: the client's "
                                      "latest completed report)")
    p.add_argument("--appendix", choices=("all", "top", "none"),
                   help="the cost, security, operations and detailed PDFs' appendix of every "
                        "row: all, the first ones (default top: the workbook has every row) "
                        "or none")
    p.set_defaults(run=cmd_upload)

    p = sub.add_parser("import", help="read a client's Advisor recommendations from Azure "
                                      "(the subscriptions on its record) and report on them")
    p.add_argument("--client", required=True)
    p.add_argument("--title")
    p.add_argument("--types", type=_choices(TYPES), help="comma list (default all)")
    p.add_argument("--formats", type=_choices(FORMATS), help="comma list (default html,pdf)")
    p.add_argument("--notes-file", help="consultant's notes for the executive summary")
    p.add_argument("--baseline", help="the report to compare with (default: the client's "
                                      "latest completed report)")
    p.add_argument("--wait", action="store_true", help="follow progress until done")
    p.add_argument("--out", help="download the reports here when done (implies --wait)")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(run=cmd_import)

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
    p.add_argument("--out", default=".", help="the folder to download into (default: the "
                                              "current one)")
    p.add_argument("--types", type=_choices(TYPES))
    p.add_argument("--formats", type=_choices(FORMATS))
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
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

    p = sub.add_parser("actions", help="a client's tracked actions: list, set one, import the "
                                       "workbook the client edited")
    p.add_argument("action", choices=("list", "set", "import"))
    p.add_argument("target", nargs="?", help="set: the action's key; import: the .xlsx")
    p.add_argument("--client", required=True)
    p.add_argument("--status", type=_choices(ACTION_STATUSES),
                   help="list: comma list to show; set: the new status")
    p.add_argument("--owner", help="set: who does it ('-' removes the owner)")
    p.add_argument("--due", help="set: the due date, YYYY-MM-DD ('-' removes it)")
    p.add_argument("--comment", help="set: a comment ('-' removes it)")
    p.set_defaults(run=cmd_actions)

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
    p.add_argument("--subscriptions", help="update: the client's subscription ids, a comma "
                                           "list (what imports read)")
    p.add_argument("--import-schedule", help="update: import from Azure every month on a day "
                                             "(1-28) and hour (0-23, UTC), as DAY:HOUR "
                                             "(e.g. 1:6); 'none' stops it")
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

    p = sub.add_parser("comparable", help="mark a report not for comparison (no: an "
                                          "incomplete export) or for comparison again (yes)")
    p.add_argument("report_id")
    p.add_argument("value", choices=("yes", "no"))
    p.set_defaults(run=cmd_comparable)

    p = sub.add_parser("render", help="render a report again (after branding or notes "
                                      "changed)")
    p.add_argument("report_id")
    p.add_argument("--types", type=_choices(TYPES))
    p.add_argument("--formats", type=_choices(FORMATS))
    p.add_argument("--wait", action="store_true")
    p.add_argument("--out", help="download the files here when done (implies --wait)")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--appendix", choices=("all", "top", "none"),
                   help="the cost, security, operations and detailed PDFs' appendix of every "
                        "row: all, the first ones (default top: the workbook has every row) "
                        "or none")
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
    except WouldOverwrite as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
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
