"""The first steps of an import: read the client's Advisor recommendations from Azure, one
activity per subscription, then write them as the report's export where an upload would have
put its file.

From there the report is processed as an upload is (validate, store, summarize, render): the
export lines are those of `advisor.azure_rows`, so an imported month and an uploaded month give
the same records. One activity a subscription: they run side by side (the SDK's models are
pure-Python work, a worker process each is what makes it quicker), and a network fault retries
that subscription alone. Idempotent: each subscription's part and the export are overwritten,
the report row merged, so a retried activity leaves one export and one account of the fetch.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContentSettings

from shared.advisor.azure_rows import header_line, to_lines
from shared.arm.advisor import SignInFailed, SubscriptionFetch, fetch_subscription
from shared.pipeline.intake import SOURCE_AZURE
from shared.pipeline.job import InvalidJob
from shared.pipeline.steps import keep_or_undo, report_of
from shared.storage import layout
from shared.storage.context import Storage
from shared.storage.reports import now_iso

log = logging.getLogger("advisor_reports.pipeline")
SIGN_IN_FAILED = "SignInFailed"


def _subscriptions(storage: Storage, job: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The report and the subscriptions it was created to read, when it is an import."""
    report = report_of(storage, job)
    subscriptions = report.get("importSubscriptions")
    if report.get("source") != SOURCE_AZURE or not isinstance(subscriptions, list):
        raise InvalidJob("the report is not an import from Azure")
    return report, subscriptions


def fetch(storage: Storage, job: dict[str, Any], index: int) -> dict[str, Any]:
    """Read subscription `index` of the import and keep what it gave (its rows, or why it
    could not be read) as a part of the report; a network fault raises, so the activity's
    retry policy reads that subscription again."""
    report, subscriptions = _subscriptions(storage, job)
    if not 0 <= index < len(subscriptions):
        raise InvalidJob(f"the import has no subscription {index}")
    client_id, report_id = job["clientId"], job["reportId"]
    if report.get("status") == "queued":
        storage.reports.update(client_id, report_id, {"status": "processing",
                                                      "startedAt": now_iso()})
    subscription_id = subscriptions[index]
    endpoint = storage.settings.azure_resource_manager_endpoint
    try:
        result = fetch_subscription(subscription_id, endpoint)
    except SignInFailed as error:  # every subscription's fault: said once in the report
        result = SubscriptionFetch(subscription_id, error=str(error), code=SIGN_IN_FAILED)
    name = layout.import_part_blob_name(client_id, report_id, index)
    # The lines as the export will have them; the outcome in the metadata (ASCII JSON), so
    # staging joins bytes instead of decoding and writing every row again.
    outcome = {"subscriptionId": result.subscription_id, "name": result.name,
               "error": result.error, "code": result.code, "rows": len(result.rows)}
    storage.artifacts.upload_blob(
        name, to_lines(result.rows), overwrite=True, metadata={"outcome": json.dumps(outcome)},
        content_settings=ContentSettings(content_type="text/csv"))
    keep_or_undo(storage, job, lambda: _delete(storage.artifacts, name))
    return {"index": index, "recommendations": len(result.rows), "ok": result.ok}


def stage(storage: Storage, job: dict[str, Any]) -> dict[str, Any]:
    """Write the export of the subscriptions read and record the import's source on the report:
    {"ok": True, counts}, or {"ok": False, "reason"} when nothing can be reported (no
    subscription read, or no recommendation at all)."""
    _, subscriptions = _subscriptions(storage, job)
    client_id, report_id = job["clientId"], job["reportId"]
    parts, lines = [], []
    for index, subscription_id in enumerate(subscriptions):
        part, data = _part(storage, layout.import_part_blob_name(client_id, report_id, index))
        if part is None or part.get("subscriptionId") != subscription_id:
            raise InvalidJob(f"subscription {subscription_id} of the import was not fetched")
        parts.append(part)
        lines.append(data)
    read = [p for p in parts if not p["error"]]
    rows = sum(p["rows"] for p in read)
    fields: dict[str, Any] = {
        "imported": {"fetchedAt": now_iso(),
                     "endpoint": storage.settings.azure_resource_manager_endpoint,
                     "subscriptions": [_account(p) for p in parts]},
        "importWarnings": [_warning(p) for p in parts if p["error"]]}
    reason = _nothing_to_report(parts, read, rows)
    if reason:
        storage.reports.update(client_id, report_id, fields)
        return {"ok": False, "reason": reason}
    storage.uploads.upload_blob(
        job["uploadBlob"], header_line() + b"".join(lines), overwrite=True,
        metadata={"source": SOURCE_AZURE, "reportId": report_id},
        content_settings=ContentSettings(content_type="text/csv"))
    keep_or_undo(storage, job, lambda: _delete(storage.uploads, job["uploadBlob"]))
    storage.reports.update(client_id, report_id, fields)
    log.info("report %s (client %s): fetched %d recommendation(s) from %d of %d "
             "subscription(s)", report_id, client_id, rows, len(read), len(parts),
             extra={"reportId": report_id, "instanceId": report_id, "clientId": client_id})
    return {"ok": True, "recommendations": rows, "subscriptions": len(read),
            "failed": len(parts) - len(read)}


def _part(storage: Storage, name: str) -> tuple[dict[str, Any] | None, bytes]:
    """(outcome, export lines) of a subscription's part; (None, b"") when it is missing."""
    try:
        download = storage.artifacts.get_blob_client(name).download_blob()
    except ResourceNotFoundError:
        return None, b""
    return json.loads(download.properties.metadata.get("outcome") or "null"), download.readall()


def _nothing_to_report(parts: list[dict[str, Any]], read: list[dict[str, Any]],
                       rows: int) -> str:
    if not read:
        errors = list(dict.fromkeys(p["error"] for p in parts))  # a sign-in failure once
        return "No subscription of the client could be read. " + " ".join(errors)
    if not rows:
        listed = ", ".join(_label(p) for p in read)
        return f"Azure Advisor has no recommendations for {listed}: there is nothing to report."
    return ""


def _label(part: dict[str, Any]) -> str:
    return f"{part['name']} ({part['subscriptionId']})" if part["name"] \
        else part["subscriptionId"]


def _account(part: dict[str, Any]) -> dict[str, Any]:
    """What the report records of one subscription: its count, or why it was not read."""
    out = {"subscriptionId": part["subscriptionId"], "name": part["name"],
           "recommendations": None if part["error"] else part["rows"]}
    if part["error"]:
        out.update(error=part["error"], code=part["code"])
    return out


def _warning(part: dict[str, Any]) -> dict[str, Any]:
    return {"code": "SubscriptionNotRead", "count": 1, "lines": [], "message": part["error"],
            "subscriptionId": part["subscriptionId"]}


def _delete(container: Any, name: str) -> None:
    with contextlib.suppress(ResourceNotFoundError):
        container.delete_blob(name)
