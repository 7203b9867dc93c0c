"""Activity: upsert one shard of a report's rows into the Recommendations table."""

import azure.durable_functions as df

from shared.pipeline import steps
from shared.storage.context import get_storage

bp = df.Blueprint()


@bp.activity_trigger(input_name="task")
def store_recommendations(task: dict) -> dict:
    return steps.store_shard(get_storage(), task["job"], int(task["shard"]))
