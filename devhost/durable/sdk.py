"""The Durable SDK's side of an episode: run the orchestrator function over a history, then read
what its tasks stand for (new work, and whether the replay still matches its history).

Task ids come from the SDK's sequence numbers, including the hidden timers and re-scheduled
tasks of `call_*_with_retry`, so the history the engine writes is the one the SDK expects on
replay. This is the one module that leans on SDK internals (`open_tasks`, `RetryAbleTask`,
`_add_to_open_tasks`); `constraints.txt` pins the SDK and tests/e2e cover every pattern.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from azure.durable_functions.models.actions import (
    ActionType,
    CallActivityAction,
    CallActivityWithRetryAction,
    CallSubOrchestratorAction,
    CreateTimerAction,
)
from azure.durable_functions.models.actions.CallSubOrchestratorWithRetryAction import (
    CallSubOrchestratorWithRetryAction,  # the package exports the module under this name
)
from azure.durable_functions.models.actions.NoOpAction import NoOpAction
from azure.durable_functions.models.DurableOrchestrationContext import (
    DurableOrchestrationContext,
)
from azure.durable_functions.models.Task import RetryAbleTask
from azure.durable_functions.orchestrator import Orchestrator

from devhost.durable import history as h
from devhost.durable.state import Work
from devhost.durable.store import InstanceRecord
from devhost.durable.timers import retry_delay

_ERROR_MARKER = "\n\n$OutOfProcData$:"
RETRY_TIMER = "retry timer"


class Unsupported(Exception):
    pass


def run_orchestrator(handle, context: dict[str, Any]
                     ) -> tuple[dict[str, Any], dict, dict[int, tuple[str, str]], str | None]:
    """Run one episode through the SDK, as the decorator's handle does, keeping the context.

    Returns the orchestrator state, the SDK's open tasks, what each task the replay created
    stands for (sequence number -> kind and name, for the determinism check) and the error
    message if the orchestrator threw.
    """
    ctx = DurableOrchestrationContext.from_json(json.dumps(context))
    ctx._input_expected_type = getattr(handle, "_df_input_type", None)
    generated: dict[int, tuple[str, str]] = {}
    add_to_open_tasks = ctx._add_to_open_tasks

    def recording(task) -> None:  # every task the replay numbers, open or already done
        add_to_open_tasks(task)
        if isinstance(task.id, int) and task.id >= 0 and task.id not in generated \
                and task.action_repr is not None:
            generated[task.id] = _kind_of(task)

    ctx._add_to_open_tasks = recording
    try:
        state = json.loads(Orchestrator(handle.orchestrator_function).handle(ctx))
        return state, dict(ctx.open_tasks), generated, None
    except Exception as exc:
        message, _, state_json = str(exc).partition(_ERROR_MARKER)
        state = json.loads(state_json) if state_json else {"isDone": False, "actions": []}
        # The extension reports the state's `error` (OutOfProcOrchestrationShim.cs).
        return state, {}, generated, state.get("error") or message


def _classify(task) -> tuple[str, Any]:
    """What a task the SDK numbered stands for, and the action that says so: ("activity" |
    "timer" | "suborchestration" | RETRY_TIMER | the action's class name, action). A retry's
    re-scheduled attempt is its original call."""
    action = task.action_repr
    if isinstance(action, NoOpAction):
        if action.metadata == "-WithRetry timer":
            return RETRY_TIMER, action
        action = task.parent.actions
    if isinstance(action, (CallActivityAction, CallActivityWithRetryAction)):
        return "activity", action
    if isinstance(action, CreateTimerAction):
        return "timer", action
    if isinstance(action, (CallSubOrchestratorAction, CallSubOrchestratorWithRetryAction)):
        return "suborchestration", action
    return type(action).__name__, action


def _kind_of(task) -> tuple[str, str]:
    """What a task stands for in history terms: (kind, function name)."""
    kind, action = _classify(task)
    return ("timer" if kind == RETRY_TIMER else kind), getattr(action, "function_name", "")


_HISTORY_KINDS = {h.TASK_SCHEDULED: ("activity", "an activity task"),
                  h.TIMER_CREATED: ("timer", "a timer task"),
                  h.SUB_ORCHESTRATION_CREATED: ("suborchestration", "a sub-orchestration task")}


def nondeterminism(history: list[dict[str, Any]],
                   generated: dict[int, tuple[str, str]]) -> str | None:
    """How a replay departs from the history it replays, in DurableTask.Core's words
    (TaskOrchestrationContext.cs, HandleTaskScheduledEvent and its siblings), or None."""
    for e in history:
        if e["EventType"] not in _HISTORY_KINDS:
            continue
        kind, what = _HISTORY_KINDS[e["EventType"]]
        task_id, name = e["EventId"], e.get("Name") or ""
        named = f" and name '{name}'" if name else ""
        if task_id not in generated:
            return (f"A previous execution of this orchestration scheduled {what} with sequence "
                    f"number {task_id}{named}, but the current replay execution hasn't (yet?) "
                    "scheduled this task. Was a change made to the orchestrator code after this "
                    "instance had already started running?")
        now_kind, now_name = generated[task_id]
        if now_kind != kind:
            return (f"A previous execution of this orchestration scheduled {what} with sequence "
                    f"number {task_id}{named}, but the current orchestration replay instead "
                    f"produced a {now_kind} action with this sequence number. Was a change made "
                    "to the orchestrator code after this instance had already started running?")
        if name and now_name.lower() != name.lower():
            return (f"A previous execution of this orchestration scheduled {what} with sequence "
                    f"number {task_id} named '{name}', but the current orchestration replay "
                    f"instead scheduled {what} named '{now_name}' with this sequence number.  "
                    "Was a change made to the orchestrator code after this instance had already "
                    "started running?")
    return None


def new_work(open_tasks: dict, record: InstanceRecord, now: datetime) -> list[Work]:
    """What the orchestrator waits for, from the SDK's open tasks (ids are its sequence numbers)."""
    work = []
    for task_id in sorted(k for k in open_tasks if isinstance(k, int)):
        entry = open_tasks[task_id]
        for task in entry if isinstance(entry, list) else [entry]:
            work.append(_work_for(task_id, task, record, now))
    return work


def _work_for(task_id: int, task, record: InstanceRecord, now: datetime) -> Work:
    kind, action = _classify(task)
    if kind == RETRY_TIMER:
        retry: RetryAbleTask = task.parent
        delay = retry_delay(retry.retry_options.to_json(), retry.num_attempts)
        return Work("timer", task_id, fire_at=now + delay)
    if kind == "activity":
        return Work("activity", task_id, name=action.function_name, input=action.input_)
    if kind == "timer":
        return Work("timer", task_id, fire_at=action.fire_at)
    if kind == "suborchestration":
        # TaskOrchestrationContext.cs: "{ExecutionId}:{sequence number}" when none is given.
        execution = record.execution_id or record.instance_id
        child = action.instance_id or f"{execution}:{task_id}"
        return Work("suborchestration", task_id, name=action.function_name,
                    input=action._input, child_id=child)
    raise Unsupported(f"devhost does not support {kind} (task {task_id})")


def continue_as_new_input(state: dict[str, Any]) -> str | None:
    """The new input if the orchestrator called `continue_as_new`, else None."""
    for group in state.get("actions", []):
        for action in group if isinstance(group, list) else [group]:
            if action.get("actionType") == ActionType.CONTINUE_AS_NEW:
                return action.get("input")
    return None
