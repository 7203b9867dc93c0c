"""JSON shapes the API returns (camelCase), built from stored rows."""

from __future__ import annotations

from typing import Any

from shared.storage.layout import artifact_pairs
from shared.storage.reports import iso, parse_iso


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return round((parse_iso(end) - parse_iso(start)).total_seconds(), 1)


def artifact_url(api_base: str, report_id: str, report_type: str, fmt: str) -> str:
    return f"{api_base}/reports/{report_id}/artifacts/{report_type}.{fmt}"


def report_view(report: dict[str, Any], api_base: str,
                live: dict[str, Any] | None = None) -> dict[str, Any]:
    """A report for GET /api/reports/{id}; `live` is the orchestration's custom status."""
    status = report.get("status", "queued")
    report_id = report["reportId"]
    artifacts = report.get("artifacts") or []
    progress = dict(live) if live else {}
    stage = progress.pop("stage", None) or status
    if not progress:
        done = status in ("completed", "failed")
        progress = {"percent": 100 if done else 0,
                    "rowsTotal": report.get("rowsAccepted", 0),
                    "rowsStored": report.get("rowsAccepted", 0) if status == "completed" else 0,
                    "artifactsDone": len(artifacts),
                    "artifactsTotal": len(artifact_pairs(report.get("reportTypes") or [],
                                                         report.get("formats") or []))}
    view = {
        "reportId": report_id,
        "clientId": report["clientId"],
        "title": report.get("title", ""),
        "notes": report.get("notes") or "",
        "fileName": report.get("fileName", ""),
        "source": report.get("source", ""),
        # An import's source: the subscriptions asked for, when they were read, each one's
        # count or the reason it could not be read (null for an upload).
        "imported": _imported(report),
        "status": status,
        "stage": stage,
        "progress": progress,
        "counts": {k: report.get(k, 0) for k in
                   ("rowsTotal", "rowsAccepted", "rowsRejected", "duplicates")},
        "reportTypes": report.get("reportTypes") or [],
        "formats": report.get("formats") or [],
        "warnings": report.get("warnings") or [],
        "errors": report.get("errors") or [],
        "artifacts": [
            {"reportType": a["reportType"], "format": a["format"],
             "contentType": a["contentType"], "size": a["size"],
             "url": artifact_url(api_base, report_id, a["reportType"], a["format"])}
            for a in artifacts
        ],
        "attempts": report.get("attempts", 1),
        "exportDate": report.get("exportDate") or None,
        "baseline": report.get("baseline") or None,
        "baselineReportId": report.get("baselineReportId") or None,
        "comparable": report.get("comparable") is not False,
        "changeCounts": report.get("changeCounts") or None,
        "excludedRows": report.get("excludedRows", 0),
        "exclusionRules": report.get("exclusionRules") or [],
        "timings": {
            "createdAt": report.get("createdAt"),
            "startedAt": report.get("startedAt"),
            "completedAt": report.get("completedAt"),
            "retriedAt": report.get("retriedAt"),
            "durationSeconds": _seconds_between(report.get("createdAt"),
                                                report.get("completedAt")),
        },
        "links": {
            "self": f"{api_base}/reports/{report_id}",
            "statistics": f"{api_base}/reports/{report_id}/statistics",
            "recommendations": f"{api_base}/reports/{report_id}/recommendations",
            "actions": f"{api_base}/reports/{report_id}/actions",
            "changes": f"{api_base}/reports/{report_id}/changes",
        },
    }
    if status == "failed":
        view["failureReason"] = report.get("failureReason", "")
    return view


def _imported(report: dict[str, Any]) -> dict[str, Any] | None:
    if report.get("source") != "azure":
        return None
    fetched = report.get("imported") or {}
    return {"trigger": report.get("importTrigger") or "api",
            "subscriptionIds": report.get("importSubscriptions") or [],
            "fetchedAt": fetched.get("fetchedAt"), "endpoint": fetched.get("endpoint"),
            "subscriptions": fetched.get("subscriptions") or []}


def orchestration_view(status: Any) -> dict[str, Any]:
    """An orchestration's status in the Durable status endpoint's shape, times written as it
    writes them (yyyy-MM-ddTHH:mm:ssZ)."""
    return {"name": status.name, "instanceId": status.instance_id,
            "runtimeStatus": status.runtime_status.value, "customStatus": status.custom_status,
            "output": status.output,
            "createdTime": iso(status.created_time) if status.created_time else None,
            "lastUpdatedTime": iso(status.last_updated_time) if status.last_updated_time
            else None}
