"""Registers one Azure Function per API route, from the one declaration in api_registry.

Each function hands the request to the declared operation for its method; a catch-all route
answers unknown routes with 404 JSON and other methods of known routes with 405 JSON.
host.json's routePrefix is "" so that the web app can answer at the site root: every API
route is bound under `api/` here, so the API's URLs are those it always had.
"""

from __future__ import annotations

import re

import azure.durable_functions as df
import azure.functions as func

from shared.http.api import ROUTE_PREFIX, fallback
from triggers import (  # noqa: F401 - they register operations
    api_actions,
    api_analytics,
    api_audit,
    api_branding,
    api_bulk,
    api_clients,
    api_exclusions,
    api_imports,
    api_meta,
    api_report_artifacts,
    api_report_rows,
    api_reports,
    api_shares,
)
from triggers.api_registry import api

bp = df.Blueprint()


def _function_name(route: str) -> str:
    return "api_" + (re.sub(r"[^A-Za-z0-9]+", "_", route).strip("_") or "root")


def _register(route: str, methods: list[str], anonymous: bool) -> None:
    async def handle(req: func.HttpRequest, client: df.DurableOrchestrationClient):
        return await api.dispatch(route, req, client)

    handle.__name__ = _function_name(route)
    level = func.AuthLevel.ANONYMOUS if anonymous else func.AuthLevel.FUNCTION
    bp.function_name(handle.__name__)(
        bp.route(route=f"{ROUTE_PREFIX}/{route}", methods=methods, auth_level=level)(
            bp.durable_client_input(client_name="client")(handle)))


for _route, _ops in api.routes().items():
    _register(_route, sorted({op.method for op in _ops}),
              anonymous=all(op.role is None for op in _ops))


@bp.function_name("api_fallback")
@bp.route(route=ROUTE_PREFIX + "/{*path}", auth_level=func.AuthLevel.ANONYMOUS)  # every method
def api_fallback(req: func.HttpRequest) -> func.HttpResponse:
    return fallback(api, req)
