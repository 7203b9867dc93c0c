"""Durable timers: when a retry's timer fires, and firing a timer when its time comes.

A timer is a message like any other: the TimerFired event goes to the instance's inbox, so a
timer that was due while the host was down fires on restart (recovery dispatches it again).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from devhost.durable import history as h
from devhost.durable.state import Work


class TimersMixin:
    """Part of Engine (engine.py): uses its `_deliver` (scheduler.py)."""

    async def _run_timer(self, instance_id: str, work: Work) -> None:
        delay = (work.fire_at - h.utcnow()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        await self._deliver(instance_id, h.event(h.TIMER_FIRED, TimerId=work.task_id,
                                                 FireAt=h.iso(work.fire_at)))


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
