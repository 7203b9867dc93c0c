"""The pages' own CSS and script, with long caching (their URLs change with their content)."""

from __future__ import annotations

import azure.functions as func

from web import assets


def static_file(req: func.HttpRequest) -> func.HttpResponse:
    """Anonymous: the sign-in page and error pages use them too; nothing here is private."""
    found = assets.find(req.route_params.get("path", ""))
    if found is None:
        return func.HttpResponse("Not found", status_code=404, mimetype="text/plain",
                                 headers={"X-Content-Type-Options": "nosniff"})
    data, kind, etag = found
    headers = {"Content-Type": kind, "ETag": etag, "X-Content-Type-Options": "nosniff",
               "Cache-Control": "public, max-age=31536000, immutable"}
    if req.headers.get("If-None-Match") == etag:
        return func.HttpResponse(status_code=304, headers=headers)
    return func.HttpResponse(data, headers=headers)
