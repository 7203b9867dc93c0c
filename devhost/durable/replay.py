"""Replay: one episode of an instance, and what it leaves in history.

Each episode hands the SDK the instance's history plus the new messages (as the extension
does, through sdk.py), then records what came of it: the work the orchestrator now waits for,
or its end (completed, failed, continued as new). History is committed before any new work is
dispatched, so a crash in between re-dispatches that work on start-up rather than losing it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any

from devhost import invoke
from devhost.durable import history as h
from devhost.durable import sdk
from devhost.durable.state import Instance, Work, scheduling_event

# The engine's one logger name, whichever part logs (the log format prints it).
log = logging.getLogger("devhost.durable")
MAX_CUSTOM_STATUS_KB = 16


class ReplayMixin:
    """Part of Engine (engine.py): uses its state (`index`, `store`, `_instances`, `_workers`,
    `_orchestrator_slots`, `_run_io`), `_dispatch` (scheduler.py) and `_notify_parent`
    (suborchestrations.py)."""

    async def _episode(self, inst: Instance, batch: list[tuple[str, dict[str, Any]]]) -> None:
        record = inst.record
        info = self.index.orchestrators.get(record.name)
        now = h.utcnow()
        new_events = [h.event(h.ORCHESTRATOR_STARTED, when=now)]
        message_ids: list[str | None] = [None]
        if not inst.history:
            new_events.append(h.event(h.EXECUTION_STARTED, when=now, Name=record.name,
                                      Input=record.input, Version=None))
            message_ids.append(None)
        for message_id, event in batch:
            new_events.append(event)
            message_ids.append(message_id)

        if info is None:
            error = f"The orchestrator function '{record.name}' does not exist in this app."
            state, open_tasks, generated = {"isDone": False, "actions": []}, {}, {}
        else:
            played = [dict(e, IsPlayed=True) for e in inst.history]
            context = {
                "history": played + new_events,
                "input": record.input,
                "instanceId": record.instance_id,
                "isReplaying": bool(played),
                "parentInstanceId": record.parent_instance_id,
                "upperSchemaVersion": 2,
            }
            loop = asyncio.get_running_loop()
            started = time.perf_counter()
            async with self._orchestrator_slots:
                state, open_tasks, generated, error = await loop.run_in_executor(
                    self._workers, sdk.run_orchestrator, info.func, context)
            # Each episode is an invocation of the orchestrator function, as in the host.
            invoke.log_invocation(record.name, str(uuid.uuid4()), started,
                                  "Succeeded" if error is None else f"Failed ({error})",
                                  record.instance_id)

        scheduled = {e["EventId"] for e in inst.history if e["EventType"] in h.SCHEDULING_EVENTS}
        work: list[Work] = []
        failure = None if error is None else \
            f"Orchestrator function '{record.name}' failed: {error}"
        if error is None and info is not None:
            changed = sdk.nondeterminism(inst.history, generated)
            if changed:
                error = failure = f"Non-Deterministic workflow detected: {changed}"
        if error is None:
            try:
                work = [w for w in sdk.new_work(open_tasks, record, now)
                        if w.task_id not in scheduled]
            except sdk.Unsupported as exc:
                error = str(exc)
                failure = f"Orchestrator function '{record.name}' failed: {error}"
        for w in work:
            new_events.append(scheduling_event(w, now))
            message_ids.append(None)
        new_events.append(h.event(h.ORCHESTRATOR_COMPLETED, when=now))
        message_ids.append(None)

        custom = state.get("customStatus")
        record.custom_status = json.dumps(custom) if custom is not None else None
        too_large = custom_status_problem(custom)
        if failure is None and too_large:
            failure = f"Orchestrator function '{record.name}' failed: {too_large}"
            record.custom_status = None
        continue_as_new = sdk.continue_as_new_input(state)

        if failure is not None:
            message = failure
            await self._finish(inst, [*new_events, h.event(h.EXECUTION_FAILED, Reason=message)],
                               [*message_ids, None], "Failed", json.dumps(message))
            return
        if state.get("isDone") and continue_as_new is not None:
            await self._continue_as_new(inst, continue_as_new, [m for m, _ in batch])
            return
        if state.get("isDone"):
            output = json.dumps(state.get("output"))
            await self._finish(
                inst, [*new_events, h.event(h.EXECUTION_COMPLETED, Result=output)],
                [*message_ids, None], "Completed", output)
            return

        await self._commit(inst, new_events, message_ids)
        record.status = "Running"
        record.updated = h.iso(h.utcnow())
        await self._run_io(self.store.save_instance, record)
        await self._consume(inst, [m for m, _ in batch])
        for w in work:
            self._dispatch(inst, w)

    async def _commit(self, inst: Instance, events: list[dict[str, Any]],
                      message_ids: list[str | None]) -> None:
        await self._run_io(self.store.append_history, inst.record.instance_id,
                           len(inst.history), events, message_ids)
        inst.history.extend(events)
        inst.consumed.update(m for m in message_ids if m)

    async def _consume(self, inst: Instance, message_ids: list[str]) -> None:
        if message_ids:
            await self._run_io(self.store.delete_messages, inst.record.instance_id, message_ids)

    async def _finish(self, inst: Instance, events: list[dict[str, Any]],
                      message_ids: list[str | None], status: str, output: str) -> None:
        """End the instance; its remaining messages can no longer matter."""
        record = inst.record
        await self._commit(inst, events, message_ids or [None] * len(events))
        record.status = status
        record.output = output
        record.updated = h.iso(h.utcnow())
        await self._run_io(self.store.save_instance, record)
        await self._run_io(self.store.delete_all_messages, record.instance_id)
        inst.pending = []
        log.info("Orchestration '%s' instance=%s %s", record.name, record.instance_id, status)
        # Finished instances live in storage only: the cache holds work in progress.
        self._instances.pop(record.instance_id, None)
        if record.parent_instance_id:
            await self._notify_parent(record)

    async def _continue_as_new(self, inst: Instance, new_input: str,
                               consumed: list[str]) -> None:
        record = inst.record
        await self._run_io(self.store.delete_history, record.instance_id)
        inst.history, inst.consumed = [], set()
        await self._consume(inst, consumed)
        record.input = new_input
        record.execution_id = uuid.uuid4().hex
        record.status = "Pending"
        record.output = None
        record.updated = h.iso(h.utcnow())
        await self._run_io(self.store.save_instance, record)
        # The next loop of _drain runs the new generation's first episode.


def custom_status_problem(custom: Any) -> str | None:
    """The extension's refusal of a custom status over 16 KB of UTF-16 JSON
    (DurableOrchestrationContext.SetCustomStatus, MessagePayloadDataConverter.cs), or None."""
    if custom is None:
        return None
    text = json.dumps(custom, separators=(",", ":"), ensure_ascii=False)
    size_kb = int(len(text.encode("utf-16-le")) / 1024)
    if size_kb <= MAX_CUSTOM_STATUS_KB:
        return None
    return ("The UTF-16 size of the JSON-serialized payload must not exceed "
            f"{MAX_CUSTOM_STATUS_KB:,} KB. The current payload size is {size_kb:,} KB.")
