"""devhost.workers measures each activity's peak memory afresh (DEVHOST_ACTIVITY_MEMORY)."""

from __future__ import annotations

import pytest

from devhost import workers


def test_the_peak_is_measured_afresh_for_each_activity():
    if not workers._reset_peak():
        pytest.skip("the peak is reset through Linux's /proc/self/clear_refs")
    block = b"x" * (200 * 1024 * 1024)
    high = workers._peak_mb()
    del block
    assert workers._reset_peak()
    assert high - workers._peak_mb() >= 150
