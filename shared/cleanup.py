"""Housekeeping: failed reports past their retention are deleted with their data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.reports_service import delete_report_data
from shared.storage.context import Storage
from shared.storage.tables import odata_quote


def stale_failed_reports(storage: Storage, now: datetime, days: int) -> list[dict[str, Any]]:
    cutoff = (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return storage.reports.list(f"status eq 'failed' and createdAt lt {odata_quote(cutoff)}")


def delete_stale_failed_reports(storage: Storage, now: datetime, days: int) -> list[str]:
    """Delete failed reports created more than `days` ago; returns their ids."""
    deleted = []
    for report in stale_failed_reports(storage, now, days):
        delete_report_data(storage, report)
        deleted.append(report["reportId"])
    return deleted
