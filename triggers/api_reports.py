"""HTTP API: reports (upload, list, get, status, edit, delete, re-render, retry).

What a report's rows say (statistics, recommendations, actions, changes) is served by
api_report_rows, its rendered files by api_report_artifacts; both find the report with
`_report`, as share links do.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from shared.advisor.parse import Limits
from shared.http.api import Call, Param, Reply
from shared.http.auth import CONTRIBUTOR, READER, AuthError
from shared.http.errors import invalid, not_found
from shared.http.paging import page_of
from shared.http.schemas import RENDER_REQUEST, REPORT_PATCH, UPLOAD_BODY_DOC, ref
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
from shared.pipeline.baseline import store_changes
from shared.services import clients, report_actions, reports
from shared.storage.clients import SLUG, SLUG_TEXT
from shared.storage.context import get_storage
from shared.storage.layout import FORMATS, REPORT_TYPES
from shared.storage.reports import is_deleted
from triggers.api_registry import api

log = logging.getLogger(__name__)
TAG = "Reports"
STATUSES = ("queued", "processing", "completed", "failed")


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


async def _start(call: Call, job: dict, what: str = "Report") -> Reply:
    """Start a staged report's orchestration (an upload's or an import's) and answer 202."""
    call.audit["clientId"] = job["clientId"]
    await call.client.start_new(intake.ORCHESTRATOR, job["reportId"], job)
    log.info("%s %s started for client %s (request %s)", what, job["reportId"],
             job["clientId"], call.rid)
    return await _accepted(call, job["reportId"], job["reportId"])


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
    return await _start(call, await asyncio.to_thread(_stage_upload, call))


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


# -- change -------------------------------------------------------------------------------------


@api.operation(
    "PATCH", "reports/{reportId}", operation_id="updateReport", role=CONTRIBUTOR, tag=TAG,
    summary="Change a report's title, its consultant's notes, the baseline its changes are "
            "computed against (null: the client's latest completed report before it), or "
            "whether it is fit for comparison (comparable: false keeps an incomplete export out "
            "of later baselines, the trend and the portfolio); render it again to see them in "
            "the files", body=REPORT_PATCH,
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
    if "comparable" in call.body:
        fields["comparable"] = call.body["comparable"]
    storage.reports.update(report["clientId"], report["reportId"], fields)
    if "comparable" in call.body:
        again = reports.compare_later_again(storage, report)
        call.audit["comparedAgain"] = ",".join(again)[:200]
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
    tag=TAG, summary="Render report types and formats again from the stored data (and with "
                     "baselineReportId, compared with that report from now on)",
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
    if "baselineReportId" in body:  # the render's summary compares with it
        if body["baselineReportId"]:
            await asyncio.to_thread(reports.check_baseline, storage, report,
                                    body["baselineReportId"])
        await asyncio.to_thread(storage.reports.update, report["clientId"], report["reportId"],
                                {"baselineReportId": body["baselineReportId"] or ""})
    instance = await report_actions.start_render(storage, call.client, report, types, formats,
                                                 body.get("appendix"))
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
