"""HTTP API: imports, a client's Advisor recommendations read from Azure instead of uploaded."""

from __future__ import annotations

import asyncio

from shared.http.api import Call, Reply
from shared.http.auth import CONTRIBUTOR
from shared.http.schemas import IMPORT_REQUEST, ref
from shared.services import imports
from shared.storage.context import get_storage
from triggers.api_registry import api
from triggers.api_reports import _start

TAG = "Imports"


@api.operation(
    "POST", "clients/{clientId}/imports", operation_id="importFromAzure", role=CONTRIBUTOR,
    tag=TAG, summary="Read the client's Advisor recommendations from Azure (every subscription "
                     "on the client record) and make a report of them, as an upload does",
    body=IMPORT_REQUEST,
    responses={202: ("Accepted: poll statusQueryGetUri or reportUrl", ref("CheckStatus")),
               409: ("The client is inactive or lists no subscriptions", ref("Error"))})
async def import_from_azure(call: Call) -> Reply:
    client_id = call.route["clientId"]
    call.audit["clientId"] = client_id  # a staging refused is audited with the client too
    job = await asyncio.to_thread(imports.stage, get_storage(), client_id, call.body,
                                  call.principal.client_ids)
    return await _start(call, job, "Import")
