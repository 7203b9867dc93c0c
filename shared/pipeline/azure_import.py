"""The first step of an import: read the client's Advisor recommendations from Azure and write
them as the report's export, where an upload would have put its file.

From there the report is processed as an upload is (validate, store, summarize, render): the
export lines are those of `advisor.azure_rows`, so an imported month and an uploaded month give
the same records. Idempotent: the export blob is overwritten and the report row merged, so a
retried activity leaves one export and one account of the fetch, never two.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContentSettings

from shared.advisor.azure_rows import to_csv
from shared.arm.advisor import SignInFailed, SubscriptionFetch, fetch_subscriptions
from shared.pipeline.intake import SOURCE_AZURE
from shared.pipeline.job import InvalidJob
from shared.pipeline.steps import keep_or_undo, report_of
from shared.storage.context import Storage
from shared.storage.reports import now_iso

log = logging.getLogger("advisor_reports.pipeline")


def fetch(storage: Storage, job: dict[str, Any]) -> dict[str, Any]:
    """Fetch and stage the export; {"ok": True, counts} or {"ok": False, "reason"} when no
    subscription could be read (the orchestration then fails the report with the reason).
    A network fault raises: the activity's retry policy tries again."""
    report = report_of(storage, job)
    subscriptions = report.get("importSubscriptions")
    if report.get("source") != SOURCE_AZURE or not isinstance(subscriptions, list):
        raise InvalidJob("the report is not an import from Azure")
    client_id, report_id = job["clientId"], job["reportId"]
    storage.reports.update(client_id, report_id, {"status": "processing",
                                                  "startedAt": now_iso()})
    endpoint = storage.settings.azure_resource_manager_endpoint
    try:
        results = fetch_subscriptions(subscriptions, endpoint)
    except SignInFailed as error:
        return {"ok": False, "reason": str(error)}
    read = [r for r in results if r.ok]
    rows = sum(len(r.rows) for r in read)
    fields: dict[str, Any] = {"imported": _account(results, endpoint),
                              "importWarnings": [_warning(r) for r in results if not r.ok]}
    if not read:
        storage.reports.update(client_id, report_id, fields)
        return {"ok": False, "reason": "No subscription of the client could be read. "
                + " ".join(r.error for r in results)}
    if not rows:
        storage.reports.update(client_id, report_id, fields)
        listed = ", ".join(r.label for r in read)
        return {"ok": False, "reason": f"Azure Advisor has no recommendations for {listed}: "
                "there is nothing to report."}
    storage.uploads.upload_blob(
        job["uploadBlob"], to_csv(row for r in read for row in r.rows), overwrite=True,
        metadata={"source": SOURCE_AZURE, "reportId": report_id},
        content_settings=ContentSettings(content_type="text/csv"))
    keep_or_undo(storage, job, lambda: _delete_upload(storage, job["uploadBlob"]))
    storage.reports.update(client_id, report_id, fields)
    log.info("report %s (client %s): fetched %d recommendation(s) from %d of %d "
             "subscription(s)", report_id, client_id, rows, len(read), len(results),
             extra={"reportId": report_id, "instanceId": report_id, "clientId": client_id})
    return {"ok": True, "recommendations": rows, "subscriptions": len(read),
            "failed": len(results) - len(read)}


def _delete_upload(storage: Storage, name: str) -> None:
    with contextlib.suppress(ResourceNotFoundError):
        storage.uploads.delete_blob(name)


def _account(results: list[SubscriptionFetch], endpoint: str) -> dict[str, Any]:
    """What the report records of its source: where and when, and each subscription's count
    or the reason it could not be read."""
    return {"fetchedAt": now_iso(), "endpoint": endpoint, "subscriptions": [
        {"subscriptionId": r.subscription_id, "name": r.name,
         "recommendations": len(r.rows) if r.ok else None,
         **({"error": r.error, "code": r.code} if not r.ok else {})} for r in results]}


def _warning(result: SubscriptionFetch) -> dict[str, Any]:
    return {"code": "SubscriptionNotRead", "count": 1, "lines": [], "message": result.error,
            "subscriptionId": result.subscription_id}
