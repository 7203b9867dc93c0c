"""Cost optimisation: savings by lever, subscription and resource type, and the commitment
discounts (reservations and savings plans)."""

from __future__ import annotations

import re
from collections.abc import Callable

from shared.advisor.savings import LEVERS
from shared.rendering import formatting as fmt
from shared.rendering.charts import Bar, BarChart
from shared.rendering.document import ChartBlock, Column, Section, Table, Text
from shared.rendering.report_types.base import ReportContext, ReportType, SectionBuilder
from shared.rendering.report_types.components import (
    _by_savings,
    _grouped_table,
    _resource,
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
    table = Table("Annual savings by currency and lever", (
        Column("Currency", 0.10), Column("Estimate", 0.16, True),
        Column("Savings plans", 0.15, True), Column("Reservations", 0.15, True),
        Column("Right-size or shut down", 0.16, True), Column("Other", 0.12, True),
        Column("Plain sum", 0.16, True)),
        [(s["currency"], fmt.money(s["estimatedAnnualSavings"], s["currency"]),
          *(fmt.money(s["byLever"][lever], s["currency"]) for lever in LEVERS),
          fmt.money(s["annualSavings"], s["currency"])) for s in savings],
        "No recommendation in this export estimates a saving.")
    return [Section("Savings by lever", [
        Text("The estimate counts, per subscription, the larger of the savings plan and "
             "reservation amounts (they are alternatives) plus every other saving; the lever "
             "columns add up to it. The plain sum adds every amount Advisor lists and "
             "overstates what can be saved. Amounts in different currencies are never added "
             "together."),
        table,
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
    blocks.append(_grouped_table(rows, noun.capitalize(), table_label))
    return [Section(title, blocks)]


def _savings_by_subscription(ctx: ReportContext) -> list[Section]:
    return _savings_by(ctx, "Savings by subscription", "bySubscription", "subscription",
                       lambda r: r.get("subscriptionName") or r["subscriptionId"],
                       _subscription_label)


def _savings_by_resource_type(ctx: ReportContext) -> list[Section]:
    return _savings_by(ctx, "Savings by resource type", "byResourceType", "resource type",
                       lambda r: r["resourceType"].split("/")[-1], lambda r: r["resourceType"])


_COMMITMENT = re.compile(r"reserv|savings plan", re.IGNORECASE)


def _commitments(ctx: ReportContext) -> list[Section]:
    rows = _by_savings(ctx.records.where("recommendation", _COMMITMENT.search))
    return [Section("Reservations and savings plans", [
        Text("Commitment discounts: one- or three-year reservations and savings plans. They "
             "overlap with right-sizing: buy commitments for what remains after right-sizing."),
        Table("Reservation and savings plan recommendations", (
            Column("Recommendation", 0.42), Column("Resource", 0.22), Column("Subscription", 0.18),
            Column("Annual savings", 0.18, True)),
            [(r.recommendation, _resource(r), r.subscription_name or r.subscription_id,
              fmt.money(r.annual_savings, r.currency)) for r in rows],
            "No reservation or savings plan recommendations in this export."),
    ])]


SECTIONS: dict[str, SectionBuilder] = {
    "savings_overview": _savings_overview,
    "savings_by_subscription": _savings_by_subscription,
    "savings_by_resource_type": _savings_by_resource_type,
    "commitments": _commitments,
}
