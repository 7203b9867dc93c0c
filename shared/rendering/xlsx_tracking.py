"""The workbook's tracked columns: Owner, Status (a drop-down), Due date (a date cell) and
Comment on the Action plan sheet, pre-filled with what is stored, a Check column saying what
the export says of them, and a hidden key per row; and a hidden sheet naming the client and
report and keeping the values pre-filled, so that the client's edits can be uploaded back
(shared.http.action_workbook reads them) and told apart from what was already there.

The states come from the report's facts (`tracking`, written by the summary step), so every
render of one report shows the same states and the workbook stays deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from shared.advisor.tracking import (
    CHECK_HEADER,
    CLIENT_PROPERTY,
    FIELDS,
    HEADERS,
    KEY_HEADER,
    META_SHEET,
    META_TITLE,
    REPORT_PROPERTY,
    STATUS_LABELS,
    tracked_plan,
)
from shared.rendering import theme
from shared.rendering.report_types.base import ReportContext
from shared.rendering.report_types.tracking import (
    figures_text,
    needing_a_look,
    review_of,
    state_text,
)
from shared.rendering.xlsx_rows import write_text

# (header, width); width 0: hidden. Kinds as xlsx._Book.table reads them (d: a date cell).
COLUMNS: tuple[tuple[str, float], ...] = (
    (HEADERS["owner"], 22), (HEADERS["status"], 13), (HEADERS["dueDate"], 12),
    (HEADERS["comment"], 40), (CHECK_HEADER, 36), (KEY_HEADER, 0))
KINDS = "ttdttt"


def tracking_of(facts: dict | None) -> dict[str, Any]:
    """The report's tracking facts (client, report, date, states); empty ones for a report
    summarised before actions were tracked."""
    found = (facts or {}).get("tracking") or {}
    return {"clientId": found.get("clientId", ""), "reportId": found.get("reportId", ""),
            "asOf": found.get("asOf", ""), "since": found.get("since"),
            "states": found.get("states") or {}}


def tracked(plan: Sequence[dict], tracking: dict[str, Any]) -> list[dict[str, Any]]:
    return tracked_plan(plan, tracking["states"], tracking["asOf"])


def cells(action: dict[str, Any]) -> tuple[str, ...]:
    """One action's tracked cells, in COLUMNS order."""
    return (action["owner"], STATUS_LABELS[action["status"]], action["dueDate"],
            action["comment"], action["note"], action["key"])


def finish_sheet(sheet: Worksheet, rows: int, first: int) -> None:
    """The drop-down of statuses and the date check on the tracked columns of `rows` actions
    (`first`: the Owner column). Excel and LibreOffice refuse other values as they are typed;
    an upload checks them again, since a paste passes a validation by."""
    if not rows:
        return
    status, due = first + 1, first + 2
    sheet.data_validation(1, status, rows, status, {
        "validate": "list", "source": list(STATUS_LABELS.values()),
        "error_title": "Status", "error_message": "Choose Open, In progress, Done or Won't do."})
    sheet.data_validation(1, due, rows, due, {
        "validate": "date", "criteria": "between", "minimum": date(2000, 1, 1),
        "maximum": date(2099, 12, 31), "error_title": "Due date",
        "error_message": "Type a date, such as 2027-01-31."})


def write_meta(book: Workbook, tracking: dict[str, Any], actions: Sequence[dict]) -> None:
    """The hidden sheet and the document properties that say whose workbook this is, and the
    values each action was pre-filled with."""
    sheet = book.add_worksheet(META_SHEET)
    rows = [(META_TITLE, "1"), ("clientId", tracking["clientId"]),
            ("reportId", tracking["reportId"]), ("key", *FIELDS),
            *((a["key"], *(a[f] for f in FIELDS)) for a in actions)]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value:
                write_text(sheet, r, c, value)
    sheet.hide()
    if tracking["clientId"]:
        book.set_custom_property(CLIENT_PROPERTY, tracking["clientId"])
        book.set_custom_property(REPORT_PROPERTY, tracking["reportId"])


def write_review(book: Any, ctx: ReportContext, facts: dict | None) -> None:
    """The Action review sheet (when the client tracks actions): the tracked actions (overdue,
    marked done but still reported, in progress, resolved by the data, open, closed) and the
    review's figures under them. `book` is xlsx's _Book."""
    review = review_of(ctx, facts)
    if review is None:
        return
    rows = [(a["recommendation"], theme.category_label(a["category"]), a["owner"],
             state_text(a), a["dueDate"], a["note"])
            for a in needing_a_look(review)]
    sheet = book.table("Action review", [("Action", 60), ("Category", 16), ("Owner", 22),
                                          ("Status", 34), ("Due date", 12), ("Check", 36)],
                       rows, "ttttdt")
    row = len(rows) + 2
    book.text(sheet, row, 0, figures_text(review), book.wrap)
    for label, name in (("Done since the last review", "doneSinceReview"),
                        ("In progress", "inProgress"), ("Overdue", "overdue"),
                        ("Open without an owner", "withoutOwner"),
                        ("Marked done, still reported by Advisor", "stillReported"),
                        ("Resolved: no longer reported", "resolved")):
        row += 1
        book.text(sheet, row, 0, label, book.label)
        sheet.write_number(row, 1, review.figures[name], book.count)
