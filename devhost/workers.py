"""Language worker processes for activities, as FUNCTIONS_WORKER_PROCESS_COUNT asks of the host.

With a count above 1 the host runs that many Python worker processes and spreads invocations
over them; the devhost does the same for activity functions (CPU-heavy work such as
rendering), so they are not serialised by one interpreter's GIL. Each worker imports the app
once and indexes its activities; inputs and outputs cross the process boundary as the JSON
text the Durable extension stores anyway.
"""

from __future__ import annotations

import asyncio
import inspect
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from devhost.durable import failures

_ACTIVITIES: dict[str, Any] = {}


def _initialise(module_name: str, script_root: str) -> None:
    from devhost import functions
    from devhost.__main__ import configure_logging

    configure_logging()  # the app's log lines from activities reach the host's log, as on Azure
    # Ctrl-C reaches the whole process group; the host shuts its workers down itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.chdir(script_root)
    index = functions.load(module_name, Path(script_root))
    _ACTIVITIES.update(index.activities)


def run_activity(name: str, input_text: str,
                 client_binding: str = "") -> tuple[bool, str, str, str]:
    """In a worker: (succeeded, result JSON or the worker's error message, its stack, and for
    the log line with DEVHOST_ACTIVITY_MEMORY=1 the worker's peak resident memory during the
    activity and its process id, else "")."""
    measuring = os.environ.get("DEVHOST_ACTIVITY_MEMORY") == "1" and _reset_peak()
    ok, text, details = _run(name, input_text, client_binding)
    return ok, text, details, f"peak={peak_mb()}MB pid={os.getpid()}" if measuring else ""


def _reset_peak() -> bool:
    """Start the process's peak resident memory afresh (Linux: clear_refs 5); False elsewhere."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def peak_mb(pid: int | str = "self") -> int:
    """A process's peak resident memory (VmHWM) in MB; 0 when /proc does not say."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0


def _run(name: str, input_text: str, client_binding: str) -> tuple[bool, str, str]:
    info = _ACTIVITIES[name]
    try:
        arg = ActivityTriggerConverter.decode(meta.Datum(type="json", value=input_text),
                                              trigger_metadata={})
        kwargs = {info.trigger_param: arg}
        if info.client_param and client_binding:
            kwargs[info.client_param] = client_binding
        result = asyncio.run(info.func(**kwargs)) if inspect.iscoroutinefunction(info.func) \
            else info.func(**kwargs)
        return True, ActivityTriggerConverter.encode(result, expected_type=None).value, ""
    except Exception as exc:  # the activity's failure is reported, not raised across processes
        return False, *failures.worker_message(exc)


def start_pool(count: int, module_name: str, script_root: Path) -> ProcessPoolExecutor:
    # spawn: a fresh interpreter, never a fork of the running event loop and its threads.
    context = multiprocessing.get_context("spawn")
    sys.stdout.flush()
    return ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_initialise,
                               initargs=(module_name, str(script_root)))
