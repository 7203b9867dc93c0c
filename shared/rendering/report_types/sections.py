"""The sections several report types share (by name in SECTIONS), and the exclusions appendix
every report ends with."""

from __future__ import annotations

from collections.abc import Sequence

from shared.advisor.changes import SHOWN
from shared.rendering import formatting as fmt
from shared.rendering import theme
from shared.rendering.charts import Bar, BarChart
from shared.rendering.document import ChartBlock, Column, Section, Table, Text
from shared.rendering.report_types.base import ReportContext, SectionBuilder
from shared.rendering.report_types.components import (
    _action_table,
    _category_chart,
    _detail_table,
    _grouped_table,
    _impact_chart,
    _ordered,
    _subscription_label,
    change_money_lines,
    portal_url,
    retirement_when,
    trend_charts,
)

SOLUTION_CHARS = 300  # of Advisor's steps a report's table shows


def _action_plan_section(ctx: ReportContext) -> list[Section]:
    plan = ctx.plan
    findings = len(ctx.records)
    blocks: list = [Text(
        f"{fmt.plural(findings, 'finding')} come down to {fmt.plural(len(plan), 'action')}: "
        "each action is one recommendation and every resource it concerns. High impact "
        "first, then the actions that touch the most resources, then by savings.")]
    blocks.append(_action_table(f"Action plan ({fmt.plural(len(plan), 'action')})", plan, ctx))
    examples = [(a["recommendation"], ", ".join(e["resourceName"] for e in a["examples"]))
                for a in plan[:10] if a["resources"] > 1]
    if examples:
        blocks.append(Table("Where the first actions apply (up to five resources each)",
                            (Column("Action", 0.45), Column("For example", 0.55)), examples))
    # .get: a plan summarised before actions kept Advisor's steps has neither.
    guided = [a for a in plan[:10] if a.get("solution") or a.get("learnMoreLink")]
    if guided:
        blocks.append(Table(
            "How to fix the first actions (Advisor's steps; Microsoft's page linked)",
            (Column("Action", 0.4), Column("How to fix", 0.6)),
            # An export's "Long Description" can run to paragraphs: the workbook holds it all.
            [(a["recommendation"], fmt.clipped(a.get("solution") or "Microsoft's page on it",
                                               SOLUTION_CHARS)) for a in guided],
            link_column=1, links=[a.get("learnMoreLink", "") for a in guided]))
    return [Section("Action plan", blocks)]


def _retirements(ctx: ReportContext) -> list[Section]:
    rows = ctx.stats["retirements"]
    overdue = [r for r in rows if r["status"] == "overdue"]
    blocks: list = []
    if overdue:
        blocks.append(Text(
            f"{fmt.plural(len(overdue), 'retirement')} dated before the export "
            f"({ctx.stats['exportDate']}) are overdue: "
            f"{fmt.plural(sum(r['count'] for r in overdue), 'resource')} still use features "
            "that are already retired. They come first.", "caveat"))
    if ctx.kind.lists_resources:
        columns = (Column("When", 0.17), Column("Retirement date", 0.13),
                   Column("Feature", 0.29), Column("Resources", 0.12, True),
                   Column("For example", 0.29))
        body = [(retirement_when(r), r["date"] or "not given", r["feature"] or "not given",
                 fmt.count(r["count"]), ", ".join(r["resources"][:5])) for r in rows]
    else:
        columns = (Column("When", 0.25), Column("Retirement date", 0.17),
                   Column("Feature", 0.43), Column("Resources", 0.15, True))
        body = [(retirement_when(r), r["date"] or "not given", r["feature"] or "not given",
                 fmt.count(r["count"])) for r in rows]
    blocks.append(Table("Features being retired and the resources that use them", columns,
                        body, "No retirements are announced for the resources in this export."))
    return [Section("Retirements", blocks)]


def _category_chart_section(ctx: ReportContext) -> list[Section]:
    return [Section("By category", [ChartBlock(_category_chart(ctx)),
                                    ChartBlock(_impact_chart(ctx))])]


APPENDIX_TOP = 250  # rows of the appendix a PDF lists by default (appendix=top)
WORKBOOK = "every row is in the workbook (xlsx) and the API"


def appendix_rows(ctx: ReportContext, rows, most: int) -> tuple[object, str]:
    """The rows an appendix lists under the report's choice, and what it says of the rest:
    "all" lists every row, "top" the first `most`, "none" none."""
    if ctx.appendix == "all" or (ctx.appendix == "top" and len(rows) <= most):
        return rows, ""
    shown = rows[:most] if ctx.appendix == "top" else rows[:0]
    if not len(shown):
        return shown, f"This PDF lists no single recommendation: {WORKBOOK}."
    return shown, (f"The first {fmt.count(len(shown))} of {fmt.count(len(rows))}, high impact "
                   f"and the largest savings first: {WORKBOOK}.")


def _full_list(ctx: ReportContext) -> list[Section]:
    rows, cut = appendix_rows(ctx, _ordered(ctx.records), APPENDIX_TOP)
    blocks: list = [Text("Each finding on its own row, for the teams doing the work; the action "
                         "plan above groups them." + (f" {cut}" if cut else ""))]
    if len(rows):
        blocks.append(_detail_table(
            f"All {fmt.plural(len(ctx.records), 'recommendation')}" if not cut else
            f"The first {fmt.plural(len(rows), 'recommendation')}", rows, ctx.mixed))
    return [Section("Appendix: every recommendation" if not cut else "Appendix: recommendations",
                    blocks)]


def _by_subscription(ctx: ReportContext) -> list[Section]:
    rows = ctx.stats["bySubscription"]
    chart = BarChart("Recommendations by subscription", tuple(
        Bar(r.get("subscriptionName") or r["subscriptionId"], r["count"], fmt.count(r["count"]),
            ctx.accent) for r in rows[:10]),
        "Bar chart of recommendations per subscription.")
    return [Section("By subscription", [ChartBlock(chart), _grouped_table(
        rows, "Subscription", _subscription_label, ctx)])]


# -- the changes since the last review ------------------------------------------------------------


_CHANGE_COLUMNS = (Column("Impact", 0.08), Column("Category", 0.13),
                   Column("Recommendation", 0.39), Column("Resource", 0.20),
                   Column("Subscription", 0.20))
_CHANGE_LIST_MAX = SHOWN  # what changes.for_renders keeps of each list


def _change_table(caption: str, items: list[dict], total: int, empty_text: str) -> Table:
    """The first of `total` findings (`items` holds at least the first _CHANGE_LIST_MAX)."""
    shown = items[:_CHANGE_LIST_MAX]
    more = total - len(shown)
    return Table(
        caption + (f" (the first {len(shown)} of {fmt.count(total)})" if more else ""),
        _CHANGE_COLUMNS,
        [(i["impact"], theme.category_label(i["category"]), i["recommendation"],
          i["resourceName"] or i["resourceId"],
          i.get("subscriptionName") or i["subscriptionId"]) for i in shown],
        empty_text, link_column=3, links=[portal_url(i["resourceId"]) for i in shown])


def _changes_section(ctx: ReportContext) -> list[Section]:
    changes = ctx.changes
    if changes is None:
        return []
    name = ctx.baseline_name
    counts = changes["counts"]
    new_high = [i for i in changes["results"] if i["change"] == "new" and i["impact"] == "High"]
    resolved = [i for i in changes["results"] if i["change"] == "resolved"]
    blocks: list = [
        Text(f"Compared with {name}: {fmt.plural(counts['new'], 'new finding')}, "
             f"{fmt.count(counts['resolved'])} resolved, {fmt.count(counts['persisting'])} "
             "still open. A finding is the same when its recommendation and resource are."
             + "".join(f" {line}" for line in change_money_lines(changes))),
        Table("Changes by category", (
            Column("Category", 0.40), Column("New", 0.20, True),
            Column("Resolved", 0.20, True), Column("Still open", 0.20, True)),
            [(theme.category_label(c["category"]), fmt.count(c["new"]),
              fmt.count(c["resolved"]), fmt.count(c["persisting"]))
             for c in changes["byCategory"]], "Nothing changed."),
    ]
    if ctx.kind.lists_resources:  # leadership reads the counts; the names are the teams'
        # The changes list only the first findings of each (changes.for_renders) and count
        # the rest.
        high_total = sum(changes["newHighByCategory"].values())
        resolved_total = sum(changes["resolvedByCategory"].values())
        blocks += [_change_table("New high-impact findings", new_high, high_total,
                                 "No new high-impact finding since the last review."),
                   _change_table("Resolved since the last review", resolved, resolved_total,
                                 "Nothing was resolved since the last review.")]
    return [Section(f"Changes since {name}", blocks)]


# -- what the client's exclusion rules left out ---------------------------------------------------


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


def _trend(ctx: ReportContext) -> list[Section]:
    charts = trend_charts(ctx)
    if not charts:
        return []
    return [Section("Trend", [ChartBlock(chart) for chart in charts])]


SECTIONS: dict[str, SectionBuilder] = {
    "trend": _trend,
    "action_plan": _action_plan_section,
    "changes": _changes_section,
    "retirements": _retirements,
    "category_chart": _category_chart_section,
    "full_list": _full_list,
    "by_subscription": _by_subscription,
}
