"""A client's trend: its completed reports' totals, oldest first, as the API's client statistics
and the reports' trend charts show them. Pure: it reads report rows as the Reports table
returns them (shared.storage.reports), so the pipeline and the services share it."""

from __future__ import annotations

from typing import Any

from shared.storage.reports import creation_order, is_deleted

TREND_REPORTS = 12  # the reports a trend chart shows, the newest last


def trend_point(report: dict[str, Any]) -> dict[str, Any]:
    """One report's place in the trend: its counts, open findings by category (reports
    summarised before they were kept have none) and its savings per currency."""
    totals = report["totals"]
    return {
        "reportId": report["reportId"], "title": report.get("title", ""),
        "fileName": report.get("fileName", ""), "createdAt": report.get("createdAt"),
        "exportDate": report.get("exportDate") or "",
        "recommendations": totals["recommendations"], "highImpact": totals["highImpact"],
        "byCategory": totals.get("byCategory") or {},
        "savingsByCurrency": {s["currency"]: s["annualSavings"]
                              for s in totals["savingsByCurrency"]},
        # Reports made before the estimate existed have none: null, not a wrong figure.
        "estimatedSavingsByCurrency": {s["currency"]: s.get("estimatedAnnualSavings")
                                       for s in totals["savingsByCurrency"]},
    }


def completed_reports(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reports with totals (summarised), not deleted, oldest first."""
    return sorted((r for r in reports if not is_deleted(r) and r.get("totals")),
                  key=creation_order)


def trend_before(reports: list[dict[str, Any]], report: dict[str, Any],
                 most: int = TREND_REPORTS) -> list[dict[str, Any]]:
    """The trend leading to `report` (its own point last, from its row's totals): the client's
    completed reports created before it, the latest `most` - 1 of them."""
    earlier = [r for r in completed_reports(reports)
               if r.get("status") == "completed" and r["reportId"] != report["reportId"]
               and creation_order(r) < creation_order(report)]
    return [trend_point(r) for r in earlier[-(most - 1):]] + [trend_point(report)]
