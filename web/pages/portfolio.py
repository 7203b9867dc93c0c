"""The portfolio: every client the user may see, with its latest report and its direction."""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any
from urllib.parse import urlencode

import azure.functions as func

from shared.http.api import template_regex
from shared.services import clients, reports
from shared.storage.context import get_storage
from shared.storage.reports import is_comparable
from web.app import Page, WebError, redirect, site

PAGE_SIZE = 25


def _savings(report: dict[str, Any]) -> list[tuple[str, float]]:
    return [(s["currency"], s.get("estimatedAnnualSavings", s.get("annualSavings")) or 0.0)
            for s in (report.get("totals") or {}).get("savingsByCurrency", [])]


def _direction(latest: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any] | None:
    """How the latest completed report moved from the one before it."""
    if previous is None:
        return None
    now, then = latest["totals"], previous["totals"]
    before = dict(_savings(previous))
    return {"recommendations": now["recommendations"] - then["recommendations"],
            "highImpact": now["highImpact"] - then["highImpact"],
            "savings": [(currency, amount - before[currency])
                        for currency, amount in _savings(latest) if currency in before],
            "since": previous.get("title") or previous.get("exportDate") or ""}


def client_rows(storage: Any, visible: frozenset[str] | None, text: str,
                page: int) -> tuple[list[dict[str, Any]], int]:
    """A page of clients with their latest report, newest figures and direction."""
    found = clients.search(storage, text or None, None, visible)
    chosen = found[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    ids = frozenset(c["clientId"] for c in chosen)
    by_client: dict[str, list[dict[str, Any]]] = {}
    if ids:
        for report in reports.list_reports(
                storage, client_ids=ids, client_id=next(iter(ids)) if len(ids) == 1 else None,
                statuses=None, report_type=None, created_from=None, created_to=None):
            by_client.setdefault(report["clientId"], []).append(report)  # newest first
    rows = []
    for client in chosen:
        mine = by_client.get(client["clientId"], [])
        done = [r for r in mine if r.get("status") == "completed" and r.get("totals")]
        # Reports marked not for comparison are no client's figures (said on the page).
        left_out = sum(1 for r in done if not is_comparable(r))
        done = [r for r in done if is_comparable(r)]
        latest = done[0] if done else None
        rows.append({
            "client": client, "reports": len(mine), "newest": mine[0] if mine else None,
            "latest": latest, "savings": _savings(latest) if latest else [],
            "left_out": left_out,
            "direction": _direction(latest, done[1] if len(done) > 1 else None)
            if latest else None})
    return rows, len(found)


@site.page("{*path}")
async def home(page: Page) -> func.HttpResponse:
    path = page.route.get("path", "").strip("/")
    if path:
        allowed = sorted({m for p in site.pages if not p.route.startswith("{*")
                          and template_regex(p.route).match(path) for m in p.methods})
        if allowed:  # a page that takes other methods, e.g. a form's address opened
            raise WebError(405, "Not a page to open", "This address takes a form, not a "
                           "visit: go back to the page the form is on.",
                           headers={"Allow": ", ".join(allowed)})
        raise WebError(404, "Page not found", "There is no page at this address. Start from "
                       "the portfolio.")
    text = page.query.get("q", "").strip()[:100]
    try:
        number = max(1, min(10_000, int(page.query.get("page", "1"))))
    except ValueError:
        number = 1
    rows, total = await asyncio.to_thread(client_rows, get_storage(),
                                          page.principal.client_ids, text, number)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return page.html("portfolio.html", rows=rows, total=total, q=text, number=number,
                     pages=pages, page_url=lambda n: "/?" + urlencode({"q": text, "page": n}))


@site.page("clients", methods=("POST",))
async def create_client(page: Page) -> func.HttpResponse:
    body: dict[str, Any] = {"name": page.form.get("name", "").strip()}
    if page.form.get("clientId", "").strip():
        body["clientId"] = page.form["clientId"].strip()
    answer = await page.api("POST", "clients", body=json.dumps(body).encode(),
                            content_type="application/json")
    if not answer.ok:
        raise WebError.from_answer(answer, "Creating the client")
    return redirect(f"/clients/{answer.json()['clientId']}", notice="client-created")
