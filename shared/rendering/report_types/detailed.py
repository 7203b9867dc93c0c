"""Detailed recommendations: every recommendation, grouped by category and impact."""

from __future__ import annotations

from shared.rendering import formatting as fmt
from shared.rendering import theme
from shared.rendering.document import Section, Text
from shared.rendering.report_types.base import ReportContext, ReportType, SectionBuilder
from shared.rendering.report_types.components import _detail_table, _ordered
from shared.rendering.report_types.sections import appendix_rows

REPORT_TYPE = ReportType(
    "detailed", "Detailed recommendations", "Engineers",
    "Every recommendation, grouped by category and impact, with the resource it "
    "concerns.",
    None, ("recommendations", "high_impact", "resources", "savings"),
    ("category_chart", "action_plan", "changes", "all_grouped"),
)


GROUP_TOP = 25  # rows of each category and impact the PDF lists by default (appendix=top)


def _all_grouped(ctx: ReportContext) -> list[Section]:
    sections = []
    for category, in_category in _ordered(ctx.records).runs("category"):
        sections.append(Section(
            theme.category_label(category),
            [Text(f"{fmt.plural(len(in_category), 'recommendation')}.")]))
        for impact, rows in in_category.runs("impact"):
            shown, cut = appendix_rows(ctx, rows, GROUP_TOP)
            blocks: list = [Text(cut)] if cut else []
            if len(shown):
                blocks.append(_detail_table(f"{impact or 'No'} impact ({len(rows):,})", shown))
            sections.append(Section(f"{theme.category_label(category)}: {impact or 'no'} impact",
                                    blocks, level=2))
    return sections


SECTIONS: dict[str, SectionBuilder] = {
    "all_grouped": _all_grouped,
}
