"""The pieces report types build their sections from: key figures, charts, tables of
recommendations, actions and groups, the order lists are read in, and the labels the workbook
and the deck share."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from shared.advisor.headlines import headline, period
from shared.advisor.model import CATEGORY_RANK, IMPACT_RANK, UNRANKED, Recommendation
from shared.advisor.row_table import RowTable
from shared.advisor.savings import LEVER_LABELS, LEVERS
from shared.rendering import formatting as fmt
from shared.rendering import theme
from shared.rendering.charts import Bar, BarChart, ColumnChart, DonutChart, Series, Slice
from shared.rendering.document import Column, Derived, KeyFigure, Table
from shared.rendering.report_types.base import ReportContext

# -- key figures -----------------------------------------------------------------------------------


def baseline_headline(ctx: ReportContext) -> dict | None:
    """This type's headline figures at the baseline (None without one, or when the summary
    that compared them predates the figures)."""
    if ctx.changes is None:
        return None
    return (ctx.changes["baseline"].get("headlines") or {}).get(ctx.kind.key)


def _count_change(ctx: ReportContext, name: str, now: int) -> tuple[str, str]:
    """("−29 since October 2026 review", "better"): fewer findings is better."""
    then = baseline_headline(ctx)
    if then is None or name not in then:
        return "", ""
    moved = now - then[name]
    tone = "" if not moved else ("better" if moved < 0 else "worse")
    return f"{fmt.signed(moved)} since {ctx.baseline_name}", tone


def _count_figure(label: str, name: str,
                  note: str = "") -> Callable[[ReportContext], list[KeyFigure]]:
    """A card of one of headline()'s counts, with its change since the baseline."""
    def figure(ctx: ReportContext) -> list[KeyFigure]:
        now = headline(ctx.stats)[name]
        change, tone = _count_change(ctx, name, now)
        return [KeyFigure(label, fmt.count(now), note, change, tone)]
    return figure


def _savings_figures(ctx: ReportContext) -> list[KeyFigure]:
    savings = ctx.stats["savingsByCurrency"]
    then = baseline_headline(ctx)
    if not savings:
        return [KeyFigure("Estimated annual savings", "None identified")]
    figures = []
    for s in savings:
        currency, amount = s["currency"], s["estimatedAnnualSavings"]
        change = ""
        if then is not None:
            before = then["estimatedSavings"].get(currency) or 0
            change = f"{fmt.signed_money(amount - before, currency)} since {ctx.baseline_name}"
        figures.append(KeyFigure(
            # The value names its currency: a label on one line keeps the cards' values level.
            "Estimated annual savings", fmt.compact_money(amount, currency),
            f"{fmt.compact_money(s['estimatedMonthlySavings'], currency)} a month", change))
    return figures


KEY_FIGURES: dict[str, Callable[[ReportContext], list[KeyFigure]]] = {
    "recommendations": _count_figure("Recommendations", "recommendations"),
    "high_impact": _count_figure("High impact", "highImpact", "act on these first"),
    "subscriptions": lambda c: [KeyFigure("Subscriptions",
                                          fmt.count(c.stats["totals"]["subscriptions"]))],
    "resources": lambda c: [KeyFigure("Resources", fmt.count(c.stats["totals"]["resources"]))],
    "retirements": lambda c: [KeyFigure("Retirements to plan",
                                        fmt.count(sum(r["count"]
                                                      for r in c.stats["retirements"])))],
    "overdue": _count_figure("Overdue retirements", "overdueRetirements",
                             "features already retired"),
    "savings": _savings_figures,
}


def figures_note(ctx: ReportContext, client: str) -> str:
    """What the cards' changes are measured against; a first report says it is the baseline."""
    if ctx.changes is None:
        return (f"This is the first report for {client}: it is the baseline the next review "
                "is compared with, figure by figure.")
    exported = fmt.date(ctx.changes["baseline"].get("exportDate") or "") or "an unknown date"
    return f"Each change is since {ctx.baseline_name} (export of {exported})."


def change_money(changes: dict) -> list[tuple[str, Decimal, Decimal]]:
    """(currency, resolved, new): the annual savings of the findings resolved and of those
    new since the baseline, per currency, from the changes a report type covers."""
    sums: dict[str, list[Decimal]] = {}
    for money_of in changes["savingsByCategory"].values():  # summed by changes.for_renders
        for currency, amounts in money_of.items():
            pair = sums.setdefault(currency, [Decimal(0), Decimal(0)])
            pair[0] += Decimal(amounts[0])
            pair[1] += Decimal(amounts[1])
    return [(currency, resolved, new) for currency, (resolved, new) in sorted(sums.items())]


def change_money_lines(changes: dict, compact: bool = False) -> list[str]:
    """"Resolved findings were worth 646,196.00 USD a year; new ones 457,139.00 USD.", one
    per currency (none when no changed finding carries a saving)."""
    show = fmt.compact_money if compact else fmt.money
    return [f"Resolved findings were worth {show(resolved, currency)} a year; new ones "
            f"{show(new, currency)}." for currency, resolved, new in change_money(changes)]


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


def trend_label(point: dict, points: Sequence[dict]) -> str:
    """A report under its column: "Nov 2026", or its export date when two share a month."""
    month = period(point.get("exportDate") or point.get("createdAt") or "")
    short = f"{month[:3]} {month[-4:]}" if month else point["reportId"][:10]
    same = [p for p in points if period(p.get("exportDate") or p.get("createdAt") or "")
            == month]
    return short if len(same) < 2 else fmt.date(point.get("exportDate") or "") or short


def trend_categories(points: Sequence[dict]) -> list[str]:
    """The categories a trend shows, in the reports' order; "" stands for the findings of
    reports summarised before they were counted by category."""
    found = {c for p in points for c in p["byCategory"]}
    order = sorted(found, key=lambda c: (CATEGORY_RANK.get(c, UNRANKED), c))
    return order + ([""] if any(not p["byCategory"] for p in points) else [])


def trend_count(point: dict, category: str) -> int:
    return point["byCategory"].get(category, 0) if category else (
        0 if point["byCategory"] else point["recommendations"])


def trend_charts(ctx: ReportContext) -> list:
    """The client's last reports (up to 12): open findings by category, stacked, and the
    savings estimate in each of this report's currencies (two at most). Nothing for a
    client's first report."""
    points = list(ctx.trend)
    if len(points) < 2:
        return []
    labels = tuple(trend_label(p, points) for p in points)
    series = tuple(Series(theme.category_label(c) if c else "Not broken down",
                          tuple(trend_count(p, c) for p in points),
                          theme.category_colour(c) if c else theme.MUTED)
                   for c in trend_categories(points))
    charts: list = [ColumnChart(
        f"Open findings by category, last {len(points)} reviews", labels, series,
        tuple(fmt.count(p["recommendations"]) for p in points),
        "Stacked columns of open findings per category for each review: " + "; ".join(
            f"{label} {p['recommendations']:,}" for label, p in zip(labels, points,
                                                                     strict=True)) + ".")]
    for saving in ctx.stats["savingsByCurrency"][:2]:
        currency = saving["currency"]
        amounts = [(p["estimatedSavingsByCurrency"].get(currency) or 0) for p in points]
        charts.append(BarChart(
            f"Estimated annual savings ({currency}), last {len(points)} reviews",
            tuple(Bar(label, amount, fmt.compact_money(amount, currency), ctx.accent)
                  for label, amount in zip(labels, amounts, strict=True)),
            f"Bar chart of the estimated annual savings in {currency} of each review."))
    return charts


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


def _grouped_table(rows: list[dict], label: str, label_of: Callable[[dict], str],
                   ctx: ReportContext | None = None, rest: int = 0) -> Table:
    """Rows of a grouping (subscription, resource type) with their counts and savings; with
    the report's context, a footer that makes the savings add up to the headline."""
    known = [s["currency"] for s in ctx.stats["savingsByCurrency"]] if ctx else []
    currencies = sorted({c for r in rows for c in r["savingsByCurrency"]} | set(known))
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
    lines = reconciliation(ctx, (r["savingsByCurrency"] for r in rows), rest,
                           label.lower()) if ctx else []
    footer = [(text, "", "", *(_signed_cell(amounts, c, text) for c in currencies))
              for text, amounts in lines]
    return Table(f"Recommendations by {label.lower()}", tuple(columns), body, footer=footer)


# -- adding up ----------------------------------------------------------------------------------

OVERLAP = "Savings plans and reservations overlap"
ESTIMATE = "Estimated annual savings"


def reconciliation(ctx: ReportContext, shown: Iterable[dict[str, float]], rest: int,
                   noun: str) -> list[tuple[str, dict[str, Decimal]]]:
    """The lines under a breakdown of savings (by action, subscription, lever...) that make
    it add up to the headline estimate: what the rows not shown add ("The other 12
    actions"), what the overlap of savings plans and reservations takes off (their plain sum
    counts both; the estimate the larger), and the estimate. Each a label and its amount per
    currency; none when the report holds no savings."""
    savings = ctx.stats["savingsByCurrency"]
    listed: dict[str, Decimal] = {}
    for amounts in shown:
        for currency, amount in amounts.items():
            listed[currency] = listed.get(currency, Decimal(0)) + Decimal(str(amount))
    others, overlap, total = {}, {}, {}
    for saving in savings:
        currency = saving["currency"]
        plain = Decimal(str(saving["annualSavings"]))
        estimate = Decimal(str(saving["estimatedAnnualSavings"]))
        if plain != listed.get(currency, Decimal(0)):
            others[currency] = plain - listed.get(currency, Decimal(0))
        if estimate != plain:
            overlap[currency] = estimate - plain
        total[currency] = estimate
    lines = []
    if others:  # cents of rounding when every row is shown
        lines.append((f"The other {fmt.plural(rest, noun)}" if rest else "Rounding", others))
    if overlap:
        lines.append((OVERLAP, overlap))
    if total:
        lines.append((ESTIMATE, total))
    return lines


def _signed_cell(amounts: dict[str, Decimal], currency: str, label: str) -> str:
    """An amount of a reconciling line: the overlap is taken off (−), the others added."""
    if currency not in amounts:
        return ""
    amount = amounts[currency]
    if label == ESTIMATE or amount >= 0:
        return fmt.money(amount, currency)
    return fmt.MINUS + fmt.money(-amount, currency)


def reconciling_text(amounts: dict[str, Decimal], label: str) -> str:
    """The amounts of a reconciling line in one cell, currency after currency."""
    return ", ".join(_signed_cell(amounts, c, label) for c in sorted(amounts))


def _lever_table(ctx: ReportContext) -> Table:
    """What each lever adds to the estimate; the levers add up to it."""
    savings = ctx.stats["savingsByCurrency"]
    currencies = [s["currency"] for s in savings]
    share = 0.6 / max(len(currencies), 1)
    rows = [(LEVER_LABELS[lever], *(fmt.money(s["byLever"][lever], s["currency"])
                                    for s in savings))
            for lever in LEVERS if any(s["byLever"][lever] for s in savings)]
    footer = [(ESTIMATE, *(fmt.money(s["estimatedAnnualSavings"], s["currency"])
                           for s in savings))]
    return Table("Estimated annual savings by lever",
                 (Column("Lever", 0.4), *(Column(c, share, True) for c in currencies)), rows,
                 "No recommendation in this export estimates a saving.", footer=footer)


def _subscription_label(row: dict) -> str:
    name = row.get("subscriptionName") or ""
    return f"{name} ({row['subscriptionId']})" if name else row["subscriptionId"]


# -- labels -------------------------------------------------------------------------------------


def retirement_when(row: dict) -> str:
    """"Overdue by 53 days", "Due in 12 days", "Due today" or "No date given"."""
    days = row.get("daysUntil")
    if row.get("status") == "overdue":
        return f"Overdue by {fmt.plural(-days, 'day')}"
    if days is None:
        return "No date given"
    return "Due today" if days == 0 else f"Due in {fmt.plural(days, 'day')}"


# -- the action plan ------------------------------------------------------------------------------


def savings_text(savings: dict[str, float]) -> str:
    return ", ".join(fmt.money(v, c) for c, v in savings.items()) or ""


def action_scope(action: dict) -> str:
    return (f"{fmt.plural(action['resources'], 'resource')} in "
            f"{fmt.plural(action['subscriptions'], 'subscription')}")


def has_savings(ctx: ReportContext) -> bool:
    """Whether any of the report's actions estimates a saving (else no savings column)."""
    return any(a["savingsByCurrency"] for a in ctx.plan)


def _action_table(caption: str, actions: list[dict], ctx: ReportContext,
                  empty_text: str = "Nothing to act on.") -> Table:
    """Actions, high impact first; with savings, a column of them and the footer that makes
    it add up to the headline (the actions not listed, the overlap, the estimate)."""
    mixed, money = ctx.mixed, has_savings(ctx)
    retires = any(a["retirementDate"] for a in actions)
    # The savings column holds a bold negative amount of millions on one line; the action's
    # text takes the room of the columns a report leaves out.
    columns = [Column("Impact", 0.08),
               Column("Action", (0.33 if mixed else 0.45) + (0 if money else 0.19)
                      + (0 if retires else 0.12))]
    if mixed:
        columns.append(Column("Category", 0.12))
    columns.append(Column("Scope", 0.16 if mixed else 0.17))
    if money:
        columns.append(Column("Annual savings", 0.19 if mixed else 0.18, True))
    if retires:
        columns.append(Column("Retires", 0.12))
    rows = [(a["impact"], a["recommendation"],
             *([theme.category_label(a["category"])] if mixed else []), action_scope(a),
             *([savings_text(a["savingsByCurrency"])] if money else []),
             *([a["retirementDate"] or ""] if retires else []))
            for a in actions]
    footer = []
    if money:
        lines = reconciliation(ctx, (a["savingsByCurrency"] for a in actions),
                               len(ctx.plan) - len(actions), "action")
        footer = [("", text, *([""] if mixed else []), "", reconciling_text(amounts, text),
                   *([""] if retires else [])) for text, amounts in lines]
    return Table(caption, tuple(columns), rows, empty_text, footer=footer)
