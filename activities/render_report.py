"""Activity: render one report type in one format into the reports container."""

import azure.durable_functions as df

from shared import pipeline
from shared.storage.context import get_storage

bp = df.Blueprint()


@bp.activity_trigger(input_name="task")
def render_report(task: dict) -> dict:
    return pipeline.render(get_storage(), task["job"], task["reportType"], task["format"])
