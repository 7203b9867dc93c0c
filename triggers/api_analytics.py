"""HTTP API: the portfolio at a glance, and the health of the app with its orchestrations."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from shared.http.api import Call, Reply
from shared.http.auth import ADMIN, READER
from shared.http.schemas import ref
from shared.pipeline import durable_instances
from shared.services import analytics, clients, reports
from shared.storage.context import get_storage
from triggers.api_meta import health
from triggers.api_registry import api

TAG = "Analytics"
FAILURES = 10


def _portfolio(call: Call) -> dict:
    storage = get_storage()
    visible = call.principal.client_ids
    client_rows = clients.search(storage, None, None, visible)
    report_rows = reports.list_reports(
        storage, client_ids=visible, client_id=None, statuses=None, report_type=None,
        created_from=None, created_to=None)
    return analytics.summary(client_rows, report_rows,
                             lambda r: reports.action_plan_of(storage, r),
                             datetime.now(UTC))


@api.operation(
    "GET", "analytics/summary", operation_id="getPortfolio", role=READER, tag=TAG,
    summary="The portfolio across the clients you may see: reports by status, each client's "
            "latest completed report (high impact, estimated savings, change since its "
            "baseline), recommendations most clients share, processing figures (30 days)",
    responses={200: ("The portfolio", ref("Portfolio"))})
def portfolio(call: Call) -> Reply:
    return Reply(200, _portfolio(call))


@api.operation(
    "GET", "health/details", operation_id="getHealthDetails", role=ADMIN, tag=TAG,
    summary="The health checks, orchestration instances by status and the last ten failed "
            "reports with their reasons", responses={200: ("Details", ref("HealthDetails"))})
async def health_details(call: Call) -> Reply:
    checks = await asyncio.to_thread(health, call)
    counts: dict[str, int] = {}
    for status in await durable_instances.list_all(call.client):
        name = status.get("runtimeStatus") or "Unknown"
        counts[name] = counts.get(name, 0) + 1
    failed = await asyncio.to_thread(
        reports.list_reports, get_storage(), client_ids=call.principal.client_ids,
        client_id=None, statuses=["failed"], report_type=None, created_from=None,
        created_to=None)
    failed.sort(key=lambda r: r.get("completedAt") or r.get("updatedAt") or "", reverse=True)
    return Reply(200, {
        **checks.body, "instances": dict(sorted(counts.items())),
        "recentFailures": [{"reportId": r["reportId"], "clientId": r["clientId"],
                            "failedAt": r.get("completedAt"),
                            "reason": r.get("failureReason") or ""}
                           for r in failed[:FAILURES]]})
