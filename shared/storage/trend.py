"""A client's trend: its completed reports' totals, oldest first, as the API's client statistics
and the reports' trend charts show them. Pure: it reads report rows as the Reports table
returns them (shared.storage.reports), so the pipeline and the services share it."""

from __future__ import annotations

from typing import Any

from shared.storage.reports import creation_order, is_comparable, is_deleted

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
    """The reports with totals (summarised), not deleted, oldest first, but those marked not
    for comparison (an incomplete export is no point of a trend: see left_out)."""
    return sorted((r for r in reports if not is_deleted(r) and r.get("totals")
                   and is_comparable(r)), key=creation_order)


def left_out(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The summarised reports a trend leaves out, marked not for comparison, oldest first."""
    return [{"reportId": r["reportId"], "title": r.get("title", ""),
             "createdAt": r.get("createdAt"), "reason": "not for comparison"}
            for r in sorted(reports, key=creation_order)
            if not is_deleted(r) and r.get("totals") and not is_comparable(r)]


def trend_before(reports: list[dict[str, Any]], report: dict[str, Any],
                 most: int = TREND_REPORTS) -> list[dict[str, Any]]:
    """The trend leading to `report` (its own point last, from its row's totals): the client's
    completed reports created before it, the latest `most` - 1 of them."""
    earlier = [r for r in completed_reports(reports)
               if r.get("status") == "completed" and r["reportId"] != report["reportId"]
               and creation_order(r) < creation_order(report)]
    return [trend_point(r) for r in earlier[-(most - 1):]] + [trend_point(report)]
