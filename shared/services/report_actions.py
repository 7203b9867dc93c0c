"""What a caller may do to a stored report that involves its orchestrations: delete it
everywhere, render it again, retry it. Shared by the API and bulk operations; `client` is the
Durable orchestration client of whichever function runs it."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from shared.http.errors import ApiError
from shared.pipeline import intake
from shared.services import reports
from shared.storage.context import Storage
from shared.storage.reports import ReportBusy, is_deleted, now_iso

log = logging.getLogger(__name__)
RENDER_ORCHESTRATOR = "render_artifacts"


async def instance_status(client: Any, instance: str) -> Any:
    """The orchestration's status, or None when there is no such instance."""
    status = await client.get_status(instance)
    return status if status is not None and status.runtime_status else None


DELETE_WAIT_SECONDS = 30  # on Azure, terminate takes effect asynchronously


async def delete_everywhere(storage: Storage, client: Any, report: dict[str, Any],
                            request_id: str) -> None:
    """Mark the report deleted, stop its orchestrations and wait for them to end, delete its
    data, then purge their Durable history.

    The mark comes first: an activity still running when its orchestration is terminated
    finds it after writing and removes what it wrote, so no row or blob outlives the report.
    """
    await asyncio.to_thread(storage.reports.update, report["clientId"], report["reportId"],
                            {"deletedAt": now_iso()})
    instances = [report["reportId"], *(report.get("renderInstances") or [])]
    for instance in instances:
        status = await instance_status(client, instance)
        if status and status.runtime_status.value in reports.RUNNING:
            await client.terminate(instance, f"report deleted (request {request_id})")
    await _wait_until_ended(client, instances)
    await asyncio.to_thread(reports.delete_report_data, storage, report)
    for instance in instances:
        await client.purge_instance_history(instance)
    log.info("Report %s deleted (request %s)", report["reportId"], request_id)


async def _wait_until_ended(client: Any, instances: list[str]) -> None:
    """Until no instance runs (purging a running instance would fail), within a bound."""
    deadline = asyncio.get_running_loop().time() + DELETE_WAIT_SECONDS
    waiting = list(instances)
    while waiting and asyncio.get_running_loop().time() < deadline:
        statuses = [await instance_status(client, i) for i in waiting]
        waiting = [i for i, s in zip(waiting, statuses, strict=True)
                   if s and s.runtime_status.value in reports.RUNNING]
        if waiting:
            await asyncio.sleep(0.5)
    if waiting:
        log.warning("Instances %s still running after %d s; the daily cleanup finishes them",
                    ", ".join(waiting), DELETE_WAIT_SECONDS)


async def start_render(storage: Storage, client: Any, report: dict[str, Any],
                       types: list[str] | None = None,
                       formats: list[str] | None = None, appendix: str | None = None) -> str:
    """Render chosen types and formats again (default: the report's own); the instance id."""
    job = reports.job_for(storage, report, types, formats, appendix)
    instance = f"{report['reportId']}-render-{secrets.token_hex(4)}"
    await asyncio.to_thread(storage.reports.update, report["clientId"], report["reportId"], {
        "status": "processing", "activeInstance": instance, "queuedAt": now_iso(),
        "renderInstances": [*(report.get("renderInstances") or []), instance][-20:]})
    await client.start_new(RENDER_ORCHESTRATOR, instance, job)
    return instance


async def start_retry(storage: Storage, client: Any, report: dict[str, Any]) -> None:
    """Process a failed report again from its upload. The report is claimed under its ETag:
    of concurrent retries one starts, the others find it queued (409), so the attempts cap
    (MAX_ATTEMPTS) holds however many arrive at once."""
    job = reports.job_for(storage, report)

    def claim(current: dict[str, Any]) -> dict[str, Any]:
        if is_deleted(current):
            raise ApiError(404, "NotFound", f"Report '{report['reportId']}' was not found.",
                           target="reportId")
        reports.check_can_retry(current)
        return {"status": "queued", "attempts": int(current.get("attempts") or 1) + 1,
                "failureReason": "", "activeInstance": report["reportId"],
                "retriedAt": now_iso(), "queuedAt": now_iso()}

    try:
        await asyncio.to_thread(storage.reports.update_checked, report["clientId"],
                                report["reportId"], claim)
    except ReportBusy:
        raise ApiError(409, "Busy", "This report is being retried by other requests; try "
                       "again.", target="reportId") from None
    await client.start_new(intake.ORCHESTRATOR, report["reportId"], job)
