"""The five report types: each declares what differs; one builder lays out the story.

A type names its audience, which recommendations it covers, its key figures and its sections
(by name, from SECTIONS below). `build_document` turns one report's data into a
ReportDocument that the HTML and PDF renderers draw.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby

from shared.advisor.model import CATEGORIES, IMPACTS, Recommendation
from shared.advisor.stats import SAVINGS_CAVEAT, compute_statistics
from shared.rendering import formatting as fmt
from shared.rendering import theme
from shared.rendering.charts import Bar, BarChart, DonutChart, Slice
from shared.rendering.document import (
    ChartBlock,
    Column,
    CoverFacts,
    KeyFigure,
    ReportDocument,
    Section,
    Table,
    Text,
)


@dataclass(frozen=True)
class ReportInput:
    """Everything a report is made from: the stored recommendations of one report and its facts."""

    records: Sequence[Recommendation]
    client: str
    title: str
    source_file: str
    generated_date: str  # the report's stored creation date (never the wall clock)
    export_date: str = ""  # when the export was taken; derived from the rows when empty


@dataclass(frozen=True)
class ReportType:
    key: str
    label: str
    audience: str
    purpose: str
    categories: tuple[str, ...] | None  # None: every recommendation
    key_figures: tuple[str, ...]
    sections: tuple[str, ...]
    nothing_found: str = ""  # what to say when the export has none of its recommendations


REPORT_TYPES: dict[str, ReportType] = {
    t.key: t for t in (
        ReportType(
            "executive", "Executive summary", "Leadership",
            "Where the estate stands, what matters most and what it could save.",
            None, ("recommendations", "high_impact", "subscriptions", "savings"),
            ("overview", "top_value", "top_subscriptions", "retirements"),
        ),
        ReportType(
            "detailed", "Detailed recommendations", "Engineers",
            "Every recommendation, grouped by category and impact, with the resource it "
            "concerns.",
            None, ("recommendations", "high_impact", "resources", "savings"),
            ("category_chart", "all_grouped"),
        ),
        ReportType(
            "cost", "Cost optimisation", "FinOps",
            "Potential savings by currency, subscription and resource type, and the "
            "opportunities worth acting on first.",
            ("Cost",), ("recommendations", "high_impact", "savings"),
            ("savings_overview", "savings_by_subscription", "savings_by_resource_type",
             "top_value", "commitments", "full_list"),
            "This export holds no cost recommendations: Advisor found nothing to save, or the "
            "export was taken from another category's tab.",
        ),
        ReportType(
            "security", "Security findings", "Security teams",
            "Security recommendations by impact, subscription and resource type, and the full "
            "list to work through.",
            ("Security",), ("recommendations", "high_impact", "subscriptions", "resources"),
            ("impact_chart", "by_subscription", "by_resource_type", "full_list"),
            "This export holds no security recommendations.",
        ),
        ReportType(
            "operations", "Operations", "Operations teams",
            "Reliability, operational excellence and performance recommendations, and the "
            "retirements to plan for.",
            ("Reliability", "OperationalExcellence", "Performance"),
            ("recommendations", "high_impact", "retirements", "subscriptions"),
            ("category_chart", "by_subscription", "retirements", "full_list"),
            "This export holds no reliability, operational excellence or performance "
            "recommendations.",
        ),
    )
}


@dataclass
class _Context:
    kind: ReportType
    records: list[Recommendation]
    stats: dict


def build_document(kind: ReportType, data: ReportInput) -> ReportDocument:
    records = [r for r in data.records
               if kind.categories is None or r.category in kind.categories]
    ctx = _Context(kind, records, compute_statistics(records))
    cover = CoverFacts(
        title=data.title, report_label=kind.label, audience=kind.audience, client=data.client,
        source_file=data.source_file,
        export_date=fmt.date(data.export_date or max((r.updated for r in data.records),
                                                     default="")),
        generated_date=fmt.date(data.generated_date), purpose=kind.purpose,
    )
    figures = [f for name in kind.key_figures for f in KEY_FIGURES[name](ctx)]
    if not records:
        sections = [Section(f"No {kind.label.lower()} to report", [Text(
            kind.nothing_found or "This export holds no recommendations.", "empty")])]
    else:
        sections = [s for name in kind.sections for s in SECTIONS[name](ctx)]
    has_money = "savings" in kind.key_figures and bool(ctx.stats["savingsByCurrency"])
    return ReportDocument(cover, figures, sections, SAVINGS_CAVEAT if has_money else None)


# -- key figures -----------------------------------------------------------------------------------


def _savings_figures(ctx: _Context) -> list[KeyFigure]:
    savings = ctx.stats["savingsByCurrency"]
    if not savings:
        return [KeyFigure("Potential annual savings", "None identified")]
    return [KeyFigure(f"Potential annual savings ({s['currency']})",
                      fmt.money(s["annualSavings"], s["currency"]),
                      f"from {fmt.plural(s['recommendations'], 'recommendation')}")
            for s in savings]


KEY_FIGURES: dict[str, Callable[[_Context], list[KeyFigure]]] = {
    "recommendations": lambda c: [KeyFigure("Recommendations",
                                            fmt.count(c.stats["totals"]["recommendations"]))],
    "high_impact": lambda c: [KeyFigure("High impact", fmt.count(c.stats["totals"]["highImpact"]),
                                        "act on these first")],
    "subscriptions": lambda c: [KeyFigure("Subscriptions",
                                          fmt.count(c.stats["totals"]["subscriptions"]))],
    "resources": lambda c: [KeyFigure("Resources", fmt.count(c.stats["totals"]["resources"]))],
    "retirements": lambda c: [KeyFigure("Retirements to plan",
                                        fmt.count(sum(r["count"]
                                                      for r in c.stats["retirements"])))],
    "savings": _savings_figures,
}


# -- charts ----------------------------------------------------------------------------------------


def _category_chart(ctx: _Context) -> BarChart:
    rows = ctx.stats["byCategory"]
    return BarChart(
        "Recommendations by category",
        tuple(Bar(theme.category_label(c["category"]), c["count"], fmt.count(c["count"]),
                  theme.category_colour(c["category"])) for c in rows),
        "Bar chart of recommendations per category: " + "; ".join(
            f"{theme.category_label(c['category'])} {c['count']}" for c in rows) + ".",
    )


def _impact_chart(ctx: _Context) -> DonutChart:
    rows = ctx.stats["byImpact"]
    total = ctx.stats["totals"]["recommendations"]
    return DonutChart(
        "Recommendations by impact",
        tuple(Slice(i["impact"], i["count"], fmt.count(i["count"]),
                    theme.impact_colour(i["impact"])) for i in rows),
        fmt.count(total),
        "Donut chart of recommendations per business impact: " + "; ".join(
            f"{i['impact']} {i['count']}" for i in rows) + ".",
    )


def _savings_chart(title: str, rows: list[dict], key: str, label: Callable[[dict], str],
                   currency: str, limit: int = 10) -> BarChart:
    ranked = sorted((r for r in rows if r["savingsByCurrency"].get(currency)),
                    key=lambda r: -r["savingsByCurrency"][currency])[:limit]
    return BarChart(
        f"{title} ({currency})",
        tuple(Bar(label(r), r["savingsByCurrency"][currency],
                  fmt.money(r["savingsByCurrency"][currency], currency),
                  theme.SERIES[i % len(theme.SERIES)]) for i, r in enumerate(ranked)),
        f"Bar chart of potential annual savings in {currency} by {key}.",
    )


# -- tables ----------------------------------------------------------------------------------------

_DETAIL_COLUMNS = (
    Column("Impact", 0.08), Column("Recommendation", 0.30), Column("Resource", 0.20),
    Column("Resource group", 0.13), Column("Subscription", 0.13),
    Column("Benefit or savings", 0.16),
)


def _resource(rec: Recommendation) -> str:
    if rec.resource_type and rec.resource_type.lower() != "subscription":
        return f"{rec.resource_name} ({rec.resource_type.split('/')[-1]})" \
            if rec.resource_name else rec.resource_type
    return rec.resource_name or rec.resource_type


def _benefit(rec: Recommendation) -> str:
    if rec.annual_savings is not None:
        return fmt.money(rec.annual_savings, rec.currency) + " a year"
    return rec.potential_benefits


def _detail_rows(records: Sequence[Recommendation]) -> list[tuple[str, ...]]:
    return [(r.impact, r.recommendation, _resource(r), r.resource_group,
             r.subscription_name or r.subscription_id, _benefit(r)) for r in records]


def _ordered(records: Sequence[Recommendation]) -> list[Recommendation]:
    """Category order, then impact order, then savings (largest first), then source line."""
    cat = {c: i for i, c in enumerate(CATEGORIES)}
    imp = {c: i for i, c in enumerate(IMPACTS)}
    return sorted(records, key=lambda r: (cat.get(r.category, 99), r.category,
                                          imp.get(r.impact, 9), -(r.annual_savings or 0),
                                          r.line))


def _grouped_table(rows: list[dict], label: str, label_of: Callable[[dict], str]) -> Table:
    currencies = sorted({c for r in rows for c in r["savingsByCurrency"]})
    columns = [Column(label, 0.40), Column("Count", 0.11, True),
               Column("High impact", 0.11, True)]
    columns += [Column(f"Savings ({c})", 0.38 / max(len(currencies), 1), True)
                for c in currencies]
    body = [
        (label_of(r), fmt.count(r["count"]), fmt.count(r["high"]),
         *(fmt.money(r["savingsByCurrency"][c], c) if c in r["savingsByCurrency"] else ""
           for c in currencies))
        for r in rows
    ]
    return Table(f"Recommendations by {label.lower()}", tuple(columns), body)


def _subscription_label(row: dict) -> str:
    name = row.get("subscriptionName") or ""
    return f"{name} ({row['subscriptionId']})" if name else row["subscriptionId"]


# -- sections --------------------------------------------------------------------------------------


def _overview(ctx: _Context) -> list[Section]:
    return [Section("Overview", [
        Text(f"{fmt.plural(ctx.stats['totals']['recommendations'], 'recommendation')} across "
             f"{fmt.plural(ctx.stats['totals']['subscriptions'], 'subscription')}; "
             f"{fmt.count(ctx.stats['totals']['highImpact'])} of high impact."),
        ChartBlock(_category_chart(ctx)), ChartBlock(_impact_chart(ctx)),
    ])]


def _top_value(ctx: _Context) -> list[Section]:
    top = ctx.stats["topSavings"]
    table = Table("The ten largest savings opportunities", (
        Column("Recommendation", 0.38), Column("Resource", 0.2), Column("Subscription", 0.18),
        Column("Impact", 0.08), Column("Annual savings", 0.16, True)),
        [(t["recommendation"], t["resourceName"], t["subscriptionName"], t["impact"],
          fmt.money(t["annualSavings"], t["currency"])) for t in top],
        "No recommendation in this export estimates a saving.")
    blocks = [table]
    if top:
        blocks.append(Text(SAVINGS_CAVEAT, "caveat"))
    return [Section("Top opportunities by value", blocks)]


def _top_subscriptions(ctx: _Context) -> list[Section]:
    rows = ctx.stats["bySubscription"][:10]
    return [Section("Subscriptions with the most recommendations", [
        _grouped_table(rows, "Subscription", _subscription_label)])]


def _retirements(ctx: _Context) -> list[Section]:
    rows = ctx.stats["retirements"]
    return [Section("Retirements due", [Table(
        "Features being retired and the resources that use them",
        (Column("Retirement date", 0.16), Column("Feature", 0.34), Column("Resources", 0.12, True),
         Column("For example", 0.38)),
        [(r["date"] or "not given", r["feature"] or "not given", fmt.count(r["count"]),
          ", ".join(r["resources"][:5])) for r in rows],
        "No retirements are announced for the resources in this export.")])]


def _category_chart_section(ctx: _Context) -> list[Section]:
    return [Section("By category", [ChartBlock(_category_chart(ctx)),
                                    ChartBlock(_impact_chart(ctx))])]


def _impact_chart_section(ctx: _Context) -> list[Section]:
    return [Section("By impact", [ChartBlock(_impact_chart(ctx))])]


def _all_grouped(ctx: _Context) -> list[Section]:
    sections = []
    for category, in_category in groupby(_ordered(ctx.records), key=lambda r: r.category):
        in_category = list(in_category)
        sections.append(Section(
            theme.category_label(category),
            [Text(f"{fmt.plural(len(in_category), 'recommendation')}.")]))
        for impact, rows in groupby(in_category, key=lambda r: r.impact):
            rows = list(rows)
            sections.append(Section(f"{theme.category_label(category)}: {impact or 'no'} impact",
                                    [Table(f"{impact or 'No'} impact ({len(rows):,})",
                                           _DETAIL_COLUMNS, _detail_rows(rows))], level=2))
    return sections


def _full_list(ctx: _Context) -> list[Section]:
    return [Section("All recommendations", [Table(
        f"All {fmt.plural(len(ctx.records), 'recommendation')}", _DETAIL_COLUMNS,
        _detail_rows(_ordered(ctx.records)))])]


def _by_subscription(ctx: _Context) -> list[Section]:
    rows = ctx.stats["bySubscription"]
    chart = BarChart("Recommendations by subscription", tuple(
        Bar(r.get("subscriptionName") or r["subscriptionId"], r["count"], fmt.count(r["count"]),
            theme.SERIES[i % len(theme.SERIES)]) for i, r in enumerate(rows[:10])),
        "Bar chart of recommendations per subscription.")
    return [Section("By subscription", [ChartBlock(chart), _grouped_table(
        rows, "Subscription", _subscription_label)])]


def _by_resource_type(ctx: _Context) -> list[Section]:
    return [Section("By resource type", [_grouped_table(
        ctx.stats["byResourceType"], "Resource type", lambda r: r["resourceType"])])]


def _savings_overview(ctx: _Context) -> list[Section]:
    savings = ctx.stats["savingsByCurrency"]
    table = Table("Potential annual savings by currency", (
        Column("Currency", 0.2), Column("Recommendations", 0.3, True),
        Column("Potential annual savings", 0.5, True)),
        [(s["currency"], fmt.count(s["recommendations"]),
          fmt.money(s["annualSavings"], s["currency"])) for s in savings],
        "No recommendation in this export estimates a saving.")
    return [Section("Savings by currency", [
        table, Text(SAVINGS_CAVEAT, "caveat"),
        Text("Amounts in different currencies are shown separately and never added together."),
    ])]


def _savings_by(ctx: _Context, title: str, stats_key: str, noun: str,
                chart_label: Callable[[dict], str],
                table_label: Callable[[dict], str]) -> list[Section]:
    rows = ctx.stats[stats_key]
    blocks: list = [ChartBlock(_savings_chart(title, rows, noun, chart_label, s["currency"]))
                    for s in ctx.stats["savingsByCurrency"]]
    blocks.append(_grouped_table(rows, noun.capitalize(), table_label))
    return [Section(title, blocks)]


def _savings_by_subscription(ctx: _Context) -> list[Section]:
    return _savings_by(ctx, "Savings by subscription", "bySubscription", "subscription",
                       lambda r: r.get("subscriptionName") or r["subscriptionId"],
                       _subscription_label)


def _savings_by_resource_type(ctx: _Context) -> list[Section]:
    return _savings_by(ctx, "Savings by resource type", "byResourceType", "resource type",
                       lambda r: r["resourceType"].split("/")[-1], lambda r: r["resourceType"])


_COMMITMENT = re.compile(r"reserv|savings plan", re.IGNORECASE)


def _commitments(ctx: _Context) -> list[Section]:
    rows = [r for r in ctx.records if _COMMITMENT.search(r.recommendation)]
    rows.sort(key=lambda r: (-(r.annual_savings or 0), r.line))
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


SECTIONS: dict[str, Callable[[_Context], list[Section]]] = {
    "overview": _overview,
    "top_value": _top_value,
    "top_subscriptions": _top_subscriptions,
    "retirements": _retirements,
    "category_chart": _category_chart_section,
    "impact_chart": _impact_chart_section,
    "all_grouped": _all_grouped,
    "full_list": _full_list,
    "by_subscription": _by_subscription,
    "by_resource_type": _by_resource_type,
    "savings_overview": _savings_overview,
    "savings_by_subscription": _savings_by_subscription,
    "savings_by_resource_type": _savings_by_resource_type,
    "commitments": _commitments,
}
