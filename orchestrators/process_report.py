"""Orchestrator: validate -> store (fan-out by shard) and summarize -> render (fan-out) -> finalize.

The validated rows are staged as JSON Lines blobs, so summarizing and rendering read them
while the table writes (the slowest step) are still under way.

Deterministic: no I/O, no clocks, no randomness; only references travel through history.
Any failure ends in mark_report_failed and a failed orchestration whose output says why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskBase, TaskState

bp = df.Blueprint()
# Storage activities retry transient faults: 3 attempts, the first retry after 2 s.
RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=2000, max_number_of_attempts=3)


@dataclass
class Progress:
    stage: str = "queued"
    percent: int = 0
    rowsTotal: int = 0
    rowsStored: int = 0
    artifactsDone: int = 0
    artifactsTotal: int = 0


class ReportFailed(Exception):
    pass


def readable(error: BaseException) -> str:
    """The first line of an activity's failure, without the host's wrapping and stack."""
    text = str(error).split(" \n ", 1)[0].strip()
    return text.splitlines()[0] if text else type(error).__name__


def _outcome(task: TaskBase):
    """task_any hands back the first finished task, failed ones too: raise their error."""
    if task.state is TaskState.FAILED:
        raise task.result
    return task.result


def _show(context: df.DurableOrchestrationContext, progress: Progress, stage: str,
          percent: int) -> None:
    progress.stage, progress.percent = stage, percent
    context.set_custom_status(asdict(progress))


@bp.orchestration_trigger(context_name="context")
def process_report(context: df.DurableOrchestrationContext):
    job = context.get_input()
    jobs = [(t, f) for t in job["reportTypes"] for f in job["formats"]]
    progress = Progress(artifactsTotal=len(jobs))
    try:
        _show(context, progress, "validating", 5)
        validation = yield context.call_activity_with_retry("validate_csv", RETRY, job)
        if not validation["accepted"]:
            refusal = validation["refusal"]
            yield context.call_activity_with_retry("mark_report_failed", RETRY, {
                "job": job, "reason": refusal["message"], "refusal": refusal})
            _show(context, progress, "failed", 100)
            raise ReportFailed(f"The file was refused ({refusal['code']}): {refusal['message']}")

        progress.rowsTotal = validation["rowsAccepted"]
        _show(context, progress, "storing", 10)
        # Rendering reads the staged rows, not the table: it runs while the shards are stored.
        storing = [context.call_activity_with_retry(
            "store_recommendations", RETRY, {"job": job, "shard": int(shard)})
            for shard in validation["shards"]]
        summary = context.call_activity_with_retry("summarize", RETRY, {"job": job})
        pending = [*storing, summary]
        rendering: list = []
        artifacts, truncated = [], 0
        while pending:
            done = yield context.task_any(pending)
            pending.remove(done)
            result = _outcome(done)
            if done is summary:
                rendering = [context.call_activity_with_retry(
                    "render_report", RETRY, {"job": job, "reportType": t, "format": f})
                    for t, f in jobs]
                pending.extend(rendering)
            elif done in rendering:
                artifacts.append(result)
                progress.artifactsDone += 1
            else:
                progress.rowsStored += result["stored"]
                truncated += result["truncated"]
            share = (progress.rowsStored / max(progress.rowsTotal, 1)
                     + progress.artifactsDone / max(len(jobs), 1)) / 2
            stage = "storing" if any(t in pending for t in storing) else "rendering"
            _show(context, progress, stage, 10 + int(85 * share))
        order = {key: i for i, key in enumerate(jobs)}
        artifacts.sort(key=lambda a: order[(a["reportType"], a["format"])])

        _show(context, progress, "finalizing", 97)
        yield context.call_activity_with_retry("finalize_report", RETRY, {
            "job": job, "artifacts": artifacts, "truncated": truncated})
        _show(context, progress, "completed", 100)
        return {"reportId": job["reportId"], "status": "completed",
                "rowsStored": progress.rowsStored, "artifacts": len(artifacts)}
    except ReportFailed:
        raise
    except Exception as error:  # any failed step: record why, then fail the orchestration
        reason = readable(error)
        yield context.call_activity_with_retry("mark_report_failed", RETRY,
                                               {"job": job, "reason": reason})
        _show(context, progress, "failed", progress.percent)
        raise ReportFailed(reason) from error
