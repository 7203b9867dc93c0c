"""Bulk operations: delete, render or retry many reports as one Durable orchestration.

The HTTP trigger chooses the reports (ids, or a filter) among those the caller may see; the
orchestration acts on them a batch at a time, one activity per report, and its output lists
each report's outcome.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from shared.http import dates
from shared.http.errors import ApiError
from shared.services import audit, report_actions, reports
from shared.storage.context import Storage
from shared.storage.reports import is_deleted

ACTIONS = ("delete", "render", "retry")
ORCHESTRATOR = "bulk_reports"
ACTIVITY = "bulk_report_action"
MAX_IDS = 500
MAX_SELECTED = 2_000  # a filter choosing more is refused: narrow it
BATCH = 10  # reports acted on at once: a bulk delete must not starve the app's own work

log = logging.getLogger(__name__)


def new_bulk_id() -> str:
    return f"bulk-{secrets.token_hex(8)}"


def select(storage: Storage, body: dict[str, Any], client_ids: frozenset[str] | None
           ) -> tuple[list[dict[str, str]], list[str]]:
    """(the reports to act on as {reportId, clientId}, the ids asked for that are unknown or
    not the caller's)."""
    if "reportIds" in body:
        chosen, missing = [], []
        for report_id in dict.fromkeys(body["reportIds"]):
            report = storage.reports.find(report_id)
            if is_deleted(report) or (client_ids is not None
                                      and report["clientId"] not in client_ids):
                missing.append(report_id)
            else:
                chosen.append({"reportId": report_id, "clientId": report["clientId"]})
        return chosen, missing
    where = body["filter"]
    rows = reports.list_reports(
        storage, client_ids=client_ids, client_id=where.get("clientId"),
        statuses=[where["status"]] if where.get("status") else None, report_type=None,
        created_from=None,
        created_to=dates.parse_optional(where.get("createdTo"), "filter.createdTo"))
    if len(rows) > MAX_SELECTED:
        raise ApiError(400, "TooManyReports", f"The filter chooses {len(rows):,} reports; one "
                       f"bulk operation takes at most {MAX_SELECTED:,}. Narrow it (clientId, "
                       "status, createdTo).", target="filter")
    return [{"reportId": r["reportId"], "clientId": r["clientId"]} for r in rows], []


def named_clients(job: Any) -> set[str] | None:
    """The clients a bulk operation's input names (its clientIds and its reports'); None when
    the input is not one this app wrote."""
    if not isinstance(job, dict):
        return None
    named = job.get("clientIds")
    chosen = job.get("reports")
    if not isinstance(named, list) or not isinstance(chosen, list):
        return None
    clients = {c for c in named if isinstance(c, str)}
    clients |= {r.get("clientId") for r in chosen if isinstance(r, dict)} - {None}
    return clients


def visible_to(job: Any, client_ids: frozenset[str] | None) -> bool:
    """A bulk operation is seen by callers who may see every client it names: a caller who
    sees every client sees them all; a client-scoped caller, only those naming at least one
    client and no client outside its scope (one naming none, or whose input cannot be read,
    could be anyone's)."""
    if client_ids is None:
        return True
    clients = named_clients(job)
    return bool(clients) and clients <= client_ids


async def act(storage: Storage, client: Any, task: dict[str, Any]) -> dict[str, Any]:
    """One report's part of a bulk operation; never raises (its outcome says what happened)."""
    report_id, action = task["reportId"], task["action"]
    result: dict[str, Any] = {"reportId": report_id, "clientId": task["clientId"]}
    report = storage.reports.get(task["clientId"], report_id)
    try:
        if is_deleted(report):
            return {**result, "outcome": "skipped", "reason": "The report no longer exists."}
        if action == "delete":
            await report_actions.delete_everywhere(storage, client, report, task["requestId"])
            result["outcome"] = "deleted"
        elif action == "render":
            reports.check_can_render(report)
            result.update(outcome="started",
                          instanceId=await report_actions.start_render(storage, client, report))
        else:
            reports.check_can_retry(report)
            await report_actions.start_retry(storage, client, report)
            result.update(outcome="started", instanceId=report_id)
    except ApiError as refused:
        result.update(outcome="skipped", reason=refused.message)
    except Exception:  # one report's failure must not stop the others
        # The exception (paths, internals) goes to the log; the outcome, which admins read,
        # says what failed and which request id finds it there.
        log.exception("Bulk %s of report %s failed (request %s)", action, report_id,
                      task["requestId"])
        result.update(outcome="failed", reason=f"The {action} failed on our side; the log has "
                      f"the details under request id {task['requestId']}.")
    audit.record(storage, audit.AuditEntry(
        action=f"bulk.{action}", actor=task.get("actor") or "", actor_id=task.get("actorId")
        or "", targets={"bulkId": task.get("bulkId"), "reportId": report_id},
        request_id=task["requestId"],
        outcome="failed" if result["outcome"] == "failed" else "succeeded",
        detail=result.get("reason", "")[:200], client_id=task["clientId"]))
    return result
