"""A report: its figures, plan, changes and recommendations; its files; what can be done to it
(render again, retry, delete, share)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any
from urllib.parse import urlencode

import azure.functions as func

from shared.advisor.model import CATEGORIES, IMPACTS
from shared.http.auth import CONTRIBUTOR
from shared.services import reports
from shared.storage.context import get_storage
from web.app import Page, WebError, redirect, site

ROWS_PER_PAGE = 25
FILTERS = ("category", "impact", "subscriptionId", "resourceGroup", "search", "excluded")
CSV_COLUMNS = ("recommendation", "category", "impact", "subscriptionId", "subscriptionName",
               "resourceGroup", "resourceName", "resourceType", "potentialBenefits",
               "annualSavings", "currency", "retirementDate", "excluded", "resourceId")
# The HTML reports carry inline styles of their own and never need a script.
PREVIEW_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
               "frame-ancestors 'self'")


def _filters(query: dict[str, str]) -> dict[str, str]:
    return {k: query[k].strip()[:200] for k in FILTERS if query.get(k, "").strip()}


def _number(value: str | None, default: int = 1) -> int:
    try:
        return max(1, min(100_000, int(value or default)))
    except ValueError:
        return default


async def _answer(page: Page, route: str, **params: Any) -> Any:
    """JSON of a GET that may fairly be missing (not stored or computed: 404, 409): None then.
    Anything else that fails fails the page: a section silently left out would read as
    "nothing to show" (a first report, no shares)."""
    answer = await page.api("GET", route, {"reportId": page.route["reportId"]}, params=params)
    if answer.ok:
        return answer.json()
    if answer.status in (404, 409):
        return None
    raise WebError.from_answer(answer, "The report")


@site.page("reports/{reportId}")
async def report_page(page: Page) -> func.HttpResponse:
    report = await page.get("reports/{reportId}", "The report", **page.route)
    client = await page.api("GET", "clients/{clientId}", {"clientId": report["clientId"]})
    filters = _filters(page.query)
    number = _number(page.query.get("page"))
    done = report["status"] == "completed"
    stats = actions = changes = rows = shares = None
    if done:
        stats, actions, changes, rows, shares = await asyncio.gather(
            _answer(page, "reports/{reportId}/statistics"),
            _answer(page, "reports/{reportId}/actions", pageSize=10),
            _answer(page, "reports/{reportId}/changes", pageSize=10),
            page.api("GET", "reports/{reportId}/recommendations", page.route,
                     params={**filters, "page": number, "pageSize": ROWS_PER_PAGE}),
            _answer(page, "reports/{reportId}/shares") if page.can(CONTRIBUTOR)
            else asyncio.sleep(0))
        if not rows.ok and rows.status not in (404, 409):  # e.g. a filter the API refuses
            raise WebError.from_answer(rows, "Filtering the recommendations")
        rows = rows.json() if rows.ok else None
    previews = [a for a in report["artifacts"] if a["format"] == "html"]
    preview = page.query.get("preview", "")
    return page.html(
        "report.html", report=report, client_name=(client.json() or {}).get("name")
        if client.ok else report["clientId"], stats=stats, actions=actions, changes=changes,
        rows=rows, shares=shares, filters=filters, number=number, categories=CATEGORIES,
        impacts=IMPACTS, previews=previews,
        preview=preview if any(a["reportType"] == preview for a in previews) else "",
        csv_url=f"/reports/{report['reportId']}/recommendations.csv"
                + ("?" + urlencode(filters) if filters else ""),
        page_url=lambda n: f"/reports/{report['reportId']}?"
                           + urlencode({**filters, "page": n}) + "#recommendations")


@site.page("reports/{reportId}/progress")
async def progress(page: Page) -> func.HttpResponse:
    """The report's stage and percent for the page's script (and anyone polling)."""
    report = await page.get("reports/{reportId}", "The report", **page.route)
    body = {k: report[k] for k in ("reportId", "status", "stage", "progress", "errors",
                                   "warnings", "counts")}
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@site.page("reports/{reportId}/files/{artifact}")
async def artifact(page: Page) -> func.HttpResponse:
    """A file under the name the API gives it; ?preview=1 shows an HTML report in the page."""
    # The browser's Accept-Encoding passed on: an HTML report is stored compressed and the
    # browser inflates it (about a twentieth of the bytes over the wire).
    answer = await page.api("GET", "reports/{reportId}/artifacts/{artifact}", page.route,
                            headers={"Accept-Encoding": page.req.headers.get(
                                "Accept-Encoding") or ""})
    if not answer.ok:
        raise WebError.from_answer(answer, "The file")
    headers = {k: v for k, v in answer.headers.items()
               if k.lower() in ("content-type", "content-disposition", "etag",
                                "content-encoding", "vary")}
    if page.query.get("preview") and page.route["artifact"].endswith(".html"):
        headers["Content-Disposition"] = "inline"
        headers["Content-Security-Policy"] = PREVIEW_CSP
        headers["X-Frame-Options"] = "SAMEORIGIN"
    headers["Cache-Control"] = "private, no-store"
    return func.HttpResponse(answer.body, status_code=200, headers=headers)


def _csv_rows(report: dict[str, Any], filters: dict[str, Any]) -> bytes:
    storage = get_storage()
    rows = reports.query_recommendations(storage, report, filters)
    excluded = reports.excluded_by(storage, report)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for rec in rows:
        view = reports.recommendation_view(rec, excluded.get(str(rec.line)))
        writer.writerow([_cell(view.get(c)) for c in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # Excel reads UTF-8 with the BOM


def _cell(value: Any) -> str:
    """A spreadsheet must not take a cell for a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@site.page("reports/{reportId}/recommendations.csv")
async def recommendations_csv(page: Page) -> func.HttpResponse:
    """Every row of the current filter. The API's own page of one row checks the user may see
    the report and that the filters are valid; the rows then come from the same index."""
    filters = _filters(page.query)
    check = await page.api("GET", "reports/{reportId}/recommendations", page.route,
                           params={**filters, "pageSize": 1})
    if not check.ok:
        raise WebError.from_answer(check, "The recommendations")
    parsed = check.json().get("filtersApplied") or {}
    report = get_storage().reports.find(page.route["reportId"])
    data = await asyncio.to_thread(_csv_rows, report, parsed)
    name = f"recommendations-{page.route['reportId']}.csv"
    return func.HttpResponse(data, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"'})


# -- actions ----------------------------------------------------------------------------------


async def _act(page: Page, method: str, route: str, what: str,
               body: dict[str, Any] | None = None) -> Any:
    answer = await page.api(method, route, page.route,
                            body=json.dumps(body).encode() if body is not None else None,
                            content_type="application/json" if body is not None else None)
    if not answer.ok:
        raise WebError.from_answer(answer, what)
    return answer.json() if answer.body else None


@site.page("reports/{reportId}/render", methods=("POST",))
async def render_again(page: Page) -> func.HttpResponse:
    formats = [f for f in ("html", "pdf", "xlsx", "pptx") if page.form.get(f"format-{f}")]
    await _act(page, "POST", "reports/{reportId}/render", "Rendering again",
               {"formats": formats} if formats else {})
    return redirect(f"/reports/{page.route['reportId']}", notice="rendering")


@site.page("reports/{reportId}/comparable", methods=("POST",))
async def comparable(page: Page) -> func.HttpResponse:
    """Mark the report (not) for comparison: an incomplete export never becomes a baseline."""
    fit = page.form.get("comparable") == "true"
    await _act(page, "PATCH", "reports/{reportId}", "Marking the report", {"comparable": fit})
    return redirect(f"/reports/{page.route['reportId']}",
                    notice="comparable" if fit else "not-comparable")


@site.page("reports/{reportId}/retry", methods=("POST",))
async def retry(page: Page) -> func.HttpResponse:
    await _act(page, "POST", "reports/{reportId}/retry", "Retrying")
    return redirect(f"/reports/{page.route['reportId']}", notice="retrying")


@site.page("reports/{reportId}/delete", methods=("GET", "POST"))
async def delete(page: Page) -> func.HttpResponse:
    report = await page.get("reports/{reportId}", "The report", **page.route)
    if page.req.method.upper() in ("GET", "HEAD"):
        return page.html("confirm_delete.html", report=report)
    await _act(page, "DELETE", "reports/{reportId}", "Deleting the report")
    return redirect(f"/clients/{report['clientId']}", notice="report-deleted")


@site.page("reports/{reportId}/shares", methods=("POST",))
async def share(page: Page) -> func.HttpResponse:
    chosen = [{"type": t, "format": f} for t, _, f in
              (key.removeprefix("file-").partition(".") for key in page.form
               if key.startswith("file-"))]
    body: dict[str, Any] = {"artifacts": chosen,
                            "expiresInHours": _number(page.form.get("days"), 7) * 24}
    if page.form.get("maxDownloads", "").strip():
        body["maxDownloads"] = _number(page.form["maxDownloads"])
    created = await _act(page, "POST", "reports/{reportId}/shares", "Creating the link", body)
    report = await page.get("reports/{reportId}", "The report", **page.route)
    origin = page.req.url.split("/", 3)
    link = created["url"] if created["url"].startswith("http") else \
        f"{origin[0]}//{origin[2]}{created['url']}"
    return page.html("share_created.html", report=report, share=created, link=link)


@site.page("reports/{reportId}/shares/{shareId}/revoke", methods=("POST",))
async def revoke(page: Page) -> func.HttpResponse:
    await _act(page, "DELETE", "reports/{reportId}/shares/{shareId}", "Revoking the link")
    return redirect(f"/reports/{page.route['reportId']}", notice="share-revoked")
