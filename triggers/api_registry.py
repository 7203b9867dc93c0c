"""The one declaration of the HTTP API (handlers register themselves on it)."""

from shared import audit
from shared.http.api import Api, Outcome
from shared.http.schemas import SCHEMAS
from shared.storage.context import get_storage

api = Api(
    "Advisor Reports API", "1.0.0",
    "Upload Azure Advisor recommendation exports, follow their processing, browse the "
    "recommendations and download HTML and PDF reports. Every call but health and this "
    "document needs a function key (x-functions-key header or code query parameter). Errors "
    "follow the Azure REST API guidelines: {\"error\": {\"code\", \"message\", \"target\", "
    "\"details\"}}, with the x-request-id header.",
)
api.schemas.update(SCHEMAS)


def record_outcome(outcome: Outcome) -> None:
    """Every audited call that passed authentication: one entry, whatever its outcome."""
    who = outcome.principal
    # Secrets in the route (a share link's token) never reach the log.
    targets = {k: v for k, v in outcome.targets.items() if "token" not in k.lower()}
    storage = get_storage()
    if not targets.get("clientId") and targets.get("reportId"):
        # Refused before its handler looked the report up (a bad body): find its client.
        report = storage.reports.find(str(targets["reportId"]))
        if report:
            targets["clientId"] = report["clientId"]
    audit.record(storage, audit.AuditEntry(
        action=outcome.operation_id, actor="share link" if outcome.anonymous else who.name,
        actor_id="" if outcome.anonymous else who.id, targets=targets,
        request_id=outcome.request_id,
        outcome="succeeded" if outcome.status < 400 else "failed", status=outcome.status,
        detail=outcome.error_code, client_id=str(targets.get("clientId") or "")))


api.auditor = record_outcome
