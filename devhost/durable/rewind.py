"""Rewind, the management API's second chance for a failed instance: its failures become events
the replay skips, so the next episode runs the failed work again."""

from __future__ import annotations

from typing import Any

from devhost.durable import history as h
from devhost.durable.state import Instance, NotFailed


class RewindMixin:
    """Part of Engine (engine.py): uses its state (`store`, `_instances`, `_get`, `_run_io`)
    and `_deliver` (scheduler.py)."""

    async def rewind(self, instance_id: str, reason: str) -> int:
        """Run a failed instance's failed work again and let it continue from there.

        As DurableTask.AzureStorage's RewindHistoryAsync: the failure events (TaskFailed, the
        failed ExecutionCompleted, SubOrchestrationInstanceFailed) and each failed activity's
        TaskScheduled become GenericEvents the replay skips; failed sub-orchestrations are
        rewound in turn; the instance goes back to Pending and the deepest failed instances get
        a GenericEvent message that wakes them. Only failed instances (DurableClient.cs).
        """
        inst = await self._get(instance_id)
        if inst is None:
            return 404
        if inst.record.status in ("Completed", "Terminated", "Canceled"):
            return 410
        if inst.record.status != "Failed":
            raise NotFailed("The rewind operation is only supported on failed orchestration "
                            "instances.")
        for leaf in await self._rewind_history(inst):
            await self._deliver(leaf, h.event(h.GENERIC, Data=reason))
        return 202

    async def _rewind_history(self, inst: Instance) -> list[str]:
        """Clear an instance's failures (and its failed children's); the instances to wake."""
        record = inst.record
        events, inst.consumed = await self._run_io(self.store.load_history, record.instance_id)
        changed: dict[int, dict[str, Any]] = {}
        leaves: list[str] = []
        failed_children = False
        by_id = {e["EventId"]: (i, e) for i, e in enumerate(events)
                 if e["EventType"] in h.SCHEDULING_EVENTS}
        for index, e in enumerate(events):
            kind = e["EventType"]
            if kind not in (h.TASK_FAILED, h.SUB_ORCHESTRATION_FAILED, h.EXECUTION_FAILED):
                continue
            scheduled = by_id.get(e.get("TaskScheduledId"))
            if kind == h.TASK_FAILED and scheduled:
                changed[scheduled[0]] = _rewound(scheduled[1])
            if kind == h.SUB_ORCHESTRATION_FAILED and scheduled:
                failed_children = True
                created = scheduled[1]
                changed[scheduled[0]] = dict(created, Reason=f"Rewound: {_name_of(created)}")
                child = await self._get(created["InstanceId"])
                if child is not None and child.record.status == "Failed":
                    leaves += await self._rewind_history(child)
            changed[index] = _rewound(e)
        await self._run_io(self.store.rewrite_history, record.instance_id, changed)
        for index, e in changed.items():
            events[index] = e
        inst.history = events
        record.status, record.output = "Pending", None
        record.updated = h.iso(h.utcnow())
        await self._run_io(self.store.save_instance, record)
        self._instances[record.instance_id] = inst
        return leaves if failed_children else [record.instance_id]


def _name_of(event: dict[str, Any]) -> str:
    return h.EVENT_NAMES.get(event["EventType"], str(event["EventType"]))


def _rewound(event: dict[str, Any]) -> dict[str, Any]:
    """The event as a rewind leaves it: a GenericEvent the replay skips, saying what it was."""
    return dict(event, EventType=h.GENERIC, Reason=f"Rewound: {_name_of(event)}")
