"""JSON responses and the one error envelope (Azure REST API guidelines)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import azure.functions as func

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
