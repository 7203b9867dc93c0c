"""Scheduling: messages to an instance, the loop that turns them into episodes, and the dispatch
of the work an episode scheduled.

Every change to an instance arrives as a message (a task's result, a timer fired, a raised
event, terminate/suspend/resume) persisted in its inbox before it is handed on, so a crash
loses none. One drain loop per instance, under the instance's lock, applies control messages
first and then replays the rest as one episode (replay.py); the work that episode schedules
goes to activities.py, timers.py or suborchestrations.py, whose results come back here.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from azure.core.exceptions import AzureError

from devhost.durable import history as h
from devhost.durable.state import Instance, Work

# The engine's one logger name, whichever part logs (the log format prints it).
log = logging.getLogger("devhost.durable")
DELIVERY_ATTEMPTS = 8  # about 50 s of back-off in all
_CONTROL = (h.EXECUTION_TERMINATED, h.EXECUTION_SUSPENDED, h.EXECUTION_RESUMED)


class SchedulerMixin:
    """Part of Engine (engine.py): uses its state (`store`, `_closing`, `_get`, `_run_io`,
    `_spawn`), `_apply_control` (control.py), `_episode` (replay.py) and the runners of
    activities.py, timers.py and suborchestrations.py."""

    async def _deliver(self, instance_id: str, event: dict[str, Any]) -> None:
        """Persist a message for an instance and wake it (dropped if the instance finished)."""
        inst = await self._get(instance_id)
        if inst is None or inst.record.is_terminal:
            return
        # A lost message would leave the instance waiting for ever (a queue message on Azure
        # is not lost), so a storage hiccup is retried rather than dropped.
        for attempt in range(DELIVERY_ATTEMPTS):
            try:
                message_id = await self._run_io(self.store.add_message, instance_id, event)
                break
            except AzureError as exc:
                if attempt + 1 == DELIVERY_ATTEMPTS:
                    raise
                log.warning("Retrying a message for %s (%s)", instance_id, exc)
                await asyncio.sleep(0.2 * 2 ** attempt)
        inst.pending.append((message_id, event))
        self._wake(inst)

    def _wake(self, inst: Instance) -> None:
        if inst.draining or self._closing:
            return
        inst.draining = True
        self._spawn(self._drain(inst))

    async def _drain(self, inst: Instance) -> None:
        try:
            while not self._closing:
                async with inst.lock:
                    if inst.record.is_terminal:
                        break
                    control = [m for m in inst.pending if m[1]["EventType"] in _CONTROL]
                    if control:
                        inst.pending = [m for m in inst.pending if m not in control]
                        await self._apply_control(inst, control)
                        continue
                    status = inst.record.status
                    if status == "Suspended":
                        break
                    if not inst.pending and status != "Pending":
                        break
                    batch, inst.pending = inst.pending, []
                    await self._episode(inst, batch)
        finally:
            inst.draining = False
        if any(e["EventType"] in _CONTROL for _, e in inst.pending) or (
                inst.pending and inst.record.status in ("Running", "Pending")):
            self._wake(inst)

    def _dispatch(self, inst: Instance, work: Work) -> None:
        instance_id = inst.record.instance_id
        if work.kind == "activity":
            self._spawn(self._run_activity(instance_id, work))
        elif work.kind == "timer":
            self._spawn(self._run_timer(instance_id, work))
        else:
            self._spawn(self._run_child(inst.record, work))
