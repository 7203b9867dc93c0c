"""HTTP API: clients (the organisations reports belong to)."""

from __future__ import annotations

import asyncio

from shared.http.api import Call, Param, Reply
from shared.http.auth import ADMIN, READER
from shared.http.errors import ApiError
from shared.http.paging import page_of
from shared.http.schemas import CLIENT_CREATE, CLIENT_PATCH, ref
from shared.services import branding, clients, exclusions, imports, report_actions
from shared.storage import actions as tracked_actions
from shared.storage import layout
from shared.storage.context import get_storage
from triggers.api_registry import api

TAG = "Clients"


@api.operation(
    "POST", "clients", operation_id="createClient", role=ADMIN, tag=TAG,
    summary="Create a client (the id is a unique slug made from the name unless given)",
    body=CLIENT_CREATE,
    responses={201: ("Created", ref("Client")), 409: ("The id is taken", ref("Error"))})
def create_client(call: Call) -> Reply:
    client = clients.create(get_storage(), call.body, call.principal.client_ids)
    return Reply(201, client, {"Location": f"{call.api_base}/clients/{client['clientId']}"})


@api.operation(
    "GET", "clients", operation_id="listClients", role=READER, tag=TAG, paged=True,
    summary="List clients by name",
    query=(Param("search", description="Text in the name or id."),
           Param("active", "boolean")),
    responses={200: ("A page of clients", ref("ClientPage"))})
def list_clients(call: Call) -> Reply:
    q = call.query
    rows = clients.search(get_storage(), q.get("search"), q.get("active"),
                                  call.principal.client_ids)
    filters = {k: v for k, v in q.items() if k not in ("page", "pageSize")}
    return Reply(200, page_of(rows, page=q["page"], page_size=q["pageSize"], url=call.url,
                              query=call.req.params, filters=filters))


@api.operation(
    "GET", "clients/{clientId}", operation_id="getClient", role=READER, tag=TAG,
    summary="A client", responses={200: ("The client", ref("Client"))})
def get_client(call: Call) -> Reply:
    return Reply(200, clients.get(get_storage(), call.route["clientId"],
                                          call.principal.client_ids))


@api.operation(
    "PATCH", "clients/{clientId}", operation_id="updateClient", role=ADMIN, tag=TAG,
    summary="Change a client's name, contacts, notes, subscription ids, accent colour, "
            "import schedule or active flag (an inactive client takes no uploads)",
    body=CLIENT_PATCH, responses={200: ("The client", ref("Client"))})
def update_client(call: Call) -> Reply:
    clients.get(get_storage(), call.route["clientId"], call.principal.client_ids)
    return Reply(200, clients.update(get_storage(), call.route["clientId"], call.body))


@api.operation(
    "DELETE", "clients/{clientId}", operation_id="deleteClient", role=ADMIN, tag=TAG,
    summary="Delete a client (409 while it has reports, unless cascade=true deletes them too)",
    query=(Param("cascade", "boolean", default=False),),
    responses={204: ("Deleted", None), 409: ("The client has reports", ref("Error"))})
async def delete_client(call: Call) -> Reply:
    storage = get_storage()
    client_id = call.route["clientId"]
    await asyncio.to_thread(clients.get, storage, client_id, call.principal.client_ids)
    reports = await asyncio.to_thread(clients.reports_of, storage, client_id)
    if reports and not call.query["cascade"]:
        raise ApiError(409, "ClientHasReports", f"Client '{client_id}' has {len(reports)} "
                       "report(s); delete them first or pass cascade=true.", target="clientId")
    for report in reports:
        await report_actions.delete_everywhere(storage, call.client, report, call.rid)
    for rule in await asyncio.to_thread(exclusions.rules_of, storage, client_id):
        await asyncio.to_thread(exclusions.delete, storage, client_id, rule["ruleId"])
    await asyncio.to_thread(tracked_actions.delete_all, storage, client_id)
    await asyncio.to_thread(branding.delete_logo, storage,
                            layout.client_logo_blob_name(client_id))
    await asyncio.to_thread(imports.delete_claims, storage, client_id)
    await asyncio.to_thread(storage.client_records.table.delete_entity, "client", client_id)
    return Reply(204)


@api.operation(
    "GET", "clients/{clientId}/statistics", operation_id="getClientStatistics", role=READER,
    tag=TAG, summary="Report count, the latest report's totals and the trend across reports",
    responses={200: ("Statistics", ref("ClientStatistics"))})
def client_statistics(call: Call) -> Reply:
    storage = get_storage()
    client = clients.get(storage, call.route["clientId"], call.principal.client_ids)
    return Reply(200, clients.statistics(storage, client))

