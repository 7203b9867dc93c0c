"""The Durable extension's HTTP management API, served by the devhost.

Mounted twice: publicly under `/runtime/webhooks/durabletask/` (function key as `code`, as the
status URLs carry it) and as the SDK's RPC endpoint under `/durabletask/<token>/` (loopback
only), which the client binding's `rpcBaseUrl` points at. The token is made at start-up and
known only to the app through its binding: a web page in the user's browser cannot guess it.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from devhost.durable import history as h
from devhost.durable.engine import Engine, InstanceExists, NotFailed, OrchestratorNotFound
from devhost.durable.store import InstanceRecord

PUBLIC_PREFIX = "/runtime/webhooks/durabletask"
RPC_PREFIX = "/durabletask"
_RUNNING = {"Running", "Pending", "ContinuedAsNew", "Suspended"}


def rpc_prefix(token: str) -> str:
    return f"{RPC_PREFIX}/{token}"


def client_binding(base_url: str, hub: str, key: str, rpc_token: str) -> str:
    """The JSON string the host passes for a `durableClient` binding."""
    api = f"{base_url}{PUBLIC_PREFIX}"
    query = f"taskHub={hub}&connection=Storage&code={key}"
    return json.dumps({
        "taskHubName": hub,
        "creationUrls": {
            "createNewInstancePostUri":
                f"{api}/orchestrators/{{functionName}}[/{{instanceId}}]?code={key}",
            "createAndWaitOnNewInstancePostUri":
                f"{api}/orchestrators/{{functionName}}[/{{instanceId}}]"
                f"?timeout={{timeoutInSeconds}}&pollingInterval={{intervalInSeconds}}&code={key}",
        },
        "managementUrls": management_urls(api, "INSTANCEID", query),
        "baseUrl": api,
        "requiredQueryStringParameters": f"code={key}",
        "rpcBaseUrl": f"{base_url}{rpc_prefix(rpc_token)}/",
        "httpBaseUrl": "",
    })


def management_urls(api: str, instance_id: str, query: str) -> dict[str, str]:
    instance = f"{api}/instances/{instance_id}"
    return {
        "id": instance_id,
        "purgeHistoryDeleteUri": f"{instance}?{query}",
        "restartPostUri": f"{instance}/restart?{query}",
        "sendEventPostUri": f"{instance}/raiseEvent/{{eventName}}?{query}",
        "statusQueryGetUri": f"{instance}?{query}",
        "terminatePostUri": f"{instance}/terminate?reason={{text}}&{query}",
        "rewindPostUri": f"{instance}/rewind?reason={{text}}&{query}",
        "suspendPostUri": f"{instance}/suspend?reason={{text}}&{query}",
        "resumePostUri": f"{instance}/resume?reason={{text}}&{query}",
    }


def _json_or_none(text: str | None) -> Any:
    return json.loads(text) if text else None


def status_body(record: InstanceRecord, show_input: bool = True) -> dict[str, Any]:
    return {
        "name": record.name,
        "instanceId": record.instance_id,
        "runtimeStatus": record.status,
        # The start input arrives double-encoded and shows as a JSON string, as in Azure.
        "input": record.input if show_input else None,
        "customStatus": _json_or_none(record.custom_status),
        "output": _json_or_none(record.output),
        "createdTime": h.status_time(record.created),
        "lastUpdatedTime": h.status_time(record.updated),
    }


_PAIRS = {h.TASK_COMPLETED: h.TASK_SCHEDULED, h.TASK_FAILED: h.TASK_SCHEDULED,
          h.SUB_ORCHESTRATION_COMPLETED: h.SUB_ORCHESTRATION_CREATED,
          h.SUB_ORCHESTRATION_FAILED: h.SUB_ORCHESTRATION_CREATED}
_WITH_RESULT = (h.TASK_COMPLETED, h.SUB_ORCHESTRATION_COMPLETED, h.EXECUTION_COMPLETED,
                h.EXECUTION_FAILED)


def history_view(events: list[dict[str, Any]], *, show_output: bool,
                 show_input: bool) -> list[dict[str, Any]]:
    """History as DurableClient.cs's GetDurableOrchestrationStatusAsync shows it: event types
    by name; a completion carries its scheduling event's FunctionName, ScheduledTime and Input
    and the paired scheduling event is dropped; orchestrator episode markers, EventId,
    IsPlayed and Version go; results only with showHistoryOutput."""
    scheduled = {(e["EventType"], e["EventId"]): i for i, e in enumerate(events)
                 if e["EventType"] in _PAIRS.values()}
    paired: set[int] = set()
    view: list[tuple[int, dict[str, Any]]] = []
    for index, e in enumerate(events):
        kind = e["EventType"]
        if kind in (h.ORCHESTRATOR_STARTED, h.ORCHESTRATOR_COMPLETED):
            continue
        item = {k: v for k, v in e.items() if k not in ("EventId", "IsPlayed", "Version")}
        item["EventType"] = h.EVENT_NAMES.get(kind, str(kind))
        if kind in _PAIRS:
            pair = scheduled.get((_PAIRS[kind], item.pop("TaskScheduledId", None)))
            if pair is not None:
                paired.add(pair)
                item.update(FunctionName=events[pair].get("Name"),
                            ScheduledTime=events[pair]["Timestamp"],
                            Input=events[pair].get("Input"))
        elif kind == h.EXECUTION_STARTED:
            item["FunctionName"] = item.pop("Name", None)
        elif kind in (h.EXECUTION_COMPLETED, h.EXECUTION_FAILED):
            item["OrchestrationStatus"] = "Completed" if kind == h.EXECUTION_COMPLETED \
                else "Failed"
            if kind == h.EXECUTION_FAILED:
                item["Result"] = json.dumps(item.pop("Reason", None))
        elif kind == h.TIMER_FIRED:
            item.pop("TimerId", None)
        if kind in _WITH_RESULT:
            result = item.pop("Result", None)
            if show_output:
                item["Result"] = _json_or_text(result)
        if not show_input:
            item.pop("Input", None)
        view.append((index, item))
    return [item for index, item in view if index not in paired]


def _json_or_text(text: str | None) -> Any:
    """DurableClient.ParseToJToken: JSON when it parses, else the text itself."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _truthy(value: str | None) -> bool:
    return (value or "").lower() == "true"


def add_routes(app: web.Application, engine: Engine, *, prefix: str, hub: str,
               guard: Callable[[web.Request], web.Response | None], key: str) -> None:
    """Register the management routes under `prefix`; `guard` returns a refusal or None."""

    def guarded(handler):
        async def wrapper(request: web.Request) -> web.StreamResponse:
            refusal = guard(request)
            return refusal if refusal is not None else await handler(request)
        return wrapper

    def payload(request: web.Request, instance_id: str) -> dict[str, str]:
        origin = f"{request.scheme}://{request.host}"
        query = f"taskHub={hub}&connection=Storage&code={key}"
        return management_urls(f"{origin}{PUBLIC_PREFIX}", instance_id, query)

    async def start(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        instance_id = request.match_info.get("instance_id") or _new_id()
        problem = instance_id_problem(instance_id)
        if problem:
            return _bad_request(problem)
        raw = await request.text()
        # The SDK posts json=df_dumps(input): a JSON string whose value is the input's JSON.
        try:
            input_text = json.loads(raw) if raw.strip() else None
        except ValueError:
            return _bad_request("The request content is not valid JSON.")
        if input_text is not None and not isinstance(input_text, str):
            input_text = json.dumps(input_text)
        try:
            await engine.start_new(name, instance_id, input_text)
        except OrchestratorNotFound as exc:
            return web.json_response({"Message": "One or more of the arguments submitted is "
                                      "incorrect", "ExceptionMessage": str(exc)}, status=400)
        except InstanceExists as exc:
            return web.json_response({"Message": str(exc), "ExceptionMessage": str(exc)},
                                     status=409)
        body = payload(request, instance_id)
        return web.json_response(body, status=202, headers={
            "Location": body["statusQueryGetUri"], "Retry-After": "10"})

    async def get_status(request: web.Request) -> web.Response:
        if instance_id_problem(request.match_info["instance_id"]):
            return web.Response(status=404)  # no instance can have such an id
        inst = await engine.status(request.match_info["instance_id"])
        if inst is None:
            return web.Response(status=404)
        q = request.query
        body = status_body(inst.record, show_input=q.get("showInput", "true").lower() != "false")
        if _truthy(q.get("showHistory")):
            body["historyEvents"] = history_view(
                await engine.history_of(inst), show_output=_truthy(q.get("showHistoryOutput")),
                show_input=q.get("showInput", "true").lower() != "false")
        if inst.record.status in _RUNNING:
            return web.json_response(body, status=202, headers={
                "Location": str(request.url), "Retry-After": "5"})
        failed_500 = inst.record.status == "Failed" and _truthy(
            q.get("returnInternalServerErrorOnFailure"))
        return web.json_response(body, status=500 if failed_500 else 200)

    def _matches(record: InstanceRecord, q) -> bool:
        statuses = {s for s in q.get("runtimeStatus", "").split(",") if s}
        if statuses and record.status not in statuses:
            return False
        prefix_ = q.get("instanceIdPrefix")
        if prefix_ and not record.instance_id.startswith(prefix_):
            return False
        # Times that do not parse are ignored, as the extension's query parsing does.
        created = record.created
        since, until = _normal_time(q.get("createdTimeFrom")), _normal_time(q.get("createdTimeTo"))
        if since and created < since:
            return False
        return not (until and created > until)

    async def list_instances(request: web.Request) -> web.Response:
        # HttpApiHandler.cs: pages of `top` (OrchestrationStatusQueryCondition's default 100)
        # in the instances table's order (by instance id), the next page's token in the
        # x-ms-continuation-token header, empty on the last page; showInput defaults to true.
        q = request.query
        top = _int_or_none(q.get("top")) or DEFAULT_PAGE_SIZE
        after = _token_key(request.headers.get("x-ms-continuation-token", ""))
        records = sorted((r for r in await engine.list()
                          if _matches(r, q) and (after is None or r.instance_id > after)),
                         key=lambda r: r.instance_id)
        page, more = records[:top], len(records) > top
        show_input = q.get("showInput", "true").lower() != "false"
        token = _token_for(page[-1].instance_id) if more else ""
        return web.json_response([status_body(r, show_input) for r in page],
                                 headers={"x-ms-continuation-token": token})

    async def purge_one(request: web.Request) -> web.Response:
        if instance_id_problem(request.match_info["instance_id"]):
            return web.Response(status=404)
        if await engine.purge(request.match_info["instance_id"]):
            return web.json_response({"instancesDeleted": 1})
        return web.Response(status=404)

    async def purge_many(request: web.Request) -> web.Response:
        q = request.query
        if not _normal_time(q.get("createdTimeFrom")):
            # HttpApiHandler: purging by filter needs a start time, never "everything".
            return _bad_request("createdTimeFrom is required to purge instances by filter.")
        deleted = 0
        for record in await engine.list():
            if record.is_terminal and _matches(record, q) and await engine.purge(
                    record.instance_id):
                deleted += 1
        if not deleted:
            return web.Response(status=404)
        return web.json_response({"instancesDeleted": deleted})

    async def raise_event(request: web.Request) -> web.Response:
        # HttpApiHandler.cs, in its order: 404 unknown, 410 finished (failed too), 400 for a
        # media type other than application/json, 400 for content that is not JSON.
        instance_id = request.match_info["instance_id"]
        inst = None if instance_id_problem(instance_id) else await engine.status(instance_id)
        if inst is None:
            return web.Response(status=404)
        if inst.record.is_terminal:
            return web.Response(status=410)
        if request.content_type.lower() != "application/json":
            return _bad_request("Only application/json request content is supported")
        raw = await request.text()
        try:
            json.loads(raw) if raw.strip() else None
        except ValueError:
            return _bad_request("Invalid JSON content")
        code = await engine.raise_event(instance_id, request.match_info["event"],
                                        raw or None)
        return web.Response(status=code)

    async def restart(request: web.Request) -> web.Response:
        new = request.query.get("restartWithNewInstanceId", "true").lower() != "false"
        code, instance_id = await engine.restart(request.match_info["instance_id"],
                                                 _new_id() if new else None)
        if prefix != PUBLIC_PREFIX:
            # The SDK's RPC endpoint: the new id as the body, 404 for an unknown instance
            # (what DurableOrchestrationClient.restart reads).
            if code != 202:
                return web.Response(status=code)
            return web.json_response(instance_id, status=202)
        # The public webhook (HttpApiHandler): the check-status payload of the new instance,
        # as when one is started, and 400 for an unknown instance.
        if code == 404:
            return _bad_request(f"No instance with ID '{request.match_info['instance_id']}' "
                                "was found.")
        if code != 202:
            return web.Response(status=code)
        body = payload(request, instance_id)
        return web.json_response({"id": instance_id, **body}, status=202, headers={
            "Location": body["statusQueryGetUri"], "Retry-After": "10"})

    async def rewind(request: web.Request) -> web.Response:
        # HttpApiHandler.cs: 404 unknown, 410 completed/terminated/canceled, 202 rewound; a
        # running instance makes DurableClient.RewindAsync throw InvalidOperationException,
        # which the handler's catch-all answers with 500.
        try:
            code = await engine.rewind(request.match_info["instance_id"],
                                       request.query.get("reason", ""))
        except NotFailed as exc:
            return web.json_response({"Message": "Something went wrong while processing your "
                                      "request", "ExceptionMessage": str(exc)}, status=500)
        return web.Response(status=code)

    def control(operation):
        async def handler(request: web.Request) -> web.Response:
            if instance_id_problem(request.match_info["instance_id"]):
                return web.Response(status=404)
            reason = request.query.get("reason", "")
            code = await operation(request.match_info["instance_id"], reason)
            return web.Response(status=code)
        return handler

    base = prefix
    app.router.add_post(f"{base}/orchestrators/{{name}}", guarded(start))
    app.router.add_post(f"{base}/orchestrators/{{name}}/{{instance_id}}", guarded(start))
    app.router.add_get(f"{base}/instances", guarded(list_instances))
    app.router.add_get(f"{base}/instances/", guarded(list_instances))
    app.router.add_delete(f"{base}/instances", guarded(purge_many))
    app.router.add_delete(f"{base}/instances/", guarded(purge_many))
    app.router.add_get(f"{base}/instances/{{instance_id}}", guarded(get_status))
    app.router.add_delete(f"{base}/instances/{{instance_id}}", guarded(purge_one))
    app.router.add_post(f"{base}/instances/{{instance_id}}/raiseEvent/{{event}}",
                        guarded(raise_event))
    app.router.add_post(f"{base}/instances/{{instance_id}}/terminate",
                        guarded(control(engine.terminate)))
    app.router.add_post(f"{base}/instances/{{instance_id}}/restart", guarded(restart))
    app.router.add_post(f"{base}/instances/{{instance_id}}/rewind", guarded(rewind))
    app.router.add_post(f"{base}/instances/{{instance_id}}/suspend",
                        guarded(control(engine.suspend)))
    app.router.add_post(f"{base}/instances/{{instance_id}}/resume",
                        guarded(control(engine.resume)))


DEFAULT_PAGE_SIZE = 100


def _int_or_none(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number > 0 else None


def _token_for(instance_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": instance_id}).encode()).decode()


def _token_key(token: str) -> str | None:
    """The instance id a continuation token resumes after; None for none or a bad token."""
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (ValueError, KeyError, TypeError):
        return None


def _new_id() -> str:
    return uuid.uuid4().hex


def _normal_time(value: str | None) -> str | None:
    """Query times (ISO 8601, any precision) in the stored form, for string comparison; None
    when absent or not a time."""
    try:
        moment = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return h.iso(moment.astimezone(UTC))
    except (ValueError, OverflowError):
        return None


def instance_id_problem(instance_id: str) -> str | None:
    """Why the extension would refuse an instance id (HttpApiHandler / DurableClient checks),
    or None."""
    if not instance_id or len(instance_id) > 256:
        return "An instance id must have 1 to 256 characters."
    if instance_id.startswith("@"):
        return "An instance id must not start with '@'."
    if any(c in "/\\#?" or ord(c) < 32 or 127 <= ord(c) <= 159 for c in instance_id):
        return "An instance id must not contain '/', '\\', '#', '?' or control characters."
    return None


def _bad_request(message: str) -> web.Response:
    return web.json_response({"Message": message, "ExceptionMessage": message}, status=400)

