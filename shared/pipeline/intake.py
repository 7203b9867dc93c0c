"""Starting a report: ids, the staged upload, the Reports row and the orchestration's input."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from azure.core import MatchConditions
from azure.storage.blob import ContentSettings

from shared.http.upload import UploadOptions
from shared.storage import layout
from shared.storage.context import Storage
from shared.storage.reports import now_iso

ORCHESTRATOR = "process_report"
SOURCE_API = "api"
SOURCE_BLOB = "blob"
SOURCE_COPY = "copy"  # a dropped blob's copy, owned by its report
SOURCE_AZURE = "azure"  # read from Azure Resource Manager by an import
OWN_UPLOADS = (SOURCE_API, SOURCE_COPY, SOURCE_AZURE)  # blobs the app wrote: never a new drop
ROOT_CLIENT = "default"  # where a refused drop without a client folder is reported
DROP_OPTIONS = ("title", "reportTypes", "formats", "clientName", "appendix")


def new_report_id() -> str:
    """Readable and unique: the upload date and 48 random bits."""
    return f"{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(6)}"


def dropped_report_id(blob_name: str, etag: str) -> str:
    """The same blob version always gives the same report; a new version, a new one."""
    digest = hashlib.sha256(f"{blob_name}|{etag.strip(chr(34))}".encode()).hexdigest()
    return f"drop-{digest[:20]}"


def make_job(storage: Storage, report_id: str, client_id: str, upload_blob: str,
             report_types: Sequence[str], formats: Sequence[str],
             appendix: str = layout.DEFAULT_APPENDIX,
             subscriptions: int = 0) -> dict[str, Any]:
    """The orchestration's input: references only, and the specialist PDFs' appendix. An
    import's job says so, with how many subscriptions it reads (`subscriptions`): its first
    steps fetch the export the others read."""
    job = {"reportId": report_id, "clientId": client_id,
           "uploadContainer": storage.settings.uploads_container, "uploadBlob": upload_blob,
           "reportTypes": list(report_types), "formats": list(formats),
           "shards": storage.settings.shards, "appendix": appendix}
    if subscriptions:
        job.update(source=SOURCE_AZURE, subscriptions=subscriptions)
    return job


def _new_row(storage: Storage, client_id: str, report_id: str, fields: dict[str, Any],
             client_name: str = "") -> None:
    """The Reports row of a new report (its client created when unknown)."""
    storage.client_records.ensure(client_id, client_name)
    created = now_iso()
    storage.reports.create(client_id, report_id, {
        **fields, "attempts": 1, "createdAt": created, "updatedAt": created,
        # createdAt has whole seconds; this orders reports created within one second
        "createdNs": str(time.time_ns()),  # text: Table Storage ints are 32-bit here
    })


def _create_row(storage: Storage, job: dict[str, Any], options: UploadOptions, file_name: str,
                source: str, extra: dict[str, Any] | None = None) -> None:
    _new_row(storage, job["clientId"], job["reportId"], {
        "baselineReportId": options.baseline_report_id, "notes": options.notes,
        "title": options.title, "fileName": file_name, "status": "queued", "source": source,
        "uploadBlob": job["uploadBlob"], "reportTypes": job["reportTypes"],
        "formats": job["formats"], "shards": job["shards"], "appendix": options.appendix,
        **(extra or {})}, options.client_name)


def stage_api_upload(storage: Storage, data: bytes, file_name: str,
                     options: UploadOptions) -> dict[str, Any]:
    """Write the upload blob (marked as coming through the API) and the queued report row."""
    report_id = new_report_id()
    blob = layout.upload_blob_name(options.client_id, report_id)
    storage.uploads.upload_blob(
        blob, data, overwrite=True,
        metadata={"source": SOURCE_API, "reportId": report_id,
                  "fileName": _metadata_safe(file_name)},
        content_settings=ContentSettings(content_type="text/csv"))
    job = make_job(storage, report_id, options.client_id, blob, options.report_types,
                   options.formats, options.appendix)
    _create_row(storage, job, options, file_name, SOURCE_API)
    return job


def stage_azure_import(storage: Storage, options: UploadOptions, subscription_ids: list[str],
                       report_id: str | None = None, trigger: str = "api") -> dict[str, Any]:
    """The queued report of an import from Azure and its job: the fetch writes its upload blob
    (`{clientId}/{reportId}.csv`, the place an upload has) when the orchestration runs. The
    subscriptions are the client's now, kept on the report: a retry reads the same ones."""
    report_id = report_id or new_report_id()
    blob = layout.upload_blob_name(options.client_id, report_id)
    job = make_job(storage, report_id, options.client_id, blob, options.report_types,
                   options.formats, options.appendix, subscriptions=len(subscription_ids))
    _create_row(storage, job, options, f"azure-advisor-{report_id}.csv", SOURCE_AZURE,
                {"importTrigger": trigger, "importSubscriptions": list(subscription_ids)})
    return job


def drop_values(blob_name: str, metadata: dict[str, str]) -> dict[str, str]:
    """Upload options of a dropped blob: its client folder, and its metadata matched without
    regard to case (Azure metadata names are case-insensitive; tools write `Title`)."""
    folded = _folded(metadata)
    values = {name: folded[name.lower()] for name in DROP_OPTIONS if name.lower() in folded}
    values["clientId"] = blob_name.split("/", 1)[0] if "/" in blob_name else ""
    return values


def is_own_upload(metadata: dict[str, str]) -> bool:
    return _folded(metadata).get("source") in OWN_UPLOADS


def _folded(metadata: dict[str, str] | None) -> dict[str, str]:
    """Blob metadata with lower-case names: Azure treats metadata names without case."""
    return {k.lower(): v for k, v in (metadata or {}).items()}


def stage_dropped_blob(storage: Storage, blob_name: str, etag: str,
                       options: UploadOptions) -> dict[str, Any] | None:
    """The job for a CSV a user dropped, or None when its report exists already (a redelivered
    event or a rescan).

    The report gets a copy of the blob of its own, `{clientId}/{reportId}.csv`: the user may
    drop the same path again (a new version, a new report), and deleting one report must
    never take away the file another one still needs.
    """
    report_id = dropped_report_id(blob_name, etag)
    if storage.reports.get(options.client_id, report_id) is not None:
        return None
    copy = layout.upload_blob_name(options.client_id, report_id)
    _copy_blob(storage, blob_name, etag, copy, report_id)
    job = make_job(storage, report_id, options.client_id, copy, options.report_types,
                   options.formats, options.appendix)
    _create_row(storage, job, options, blob_name.rsplit("/", 1)[-1], SOURCE_BLOB)
    return job


def _copy_blob(storage: Storage, source: str, etag: str, target: str, report_id: str) -> None:
    """Stream the dropped version (its ETag pinned) into the report's own blob, in chunks."""
    download = storage.uploads.get_blob_client(source).download_blob(
        etag=etag, match_condition=MatchConditions.IfNotModified)
    storage.uploads.upload_blob(
        target, download.chunks(), length=download.size, overwrite=True,
        metadata={"source": SOURCE_COPY, "reportId": report_id,
                  "droppedAs": _metadata_safe(source)},
        content_settings=ContentSettings(content_type="text/csv"))


def record_refused_drop(storage: Storage, blob_name: str, etag: str, client_id: str,
                        reason: str) -> str | None:
    """A dropped blob that cannot become a report still gets one, failed with the reason, so
    the person who dropped it sees why; None when it was recorded already."""
    report_id = dropped_report_id(blob_name, etag)
    if storage.reports.get(client_id, report_id) is not None:
        return None
    file_name = blob_name.rsplit("/", 1)[-1]
    _new_row(storage, client_id, report_id, {
        "title": file_name[:200], "fileName": file_name, "status": "failed",
        "source": SOURCE_BLOB, "droppedBlob": blob_name, "failureReason": reason,
        "reportTypes": [], "formats": [], "completedAt": now_iso()})
    return report_id


def owns_upload(report: dict[str, Any]) -> bool:
    """Whether the report's upload blob is its own (API uploads, copies of drops), so deleting
    the report may delete it; older drops pointed at the user's own file."""
    return report.get("uploadBlob") == layout.upload_blob_name(report["clientId"],
                                                                report["reportId"])


def _metadata_safe(value: str) -> str:
    """Blob metadata values must be ASCII."""
    return value.encode("ascii", "replace").decode("ascii")[:256]
