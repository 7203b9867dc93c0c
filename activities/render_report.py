"""Activity: render one report type in the formats asked into the reports container."""

import azure.durable_functions as df

from shared import pipeline
from shared.storage.context import get_storage

bp = df.Blueprint()


@bp.activity_trigger(input_name="task")
def render_report(task: dict) -> list:
    return pipeline.render(get_storage(), task["job"], task["reportType"], task["formats"])
