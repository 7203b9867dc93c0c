"""HTTP API: what a report's rows say: statistics, recommendations (filtered, paged), the
action plan and the changes since its baseline."""

from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError

from shared.advisor.model import CATEGORIES, IMPACTS
from shared.http.api import Call, Param, Reply
from shared.http.auth import READER
from shared.http.errors import ApiError
from shared.http.paging import page_of
from shared.http.schemas import ref
from shared.services import reports
from shared.storage.context import get_storage
from triggers.api_registry import api
from triggers.api_reports import TAG, _report


@api.operation(
    "GET", "reports/{reportId}/statistics", operation_id="getReportStatistics", role=READER,
    tag=TAG, summary="Totals, by category, impact, subscription, resource type; savings per "
                     "currency (with the overlap caveat); retirements",
    responses={200: ("Statistics", ref("Statistics")),
               409: ("Not computed yet", ref("Error"))})
def get_statistics(call: Call) -> Reply:
    return Reply(200, reports.statistics(get_storage(), _report(call)))


@api.operation(
    "GET", "reports/{reportId}/recommendations", operation_id="listRecommendations",
    role=READER, tag=TAG, paged=True,
    summary="A report's recommendations, by impact then savings; filters combine with AND",
    query=(Param("category", enum=CATEGORIES, many=True),
           Param("impact", enum=IMPACTS, many=True), Param("subscriptionId"),
           Param("resourceGroup"), Param("resourceType"),
           Param("search", description="Text in the recommendation, resource or benefit."),
           Param("excluded", "boolean", description="true: only the rows an exclusion rule "
                                                    "took out of the figures; false: the rest.")),
    responses={200: ("A page of recommendations", ref("RecommendationPage")),
               409: ("Not stored yet", ref("Error"))})
def list_recommendations(call: Call) -> Reply:
    report = _report(call)
    if report.get("status") != "completed" and not report.get("totals"):
        raise ApiError(409, "NotReady", "The recommendations of this report are not stored "
                       "yet.", target="reportId")
    q = call.query
    filters = {k: v for k, v in q.items() if k not in ("page", "pageSize")}
    try:
        rows = reports.query_recommendations(get_storage(), report, filters)
    except ResourceNotFoundError:
        raise ApiError(409, "NotReady", "The recommendations of this report are not stored.",
                       target="reportId") from None
    page = page_of(rows, page=q["page"], page_size=q["pageSize"], url=call.url,
                   query=call.req.params, filters=filters)
    excluded = reports.excluded_by(get_storage(), report)
    page["results"] = [reports.recommendation_view(r, excluded.get(str(r.line)))
                       for r in page["results"]]
    return Reply(200, page)


@api.operation(
    "GET", "reports/{reportId}/actions", operation_id="listActions", role=READER, tag=TAG,
    paged=True, summary="The action plan: recommendations grouped, with the resources they "
                        "touch, savings and retirement; high impact first",
    query=(Param("category", enum=CATEGORIES, many=True),
           Param("impact", enum=IMPACTS, many=True)),
    responses={200: ("A page of actions", ref("ActionPage")),
               409: ("Not computed yet", ref("Error"))})
def list_actions(call: Call) -> Reply:
    q = call.query
    categories, impacts = set(q.get("category") or ()), set(q.get("impact") or ())
    plan = [a for a in reports.action_plan_of(get_storage(), _report(call))
            if (not categories or a["category"] in categories)
            and (not impacts or a["impact"] in impacts)]
    filters = {k: v for k, v in q.items() if k not in ("page", "pageSize")}
    return Reply(200, page_of(plan, page=q["page"], page_size=q["pageSize"], url=call.url,
                              query=call.req.params, filters=filters))


@api.operation(
    "GET", "reports/{reportId}/changes", operation_id="listChanges", role=READER, tag=TAG,
    paged=True, summary="What changed since the baseline report: counts, per category, "
                        "savings, and the new and resolved findings",
    query=(Param("change", enum=("new", "resolved")),),
    responses={200: ("The changes, with a page of findings", ref("ChangesPage")),
               409: ("Not computed yet", ref("Error"))})
def list_changes(call: Call) -> Reply:
    q, storage, report = call.query, get_storage(), _report(call)
    changes = reports.changes_of(storage, report)
    items = reports.change_items(storage, report, changes, q.get("change"))
    filters = {k: v for k, v in q.items() if k not in ("page", "pageSize")}
    page = page_of(items, page=q["page"], page_size=q["pageSize"], url=call.url,
                   query=call.req.params, filters=filters)
    counts = changes["counts"] or {"new": 0, "resolved": 0, "persisting": 0}
    return Reply(200, {"baseline": changes["baseline"], "counts": counts,
                       "byCategory": changes["byCategory"],
                       "savingsByCurrency": changes["savingsByCurrency"], **page})
