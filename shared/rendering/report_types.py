"""The five report types: each declares what differs; one builder lays out the story.

A type names its audience, which recommendations it covers, its key figures and its sections
(by name, from SECTIONS below). `build_document` turns one report's data into a
ReportDocument that the HTML and PDF renderers draw.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal

from shared.advisor.actions import ActionPlan, action_plan
from shared.advisor.model import CATEGORY_RANK, IMPACT_RANK, UNRANKED, Recommendation
from shared.advisor.row_table import RowTable, as_table
from shared.advisor.savings import LEVER_LABELS, LEVERS
from shared.advisor.stats import SAVINGS_CAVEAT, Statistics, compute_statistics, export_date
from shared.rendering import formatting as fmt
from shared.rendering import theme
from shared.rendering.charts import Bar, BarChart, DonutChart, Slice
from shared.rendering.document import (
    Branding,
    ChartBlock,
    Column,
    CoverFacts,
    Derived,
    KeyFigure,
    ReportDocument,
    Section,
    Table,
    Text,
)
from shared.rendering.notes import parse_notes


@dataclass(frozen=True)
class ReportInput:
    """Everything a report is made from: the stored recommendations of one report and its facts."""

    records: Sequence[Recommendation]
    client: str
    title: str
    source_file: str
    generated_date: str  # the report's stored creation date (never the wall clock)
    export_date: str = ""  # when the export was taken; derived from the rows when empty
    changes: dict | None = None  # shared.advisor.changes.compare with `baseline`, if any
    exclusions: Sequence[dict] = ()  # the client's rules applied, each with its `rows`
    branding: Branding = field(default_factory=Branding)
    notes: str = ""  # the consultant's notes (shown in the executive summary)
    # report_facts of `records`, when the summary already worked them out (see there)
    facts: dict | None = None


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
            "Where the estate stands, what to do first and what it could save.",
            None, ("recommendations", "high_impact", "subscriptions", "savings"),
            ("notes", "at_a_glance", "top_actions", "changes", "retirements", "overview",
             "top_subscriptions"),
        ),
        ReportType(
            "detailed", "Detailed recommendations", "Engineers",
            "Every recommendation, grouped by category and impact, with the resource it "
            "concerns.",
            None, ("recommendations", "high_impact", "resources", "savings"),
            ("category_chart", "action_plan", "changes", "all_grouped"),
        ),
        ReportType(
            "cost", "Cost optimisation", "FinOps",
            "Potential savings by currency, subscription and resource type, and the "
            "opportunities worth acting on first.",
            ("Cost",), ("recommendations", "high_impact", "savings"),
            ("action_plan", "savings_overview", "changes", "savings_by_subscription",
             "savings_by_resource_type", "commitments", "full_list"),
            "This export holds no cost recommendations: Advisor found nothing to save, or the "
            "export was taken from another category's tab.",
        ),
        ReportType(
            "security", "Security findings", "Security teams",
            "Security recommendations by impact, subscription and resource type, and the full "
            "list to work through.",
            ("Security",), ("recommendations", "high_impact", "subscriptions", "resources"),
            ("action_plan", "changes", "impact_chart", "by_subscription", "by_resource_type",
             "full_list"),
            "This export holds no security recommendations.",
        ),
        ReportType(
            "operations", "Operations", "Operations teams",
            "Reliability, operational excellence and performance recommendations, and the "
            "retirements to plan for.",
            ("Reliability", "OperationalExcellence", "Performance"),
            ("recommendations", "high_impact", "retirements", "subscriptions"),
            ("action_plan", "changes", "category_chart", "by_subscription", "retirements",
             "full_list"),
            "This export holds no reliability, operational excellence or performance "
            "recommendations.",
        ),
    )
}


@dataclass
class ReportContext:
    """One report type's share of a report: its records, statistics, plan and changes."""

    kind: ReportType
    records: RowTable
    stats: dict
    changes: dict | None  # this type's share of the changes since the baseline, or None
    accent: str = theme.ACCENT  # single-series charts are drawn in the client's colour
    notes: str = ""
    _plan: list[dict] | None = None

    @property
    def plan(self) -> list[dict]:
        if self._plan is None:
            self._plan = action_plan(self.records)
        return self._plan

    @property
    def mixed(self) -> bool:
        """Whether the report's lists mix categories (then they show a Category column)."""
        return self.kind.categories is None or len(self.kind.categories) > 1


def records_of(kind: ReportType, records: Sequence[Recommendation]) -> RowTable:
    """The recommendations a report type covers (its categories), in the order given."""
    table = as_table(records)
    if kind.categories is None:
        return table
    return table.where("category", lambda category: category in kind.categories)


def report_facts(records: Sequence[Recommendation], as_of: str) -> dict:
    """What every render of a report works out from all its rows: each report type's
    statistics and action plan, and the scope line of the cover. The summary computes them
    once and the renders read them (JSON), instead of ten renders each going over every row
    again. Types that cover the same categories share one pass over their rows, which feeds
    the statistics and the plan together; the passes run one after another, so only one
    pass's tallies (the resources it counts) are held at a time."""
    table = as_table(records)
    found: dict[tuple[str, ...] | None, dict] = {}
    subscriptions: dict[str, str] = {}
    for kind in REPORT_TYPES.values():
        if kind.categories in found:
            continue
        stats, plan = Statistics(), ActionPlan()
        for rec in records_of(kind, table):
            stats.add(rec)
            plan.add(rec)
            if kind.categories is None:
                _note_subscription(subscriptions, rec)
        found[kind.categories] = {"stats": stats.result(as_of), "plan": plan.result()}
        del stats, plan
    return {"scope": _scope_line(subscriptions),
            "types": {kind.key: found[kind.categories] for kind in REPORT_TYPES.values()}}


def context_of(kind: ReportType, data: ReportInput) -> ReportContext:
    records = records_of(kind, data.records)
    known = data.facts["types"][kind.key] if data.facts else None
    if known:
        stats, plan = known["stats"], known["plan"]
    else:
        as_of = data.export_date or export_date(data.records, data.generated_date)
        stats, plan = compute_statistics(records, as_of=as_of), None
    return ReportContext(kind, records, stats, _changes_for(kind, data.changes),
                         theme.accent(data.branding.accent), data.notes, plan)


def generated_at(data: ReportInput) -> datetime:
    """The report's creation time (naive UTC), the date Office documents are stamped with."""
    try:
        moment = datetime.fromisoformat(data.generated_date.replace("Z", "+00:00"))
    except ValueError:
        return datetime(2000, 1, 1)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def cover_of(kind: ReportType, data: ReportInput, ctx: ReportContext) -> CoverFacts:
    return CoverFacts(
        title=data.title, report_label=kind.label, audience=kind.audience, client=data.client,
        source_file=data.source_file, export_date=fmt.date(ctx.stats["exportDate"]),
        generated_date=fmt.date(data.generated_date), purpose=kind.purpose,
        scope=data.facts["scope"] if data.facts else scope_text(data.records),
    )


def build_document(kind: ReportType, data: ReportInput) -> ReportDocument:
    ctx = context_of(kind, data)
    records = ctx.records
    cover = cover_of(kind, data, ctx)
    figures = [f for name in kind.key_figures for f in KEY_FIGURES[name](ctx)]
    if not records:
        sections = [Section(f"No {kind.label.lower()} to report", [Text(
            kind.nothing_found or "This export holds no recommendations.", "empty")])]
    else:
        sections = [s for name in kind.sections for s in SECTIONS[name](ctx)]
    sections += _exclusions_appendix(data.exclusions)
    has_money = "savings" in kind.key_figures and bool(ctx.stats["savingsByCurrency"])
    return ReportDocument(cover, figures, sections, SAVINGS_CAVEAT if has_money else None,
                          replace(data.branding, accent=ctx.accent))


def scope_text(records: Sequence[Recommendation], most: int = 4) -> str:
    """The subscriptions an export covers, by name where it gives one: "3 subscriptions:
    Contoso Prod, Contoso Dev, Shared Services"."""
    names: dict[str, str] = {}
    for r in records:
        _note_subscription(names, r)
    return _scope_line(names, most)


def _note_subscription(names: dict[str, str], rec: Recommendation) -> None:
    if rec.subscription_id:
        names.setdefault(rec.subscription_id.lower(), rec.subscription_name or rec.subscription_id)


def _scope_line(names: dict[str, str], most: int = 4) -> str:
    if not names:
        return "No subscription named"
    shown = sorted((n if len(n) <= 60 else n[:59] + "…" for n in names.values()),
                   key=str.casefold)
    listed = ", ".join(shown[:most]) + (f" and {len(shown) - most} more"
                                        if len(shown) > most else "")
    return f"{fmt.plural(len(shown), 'subscription')}: {listed}"


# -- key figures -----------------------------------------------------------------------------------


def _savings_figures(ctx: ReportContext) -> list[KeyFigure]:
    savings = ctx.stats["savingsByCurrency"]
    if not savings:
        return [KeyFigure("Estimated annual savings", "None identified")]
    return [KeyFigure(f"Estimated annual savings ({s['currency']})",
                      fmt.money(s["estimatedAnnualSavings"], s["currency"]),
                      f"{fmt.money(s['estimatedMonthlySavings'], s['currency'])} a month. "
                      + _lever_text(s))
            for s in savings]


def _lever_text(saving: dict) -> str:
    """What each lever adds to the estimate, amounts in the figure's currency."""
    parts = [f"{LEVER_LABELS[name]} {amount:,.2f}"
             for name, amount in saving["byLever"].items() if amount]
    return " · ".join(parts)


KEY_FIGURES: dict[str, Callable[[ReportContext], list[KeyFigure]]] = {
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


def _category_chart(ctx: ReportContext) -> BarChart:
    rows = ctx.stats["byCategory"]
    return BarChart(
        "Recommendations by category",
        tuple(Bar(theme.category_label(c["category"]), c["count"], fmt.count(c["count"]),
                  theme.category_colour(c["category"])) for c in rows),
        "Bar chart of recommendations per category: " + "; ".join(
            f"{theme.category_label(c['category'])} {c['count']}" for c in rows) + ".",
    )


def _impact_chart(ctx: ReportContext) -> DonutChart:
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


# -- tables ----------------------------------------------------------------------------------------

_DETAIL_COLUMNS = (
    Column("Impact", 0.08), Column("Recommendation", 0.30), Column("Resource", 0.20),
    Column("Resource group", 0.13), Column("Subscription", 0.13),
    Column("Benefit or savings", 0.16),
)
_DETAIL_COLUMNS_MIXED = (
    Column("Impact", 0.08), Column("Category", 0.11), Column("Recommendation", 0.25),
    Column("Resource", 0.18), Column("Resource group", 0.11), Column("Subscription", 0.13),
    Column("Benefit or savings", 0.14),
)
PORTAL = "https://portal.azure.com/#resource"


def portal_url(resource_id: str) -> str:
    """The Azure portal's page of a resource ("" when the row names no resource id)."""
    return f"{PORTAL}{resource_id}" if resource_id.startswith("/subscriptions/") else ""


def _resource(rec: Recommendation) -> str:
    if rec.resource_type and rec.resource_type.lower() != "subscription":
        return f"{rec.resource_name} ({rec.resource_type.split('/')[-1]})" \
            if rec.resource_name else rec.resource_type
    return rec.resource_name or rec.resource_type


def _benefit(rec: Recommendation) -> str:
    if rec.annual_savings is not None:
        return fmt.money(rec.annual_savings, rec.currency) + " a year"
    return rec.potential_benefits


def _detail_table(caption: str, records: Sequence[Recommendation], mixed: bool = False,
                  empty_text: str = "None found.") -> Table:
    """Rows of recommendations, each resource linked to its page in the Azure portal."""
    return Table(caption, _DETAIL_COLUMNS_MIXED if mixed else _DETAIL_COLUMNS,
                 Derived(records, _mixed_row if mixed else _row), empty_text,
                 link_column=3 if mixed else 2,
                 links=Derived(records, lambda r: portal_url(r.resource_id)))


def _row(r: Recommendation) -> tuple[str, ...]:
    return (r.impact, r.recommendation, _resource(r), r.resource_group,
            r.subscription_name or r.subscription_id, _benefit(r))


def _mixed_row(r: Recommendation) -> tuple[str, ...]:
    return (r.impact, theme.category_label(r.category), r.recommendation, _resource(r),
            r.resource_group, r.subscription_name or r.subscription_id, _benefit(r))


_NO_SAVINGS = Decimal(0)


def _ordered(records: RowTable) -> RowTable:
    """Category order, then impact order, then savings (largest first), then source line.

    Sorted once per key, last key first (each sort is stable, so ties keep the order of the
    keys sorted before), each key worked out once per distinct value (see RowTable)."""
    return _by_savings(records) \
        .sorted_by("impact", lambda impact: IMPACT_RANK.get(impact, UNRANKED)) \
        .sorted_by("category", lambda category: (CATEGORY_RANK.get(category, UNRANKED),
                                                 category))


def _by_savings(records: RowTable) -> RowTable:
    """Savings (largest first; none counts as 0), then source line; see _ordered."""
    return records.sorted_by("line") \
        .sorted_by("annual_savings", lambda amount: amount or _NO_SAVINGS, reverse=True)


def _grouped_table(rows: list[dict], label: str, label_of: Callable[[dict], str]) -> Table:
    currencies = sorted({c for r in rows for c in r["savingsByCurrency"]})
    columns = [Column(label, 0.40), Column("Count", 0.11, True),
               Column("High impact", 0.11, True)]
    columns += [Column(f"Sum of savings ({c})", 0.38 / max(len(currencies), 1), True)
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


def _overview(ctx: ReportContext) -> list[Section]:
    return [Section("Overview", [
        Text(f"{fmt.plural(ctx.stats['totals']['recommendations'], 'recommendation')} across "
             f"{fmt.plural(ctx.stats['totals']['subscriptions'], 'subscription')}; "
             f"{fmt.count(ctx.stats['totals']['highImpact'])} of high impact."),
        ChartBlock(_category_chart(ctx)), ChartBlock(_impact_chart(ctx)),
    ])]


def _top_subscriptions(ctx: ReportContext) -> list[Section]:
    rows = ctx.stats["bySubscription"][:10]
    return [Section("Subscriptions with the most recommendations", [
        _grouped_table(rows, "Subscription", _subscription_label)])]


def retirement_when(row: dict) -> str:
    """"Overdue by 53 days", "Due in 12 days", "Due today" or "No date given"."""
    days = row.get("daysUntil")
    if row.get("status") == "overdue":
        return f"Overdue by {fmt.plural(-days, 'day')}"
    if days is None:
        return "No date given"
    return "Due today" if days == 0 else f"Due in {fmt.plural(days, 'day')}"


def _retirements(ctx: ReportContext) -> list[Section]:
    rows = ctx.stats["retirements"]
    overdue = [r for r in rows if r["status"] == "overdue"]
    blocks: list = []
    if overdue:
        blocks.append(Text(
            f"{fmt.plural(len(overdue), 'retirement')} dated before the export "
            f"({ctx.stats['exportDate']}) are overdue: the resources below still use features "
            "that are already retired. They come first.", "caveat"))
    blocks.append(Table(
        "Features being retired and the resources that use them",
        (Column("When", 0.17), Column("Retirement date", 0.13), Column("Feature", 0.29),
         Column("Resources", 0.12, True), Column("For example", 0.29)),
        [(retirement_when(r), r["date"] or "not given", r["feature"] or "not given",
          fmt.count(r["count"]), ", ".join(r["resources"][:5])) for r in rows],
        "No retirements are announced for the resources in this export."))
    return [Section("Retirements", blocks)]


def _category_chart_section(ctx: ReportContext) -> list[Section]:
    return [Section("By category", [ChartBlock(_category_chart(ctx)),
                                    ChartBlock(_impact_chart(ctx))])]


def _impact_chart_section(ctx: ReportContext) -> list[Section]:
    return [Section("By impact", [ChartBlock(_impact_chart(ctx))])]


def _all_grouped(ctx: ReportContext) -> list[Section]:
    sections = []
    for category, in_category in _ordered(ctx.records).runs("category"):
        sections.append(Section(
            theme.category_label(category),
            [Text(f"{fmt.plural(len(in_category), 'recommendation')}.")]))
        for impact, rows in in_category.runs("impact"):
            sections.append(Section(f"{theme.category_label(category)}: {impact or 'no'} impact",
                                    [_detail_table(f"{impact or 'No'} impact ({len(rows):,})",
                                                   rows)], level=2))
    return sections


def _full_list(ctx: ReportContext) -> list[Section]:
    return [Section("Appendix: every recommendation", [
        Text("Each finding on its own row, for the teams doing the work; the action plan "
             "above groups them."),
        _detail_table(f"All {fmt.plural(len(ctx.records), 'recommendation')}",
                      _ordered(ctx.records), ctx.mixed)])]


def _by_subscription(ctx: ReportContext) -> list[Section]:
    rows = ctx.stats["bySubscription"]
    chart = BarChart("Recommendations by subscription", tuple(
        Bar(r.get("subscriptionName") or r["subscriptionId"], r["count"], fmt.count(r["count"]),
            ctx.accent) for r in rows[:10]),
        "Bar chart of recommendations per subscription.")
    return [Section("By subscription", [ChartBlock(chart), _grouped_table(
        rows, "Subscription", _subscription_label)])]


def _by_resource_type(ctx: ReportContext) -> list[Section]:
    return [Section("By resource type", [_grouped_table(
        ctx.stats["byResourceType"], "Resource type", lambda r: r["resourceType"])])]


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


# -- the action plan, the summary that leads, the changes since the last review ------------------


def savings_text(savings: dict[str, float]) -> str:
    return ", ".join(fmt.money(v, c) for c, v in savings.items()) or ""


def action_scope(action: dict) -> str:
    return (f"{fmt.plural(action['resources'], 'resource')} in "
            f"{fmt.plural(action['subscriptions'], 'subscription')}")


def _action_table(caption: str, actions: list[dict], mixed: bool,
                  empty_text: str = "Nothing to act on.") -> Table:
    columns = [Column("Impact", 0.08), Column("Action", 0.35 if mixed else 0.47)]
    if mixed:
        columns.append(Column("Category", 0.12))
    columns += [Column("Scope", 0.17), Column("Annual savings", 0.16, True),
                Column("Retires", 0.12)]
    rows = [(a["impact"], a["recommendation"],
             *([theme.category_label(a["category"])] if mixed else []),
             action_scope(a), savings_text(a["savingsByCurrency"]), a["retirementDate"] or "")
            for a in actions]
    return Table(caption, tuple(columns), rows, empty_text)


def _action_plan_section(ctx: ReportContext) -> list[Section]:
    plan = ctx.plan
    findings = len(ctx.records)
    blocks: list = [Text(
        f"{fmt.plural(findings, 'finding')} come down to {fmt.plural(len(plan), 'action')}: "
        "each action is one recommendation and every resource it concerns. High impact "
        "first, then the actions that touch the most resources, then by savings.")]
    blocks.append(_action_table(f"Action plan ({fmt.plural(len(plan), 'action')})", plan,
                                ctx.mixed))
    examples = [(a["recommendation"], ", ".join(e["resourceName"] for e in a["examples"]))
                for a in plan[:10] if a["resources"] > 1]
    if examples:
        blocks.append(Table("Where the first actions apply (up to five resources each)",
                            (Column("Action", 0.45), Column("For example", 0.55)), examples))
    return [Section("Action plan", blocks)]


def _top_actions(ctx: ReportContext) -> list[Section]:
    plan = ctx.plan
    return [Section("Top actions", [
        Text("The ten actions that matter most across cost, security, reliability, operational "
             "excellence and performance: high impact first, then those that touch the most "
             "resources."),
        _action_table("The first ten actions of the action plan", plan[:10], True),
    ])]


def summary_paragraph(stats: dict, plan: list[dict], changes: dict | None) -> str:
    """A few sentences written from the figures (deterministic: the same data, the same text)."""
    sentences = []
    high = stats["totals"]["highImpact"]
    high_actions = sorted((a for a in plan if a["impact"] == "High"),
                          key=lambda a: -a["findings"])
    if high and high_actions:
        covered, used = 0, 0
        for action in high_actions:
            covered += action["findings"]
            used += 1
            if covered * 10 >= high * 7:
                break
        sentences.append(
            f"{fmt.plural(used, 'action')} cover {round(100 * covered / high)} % of the "
            f"{fmt.count(high)} high-impact findings.")
    elif not high:
        sentences.append("No finding is of high impact.")
    for saving in stats["savingsByCurrency"][:2]:
        sentences.append(
            f"Acting on the cost recommendations could save an estimated "
            f"{fmt.money(saving['estimatedAnnualSavings'], saving['currency'])} a year "
            f"({fmt.money(saving['estimatedMonthlySavings'], saving['currency'])} a month), "
            "counting savings plans and reservations once.")
    overdue = sum(r["count"] for r in stats["retirements"] if r["status"] == "overdue")
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
            f"Since the last review ({fmt.date(changes['baseline'].get('createdAt') or '')}), "
            f"{fmt.plural(counts['new'], 'finding')} appeared and "
            f"{fmt.count(counts['resolved'])} were resolved.")
    return " ".join(sentences)


def _at_a_glance(ctx: ReportContext) -> list[Section]:
    return [Section("At a glance", [Text(summary_paragraph(ctx.stats, ctx.plan,
                                                            ctx.changes))])]


def _changes_for(kind: ReportType, changes: dict | None) -> dict | None:
    """The share of the changes a report type covers (its categories), or None without a
    baseline."""
    if not changes or not changes.get("baseline") or changes.get("counts") is None:
        return None
    if kind.categories is None:
        return changes
    mine = [c for c in changes["byCategory"] if c["category"] in kind.categories]
    return {
        "baseline": changes["baseline"],
        "counts": {k: sum(c[k] for c in mine) for k in ("new", "resolved", "persisting")},
        "byCategory": mine,
        "results": [r for r in changes["results"] if r["category"] in kind.categories],
    }


_CHANGE_COLUMNS = (Column("Impact", 0.08), Column("Category", 0.13),
                   Column("Recommendation", 0.39), Column("Resource", 0.20),
                   Column("Subscription", 0.20))
_CHANGE_LIST_MAX = 25


def _change_table(caption: str, items: list[dict], empty_text: str) -> Table:
    shown = items[:_CHANGE_LIST_MAX]
    more = len(items) - len(shown)
    return Table(
        caption + (f" (the first {len(shown)} of {fmt.count(len(items))})" if more else ""),
        _CHANGE_COLUMNS,
        [(i["impact"], theme.category_label(i["category"]), i["recommendation"],
          i["resourceName"] or i["resourceId"],
          i.get("subscriptionName") or i["subscriptionId"]) for i in shown],
        empty_text, link_column=3, links=[portal_url(i["resourceId"]) for i in shown])


def _changes_section(ctx: ReportContext) -> list[Section]:
    changes = ctx.changes
    if changes is None:
        return []
    baseline = changes["baseline"]
    when = fmt.date(baseline.get("createdAt") or "")
    counts = changes["counts"]
    new_high = [i for i in changes["results"] if i["change"] == "new" and i["impact"] == "High"]
    resolved = [i for i in changes["results"] if i["change"] == "resolved"]
    return [Section(f"Changes since {when}", [
        Text(f"Compared with the review of {when} (“{baseline.get('title') or ''}”): "
             f"{fmt.plural(counts['new'], 'new finding')}, {fmt.count(counts['resolved'])} "
             f"resolved, {fmt.count(counts['persisting'])} still open. A finding is the same "
             "when its recommendation and resource are."),
        Table("Changes by category", (
            Column("Category", 0.40), Column("New", 0.20, True),
            Column("Resolved", 0.20, True), Column("Still open", 0.20, True)),
            [(theme.category_label(c["category"]), fmt.count(c["new"]),
              fmt.count(c["resolved"]), fmt.count(c["persisting"]))
             for c in changes["byCategory"]], "Nothing changed."),
        _change_table("New high-impact findings", new_high,
                      "No new high-impact finding since the last review."),
        _change_table("Resolved since the last review", resolved,
                      "Nothing was resolved since the last review."),
    ])]


_KIND_LABELS = {"accepted-risk": "Accepted risk", "not-applicable": "Not applicable",
                "postponed": "Postponed"}


def _rule_text(rule: dict) -> str:
    if rule.get("all"):
        return "Every recommendation"
    names = {"recommendation": "recommendation", "category": "category",
             "subscriptionId": "subscription", "resourceGroup": "resource group",
             "resourceId": "resource", "resourceIdPrefix": "resources under",
             "resourceType": "resource type"}
    return "; ".join(f"{label} {rule[field]}" for field, label in names.items()
                     if rule.get(field))


def _exclusions_appendix(rules: Sequence[dict]) -> list[Section]:
    """Every report says what the client's exclusion rules left out of its figures."""
    if not rules:
        return []
    hidden = sum(r["rows"] for r in rules)
    return [Section("Appendix: exclusions", [
        Text(f"The client excluded {fmt.plural(hidden, 'finding')} from this export by "
             f"{fmt.plural(len(rules), 'rule')} in force: they stay stored and browsable, and "
             "no figure, chart, action or change in this report counts them."),
        Table("Exclusion rules in force", (
            Column("Rule", 0.30), Column("Reason", 0.30), Column("Kind", 0.13),
            Column("Expires", 0.13), Column("Rows hidden", 0.14, True)),
            [(_rule_text(r), r.get("reason") or "", _KIND_LABELS.get(r.get("kind"), ""),
              fmt.date(r.get("expiresAt") or "") or "never",
              fmt.count(r["rows"]) if r["rows"] else "none: matches nothing")
             for r in rules]),
    ])]


def _notes(ctx: ReportContext) -> list[Section]:
    if not ctx.notes.strip():
        return []
    return [Section("Consultant's notes", [parse_notes(ctx.notes)])]


SECTIONS: dict[str, Callable[[ReportContext], list[Section]]] = {
    "notes": _notes,
    "at_a_glance": _at_a_glance,
    "top_actions": _top_actions,
    "action_plan": _action_plan_section,
    "changes": _changes_section,
    "overview": _overview,
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
