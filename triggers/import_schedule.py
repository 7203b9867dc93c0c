"""Timer: start the scheduled imports that are due, every 15 minutes.

Each client with an import schedule (monthly, a day and an hour, UTC) gets one import per month:
the claim of its period (services/imports.py) is created by one caller only, however often the
timer fires and however many instances run it; a run time the timer missed (the app was down)
is imported once when it is back. A schedule therefore runs up to 15 minutes after its hour.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import azure.durable_functions as df
import azure.functions as func

from shared.pipeline import intake
from shared.services import imports
from shared.storage.context import get_storage

bp = df.Blueprint()
log = logging.getLogger(__name__)


@bp.timer_trigger(arg_name="timer", schedule="0 */15 * * * *", run_on_startup=False)
@bp.durable_client_input(client_name="client")
async def import_schedule(timer: func.TimerRequest,
                          client: df.DurableOrchestrationClient) -> None:
    storage = get_storage()
    now = datetime.now(UTC)
    started = 0
    for record, period in await asyncio.to_thread(imports.due, storage, now):
        client_id = record["clientId"]
        report_id = await asyncio.to_thread(imports.claim, storage, client_id, period, now)
        if report_id is None:
            continue  # claimed by another run: imported, or being imported
        job = await asyncio.to_thread(imports.stage_scheduled, storage, record, period,
                                      report_id)
        await client.start_new(intake.ORCHESTRATOR, report_id, job)
        log.info("Scheduled import %s started for client %s, period %s", report_id,
                 client_id, period)
        started += 1
    if started:
        log.info("Scheduled imports: %d started", started)
