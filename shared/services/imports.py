"""Imports: a client's Advisor recommendations read from Azure instead of uploaded.

An import is a report whose export the pipeline fetches first (pipeline/azure_import.py), from
the subscriptions on the client record; everything after the fetch is an upload's processing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.http.errors import ApiError
from shared.http.upload import UploadOptions, parse_options
from shared.pipeline import intake
from shared.services import clients, reports
from shared.storage.context import Storage


def options_of(client_id: str, body: dict[str, Any] | None, now: datetime) -> UploadOptions:
    """The report's options from the request's body (the upload's, checked the same way)."""
    body = body or {}
    values = {"clientId": client_id, "title": body.get("title") or "",
              "reportTypes": ",".join(body.get("reportTypes") or []),
              "formats": ",".join(body.get("formats") or []),
              "baselineReportId": body.get("baselineReportId") or "",
              "notes": body.get("notes") or ""}
    return parse_options(values, default_title=f"Azure Advisor, {now:%Y-%m-%d}")


def subscriptions_of(storage: Storage, client_id: str,
                     visible: frozenset[str] | None) -> list[str]:
    """The subscriptions an import of the client reads: 404 for a client the caller may not
    see, 409 when it is inactive or lists none."""
    client = clients.get(storage, client_id, visible)
    clients.check_accepts_uploads(storage, client_id)
    if not client["subscriptionIds"]:
        raise ApiError(409, "NoSubscriptions", f"Client '{client_id}' lists no subscriptions to "
                       "import from: add them (PATCH /api/clients/{clientId} with "
                       "subscriptionIds) and import again.".replace("{clientId}", client_id),
                       target="subscriptionIds")
    return list(client["subscriptionIds"])


def stage(storage: Storage, client_id: str, body: dict[str, Any] | None,
          visible: frozenset[str] | None) -> dict[str, Any]:
    """The queued report of an import asked for through the API, and its job."""
    subscriptions = subscriptions_of(storage, client_id, visible)
    options = options_of(client_id, body, datetime.now(UTC))
    if options.baseline_report_id:
        reports.check_baseline(storage, {"clientId": client_id, "reportId": ""},
                               options.baseline_report_id)
    return intake.stage_azure_import(storage, options, subscriptions)
