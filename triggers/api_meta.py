"""HTTP API: health, the OpenAPI document and a page to browse it (all anonymous)."""

from __future__ import annotations

import importlib.resources
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from functools import lru_cache

from shared.http.api import Call, Reply
from shared.http.errors import ApiError
from shared.http.responses import error_body
from shared.http.schemas import ref
from shared.settings import get_settings
from shared.storage.factory import StorageClients, build_clients
from triggers.api_registry import api

TAG = "Service"
_ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript",
           "favicon-32x32.png": "image/png"}


HEALTH_DEADLINE_SECONDS = 1.5  # an answer within 2 s, whatever storage does
_probes = ThreadPoolExecutor(max_workers=6, thread_name_prefix="health")
log = logging.getLogger(__name__)


def _probe(name: str, check: Callable[[], object]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        check()
        status, error = "up", None
    except Exception as exc:  # any failure means "down"; the details go to the log only
        log.warning("Health check of %s storage failed: %s: %s", name, type(exc).__name__,
                    str(exc).splitlines()[0][:300] if str(exc) else "")
        status, error = "down", "unreachable or refused the request"
    result: dict[str, object] = {"status": status,
                                 "responseTimeMs": round((time.perf_counter() - started) * 1000, 1)}
    if error:
        result["error"] = error
    return result


def check_storage(clients: StorageClients,
                  deadline: float = HEALTH_DEADLINE_SECONDS) -> dict[str, dict[str, object]]:
    """Blob, table and queue probed side by side; one that has not answered by the deadline
    is reported down (an anonymous caller learns what is down, never the storage's own text)."""
    checks = {
        "blob": lambda: next(iter(clients.blob.list_containers(results_per_page=1)), None),
        "table": lambda: next(iter(clients.table.list_tables(results_per_page=1)), None),
        "queue": lambda: next(iter(clients.queue.list_queues(results_per_page=1)), None),
    }
    futures = {name: _probes.submit(_probe, name, check) for name, check in checks.items()}
    wait(futures.values(), timeout=deadline)
    return {name: future.result() if future.done() else
            {"status": "down", "responseTimeMs": round(deadline * 1000, 1),
             "error": f"no answer within {deadline:g} s"}
            for name, future in futures.items()}


@lru_cache(maxsize=1)
def _health_clients() -> StorageClients:
    # No retries and short timeouts: a health check must answer quickly when storage is down.
    return build_clients(get_settings().storage_connection, retry_total=0,
                         connection_timeout=1, read_timeout=2)


@api.operation(
    "GET", "health", operation_id="getHealth", role=None, tag=TAG,
    summary="Can the app reach its blob, table and queue storage? 200 or 503",
    responses={200: ("Healthy", ref("Health")), 503: ("Something is down", ref("Health"))})
def health(call: Call) -> Reply:
    checks = check_storage(_health_clients())
    down = sorted(name for name, result in checks.items() if result["status"] != "up")
    if down:
        body = error_body("StorageUnavailable", f"Storage is unreachable: {', '.join(down)}.",
                          details=[{"code": "Down", "target": n,
                                    "message": f"{n} storage: {checks[n]['error']}"}
                                   for n in down])
        return Reply(503, {**body, "status": "unhealthy", "checks": checks})
    return Reply(200, {"status": "healthy", "checks": checks})


@api.operation(
    "GET", "openapi.json", operation_id="getOpenApi", role=None, tag=TAG,
    summary="This API's OpenAPI 3.1 document",
    responses={200: ("The document", {"type": "object"})})
def openapi_document(call: Call) -> Reply:
    return Reply(200, api.openapi(server=call.api_base))


_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Advisor Reports API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="docs/favicon-32x32.png">
<link rel="stylesheet" href="docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  persistAuthorization: true});
</script></body></html>
"""


@api.operation(
    "GET", "docs", operation_id="getDocs", role=None, tag=TAG,
    summary="Browse this API (Swagger UI, served from the swagger-ui-py package, no CDN)",
    responses={200: ("An HTML page", {"x-content-type": "text/html", "type": "string"})})
def docs(call: Call) -> Reply:
    return Reply(200, raw=_DOCS_PAGE.encode(), headers={
        "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"})


@lru_cache(maxsize=len(_ASSETS))
def _asset(name: str) -> bytes:
    return (importlib.resources.files("swagger_ui") / "static" / name).read_bytes()


@api.operation(
    "GET", "docs/{asset}", operation_id="getDocsAsset", role=None, tag=TAG,
    summary="Files of the docs page",
    responses={200: ("A file", {"x-content-type": "application/octet-stream",
                                "type": "string"})})
def docs_asset(call: Call) -> Reply:
    name = call.route["asset"]
    if name not in _ASSETS:
        raise ApiError(404, "NotFound", f"No docs file named {name[:60]!r}.", target="asset")
    return Reply(200, raw=_asset(name), headers={"Content-Type": _ASSETS[name],
                                                 "Cache-Control": "public, max-age=86400"})
