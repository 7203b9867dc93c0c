"""What a report says of the client's tracked actions: the review's figures (done since the
last review, in progress, overdue, without an owner), each action's owner, status and due
date, and where the export and a status disagree ("marked done, still reported by Advisor";
an action whose findings all disappeared is resolved whatever its status said).

Kept apart from the sections of sections.py and components.py, and added to every report by
one call in build_document (the HTML and PDF) and in the deck and the workbook, so the report
types' own sections stay as they are. The states are the report's facts (`tracking`, read by
the summary step), so every file of one render shows the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.advisor.tracking import (
    RESOLVED,
    STATUS_LABELS,
    STILL_REPORTED,
    resolved_actions,
    summary,
    tracked_plan,
)
from shared.rendering import formatting as fmt
from shared.rendering import theme
from shared.rendering.document import Column, Section, Table, Text
from shared.rendering.report_types.base import ReportContext

TOP = 10  # tracked actions the executive summary lists (leadership's few pages)


@dataclass(frozen=True)
class Review:
    """One report type's share of the client's tracked actions."""

    actions: list[dict[str, Any]]  # the type's plan, each with its state and note
    resolved: list[dict[str, Any]]  # tracked actions the export no longer holds
    figures: dict[str, int]
    since: str | None  # the baseline's creation time, or None


def review_of(ctx: ReportContext, facts: dict | None) -> Review | None:
    """The review of a report type, or None when the client tracks no action yet (then every
    action is open, without owner or date, and the reports say nothing of it)."""
    tracking = (facts or {}).get("tracking") or {}
    states = tracking.get("states") or {}
    if not states:
        return None
    actions = tracked_plan(ctx.plan, states, tracking.get("asOf") or "")
    everything = ((facts or {}).get("types") or {}).get("executive", {}).get("plan")
    present = [a.get("key") or "" for a in everything] if everything is not None \
        else [a["key"] for a in actions]
    categories = ctx.kind.categories
    resolved = [a for a in resolved_actions(present, states)
                if categories is None or a["category"] in categories]
    return Review(actions, resolved, summary(actions, resolved, states,
                                             tracking.get("since")), tracking.get("since"))


def figures_text(review: Review) -> str:
    """The review's figures in a sentence or three (deterministic)."""
    f = review.figures
    since = f"Since the last review ({fmt.date(review.since)})" if review.since else "So far"
    parts = [f"{since}, {fmt.plural(f['doneSinceReview'], 'action')} "
             f"{'was' if f['doneSinceReview'] == 1 else 'were'} done; "
             f"{fmt.count(f['inProgress'])} in progress, {fmt.count(f['overdue'])} overdue, "
             f"and {fmt.plural(f['withoutOwner'], 'open action')} without an owner."]
    if f["stillReported"]:
        parts.append(f"{fmt.plural(f['stillReported'], 'action')} marked done "
                     f"{'is' if f['stillReported'] == 1 else 'are'} still reported by "
                     "Advisor in this export.")
    if f["resolved"]:
        parts.append(f"{fmt.plural(f['resolved'], 'tracked action')} no longer "
                     f"{'appears' if f['resolved'] == 1 else 'appear'} in the export: resolved, "
                     "whatever the status said.")
    return " ".join(parts)


def state_text(action: dict[str, Any]) -> str:
    """The status as the report shows it: the data's word where it overrules the status."""
    return action["note"] if action.get("note") in (STILL_REPORTED, RESOLVED) \
        else STATUS_LABELS[action["status"]]


def attention_order(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overdue first, then marked done but still reported, in progress, resolved by the
    data, the rest open, the closed last; the plan's order within each."""
    def rank(a: dict[str, Any]) -> int:
        if a.get("overdue"):
            return 0
        if a["note"] in (STILL_REPORTED, RESOLVED):
            return 1 if a["note"] == STILL_REPORTED else 3
        return {"in-progress": 2, "open": 4}.get(a["status"], 5)
    return sorted(actions, key=rank)


def needing_a_look(review: Review) -> list[dict[str, Any]]:
    """The tracked actions and those the data resolved, in attention order (the deck and the
    workbook's review; an untracked action is open without owner, as the figures say)."""
    return attention_order([*(a for a in review.actions if a["tracked"]), *review.resolved])


_COLUMNS = (Column("Action", 0.38), Column("Category", 0.12), Column("Owner", 0.16),
            Column("Status", 0.18), Column("Due", 0.16))


def _rows(actions: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    return [(a["recommendation"], theme.category_label(a["category"]), a["owner"] or "none",
             state_text(a), (fmt.date(a["dueDate"]) + (" (overdue)" if a.get("overdue")
                                                      else "")) if a["dueDate"] else "")
            for a in actions]


def tracking_sections(ctx: ReportContext, facts: dict | None) -> list[Section]:
    """The report's "Action tracking" section (none while the client tracks nothing)."""
    review = review_of(ctx, facts)
    if review is None or not (review.actions or review.resolved):
        return []
    if ctx.kind.compact:  # leadership's few pages: the tracked actions that need a look
        listed = needing_a_look(review)
        more = len(listed) - TOP
        return [Section("Action tracking", [
            Text(figures_text(review)),
            Table("Tracked actions, those that need a look first"
                  + (f" (the first {TOP} of {len(listed)}: every one is in the workbook)"
                     if more > 0 else ""), _COLUMNS, _rows(listed[:TOP]))])]
    blocks: list = [Text(figures_text(review)), Table(
        "Owners, status and due dates", _COLUMNS, _rows(attention_order(review.actions)),
        "No action of this report is tracked yet.")]
    if review.resolved:
        blocks.append(Table("Resolved: Advisor no longer reports them", _COLUMNS,
                            _rows(review.resolved)))
    return [Section("Action tracking", blocks)]
