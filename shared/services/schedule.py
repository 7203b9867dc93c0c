"""When a client's scheduled import is due: pure arithmetic on its schedule and the clock.

A schedule is monthly on a day (1-28, so every month has it) and an hour, UTC; a period is a
month ("2026-12"). The period due at a moment is the latest whose run time has passed and is
not before the schedule was set (`since`): a timer that was down over a run time imports that
period when it is back, once (a claim per period, services/imports.py); months missed
entirely are not imported one by one, the latest stands for them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.storage.reports import parse_iso


def _run_time(schedule: dict[str, Any], year: int, month: int) -> datetime:
    return datetime(year, month, int(schedule["day"]), int(schedule["hour"]), tzinfo=UTC)


def _months_back(moment: datetime, months: int) -> tuple[int, int]:
    index = moment.year * 12 + moment.month - 1 - months
    return index // 12, index % 12 + 1


def due_period(schedule: dict[str, Any] | None, now: datetime) -> str | None:
    """The period to import now ("YYYY-MM"), or None when no run time has come since the
    schedule was set."""
    if not schedule:
        return None
    since = parse_iso(schedule.get("since")) or datetime.min.replace(tzinfo=UTC)
    for back in (0, 1):
        year, month = _months_back(now, back)
        run = _run_time(schedule, year, month)
        if run <= now:
            return f"{year:04d}-{month:02d}" if run >= since else None
    return None


def next_run(schedule: dict[str, Any] | None, now: datetime) -> str | None:
    """The next run time after `now`, ISO 8601 UTC; None without a schedule."""
    if not schedule:
        return None
    for ahead in (0, 1):
        year, month = _months_back(now, -ahead)
        run = _run_time(schedule, year, month)
        if run > now:
            return run.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None  # not reached: next month's run time is always after now
