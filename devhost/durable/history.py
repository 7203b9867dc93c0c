"""History events in the shape the Durable SDK replays (DTFx names and numbering)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

EXECUTION_STARTED = 0
EXECUTION_COMPLETED = 1
EXECUTION_FAILED = 2
EXECUTION_TERMINATED = 3
TASK_SCHEDULED = 4
TASK_COMPLETED = 5
TASK_FAILED = 6
SUB_ORCHESTRATION_CREATED = 7
SUB_ORCHESTRATION_COMPLETED = 8
SUB_ORCHESTRATION_FAILED = 9
TIMER_CREATED = 10
TIMER_FIRED = 11
ORCHESTRATOR_STARTED = 12
ORCHESTRATOR_COMPLETED = 13
EVENT_RAISED = 15
GENERIC = 18
EXECUTION_SUSPENDED = 19
EXECUTION_RESUMED = 20

# DTFx's names for the event types, as status queries and rewind write them.
EVENT_NAMES = {
    EXECUTION_STARTED: "ExecutionStarted", EXECUTION_COMPLETED: "ExecutionCompleted",
    EXECUTION_FAILED: "ExecutionCompleted", EXECUTION_TERMINATED: "ExecutionTerminated",
    TASK_SCHEDULED: "TaskScheduled", TASK_COMPLETED: "TaskCompleted", TASK_FAILED: "TaskFailed",
    SUB_ORCHESTRATION_CREATED: "SubOrchestrationInstanceCreated",
    SUB_ORCHESTRATION_COMPLETED: "SubOrchestrationInstanceCompleted",
    SUB_ORCHESTRATION_FAILED: "SubOrchestrationInstanceFailed", TIMER_CREATED: "TimerCreated",
    TIMER_FIRED: "TimerFired", ORCHESTRATOR_STARTED: "OrchestratorStarted",
    ORCHESTRATOR_COMPLETED: "OrchestratorCompleted", EVENT_RAISED: "EventRaised",
    GENERIC: "GenericEvent", EXECUTION_SUSPENDED: "ExecutionSuspended",
    EXECUTION_RESUMED: "ExecutionResumed",
}

# Completion events and the field naming the task they complete.
COMPLETION_KEY = {
    TASK_COMPLETED: "TaskScheduledId",
    TASK_FAILED: "TaskScheduledId",
    SUB_ORCHESTRATION_COMPLETED: "TaskScheduledId",
    SUB_ORCHESTRATION_FAILED: "TaskScheduledId",
    TIMER_FIRED: "TimerId",
}
SCHEDULING_EVENTS = (TASK_SCHEDULED, TIMER_CREATED, SUB_ORCHESTRATION_CREATED)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Timestamp as the extension writes it (UTC, microseconds, `Z`)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def status_time(value: str) -> str:
    """Times in status responses: `yyyy-MM-ddTHH:mm:ssZ`."""
    return value[:19] + "Z" if value else value


def event(event_type: int, event_id: int = -1, when: datetime | None = None,
          **fields: Any) -> dict[str, Any]:
    return {
        "EventType": event_type,
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": iso(when or utcnow()),
        **fields,
    }


def outstanding(history: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Scheduling events (activity, timer, sub-orchestration) that have no completion yet."""
    open_ids: dict[int, dict[str, Any]] = {}
    for e in history:
        if e["EventType"] in SCHEDULING_EVENTS:
            open_ids[e["EventId"]] = e
        elif e["EventType"] in COMPLETION_KEY:
            open_ids.pop(e.get(COMPLETION_KEY[e["EventType"]]), None)
    return open_ids
