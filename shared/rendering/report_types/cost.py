"""Cost optimisation: savings by lever, subscription and resource type, and the commitment
discounts (reservations and savings plans)."""

from __future__ import annotations

from collections.abc import Callable

from shared.advisor.savings import SavingsTally, subscription_key
from shared.rendering import formatting as fmt
from shared.rendering.charts import Bar, BarChart
from shared.rendering.document import ChartBlock, Column, Section, Table, Text
from shared.rendering.report_types.base import ReportContext, ReportType, SectionBuilder
from shared.rendering.report_types.components import (
    ESTIMATE,
    _grouped_table,
    _lever_table,
    _subscription_label,
)

REPORT_TYPE = ReportType(
    "cost", "Cost optimisation", "FinOps",
    "Potential savings by currency, subscription and resource type, and the "
    "opportunities worth acting on first.",
    ("Cost",), ("recommendations", "high_impact", "savings"),
    ("action_plan", "savings_overview", "changes", "savings_by_subscription",
     "savings_by_resource_type", "commitments", "full_list"),
    "This export holds no cost recommendations: Advisor found nothing to save, or the "
    "export was taken from another category's tab.",
)


def _savings_chart(title: str, rows: list[dict], key: str, label: Callable[[dict], str],
                   currency: str, colour: str, limit: int = 10) -> BarChart:
    ranked = sorted((r for r in rows if r["savingsByCurrency"].get(currency)),
                    key=lambda r: -r["savingsByCurrency"][currency])[:limit]
    return BarChart(
        f"{title} ({currency})",
        tuple(Bar(label(r), r["savingsByCurrency"][currency],
                  fmt.money(r["savingsByCurrency"][currency], currency), colour)
              for r in ranked),
        f"Bar chart of potential annual savings in {currency} by {key}.",
    )


def _savings_overview(ctx: ReportContext) -> list[Section]:
    savings = ctx.stats["savingsByCurrency"]
    plain = "; ".join(fmt.money(s["annualSavings"], s["currency"]) for s in savings)
    return [Section("Savings by lever", [
        Text("The estimate counts, per subscription, the larger of the savings plan and "
             "reservation amounts (they are alternatives) plus every other saving; the levers "
             "add up to it. Amounts in different currencies are never added together."),
        _lever_table(ctx),
        *([Text(f"The plain sum of every amount Advisor lists is {plain}: it counts savings "
                "plans and reservations for the same usage twice and overstates what can be "
                "saved.", "caveat")] if savings else []),
    ])]


def _savings_by(ctx: ReportContext, title: str, stats_key: str, noun: str,
                chart_label: Callable[[dict], str],
                table_label: Callable[[dict], str]) -> list[Section]:
    savings = ctx.stats["savingsByCurrency"]
    rows = ctx.stats[stats_key]
    if savings:  # the table in the charts' order: by savings in the first currency
        first = savings[0]["currency"]
        rows = sorted(rows, key=lambda r: (-r["savingsByCurrency"].get(first, 0), -r["count"]))
    blocks: list = [ChartBlock(_savings_chart(title, rows, noun, chart_label, s["currency"],
                                              ctx.accent)) for s in savings]
    blocks.append(_grouped_table(rows, noun.capitalize(), table_label, ctx))
    return [Section(title, blocks)]


def _savings_by_subscription(ctx: ReportContext) -> list[Section]:
    return _savings_by(ctx, "Savings by subscription", "bySubscription", "subscription",
                       lambda r: r.get("subscriptionName") or r["subscriptionId"],
                       _subscription_label)


def _savings_by_resource_type(ctx: ReportContext) -> list[Section]:
    return _savings_by(ctx, "Savings by resource type", "byResourceType", "resource type",
                       lambda r: r["resourceType"].split("/")[-1], lambda r: r["resourceType"])


def _commitments(ctx: ReportContext) -> list[Section]:
    """Savings plans and reservations per subscription, and the larger of the two that the
    estimate counts: the column of what is counted adds up to the headline with the other
    levers (each recommendation is listed in the appendix and the workbook)."""
    tally = SavingsTally()
    names: dict[str, str] = {}
    for rec in ctx.records.where("annual_savings", lambda amount: amount is not None):
        tally.add(rec)
        key = subscription_key(rec)
        names.setdefault(key, rec.subscription_name or rec.subscription_id)
    blocks: list = [Text(
        "Commitment discounts: one- or three-year reservations and savings plans. For the same "
        "usage they are alternatives, so per subscription the estimate counts the larger of the "
        "two; and they overlap with right-sizing: buy commitments for what remains after "
        "right-sizing.")]
    for saving in ctx.stats["savingsByCurrency"]:
        currency = saving["currency"]
        cells = sorted(((names[sub], levers) for (c, sub), levers in tally.cells.items()
                        if c == currency and (levers["savingsPlan"] or levers["reservation"])),
                       key=lambda item: (-max(item[1]["savingsPlan"], item[1]["reservation"]),
                                         item[0].casefold()))
        if not cells:
            continue
        rest = saving["byLever"]["rightsizeOrShutdown"] + saving["byLever"]["other"]
        def money(amount: float, currency: str = currency) -> str:
            return fmt.money(amount, currency)
        blocks.append(Table(
            f"Reservations and savings plans by subscription ({currency})",
            (Column("Subscription", 0.40), Column("Savings plans", 0.2, True),
             Column("Reservations", 0.2, True), Column("Counted in the estimate", 0.2, True)),
            [(name, money(levers["savingsPlan"]), money(levers["reservation"]),
              money(max(levers["savingsPlan"], levers["reservation"])))
             for name, levers in cells],
            footer=[("Right-size or shut down and other savings", "", "", money(rest)),
                    (ESTIMATE, "", "", money(saving["estimatedAnnualSavings"]))]))
    if len(blocks) == 1:
        blocks.append(Text("No reservation or savings plan recommendations in this export.",
                           "empty"))
    return [Section("Reservations and savings plans", blocks)]


SECTIONS: dict[str, SectionBuilder] = {
    "savings_overview": _savings_overview,
    "savings_by_subscription": _savings_by_subscription,
    "savings_by_resource_type": _savings_by_resource_type,
    "commitments": _commitments,
}
