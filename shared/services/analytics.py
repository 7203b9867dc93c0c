"""Portfolio figures across the clients a caller may see, computed from the reports (pure)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from shared.storage.reports import creation_order, is_comparable, is_deleted, parse_iso

STATUSES = ("queued", "processing", "completed", "failed")
RECURRING = 10  # recommendations listed as recurring
WINDOW_DAYS = 30


def _savings(report: dict[str, Any]) -> dict[str, float | None]:
    return {s["currency"]: s.get("estimatedAnnualSavings", s.get("annualSavings"))
            for s in report["totals"].get("savingsByCurrency", [])}


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered) + 0.5) - 1))]


def summary(clients: Sequence[dict[str, Any]], reports: Sequence[dict[str, Any]],
            plan_of: Callable[[dict[str, Any]], list[dict[str, Any]]],
            now: datetime) -> dict[str, Any]:
    """The portfolio: clients, reports by status, each client's latest completed report, the
    recommendations most clients share, and processing figures of the last 30 days.
    `plan_of` gives a report's action plan (read only for each client's latest report)."""
    live = [r for r in reports if not is_deleted(r)]
    latest: dict[str, dict[str, Any]] = {}
    # A report marked not for comparison (an incomplete export) is never a client's figures.
    left_out: Counter[str] = Counter()
    for report in sorted((r for r in live if r.get("status") == "completed"
                          and r.get("totals")), key=creation_order):
        if is_comparable(report):
            latest[report["clientId"]] = report
        else:
            left_out[report["clientId"]] += 1
    per_client = []
    recurring: Counter[tuple[str, str]] = Counter()
    for client in sorted(clients, key=lambda c: (c["name"].casefold(), c["clientId"])):
        report = latest.get(client["clientId"])
        entry: dict[str, Any] = {"clientId": client["clientId"], "name": client["name"],
                                 "reports": sum(1 for r in live
                                                if r["clientId"] == client["clientId"]),
                                 "latestReport": None,
                                 "notForComparison": left_out[client["clientId"]]}
        if report is not None:
            entry["latestReport"] = {
                "reportId": report["reportId"], "title": report.get("title", ""),
                "createdAt": report.get("createdAt"), "exportDate": report.get("exportDate"),
                "recommendations": report["totals"]["recommendations"],
                "highImpact": report["totals"]["highImpact"],
                "estimatedAnnualSavingsByCurrency": _savings(report),
                "changeCounts": report.get("changeCounts") or None}
            for action in plan_of(report):
                recurring[(action["category"], action["recommendation"])] += 1
        per_client.append(entry)
    since = now - timedelta(days=WINDOW_DAYS)
    recent = [r for r in live if (parse_iso(r.get("createdAt")) or now) >= since]
    durations = [(parse_iso(r["completedAt"]) - parse_iso(r["createdAt"])).total_seconds()
                 for r in recent if r.get("status") == "completed" and r.get("completedAt")
                 and parse_iso(r.get("completedAt")) and parse_iso(r.get("createdAt"))]
    with_latest = len(latest)
    return {
        "clients": {"count": len(clients),
                    "active": sum(1 for c in clients if c.get("active", True))},
        "reportsByStatus": {s: sum(1 for r in live if r.get("status") == s) for s in STATUSES},
        # Left out of every client's figures: reports marked not for comparison.
        "reportsNotForComparison": sum(left_out.values()),
        "byClient": per_client,
        "recurringRecommendations": [
            {"category": category, "recommendation": text, "clients": count,
             "share": round(count / with_latest, 3)}
            for (category, text), count in sorted(recurring.items(),
                                                  key=lambda kv: (-kv[1], kv[0]))[:RECURRING]],
        "processing": {
            "days": WINDOW_DAYS, "reports": len(recent),
            "rowsProcessed": sum(int(r.get("rowsAccepted") or 0) for r in recent),
            "medianSecondsToCompleted": round(statistics.median(durations), 1)
            if durations else None,
            "p95SecondsToCompleted": round(_p95(durations), 1) if durations else None},
    }
