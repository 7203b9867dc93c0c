"""Timer triggers on six-field NCRONTAB schedules (seconds first), with run_on_startup."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from datetime import UTC, datetime

from azure.functions.timer import TimerRequest
from croniter import croniter

from devhost import invoke
from devhost.config import expand_app_settings
from devhost.functions import FunctionInfo

log = logging.getLogger("devhost.timer")


def next_fire(schedule: str, after: datetime) -> datetime:
    return croniter(schedule, after, second_at_beginning=True).get_next(datetime)


async def run_timer(info: FunctionInfo, workers: Executor) -> None:
    schedule = expand_app_settings(info.trigger["schedule"])
    fire_now = bool(info.trigger.get("runOnStartup"))
    due = datetime.now(UTC)
    while True:
        if not fire_now:
            due = next_fire(schedule, datetime.now(UTC))
            await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        fire_now = False
        late = (datetime.now(UTC) - due).total_seconds()
        request = TimerRequest(
            past_due=late > 1.0,
            schedule={"AdjustForDST": True},
            schedule_status={"Last": due.isoformat(), "Next": next_fire(
                schedule, due).isoformat(), "LastUpdated": due.isoformat()},
        )
        try:
            await invoke.call(info, {info.trigger_param: request}, workers)
        except Exception:
            log.exception("Timer function '%s' failed", info.name)
