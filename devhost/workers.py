"""Language worker processes for activities, as FUNCTIONS_WORKER_PROCESS_COUNT asks of the host.

With a count above 1 the host runs that many Python worker processes and spreads invocations
over them; the devhost does the same for activity functions (CPU-heavy work such as
rendering), so they are not serialised by one interpreter's GIL. Each worker imports the app
once and indexes its activities; inputs and outputs cross the process boundary as the JSON
text the Durable extension stores anyway.

Like the Python worker, each process runs several invocations at once on a thread pool
(PYTHON_THREADPOOL_THREAD_COUNT; by default min(32, cores + 4), as ThreadPoolExecutor sizes
itself): activities that wait on storage overlap, and a render does not queue behind every
store of its report. Invocations go to the process with the fewest running.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import Executor, Future, InvalidStateError, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from devhost.durable import failures

_ACTIVITIES: dict[str, Any] = {}
# Activities running in this worker process: its peak is measured afresh when one starts in an
# idle process, so overlapping activities each report the peak of the busy stretch they ran in.
_running = 0
_running_lock = threading.Lock()


def _initialise(module_name: str, script_root: str) -> None:
    from devhost import functions
    from devhost.logs import configure_logging

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
    global _running
    measuring = os.environ.get("DEVHOST_ACTIVITY_MEMORY") == "1"
    with _running_lock:
        if measuring and _running == 0:
            measuring = _reset_peak()
        _running += 1
    try:
        ok, text, details = _run(name, input_text, client_binding)
    finally:
        with _running_lock:
            _running -= 1
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


_LOOP: asyncio.AbstractEventLoop | None = None
_LOOP_LOCK = threading.Lock()


def _event_loop() -> asyncio.AbstractEventLoop:
    """The worker's one event loop, as the Python worker has: async functions all run on it
    (sync ones on threads). A loop per call would break what the SDKs share between calls,
    such as the Durable client's HTTP session ("Event loop is closed")."""
    global _LOOP
    with _LOOP_LOCK:
        if _LOOP is None:
            _LOOP = asyncio.new_event_loop()
            threading.Thread(target=_LOOP.run_forever, name="worker-event-loop",
                             daemon=True).start()
        return _LOOP


def _run(name: str, input_text: str, client_binding: str) -> tuple[bool, str, str]:
    info = _ACTIVITIES[name]
    try:
        arg = ActivityTriggerConverter.decode(meta.Datum(type="json", value=input_text),
                                              trigger_metadata={})
        kwargs = {info.trigger_param: arg}
        if info.client_param and client_binding:
            kwargs[info.client_param] = client_binding
        if inspect.iscoroutinefunction(info.func):
            result = asyncio.run_coroutine_threadsafe(info.func(**kwargs),
                                                      _event_loop()).result()
        else:
            result = info.func(**kwargs)
        return True, ActivityTriggerConverter.encode(result, expected_type=None).value, ""
    except Exception as exc:  # the activity's failure is reported, not raised across processes
        return False, *failures.worker_message(exc)


def _threads() -> int | None:
    """PYTHON_THREADPOOL_THREAD_COUNT, else None: ThreadPoolExecutor's own default."""
    configured = os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else None


def _serve(conn: Connection, module_name: str, script_root: str, threads: int | None) -> None:
    """A worker process: run each activity the host sends on a thread, send back its result."""
    _initialise(module_name, script_root)
    sending = threading.Lock()

    def run(task_id: int, args: tuple) -> None:
        try:
            result = run_activity(*args)  # reports the activity's own failures in its result
        except BaseException as exc:  # the worker's own fault: the host's call raises it
            result = exc
        with sending:
            conn.send((task_id, result))

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="worker") as pool:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):  # the host went away
                break
            if message is None:
                break
            pool.submit(run, *message)


class _Process:
    """One worker process, the host's end of its pipe and the invocations it is running."""

    def __init__(self, context, module_name: str, script_root: str,
                 threads: int | None) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, daemon=True,
                                       args=(child, module_name, script_root, threads))
        self.process.start()
        child.close()
        self.running: dict[int, Future] = {}
        self.lock = threading.Lock()
        threading.Thread(target=self._receive, daemon=True, name="devhost-worker-pipe").start()

    def send(self, task_id: int, future: Future, args: tuple) -> None:
        with self.lock:  # registered before the answer can arrive
            self.running[task_id] = future
            try:
                self.conn.send((task_id, args))
            except BaseException:
                del self.running[task_id]
                raise

    def _receive(self) -> None:
        while True:
            try:
                task_id, result = self.conn.recv()
            except (EOFError, OSError):  # the process ended
                break
            with self.lock:
                future = self.running.pop(task_id, None)
            if future is not None:
                with contextlib.suppress(InvalidStateError):  # cancelled meanwhile
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        with self.lock:
            lost, self.running = self.running, {}
        for future in lost.values():
            with contextlib.suppress(InvalidStateError):
                future.set_exception(BrokenProcessPool("a worker process ended during the call"))


class WorkerProcesses(Executor):
    """`count` worker processes; `submit` runs `run_activity` in the least busy one."""

    def __init__(self, count: int, module_name: str, script_root: Path) -> None:
        # spawn: a fresh interpreter, never a fork of the running event loop and its threads.
        context = multiprocessing.get_context("spawn")
        sys.stdout.flush()
        self._processes = [_Process(context, module_name, str(script_root), _threads())
                           for _ in range(count)]
        self._ids = itertools.count()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if fn is not run_activity or kwargs:
            raise TypeError("worker processes run activities only")
        future: Future = Future()
        process = min(self._processes, key=lambda p: len(p.running))
        try:
            process.send(next(self._ids), future, args)
        except (OSError, ValueError):  # the process is gone
            future.set_exception(BrokenProcessPool("a worker process has ended"))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        for process in self._processes:
            with contextlib.suppress(OSError, ValueError):
                process.conn.send(None)
        for process in self._processes:
            process.process.join(timeout=5 if wait else 0.1)
            if process.process.is_alive():
                process.process.terminate()


def start_pool(count: int, module_name: str, script_root: Path) -> WorkerProcesses:
    return WorkerProcesses(count, module_name, script_root)
