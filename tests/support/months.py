"""A client's two months, as the reports see them: this month's export compared with last
month's (a ninth of its findings resolved, others new), and a trend of three reviews."""

from __future__ import annotations

from dataclasses import replace

from shared.advisor.changes import compare
from shared.advisor.parse import parse_export
from shared.advisor.stats import export_date
from shared.rendering.report_types import REPORT_TYPES, baseline_headlines
from shared.rendering.report_types.base import ReportInput, context_of
from tests.support.exports import build_rows, to_csv


def _point(month: int, records, estimate: float) -> dict:
    by_category: dict[str, int] = {}
    for r in records:
        by_category[r.category] = by_category.get(r.category, 0) + 1
    return {"reportId": f"r{month}", "title": "", "fileName": f"month{month}.csv",
            "createdAt": f"2026-{month:02d}-20T09:00:00Z", "exportDate": f"2026-{month:02d}-18",
            "recommendations": len(records), "highImpact": 0, "byCategory": by_category,
            "savingsByCurrency": {"USD": estimate},
            "estimatedSavingsByCurrency": {"USD": estimate}}


def two_months(rows: int = 240, title: str = "") -> ReportInput:
    """This month's report with last month's as its baseline (named by its period unless
    `title`), and the trend of the last three reviews."""
    current = build_rows(rows, seed=3)
    previous = [dict(r) for i, r in enumerate(current) if i % 9 != 4] + build_rows(
        rows // 8, seed=11)
    for r in previous:
        r["Updated Date"] = r["Updated Date"].replace("2026-11", "2026-10")
    records = parse_export(to_csv(current)).records
    before = parse_export(to_csv(previous)).records
    as_of = export_date(before)
    baseline = {"reportId": "r10", "title": title, "fileName": "month1.csv",
                "createdAt": "2026-10-20T09:00:00Z", "exportDate": as_of,
                "headlines": baseline_headlines(before, as_of)}
    data = ReportInput(records, "Contoso Ltd", "December 2026 review", "month2.csv",
                       "2026-12-06T09:00:00Z",
                       changes={"baseline": baseline, **compare(records, before)})
    earlier = replace(data, records=before)  # only for its figures
    now = context_of(REPORT_TYPES["executive"], data).stats
    then = context_of(REPORT_TYPES["executive"], earlier).stats
    estimate = now["savingsByCurrency"][0]["estimatedAnnualSavings"]
    before_estimate = then["savingsByCurrency"][0]["estimatedAnnualSavings"]
    trend = [_point(9, before[: len(before) - 20], before_estimate * 1.1),
             _point(10, before, before_estimate), _point(11, records, estimate)]
    return replace(data, trend=trend)


def first_month(rows: int = 240) -> ReportInput:
    """The client's first report: no baseline, no trend."""
    return replace(two_months(rows), changes=None, trend=())
