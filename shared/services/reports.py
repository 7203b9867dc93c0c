"""What the API does with reports beyond the pipeline: list, browse, delete, re-render, retry."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from shared.advisor.actions import action_plan
from shared.advisor.model import IMPACT_RANK, UNRANKED, Recommendation
from shared.advisor.row_table import RowTable
from shared.http.errors import ApiError
from shared.pipeline.baseline import baseline_of, is_baseline_for, store_changes
from shared.pipeline.failures import readable
from shared.pipeline.intake import SOURCE_AZURE, make_job, owns_upload
from shared.pipeline.json_blobs import LinesWindow, read_json
from shared.pipeline.report_rows import load_records, shards_of
from shared.rendering import file_names
from shared.services import shares
from shared.storage import layout
from shared.storage.context import Storage
from shared.storage.reports import (
    creation_order,
    is_comparable,
    is_deleted,
    iso,
    now_iso,
    parse_iso,
)
from shared.storage.tables import odata_quote

IN_PROGRESS = ("queued", "processing")
RUNNING = ("Running", "Pending", "Suspended", "ContinuedAsNew")  # Durable runtime statuses
NOT_STARTED_GRACE = timedelta(minutes=5)  # a queued report's orchestration starts well before
MAX_ATTEMPTS = 5


# What a report's file name is made of (file_names.download_name), read for its siblings.
_NAMING = ["title", "fileName", "exportDate", "createdAt", "createdNs", "status", "deletedAt"]


def download_name(storage: Storage, report: dict[str, Any], report_type: str, fmt: str) -> str:
    """The name a report's file is downloaded under: the client's name, the type and the
    review, unique among the client's reports (read at each download: names follow the
    client's renames and its reports' titles)."""
    client = storage.client_records.get(report["clientId"]) or {}
    siblings = storage.reports.list(f"PartitionKey eq {odata_quote(report['clientId'])}",
                                    select=_NAMING)
    return file_names.download_name(report, client.get("name") or report["clientId"],
                                    report_type, fmt, siblings)


def list_reports(storage: Storage, *, client_ids: frozenset[str] | None, client_id: str | None,
                 statuses: list[str] | None, report_type: str | None,
                 created_from: datetime | None, created_to: datetime | None) -> list[dict]:
    clauses = []
    if client_id:
        clauses.append(f"PartitionKey eq {odata_quote(client_id)}")
    if created_from:
        clauses.append(f"createdAt ge {odata_quote(iso(created_from))}")
    if created_to:
        clauses.append(f"createdAt le {odata_quote(iso(created_to))}")
    rows = storage.reports.list(" and ".join(clauses))
    rows = [r for r in rows
            if not is_deleted(r) and (client_ids is None or r["clientId"] in client_ids)
            and (not statuses or r.get("status") in statuses)
            and (not report_type or report_type in (r.get("reportTypes") or []))]
    rows.sort(key=creation_order, reverse=True)
    return rows


# -- recommendations: served from the report's staged rows, kept in memory while in use ------


class _Indexed:
    """A report's rows in API order (impact, then savings, then line), held by column (see
    RowTable): about 85 bytes a row where the rows and a search text of each took about 800
    (and a worker keeps four reports). Filters are views of positions, worked out once per
    distinct value for the fields whose values repeat."""

    SEARCHES = 8  # texts searched for lately, their rows kept (4 bytes a row each)

    def __init__(self, records: RowTable, excluded: dict[str, str]) -> None:
        self.excluded = excluded  # line (as text) -> the rule that excluded the row
        self.records = records.sorted_by("line") \
            .sorted_by("annual_savings", lambda amount: -(amount or 0)) \
            .sorted_by("impact", lambda impact: IMPACT_RANK.get(impact, UNRANKED))
        self._searches: dict[str, RowTable] = {}

    def search(self, needle: str) -> RowTable:
        """The rows whose texts hold `needle` (casefolded). A search looks at every row's own
        name and id (50,000 rows: about 80 ms), and a caller pages through its results: the
        rows found are kept for the next pages."""
        found = self._searches.get(needle)
        if found is None:
            found = self.records.where_rows(_mentions(needle))
            if len(self._searches) >= self.SEARCHES:
                self._searches.pop(next(iter(self._searches)), None)
            self._searches[needle] = found
        return found


@lru_cache(maxsize=4)
def _indexed(storage: Storage, client_id: str, report_id: str, shards: int,
             version: str) -> _Indexed:
    # `version` changes when the report is processed or rendered again: no stale copy.
    exclusions = read_json(storage.artifacts,
                           layout.exclusions_blob_name(client_id, report_id)) or {}
    return _Indexed(load_records(storage, client_id, report_id, shards),
                    exclusions.get("excluded") or {})


def _index_of(storage: Storage, report: dict[str, Any]) -> _Indexed:
    # Processing (startedAt) or re-rendering (completedAt) again changes the key.
    return _indexed(storage, report["clientId"], report["reportId"], shards_of(storage, report),
                    f"{report.get('startedAt')}|{report.get('completedAt')}")


def _mentions(needle: str) -> Callable[[Recommendation], bool]:
    """Whether a row's texts (recommendation, resource name and id, type, benefits, solution)
    hold `needle` (casefolded), each text on its own. The texts that repeat from row to row
    are looked at once each; a resource's own name and id on every row."""
    known: dict[str, bool] = {}

    def holds(text: str) -> bool:
        found = known.get(text)
        if found is None:
            found = known[text] = needle in text.casefold()
        return found

    def test(rec: Recommendation) -> bool:
        return (holds(rec.recommendation) or holds(rec.resource_type)
                or holds(rec.potential_benefits) or holds(rec.solution)
                or needle in rec.resource_name.casefold()
                or needle in rec.resource_id.casefold())
    return test


def _same_folded(wanted: str) -> Callable[[str], bool]:
    folded = wanted.casefold()
    return lambda value: value.casefold() == folded


def query_recommendations(storage: Storage, report: dict[str, Any],
                          filters: dict[str, Any]) -> Sequence[Recommendation]:
    """Rows of one report matching every filter given (AND)."""
    return matching(_index_of(storage, report), filters)


def matching(index: _Indexed, filters: dict[str, Any]) -> Sequence[Recommendation]:
    """The index's rows matching every filter given (AND), in API order."""
    needle = (filters.get("search") or "").casefold()
    rows = index.search(needle) if needle else index.records
    excluded = filters.get("excluded")
    if excluded is not None:
        rows = rows.where("line", lambda line: (str(line) in index.excluded) == excluded)
    for field, wanted in (("category", filters.get("category")),
                          ("impact", filters.get("impact"))):
        if wanted:
            rows = rows.where(field, set(wanted).__contains__)
    for field, wanted in (("subscription_id", filters.get("subscriptionId")),
                          ("resource_group", filters.get("resourceGroup")),
                          ("resource_type", filters.get("resourceType"))):
        if wanted:
            rows = rows.where(field, _same_folded(wanted))
    return rows


def excluded_by(storage: Storage, report: dict[str, Any]) -> dict[str, str]:
    """Line (as text) -> the exclusion rule that took the row out of the figures."""
    return _index_of(storage, report).excluded


def recommendation_view(rec: Recommendation, excluded_by: str | None = None) -> dict[str, Any]:
    return {
        "excluded": excluded_by is not None, "exclusionRuleId": excluded_by,
        "line": rec.line, "recommendation": rec.recommendation, "category": rec.category,
        "impact": rec.impact, "subscriptionId": rec.subscription_id,
        "subscriptionName": rec.subscription_name, "resourceGroup": rec.resource_group,
        "resourceName": rec.resource_name, "resourceType": rec.resource_type,
        "resourceId": rec.resource_id, "updated": rec.updated,
        "potentialBenefits": rec.potential_benefits,
        "annualSavings": float(rec.annual_savings) if rec.annual_savings is not None else None,
        "currency": rec.currency, "retirementDate": rec.retirement_date,
        "retiringFeature": rec.retiring_feature,
        "descriptionOfChanges": rec.description_of_changes, "solution": rec.solution,
        "recommendationTypeId": rec.recommendation_type_id,
        "learnMoreLink": rec.learn_more_link, "extra": rec.extra,
    }


def action_plan_of(storage: Storage, report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's stored action plan (computed from its rows for reports made before it
    was stored)."""
    plan = read_json(storage.artifacts,
                     layout.actions_blob_name(report["clientId"], report["reportId"]))
    if plan is None:
        _check_has_data(report)
        plan = action_plan(load_records(storage, report["clientId"], report["reportId"],
                                        shards_of(storage, report)))
    return plan


def changes_of(storage: Storage, report: dict[str, Any]) -> dict[str, Any]:
    """The report's stored changes since its baseline, computed (once) when missing: their
    figures (and, kept before the list had its own blob, every change as "results")."""
    name = layout.changes_blob_name(report["clientId"], report["reportId"])
    changes = read_json(storage.artifacts, name)
    if changes is None:
        _check_has_data(report)
        fields = store_changes(storage, report)
        storage.reports.update(report["clientId"], report["reportId"], fields)
        changes = read_json(storage.artifacts, name)
    return changes


def change_items(storage: Storage, report: dict[str, Any], changes: dict[str, Any],
                 change: str | None = None) -> Sequence[dict[str, Any]]:
    """The new and resolved findings (or those of one `change`) in the changes' order (new
    first), read a page at a time from their JSON Lines: a page holds a page of them, not
    the 200,000 a large report may have."""
    if "results" in changes:  # kept whole in the changes' blob by an older summary
        return [i for i in changes["results"] if not change or i["change"] == change]
    counts = changes.get("counts") or {"new": 0, "resolved": 0}
    start = counts["new"] if change == "resolved" else 0
    size = counts.get(change, 0) if change else counts["new"] + counts["resolved"]
    name = layout.change_items_blob_name(report["clientId"], report["reportId"])
    return LinesWindow(storage.artifacts, name, start, size)


def _check_has_data(report: dict[str, Any]) -> None:
    if not report.get("totals"):
        raise ApiError(409, "NotReady", "This report's recommendations are not validated "
                       "yet: try again when it has been processed.", target="reportId")


def check_baseline(storage: Storage, report: dict[str, Any], baseline_id: str) -> None:
    """A baseline must be another completed report of the same client (400 otherwise)."""
    found = storage.reports.find(baseline_id)
    if found is None or found["clientId"] != report["clientId"] or is_deleted(found):
        raise ApiError(400, "InvalidBaseline", f"baselineReportId: client "
                       f"'{report['clientId']}' has no report '{baseline_id}'.",
                       target="baselineReportId")
    if not is_comparable(found):
        raise ApiError(400, "InvalidBaseline", f"baselineReportId: report '{baseline_id}' is "
                       "marked not for comparison; choose another, or mark it for comparison "
                       "again (comparable: true).", target="baselineReportId")
    if not is_baseline_for(found, report):
        raise ApiError(400, "InvalidBaseline", f"baselineReportId: report '{baseline_id}' "
                       f"cannot be the baseline: it is {found.get('status')}"
                       + (" and is this report" if baseline_id == report["reportId"] else "")
                       + "; choose a completed earlier report.", target="baselineReportId")


def compare_later_again(storage: Storage, report: dict[str, Any]) -> list[str]:
    """After a report was marked fit or not fit for comparison: compare again the client's
    later reports whose baseline that changes (a report marked not for comparison stops being
    theirs; one marked fit again may become it). Their files show it once rendered again.
    The ids of the reports compared again."""
    later = [r for r in storage.reports.list(f"PartitionKey eq {odata_quote(report['clientId'])}")
             if not is_deleted(r) and r.get("totals") and r["reportId"] != report["reportId"]
             and creation_order(r) > creation_order(report)]
    again = []
    for other in sorted(later, key=creation_order):
        chosen = baseline_of(storage, other)
        if (chosen or {}).get("reportId") != (other.get("baseline") or {}).get("reportId"):
            storage.reports.update(other["clientId"], other["reportId"],
                                   store_changes(storage, other))
            again.append(other["reportId"])
    return again


def statistics(storage: Storage, report: dict[str, Any]) -> dict[str, Any]:
    name = layout.statistics_blob_name(report["clientId"], report["reportId"])
    try:
        return json.loads(storage.artifacts.get_blob_client(name).download_blob().readall())
    except ResourceNotFoundError:
        raise ApiError(409, "NotReady", "The statistics of this report are not ready yet: "
                       "they are computed while it is processed.",
                       target="reportId") from None


# -- reports whose orchestration ended without saying so ---------------------------------------


def stopped_reason(report: dict[str, Any], runtime_status: str | None, output: Any,
                   instance_created: datetime | None, now: datetime) -> str | None:
    """Why an in-progress report will never finish, or None while it still may.

    The orchestration marks its report failed itself, except when it was terminated (nothing
    of the orchestrator runs then) or never started (the host stopped between writing the
    report row and starting it). `runtime_status` is None when no instance exists; an
    instance created before the report was last queued (`queuedAt`: a retry or re-render)
    is the previous run's.
    """
    if report.get("status") not in IN_PROGRESS:
        return None
    queued = parse_iso(report.get("queuedAt") or report.get("createdAt"))
    previous_run = instance_created is not None and queued is not None \
        and instance_created < queued - timedelta(seconds=1)
    if runtime_status is None or previous_run:
        if queued is not None and now - queued < NOT_STARTED_GRACE:
            return None
        return "Processing never started; retry the report."
    if runtime_status in RUNNING:
        return None
    if runtime_status == "Terminated":
        return f"Processing was stopped (terminated: {output or 'no reason given'}); retry " \
               "the report."
    if runtime_status in ("Failed", "Canceled"):
        return f"Processing failed: {readable(str(output or runtime_status))[:500]}"
    return None  # Completed: finalize_report has written (or is writing) the outcome


def mark_stopped(storage: Storage, report: dict[str, Any], reason: str) -> dict[str, Any]:
    fields = {"status": "failed", "failureReason": reason, "completedAt": now_iso()}
    storage.reports.update(report["clientId"], report["reportId"], fields)
    return {**report, **fields}


# -- changes ---------------------------------------------------------------------------------


def delete_report_data(storage: Storage, report: dict[str, Any]) -> None:
    """The report's rows, its blobs (data, statistics, artifacts) and its upload."""
    client_id, report_id = report["clientId"], report["reportId"]
    storage.recommendations.delete_report(report_id, shards_of(storage, report))
    for blob in storage.artifacts.list_blobs(
            name_starts_with=layout.report_prefix(client_id, report_id)):
        storage.artifacts.delete_blob(blob.name)
    if owns_upload(report):  # never a file the user dropped, which other reports may need
        with contextlib.suppress(ResourceNotFoundError):
            storage.uploads.delete_blob(report["uploadBlob"])
    shares.delete_all(storage, report_id)
    storage.reports.delete(client_id, report_id)
    _indexed.cache_clear()


def job_for(storage: Storage, report: dict[str, Any], report_types: list[str] | None = None,
            formats: list[str] | None = None, appendix: str | None = None) -> dict[str, Any]:
    """The orchestration input for an existing report (its own appendix choice unless one
    is given)."""
    imported = report.get("source") == SOURCE_AZURE  # an import fetches again when retried
    job = make_job(
        storage, report["reportId"], report["clientId"], report["uploadBlob"],
        report_types or report.get("reportTypes") or [], formats or report.get("formats") or [],
        appendix or report.get("appendix") or layout.DEFAULT_APPENDIX,
        subscriptions=len(report.get("importSubscriptions") or []) if imported else 0)
    return {**job, "shards": shards_of(storage, report)}  # as it was staged


def check_can_change(report: dict[str, Any], action: str) -> None:
    if report.get("status") in IN_PROGRESS:
        raise ApiError(409, "ReportInProgress", f"The report is still being processed; "
                       f"{action} it when it has finished.", target="reportId")


def check_can_render(report: dict[str, Any]) -> None:
    check_can_change(report, "re-render")
    if not report.get("totals"):
        raise ApiError(409, "NotReady", "This report has no stored data to render from; "
                       "retry it instead.", target="reportId")


def check_can_retry(report: dict[str, Any]) -> None:
    if report.get("status") == "failed" and not report.get("uploadBlob"):
        raise ApiError(409, "NotRetryable", "This dropped file was refused before processing "
                       f"({report.get('failureReason')}); fix that and drop the file again.",
                       target="reportId")
    if report.get("status") != "failed":
        raise ApiError(409, "NotFailed", f"Only failed reports can be retried; this one is "
                       f"{report.get('status')}.", target="reportId")
    attempts = int(report.get("attempts") or 1)
    if attempts >= MAX_ATTEMPTS:
        raise ApiError(409, "TooManyAttempts", f"This report failed {attempts} times, the "
                       f"most allowed; fix the cause ({report.get('failureReason')}) and "
                       "upload the file again.", target="reportId")
