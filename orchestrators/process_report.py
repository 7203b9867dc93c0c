"""Orchestrator: validate -> store (fan-out by shard) -> summarize -> render (fan-out) -> finalize.

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
        pending = [context.call_activity_with_retry(
            "store_recommendations", RETRY, {"job": job, "shard": int(shard)})
            for shard in validation["shards"]]
        truncated = 0
        while pending:
            done = yield context.task_any(pending)
            pending.remove(done)
            stored = _outcome(done)
            progress.rowsStored += stored["stored"]
            truncated += stored["truncated"]
            share = progress.rowsStored / max(progress.rowsTotal, 1)
            _show(context, progress, "storing", 10 + int(50 * share))

        _show(context, progress, "summarizing", 62)
        yield context.call_activity_with_retry("summarize", RETRY,
                                               {"job": job, "truncated": truncated})

        _show(context, progress, "rendering", 65)
        pending = [context.call_activity_with_retry(
            "render_report", RETRY, {"job": job, "reportType": t, "format": f})
            for t, f in jobs]
        artifacts = []
        while pending:
            done = yield context.task_any(pending)
            pending.remove(done)
            artifacts.append(_outcome(done))
            progress.artifactsDone += 1
            _show(context, progress, "rendering",
                  65 + int(30 * progress.artifactsDone / max(len(jobs), 1)))
        order = {key: i for i, key in enumerate(jobs)}
        artifacts.sort(key=lambda a: order[(a["reportType"], a["format"])])

        _show(context, progress, "finalizing", 97)
        yield context.call_activity_with_retry("finalize_report", RETRY,
                                               {"job": job, "artifacts": artifacts})
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
