"""Orchestrator: summarize again (the exclusion rules may have changed), then render chosen
report types and formats from a report's stored data."""

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
def render_artifacts(context: df.DurableOrchestrationContext):
    try:
        job = check_job(context.get_input())
    except InvalidJob as error:  # not a report of this app's: touch nothing
        raise ReportFailed(f"Invalid input: {error}") from None
    progress = Progress(artifactsTotal=len(artifact_pairs(job["reportTypes"], job["formats"])))
    try:
        # Statistics, action plan and changes again first: exclusion rules may have changed
        # (or expired) since the report was processed.
        show(context, progress, "summarizing", 2)
        summary = yield context.call_activity_with_retry("summarize", RETRY, {"job": job})
        pending = render_tasks(context, job, summary["recommendations"])
        show(context, progress, "rendering", 5)
        artifacts = []
        while pending:
            done = yield context.task_any(pending)
            pending.remove(done)
            rendered = outcome(done)
            artifacts.extend(rendered)
            progress.artifactsDone += len(rendered)
            show(context, progress, "rendering",
                 5 + int(90 * progress.artifactsDone / progress.artifactsTotal))
        show(context, progress, "finalizing", 97)
        yield context.call_activity_with_retry("finalize_report", RETRY, {
            "job": job, "artifacts": in_artifact_order(job, artifacts), "merge": True})
        show(context, progress, "completed", 100)
        return {"reportId": job["reportId"], "status": "completed", "artifacts": len(artifacts)}
    except Exception as error:  # record why, keep the artifacts rendered before
        reason = readable(error)
        yield context.call_activity_with_retry("mark_report_failed", RETRY, {
            "job": job, "reason": reason, "keepArtifacts": True})
        show(context, progress, "failed", progress.percent)
        raise ReportFailed(reason) from error
