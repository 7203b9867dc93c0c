"""What the engine's parts share: an instance in progress, a piece of work it waits for, and the
errors client operations raise.

They sit below every part of the engine, so each part can use them without importing
engine.py, which imports the parts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devhost.durable import history as h
from devhost.durable.store import InstanceRecord


class OrchestratorNotFound(Exception):
    pass


class InstanceExists(Exception):
    pass


class NotFailed(Exception):
    """Rewind asked of an instance that has not failed (the extension answers 500)."""


@dataclass
class Instance:
    """An instance as the engine holds it: its record, its history so far, the messages no
    episode has consumed yet, and the lock that serialises episodes and purges of it."""

    record: InstanceRecord
    history: list[dict[str, Any]] = field(default_factory=list)
    consumed: set[str] = field(default_factory=set)
    pending: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    draining: bool = False


@dataclass
class Work:
    """Something an episode scheduled: an activity, a timer or a sub-orchestration."""

    kind: str  # "activity" | "timer" | "suborchestration"
    task_id: int
    name: str = ""
    input: str | None = None
    fire_at: datetime | None = None
    child_id: str = ""


def scheduling_event(work: Work, now: datetime) -> dict[str, Any]:
    """The history event that records the work as scheduled."""
    if work.kind == "activity":
        return h.event(h.TASK_SCHEDULED, work.task_id, now, Name=work.name, Input=work.input)
    if work.kind == "timer":
        return h.event(h.TIMER_CREATED, work.task_id, now, FireAt=h.iso(work.fire_at))
    return h.event(h.SUB_ORCHESTRATION_CREATED, work.task_id, now, Name=work.name,
                   InstanceId=work.child_id, Input=work.input)


def work_from_event(event: dict[str, Any]) -> Work:
    """Rebuild outstanding work from its scheduling event (used on restart)."""
    kind = event["EventType"]
    if kind == h.TASK_SCHEDULED:
        return Work("activity", event["EventId"], name=event["Name"], input=event.get("Input"))
    if kind == h.TIMER_CREATED:
        return Work("timer", event["EventId"],
                    fire_at=datetime.fromisoformat(event["FireAt"].replace("Z", "+00:00")))
    return Work("suborchestration", event["EventId"], name=event["Name"],
                input=event.get("Input"), child_id=event["InstanceId"])
