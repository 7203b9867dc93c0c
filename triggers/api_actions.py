"""HTTP API: a client's tracked actions (owner, status, due date, comment)."""

from __future__ import annotations

from shared.advisor.tracking import STATUSES
from shared.http.api import Call, Param, Reply
from shared.http.auth import CONTRIBUTOR, READER
from shared.http.paging import page_of
from shared.http.schemas import ACTION_PATCH, ref
from shared.services import actions, clients
from shared.storage.context import get_storage
from triggers.api_registry import api

TAG = "Actions"
BASE = "clients/{clientId}/actions"


def _client(call: Call) -> str:
    """The client in the route, if the caller may see it (else 404)."""
    client_id = call.route["clientId"]
    clients.get(get_storage(), client_id, call.principal.client_ids)
    return client_id


@api.operation(
    "GET", BASE, operation_id="listTrackedActions", role=READER, tag=TAG, paged=True,
    summary="The actions of the client's latest report (its action plan) with their owner, "
            "status, due date and comment, then the tracked actions that report no longer "
            "holds (resolved)",
    query=(Param("status", enum=STATUSES, many=True),),
    responses={200: ("A page of actions", ref("TrackedActionPage"))})
def list_actions(call: Call) -> Reply:
    q = call.query
    found = actions.list_actions(get_storage(), _client(call), q.get("status"))
    return Reply(200, page_of(found, page=q["page"], page_size=q["pageSize"], url=call.url,
                              query=call.req.params,
                              filters={k: v for k, v in q.items()
                                       if k not in ("page", "pageSize")}))


@api.operation(
    "GET", f"{BASE}/{{actionKey}}", operation_id="getTrackedAction", role=READER, tag=TAG,
    summary="A tracked action", responses={200: ("The action", ref("TrackedAction"))})
def get_action(call: Call) -> Reply:
    return Reply(200, actions.get(get_storage(), _client(call), call.route["actionKey"]))


@api.operation(
    "PATCH", f"{BASE}/{{actionKey}}", operation_id="updateTrackedAction", role=CONTRIBUTOR,
    tag=TAG,
    summary="Set an action's owner, status (open, in-progress, done, wont-do), due date or "
            "comment; who and when are recorded (render the reports again to show it)",
    body=ACTION_PATCH, responses={200: ("The action", ref("TrackedAction"))})
def update_action(call: Call) -> Reply:
    return Reply(200, actions.update(get_storage(), _client(call), call.route["actionKey"],
                                     call.body, call.principal.name))
