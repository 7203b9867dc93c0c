"""HTTP API: a report's rendered files, named for the client and the review
(shared/rendering/file_names.py); share links serve theirs with `serve_artifact` too
(api_shares)."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from urllib.parse import quote

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceModifiedError,
    ResourceNotFoundError,
    ResourceNotModifiedError,
)

from shared.http.api import Call, Reply
from shared.http.auth import READER
from shared.http.errors import not_found
from shared.http.negotiation import accepts
from shared.http.schemas import BINARY_FILE
from shared.services import reports
from shared.storage.context import get_storage
from shared.storage.layout import FORMATS
from triggers.api_registry import api
from triggers.api_reports import TAG, _report

IDENTITY = "-identity"
_ARTIFACT = re.compile(rf"^(?P<type>[a-z]+)\.(?P<format>{'|'.join(FORMATS)})$")


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
    """The file, named for the client and the review; 304 when the caller's ETag is current.
    `before_download` runs only when the file itself is sent (a share counts downloads)."""
    key, entry = _artifact_entry(report, artifact, allowed)
    blob = get_storage().artifacts.get_blob_client(entry["blob"])
    # If-None-Match may list several tags (W/"a", "b") or be "*" (any copy at all). A file
    # stored compressed and sent inflated has the blob's tag with IDENTITY after it: `known`
    # maps the blob's tag to the tag as the caller sent it, which a 304 repeats.
    known = {tag.strip().removeprefix("W/").strip('"').removesuffix(IDENTITY): tag.strip()
             for tag in call.req.headers.get("If-None-Match", "").split(",") if tag.strip()}
    try:
        if len(known) == 1 and "*" not in known:
            # One round trip: the service answers 304 itself when the caller's copy is current.
            download = blob.download_blob(etag=next(iter(known)), decompress=False,
                                          match_condition=MatchConditions.IfModified)
        else:
            download = blob.download_blob(decompress=False)
        etag = download.properties.etag.strip('"')
        if "*" in known or etag in known:
            return Reply(304, headers={"ETag": known.get(etag, f'"{etag}"')})
        if before_download is not None:
            before_download()
        body = download.readall()
    except (ResourceNotModifiedError, ResourceModifiedError):  # the SDK reports 304 as either
        return Reply(304, headers={"ETag": next(iter(known.values()))})
    except ResourceNotFoundError:
        raise not_found(f"The file of artifact '{artifact}'", "artifact") from None
    name = reports.download_name(get_storage(), report, *key)
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    headers = {"Content-Type": entry["contentType"], "ETag": f'"{etag}"',
               "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                                      f"filename*=UTF-8''{quote(name)}",
               "Cache-Control": "private, max-age=0, must-revalidate"}
    encoding = download.properties.content_settings.content_encoding
    if encoding:  # stored compressed (shared/storage/compressed.py)
        headers["Vary"] = "Accept-Encoding"
        if accepts(call.req.headers.get("Accept-Encoding"), encoding):
            headers["Content-Encoding"] = encoding
        else:
            body = gzip.decompress(body)
            headers["ETag"] = f'"{etag}{IDENTITY}"'  # another representation, another tag
    return Reply(200, raw=body, headers=headers)
