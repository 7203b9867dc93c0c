"""The orchestration engine: episodes replayed by the Durable SDK, work scheduled from its tasks.

Each episode hands the SDK the instance's history plus the new messages (as the extension
does), then reads the SDK's own open tasks to learn what the orchestrator now waits for
(sdk.py, the one module that leans on SDK internals). What the engine's parts share, an
instance in progress and a piece of work, is in state.py.

State lives in Table Storage (see store.py): history is committed before any new work is
dispatched, and on start-up every unfinished instance is reloaded, its unconsumed messages are
replayed and its scheduled-but-unreported work is dispatched again (at least once, as in Azure).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from azure.core.exceptions import AzureError
from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from devhost import invoke, workers
from devhost.durable import failures, sdk
from devhost.durable import history as h
from devhost.durable.state import (
    Instance,
    InstanceExists,
    NotFailed,
    OrchestratorNotFound,
    Work,
    scheduling_event,
    work_from_event,
)
from devhost.durable.store import DurableStore, InstanceRecord
from devhost.functions import FunctionIndex, FunctionInfo

# The errors callers catch are defined in state.py and exported here, beside the Engine whose
# operations raise them.
__all__ = ["Engine", "InstanceExists", "NotFailed", "OrchestratorNotFound"]

log = logging.getLogger("devhost.durable")
ACTIVE = ("Pending", "Running", "Suspended", "ContinuedAsNew")
DELIVERY_ATTEMPTS = 8  # about 50 s of back-off in all
_CONTROL = (h.EXECUTION_TERMINATED, h.EXECUTION_SUSPENDED, h.EXECUTION_RESUMED)


class Engine:
    def __init__(self, index: FunctionIndex, store: DurableStore, *, io: Executor,
                 workers: Executor, max_activities: int, max_orchestrations: int = 10,
                 processes: Executor | None = None) -> None:
        self.index = index
        self.store = store
        self._io = io
        self._workers = workers
        self._processes = processes  # worker processes for activities, when configured
        self._activity_slots = asyncio.Semaphore(max_activities)
        # host.json's maxConcurrentOrchestratorFunctions: episodes replaying at once.
        self._orchestrator_slots = asyncio.Semaphore(max_orchestrations)
        self._instances: dict[str, Instance] = {}
        self._background: set[asyncio.Task] = set()
        self._closing = False
        # The durableClient binding's value, for activities that take one (set by the host
        # once it knows its address).
        self.client_binding: Callable[[], str] | None = None

    # -- plumbing -------------------------------------------------------------------------

    async def _run_io(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_log_crash)

    async def close(self) -> None:
        self._closing = True
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    async def _get(self, instance_id: str) -> Instance | None:
        inst = self._instances.get(instance_id)
        if inst is not None:
            return inst
        record = await self._run_io(self.store.load_instance, instance_id)
        if record is None:
            return None
        inst = self._instances.setdefault(instance_id, Instance(record))
        if not record.is_terminal and not inst.history:
            inst.history, inst.consumed = await self._run_io(self.store.load_history, instance_id)
        return inst

    # -- start-up recovery ----------------------------------------------------------------

    async def recover(self) -> int:
        """Reload unfinished instances and re-dispatch their outstanding work."""
        records = await self._run_io(self.store.list_instances, ACTIVE)
        for record in records:
            inst = Instance(record)
            inst.history, inst.consumed = await self._run_io(
                self.store.load_history, record.instance_id)
            messages = await self._run_io(self.store.load_messages, record.instance_id)
            inst.pending = [m for m in messages if m[0] not in inst.consumed]
            self._instances[record.instance_id] = inst
            waiting = {e.get(h.COMPLETION_KEY.get(e["EventType"], "")) for _, e in inst.pending}
            for task_id, scheduled in h.outstanding(inst.history).items():
                if task_id not in waiting:
                    self._dispatch(inst, work_from_event(scheduled))
            self._wake(inst)
        if records:
            log.info("Resumed %d unfinished orchestration(s)", len(records))
        return len(records)

    # -- client operations ----------------------------------------------------------------

    async def start_new(self, name: str, instance_id: str, input_text: str | None,
                        parent: tuple[str, int] | None = None) -> InstanceRecord:
        if name not in self.index.orchestrators:
            raise OrchestratorNotFound(
                f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator "
                "function.")
        existing = await self._get(instance_id)
        if existing is not None and not existing.record.is_terminal:
            raise InstanceExists(
                f"An Orchestration instance with the status {existing.record.status} already "
                f"exists with ID '{instance_id}'.")
        if existing is not None:
            async with existing.lock:
                await self._run_io(self.store.purge, instance_id)
            self._instances.pop(instance_id, None)
        now = h.iso(h.utcnow())
        record = InstanceRecord(
            instance_id=instance_id, name=name, status="Pending", input=input_text,
            created=now, updated=now,
            parent_instance_id=parent[0] if parent else None,
            parent_task_id=parent[1] if parent else None, execution_id=uuid.uuid4().hex,
        )
        await self._run_io(self.store.save_instance, record)
        inst = Instance(record)
        self._instances[instance_id] = inst
        self._wake(inst)
        return record

    async def status(self, instance_id: str) -> Instance | None:
        return await self._get(instance_id)

    async def history_of(self, inst: Instance) -> list[dict[str, Any]]:
        if inst.history:
            return inst.history
        events, _ = await self._run_io(self.store.load_history, inst.record.instance_id)
        return events

    async def list(self) -> list[InstanceRecord]:
        return await self._run_io(self.store.list_instances, None)

    async def raise_event(self, instance_id: str, name: str, data_text: str | None) -> int:
        inst = await self._get(instance_id)
        if inst is None:
            return 404
        if inst.record.is_terminal:
            return 410
        await self._deliver(instance_id, h.event(h.EVENT_RAISED, Name=name, Input=data_text))
        return 202

    # Terminate, suspend and resume are messages to the instance, as in the extension: the
    # 202 comes back at once and the instance changes when it processes the message (so a
    # caller must wait for the status, as on Azure).

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

    async def restart(self, instance_id: str, new_id: str | None) -> tuple[int, str]:
        """Start the instance's orchestrator again with its original input."""
        inst = await self._get(instance_id)
        if inst is None:
            return 404, instance_id
        if new_id is None and not inst.record.is_terminal:
            return 409, instance_id  # the same id can only be reused once it has finished
        target = new_id or instance_id
        await self.start_new(inst.record.name, target, inst.record.input)
        return 202, target

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

    async def purge(self, instance_id: str) -> bool:
        inst = await self._get(instance_id)
        if inst is None or not inst.record.is_terminal:
            return False
        async with inst.lock:
            await self._run_io(self.store.purge, instance_id)
        self._instances.pop(instance_id, None)
        return True

    # -- messages and episodes ------------------------------------------------------------

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

    # -- dispatching work -----------------------------------------------------------------

    def _dispatch(self, inst: Instance, work: Work) -> None:
        instance_id = inst.record.instance_id
        if work.kind == "activity":
            self._spawn(self._run_activity(instance_id, work))
        elif work.kind == "timer":
            self._spawn(self._run_timer(instance_id, work))
        else:
            self._spawn(self._run_child(inst.record, work))

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

    async def _run_timer(self, instance_id: str, work: Work) -> None:
        delay = (work.fire_at - h.utcnow()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        await self._deliver(instance_id, h.event(h.TIMER_FIRED, TimerId=work.task_id,
                                                 FireAt=h.iso(work.fire_at)))

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


def _task_failed(work: Work, reason: str, details: str) -> dict[str, Any]:
    return h.event(h.TASK_FAILED, TaskScheduledId=work.task_id, Reason=reason, Details=details)


def _name_of(event: dict[str, Any]) -> str:
    return h.EVENT_NAMES.get(event["EventType"], str(event["EventType"]))


def _rewound(event: dict[str, Any]) -> dict[str, Any]:
    """The event as a rewind leaves it: a GenericEvent the replay skips, saying what it was."""
    return dict(event, EventType=h.GENERIC, Reason=f"Rewound: {_name_of(event)}")


MAX_CUSTOM_STATUS_KB = 16


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


def _log_crash(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("devhost internal error", exc_info=task.exception())
