"""Pages act through the API's own operations, in process: the same roles, client scope,
validation, rate limits and audit as a call to /api, with the signed-in user's principal."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import azure.functions as func

from shared.http.api import ROUTE_PREFIX, Api
from shared.http.auth import PRINCIPAL_HEADER, PRINCIPAL_ID_HEADER
from shared.http.responses import REQUEST_ID_HEADER


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    _json: Any = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        if self._json is None and self.body:
            self._json = json.loads(self.body)
        return self._json

    def error(self) -> dict[str, Any]:
        """The API's error envelope's inner object (code, message, target, details)."""
        try:
            return (self.json() or {}).get("error") or {}
        except ValueError:
            return {}


class Bridge:
    def __init__(self, api: Api) -> None:
        self.api = api

    async def call(self, page_req: func.HttpRequest, client: Any, rid: str, method: str,
                   route: str, route_params: dict[str, str] | None = None,
                   params: dict[str, Any] | None = None, body: bytes | None = None,
                   content_type: str | None = None,
                   headers: dict[str, str] | None = None) -> Answer:
        """Call the operation declared for `route` (the API's template, e.g.
        "reports/{reportId}") as the page's user."""
        route_params = route_params or {}
        path = route
        for name, value in route_params.items():
            path = path.replace("{" + name + "}", value)
        query = {k: str(v) for k, v in (params or {}).items() if v not in (None, "")}
        origin = page_req.url.split("/", 3)
        url = f"{origin[0]}//{origin[2]}/{ROUTE_PREFIX}/{path}"
        headers = {**(headers or {}), REQUEST_ID_HEADER: rid}
        for name in (PRINCIPAL_HEADER, PRINCIPAL_ID_HEADER):
            value = page_req.headers.get(name)
            if value:
                headers[name] = value
        if PRINCIPAL_HEADER not in headers:  # the API would take a keyless call as automation
            raise PermissionError("A page called the API without a signed-in user.")
        if content_type:
            headers["Content-Type"] = content_type
        if body is not None:
            headers["Content-Length"] = str(len(body))
        req = func.HttpRequest(method=method, url=url + ("?" + urlencode(query) if query else ""),
                               headers=headers, params=query, route_params=route_params,
                               body=body or b"")
        response = await self.api.dispatch(route, req, client)
        return Answer(response.status_code, dict(response.headers.items()), response.get_body())
