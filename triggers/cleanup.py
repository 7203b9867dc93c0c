"""Daily timer: delete old failed reports and purge old Durable history.

Failed reports older than FAILED_REPORT_RETENTION_DAYS (7) go with their blobs and rows;
the history of finished orchestrations older than DURABLE_HISTORY_RETENTION_DAYS (30) is
purged. Every day at 03:30 UTC.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import azure.durable_functions as df
import azure.functions as func

from shared.cleanup import delete_stale_failed_reports
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
    purged = await client.purge_instance_history_by(
        created_time_from=datetime(2000, 1, 1, tzinfo=UTC),
        created_time_to=now - timedelta(days=settings.durable_history_retention_days),
        runtime_status=FINISHED)
    log.info("Cleanup: %d failed report(s) deleted, %d orchestration history(ies) purged",
             len(deleted), purged.instances_deleted)
