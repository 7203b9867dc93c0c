"""shared.pipeline.failures.readable: one clean line from either host's activity failure text."""

from __future__ import annotations

import json

import pytest

from devhost.durable import failures as host_failures
from shared.pipeline.failures import readable

# What the Python SDK raises in the orchestrator for a TaskFailed event: f"{Reason} \n {Details}"
# (TaskOrchestrationExecutor.py).


def _sdk_error(reason: str, details: str | None) -> Exception:
    return Exception(f"{reason} \n {details}")


def test_the_functions_host_format_reads_cleanly():
    # As TaskActivityShim.cs writes it: two spaces after "failed:", .NET exception JSON after.
    details = json.dumps({"ClassName": "System.Exception", "Message": " ValueError: bad row",
                          "InnerException": {"Message": "Result: Failure\nException: "
                                             "ValueError: bad row\nStack:   File ..."}})
    error = _sdk_error("Activity function 'store_rows' failed:  ValueError: bad row", details)
    assert readable(error) == "Activity function 'store_rows' failed: ValueError: bad row"


def test_the_earlier_devhost_format_reads_the_same_way():
    error = _sdk_error("Activity function 'store_rows' failed: ValueError: bad row",
                       "Traceback (most recent call last):\n  File ...")
    assert readable(error) == "Activity function 'store_rows' failed: ValueError: bad row"


def test_devhost_writes_the_real_hosts_text():
    try:
        raise ValueError("bad row\nsecond line")
    except ValueError as exc:
        reason, details = host_failures.activity_failed("store_rows",
                                                        *host_failures.worker_message(exc))
    assert reason == "Activity function 'store_rows' failed:  ValueError: bad row\nsecond line"
    parsed = json.loads(details)
    assert parsed["Message"] == " ValueError: bad row\nsecond line"
    assert parsed["InnerException"]["Message"].startswith(
        "Result: Failure\nException: ValueError: bad row")
    assert readable(_sdk_error(reason, details)) == \
        "Activity function 'store_rows' failed: ValueError: bad row"


@pytest.mark.parametrize("text, expected", [
    ("", "Exception"),
    ("plain words", "plain words"),
    ("Orchestrator function 'p' failed: Activity function 'a' failed:  KeyError: 'x'",
     "Orchestrator function 'p' failed: Activity function 'a' failed: KeyError: 'x'"),
])
def test_other_texts(text, expected):
    assert readable(Exception(text)) == expected


# -- devhost's retry timers (DurableTask.Core RetryInterceptor.cs) ----------------------------

def test_retry_delays_follow_the_retry_interceptor():
    from datetime import timedelta

    from devhost.durable.timers import retry_delay
    options = {"firstRetryIntervalInMilliseconds": 1000, "maxNumberOfAttempts": 5,
               "backoffCoefficient": 2, "maxRetryIntervalInMilliseconds": 5000}
    assert [retry_delay(options, n) for n in (1, 2, 3, 4, 5)] == [
        timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=5),
        timedelta(0)]  # capped at the maximum; after the last attempt the timer fires at once
    plain = {"firstRetryIntervalInMilliseconds": 2000, "maxNumberOfAttempts": 3}
    assert [retry_delay(plain, n) for n in (1, 2, 3)] == [
        timedelta(seconds=2), timedelta(seconds=2), timedelta(0)]
