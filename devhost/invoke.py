"""Call user functions the way the Python worker does, with one log line per invocation."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import time
import uuid
from concurrent.futures import Executor
from typing import Any

import azure.functions as func

from devhost.functions import FunctionInfo

log = logging.getLogger("devhost.invocation")


class InvocationContext(func.Context):
    """The `context` argument a function may declare."""

    def __init__(self, function_name: str, invocation_id: str) -> None:
        self._function_name = function_name
        self._invocation_id = invocation_id

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return ""

    @property
    def trace_context(self) -> Any:
        return None

    @property
    def retry_context(self) -> Any:
        return None

    @property
    def thread_local_storage(self) -> Any:
        return None


async def call(
    info: FunctionInfo,
    kwargs: dict[str, Any],
    executor: Executor,
    *,
    instance_id: str | None = None,
    detail: str = "",
) -> Any:
    """Invoke `info.func` with `kwargs`; sync functions run in `executor`, async ones here."""
    invocation_id = str(uuid.uuid4())
    fn = info.func
    if "context" in inspect.signature(fn).parameters and "context" not in kwargs:
        kwargs["context"] = InvocationContext(info.name, invocation_id)
    started = time.perf_counter()
    outcome = "Succeeded"
    try:
        if inspect.iscoroutinefunction(fn):
            return await fn(**kwargs)
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        return await loop.run_in_executor(executor, lambda: ctx.run(fn, **kwargs))
    except BaseException as exc:
        outcome = f"Failed ({type(exc).__name__}: {exc})"
        raise
    finally:
        log_invocation(info.name, invocation_id, started, outcome, instance_id, detail)


def log_invocation(name: str, invocation_id: str, started: float, outcome: str,
                   instance_id: str | None = None, detail: str = "") -> None:
    """The one log line per invocation: function, id, duration, outcome (and instance)."""
    ms = (time.perf_counter() - started) * 1000
    extra = f" instance={instance_id}" if instance_id else ""
    extra += f" {detail}" if detail else ""
    log.info("Executed '%s' id=%s duration=%.0fms outcome=%s%s",
             name, invocation_id, ms, (outcome.splitlines() or [""])[0][:300], extra)
