"""The one declaration of the HTTP API (handlers register themselves on it)."""

from shared.http import rate_limits
from shared.http.api import Api, Call, Operation, Outcome
from shared.http.errors import ApiError
from shared.http.schemas import SCHEMAS
from shared.services import audit, shares
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


_CLASSES = {"uploadReport": rate_limits.UPLOADS, "renderReport": rate_limits.RENDERS,
            "retryReport": rate_limits.RENDERS, "bulkReports": rate_limits.RENDERS}
_LIMITS = {rate_limits.UPLOADS: "rate_limit_uploads", rate_limits.RENDERS: "rate_limit_renders",
           rate_limits.READS: "rate_limit_reads"}


def limit_call(op: Operation, call: Call) -> None:
    """429 with Retry-After when the caller is over its limit for the route's class (uploads;
    renders and retries; reads and everything else). Anonymous routes are not limited, but for
    share links, counted per link."""
    token = call.route.get("token")
    if op.role is None and not token:
        return
    storage = get_storage()
    settings = storage.settings
    route_class = _CLASSES.get(op.operation_id, rate_limits.READS)
    limit = getattr(settings, _LIMITS[route_class])
    if token:
        caller = "share:" + shares.token_hash(token)[:16]
    else:
        caller = rate_limits.caller_key(
            call.principal.id, "" if call.principal.trusted_key else call.principal.name,
            call.req.headers.get("x-functions-key") or call.req.params.get("code") or "")
    verdict = rate_limits.check(storage.rate_limits, route_class, caller, limit,
                                settings.rate_limit_window_seconds)
    if not verdict.allowed:
        raise ApiError(429, "TooManyRequests", f"Too many {route_class} requests: the limit "
                       f"is {limit} per {settings.rate_limit_window_seconds} s for each "
                       f"caller; try again in {verdict.retry_after} s.",
                       headers={"Retry-After": str(verdict.retry_after)})


api.limiter = limit_call
