"""devhost.workers: a worker's peak memory started afresh (DEVHOST_ACTIVITY_MEMORY), and faults of
the worker process itself reaching the host."""

from __future__ import annotations

import sys

import pytest

from devhost import workers


@pytest.mark.skipif(sys.platform != "linux", reason="the peak is reset through Linux's /proc")
def test_the_peak_can_be_started_afresh():
    assert workers._reset_peak()
    block = b"x" * (200 * 1024 * 1024)
    high = workers.peak_mb()
    del block
    assert workers._reset_peak()
    assert high - workers.peak_mb() >= 150


def test_a_fault_of_the_worker_itself_reaches_the_host_instead_of_hanging():
    # run_activity reports an activity's own failures in its result; anything else raised in
    # the worker process (here an activity it does not know) fails the host's call.
    from pathlib import Path

    app = Path(__file__).resolve().parents[1] / "e2e" / "pattern_app"
    pool = workers.WorkerProcesses(1, "function_app", app)
    try:
        ok, text, _, _ = pool.submit(workers.run_activity, "noop", "7").result(timeout=60)
        assert ok and text == "7"
        with pytest.raises(KeyError):
            pool.submit(workers.run_activity, "no_such_activity", "null").result(timeout=60)
    finally:
        pool.shutdown()
