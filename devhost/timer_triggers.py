"""Timer triggers on six-field NCRONTAB schedules (seconds first), with run_on_startup, and
the admin API's way to run one now."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import UTC, datetime

from aiohttp import web
from azure.functions.timer import TimerRequest
from croniter import croniter

from devhost import invoke
from devhost.config import expand_app_settings
from devhost.functions import FunctionInfo

log = logging.getLogger("devhost.timer")


def next_fire(schedule: str, after: datetime) -> datetime:
    return croniter(schedule, after, second_at_beginning=True).get_next(datetime)


async def run_timer(info: FunctionInfo, workers: Executor,
                    client_binding: Callable[[], str]) -> None:
    schedule = expand_app_settings(info.trigger["schedule"])
    fire_now = bool(info.trigger.get("runOnStartup"))
    due = datetime.now(UTC)
    while True:
        if not fire_now:
            due = next_fire(schedule, datetime.now(UTC))
            await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        fire_now = False
        await fire(info, workers, due, schedule, client_binding)


async def fire(info: FunctionInfo, workers: Executor, due: datetime, schedule: str,
               client_binding: Callable[[], str]) -> None:
    """One run of a timer function, as the host hands it its TimerRequest (and the Durable
    client, when the function takes one: the cleanup and the import schedule do)."""
    late = (datetime.now(UTC) - due).total_seconds()
    request = TimerRequest(
        past_due=late > 1.0,
        schedule={"AdjustForDST": True},
        schedule_status={"Last": due.isoformat(), "Next": next_fire(
            schedule, due).isoformat(), "LastUpdated": due.isoformat()},
    )
    kwargs = {info.trigger_param: request}
    if info.client_param:
        kwargs[info.client_param] = client_binding()
    try:
        await invoke.call(info, kwargs, workers)
    except Exception:
        log.exception("Timer function '%s' failed", info.name)


def add_admin_routes(app: web.Application, timers: list[FunctionInfo], workers: Executor,
                     allowed: Callable[[web.Request], bool],
                     client_binding: Callable[[], str]) -> None:
    """`POST /admin/functions/{name}` with the master key runs a timer function now, as the
    Functions host's admin API runs a non-HTTP function (202; the run goes on after it). Runs
    may overlap, as when two instances fire the same schedule."""
    by_name = {info.name.lower(): info for info in timers}
    running: set[asyncio.Task] = set()

    async def run(request: web.Request) -> web.Response:
        if not allowed(request):
            return web.Response(status=401)
        info = by_name.get(request.match_info["name"].lower())
        if info is None:
            return web.Response(status=404)
        task = asyncio.create_task(fire(info, workers, datetime.now(UTC),
                                        expand_app_settings(info.trigger["schedule"]),
                                        client_binding))
        running.add(task)  # kept until done: the loop holds tasks only weakly
        task.add_done_callback(running.discard)
        return web.Response(status=202)

    app.router.add_post("/admin/functions/{name}", run)
