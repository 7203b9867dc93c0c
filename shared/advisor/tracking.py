"""Tracked actions: who owns an action of a client's plan, its status, due date and comment,
and how next month's export is read against them. Pure: no storage, no HTTP.

An action is one recommendation within one category (shared.advisor.actions). Its key is a
hash of the two, normalised as the plan groups them (case, runs of whitespace and a final full
stop do not count), so the same action gets the same key in every export of the client: next
month's, one made from an API/CLI export instead of the portal's, and a workbook the client
edited. A hash and not the text itself: Table Storage keys may not hold `/ \\ # ?` (which
recommendation texts do), and a workbook's hidden key column stays short. 16 hex digits (64
bits): two different actions of one client colliding is beyond reach (a client has hundreds).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from shared.advisor.identity import normalised_text

# The statuses, as the API writes them, and as people read them (the workbook's drop-down).
STATUSES = ("open", "in-progress", "done", "wont-do")
STATUS_LABELS = {"open": "Open", "in-progress": "In progress", "done": "Done",
                 "wont-do": "Won't do"}
CLOSED = ("done", "wont-do")
MAX_OWNER = 200
MAX_COMMENT = 2000
KEY_LENGTH = 16
# Due dates from 1900 on: a spreadsheet has no date before it (Excel's day 1 is 1900-01-01).
FIRST_DUE_DATE = "1900-01-01"
# What the reports say when the data and the status disagree.
STILL_REPORTED = "Marked done, still reported by Advisor"
RESOLVED = "Resolved: Advisor no longer reports it"


def action_key(category: str, recommendation: str) -> str:
    """The action's key, the same in every export of the client (see the module's docstring)."""
    text = f"{category.strip().casefold()}|{normalised_text(recommendation)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:KEY_LENGTH]


def is_key(value: str) -> bool:
    return len(value) == KEY_LENGTH and all(c in "0123456789abcdef" for c in value)


def status_of(text: str) -> str | None:
    """A status as written by a person or the API ("In progress", "in-progress", "WON'T DO",
    "wont do"); None when it is none of them."""
    folded = " ".join(text.replace("-", " ").replace("’", "'").split()).casefold()
    for status, label in STATUS_LABELS.items():
        if folded in (label.casefold(), status.replace("-", " "), label.casefold()
                      .replace("'", "")):
            return status
    return None


EMPTY = {"owner": "", "status": "open", "dueDate": "", "comment": ""}
FIELDS = tuple(EMPTY)


def state_of(stored: Mapping[str, Any] | None) -> dict[str, str]:
    """The four tracked fields of a stored state ("" for none, status open by default)."""
    stored = stored or {}
    return {field: str(stored.get(field) or EMPTY[field]) for field in FIELDS}


def is_overdue(state: Mapping[str, Any], as_of: str) -> bool:
    """Due before `as_of` (a date, YYYY-MM-DD) and neither done nor dropped."""
    due = state.get("dueDate") or ""
    return bool(due) and due < as_of[:10] and state.get("status") not in CLOSED


def tracked_plan(plan: Iterable[dict[str, Any]], states: Mapping[str, Mapping[str, Any]],
                 as_of: str) -> list[dict[str, Any]]:
    """Each action of a plan with its state and what the data says of it: `note` is
    STILL_REPORTED for an action marked done that the export still holds, "Overdue" past its
    due date (as of the report's date), else ""."""
    out = []
    for action in plan:
        key = action.get("key") or action_key(action["category"], action["recommendation"])
        state = state_of(states.get(key))
        overdue = is_overdue(state, as_of)
        note = STILL_REPORTED if state["status"] == "done" else ("Overdue" if overdue else "")
        out.append({**action, "key": key, **state, "tracked": key in states,
                    "overdue": overdue, "note": note})
    return out


def resolved_actions(plan_keys: Iterable[str],
                     states: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Tracked actions the export no longer holds: resolved, whatever their status said."""
    present = set(plan_keys)
    return sorted(({"key": key, **state_of(state), "category": state.get("category", ""),
                    "recommendation": state.get("recommendation", ""), "note": RESOLVED}
                   for key, state in states.items() if key not in present),
                  key=lambda a: (a["category"], a["recommendation"].casefold()))


def summary(tracked: list[dict[str, Any]], resolved: list[dict[str, Any]],
            states: Mapping[str, Mapping[str, Any]], since: str | None) -> dict[str, int]:
    """The figures a review opens with: done since the last review (`since`, the baseline's
    creation time; every done action without one), in progress, overdue, without an owner
    (of the actions still open), marked done but still reported, resolved by the data."""
    def done_since(key: str) -> bool:
        changed = str(states.get(key, {}).get("statusChangedAt") or "")
        return since is None or changed >= since

    open_actions = [a for a in tracked if a["status"] not in CLOSED]
    return {
        "doneSinceReview": sum(1 for a in [*tracked, *resolved]
                               if a["status"] == "done" and done_since(a["key"])),
        "inProgress": sum(1 for a in tracked if a["status"] == "in-progress"),
        "overdue": sum(1 for a in tracked if a["overdue"]),
        "withoutOwner": sum(1 for a in open_actions if not a["owner"]),
        "stillReported": sum(1 for a in tracked if a["note"] == STILL_REPORTED),
        "resolved": len(resolved),
    }


# -- the workbook's Action plan sheet (written by shared.rendering, read back by shared.http) --

WORKBOOK_SHEET = "Action plan"
META_SHEET = "Tracking"  # hidden: whose workbook it is and the values it was pre-filled with
META_TITLE = "Advisor Reports action tracking"
CLIENT_PROPERTY = "AdvisorReportsClientId"  # the same, as custom document properties
REPORT_PROPERTY = "AdvisorReportsReportId"
# The tracked columns as headed in the sheet, then the hidden key.
HEADERS = {"owner": "Owner", "status": "Status", "dueDate": "Due date", "comment": "Comment"}
CHECK_HEADER = "Check"
KEY_HEADER = "Key"
