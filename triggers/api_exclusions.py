"""HTTP API: a client's exclusion rules (accepted risks, not applicable, postponed)."""

from __future__ import annotations

from shared.advisor.exclusions import rule_problems
from shared.http.api import Call, Reply
from shared.http.auth import CONTRIBUTOR, READER
from shared.http.paging import page_of
from shared.http.schemas import EXCLUSION_CREATE, EXCLUSION_PATCH, ref
from shared.services import exclusions
from shared.storage.context import get_storage
from triggers.api_registry import api, client_in_route

TAG = "Exclusions"
BASE = "clients/{clientId}/exclusions"


@api.operation(
    "GET", BASE, operation_id="listExclusions", role=READER, tag=TAG, paged=True,
    summary="A client's exclusion rules, oldest first (the order they are applied in)",
    responses={200: ("A page of rules", ref("ExclusionPage"))})
def list_exclusions(call: Call) -> Reply:
    rules = exclusions.rules_of(get_storage(), client_in_route(call))
    q = call.query
    return Reply(200, page_of(rules, page=q["page"], page_size=q["pageSize"], url=call.url,
                              query=call.req.params, filters={}))


@api.operation(
    "POST", BASE, operation_id="createExclusion", role=CONTRIBUTOR, tag=TAG,
    summary="Exclude matching recommendations from this client's reports (matched literally, "
            "without regard to case; resourceIdPrefix by prefix)", body=EXCLUSION_CREATE,
    explain=rule_problems,
    responses={201: ("Created", ref("Exclusion")),
               409: ("The client has 500 rules", ref("Error"))})
def create_exclusion(call: Call) -> Reply:
    client_id = client_in_route(call)
    rule = exclusions.create(get_storage(), client_id, call.body, call.principal.name)
    return Reply(201, rule, {"Location": f"{call.api_base}/{BASE.format(clientId=client_id)}/"
                                         f"{rule['ruleId']}"})


@api.operation(
    "GET", f"{BASE}/{{ruleId}}", operation_id="getExclusion", role=READER, tag=TAG,
    summary="An exclusion rule", responses={200: ("The rule", ref("Exclusion"))})
def get_exclusion(call: Call) -> Reply:
    return Reply(200, exclusions.get(get_storage(), client_in_route(call), call.route["ruleId"]))


@api.operation(
    "PATCH", f"{BASE}/{{ruleId}}", operation_id="updateExclusion", role=CONTRIBUTOR, tag=TAG,
    summary="Change an exclusion rule (render the reports again to apply it)",
    body=EXCLUSION_PATCH, responses={200: ("The rule", ref("Exclusion"))})
def update_exclusion(call: Call) -> Reply:
    return Reply(200, exclusions.update(get_storage(), client_in_route(call),
                                                call.route["ruleId"], call.body))


@api.operation(
    "DELETE", f"{BASE}/{{ruleId}}", operation_id="deleteExclusion", role=CONTRIBUTOR, tag=TAG,
    summary="Delete an exclusion rule", responses={204: ("Deleted", None)})
def delete_exclusion(call: Call) -> Reply:
    exclusions.delete(get_storage(), client_in_route(call), call.route["ruleId"])
    return Reply(204)
