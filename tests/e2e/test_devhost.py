"""The devhost runs a function app over real HTTP with real Durable orchestrations on Azurite.

Every test drives `python -m devhost` as a subprocess hosting tests/e2e/pattern_app, through the
same HTTP surface a user or the Durable SDK's client sees.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest
import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueServiceClient, TextBase64DecodePolicy

from tests.support.devhost_process import DevhostProcess
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
PATTERN_APP = Path(__file__).resolve().parent / "pattern_app"
pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def host(storage_connection, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("pattern-host")
    proc = DevhostProcess(ROOT, PATTERN_APP, "function_app", data_dir, storage_connection,
                          {"PATTERN_APP_MARKS": str(data_dir / "marks")})
    proc.start()
    yield proc
    proc.stop()


def marks(proc: DevhostProcess, name: str) -> int:
    path = Path(proc.env["PATTERN_APP_MARKS"]) / name
    return path.stat().st_size if path.exists() else 0


def start(proc: DevhostProcess, orchestrator: str, payload=None, instance_id: str = ""):
    path = f"api/start/{orchestrator}" + (f"/{instance_id}" if instance_id else "")
    r = proc.request("POST", path, json=payload)
    assert r.status_code == 202, r.text
    return r


# -- HTTP triggers ----------------------------------------------------------------------------


def test_http_route_params_query_headers_body_and_response(host):
    r = host.request("PUT", "api/echo/42/a/b/c?x=1&y=two", key=False, data=b"payload",
                     headers={"x-test": "hello"})
    assert r.status_code == 201
    assert r.headers["x-echo"] == "yes"
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"method": "PUT", "route": {"id": "42", "rest": "a/b/c"},
                        "params": {"x": "1", "y": "two"}, "body": "payload", "header": "hello"}


def test_http_route_constraint_method_and_unknown_route(host):
    assert host.request("GET", "api/echo/not-a-number/x", key=False).status_code == 404
    assert host.request("DELETE", "api/echo/1/x", key=False).status_code == 404
    assert host.request("GET", "api/no/such/route").status_code == 404


def test_head_is_served_by_get_routes(host):
    r = requests.head(host.url("api/echo/7/x"), timeout=5)
    assert r.status_code == 201 and r.headers["x-echo"] == "yes" and r.content == b""
    assert requests.head(host.url("api/no/such/route"), timeout=5).status_code == 404


def test_function_and_admin_keys_are_enforced(host):
    assert host.request("POST", "api/start/hello_sequence", key=False).status_code == 401
    r = host.request("POST", "api/start/hello_sequence", key=False,
                     headers={"x-functions-key": "wrong"})
    assert r.status_code == 401
    r = requests.post(host.url(f"api/start/hello_sequence?code={host.function_key}"),
                      json={"cities": []}, timeout=10)
    assert r.status_code == 202
    assert host.request("GET", "api/admin-only").status_code == 401
    r = host.request("GET", "api/admin-only", key=False,
                     headers={"x-functions-key": host.master_key})
    assert r.status_code == 200 and r.text == "admin ok"
    assert requests.get(host.status_url("x").replace(host.system_key, "bad"),
                        timeout=5).status_code == 401


def test_durable_webhooks_take_the_system_key_or_the_master_key_only(host):
    # The Functions host's webhook auth (SystemAuthorizationHandler): an extension's webhook
    # takes its `<name>_extension` system key or the master key; a function key gets 401.
    url = f"{host.base_url}/runtime/webhooks/durabletask/instances"
    for key, expected in ((host.function_key, 401), (None, 401), (host.system_key, 200),
                          (host.master_key, 200)):
        r = requests.get(url, params={"code": key} if key else {}, timeout=5)
        assert r.status_code == expected, (key, r.status_code)
        r = requests.get(url, headers={"x-functions-key": key} if key else {}, timeout=5)
        assert r.status_code == expected, (key, r.status_code)


# -- Durable: client, status API and orchestration patterns ------------------------------------


def test_check_status_payload_headers_and_polling_to_completion(host):
    r = start(host, "slow_steps", {"count": 2})
    body = r.json()
    assert r.headers["Retry-After"] == "10"
    assert r.headers["Location"] == body["statusQueryGetUri"]
    for key in ("id", "statusQueryGetUri", "sendEventPostUri", "terminatePostUri",
                "purgeHistoryDeleteUri", "suspendPostUri", "resumePostUri"):
        assert key in body
    assert body["statusQueryGetUri"].startswith(host.base_url)
    # The status URLs carry the durabletask_extension system key, as the real host's do.
    assert f"code={host.system_key}" in body["statusQueryGetUri"]
    assert host.function_key not in json.dumps(body)

    running = requests.get(body["statusQueryGetUri"], timeout=5)
    assert running.status_code == 202
    assert running.headers["Retry-After"] == "5"
    assert running.headers["Location"] == body["statusQueryGetUri"]
    assert running.json()["runtimeStatus"] in ("Pending", "Running")

    done = host.wait_for_status(body["statusQueryGetUri"])
    final = requests.get(body["statusQueryGetUri"], timeout=5)
    assert final.status_code == 200
    assert done["runtimeStatus"] == "Completed" and done["output"] == 2
    assert set(final.json()) >= {"name", "instanceId", "runtimeStatus", "input", "customStatus",
                                 "output", "createdTime", "lastUpdatedTime"}
    assert final.json()["createdTime"].endswith("Z") and len(final.json()["createdTime"]) == 20


def test_unknown_instance_is_404_with_empty_body(host):
    r = requests.get(host.status_url("does-not-exist"), timeout=5)
    assert r.status_code == 404 and r.content == b""
    client = host.request("GET", "api/client/status/does-not-exist").json()
    assert client["exists"] is False


def test_sequence_with_custom_status_and_history(host):
    body = start(host, "hello_sequence", {"cities": ["Tokyo", "Zürich"]}).json()
    done = host.wait_for_status(body["statusQueryGetUri"])
    assert done["output"] == ["Hello Tokyo!", "Hello Zürich!"]
    assert done["customStatus"] == {"stage": "done"}
    # The start input is double-encoded by the SDK and shows as a JSON string, as in Azure.
    assert done["input"] == '{"cities": ["Tokyo", "Z\\u00fcrich"]}'
    history = requests.get(body["statusQueryGetUri"] + "&showHistory=true&showHistoryOutput=true",
                           timeout=5).json()["historyEvents"]
    kinds = [e["EventType"] for e in history]
    assert kinds[0] == "ExecutionStarted" and kinds[-1] == "ExecutionCompleted"
    # DurableClient.cs (GetDurableOrchestrationStatusAsync): a completed task's TaskScheduled
    # is folded into its TaskCompleted (FunctionName, ScheduledTime, Input) and dropped.
    assert kinds.count("TaskScheduled") == 0 and kinds.count("TaskCompleted") == 2
    completed = [e for e in history if e["EventType"] == "TaskCompleted"]
    assert [e["FunctionName"] for e in completed] == ["say_hello", "say_hello"]
    assert [e["Result"] for e in completed] == ["Hello Tokyo!", "Hello Zürich!"]
    assert all(e["ScheduledTime"] <= e["Timestamp"] and "EventId" not in e
               and "TaskScheduledId" not in e for e in completed)
    assert history[0]["FunctionName"] == "hello_sequence"
    assert history[-1]["OrchestrationStatus"] == "Completed"
    assert history[-1]["Result"] == ["Hello Tokyo!", "Hello Zürich!"]
    bare = requests.get(body["statusQueryGetUri"] + "&showHistory=true", timeout=5).json()
    assert all("Result" not in e for e in bare["historyEvents"])


def test_fan_out_fan_in(host):
    r = host.request("POST", "api/wait/fan_out", json={"count": 60})
    assert r.status_code == 200, r.text
    assert r.json() == sum(range(60))


def test_retry_succeeds_after_transient_failures(host):
    instance = "retry-ok-" + uuid.uuid4().hex[:6]
    start(host, "with_retry", {"fails": 2}, instance)
    done = host.wait_for_status(host.status_url(instance))
    assert done["runtimeStatus"] == "Completed"
    assert done["output"] == "succeeded on attempt 3"
    assert marks(host, f"flaky-{instance}") == 3


def test_retry_gives_up_after_max_attempts(host):
    instance = "retry-fail-" + uuid.uuid4().hex[:6]
    start(host, "with_retry", {"fails": 10}, instance)
    done = host.wait_for_status(host.status_url(instance))
    assert done["runtimeStatus"] == "Failed"
    # TaskActivityShim.cs: the worker's "{type}: {message}" after "failed: " and its space.
    assert done["output"].startswith("Orchestrator function 'with_retry' failed: Activity "
                                     "function 'flaky' failed:  RuntimeError: transient failure 3")
    assert marks(host, f"flaky-{instance}") == 3
    # RetryInterceptor.cs: a timer follows every failed attempt; the one after the last
    # attempt fires at once (kept for replay compatibility), the others wait the interval.
    history = requests.get(host.status_url(instance) + "&showHistory=true",
                           timeout=5).json()["historyEvents"]
    waits = [(_when(e["FireAt"]) - _when(e["Timestamp"])).total_seconds()
             for e in history if e["EventType"] == "TimerCreated"]
    assert len(waits) == 3
    assert all(0.19 <= w <= 0.3 for w in waits[:2]) and abs(waits[2]) < 0.05, waits


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_rewind_runs_the_failed_activity_again_and_continues(host):
    instance = "rewind-" + uuid.uuid4().hex[:6]
    body = start(host, "fails_once", None, instance).json()
    assert "rewindPostUri" in body
    failed = host.wait_for_status(body["statusQueryGetUri"])
    assert failed["runtimeStatus"] == "Failed"
    # HttpApiHandler.cs (rewind) and DurableTask.AzureStorage's RewindHistoryAsync: 202, the
    # failed activity runs again, the one that succeeded does not.
    r = requests.post(body["rewindPostUri"].replace("{text}", "fixed"), timeout=5)
    assert r.status_code == 202, r.text
    done = host.wait_for_status(body["statusQueryGetUri"])
    assert done["runtimeStatus"] == "Completed", done
    assert done["output"] == ["Hello Oslo!", "succeeded on attempt 2"]
    history = requests.get(body["statusQueryGetUri"] + "&showHistory=true",
                           timeout=5).json()["historyEvents"]
    hello = [e for e in history if e.get("Name") == "say_hello"
             or e.get("FunctionName") == "say_hello"]
    assert len(hello) == 1  # one TaskCompleted: the step that worked was not run again
    # A completed instance: 410; unknown: 404.
    assert requests.post(body["rewindPostUri"], timeout=5).status_code == 410
    assert requests.post(body["rewindPostUri"].replace(instance, "nobody"),
                         timeout=5).status_code == 404


def test_failed_status_is_500_when_asked(host):
    instance = "failing-" + uuid.uuid4().hex[:6]
    start(host, "failing", None, instance)
    host.wait_for_status(host.status_url(instance))
    # HttpApiHandler.cs: returnInternalServerErrorOnFailure=true turns a failed 200 into 500.
    assert requests.get(host.status_url(instance), timeout=5).status_code == 200
    r = requests.get(host.status_url(instance) + "&returnInternalServerErrorOnFailure=true",
                     timeout=5)
    assert r.status_code == 500 and r.json()["runtimeStatus"] == "Failed"


def test_rewind_of_a_parent_rewinds_its_failed_child(host):
    instance = "rewind-parent-" + uuid.uuid4().hex[:6]
    body = start(host, "parent_of_fails_once", None, instance).json()
    assert host.wait_for_status(body["statusQueryGetUri"])["runtimeStatus"] == "Failed"
    r = requests.post(body["rewindPostUri"].replace("{text}", "again"), timeout=5)
    assert r.status_code == 202
    done = host.wait_for_status(body["statusQueryGetUri"])
    assert done["output"] == {"child": ["Hello Oslo!", "succeeded on attempt 2"]}, done
    child = requests.get(host.status_url(f"child-{instance}"), timeout=5).json()
    assert child["runtimeStatus"] == "Completed"


def test_rewind_of_a_running_instance_is_refused_as_the_extension_does(host):
    body = start(host, "timer_race", {"seconds": 60}).json()
    r = requests.post(body["rewindPostUri"].replace("{text}", "x"), timeout=5)
    # DurableClient.RewindAsync throws InvalidOperationException; HttpApiHandler answers 500.
    assert r.status_code == 500
    assert "only supported on failed" in r.json()["ExceptionMessage"]
    requests.post(body["terminatePostUri"].replace("{text}", "done"), timeout=5)


def test_instance_queries_come_in_pages_with_continuation_tokens(host):
    prefix = "page-" + uuid.uuid4().hex[:6]
    ids = sorted(f"{prefix}-{i}" for i in range(7))
    for instance in ids:
        start(host, "hello_sequence", {"cities": []}, instance)
    for instance in ids:
        host.wait_for_status(host.status_url(instance))
    # HttpApiHandler.cs: `top` per page, the next page's token in x-ms-continuation-token.
    url = f"{host.base_url}/runtime/webhooks/durabletask/instances"
    params = {"code": host.system_key, "instanceIdPrefix": prefix, "top": "3"}
    seen, token, pages = [], "", 0
    while True:
        r = requests.get(url, params=params, timeout=5,
                         headers={"x-ms-continuation-token": token} if token else {})
        assert r.status_code == 200 and len(r.json()) <= 3
        seen += [s["instanceId"] for s in r.json()]
        pages += 1
        token = r.headers["x-ms-continuation-token"]
        if not token:
            break
    assert seen == ids and pages == 3
    # The app's pager (shared.pipeline.durable_instances) reads every page through the SDK.
    r = host.request("GET", f"api/client/list-all/{prefix}", params={"top": "2"})
    assert r.status_code == 200 and r.json()["ids"] == ids


def test_a_changed_orchestrator_fails_its_replay_as_non_deterministic(host):
    instance = "drift-" + uuid.uuid4().hex[:6]
    body = start(host, "changes_between_episodes", None, instance).json()
    wait_until(lambda: any(e["EventType"] == "TaskCompleted" for e in requests.get(
        body["statusQueryGetUri"] + "&showHistory=true", timeout=5).json()["historyEvents"]),
        timeout=10)
    (Path(host.env["PATTERN_APP_MARKS"]) / f"changed-{instance}").write_text("x")
    send = body["sendEventPostUri"].replace("{eventName}", "Go")
    assert requests.post(send, json=True, timeout=5).status_code == 202
    done = host.wait_for_status(body["statusQueryGetUri"])
    # DurableTask.Core's TaskOrchestrationContext.HandleTaskScheduledEvent, word for word.
    assert done["runtimeStatus"] == "Failed"
    assert done["output"] == (
        "Non-Deterministic workflow detected: A previous execution of this orchestration "
        "scheduled an activity task with sequence number 0 named 'say_hello', but the current "
        "orchestration replay instead scheduled an activity task named 'noop' with this "
        "sequence number.  Was a change made to the orchestrator code after this instance had "
        "already started running?")


def test_a_custom_status_over_16_kb_fails_the_orchestration(host):
    # 8,000 characters are about 16 KB in UTF-16: within the limit; 9,000 are not.
    fine = start(host, "big_status", {"chars": 8000}).json()
    assert host.wait_for_status(fine["statusQueryGetUri"])["runtimeStatus"] == "Completed"
    big = start(host, "big_status", {"chars": 9000}).json()
    done = host.wait_for_status(big["statusQueryGetUri"])
    # DurableOrchestrationContext.SetCustomStatus and MessagePayloadDataConverter.cs.
    assert done["runtimeStatus"] == "Failed"
    assert done["output"] == (
        "Orchestrator function 'big_status' failed: The UTF-16 size of the JSON-serialized "
        "payload must not exceed 16 KB. The current payload size is 17 KB.")


def test_external_event_wins_race_against_timer(host):
    instance = "race-" + uuid.uuid4().hex[:6]
    start(host, "timer_race", {"seconds": 60}, instance)
    time.sleep(0.3)
    r = host.request("POST", f"api/client/raise/{instance}?event=Approval", json={"by": "ana"})
    assert r.status_code == 200
    done = host.wait_for_status(host.status_url(instance), timeout=10)
    # raise_event data reaches the orchestrator as a JSON string (upstream issue #295).
    assert done["output"] == {"approved": '{"by": "ana"}'}


def test_timer_fires_when_no_event_arrives(host):
    instance = "timeout-" + uuid.uuid4().hex[:6]
    started = time.monotonic()
    start(host, "timer_race", {"seconds": 1}, instance)
    done = host.wait_for_status(host.status_url(instance), timeout=10)
    assert done["output"] == {"approved": None, "timedOut": True}
    assert time.monotonic() - started >= 0.9


def test_raise_event_needs_json_and_a_live_instance(host):
    instance = "events-" + uuid.uuid4().hex[:6]
    body = start(host, "timer_race", {"seconds": 60}, instance).json()
    send = body["sendEventPostUri"].replace("{eventName}", "Approval")
    assert requests.post(send, data="x", headers={"Content-Type": "text/plain"},
                         timeout=5).status_code == 400
    r = requests.post(send, data="{not json", headers={"Content-Type": "application/json"},
                      timeout=5)
    assert r.status_code == 400 and r.json()["Message"] == "Invalid JSON content"
    assert requests.post(send, json="yes", timeout=5).status_code == 202
    host.wait_for_status(body["statusQueryGetUri"])
    assert requests.post(send, json="again", timeout=5).status_code == 410
    # HttpApiHandler.cs checks the instance before the media type: 410 and 404 win over 400.
    assert requests.post(send, data="x", headers={"Content-Type": "text/plain"},
                         timeout=5).status_code == 410
    missing = send.replace(instance, "nobody")
    assert requests.post(missing, json=1, timeout=5).status_code == 404
    assert requests.post(missing, data="x", headers={"Content-Type": "text/plain"},
                         timeout=5).status_code == 404


def test_sub_orchestrations(host):
    instance = "parent-" + uuid.uuid4().hex[:6]
    start(host, "parent", None, instance)
    done = host.wait_for_status(host.status_url(instance))
    assert done["output"] == {"first": ["Hello Oslo!"], "second": 3}
    child = requests.get(host.status_url(f"child-{instance}"), timeout=5).json()
    assert child["runtimeStatus"] == "Completed"
    # TaskOrchestrationContext.cs: a child without an id gets "{parent ExecutionId}:{task}".
    unnamed = requests.get(f"{host.base_url}/runtime/webhooks/durabletask/instances", params={
        "code": host.system_key, "top": "1000"}, timeout=5).json()
    ids = [s["instanceId"] for s in unnamed if s["name"] == "hello_sequence"
           and re.fullmatch(r"[0-9a-f]{32}:0", s["instanceId"])]
    assert ids, "the first child's default id"


def test_continue_as_new(host):
    instance = "counter-" + uuid.uuid4().hex[:6]
    start(host, "counter", {"n": 0}, instance)
    done = host.wait_for_status(host.status_url(instance))
    assert done["output"] == {"final": 3}
    assert done["input"] == '{"n": 3}'


def test_orchestrator_failure_is_reported(host):
    instance = "failing-" + uuid.uuid4().hex[:6]
    start(host, "failing", None, instance)
    done = host.wait_for_status(host.status_url(instance))
    assert done["runtimeStatus"] == "Failed"
    # OutOfProcOrchestrationShim.cs and TaskActivityShim.cs, word for word.
    assert done["output"].startswith(
        "Orchestrator function 'failing' failed: Activity function 'boom' failed:  "
        "ValueError: the activity broke")


def test_terminate_running_then_410_after_finish(host):
    instance = "term-" + uuid.uuid4().hex[:6]
    body = start(host, "timer_race", {"seconds": 60}, instance).json()
    terminate = body["terminatePostUri"].replace("{text}", "enough")
    assert requests.post(terminate, timeout=5).status_code == 202
    done = host.wait_for_status(body["statusQueryGetUri"])
    assert done["runtimeStatus"] == "Terminated" and done["output"] == "enough"
    assert requests.post(terminate, timeout=5).status_code == 410
    assert requests.post(terminate.replace(instance, "nobody"), timeout=5).status_code == 404
    # Through the SDK client too: terminating a finished instance is not an error there.
    assert host.request("POST", f"api/client/terminate/{instance}").status_code == 200


def test_suspend_and_resume(host):
    instance = "suspend-" + uuid.uuid4().hex[:6]
    body = start(host, "timer_race", {"seconds": 60}, instance).json()
    time.sleep(0.3)
    assert requests.post(body["suspendPostUri"].replace("{text}", "pause"),
                         timeout=5).status_code == 202
    # Suspend is a message the instance processes (TaskHubClient.SuspendInstanceAsync), so the
    # status changes shortly after the 202, as on Azure.
    host.wait_for_status(body["statusQueryGetUri"], until=("Suspended",), timeout=5)
    host.request("POST", f"api/client/raise/{instance}?event=Approval", json="late")
    time.sleep(0.5)
    assert requests.get(body["statusQueryGetUri"], timeout=5).json()["runtimeStatus"] == \
        "Suspended"
    assert requests.post(body["resumePostUri"].replace("{text}", "go"),
                         timeout=5).status_code == 202
    done = host.wait_for_status(body["statusQueryGetUri"])
    assert done["output"] == {"approved": '"late"'}


def test_a_suspended_instance_can_be_terminated(host):
    body = start(host, "timer_race", {"seconds": 60}).json()
    requests.post(body["suspendPostUri"].replace("{text}", "pause"), timeout=5)
    host.wait_for_status(body["statusQueryGetUri"], until=("Suspended",), timeout=5)
    assert requests.post(body["terminatePostUri"].replace("{text}", "stop"),
                         timeout=5).status_code == 202
    done = host.wait_for_status(body["statusQueryGetUri"], timeout=5)
    assert done["runtimeStatus"] == "Terminated" and done["output"] == "stop"


def test_restart_with_a_new_or_the_same_instance_id(host):
    instance = "restart-" + uuid.uuid4().hex[:6]
    body = start(host, "hello_sequence", {"cities": ["Rome"]}, instance).json()
    host.wait_for_status(body["statusQueryGetUri"])
    # HttpApiHandler.cs (restart): 202 with the check-status payload of the new instance.
    fresh = requests.post(body["restartPostUri"], timeout=5)
    assert fresh.status_code == 202 and fresh.headers["Retry-After"] == "10"
    new_id = fresh.json()["id"]
    assert new_id != instance and fresh.headers["Location"] == fresh.json()["statusQueryGetUri"]
    assert set(body) <= set(fresh.json())
    assert host.wait_for_status(host.status_url(new_id))["output"] == ["Hello Rome!"]
    same = requests.post(body["restartPostUri"].replace(
        "restart?", "restart?restartWithNewInstanceId=false&"), timeout=5)
    assert same.status_code == 202 and same.json()["id"] == instance
    assert host.wait_for_status(host.status_url(instance))["output"] == ["Hello Rome!"]
    missing = body["restartPostUri"].replace(instance, "nobody")
    assert requests.post(missing, timeout=5).status_code == 400  # unknown instance


def test_client_list_and_purge(host):
    prefix = "listed-" + uuid.uuid4().hex[:6]
    for n in range(3):
        start(host, "hello_sequence", {"cities": [str(n)]}, f"{prefix}-{n}")
    for n in range(3):
        host.wait_for_status(host.status_url(f"{prefix}-{n}"))
    listed = host.request("GET", f"api/client/list/{prefix}?status=Completed").json()
    assert listed["ids"] == [f"{prefix}-0", f"{prefix}-1", f"{prefix}-2"]
    purged = host.request("POST", f"api/client/purge/{prefix}-0").json()
    assert purged == {"deleted": 1}
    assert requests.get(host.status_url(f"{prefix}-0"), timeout=5).status_code == 404
    assert host.request("POST", f"api/client/purge/{prefix}-0").json() == {"deleted": 0}


def test_start_with_unknown_orchestrator_is_an_error(host):
    r = host.request("POST", "api/start/no_such_orchestrator")
    assert r.status_code == 500  # the SDK raises; the starter function did not handle it
    assert "doesn't exist" in host.log()


def test_timer_trigger_runs_on_startup_and_on_schedule(host):
    first = marks(host, "timer")
    assert first >= 1  # run_on_startup
    time.sleep(2.5)
    assert marks(host, "timer") > first


# -- Persistence: restarts and blob receipts ---------------------------------------------------


def test_killed_host_resumes_orchestration_and_reruns_unreported_activities(
        storage_connection, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("restart")
    env = {"PATTERN_APP_MARKS": str(data_dir / "marks"), "PATTERN_APP_SLOW_SECONDS": "1"}
    proc = DevhostProcess(ROOT, PATTERN_APP, "function_app", data_dir, storage_connection, env)
    proc.start()
    try:
        start(proc, "slow_steps", {"count": 25}, "restart-me")
        # Ten activity slots: once the second wave has started, the first has finished and,
        # a moment later, reported. Kill while the second wave is still running.
        wait_until(lambda: all(marks(proc, f"slow-{i}") for i in range(10, 20)), timeout=30)
        time.sleep(0.3)
        proc.kill()
        proc.start()
        done = proc.wait_for_status(proc.status_url("restart-me"), timeout=60)
        assert done["runtimeStatus"] == "Completed" and done["output"] == 25
        runs = [marks(proc, f"slow-{i}") for i in range(25)]
        assert all(r >= 1 for r in runs)
        assert all(r == 1 for r in runs[:10])  # reported before the kill: not run again
        assert any(r == 2 for r in runs[10:20])  # in flight at the kill: run again
    finally:
        proc.stop()


def test_activities_in_worker_processes_report_their_own_peak_memory(
        storage_connection, tmp_path_factory):
    # FUNCTIONS_WORKER_PROCESS_COUNT runs activities in worker processes, as `make run` does,
    # and their log lines reach the host's log;
    # DEVHOST_ACTIVITY_MEMORY=1 adds each activity's peak resident memory to its log line,
    # measured afresh when it starts in an idle worker (tests/unit/test_devhost_workers.py;
    # bench/ingest.py reads it): the noop after the allocation reports far less.
    data_dir = tmp_path_factory.mktemp("workers")
    env = {"PATTERN_APP_MARKS": str(data_dir / "marks"), "FUNCTIONS_WORKER_PROCESS_COUNT": "2",
           "DEVHOST_ACTIVITY_MEMORY": "1"}
    proc = DevhostProcess(ROOT, PATTERN_APP, "function_app", data_dir, storage_connection, env)
    proc.start()
    try:
        r = proc.request("POST", "api/wait/allocating", json={"mb": 120})
        assert r.status_code == 200, r.text
        assert r.json() == [120, 1]
        found = {name: (int(mb), pid) for name, mb, pid in re.findall(
            r"Executed '(allocate|noop)' .* peak=(\d+)MB pid=(\d+)", proc.log())}
        (allocate, allocate_pid), (noop, noop_pid) = found["allocate"], found["noop"]
        assert allocate >= 120 + 10 and 10 < noop < allocate - 100, found
        assert allocate_pid == noop_pid  # the least busy process: the first, both times
        assert "INFO pattern_app: allocated 120 MB" in proc.log()  # workers' logs reach it
    finally:
        proc.stop()


def test_worker_processes_run_several_activities_at_once(storage_connection,
                                                        tmp_path_factory):
    # As the Python worker runs sync functions on a thread pool, each worker process runs
    # several activities at once: ten one-second activities over two processes take about a
    # second, not five, and both processes take some.
    data_dir = tmp_path_factory.mktemp("threads")
    env = {"PATTERN_APP_MARKS": str(data_dir / "marks"), "PATTERN_APP_SLOW_SECONDS": "1",
           "FUNCTIONS_WORKER_PROCESS_COUNT": "2", "DEVHOST_ACTIVITY_MEMORY": "1"}
    proc = DevhostProcess(ROOT, PATTERN_APP, "function_app", data_dir, storage_connection, env)
    proc.start()
    try:
        proc.request("POST", "api/wait/slow_steps", json={"count": 2})  # workers warm
        started = time.monotonic()
        r = proc.request("POST", "api/wait/slow_steps", json={"count": 10})
        elapsed = time.monotonic() - started
        assert r.status_code == 200 and r.json() == 10, r.text
        assert elapsed < 3.5, elapsed
        pids = re.findall(r"Executed 'slow' .* pid=(\d+)", proc.log())
        assert len(pids) == 12 and len(set(pids)) == 2
    finally:
        proc.stop()


def test_blob_trigger_fires_once_per_blob_version_across_restarts(
        storage_connection, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("blobs")
    proc = DevhostProcess(ROOT, PATTERN_APP, "function_app", data_dir, storage_connection,
                          {"PATTERN_APP_MARKS": str(data_dir / "marks")})
    blobs = BlobServiceClient.from_connection_string(storage_connection)
    container = blobs.get_container_client("pattern-drop")
    name = f"f-{uuid.uuid4().hex[:6]}/nested/file.csv"
    mark = "blob-pattern-drop_" + name.replace("/", "_")
    proc.start()
    try:
        container.upload_blob(name, b"v1", overwrite=True)
        wait_until(lambda: marks(proc, mark) == 1)
        time.sleep(1.0)  # several more polls
        assert marks(proc, mark) == 1
        proc.restart()
        time.sleep(1.0)
        assert marks(proc, mark) == 1  # receipt survived the restart
        container.upload_blob(name, b"v2", overwrite=True)
        wait_until(lambda: marks(proc, mark) == 2)
    finally:
        proc.stop()


def test_host_json_overrides_bound_concurrent_replays(storage_connection, tmp_path_factory):
    # The Functions host reads AzureFunctionsJobHost__* app settings over host.json; with
    # maxConcurrentOrchestratorFunctions at 1, four 0.4 s episodes run one after another.
    data_dir = tmp_path_factory.mktemp("one-orchestrator")
    proc = DevhostProcess(ROOT, PATTERN_APP, "function_app", data_dir, storage_connection, {
        "PATTERN_APP_MARKS": str(data_dir / "marks"),
        "AzureFunctionsJobHost__extensions__durableTask__maxConcurrentOrchestratorFunctions": "1"})
    proc.start()
    try:
        started = time.monotonic()
        bodies = [start(proc, "slow_replay").json() for _ in range(4)]
        for body in bodies:
            assert proc.wait_for_status(body["statusQueryGetUri"])["output"] == "ok"
        assert time.monotonic() - started >= 1.5
    finally:
        proc.stop()


def test_failing_blob_is_retried_five_times_then_poison(storage_connection, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("poison")
    proc = DevhostProcess(ROOT, PATTERN_APP, "function_app", data_dir, storage_connection,
                          {"PATTERN_APP_MARKS": str(data_dir / "marks")})
    blobs = BlobServiceClient.from_connection_string(storage_connection)
    name = f"p-{uuid.uuid4().hex[:6]}/bad.csv"
    proc.start()
    try:
        blobs.get_container_client("pattern-drop").upload_blob(name, b"poison", overwrite=True)
        # The Functions host's poison message (BlobTriggerExecutor): base64 JSON on the
        # webjobs-blobtrigger-poison queue.
        queue = QueueServiceClient.from_connection_string(storage_connection).get_queue_client(
            "webjobs-blobtrigger-poison", message_decode_policy=TextBase64DecodePolicy())

        def poison_messages() -> list[dict]:
            try:  # the host creates the queue on its first scan
                found = [json.loads(m.content) for m in queue.peek_messages(max_messages=32)]
            except ResourceNotFoundError:
                return []
            return [m for m in found if m["BlobName"] == name]

        wait_until(lambda: poison_messages() and "is poison for 'on_drop'" in proc.log(),
                   timeout=15)
        assert proc.log().count(f"failed on {name}") == 4
        assert f"Blob '{name}' is poison for 'on_drop' after 5 attempts" in proc.log()
        mine = poison_messages()
        # (The module's other pattern host watches the same container on the same Azurite,
        # so it may poison the blob too: one message per host.)
        assert 1 <= len(mine) <= 2
        assert all(m == {"Type": "BlobTrigger", "FunctionId": "Host.Functions.on_drop",
                         "BlobType": "BlockBlob", "ContainerName": "pattern-drop",
                         "BlobName": name, "ETag": mine[0]["ETag"]} for m in mine)
        assert mine[0]["ETag"].startswith('"0x')
    finally:
        proc.stop()

