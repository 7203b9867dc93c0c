"""HTTP: upload an export, follow a report, download its artifacts."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from urllib.parse import quote, urlsplit

import azure.durable_functions as df
import azure.functions as func
from azure.core.exceptions import ResourceNotFoundError

from shared import intake
from shared.advisor.parse import Limits
from shared.http.errors import ApiError, not_found
from shared.http.responses import error_response, json_response, request_id
from shared.http.upload import check_body, check_header, check_media_type, parse_options
from shared.http.views import report_view
from shared.storage.context import get_storage

bp = df.Blueprint()
log = logging.getLogger(__name__)


def api_base(req: func.HttpRequest) -> str:
    url = urlsplit(req.url)
    return f"{url.scheme}://{url.netloc}/api"


def _read_upload(req: func.HttpRequest) -> tuple[bytes, str, dict[str, str]]:
    """(file bytes, file name, options) from a multipart form or a raw CSV body."""
    kind = check_media_type(req.headers.get("Content-Type", ""))
    values = dict(req.params)
    if kind == "multipart/form-data":
        values.update({k: v for k, v in req.form.items()})
        upload = req.files.get("file")
        if upload is None:
            return check_body(None, "", 0), "", values
        return upload.read(), upload.filename or "upload.csv", values
    name = req.params.get("fileName") or req.headers.get("x-file-name") or "upload.csv"
    return req.get_body(), name, values


def _start_checks(req: func.HttpRequest):
    storage = get_storage()
    settings = storage.settings
    data, file_name, values = _read_upload(req)
    data = check_body(data, file_name, settings.max_upload_bytes)
    options = parse_options(values, default_title=file_name)
    check_header(data, file_name, Limits(settings.max_upload_bytes, settings.max_rows))
    return intake.stage_api_upload(storage, data, file_name, options)


@bp.route(route="reports", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def upload_report(req: func.HttpRequest, client: df.DurableOrchestrationClient):
    rid = request_id(req)
    try:
        # Storage calls block: keep them off the worker's event loop.
        job = await asyncio.to_thread(_start_checks, req)
    except ApiError as error:
        return error.response(rid)
    await client.start_new(intake.ORCHESTRATOR, job["reportId"], job)
    log.info("Report %s started for client %s (request %s)", job["reportId"], job["clientId"],
             rid)
    payload = json.loads(client.create_check_status_response(req, job["reportId"]).get_body())
    payload["reportId"] = job["reportId"]
    payload["reportUrl"] = f"{api_base(req)}/reports/{job['reportId']}"
    return json_response(payload, 202, rid=rid, headers={
        "Location": payload["statusQueryGetUri"], "Retry-After": "10"})


@bp.route(route="reports/{reportId}", methods=["GET"])
@bp.durable_client_input(client_name="client")
async def get_report(req: func.HttpRequest, client: df.DurableOrchestrationClient):
    rid = request_id(req)
    report_id = req.route_params["reportId"]
    report = await asyncio.to_thread(get_storage().reports.find, report_id)
    if report is None:
        return not_found(f"Report '{report_id}'", "reportId").response(rid)
    live = None
    if report.get("status") in ("queued", "processing"):
        status = await client.get_status(report_id)
        live = status.custom_status if status and isinstance(status.custom_status, dict) \
            else None
    return json_response(report_view(report, api_base(req), live), rid=rid)


_ARTIFACT = re.compile(r"^(?P<type>[a-z]+)\.(?P<format>html|pdf)$")


def _download_name(report: dict, report_type: str, fmt: str) -> str:
    stem = re.sub(r"[^\w.-]+", "-", report.get("title") or report["reportId"]).strip("-")
    return f"{stem[:80] or report['reportId']}-{report_type}.{fmt}"


@bp.route(route="reports/{reportId}/artifacts/{artifact}", methods=["GET"])
def download_artifact(req: func.HttpRequest) -> func.HttpResponse:
    rid = request_id(req)
    report_id, artifact = req.route_params["reportId"], req.route_params["artifact"]
    storage = get_storage()
    report = storage.reports.find(report_id)
    if report is None:
        return not_found(f"Report '{report_id}'", "reportId").response(rid)
    match = _ARTIFACT.match(artifact)
    listed = {(a["reportType"], a["format"]): a for a in report.get("artifacts") or []}
    key = (match["type"], match["format"]) if match else None
    if key not in listed:
        return not_found(f"Artifact '{artifact}' of report '{report_id}'", "artifact") \
            .response(rid)
    entry = listed[key]
    blob = storage.artifacts.get_blob_client(entry["blob"])
    try:
        etag = blob.get_blob_properties().etag.strip('"')
        if req.headers.get("If-None-Match", "").strip('"') == etag:
            return func.HttpResponse(status_code=304, headers={
                "ETag": f'"{etag}"', "x-request-id": rid})
        body = blob.download_blob().readall()
    except ResourceNotFoundError:
        return error_response(404, "NotFound", f"The file of artifact '{artifact}' is missing; "
                              "re-render the report.", rid=rid, target="artifact")
    name = _download_name(report, *key)
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return func.HttpResponse(body, status_code=200, headers={
                                 "Content-Type": entry["contentType"],
                                 "ETag": f'"{etag}"', "x-request-id": rid,
                                 "Content-Disposition": f'attachment; filename="{ascii_name}"; '
                                                        f"filename*=UTF-8''{quote(name)}",
                                 "Cache-Control": "private, max-age=0, must-revalidate",
                             })
