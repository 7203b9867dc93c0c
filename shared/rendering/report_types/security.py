"""Security findings: by impact, subscription and resource type."""

from __future__ import annotations

from shared.rendering.document import ChartBlock, Section
from shared.rendering.report_types.base import ReportContext, ReportType, SectionBuilder
from shared.rendering.report_types.components import _grouped_table, _impact_chart

REPORT_TYPE = ReportType(
    "security", "Security findings", "Security teams",
    "Security recommendations by impact, subscription and resource type, and the full "
    "list to work through.",
    ("Security",), ("recommendations", "high_impact", "subscriptions", "resources"),
    ("action_plan", "changes", "impact_chart", "by_subscription", "by_resource_type",
     "full_list"),
    "This export holds no security recommendations.",
)


def _impact_chart_section(ctx: ReportContext) -> list[Section]:
    return [Section("By impact", [ChartBlock(_impact_chart(ctx))])]


def _by_resource_type(ctx: ReportContext) -> list[Section]:
    return [Section("By resource type", [_grouped_table(
        ctx.stats["byResourceType"], "Resource type", lambda r: r["resourceType"], ctx)])]


SECTIONS: dict[str, SectionBuilder] = {
    "impact_chart": _impact_chart_section,
    "by_resource_type": _by_resource_type,
}
