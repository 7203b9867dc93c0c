"""Activity: mark a report failed with a reason people can act on."""

import azure.durable_functions as df

from shared.pipeline import steps
from shared.storage.context import get_storage

bp = df.Blueprint()


@bp.activity_trigger(input_name="task")
def mark_report_failed(task: dict) -> None:
    steps.mark_failed(get_storage(), task["job"], task["reason"], task.get("refusal"),
                         bool(task.get("keepArtifacts")))
