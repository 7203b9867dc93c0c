"""The one declaration of the HTTP API (handlers register themselves on it)."""

import logging

from opentelemetry import metrics

from shared.http import rate_limits
from shared.http.api import Api, Call, Operation, Outcome
from shared.http.errors import ApiError
from shared.http.schemas import SCHEMAS
from shared.services import audit, clients, shares
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
log = logging.getLogger("advisor_reports.api")


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


# An import is an upload the app fetches itself: the same limit.
_CLASSES = {"uploadReport": rate_limits.UPLOADS, "importFromAzure": rate_limits.UPLOADS,
            "importTrackedActions": rate_limits.UPLOADS,
            "renderReport": rate_limits.RENDERS, "retryReport": rate_limits.RENDERS,
            "bulkReports": rate_limits.RENDERS}
_LIMITS = {rate_limits.UPLOADS: "rate_limit_uploads", rate_limits.RENDERS: "rate_limit_renders",
           rate_limits.READS: "rate_limit_reads"}


def _too_many(what: str, limit: int, window: int, retry_after: int) -> ApiError:
    return ApiError(429, "TooManyRequests", f"Too many {what} requests: the limit is {limit} "
                    f"per {window} s for each caller; try again in {retry_after} s.",
                    headers={"Retry-After": str(retry_after)})


def _address(call: Call) -> str:
    return "ip:" + rate_limits.caller_address(call.req.headers.get("x-forwarded-for"))


def limit_call(op: Operation, call: Call) -> None:
    """429 with Retry-After when the caller is over its limit for the route's class (uploads;
    renders and retries; reads and everything else). Anonymous routes are not limited, but for
    share links: per address once it has failed RATE_LIMIT_SHARE_FAILURES times in a window
    (guessing links), then per link."""
    token = call.route.get("token")
    if op.role is None and not token:
        return
    storage = get_storage()
    settings = storage.settings
    if token:
        verdict = rate_limits.spent(storage.rate_limits, rate_limits.SHARE_FAILURES,
                                    _address(call), settings.rate_limit_share_failures,
                                    settings.rate_limit_window_seconds)
        if not verdict.allowed:
            raise _too_many("failed share link", settings.rate_limit_share_failures,
                            settings.rate_limit_window_seconds, verdict.retry_after)
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
        raise _too_many(route_class, limit, settings.rate_limit_window_seconds,
                        verdict.retry_after)


api.limiter = limit_call

# Anonymous failures are counted here (a metric, exported where telemetry is configured),
# not in the audit, which no anonymous caller may fill.
_failures = metrics.get_meter("advisor_reports.api").create_counter(
    "share_link_failures", unit="{request}",
    description="Anonymous share-link requests that failed (unknown, expired, revoked, used "
                "up, rate limited), by operation and status")


def count_anonymous_failure(op: Operation, call: Call, status: int) -> None:
    """A failed share-link request: one more in the metric and, unless it was refused for
    being over the limit already, against its address's limit."""
    _failures.add(1, {"operation": op.operation_id, "status": status})
    if status == 429:
        return
    storage = get_storage()
    settings = storage.settings
    verdict = rate_limits.check(storage.rate_limits, rate_limits.SHARE_FAILURES,
                                _address(call), settings.rate_limit_share_failures,
                                settings.rate_limit_window_seconds)
    if not verdict.allowed:
        log.warning("Share-link failures over the limit from one address (operation %s, "
                    "request %s)", op.operation_id, call.rid)


api.on_anonymous_failure = count_anonymous_failure


def client_in_route(call: Call) -> str:
    """The client the route names, if the caller may see it (else 404: existence stays
    private). The routes under a client (exclusions, actions) start here."""
    client_id = call.route["clientId"]
    clients.get(get_storage(), client_id, call.principal.client_ids)
    return client_id
