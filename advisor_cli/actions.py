"""advisor-reports actions: a client's tracked actions (list, set one, import a workbook)."""

from __future__ import annotations

import sys
from pathlib import Path

from advisor_cli.client import Api, ApiFailure

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _line(a: dict) -> str:
    due = a["dueDate"] or ""
    flag = " OVERDUE" if a["overdue"] else ("" if a["inLatestReport"] else " (resolved)")
    return (f"{a['actionKey']}  {a['statusLabel']:<11} {due:<10} {(a['owner'] or '-')[:24]:<24}"
            f" {a['category'][:14]:<14} {a['recommendation'][:70]}{flag}")


def cmd_actions(api: Api, args) -> int:
    url = f"clients/{args.client}/actions"
    if args.action == "list":
        params = {"status": ",".join(args.status)} if args.status else {}
        found = api.all_pages(url, params)
        for a in found:
            print(_line(a))
        print(f"{len(found)} action(s)", file=sys.stderr)
        return 0
    if args.action == "set":
        if not args.target:
            raise ApiFailure(400, "MissingActionKey", "actions set needs an action key (see "
                             "actions list)", "")
        if args.status and len(args.status) > 1:
            raise ApiFailure(400, "OneStatus", "actions set takes one --status", "")
        status = args.status[0] if args.status else None
        body = {k: v for k, v in (("owner", args.owner), ("status", status),
                                  ("dueDate", args.due), ("comment", args.comment))
                if v is not None}
        for name in ("owner", "dueDate", "comment"):  # "" or "-" clears the field
            if body.get(name) in ("", "-"):
                body[name] = None
        action = api.json("PATCH", f"{url}/{args.target}", json=body)
        print(_line(action))
        return 0
    if not args.target:
        raise ApiFailure(400, "MissingFile", "actions import needs the workbook (.xlsx)", "")
    path = Path(args.target)
    with open(path, "rb") as handle:
        answer = api.json("PUT", url, files={"file": (path.name, handle, XLSX)})
    for change in answer["changes"]:
        print(f"row {change['row']:>4}  {change['column']:<9} {change['from'] or '(empty)'}"
              f" -> {change['to'] or '(empty)'}   {change['recommendation'][:60]}")
    print(f"{path.name}: {answer['actionsChanged']} action(s) changed, "
          f"{len(answer['changes'])} cell(s); render the client's latest report again to "
          "show them")
    return 0
