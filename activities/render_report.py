"""Activity: render one report type in the formats asked into the reports container."""

import azure.durable_functions as df

from shared.pipeline import steps
from shared.storage.context import get_storage

bp = df.Blueprint()


@bp.activity_trigger(input_name="task")
def render_report(task: dict) -> list:
    return steps.render(get_storage(), task["job"], task["reportType"], task["formats"])
