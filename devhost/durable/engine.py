"""The orchestration engine: Durable orchestrations run by the SDK's replay protocol.

`Engine` is what the host and the management API (api.py) use. It holds the engine's state
(the functions, the store, the executors and the instances in progress) and the client
operations that start, inspect, restart and purge instances; the rest comes in through one
mixin per concern, each in a module of its own:

- scheduler.py: messages to an instance, its drain loop, dispatch of the work it scheduled
- replay.py: one episode through the SDK (sdk.py) and what it leaves in history
- activities.py, timers.py, suborchestrations.py: running each kind of work scheduled
- control.py: raise event, terminate, suspend, resume (messages the instance processes)
- rewind.py: rewinding a failed instance

Mixins rather than separate objects because the parts call each other in a loop (a message
wakes an episode, an episode dispatches work, work sends a message): as methods of one object
they need no import of each other, so the modules stay free of import cycles.

State lives in Table Storage (see store.py): history is committed before any new work is
dispatched, and on start-up every unfinished instance is reloaded, its unconsumed messages are
replayed and its scheduled-but-unreported work is dispatched again (at least once, as in Azure).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from devhost.durable import history as h
from devhost.durable.activities import ActivitiesMixin
from devhost.durable.control import ControlMixin
from devhost.durable.replay import ReplayMixin
from devhost.durable.rewind import RewindMixin
from devhost.durable.scheduler import SchedulerMixin
from devhost.durable.state import (
    Instance,
    InstanceExists,
    NotFailed,
    OrchestratorNotFound,
    work_from_event,
)
from devhost.durable.store import DurableStore, InstanceRecord
from devhost.durable.suborchestrations import SubOrchestrationsMixin
from devhost.durable.timers import TimersMixin
from devhost.functions import FunctionIndex

# The errors callers catch are defined in state.py (below the mixins that raise them) and
# exported here, beside the Engine whose operations raise them.
__all__ = ["Engine", "InstanceExists", "NotFailed", "OrchestratorNotFound"]

# The engine's one logger name, whichever part logs (the log format prints it).
log = logging.getLogger("devhost.durable")
ACTIVE = ("Pending", "Running", "Suspended", "ContinuedAsNew")


class Engine(SchedulerMixin, ReplayMixin, ActivitiesMixin, TimersMixin, SubOrchestrationsMixin,
             ControlMixin, RewindMixin):
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

    # -- client operations (control.py and rewind.py have the others) ---------------------

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

    async def purge(self, instance_id: str) -> bool:
        inst = await self._get(instance_id)
        if inst is None or not inst.record.is_terminal:
            return False
        async with inst.lock:
            await self._run_io(self.store.purge, instance_id)
        self._instances.pop(instance_id, None)
        return True


def _log_crash(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("devhost internal error", exc_info=task.exception())
