"""Imports: a client's Advisor recommendations read from Azure instead of uploaded.

An import is a report whose export the pipeline fetches first (pipeline/azure_import.py), from
the subscriptions on the client record; everything after the fetch is an upload's processing.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError
from azure.data.tables import UpdateMode

from shared.http.errors import ApiError
from shared.http.upload import UploadOptions, parse_options
from shared.pipeline import intake
from shared.services import clients, reports
from shared.services.schedule import due_period
from shared.storage.context import Storage
from shared.storage.reports import iso, parse_iso

log = logging.getLogger(__name__)


def options_of(client_id: str, body: dict[str, Any] | None, now: datetime) -> UploadOptions:
    """The report's options from the request's body (the upload's, checked the same way)."""
    body = body or {}
    values = {"clientId": client_id, "title": body.get("title") or "",
              "reportTypes": ",".join(body.get("reportTypes") or []),
              "formats": ",".join(body.get("formats") or []),
              "baselineReportId": body.get("baselineReportId") or "",
              "notes": body.get("notes") or ""}
    return parse_options(values, default_title=f"Azure Advisor, {now:%Y-%m-%d}")


def subscriptions_of(storage: Storage, client_id: str,
                     visible: frozenset[str] | None) -> list[str]:
    """The subscriptions an import of the client reads: 404 for a client the caller may not
    see, 409 when it is inactive or lists none."""
    client = clients.get(storage, client_id, visible)
    if not client["active"]:  # the 409 an upload gets, in its words
        clients.check_accepts_uploads(storage, client_id)
    if not client["subscriptionIds"]:
        raise ApiError(409, "NoSubscriptions", f"Client '{client_id}' lists no subscriptions to "
                       "import from: add them (PATCH /api/clients/{clientId} with "
                       "subscriptionIds) and import again.".replace("{clientId}", client_id),
                       target="subscriptionIds")
    return list(client["subscriptionIds"])


def stage(storage: Storage, client_id: str, body: dict[str, Any] | None,
          visible: frozenset[str] | None) -> dict[str, Any]:
    """The queued report of an import asked for through the API, and its job."""
    subscriptions = subscriptions_of(storage, client_id, visible)
    options = options_of(client_id, body, datetime.now(UTC))
    if options.baseline_report_id:
        reports.check_baseline(storage, {"clientId": client_id, "reportId": ""},
                               options.baseline_report_id)
    return intake.stage_azure_import(storage, options, subscriptions)


# -- schedules ----------------------------------------------------------------------------

CLAIMS = "importclaim"  # the Clients table's partition of the claims: RowKey "{client}|{period}"
STALE_CLAIM = timedelta(minutes=15)  # a claim whose report never came: its claimer died


def scheduled_report_id(client_id: str, period: str) -> str:
    """The same client and period always name the same report."""
    digest = hashlib.sha256(f"{client_id}|{period}".encode()).hexdigest()[:12]
    return f"{period.replace('-', '')}-import-{digest}"


def due(storage: Storage, now: datetime) -> list[tuple[dict[str, Any], str]]:
    """(client, period) of every active client with subscriptions whose schedule is due."""
    out = []
    for client in clients.search(storage, None, True, None):
        period = due_period(client["importSchedule"], now)
        if period and client["subscriptionIds"]:
            out.append((client, period))
        elif period:
            log.warning("Client %s's scheduled import is due but it lists no subscriptions",
                        client["clientId"])
    return out


def claim(storage: Storage, client_id: str, period: str, now: datetime) -> str | None:
    """The report id when this caller won the client's import of `period`, else None.

    The claim is an entity created only if absent (Table Storage's insert answers 409 to
    every other caller), so of timers firing together, or instances running the same timer,
    exactly one starts the import. A claim whose report was never made (its claimer died in
    between) is taken over after STALE_CLAIM, under its ETag, by one caller.
    """
    table = storage.client_records.table
    report_id = scheduled_report_id(client_id, period)
    entity = {"PartitionKey": CLAIMS, "RowKey": f"{client_id}|{period}", "reportId": report_id,
              "claimedAt": iso(now)}
    try:
        table.create_entity(entity)
        return report_id
    except ResourceExistsError:
        pass
    if storage.reports.get(client_id, report_id) is not None:
        return None  # made already
    existing = table.get_entity(CLAIMS, entity["RowKey"])
    claimed = parse_iso(existing.get("claimedAt"))
    if claimed is not None and now - claimed < STALE_CLAIM:
        return None  # its claimer is making it
    try:
        table.update_entity(entity, mode=UpdateMode.REPLACE, etag=existing.metadata["etag"],
                            match_condition=MatchConditions.IfNotModified)
    except ResourceModifiedError:
        return None  # another caller took it over first
    return report_id


def stage_scheduled(storage: Storage, client: dict[str, Any], period: str,
                    report_id: str) -> dict[str, Any]:
    """The queued report of a claimed scheduled import, and its job."""
    options = options_of(client["clientId"], {"title": f"Azure Advisor, {period}"},
                         datetime.now(UTC))
    return intake.stage_azure_import(storage, options, list(client["subscriptionIds"]),
                                     report_id=report_id, trigger="schedule")


def delete_claims(storage: Storage, client_id: str) -> None:
    """A deleted client's claims: a client made again with its id starts afresh."""
    table = storage.client_records.table
    for entity in table.query_entities(
            "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi",
            parameters={"pk": CLAIMS, "lo": f"{client_id}|", "hi": f"{client_id}|~"}):
        table.delete_entity(CLAIMS, entity["RowKey"])
