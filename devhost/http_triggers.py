"""Serve the app's HTTP triggers: routing, auth levels, func.HttpRequest in, HttpResponse out."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import azure.functions as func
from aiohttp import web

from devhost import invoke
from devhost.functions import FunctionInfo
from devhost.keys import Keys
from devhost.routing import RouteTemplate
from shared.redaction import clean

log = logging.getLogger("devhost.http")


@dataclass(frozen=True)
class HttpRoute:
    info: FunctionInfo
    template: RouteTemplate
    methods: frozenset[str]
    auth_level: str


def build_routes(functions: list[FunctionInfo]) -> list[HttpRoute]:
    routes = []
    for info in functions:
        trigger = info.trigger
        template = RouteTemplate.compile(trigger.get("route") or info.name)
        methods = frozenset(m.upper() for m in (trigger.get("methods") or []))
        routes.append(HttpRoute(info, template, methods, trigger.get("authLevel", "FUNCTION")))
    return sorted(routes, key=lambda r: r.template.precedence)


# The Functions host refuses request bodies over FUNCTIONS_REQUEST_BODY_SIZE_LIMIT (bytes,
# default 100 MiB) before its worker sees them, and passes compressed bodies on as they came.
DEFAULT_BODY_LIMIT = 100 * 1024 * 1024


def body_limit() -> int:
    raw = os.environ.get("FUNCTIONS_REQUEST_BODY_SIZE_LIMIT", "")
    return int(raw) if raw.isdigit() else DEFAULT_BODY_LIMIT


async def read_body(request: web.Request, limit: int) -> bytes | None:
    """The body, read in chunks up to `limit`; None when it is larger (checked first from
    Content-Length, so an over-limit upload is refused before any of it is read)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(1024 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def presented_key(request: web.Request) -> str | None:
    """The header when it is sent, even empty (the host reads it first and does not fall
    back to ?code=), else the query's code."""
    if "x-functions-key" in request.headers:
        return request.headers["x-functions-key"]
    return request.query.get("code")


class HttpTriggers:
    def __init__(self, routes: list[HttpRoute], prefix: str, keys: Keys, workers: Executor,
                 client_binding: Callable[[], str]) -> None:
        self.routes = routes
        self.prefix = "/" + prefix if prefix else ""
        self.keys = keys
        self.workers = workers
        self.client_binding = client_binding

    def find(self, path: str, method: str) -> tuple[HttpRoute, dict[str, str]] | None:
        if self.prefix:
            if not (path == self.prefix or path.lower().startswith(self.prefix.lower() + "/")):
                return None
            path = path[len(self.prefix):]
        # HEAD is served by GET routes, as the Functions host does (the body is dropped).
        wanted = {method, "GET"} if method == "HEAD" else {method}
        for route in self.routes:
            params = route.template.match(path)
            if params is not None and (not route.methods or wanted & route.methods):
                return route, params
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        found = self.find(request.path, request.method)
        if found is None:
            return web.Response(status=404)
        route, params = found
        if not self.keys.allows(route.auth_level, presented_key(request)):
            return web.Response(status=401)
        body = await read_body(request, body_limit())
        if body is None:
            return web.Response(status=413, text="Request body too large")
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        # As App Service's front end: the caller's address appended to X-Forwarded-For.
        forwarded = next((k for k in headers if k.lower() == "x-forwarded-for"),
                         "X-Forwarded-For")
        peer = request.remote or "unknown"
        headers[forwarded] = f"{headers[forwarded]}, {peer}" if headers.get(forwarded) \
            else peer
        req = func.HttpRequest(
            method=request.method,
            url=str(request.url),
            headers=headers,
            params={k: v for k, v in request.query.items()},
            route_params=params,
            body=body,
        )
        kwargs = {route.info.trigger_param: req}
        if route.info.client_param:
            kwargs[route.info.client_param] = self.client_binding()
        try:
            # The path as a request line: redacted (share tokens) and escaped (a newline or
            # an ESC in a URL must not start or colour a line of the log).
            result = await invoke.call(route.info, kwargs, self.workers,
                                       detail=clean(f"{request.method} {request.path}", 300))
        except Exception:
            log.exception("Function '%s' failed", route.info.name)
            return web.Response(status=500)
        return to_aiohttp(result)


def to_aiohttp(result: object) -> web.Response:
    if isinstance(result, func.HttpResponse):
        headers = dict(result.headers.items())
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = f"{result.mimetype}; charset={result.charset}"
        return web.Response(status=result.status_code, body=result.get_body(), headers=headers)
    if result is None:
        return web.Response(status=204)
    body = result if isinstance(result, bytes) else str(result).encode("utf-8")
    return web.Response(status=200, body=body, content_type="text/plain")
