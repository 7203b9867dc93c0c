"""HTTP API: reports (upload, list, get, edit, delete, re-render, retry, browse, download)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceModifiedError,
    ResourceNotFoundError,
    ResourceNotModifiedError,
)

from shared.advisor.model import CATEGORIES, IMPACTS
from shared.advisor.parse import Limits
from shared.http.api import Call, Param, Reply
from shared.http.auth import CONTRIBUTOR, READER, AuthError
from shared.http.errors import ApiError, invalid, not_found
from shared.http.paging import page_of
from shared.http.schemas import BINARY_FILE, RENDER_REQUEST, REPORT_PATCH, UPLOAD_BODY_DOC, ref
from shared.http.upload import (
    check_body,
    check_header,
    check_media_type,
    check_transfer,
    format_problems,
    notes_problems,
    parse_options,
)
from shared.http.views import orchestration_view, report_view
from shared.pipeline import intake
from shared.pipeline.steps import store_changes
from shared.rendering.report_types import REPORT_TYPES as REPORT_KINDS
from shared.services import clients, report_actions, reports
from shared.storage.clients import SLUG, SLUG_TEXT
from shared.storage.context import get_storage
from shared.storage.layout import FORMATS, REPORT_TYPES
from shared.storage.reports import is_deleted
from triggers.api_registry import api

log = logging.getLogger(__name__)
TAG = "Reports"
STATUSES = ("queued", "processing", "completed", "failed")
REPORT_TYPE_LABELS = {key: kind.label for key, kind in REPORT_KINDS.items()}


def _report(call: Call) -> dict:
    """The report named in the route, if the caller may see it (else 404: existence stays
    private)."""
    report_id = call.route["reportId"]
    report = get_storage().reports.find(report_id)
    if is_deleted(report) or not call.principal.sees(report["clientId"]):
        raise not_found(f"Report '{report_id}'", "reportId")
    call.audit["clientId"] = report["clientId"]
    return report


def _status_url(call: Call, report_id: str) -> str:
    return f"{call.api_base}/reports/{report_id}/status"


async def _accepted(call: Call, instance_id: str, report_id: str) -> Reply:
    """202 with a status URL to poll (see Call.status_payload), reportId and reportUrl."""
    payload = call.status_payload(instance_id, _status_url(call, report_id))
    payload["reportId"] = report_id
    payload["reportUrl"] = f"{call.api_base}/reports/{report_id}"
    return Reply(202, payload, {"Location": payload["statusQueryGetUri"], "Retry-After": "10"})


async def _current(call: Call, report: dict) -> tuple[dict, Any]:
    """The report and its orchestration's status; a report whose orchestration ended without
    saying so (terminated, never started) is marked failed on the way, so retry works."""
    status = await report_actions.instance_status(call.client, report.get("activeInstance")
                                   or report["reportId"])
    runtime = status.runtime_status.value if status else None
    reason = reports.stopped_reason(
        report, runtime, status.output if status else None,
        status.created_time if status else None, datetime.now(UTC))
    if reason:
        log.warning("Report %s: %s (request %s)", report["reportId"], reason, call.rid)
        report = await asyncio.to_thread(reports.mark_stopped, get_storage(), report,
                                         reason)
    return report, status


# -- upload -------------------------------------------------------------------------------------


def _read_upload(call: Call) -> tuple[bytes | None, str, dict[str, str]]:
    req = call.req
    kind = check_media_type(req.headers.get("Content-Type", ""))
    values = dict(req.params)
    if kind == "multipart/form-data":
        values.update(req.form.items())
        upload = req.files.get("file")
        if upload is None:
            return None, "", values
        return upload.read(), upload.filename or "upload.csv", values
    name = req.params.get("fileName") or req.headers.get("x-file-name") or "upload.csv"
    return req.get_body(), name, values


def _stage_upload(call: Call) -> dict:
    storage = get_storage()
    settings = storage.settings
    check_transfer(call.req.headers, settings.max_upload_bytes)
    data, file_name, values = _read_upload(call)
    data = check_body(data, file_name or "The upload", settings.max_upload_bytes)
    options = parse_options(values, default_title=file_name)
    if not call.principal.sees(options.client_id):
        raise AuthError(403, "Forbidden", f"You may not upload for client '{options.client_id}'.")
    clients.check_accepts_uploads(storage, options.client_id)
    if options.baseline_report_id:
        reports.check_baseline(storage, {"clientId": options.client_id,
                                                 "reportId": ""}, options.baseline_report_id)
    check_header(data, file_name, Limits(settings.max_upload_bytes, settings.max_rows))
    return intake.stage_api_upload(storage, data, file_name, options)


@api.operation(
    "POST", "reports", operation_id="uploadReport", role=CONTRIBUTOR, tag=TAG,
    summary="Upload an Advisor export (multipart field 'file' or a text/csv body) and start "
            "processing it",
    query=(Param("clientId", description="Client the export belongs to (a slug).",
                 pattern=SLUG.pattern, pattern_text=SLUG_TEXT),
           Param("clientName", description="The client's name, when the upload creates the "
                                            "client (an existing client keeps its name)."),
           Param("title", description="Report title (default: the file name)."),
           Param("reportTypes", enum=REPORT_TYPES, many=True, description="Comma list."),
           Param("formats", enum=FORMATS, many=True, description="Comma list."),
           Param("fileName", description="File name of a raw text/csv body."),
           Param("baselineReportId", description="The report to compare with (default: the "
                                                 "client's latest completed report).")),
    body_doc=UPLOAD_BODY_DOC,
    responses={202: ("Accepted: poll statusQueryGetUri or reportUrl", ref("CheckStatus")),
               413: ("File too large", ref("Error")), 415: ("Not a CSV", ref("Error")),
               422: ("Not an Advisor export", ref("Error"))})
async def upload_report(call: Call) -> Reply:
    job = await asyncio.to_thread(_stage_upload, call)
    call.audit["clientId"] = job["clientId"]
    await call.client.start_new(intake.ORCHESTRATOR, job["reportId"], job)
    log.info("Report %s started for client %s (request %s)", job["reportId"], job["clientId"],
             call.rid)
    return await _accepted(call, job["reportId"], job["reportId"])


# -- read ---------------------------------------------------------------------------------------


@api.operation(
    "GET", "reports", operation_id="listReports", role=READER, tag=TAG, paged=True,
    summary="List reports, newest first",
    query=(Param("clientId"), Param("status", enum=STATUSES, many=True),
           Param("reportType", enum=REPORT_TYPES),
           Param("createdFrom", "date-time"), Param("createdTo", "date-time")),
    responses={200: ("A page of reports", ref("ReportPage"))})
def list_reports(call: Call) -> Reply:
    q = call.query
    rows = reports.list_reports(
        get_storage(), client_ids=call.principal.client_ids, client_id=q.get("clientId"),
        statuses=q.get("status"), report_type=q.get("reportType"),
        created_from=q.get("createdFrom"), created_to=q.get("createdTo"))
    filters = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in q.items()
               if k not in ("page", "pageSize")}
    views = [report_view(r, call.api_base) for r in rows]
    return Reply(200, page_of(views, page=q["page"], page_size=q["pageSize"], url=call.url,
                              query=call.req.params, filters=filters))


@api.operation(
    "GET", "reports/{reportId}", operation_id="getReport", role=READER, tag=TAG,
    summary="A report: status, stage, progress, counts, warnings, errors, artifacts, timings",
    responses={200: ("The report", ref("Report"))})
async def get_report(call: Call) -> Reply:
    report = await asyncio.to_thread(_report, call)
    live = None
    if report.get("status") in reports.IN_PROGRESS:
        report, status = await _current(call, report)
        if status and isinstance(status.custom_status, dict) \
                and report.get("status") in reports.IN_PROGRESS:
            live = status.custom_status
    view = report_view(report, call.api_base, live)
    view["links"]["status"] = call.client.get_client_response_links(
        call.req, report.get("activeInstance") or report["reportId"])["statusQueryGetUri"] \
        if call.principal.trusted_key else _status_url(call, report["reportId"])
    return Reply(200, view)


_REPORT_TO_RUNTIME = {"queued": "Pending", "processing": "Running", "completed": "Completed",
                      "failed": "Failed"}


@api.operation(
    "GET", "reports/{reportId}/status", operation_id="getReportStatus", role=READER, tag=TAG,
    summary="The report's orchestration status, for callers without the management key "
            "(202 with Retry-After while running, 200 when finished)",
    responses={200: ("Finished", ref("OrchestrationStatus")),
               202: ("Still running: poll again after Retry-After", ref("OrchestrationStatus"))})
async def get_report_status(call: Call) -> Reply:
    report = await asyncio.to_thread(_report, call)
    report, status = await _current(call, report)
    # Running while either says so: the report row is finalized a moment before its
    # orchestration ends, and "Completed" must come with the orchestration's output.
    running = report.get("status") in reports.IN_PROGRESS or (
        status is not None and status.runtime_status.value in reports.RUNNING)
    if status is not None:
        body = orchestration_view(status)
    else:  # no instance (purged, or not started yet): answer from the report row
        body = {"name": intake.ORCHESTRATOR, "instanceId": report.get("activeInstance")
                or report["reportId"],
                "runtimeStatus": _REPORT_TO_RUNTIME[report.get("status", "queued")],
                "customStatus": None,
                "output": report.get("failureReason") or None,
                "createdTime": report.get("createdAt"),
                "lastUpdatedTime": report.get("updatedAt")}
    if running:
        url = _status_url(call, report["reportId"])
        return Reply(202, body, {"Location": url, "Retry-After": "5"})
    return Reply(200, body)


@api.operation(
    "GET", "reports/{reportId}/statistics", operation_id="getReportStatistics", role=READER,
    tag=TAG, summary="Totals, by category, impact, subscription, resource type; savings per "
                     "currency (with the overlap caveat); retirements",
    responses={200: ("Statistics", ref("Statistics")),
               409: ("Not computed yet", ref("Error"))})
def get_statistics(call: Call) -> Reply:
    return Reply(200, reports.statistics(get_storage(), _report(call)))


@api.operation(
    "GET", "reports/{reportId}/recommendations", operation_id="listRecommendations",
    role=READER, tag=TAG, paged=True,
    summary="A report's recommendations, by impact then savings; filters combine with AND",
    query=(Param("category", enum=CATEGORIES, many=True),
           Param("impact", enum=IMPACTS, many=True), Param("subscriptionId"),
           Param("resourceGroup"), Param("resourceType"),
           Param("search", description="Text in the recommendation, resource or benefit."),
           Param("excluded", "boolean", description="true: only the rows an exclusion rule "
                                                    "took out of the figures; false: the rest.")),
    responses={200: ("A page of recommendations", ref("RecommendationPage")),
               409: ("Not stored yet", ref("Error"))})
def list_recommendations(call: Call) -> Reply:
    report = _report(call)
    if report.get("status") != "completed" and not report.get("totals"):
        raise ApiError(409, "NotReady", "The recommendations of this report are not stored "
                       "yet.", target="reportId")
    q = call.query
    filters = {k: v for k, v in q.items() if k not in ("page", "pageSize")}
    try:
        rows = reports.query_recommendations(get_storage(), report, filters)
    except ResourceNotFoundError:
        raise ApiError(409, "NotReady", "The recommendations of this report are not stored.",
                       target="reportId") from None
    page = page_of(rows, page=q["page"], page_size=q["pageSize"], url=call.url,
                   query=call.req.params, filters=filters)
    excluded = reports.excluded_by(get_storage(), report)
    page["results"] = [reports.recommendation_view(r, excluded.get(str(r.line)))
                       for r in page["results"]]
    return Reply(200, page)


@api.operation(
    "GET", "reports/{reportId}/actions", operation_id="listActions", role=READER, tag=TAG,
    paged=True, summary="The action plan: recommendations grouped, with the resources they "
                        "touch, savings and retirement; high impact first",
    query=(Param("category", enum=CATEGORIES, many=True),
           Param("impact", enum=IMPACTS, many=True)),
    responses={200: ("A page of actions", ref("ActionPage")),
               409: ("Not computed yet", ref("Error"))})
def list_actions(call: Call) -> Reply:
    q = call.query
    categories, impacts = set(q.get("category") or ()), set(q.get("impact") or ())
    plan = [a for a in reports.action_plan_of(get_storage(), _report(call))
            if (not categories or a["category"] in categories)
            and (not impacts or a["impact"] in impacts)]
    filters = {k: v for k, v in q.items() if k not in ("page", "pageSize")}
    return Reply(200, page_of(plan, page=q["page"], page_size=q["pageSize"], url=call.url,
                              query=call.req.params, filters=filters))


@api.operation(
    "GET", "reports/{reportId}/changes", operation_id="listChanges", role=READER, tag=TAG,
    paged=True, summary="What changed since the baseline report: counts, per category, "
                        "savings, and the new and resolved findings",
    query=(Param("change", enum=("new", "resolved")),),
    responses={200: ("The changes, with a page of findings", ref("ChangesPage")),
               409: ("Not computed yet", ref("Error"))})
def list_changes(call: Call) -> Reply:
    q = call.query
    changes = reports.changes_of(get_storage(), _report(call))
    items = [i for i in changes["results"] if not q.get("change") or i["change"] == q["change"]]
    filters = {k: v for k, v in q.items() if k not in ("page", "pageSize")}
    page = page_of(items, page=q["page"], page_size=q["pageSize"], url=call.url,
                   query=call.req.params, filters=filters)
    counts = changes["counts"] or {"new": 0, "resolved": 0, "persisting": 0}
    return Reply(200, {"baseline": changes["baseline"], "counts": counts,
                       "byCategory": changes["byCategory"],
                       "savingsByCurrency": changes["savingsByCurrency"], **page})


_ARTIFACT = re.compile(rf"^(?P<type>[a-z]+)\.(?P<format>{'|'.join(FORMATS)})$")


def _download_name(report: dict, client_name: str, report_type: str, fmt: str) -> str:
    """"Fabrikam Ltd. - Executive summary - 2026-11-20.pdf": the client's name, the report
    type and the export date, without characters a file system refuses."""
    label = REPORT_TYPE_LABELS[report_type]
    date = (report.get("exportDate") or report.get("createdAt") or "")[:10]
    stem = " - ".join(p for p in (client_name.strip(), label, date) if p)
    stem = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]+', " ", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" .")[:120].strip(" .")
    return f"{stem or report['reportId']}.{fmt}"


@api.operation(
    "GET", "reports/{reportId}/artifacts/{artifact}", operation_id="downloadArtifact",
    role=READER, tag=TAG, summary="Download a rendered report, e.g. executive.pdf, "
                                  "cost.xlsx or executive.pptx",
    responses={200: ("The file", BINARY_FILE), 304: ("Not modified (If-None-Match)", None)})
def download_artifact(call: Call) -> Reply:
    return serve_artifact(call, _report(call), call.route["artifact"])


def _artifact_entry(report: dict, artifact: str,
                   allowed: set[tuple[str, str]] | None = None) -> tuple[tuple[str, str], dict]:
    """The listed artifact named like "executive.pdf" (and among `allowed`), else 404."""
    match = _ARTIFACT.match(artifact)
    listed = {(a["reportType"], a["format"]): a for a in report.get("artifacts") or []}
    key = (match["type"], match["format"]) if match else None
    if key not in listed or (allowed is not None and key not in allowed):
        raise not_found(f"Artifact '{artifact}' of report '{report['reportId']}'", "artifact")
    return key, listed[key]


def serve_artifact(call: Call, report: dict, artifact: str,
                   allowed: set[tuple[str, str]] | None = None,
                   before_download: Callable[[], object] | None = None) -> Reply:
    """The file, named for the client; 304 when the caller's ETag is current.
    `before_download` runs only when the file itself is sent (a share counts downloads)."""
    key, entry = _artifact_entry(report, artifact, allowed)
    blob = get_storage().artifacts.get_blob_client(entry["blob"])
    # If-None-Match may list several tags (W/"a", "b") or be "*" (any copy at all).
    known = {tag.strip().removeprefix("W/").strip('"')
             for tag in call.req.headers.get("If-None-Match", "").split(",") if tag.strip()}
    try:
        if len(known) == 1 and "*" not in known:
            # One round trip: the service answers 304 itself when the caller's copy is current.
            download = blob.download_blob(etag=next(iter(known)),
                                          match_condition=MatchConditions.IfModified)
        else:
            download = blob.download_blob()
        etag = download.properties.etag.strip('"')
        if "*" in known or etag in known:
            return Reply(304, headers={"ETag": f'"{etag}"'})
        if before_download is not None:
            before_download()
        body = download.readall()
    except (ResourceNotModifiedError, ResourceModifiedError):  # the SDK reports 304 as either
        return Reply(304, headers={"ETag": f'"{next(iter(known))}"'})
    except ResourceNotFoundError:
        raise not_found(f"The file of artifact '{artifact}'", "artifact") from None
    client = get_storage().client_records.get(report["clientId"]) or {}
    name = _download_name(report, client.get("name") or report["clientId"], *key)
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return Reply(200, raw=body, headers={
        "Content-Type": entry["contentType"], "ETag": f'"{etag}"',
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(name)}",
        "Cache-Control": "private, max-age=0, must-revalidate"})


# -- change -------------------------------------------------------------------------------------


@api.operation(
    "PATCH", "reports/{reportId}", operation_id="updateReport", role=CONTRIBUTOR, tag=TAG,
    summary="Change a report's title, its consultant's notes, or the baseline its changes are "
            "computed against (null: the client's latest completed report before it); render "
            "it again to see them in the files", body=REPORT_PATCH,
    responses={200: ("The report", ref("Report"))})
def update_report(call: Call) -> Reply:
    report = _report(call)
    storage = get_storage()
    fields: dict[str, Any] = {}
    if "title" in call.body:
        fields["title"] = call.body["title"].strip()
    if "notes" in call.body:
        notes = call.body["notes"].strip()
        if problems := notes_problems(notes):
            raise invalid(problems)
        fields["notes"] = notes
    if "baselineReportId" in call.body:
        baseline = call.body["baselineReportId"]
        if baseline:
            reports.check_baseline(storage, report, baseline)
        fields["baselineReportId"] = baseline or ""
    storage.reports.update(report["clientId"], report["reportId"], fields)
    report = storage.reports.get(report["clientId"], report["reportId"])
    if "baselineReportId" in fields and report.get("totals"):
        # The changes are computed once and kept: a new baseline computes them again (the
        # reports show the new ones once rendered again).
        storage.reports.update(report["clientId"], report["reportId"],
                               store_changes(storage, report))
        report = storage.reports.get(report["clientId"], report["reportId"])
    return Reply(200, report_view(report, call.api_base))


@api.operation(
    "DELETE", "reports/{reportId}", operation_id="deleteReport", role=CONTRIBUTOR, tag=TAG,
    summary="Delete a report, its recommendations, upload, artifacts and Durable history",
    responses={204: ("Deleted", None)})
async def delete_report(call: Call) -> Reply:
    await report_actions.delete_everywhere(get_storage(), call.client,
                                           await asyncio.to_thread(_report, call), call.rid)
    return Reply(204)


@api.operation(
    "POST", "reports/{reportId}/render", operation_id="renderReport", role=CONTRIBUTOR,
    tag=TAG, summary="Render report types and formats again from the stored data",
    body=RENDER_REQUEST,
    responses={202: ("Accepted", ref("CheckStatus")),
               409: ("Still processing", ref("Error"))})
async def render_again(call: Call) -> Reply:
    storage = get_storage()
    report, _ = await _current(call, await asyncio.to_thread(_report, call))
    reports.check_can_render(report)
    body = call.body or {}
    types, formats = body.get("reportTypes"), body.get("formats")
    job = reports.job_for(storage, report, types, formats)
    if problems := format_problems(job["reportTypes"], job["formats"]):
        raise invalid(problems)
    instance = await report_actions.start_render(storage, call.client, report, types, formats)
    return await _accepted(call, instance, report["reportId"])


@api.operation(
    "POST", "reports/{reportId}/retry", operation_id="retryReport", role=CONTRIBUTOR, tag=TAG,
    summary="Process a failed report again (at most 5 attempts)",
    responses={202: ("Accepted", ref("CheckStatus")),
               409: ("Not failed, or too many attempts", ref("Error"))})
async def retry_report(call: Call) -> Reply:
    storage = get_storage()
    report, _ = await _current(call, await asyncio.to_thread(_report, call))
    reports.check_can_retry(report)
    await report_actions.start_retry(storage, call.client, report)
    return await _accepted(call, report["reportId"], report["reportId"])
