"""Activity: mark a report completed and list the artifacts that were written."""

import azure.durable_functions as df

from shared.pipeline import steps
from shared.storage.context import get_storage

bp = df.Blueprint()


@bp.activity_trigger(input_name="task")
def finalize_report(task: dict) -> None:
    steps.finalize(get_storage(), task["job"], task["artifacts"],
                      int(task.get("truncated", 0)), bool(task.get("merge")))
