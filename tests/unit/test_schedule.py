"""When a scheduled import is due: the latest run time passed since the schedule was set."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.services.imports import scheduled_report_id
from shared.services.schedule import due_period, next_run

SCHEDULE = {"frequency": "monthly", "day": 1, "hour": 6, "since": "2026-10-15T09:00:00Z"}


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_the_period_is_due_from_its_run_time_on():
    assert due_period(SCHEDULE, at(2026, 11, 1, 5, 59)) is None  # October's was before since
    assert due_period(SCHEDULE, at(2026, 11, 1, 6)) == "2026-11"
    assert due_period(SCHEDULE, at(2026, 11, 30, 23)) == "2026-11"
    assert due_period(SCHEDULE, at(2026, 12, 1, 5)) == "2026-11"  # December's not yet


def test_a_schedule_set_after_this_months_run_time_waits_for_the_next():
    assert due_period(SCHEDULE, at(2026, 10, 20)) is None
    assert next_run(SCHEDULE, at(2026, 10, 20)) == "2026-11-01T06:00:00Z"


def test_months_the_timer_missed_are_caught_up_once_by_the_latest():
    # Down from October to mid-January: one period is due, January's, not three.
    assert due_period(SCHEDULE, at(2027, 1, 15)) == "2027-01"
    assert due_period(SCHEDULE, at(2027, 1, 1, 5)) == "2026-12"  # the year turns


def test_no_schedule_is_never_due():
    assert due_period(None, at(2026, 11, 1)) is None and next_run(None, at(2026, 11, 1)) is None


def test_a_client_and_period_always_name_the_same_report():
    one = scheduled_report_id("contoso", "2026-11")
    assert one == scheduled_report_id("contoso", "2026-11")
    assert one.startswith("202611-import-") and one != scheduled_report_id("contoso", "2026-12")
    assert one != scheduled_report_id("fabrikam", "2026-11")
