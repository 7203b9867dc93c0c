"""Administration, for Reports.Admin only: the audit log and bulk actions on reports."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import azure.functions as func

from shared.http.auth import ADMIN
from web.app import Page, WebError, redirect, site

AUDIT_FILTERS = ("clientId", "actor", "action", "from", "to")


def _admin(page: Page) -> None:
    if not page.can(ADMIN):
        raise WebError(403, "Not allowed", "The administration pages need the role "
                       "Reports.Admin.")


@site.page("admin")
async def admin_page(page: Page) -> func.HttpResponse:
    _admin(page)
    filters = {k: page.query[k].strip()[:200] for k in AUDIT_FILTERS
               if page.query.get(k, "").strip()}
    try:
        number = max(1, min(100_000, int(page.query.get("page", "1"))))
    except ValueError:
        number = 1
    answer = await page.api("GET", "audit", params={**filters, "page": number, "pageSize": 50})
    if not answer.ok:
        raise WebError.from_answer(answer, "The audit log")
    bulk_id = page.query.get("bulk", "")
    bulk = None
    if bulk_id:
        found = await page.api("GET", "bulk/{bulkId}", {"bulkId": bulk_id})
        bulk = found.json() if found.status in (200, 202) else None
    partner = await page.get("branding", "The partner's branding")
    # The partner is on every client's reports: only an admin of every client changes it.
    every_client = page.principal.client_ids is None
    return page.html("admin.html", audit=answer.json(), filters=filters, number=number,
                     bulk=bulk, bulk_id=bulk_id, partner=partner,
                     every_client=every_client,
                     page_url=lambda n: "/admin?" + urlencode({**filters, "page": n}))


@site.page("admin/bulk", methods=("POST",))
async def bulk(page: Page) -> func.HttpResponse:
    _admin(page)
    ids = [i for i in page.form.get("reportIds", "").replace(",", " ").split() if i]
    body: dict[str, Any] = {"action": page.form.get("action", "")}
    if ids:
        body["reportIds"] = list(dict.fromkeys(ids))
    else:
        body["filter"] = {k: page.form[k].strip() for k in ("clientId", "status")
                          if page.form.get(k, "").strip()}
    answer = await page.api("POST", "reports/bulk", body=json.dumps(body).encode(),
                            content_type="application/json")
    if not answer.ok:
        raise WebError.from_answer(answer, "The bulk action")
    return redirect("/admin", bulk=answer.json()["bulkId"])


@site.page("admin/partner", methods=("POST",))
async def partner(page: Page) -> func.HttpResponse:
    """The partner (the firm delivering the reports): name, contact line and logo."""
    _admin(page)
    body = {"name": page.form.get("name", "").strip(), "contact": page.form.get("contact", "")
            .strip()}
    answer = await page.api("PATCH", "branding", body=json.dumps(body).encode(),
                            content_type="application/json")
    if not answer.ok:
        raise WebError.from_answer(answer, "Saving the partner")
    logo = page.req.files.get("logo")
    if logo is not None and logo.filename:
        answer = await page.api("PUT", "branding/logo", body=logo.read(),
                                content_type=logo.content_type or "application/octet-stream")
        if not answer.ok:
            raise WebError.from_answer(answer, "Saving the partner's logo")
    elif page.form.get("removeLogo"):
        answer = await page.api("DELETE", "branding/logo")
        if not answer.ok and answer.status != 404:
            raise WebError.from_answer(answer, "Removing the partner's logo")
    return redirect("/admin", notice="partner-saved")
