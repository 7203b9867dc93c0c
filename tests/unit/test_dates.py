"""The one date reader of the API: what it takes, what it refuses (a 400 naming the field),
and that nothing it lets through overflows the arithmetic after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.http import dates
from shared.http.errors import ApiError
from shared.services.audit import _key_bound
from shared.storage.reports import iso, parse_iso

# The requests of issue 30 that answered 500.
EDGES = ["0001-01-01T00:00:00", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00",
         "9999-12-31T23:59:59.999999-00:01", "0001-01-01T00:00:00.000001+00:01"]


@pytest.mark.parametrize("text, expected", [
    ("2026-11-18", datetime(2026, 11, 18, tzinfo=UTC)),
    ("2026-11-18T10:20:30Z", datetime(2026, 11, 18, 10, 20, 30, tzinfo=UTC)),
    ("2026-11-18T10:20:30", datetime(2026, 11, 18, 10, 20, 30, tzinfo=UTC)),
    ("2026-11-18t10:20z", datetime(2026, 11, 18, 10, 20, tzinfo=UTC)),
    ("2026-11-18T10:20:30.5+02:00", datetime(2026, 11, 18, 8, 20, 30, 500000, tzinfo=UTC)),
    ("2026-11-18T10:20:30.123456789-05:30", datetime(2026, 11, 18, 15, 50, 30, 123456,
                                                     tzinfo=UTC)),
    ("0001-01-01T00:00:00", datetime(1, 1, 1, tzinfo=UTC)),
    ("0001-01-01T14:00:00+14:00", datetime(1, 1, 1, tzinfo=UTC)),
    ("9999-12-31T23:59:59Z", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("9999-12-31T00:00:00-23:59", datetime(9999, 12, 31, 23, 59, tzinfo=UTC)),
])
def test_accepts_dates_and_date_times_in_utc(text, expected):
    assert dates.read(text) == expected


@pytest.mark.parametrize("text", [
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00",  # past the calendar in UTC
    "2026-02-30", "2026-13-01", "0000-01-01", "2026-11-18T24:00:00Z", "2026-12-31T23:59:60Z",
    "2026-11-18T10:20:30+24:00", "2026-11-18T10:20:30+05:60", "2026-11-18T10:20:30+0200",
    "2026-W47-3", "20261118", "2026-11-18T10", "2026-11-18Z", " 2026-11-18", "2026-11-18 ",
    "+2026-11-18", "２０２６-11-18", "2026-11-18T10:20:30\n", "", "yesterday", "1e9",
    "2026-11-18T10:20:30." + "1" * 10,
])
def test_refuses_everything_else_naming_the_field(text):
    with pytest.raises(dates.DateError):
        dates.read(text)
    with pytest.raises(ApiError) as refused:
        dates.parse(text, "filter.createdTo")
    assert refused.value.status == 400
    assert refused.value.target == "filter.createdTo"
    assert refused.value.message.startswith("filter.createdTo ")


@pytest.mark.parametrize("value", [None, 3, 3.5, [], {}, True])
def test_refuses_what_is_not_text(value):
    with pytest.raises(ApiError):
        dates.parse(value, "expiresAt")


def _downstream(moment: datetime) -> None:
    """What the API does with a moment: store it, compare it, key the audit with it."""
    assert moment.tzinfo is UTC or moment.utcoffset() == timedelta(0)
    stored = iso(moment)
    assert len(stored) == 20 and parse_iso(stored) is not None
    assert len(_key_bound(moment)) == 20
    assert (stored < "2026") == (moment.year < 2026)  # stored texts sort as the moments do


offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda m: f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}")


@settings(max_examples=600, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
       st.one_of(st.just("Z"), st.just(""), offsets), st.booleans())
def test_any_calendar_moment_with_any_offset_is_read_or_refused_never_raises(naive, zone,
                                                                           fraction):
    naive = naive if fraction else naive.replace(microsecond=0)
    text = naive.isoformat(timespec="microseconds" if fraction else "seconds") + zone
    try:
        moment = dates.read(text)
    except dates.DateError as why:
        # Refused only when the offset carries it out of the calendar in UTC.
        assert "outside years 1 to 9999" in str(why)
        sign, hours, minutes = zone[0], int(zone[1:3]), int(zone[4:6])
        shift = timedelta(hours=hours, minutes=minutes)
        assert (naive.year == 1 and sign == "+" and naive - datetime(1, 1, 1) < shift) or (
            naive.year == 9999 and sign == "-" and datetime.max - naive < shift)
        return
    offset = timezone(timedelta(0)) if zone in ("", "Z") else \
        datetime.strptime(zone, "%z").tzinfo
    assert moment == naive.replace(tzinfo=offset)
    _downstream(moment)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(
    st.text(max_size=45),
    st.text(alphabet="0123456789-:T.Zz+ ", max_size=40),
    st.from_regex(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})?)?",
                  fullmatch=True)))
def test_any_text_is_a_moment_in_range_or_a_400(text):
    try:
        moment = dates.parse(text, "from")
    except ApiError as refused:
        assert refused.status == 400 and refused.target == "from"
        return
    _downstream(moment)


def test_schema_formats_read_as_the_parser_does():
    assert dates.is_date_time("2026-11-18T10:00:00Z") and not dates.is_date_time("2026-11-18")
    assert dates.is_full_date("2026-11-18") and not dates.is_full_date("2026-11-18T10:00Z")
    for text in EDGES[1:3]:
        assert not dates.is_date_time(text)


def test_body_dates_are_found_in_nested_and_alternative_schemas():
    schema = {"type": "object", "properties": {
        "expiresAt": {"oneOf": [{"type": "string", "format": "date-time"},
                                {"type": "string", "format": "date"}, {"type": "null"}]},
        "filter": {"type": "object", "properties": {
            "createdTo": {"type": "string", "format": "date-time"}}}}}
    problems = dates.body_problems(schema, {"expiresAt": EDGES[1],
                                            "filter": {"createdTo": EDGES[2]}})
    assert [p["target"] for p in problems] == ["expiresAt", "filter.createdTo"]
    assert dates.body_problems(schema, {"expiresAt": None, "filter": "x"}) == []
