"""Durable timers: when a retry's timer fires."""

from __future__ import annotations

from datetime import timedelta
from typing import Any


def retry_delay(options: dict[str, Any], attempts: int) -> timedelta:
    """How long the timer after a failed attempt waits (DurableTask.Core's RetryInterceptor.cs,
    options as RetryOptionsConverter.cs reads the SDK's JSON): the first retry interval times the
    backoff coefficient to the power of the attempts so far minus one, capped by the maximum
    interval. After the last attempt a timer is still created (the SDK waits for it) but fires
    at once. `retryTimeoutInMilliseconds` is not applied (see devhost/README.md)."""
    if attempts >= options["maxNumberOfAttempts"]:
        return timedelta(0)
    delay = options["firstRetryIntervalInMilliseconds"] * \
        float(options.get("backoffCoefficient", 1)) ** (attempts - 1)
    ceiling = options.get("maxRetryIntervalInMilliseconds")
    return timedelta(milliseconds=min(delay, ceiling) if ceiling else delay)
