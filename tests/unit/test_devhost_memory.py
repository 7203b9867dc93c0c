"""devhost.workers measures each activity's peak memory afresh (DEVHOST_ACTIVITY_MEMORY)."""

from __future__ import annotations

import sys

import pytest

from devhost import workers


@pytest.mark.skipif(sys.platform != "linux", reason="the peak is reset through Linux's /proc")
def test_the_peak_is_measured_afresh_for_each_activity():
    assert workers._reset_peak()
    block = b"x" * (200 * 1024 * 1024)
    high = workers.peak_mb()
    del block
    assert workers._reset_peak()
    assert high - workers.peak_mb() >= 150
