"""Helpers shared by the benchmarks: Azurite and a devhost on free ports, timing."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devhost import azurite  # noqa: E402
from tests.support.devhost_process import DevhostProcess  # noqa: E402


@contextmanager
def running_azurite():
    ports = azurite.Ports(azurite.free_port(), azurite.free_port(), azurite.free_port())
    proc = azurite.start(ports, None)
    try:
        yield ports.connection_string()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def running_devhost(connection: str, script_root: Path = ROOT, **env: str):
    with tempfile.TemporaryDirectory() as data:
        proc = DevhostProcess(ROOT, script_root, "function_app", Path(data), connection, env)
        proc.start()
        try:
            yield proc
        finally:
            proc.stop()


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """Median wall time of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
