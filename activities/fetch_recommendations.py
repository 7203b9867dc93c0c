"""Activity: read an import's recommendations from Azure and write them as its export."""

import azure.durable_functions as df

from shared.pipeline import azure_import
from shared.storage.context import get_storage

bp = df.Blueprint()


@bp.activity_trigger(input_name="job")
def fetch_recommendations(job: dict) -> dict:
    return azure_import.fetch(get_storage(), job)
