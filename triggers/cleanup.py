"""Daily timer: delete old failed reports and purge old Durable history.

Failed reports older than FAILED_REPORT_RETENTION_DAYS (7) go with their blobs and rows;
the history of finished orchestrations older than DURABLE_HISTORY_RETENTION_DAYS (30) is
purged. It also finishes deletes that stopped half-way, removes recommendation rows whose
report is gone, and marks failed the reports stuck in queued/processing (6 hours without a
change) whose orchestration no longer runs, and removes audit entries older than
AUDIT_RETENTION_DAYS (365). Every day at 03:30 UTC.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import azure.durable_functions as df
import azure.functions as func

from shared.http import rate_limits
from shared.services import audit, reports
from shared.services.cleanup import (
    delete_orphaned_rows,
    delete_stale_failed_reports,
    stuck_reports,
    unfinished_deletions,
)
from shared.settings import get_settings
from shared.storage.context import get_storage

bp = df.Blueprint()
log = logging.getLogger(__name__)
FINISHED = [df.OrchestrationRuntimeStatus.Completed, df.OrchestrationRuntimeStatus.Failed,
            df.OrchestrationRuntimeStatus.Terminated]


@bp.timer_trigger(arg_name="timer", schedule="0 30 3 * * *", run_on_startup=False)
@bp.durable_client_input(client_name="client")
async def cleanup(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    settings = get_settings()
    now = datetime.now(UTC)
    deleted = await asyncio.to_thread(delete_stale_failed_reports, get_storage(), now,
                                      settings.failed_report_retention_days)
    for report_id in deleted:
        await client.purge_instance_history(report_id)
    storage = get_storage()
    finished = await asyncio.to_thread(unfinished_deletions, storage, now)
    orphans = await asyncio.to_thread(delete_orphaned_rows, storage)
    stuck = 0
    for report in await asyncio.to_thread(stuck_reports, storage, now):
        status = await client.get_status(report.get("activeInstance") or report["reportId"])
        known = status is not None and status.runtime_status is not None
        reason = reports.stopped_reason(
            report, status.runtime_status.value if known else None,
            status.output if known else None, status.created_time if known else None, now)
        if reason:
            await asyncio.to_thread(reports.mark_stopped, storage, report, reason)
            stuck += 1
    purged = await client.purge_instance_history_by(
        created_time_from=datetime(2000, 1, 1, tzinfo=UTC),
        created_time_to=now - timedelta(days=settings.durable_history_retention_days),
        runtime_status=FINISHED)
    expired = await asyncio.to_thread(audit.purge, storage, now, settings.audit_retention_days)
    await asyncio.to_thread(rate_limits.purge, storage.rate_limits, now.timestamp())
    log.info("Cleanup: %d failed report(s) deleted, %d orchestration history(ies) purged, "
             "%d delete(s) finished, rows of %d vanished report(s) removed, %d stuck report(s) "
             "marked failed, %d audit entry(ies) past retention removed", len(deleted),
             purged.instances_deleted, len(finished), orphans, stuck, expired)
