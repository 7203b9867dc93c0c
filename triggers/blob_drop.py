"""Blob trigger: a CSV dropped into advisor-uploads/{clientId}/... starts the same pipeline.

In Azure the trigger is fed by Event Grid (Flex Consumption supports only that source); the
devhost polls. Blobs written by the upload API are skipped (their report is already running).
"""

from __future__ import annotations

import asyncio
import logging

import azure.durable_functions as df
import azure.functions as func

from shared import intake
from shared.http.errors import ApiError
from shared.http.upload import parse_options
from shared.storage.context import get_storage

bp = df.Blueprint()
log = logging.getLogger(__name__)


def _stage(blob: func.InputStream) -> dict | None:
    storage = get_storage()
    container = storage.settings.uploads_container
    name = blob.name.split("/", 1)[1] if blob.name.startswith(container + "/") else blob.name
    client_id = name.split("/", 1)[0]
    properties = blob.blob_properties or {}
    metadata = blob.metadata or {}
    etag = properties.get("ETag") or properties.get("Etag")
    if not etag or not metadata:  # not every host passes them: ask the blob itself
        props = storage.uploads.get_blob_client(name).get_blob_properties()
        etag, metadata = props.etag, props.metadata or {}
    values = {k: v for k, v in metadata.items() if k in ("reportTypes", "formats", "title")}
    values["clientId"] = client_id
    try:
        options = parse_options(values, default_title=name.rsplit("/", 1)[-1])
    except ApiError as error:
        log.error("Ignoring dropped blob %s: %s", blob.name, error.message)
        return None
    return intake.stage_dropped_blob(storage, name, etag, metadata, options)


@bp.blob_trigger(arg_name="blob", path="%UPLOADS_CONTAINER%/{clientId}/{name}",
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
