"""A client: its reports over time, uploading an export, its details, branding and exclusions."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import azure.functions as func

from web.app import Page, WebError, redirect, site

SUBSCRIPTION = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
EXCLUSION_MATCH = ("recommendation", "category", "subscriptionId", "resourceGroup",
                   "resourceIdPrefix", "resourceType")


def _json(body: dict[str, Any]) -> dict[str, Any]:
    return {"body": json.dumps(body).encode(), "content_type": "application/json"}


async def _ok(answer_coro: Any, what: str) -> Any:
    answer = await answer_coro
    if not answer.ok:
        raise WebError.from_answer(answer, what)
    return answer.json() if answer.body else None


@site.page("clients/{clientId}")
async def client_page(page: Page) -> func.HttpResponse:
    cid = {"clientId": page.route["clientId"]}
    client = await page.get("clients/{clientId}", "The client", **cid)
    listing, stats, rules, actions = await asyncio.gather(
        page.api("GET", "reports", params={"clientId": cid["clientId"], "pageSize": 100}),
        page.api("GET", "clients/{clientId}/statistics", cid),
        page.api("GET", "clients/{clientId}/exclusions", cid, params={"pageSize": 100}),
        page.api("GET", "clients/{clientId}/actions", cid, params={"pageSize": 100}))
    return page.html("client.html", client=client,
                     reports=listing.json()["results"] if listing.ok else [],
                     trend=(stats.json() or {}).get("trend", []) if stats.ok else [],
                     left_out=(stats.json() or {}).get("leftOut", []) if stats.ok else [],
                     rules=rules.json()["results"] if rules.ok else [],
                     actions=actions.json() if actions.ok else None)


@site.page("clients/{clientId}/upload", methods=("POST",))
async def upload(page: Page) -> func.HttpResponse:
    """The export goes to the API's upload as it came (multipart, field "file")."""
    client_id = page.route["clientId"]
    params = {"clientId": client_id, "title": page.form.get("title", "").strip(),
              "formats": ",".join(f for f in ("html", "pdf", "xlsx", "pptx")
                                  if page.form.get(f"format-{f}")) or None}
    # As sent: the API checks the body's encoding and size itself (a compressed body: 415).
    passed = {k: v for k in ("Content-Encoding", "Transfer-Encoding")
              if (v := page.req.headers.get(k))}
    answer = await page.api("POST", "reports", params=params, body=page.req.get_body(),
                            content_type=page.req.headers.get("Content-Type"), headers=passed)
    if page.wants_json():  # the page's script shows progress and errors itself
        body = answer.json() or {}
        if answer.ok:
            body = {"reportId": body["reportId"], "page": f"/reports/{body['reportId']}",
                    "progress": f"/reports/{body['reportId']}/progress"}
        return func.HttpResponse(json.dumps(body), status_code=answer.status,
                                 mimetype="application/json")
    if not answer.ok:
        raise WebError.from_answer(answer, "The upload")
    return redirect(f"/reports/{answer.json()['reportId']}")


@site.page("clients/{clientId}/details", methods=("POST",))
async def edit_client(page: Page) -> func.HttpResponse:
    form = page.form
    subscriptions = SUBSCRIPTION.findall(form.get("subscriptionIds", ""))
    accent = None if form.get("accentDefault") else (form.get("accentColor") or None)
    body: dict[str, Any] = {"name": form.get("name", "").strip(),
                            "notes": form.get("notes", "").strip(),
                            "subscriptionIds": list(dict.fromkeys(s.lower()
                                                                  for s in subscriptions)),
                            "accentColor": accent,
                            "importSchedule": _schedule(form)}
    await _ok(page.api("PATCH", "clients/{clientId}", page.route, **_json(body)),
              "Saving the client")
    return redirect(f"/clients/{page.route['clientId']}", notice="client-saved")


def _schedule(form: dict[str, str]) -> dict[str, Any] | None:
    """The monthly import schedule of the details form (the API checks the day and hour)."""
    if not form.get("scheduleOn"):
        return None
    try:
        return {"frequency": "monthly", "day": int(form.get("scheduleDay") or 1),
                "hour": int(form.get("scheduleHour") or 0)}
    except ValueError:
        raise WebError(400, "Check what you sent", "Choose the schedule's day and hour from "
                       "the lists.") from None


@site.page("clients/{clientId}/import", methods=("POST",))
async def import_now(page: Page) -> func.HttpResponse:
    """An import from Azure, through the API's; then the report's page shows its progress."""
    accepted = await _ok(page.api("POST", "clients/{clientId}/imports", page.route),
                         "The import")
    return redirect(f"/reports/{accepted['reportId']}")


@site.page("clients/{clientId}/logo", methods=("GET", "POST"))
async def logo(page: Page) -> func.HttpResponse:
    if page.req.method.upper() in ("GET", "HEAD"):
        answer = await page.api("GET", "clients/{clientId}/logo", page.route)
        if not answer.ok:
            raise WebError.from_answer(answer, "The logo")
        return func.HttpResponse(answer.body, headers={
            "Content-Type": answer.headers.get("Content-Type", "image/png"),
            "Cache-Control": "private, max-age=0"})
    if page.form.get("remove"):
        await _ok(page.api("DELETE", "clients/{clientId}/logo", page.route), "Removing the logo")
        return redirect(f"/clients/{page.route['clientId']}", notice="logo-removed")
    upload = page.req.files.get("logo")
    if upload is None or not upload.filename:
        raise WebError(400, "Check what you sent", "Choose a PNG or JPEG file for the logo.")
    data = upload.read()
    await _ok(page.api("PUT", "clients/{clientId}/logo", page.route, body=data,
                       content_type=upload.content_type or "application/octet-stream"),
              "Saving the logo")
    return redirect(f"/clients/{page.route['clientId']}", notice="logo-saved")


@site.page("clients/{clientId}/exclusions", methods=("POST",))
async def add_exclusion(page: Page) -> func.HttpResponse:
    form = page.form
    body: dict[str, Any] = {"reason": form.get("reason", "").strip(),
                            "kind": form.get("kind", "accepted-risk")}
    field = form.get("field", "recommendation")
    value = form.get("value", "").strip()
    if field in EXCLUSION_MATCH and value:
        body[field] = value
    if form.get("expiresAt"):
        body["expiresAt"] = form["expiresAt"]
    await _ok(page.api("POST", "clients/{clientId}/exclusions", page.route, **_json(body)),
              "Adding the exclusion")
    return redirect(f"/clients/{page.route['clientId']}", notice="exclusion-added")


@site.page("clients/{clientId}/exclusions/{ruleId}/delete", methods=("POST",))
async def remove_exclusion(page: Page) -> func.HttpResponse:
    await _ok(page.api("DELETE", "clients/{clientId}/exclusions/{ruleId}", page.route),
              "Removing the exclusion")
    return redirect(f"/clients/{page.route['clientId']}", notice="exclusion-removed")
