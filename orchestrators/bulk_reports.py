"""Orchestrator: a bulk delete, render or retry, a batch of reports at a time, with progress
in the custom status and each report's outcome in the output."""

from __future__ import annotations

import azure.durable_functions as df

from shared.services.bulk import ACTIVITY, BATCH

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context")
def bulk_reports(context: df.DurableOrchestrationContext):
    job = context.get_input()
    reports = job["reports"]
    results = [{"reportId": r, "outcome": "skipped", "reason": "No such report of yours."}
               for r in job.get("missing", [])]
    progress = {"action": job["action"], "total": len(reports), "done": 0}

    def show() -> None:
        counts = {k: sum(1 for r in results if r["outcome"] == k)
                  for k in ("deleted", "started", "skipped", "failed")}
        context.set_custom_status({**progress, **counts})

    show()
    for start in range(0, len(reports), BATCH):
        batch = reports[start:start + BATCH]
        done = yield context.task_all([context.call_activity(ACTIVITY, {
            **report, "action": job["action"], "requestId": job["requestId"],
            "actor": job.get("actor", ""), "actorId": job.get("actorId", ""),
            "bulkId": context.instance_id}) for report in batch])
        results.extend(done)
        progress["done"] += len(batch)
        show()
    return {"action": job["action"], "total": len(reports) + len(job.get("missing", [])),
            "results": results}
