"""HTTP API: a client's tracked actions (owner, status, due date, comment), one at a time or
from the workbook the client edited."""

from __future__ import annotations

from shared.advisor.tracking import STATUSES
from shared.http import action_workbook
from shared.http.api import Call, Param, Reply
from shared.http.auth import CONTRIBUTOR, READER
from shared.http.paging import page_of
from shared.http.schemas import ACTION_PATCH, XLSX_BODY_DOC, ref
from shared.services import actions
from shared.storage.context import get_storage
from triggers.api_registry import api, client_in_route

TAG = "Actions"
BASE = "clients/{clientId}/actions"


@api.operation(
    "GET", BASE, operation_id="listTrackedActions", role=READER, tag=TAG, paged=True,
    summary="The actions of the client's latest report (its action plan) with their owner, "
            "status, due date and comment, then the tracked actions that report no longer "
            "holds (resolved)",
    query=(Param("status", enum=STATUSES, many=True),),
    responses={200: ("A page of actions", ref("TrackedActionPage"))})
def list_actions(call: Call) -> Reply:
    q = call.query
    found = actions.list_actions(get_storage(), client_in_route(call), q.get("status"))
    return Reply(200, page_of(found, page=q["page"], page_size=q["pageSize"], url=call.url,
                              query=call.req.params,
                              filters={k: v for k, v in q.items()
                                       if k not in ("page", "pageSize")}))


@api.operation(
    "GET", f"{BASE}/{{actionKey}}", operation_id="getTrackedAction", role=READER, tag=TAG,
    summary="A tracked action", responses={200: ("The action", ref("TrackedAction"))})
def get_action(call: Call) -> Reply:
    return Reply(200, actions.get(get_storage(), client_in_route(call), call.route["actionKey"]))


@api.operation(
    "PATCH", f"{BASE}/{{actionKey}}", operation_id="updateTrackedAction", role=CONTRIBUTOR,
    tag=TAG,
    summary="Set an action's owner, status (open, in-progress, done, wont-do), due date or "
            "comment; who and when are recorded (render the reports again to show it)",
    body=ACTION_PATCH, responses={200: ("The action", ref("TrackedAction"))})
def update_action(call: Call) -> Reply:
    return Reply(200, actions.update(get_storage(), client_in_route(call), call.route["actionKey"],
                                     call.body, call.principal.name))


@api.operation(
    "PUT", BASE, operation_id="importTrackedActions", role=CONTRIBUTOR, tag=TAG,
    summary="Apply the Owner, Status, Due date and Comment cells of a workbook of this client "
            "(its Action plan sheet, as edited in Excel or LibreOffice); every cell is checked "
            "first and one problem applies nothing",
    body_doc=XLSX_BODY_DOC,
    responses={200: ("What changed, cell by cell", ref("ActionsImported")),
               413: ("Too large", ref("Error")),
               415: ("Not a workbook, or a compressed body", ref("Error"))})
def import_actions(call: Call) -> Reply:
    client_id = client_in_route(call)
    req = call.req
    content_type = req.headers.get("Content-Type", "")
    action_workbook.check_request(req.headers)
    if content_type.lower().startswith("multipart/form-data"):
        upload = req.files.get("file")
        data = upload.read() if upload is not None else b""
        name = (upload.filename if upload is not None else "") or "workbook.xlsx"
    else:
        data, name = req.get_body() or b"", req.params.get("fileName") or "workbook.xlsx"
    workbook = action_workbook.read_workbook(data, name[:200])
    return Reply(200, actions.apply_workbook(get_storage(), client_id, workbook,
                                             call.principal.name))
