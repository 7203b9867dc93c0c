"""A small function app exercising every pattern the devhost supports (used by tests/e2e)."""

import json
import logging
import os
import time
from datetime import timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
MARKS = Path(os.environ.get("PATTERN_APP_MARKS", "/tmp/pattern-app-marks"))


def _mark(name: str) -> int:
    """Count calls in a file, so tests can see how often something ran across restarts."""
    MARKS.mkdir(parents=True, exist_ok=True)
    with open(MARKS / name, "a") as f:
        f.write("x")
    return (MARKS / name).stat().st_size


@app.route(route="start/{name}/{instance_id?}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client) -> func.HttpResponse:
    body = req.get_body()
    payload = json.loads(body) if body else None
    instance_id = await client.start_new(req.route_params["name"],
                                         req.route_params.get("instance_id"), payload)
    return client.create_check_status_response(req, instance_id)


@app.route(route="wait/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start_and_wait(req: func.HttpRequest, client) -> func.HttpResponse:
    instance_id = await client.start_new(req.route_params["name"], None, req.get_json())
    return await client.wait_for_completion_or_create_check_status_response(
        req, instance_id, timeout_in_milliseconds=20000, retry_interval_in_milliseconds=200)


@app.route(route="client/{op}/{instance_id}", methods=["POST", "GET"])
@app.durable_client_input(client_name="client")
async def client_ops(req: func.HttpRequest, client) -> func.HttpResponse:
    op, instance_id = req.route_params["op"], req.route_params["instance_id"]
    if op == "status":
        status = await client.get_status(instance_id, show_history=True)
        body = {"exists": bool(status), "runtimeStatus": getattr(
            status.runtime_status, "value", None), "output": status.output,
            "customStatus": status.custom_status}
    elif op == "raise":
        await client.raise_event(instance_id, req.params["event"], req.get_json())
        body = {"raised": True}
    elif op == "terminate":
        await client.terminate(instance_id, "stopped by test")
        body = {"terminated": True}
    elif op == "purge":
        result = await client.purge_instance_history(instance_id)
        body = {"deleted": result.instances_deleted}
    elif op == "list":
        statuses = await client.get_status_by(runtime_status=[
            df.OrchestrationRuntimeStatus(s) for s in req.params["status"].split(",")])
        body = {"ids": sorted(s.instance_id for s in statuses
                              if s.instance_id.startswith(instance_id))}
    elif op == "list-all":  # the app's pager over every page of the instance query
        from shared.pipeline import durable_instances
        found = await durable_instances.list_all(client, page_size=int(req.params["top"]))
        body = {"ids": sorted(s["instanceId"] for s in found
                              if s["instanceId"].startswith(instance_id))}
    else:
        return func.HttpResponse(status_code=404)
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.route(route="echo/{id:int}/{*rest}", methods=["GET", "PUT"],
           auth_level=func.AuthLevel.ANONYMOUS)
def echo(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps({
        "method": req.method, "route": dict(req.route_params), "params": dict(req.params),
        "body": req.get_body().decode(), "header": req.headers.get("x-test"),
    }), status_code=201, headers={"x-echo": "yes"}, mimetype="application/json")


@app.route(route="admin-only", auth_level=func.AuthLevel.ADMIN)
def admin_only(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("admin ok")


@app.orchestration_trigger(context_name="context")
def hello_sequence(context: df.DurableOrchestrationContext):
    context.set_custom_status({"stage": "greeting"})
    out = []
    for city in context.get_input()["cities"]:
        out.append((yield context.call_activity("say_hello", city)))
    context.set_custom_status({"stage": "done"})
    return out


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    count = context.get_input()["count"]
    results = yield context.task_all([context.call_activity("noop", i) for i in range(count)])
    return sum(results)


@app.orchestration_trigger(context_name="context")
def with_retry(context: df.DurableOrchestrationContext):
    options = df.RetryOptions(first_retry_interval_in_milliseconds=200,
                              max_number_of_attempts=3)
    fails = context.get_input()["fails"]
    return (yield context.call_activity_with_retry("flaky", options,
                                                   {"key": context.instance_id, "fails": fails}))


@app.orchestration_trigger(context_name="context")
def fails_once(context: df.DurableOrchestrationContext):
    """A step, then an activity that fails on its first attempt only: one to rewind."""
    first = yield context.call_activity("say_hello", "Oslo")
    second = yield context.call_activity("flaky", {"key": context.instance_id, "fails": 1})
    return [first, second]


@app.orchestration_trigger(context_name="context")
def changes_between_episodes(context: df.DurableOrchestrationContext):
    """Stands for orchestrator code deployed anew while an instance waits: once the test
    writes the marker, a replay schedules a different activity where history has another."""
    changed = (MARKS / f"changed-{context.instance_id}").exists()
    yield context.call_activity("noop" if changed else "say_hello", 1 if changed else "Oslo")
    yield context.wait_for_external_event("Go")
    return "finished"


@app.orchestration_trigger(context_name="context")
def slow_replay(context: df.DurableOrchestrationContext):
    """Its one episode takes a while (never do this in a real orchestrator): lets a test see
    how many replays run at once."""
    time.sleep(0.4)
    return "ok"


@app.orchestration_trigger(context_name="context")
def big_status(context: df.DurableOrchestrationContext):
    context.set_custom_status({"text": "x" * context.get_input()["chars"]})
    yield context.call_activity("noop", 1)
    return "done"


@app.orchestration_trigger(context_name="context")
def parent_of_fails_once(context: df.DurableOrchestrationContext):
    child = yield context.call_sub_orchestrator("fails_once", None,
                                                f"child-{context.instance_id}")
    return {"child": child}


@app.orchestration_trigger(context_name="context")
def timer_race(context: df.DurableOrchestrationContext):
    deadline = context.current_utc_datetime + timedelta(seconds=context.get_input()["seconds"])
    timer = context.create_timer(deadline)
    approval = context.wait_for_external_event("Approval")
    winner = yield context.task_any([approval, timer])
    if winner == approval:
        timer.cancel()
        return {"approved": approval.result}
    return {"approved": None, "timedOut": True}


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext):
    first = yield context.call_sub_orchestrator("hello_sequence", {"cities": ["Oslo"]})
    second = yield context.call_sub_orchestrator("fan_out", {"count": 3},
                                                 "child-" + context.instance_id)
    return {"first": first, "second": second}


@app.orchestration_trigger(context_name="context")
def counter(context: df.DurableOrchestrationContext):
    n = context.get_input()["n"]
    if n < 3:
        yield context.call_activity("noop", n)
        context.continue_as_new({"n": n + 1})
        return None
    return {"final": n}


@app.orchestration_trigger(context_name="context")
def failing(context: df.DurableOrchestrationContext):
    yield context.call_activity("boom", None)
    return "unreachable"


@app.orchestration_trigger(context_name="context")
def slow_steps(context: df.DurableOrchestrationContext):
    """Slow activities, so tests can kill the host in the middle."""
    results = yield context.task_all([context.call_activity("slow", i) for i in range(
        context.get_input()["count"])])
    return len(results)


@app.activity_trigger(input_name="city")
def say_hello(city: str) -> str:
    return f"Hello {city}!"


@app.activity_trigger(input_name="value")
def noop(value: int) -> int:
    return value


@app.orchestration_trigger(context_name="context")
def allocating(context: df.DurableOrchestrationContext):
    held = yield context.call_activity("allocate", context.get_input()["mb"])
    after = yield context.call_activity("noop", 1)
    return [held, after]


@app.activity_trigger(input_name="mb")
def allocate(mb: int) -> int:
    block = b"x" * (mb * 1024 * 1024)  # written, so resident
    logging.getLogger("pattern_app").info("allocated %d MB", mb)
    return len(block) // (1024 * 1024)


@app.activity_trigger(input_name="spec")
def flaky(spec: dict) -> str:
    attempt = _mark("flaky-" + spec["key"])
    if attempt <= spec["fails"]:
        raise RuntimeError(f"transient failure {attempt}")
    return f"succeeded on attempt {attempt}"


@app.activity_trigger(input_name="unused")
def boom(unused) -> None:
    raise ValueError("the activity broke")


@app.activity_trigger(input_name="i")
def slow(i: int) -> int:
    _mark(f"slow-{i}")
    time.sleep(float(os.environ.get("PATTERN_APP_SLOW_SECONDS", "0.5")))
    return i


@app.blob_trigger(arg_name="blob", path="pattern-drop/{folder}/{name}",
                  connection="AzureWebJobsStorage", source=func.BlobSource.EVENT_GRID)
def on_drop(blob: func.InputStream) -> None:
    content = blob.read().decode()
    if content == "poison":
        raise ValueError("this blob always fails")
    _mark("blob-" + blob.name.replace("/", "_"))


@app.timer_trigger(arg_name="timer", schedule="*/2 * * * * *", run_on_startup=True)
def every_two_seconds(timer: func.TimerRequest) -> None:
    _mark("timer")
