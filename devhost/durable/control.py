"""Messages a client sends a running instance: raise an event, terminate, suspend, resume.

As in the extension, each is a message to the instance: the 202 comes back at once and the
instance changes when it processes the message (so a caller must wait for the status, as on
Azure). The scheduler's drain loop hands control messages to `_apply_control` before any
episode runs.
"""

from __future__ import annotations

import json
from typing import Any

from devhost.durable import history as h
from devhost.durable.state import Instance


class ControlMixin:
    """Part of Engine (engine.py): uses its state (`store`, `_get`, `_run_io`), `_deliver`
    (scheduler.py) and `_commit`, `_consume`, `_finish` (replay.py)."""

    async def raise_event(self, instance_id: str, name: str, data_text: str | None) -> int:
        inst = await self._get(instance_id)
        if inst is None:
            return 404
        if inst.record.is_terminal:
            return 410
        await self._deliver(instance_id, h.event(h.EVENT_RAISED, Name=name, Input=data_text))
        return 202

    async def terminate(self, instance_id: str, reason: str) -> int:
        return await self._send_control(instance_id, h.event(h.EXECUTION_TERMINATED,
                                                             Input=reason))

    async def suspend(self, instance_id: str, reason: str) -> int:
        return await self._send_control(instance_id, h.event(h.EXECUTION_SUSPENDED,
                                                             Reason=reason))

    async def resume(self, instance_id: str, reason: str) -> int:
        return await self._send_control(instance_id, h.event(h.EXECUTION_RESUMED,
                                                             Reason=reason))

    async def _send_control(self, instance_id: str, event: dict[str, Any]) -> int:
        inst = await self._get(instance_id)
        if inst is None:
            return 404
        if inst.record.is_terminal:
            return 410
        await self._deliver(instance_id, event)
        return 202

    async def _apply_control(self, inst: Instance,
                             messages: list[tuple[str, dict[str, Any]]]) -> None:
        """Terminate ends the instance; suspend holds its other messages until resume."""
        record = inst.record
        for message_id, event in messages:
            kind = event["EventType"]
            if kind == h.EXECUTION_TERMINATED:
                await self._finish(inst, [event], [message_id], "Terminated",
                                   json.dumps(event.get("Input")))
                return
            wanted = "Suspended" if kind == h.EXECUTION_SUSPENDED else "Running"
            if (record.status == "Suspended") != (wanted == "Suspended"):
                await self._commit(inst, [event], [message_id])
                record.status = wanted
                record.updated = h.iso(h.utcnow())
                await self._run_io(self.store.save_instance, record)
            await self._consume(inst, [message_id])
