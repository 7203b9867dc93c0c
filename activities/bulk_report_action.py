"""Activity: one report's part of a bulk delete, render or retry (it needs the Durable client
to stop, start and purge the report's orchestrations)."""

import azure.durable_functions as df

from shared.services import bulk
from shared.storage.context import get_storage

bp = df.Blueprint()


@bp.activity_trigger(input_name="task")
@bp.durable_client_input(client_name="client")
async def bulk_report_action(task: dict, client: df.DurableOrchestrationClient) -> dict:
    return await bulk.act(get_storage(), client, task)
