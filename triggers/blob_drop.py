"""Blob trigger: a CSV dropped into advisor-uploads/{clientId}/... starts the same pipeline.

In Azure the trigger is fed by Event Grid (Flex Consumption supports only that source); the
devhost polls. Blobs the app wrote itself (API uploads, reports' copies of drops) are skipped.
A drop that cannot become a report (no client folder, bad metadata) becomes a failed report
that says why, instead of a log line nobody reads.
"""

from __future__ import annotations

import asyncio
import logging

import azure.durable_functions as df
import azure.functions as func

from shared.http import rate_limits
from shared.http.errors import ApiError
from shared.http.upload import parse_options
from shared.pipeline import intake
from shared.services import audit, clients
from shared.storage.clients import is_slug
from shared.storage.context import get_storage

bp = df.Blueprint()
log = logging.getLogger(__name__)


def _stage(blob: func.InputStream) -> dict | None:
    storage = get_storage()
    container = storage.settings.uploads_container
    name = blob.name.split("/", 1)[1] if blob.name.startswith(container + "/") else blob.name
    properties = blob.blob_properties or {}
    metadata = blob.metadata or {}
    etag = properties.get("ETag") or properties.get("Etag")
    if not etag or not metadata:  # not every host passes them: ask the blob itself
        props = storage.uploads.get_blob_client(name).get_blob_properties()
        etag, metadata = props.etag, props.metadata or {}
    if intake.is_own_upload(metadata):
        return None  # written by the app: an API upload or a report's copy of a drop
    values = intake.drop_values(name, metadata)
    try:
        if not values["clientId"]:
            raise ApiError(400, "NoClientFolder", f"{name} is at the container's root: drop "
                           f"it into a client folder, such as {container}/contoso/{name}.")
        options = parse_options(values, default_title=name.rsplit("/", 1)[-1])
        clients.check_accepts_uploads(storage, options.client_id)
        _check_drop_rate(storage, options.client_id)
    except ApiError as error:
        client_id = values["clientId"] if is_slug(values["clientId"]) else intake.ROOT_CLIENT
        report_id = intake.record_refused_drop(storage, name, etag, client_id, error.message)
        if report_id:
            log.warning("Dropped blob %s refused (report %s, client %s): %s", blob.name,
                        report_id, client_id, error.message)
            _audit(storage, name, report_id, client_id, error.code, error.status)
        return None
    job = intake.stage_dropped_blob(storage, name, etag, options)
    if job is not None:
        _audit(storage, name, job["reportId"], job["clientId"], "", 202)
    return job


def _check_drop_rate(storage, client_id: str) -> None:
    """Drops per client folder are limited like uploads; one over the limit becomes a failed
    report saying so (the blob stays: drop it again, or retry later by re-uploading)."""
    settings = storage.settings
    verdict = rate_limits.check(storage.rate_limits, rate_limits.DROPS, f"client:{client_id}",
                                settings.rate_limit_drops, settings.rate_limit_window_seconds)
    if not verdict.allowed:
        raise ApiError(429, "TooManyDrops", f"Client folder {client_id} received more than "
                       f"{settings.rate_limit_drops} files within "
                       f"{settings.rate_limit_window_seconds} s; this one was not processed. "
                       "The file is kept: upload it again in a minute.")


def _audit(storage, blob_name: str, report_id: str, client_id: str, refusal: str,
           status: int) -> None:
    """A drop is a state change too: the actor is the storage account's writer, unknown here."""
    audit.record(storage, audit.AuditEntry(
        action="blobDrop", actor="blob drop", targets={"reportId": report_id, "blob": blob_name,
                                                       "clientId": client_id},
        outcome="failed" if refusal else "succeeded", status=status,
        detail=refusal, client_id=client_id))


# {name} takes the whole path, so a blob at the container's root is seen (and refused visibly).
@bp.blob_trigger(arg_name="blob", path="%UPLOADS_CONTAINER%/{name}",
                 connection="AzureWebJobsStorage", source=func.BlobSource.EVENT_GRID)
@bp.durable_client_input(client_name="client")
async def on_blob_dropped(blob: func.InputStream, client: df.DurableOrchestrationClient):
    job = await asyncio.to_thread(_stage, blob)
    if job is None:
        return
    existing = await client.get_status(job["reportId"])
    if existing:  # the orchestration exists already: this is a redelivery
        return
    await client.start_new(intake.ORCHESTRATOR, job["reportId"], job)
    log.info("Report %s started for dropped blob %s", job["reportId"], blob.name)
