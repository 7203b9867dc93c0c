"""Activity: validate the uploaded CSV and stage its rows, one JSON Lines blob per shard."""

import azure.durable_functions as df

from shared import pipeline
from shared.storage.context import get_storage

bp = df.Blueprint()


@bp.activity_trigger(input_name="job")
def validate_csv(job: dict) -> dict:
    return pipeline.validate(get_storage(), job)
