"""HTTP API: share links, to hand a client its report without giving it a key."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from shared.http.api import Call, Reply
from shared.http.auth import CONTRIBUTOR
from shared.http.errors import ApiError, not_found
from shared.http.responses import prefers_html
from shared.http.schemas import BINARY_FILE, SHARE_CREATE, ref
from shared.services import shares
from shared.storage.context import get_storage
from shared.storage.reports import is_deleted
from triggers.api_registry import api
from triggers.api_report_artifacts import serve_artifact
from triggers.api_reports import _report
from web import share_page

TAG = "Shares"


def now() -> datetime:
    return datetime.now(UTC)


@api.operation(
    "POST", "reports/{reportId}/shares", operation_id="createShare", role=CONTRIBUTOR, tag=TAG,
    summary="Make a share link to some of the report's files: anyone with the link may "
            "download them, without a key, until it expires (1-720 hours, default 168), is "
            "revoked or has served maxDownloads", body=SHARE_CREATE,
    responses={201: ("The share, with its link (shown this once)", ref("NewShare"))})
def create_share(call: Call) -> Reply:
    report = _report(call)
    body = call.body
    token, share = shares.create(
        get_storage(), report,
        [{"reportType": a["type"], "format": a["format"]} for a in body["artifacts"]],
        body.get("expiresInHours", 168), body.get("maxDownloads"), call.principal.name, now())
    call.audit["shareId"] = share["shareId"]
    share["url"] = f"{call.api_base}/shared/{token}"
    return Reply(201, share, {"Location": f"{call.api_base}/reports/{report['reportId']}/"
                                          f"shares/{share['shareId']}"})


@api.operation(
    "GET", "reports/{reportId}/shares", operation_id="listShares", role=CONTRIBUTOR, tag=TAG,
    summary="The report's share links (never their tokens), newest first",
    responses={200: ("The shares", ref("ShareList"))})
def list_shares(call: Call) -> Reply:
    report = _report(call)
    return Reply(200, {"results": shares.list_shares(get_storage(), report["reportId"],
                                                             now())})


@api.operation(
    "DELETE", "reports/{reportId}/shares/{shareId}", operation_id="revokeShare",
    role=CONTRIBUTOR, tag=TAG, summary="Revoke a share link: it answers 410 from now on",
    responses={204: ("Revoked", None)})
def revoke_share(call: Call) -> Reply:
    report = _report(call)
    shares.revoke(get_storage(), report["reportId"], call.route["shareId"], now())
    return Reply(204)


def _shared(call: Call) -> tuple[dict, dict]:
    """The share a link names and its report; 404 unknown or deleted, 410 no longer usable."""
    storage = get_storage()
    share = shares.find(storage, call.route["token"])
    report = storage.reports.find(share["PartitionKey"])
    if is_deleted(report):
        raise not_found("Share link", "token")
    call.audit.update({"reportId": share["PartitionKey"], "shareId": share["RowKey"],
                       "clientId": share.get("clientId", "")})
    shares.check_usable(share, now())
    return share, report


@api.operation(
    "GET", "shared/{token}", operation_id="openShare", role=None, tag=TAG, audited=True,
    summary="What a share link offers (no key needed): the report's title, client and the "
            "files with their download links. A browser (Accept ranking text/html above "
            "application/json) gets the client's branded page instead, and for a link that "
            "no longer works a page saying why, with the same status",
    responses={200: ("The shared files", ref("SharedReport")),
               410: ("Expired, revoked or used up", ref("Error"))})
def open_share(call: Call) -> Reply:
    page = prefers_html(call.req.headers.get("Accept"))
    try:
        share, report = _shared(call)
    except ApiError as refused:
        if page:
            return _refused_page(refused)
        raise
    view = shares.view(share, now())
    if page:  # opening the page spends no download: only a file sent does
        return share_page.offer_reply(get_storage(), report, view,
                                      f"{urlsplit(call.api_base).path}/shared/"
                                      f"{call.route['token']}", now())
    client = get_storage().client_records.get(report["clientId"]) or {}
    base = f"{call.api_base}/shared/{call.route['token']}"
    left = None if view["maxDownloads"] is None else view["maxDownloads"] - view["downloads"]
    return Reply(200, {
        "title": report.get("title", ""), "client": client.get("name") or report["clientId"],
        "exportDate": report.get("exportDate"), "expiresAt": view["expiresAt"],
        "downloadsLeft": left,
        "artifacts": [{**a, "url": f"{base}/{a['reportType']}.{a['format']}"}
                      for a in view["artifacts"]]}, {"Vary": "Accept"})


@api.operation(
    "GET", "shared/{token}/{artifact}", operation_id="downloadShared", role=None, tag=TAG,
    audited=True, summary="Download a shared file (no key needed); counts against "
                          "maxDownloads when the file is sent: a 304 or a HEAD does not. A "
                          "browser gets a page saying why a link no longer works",
    responses={200: ("The file", BINARY_FILE), 304: ("Not modified (If-None-Match)", None),
               410: ("Expired, revoked or used up", ref("Error"))})
def download_shared(call: Call) -> Reply:
    try:
        share, report = _shared(call)
        allowed = {(a["reportType"], a["format"]) for a in shares.view(share, now())[
            "artifacts"]}
        # Link checkers, mail scanners and previews send HEAD: it spends no download.
        count = None if call.head else \
            lambda: shares.count_download(get_storage(), share, now())
        return serve_artifact(call, report, call.route["artifact"], allowed, count)
    except ApiError as refused:
        # A download button clicked after the link was used up: a page, not JSON.
        if prefers_html(call.req.headers.get("Accept")):
            return _refused_page(refused)
        raise


def _refused_page(refused: ApiError) -> Reply:
    """The page for a link that does not work, with the JSON answer's status; other errors
    (a rate limit, a busy link) keep their JSON."""
    if refused.status not in (404, 410):
        raise refused
    return share_page.refused_reply(get_storage(), refused.status,
                                    getattr(refused, "state", "unknown"))
