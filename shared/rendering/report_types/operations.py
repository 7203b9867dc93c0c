"""Operations: reliability, operational excellence and performance, and the retirements to
plan for. Every section it shows is one several types share (sections.py)."""

from __future__ import annotations

from shared.rendering.report_types.base import ReportType, SectionBuilder

REPORT_TYPE = ReportType(
    "operations", "Operations", "Operations teams",
    "Reliability, operational excellence and performance recommendations, and the "
    "retirements to plan for.",
    ("Reliability", "OperationalExcellence", "Performance"),
    ("recommendations", "high_impact", "overdue", "retirements"),
    ("action_plan", "changes", "category_chart", "by_subscription", "retirements",
     "full_list"),
    "This export holds no reliability, operational excellence or performance "
    "recommendations.",
)


SECTIONS: dict[str, SectionBuilder] = {}  # none of its own
