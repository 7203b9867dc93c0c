"""Orchestrator: (an import: fetch ->) validate -> store (fan-out by shard) and summarize ->
render (fan-out) -> finalize.

The validated rows are staged as JSON Lines blobs, so summarizing and rendering read them
while the table writes (the slowest step) are still under way.

Deterministic: no I/O, no clocks, no randomness; only references travel through history.
Any failure ends in mark_report_failed and a failed orchestration whose output says why.
"""

from __future__ import annotations

import azure.durable_functions as df

from orchestrators.common import (
    RETRY,
    Progress,
    ReportFailed,
    in_artifact_order,
    outcome,
    render_tasks,
    show,
)
from shared.pipeline.failures import readable
from shared.pipeline.job import InvalidJob, check_job
from shared.storage.layout import artifact_pairs

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context")
def process_report(context: df.DurableOrchestrationContext):
    try:
        job = check_job(context.get_input())
    except InvalidJob as error:  # not a report of this app's: touch nothing
        raise ReportFailed(f"Invalid input: {error}") from None
    artifacts_total = len(artifact_pairs(job["reportTypes"], job["formats"]))
    progress = Progress(artifactsTotal=artifacts_total)
    try:
        if job.get("source") == "azure":  # an import: its export is read from Azure first,
            show(context, progress, "fetching", 2)  # its subscriptions side by side
            yield context.task_all([context.call_activity_with_retry(
                "fetch_subscription", RETRY, {"job": job, "index": index})
                for index in range(job["subscriptions"])])
            fetched = yield context.call_activity_with_retry("stage_import", RETRY, job)
            if not fetched["ok"]:
                yield context.call_activity_with_retry("mark_report_failed", RETRY, {
                    "job": job, "reason": fetched["reason"]})
                show(context, progress, "failed", 100)
                raise ReportFailed(fetched["reason"])
        show(context, progress, "validating", 5)
        validation = yield context.call_activity_with_retry("validate_csv", RETRY, job)
        if not validation["accepted"]:
            refusal = validation["refusal"]
            yield context.call_activity_with_retry("mark_report_failed", RETRY, {
                "job": job, "reason": refusal["message"], "refusal": refusal})
            show(context, progress, "failed", 100)
            raise ReportFailed(f"The file was refused ({refusal['code']}): {refusal['message']}")

        progress.rowsTotal = validation["rowsAccepted"]
        show(context, progress, "storing", 10)
        # Rendering reads the staged rows, not the table: it runs while the shards are stored.
        # The summary is scheduled first so it takes the first free activity slot: behind
        # sixteen shards it waited for storing to end, and every render waits for it.
        summary = context.call_activity_with_retry("summarize", RETRY, {"job": job})
        storing = [context.call_activity_with_retry(
            "store_recommendations", RETRY, {"job": job, "shard": int(shard)})
            for shard in validation["shards"]]
        pending = [summary, *storing]  # ids follow this order: the summary first
        rendering: list = []
        artifacts, truncated = [], 0
        while pending:
            done = yield context.task_any(pending)
            pending.remove(done)
            result = outcome(done)
            if done is summary:
                rendering = render_tasks(context, job, result["recommendations"])
                pending.extend(rendering)
            elif done in rendering:
                artifacts.extend(result)
                progress.artifactsDone += len(result)
            else:
                progress.rowsStored += result["stored"]
                truncated += result["truncated"]
            share = (progress.rowsStored / max(progress.rowsTotal, 1)
                     + progress.artifactsDone / max(artifacts_total, 1)) / 2
            stage = "storing" if any(t in pending for t in storing) else "rendering"
            show(context, progress, stage, 10 + int(85 * share))

        show(context, progress, "finalizing", 97)
        yield context.call_activity_with_retry("finalize_report", RETRY, {
            "job": job, "artifacts": in_artifact_order(job, artifacts), "truncated": truncated})
        show(context, progress, "completed", 100)
        return {"reportId": job["reportId"], "status": "completed",
                "rowsStored": progress.rowsStored, "artifacts": len(artifacts)}
    except ReportFailed:
        raise
    except Exception as error:  # any failed step: record why, then fail the orchestration
        reason = readable(error)
        yield context.call_activity_with_retry("mark_report_failed", RETRY,
                                               {"job": job, "reason": reason})
        show(context, progress, "failed", progress.percent)
        raise ReportFailed(reason) from error
