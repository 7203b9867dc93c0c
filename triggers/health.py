"""GET /api/health: can the app reach its blob, table and queue storage?"""

from __future__ import annotations

import time
from collections.abc import Callable

import azure.functions as func

from shared.http.responses import error_body, json_response, request_id
from shared.settings import get_settings
from shared.storage.factory import StorageClients, build_clients

bp = func.Blueprint()


def _probe(check: Callable[[], object]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        check()
        status, error = "up", None
    except Exception as exc:  # any failure means "down"; the reason goes into the answer
        status, error = "down", f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    result: dict[str, object] = {"status": status,
                                 "responseTimeMs": round((time.perf_counter() - started) * 1000, 1)}
    if error:
        result["error"] = error
    return result


def check_storage(clients: StorageClients) -> dict[str, dict[str, object]]:
    return {
        "blob": _probe(lambda: next(iter(clients.blob.list_containers(results_per_page=1)), None)),
        "table": _probe(lambda: next(iter(clients.table.list_tables(results_per_page=1)), None)),
        "queue": _probe(lambda: next(iter(clients.queue.list_queues(results_per_page=1)), None)),
    }


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    rid = request_id(req)
    # No retries and short timeouts: a health check must answer quickly when storage is down.
    clients = build_clients(get_settings().storage_connection, retry_total=0,
                            connection_timeout=2, read_timeout=5)
    checks = check_storage(clients)
    down = sorted(name for name, result in checks.items() if result["status"] != "up")
    if down:
        body = error_body("StorageUnavailable", f"Storage is unreachable: {', '.join(down)}.",
                          details=[{"code": "Down", "target": n, "message": checks[n]["error"]}
                                   for n in down])
        return json_response({**body, "status": "unhealthy", "checks": checks}, 503, rid=rid)
    return json_response({"status": "healthy", "checks": checks}, rid=rid)
