"""The executive summary: the consultant's notes, a paragraph written from the figures, the
ten actions that matter most, and the estate at a glance."""

from __future__ import annotations

from shared.advisor.headlines import headline, review_name
from shared.rendering import formatting as fmt
from shared.rendering.document import ChartBlock, Section, Text
from shared.rendering.notes import parse_notes
from shared.rendering.report_types.base import ReportContext, ReportType, SectionBuilder
from shared.rendering.report_types.components import (
    _action_table,
    _category_chart,
    _grouped_table,
    _impact_chart,
    _lever_table,
    _subscription_label,
    change_money_lines,
)

REPORT_TYPE = ReportType(
    "executive", "Executive summary", "Leadership",
    "Where the estate stands, what to do first and what it could save.",
    None, ("recommendations", "high_impact", "savings", "overdue"),
    ("notes", "at_a_glance", "top_actions", "changes", "trend", "retirements", "overview",
     "top_subscriptions"),
    lists_resources=False, compact=True,
)


def _notes(ctx: ReportContext) -> list[Section]:
    if not ctx.notes.strip():
        return []
    return [Section("Consultant's notes", [parse_notes(ctx.notes)])]


def summary_paragraph(stats: dict, plan: list[dict], changes: dict | None) -> str:
    """A few sentences written from the figures (deterministic: the same data, the same text)."""
    sentences = []
    high = stats["totals"]["highImpact"]
    # An action's impact is its highest finding's, so count only its high-impact findings
    # (a plan made before they were counted: all of them, the share capped at every one).
    def high_of(action: dict) -> int:
        return action.get("highImpactFindings", action["findings"])

    high_actions = sorted((a for a in plan if a["impact"] == "High"), key=lambda a: -high_of(a))
    if high and high_actions:
        covered, used = 0, 0
        for action in high_actions:
            covered = min(high, covered + high_of(action))
            used += 1
            if covered * 10 >= high * 7:
                break
        sentences.append(
            f"{fmt.plural(used, 'action')} {'covers' if used == 1 else 'cover'} "
            f"{round(100 * covered / high)} % of the {fmt.count(high)} high-impact findings.")
    elif not high:
        sentences.append("No finding is of high impact.")
    for saving in stats["savingsByCurrency"][:2]:
        sentences.append(
            f"Acting on the cost recommendations could save an estimated "
            f"{fmt.compact_money(saving['estimatedAnnualSavings'], saving['currency'])} a year "
            f"({fmt.compact_money(saving['estimatedMonthlySavings'], saving['currency'])} a "
            "month), "
            "counting savings plans and reservations once.")
    overdue = headline(stats)["overdueRetirements"]
    soon = sum(r["count"] for r in stats["retirements"]
               if r["status"] == "due" and r["daysUntil"] is not None and r["daysUntil"] <= 90)
    if overdue:
        sentences.append(f"{fmt.plural(overdue, 'resource')} still use features already "
                         "retired.")
    if soon:
        sentences.append(f"{fmt.plural(soon, 'resource')} use features retiring within 90 "
                         "days.")
    if changes and changes.get("counts"):
        counts = changes["counts"]
        sentences.append(
            f"Since {review_name(changes['baseline'])}, "
            f"{fmt.plural(counts['new'], 'finding')} appeared and "
            f"{fmt.count(counts['resolved'])} were resolved.")
        sentences += change_money_lines(changes, compact=True)
    return " ".join(sentences)


def _at_a_glance(ctx: ReportContext) -> list[Section]:
    blocks: list = [Text(summary_paragraph(ctx.stats, ctx.plan, ctx.changes))]
    if ctx.stats["savingsByCurrency"]:
        blocks.append(_lever_table(ctx))
    return [Section("At a glance", blocks)]


def _top_actions(ctx: ReportContext) -> list[Section]:
    plan = ctx.plan
    return [Section("Top actions", [
        Text("The ten actions that matter most across cost, security, reliability, operational "
             "excellence and performance: high impact first, then those that touch the most "
             "resources."),
        _action_table("The first ten actions of the action plan", plan[:10], ctx),
    ])]


def _overview(ctx: ReportContext) -> list[Section]:
    return [Section("Overview", [
        Text(f"{fmt.plural(ctx.stats['totals']['recommendations'], 'recommendation')} across "
             f"{fmt.plural(ctx.stats['totals']['subscriptions'], 'subscription')}; "
             f"{fmt.count(ctx.stats['totals']['highImpact'])} of high impact."),
        ChartBlock(_category_chart(ctx)), ChartBlock(_impact_chart(ctx)),
    ])]


def _top_subscriptions(ctx: ReportContext) -> list[Section]:
    every = ctx.stats["bySubscription"]
    rows = every[:10]
    return [Section("Subscriptions with the most recommendations", [
        _grouped_table(rows, "Subscription", _subscription_label, ctx, len(every) - len(rows))])]


SECTIONS: dict[str, SectionBuilder] = {
    "notes": _notes,
    "at_a_glance": _at_a_glance,
    "top_actions": _top_actions,
    "overview": _overview,
    "top_subscriptions": _top_subscriptions,
}
