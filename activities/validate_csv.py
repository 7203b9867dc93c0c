"""Activity: validate the uploaded CSV and stage its rows, one JSON Lines blob per shard."""

import azure.durable_functions as df

from shared.pipeline import steps
from shared.storage.context import get_storage

bp = df.Blueprint()


@bp.activity_trigger(input_name="job")
def validate_csv(job: dict) -> dict:
    return steps.validate(get_storage(), job)
