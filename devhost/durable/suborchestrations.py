"""Sub-orchestrations: starting the child an episode scheduled, and telling the parent how it ended.

A child is an ordinary instance that remembers its parent and the parent's task id; its end
reaches the parent as a message, as an activity's result does.
"""

from __future__ import annotations

import json

from devhost.durable import history as h
from devhost.durable.state import OrchestratorNotFound, Work
from devhost.durable.store import InstanceRecord


class SubOrchestrationsMixin:
    """Part of Engine (engine.py): uses its `_get`, `start_new` and `_deliver` (scheduler.py)."""

    async def _run_child(self, parent: InstanceRecord, work: Work) -> None:
        child = await self._get(work.child_id)
        if child is None:
            try:
                await self.start_new(work.name, work.child_id, work.input,
                                     parent=(parent.instance_id, work.task_id))
            except OrchestratorNotFound as exc:
                await self._deliver(parent.instance_id, h.event(
                    h.SUB_ORCHESTRATION_FAILED, TaskScheduledId=work.task_id,
                    Reason=str(exc), Details=None))
        elif child.record.is_terminal:
            await self._notify_parent(child.record)

    async def _notify_parent(self, child: InstanceRecord) -> None:
        task_id = child.parent_task_id
        if child.status == "Completed":
            event = h.event(h.SUB_ORCHESTRATION_COMPLETED, TaskScheduledId=task_id,
                            Result=child.output)
        else:
            reason = json.loads(child.output) if child.output else child.status
            event = h.event(h.SUB_ORCHESTRATION_FAILED, TaskScheduledId=task_id,
                            Reason=str(reason), Details=None)
        await self._deliver(child.parent_instance_id, event)
