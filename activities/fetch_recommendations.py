"""Activities of an import: read one subscription's recommendations from Azure; then write
what all of them gave as the report's export."""

import azure.durable_functions as df

from shared.pipeline import azure_import
from shared.storage.context import get_storage

bp = df.Blueprint()


@bp.activity_trigger(input_name="work")
def fetch_subscription(work: dict) -> dict:
    return azure_import.fetch(get_storage(), work["job"], int(work["index"]))


@bp.activity_trigger(input_name="job")
def stage_import(job: dict) -> dict:
    return azure_import.stage(get_storage(), job)
