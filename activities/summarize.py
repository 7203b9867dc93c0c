"""Activity: compute a report's statistics and store them with the report."""

import azure.durable_functions as df

from shared.pipeline import steps
from shared.storage.context import get_storage

bp = df.Blueprint()


@bp.activity_trigger(input_name="task")
def summarize(task: dict) -> dict:
    return steps.summarize(get_storage(), task["job"])
