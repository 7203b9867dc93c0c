"""Running an activity an episode scheduled, and reporting its result to the instance.

In the host's own process by default (invoke.py), or in worker processes (workers.py) when
`FUNCTIONS_WORKER_PROCESS_COUNT` > 1. Either way the result or the failure, worded as the real
host words it (failures.py), comes back to the instance as a message.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from devhost import invoke, workers
from devhost.durable import failures
from devhost.durable import history as h
from devhost.durable.state import Work
from devhost.functions import FunctionInfo


class ActivitiesMixin:
    """Part of Engine (engine.py): uses its `index`, `client_binding`, `_activity_slots`,
    `_workers`, `_processes` and `_deliver` (scheduler.py)."""

    async def _run_activity(self, instance_id: str, work: Work) -> None:
        async with self._activity_slots:
            info = self.index.activities.get(work.name)
            if info is None:
                event = _task_failed(work, *failures.activity_missing(work.name))
            elif self._processes is not None:
                event = await self._run_in_process(instance_id, work, info)
            else:
                try:
                    arg = ActivityTriggerConverter.decode(
                        meta.Datum(type="json", value=work.input or "null"), trigger_metadata={})
                    kwargs = {info.trigger_param: arg}
                    if info.client_param and self.client_binding is not None:
                        kwargs[info.client_param] = self.client_binding()
                    result = await invoke.call(info, kwargs, self._workers,
                                               instance_id=instance_id)
                    text = ActivityTriggerConverter.encode(result, expected_type=None).value
                    event = h.event(h.TASK_COMPLETED, TaskScheduledId=work.task_id, Result=text)
                except Exception as exc:  # the activity's failure becomes the task's failure
                    event = _task_failed(
                        work, *failures.activity_failed(work.name, *failures.worker_message(exc)))
        await self._deliver(instance_id, event)

    async def _run_in_process(self, instance_id: str, work: Work,
                              info: FunctionInfo) -> dict[str, Any]:
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        binding = self.client_binding() if info.client_param and self.client_binding else ""
        ok, text, details, memory = await loop.run_in_executor(
            self._processes, workers.run_activity, work.name, work.input or "null", binding)
        invoke.log_invocation(work.name, str(uuid.uuid4()), started,
                              "Succeeded" if ok else f"Failed ({text})", instance_id, memory)
        if ok:
            return h.event(h.TASK_COMPLETED, TaskScheduledId=work.task_id, Result=text)
        return _task_failed(work, *failures.activity_failed(work.name, text, details))


def _task_failed(work: Work, reason: str, details: str) -> dict[str, Any]:
    return h.event(h.TASK_FAILED, TaskScheduledId=work.task_id, Reason=reason, Details=details)
