"""What the orchestrators share: retry policy, progress, error text, the render fan-out."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskBase, TaskState

from shared.storage.layout import artifact_pairs

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


def outcome(task: TaskBase):
    """task_any hands back the first finished task, failed ones too: raise their error."""
    if task.state is TaskState.FAILED:
        raise task.result
    return task.result


def show(context: df.DurableOrchestrationContext, progress: Progress, stage: str,
         percent: int) -> None:
    progress.stage, progress.percent = stage, percent
    context.set_custom_status(asdict(progress))


# Longest first: with a few worker processes, the report that takes longest (the detailed PDF
# lists every row) must not start last. PDFs of every row, then the other PDFs, then HTML.
_RENDER_COST = {("detailed", "pdf"): 0, ("operations", "pdf"): 1, ("security", "pdf"): 2,
                ("cost", "pdf"): 3, ("executive", "pdf"): 4, ("detailed", "xlsx"): 5,
                ("operations", "xlsx"): 6, ("security", "xlsx"): 7}
# Up to this many rows (after exclusions) a report type's formats render in one activity.
# Each activity is a dispatch, an orchestration episode and its own reads of the report, its
# summary and branding: at 5,000 rows five activities instead of ten saved about 0.7 s of CPU
# across host, workers and Azurite, where the ten artifacts take about 1 s to draw (0.01-0.3 s
# each). Past it a render takes seconds to minutes, and each artifact its own activity lets the
# slowest (the detailed PDF) run beside the others.
RENDER_TOGETHER_ROWS = 20_000


def render_groups(report_types: list[str], formats: list[str],
                  rows: int) -> list[tuple[str, tuple[str, ...]]]:
    """The render activities of a request as (report type, formats), longest first: a report
    type's formats together up to RENDER_TOGETHER_ROWS rows, else an artifact each."""
    pairs = sorted(artifact_pairs(report_types, formats),
                   key=lambda pair: _RENDER_COST.get(pair, 9))
    if rows > RENDER_TOGETHER_ROWS:
        return [(t, (f,)) for t, f in pairs]
    grouped: dict[str, list[str]] = {}
    for t, f in pairs:  # a type takes the place of its longest artifact
        grouped.setdefault(t, []).append(f)
    return [(t, tuple(f for f in formats if f in chosen)) for t, chosen in grouped.items()]


def render_tasks(context: df.DurableOrchestrationContext, job: dict, rows: int) -> list:
    return [context.call_activity_with_retry(
        "render_report", RETRY, {"job": job, "reportType": t, "formats": list(fs)})
        for t, fs in render_groups(job["reportTypes"], job["formats"], rows)]


def in_artifact_order(job: dict, artifacts: list[dict]) -> list[dict]:
    order = {pair: i for i, pair in enumerate(artifact_pairs(job["reportTypes"],
                                                                job["formats"]))}
    return sorted(artifacts, key=lambda a: order[(a["reportType"], a["format"])])
