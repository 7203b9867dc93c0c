"""Starting a report: ids, the staged upload, the Reports row and the orchestration's input."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

from azure.storage.blob import ContentSettings

from shared.http.upload import UploadOptions
from shared.storage import layout
from shared.storage.context import Storage
from shared.storage.reports import now_iso

ORCHESTRATOR = "process_report"
SOURCE_API = "api"
SOURCE_BLOB = "blob"


def new_report_id() -> str:
    """Readable and unique: the upload date and 48 random bits."""
    return f"{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(6)}"


def dropped_report_id(blob_name: str, etag: str) -> str:
    """The same blob version always gives the same report; a new version, a new one."""
    digest = hashlib.sha256(f"{blob_name}|{etag.strip(chr(34))}".encode()).hexdigest()
    return f"drop-{digest[:20]}"


def make_job(storage: Storage, report_id: str, client_id: str, upload_blob: str,
             report_types: tuple[str, ...], formats: tuple[str, ...]) -> dict[str, Any]:
    """The orchestration's input: references only."""
    return {"reportId": report_id, "clientId": client_id,
            "uploadContainer": storage.settings.uploads_container, "uploadBlob": upload_blob,
            "reportTypes": list(report_types), "formats": list(formats),
            "shards": storage.settings.shards}


def _create_row(storage: Storage, job: dict[str, Any], title: str, file_name: str,
                source: str) -> None:
    storage.client_records.ensure(job["clientId"])
    storage.reports.create(job["clientId"], job["reportId"], {
        "title": title, "fileName": file_name, "status": "queued", "source": source,
        "uploadBlob": job["uploadBlob"], "reportTypes": job["reportTypes"],
        "formats": job["formats"], "shards": job["shards"], "attempts": 1,
        "createdAt": now_iso(), "updatedAt": now_iso(),
    })


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
                   options.formats)
    _create_row(storage, job, options.title, file_name, SOURCE_API)
    return job


def stage_dropped_blob(storage: Storage, blob_name: str, etag: str,
                       metadata: dict[str, str], options: UploadOptions) -> dict[str, Any] | None:
    """The job for a CSV a user dropped, or None when it needs no report.

    None for blobs the upload API wrote (their report is already running) and for a blob
    version that already has its report (a redelivered event or a rescan).
    """
    if (metadata or {}).get("source") == SOURCE_API:
        return None
    report_id = dropped_report_id(blob_name, etag)
    if storage.reports.get(options.client_id, report_id) is not None:
        return None
    job = make_job(storage, report_id, options.client_id, blob_name, options.report_types,
                   options.formats)
    _create_row(storage, job, options.title, blob_name.rsplit("/", 1)[-1], SOURCE_BLOB)
    return job


def _metadata_safe(value: str) -> str:
    """Blob metadata values must be ASCII."""
    return value.encode("ascii", "replace").decode("ascii")[:256]
