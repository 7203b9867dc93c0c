"""HTTP API: bulk delete, render or retry of many reports, as one Durable orchestration."""

from __future__ import annotations

import asyncio
import json

from shared.http.api import Call, Reply
from shared.http.auth import CONTRIBUTOR
from shared.http.errors import not_found
from shared.http.schemas import BULK_REQUEST, ref
from shared.http.views import orchestration_view
from shared.services import bulk, reports
from shared.storage.context import get_storage
from triggers.api_registry import api

TAG = "Bulk"


def _status_url(call: Call, bulk_id: str) -> str:
    return f"{call.api_base}/bulk/{bulk_id}"


@api.operation(
    "POST", "reports/bulk", operation_id="bulkReports", role=CONTRIBUTOR, tag=TAG,
    summary="Delete, render or retry many reports at once: reportIds (at most 500) or a filter "
            "(clientId, status, createdTo); runs as one orchestration, answered with 202 and "
            "the status URL, each report's outcome in its output", body=BULK_REQUEST,
    responses={202: ("Accepted: poll statusQueryGetUri", ref("BulkAccepted"))})
async def bulk_reports(call: Call) -> Reply:
    body = call.body
    chosen, missing = await asyncio.to_thread(bulk.select, get_storage(), body,
                                               call.principal.client_ids)
    bulk_id = bulk.new_bulk_id()
    call.audit.update({"bulkId": bulk_id, "reports": len(chosen)})
    await call.client.start_new(bulk.ORCHESTRATOR, bulk_id, {
        "action": body["action"], "reports": chosen, "missing": missing,
        "requestId": call.rid, "actor": call.principal.name, "actorId": call.principal.id,
        "clientIds": sorted({r["clientId"] for r in chosen})})
    payload = call.status_payload(bulk_id, _status_url(call, bulk_id))
    payload.update(bulkId=bulk_id, action=body["action"], count=len(chosen),
                   missing=missing)
    return Reply(202, payload, {"Location": payload["statusQueryGetUri"], "Retry-After": "5"})


@api.operation(
    "GET", "bulk/{bulkId}", operation_id="getBulkStatus", role=CONTRIBUTOR, tag=TAG,
    summary="A bulk operation's progress (202 with Retry-After while running) and, when done, "
            "each report's outcome", responses={200: ("Finished", ref("OrchestrationStatus")),
                                                202: ("Running", ref("OrchestrationStatus"))})
async def bulk_status(call: Call) -> Reply:
    bulk_id = call.route["bulkId"]
    status = await call.client.get_status(bulk_id, show_input=True) \
        if bulk_id.startswith("bulk-") else None
    known = status is not None and status.runtime_status is not None \
        and status.name == bulk.ORCHESTRATOR
    job = status.input_ if known else None
    if isinstance(job, str):  # hosts hand the input back as JSON text or as a value
        job = json.loads(job)
    if not (known and bulk.visible_to(job, call.principal.client_ids)):
        raise not_found(f"Bulk operation '{bulk_id}'", "bulkId")
    body = orchestration_view(status)
    if status.runtime_status.value in reports.RUNNING:
        return Reply(202, body, {"Location": _status_url(call, bulk_id), "Retry-After": "5"})
    return Reply(200, body)
