"""ApiError: a 4xx (or 5xx) with the one error envelope."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from shared.http.responses import error_response


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, target: str | None = None,
                 details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details
        self.headers = headers

    def response(self, rid: str) -> func.HttpResponse:
        return error_response(self.status, self.code, self.message, rid=rid,
                              target=self.target, details=self.details, headers=self.headers)


def not_found(what: str, target: str | None = None) -> ApiError:
    return ApiError(404, "NotFound", f"{what} was not found.", target=target)


def invalid(details: list[dict[str, Any]]) -> ApiError:
    """400 listing every bad field (details: code, target, message)."""
    if len(details) == 1:
        d = details[0]
        return ApiError(400, d["code"], d["message"], target=d.get("target"), details=details)
    return ApiError(400, "InvalidRequest",
                    f"{len(details)} values in the request are invalid: "
                    + "; ".join(d["message"] for d in details), details=details)
