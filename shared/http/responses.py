"""JSON responses and the one error envelope (Azure REST API guidelines)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import azure.functions as func

from shared.http.negotiation import weighted

REQUEST_ID_HEADER = "x-request-id"


def request_id(req: func.HttpRequest | None = None) -> str:
    """The caller's x-request-id when it sent a usable one, else a new one."""
    if req is not None:
        given = req.headers.get(REQUEST_ID_HEADER)
        # Printable ASCII only: the id is repeated in log lines and the audit.
        if given and len(given) <= 128 and given.isascii() and given.isprintable():
            return given
    return str(uuid.uuid4())


def json_response(body: Any, status: int = 200, *, rid: str,
                  headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        mimetype="application/json",
        charset="utf-8",
        headers={REQUEST_ID_HEADER: rid, **(headers or {})},
    )


def error_body(code: str, message: str, *, target: str | None = None,
               details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if target:
        error["target"] = target
    if details:
        error["details"] = details
    return {"error": error}


def error_response(status: int, code: str, message: str, *, rid: str,
                   target: str | None = None, details: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> func.HttpResponse:
    return json_response(error_body(code, message, target=target, details=details), status,
                         rid=rid, headers=headers)


def _quality(ranges: list[tuple[str, float]], media_type: str) -> float:
    """The q an Accept header gives a media type: that of its most specific range."""
    major = media_type.split("/")[0]
    best, weight = 0, 0.0
    for media_range, q in ranges:
        specificity = {media_type: 3, f"{major}/*": 2, "*/*": 1}.get(media_range, 0)
        if specificity > best:
            best, weight = specificity, q
    return weight


def prefers_html(accept: str | None) -> bool:
    """True when an Accept header ranks text/html above application/json, as a browser
    opening a link does. A tie (`*/*`), no header or `application/json` keep the API's JSON,
    which scripts and the CLI read."""
    ranges = weighted(accept)
    return _quality(ranges, "text/html") > _quality(ranges, "application/json")
