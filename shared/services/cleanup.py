"""Housekeeping: failed reports past their retention are deleted with their data; deletes
that did not finish are finished; rows whose report is gone are removed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.services.reports import IN_PROGRESS, delete_report_data
from shared.storage.context import Storage
from shared.storage.reports import iso
from shared.storage.tables import odata_quote


def stale_failed_reports(storage: Storage, now: datetime, days: int) -> list[dict[str, Any]]:
    cutoff = iso(now - timedelta(days=days))
    return storage.reports.list(f"status eq 'failed' and createdAt lt {odata_quote(cutoff)}")


def delete_stale_failed_reports(storage: Storage, now: datetime, days: int) -> list[str]:
    """Delete failed reports created more than `days` ago; returns their ids."""
    deleted = []
    for report in stale_failed_reports(storage, now, days):
        delete_report_data(storage, report)
        deleted.append(report["reportId"])
    return deleted


def unfinished_deletions(storage: Storage, now: datetime,
                         grace: timedelta = timedelta(hours=1)) -> list[str]:
    """Finish deletes that stopped half-way (the host went down mid-delete); their ids."""
    cutoff = iso(now - grace)
    finished = []
    for report in storage.reports.list(f"deletedAt lt {odata_quote(cutoff)}"):
        delete_report_data(storage, report)
        finished.append(report["reportId"])
    return finished


def stuck_reports(storage: Storage, now: datetime,
                  older_than: timedelta = timedelta(hours=6)) -> list[dict[str, Any]]:
    """Reports still queued or processing long after their last change: the caller asks the
    Durable runtime whether their orchestration still runs."""
    cutoff = iso(now - older_than)
    rows = storage.reports.list(f"updatedAt lt {odata_quote(cutoff)}")
    return [r for r in rows if r.get("status") in IN_PROGRESS and not r.get("deletedAt")]


def delete_orphaned_rows(storage: Storage) -> int:
    """Recommendation rows of reports that no longer exist: how many reports' rows went."""
    return storage.recommendations.delete_orphans(
        lambda: [r["reportId"] for r in storage.reports.list()])
