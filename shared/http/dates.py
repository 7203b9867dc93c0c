"""The one reader of the dates and times the API takes, in queries, bodies and paths.

Accepted: a date `YYYY-MM-DD` (its start, UTC) or a date-time `YYYY-MM-DDThh:mm[:ss[.fff]]`
with `Z` or an offset `+hh:mm`/`-hh:mm` (UTC when it names none), the moment within years 1
to 9999 once in UTC. Anything else, a 31 February, an hour 24, a leap second, an offset of a
day or more, `0001-01-01T00:00:00+14:00` (before year 1 in UTC) or
`9999-12-31T23:59:59-23:59` (after 9999), is a 400 naming the field. What comes out is an
aware UTC datetime that `iso()`, comparisons and timestamps take without overflowing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from shared.http.errors import ApiError

_FORM = re.compile(r"(\d{4})-(\d{2})-(\d{2})"
                   r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
                   r"(?:([Zz])|([+-])(\d{2}):(\d{2}))?)?", re.ASCII)
ACCEPTED = ("a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDThh:mm:ss, with Z or an offset "
            "such as +02:00; UTC when it has neither)")
DATE_TIME_SCHEMA = {"type": "string", "format": "date-time", "maxLength": 40}


class DateError(ValueError):
    """Why a text is not a date the API accepts (the reason, without the field's name)."""


def read(text: Any) -> datetime:
    """The moment `text` names, aware and in UTC; DateError why not."""
    if not isinstance(text, str):
        raise DateError(f"must be {ACCEPTED}")
    found = _FORM.fullmatch(text) if len(text) <= 40 else None
    if found is None:
        raise DateError(f"must be {ACCEPTED}")
    (year, month, day, hour, minute, second, fraction, _zulu, sign, off_hours,
     off_minutes) = found.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                          int(second or 0), micro)
    except ValueError:
        raise DateError("is not a date and time of the calendar (years 1 to 9999, months "
                        "1-12, days of the month, hours 0-23, minutes and seconds 0-59)") \
            from None
    if sign is None:
        return moment.replace(tzinfo=UTC)  # no zone, or Z: UTC
    if int(off_hours) > 23 or int(off_minutes) > 59:
        raise DateError("has an offset out of range: from -23:59 to +23:59")
    offset = timedelta(hours=int(off_hours), minutes=int(off_minutes))
    zone = timezone(-offset if sign == "-" else offset)
    try:
        return moment.replace(tzinfo=zone).astimezone(UTC)
    except (OverflowError, ValueError):
        raise DateError("falls outside years 1 to 9999 once converted to UTC") from None


def parse(text: Any, target: str, code: str = "InvalidValue") -> datetime:
    """`read`, or a 400 naming `target`."""
    try:
        return read(text)
    except DateError as why:
        shown = text[:40] if isinstance(text, str) else type(text).__name__
        raise ApiError(400, code, f"{target} {why}; {shown!r} is not.", target=target,
                       details=[{"code": code, "target": target,
                                 "message": f"{target} {why}."}]) from None


def parse_optional(text: Any, target: str) -> datetime | None:
    """None for none (absent, null or ""), else `parse`."""
    return None if text in (None, "") else parse(text, target)


def _checker(with_time: bool):
    def check(text: object) -> bool:
        if not isinstance(text, str):
            return True  # formats apply to strings only
        try:
            read(text)
        except DateError:
            return False
        return (len(text) > 10) is with_time

    return check


# JSON schema's "date-time" and "date" formats, as this module reads them (the request
# checker uses these, so a body's dates pass the schema exactly when `parse` takes them).
is_date_time, is_full_date = _checker(True), _checker(False)
_FORMATS = ("date-time", "date")


def _date_fields(schema: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths of the properties a JSON schema declares as dates (in oneOf/anyOf too)."""
    if not isinstance(schema, dict):
        return []
    found = []
    branches = [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]
    if path and any(isinstance(b, dict) and b.get("format") in _FORMATS for b in branches):
        found.append(path)
    for name, child in (schema.get("properties") or {}).items():
        found.extend(_date_fields(child, (*path, name)))
    return found


def body_problems(schema: dict[str, Any], body: Any) -> list[dict[str, str]]:
    """A 400's details for every date in a JSON body that `read` does not take."""
    problems = []
    for path in _date_fields(schema):
        value: Any = body
        for name in path:
            value = value.get(name) if isinstance(value, dict) else None
        if isinstance(value, str):
            target = ".".join(path)
            try:
                read(value)
            except DateError as why:
                problems.append({"code": "InvalidValue", "target": target,
                                 "message": f"{target} {why}; {value[:40]!r} is not."})
    return problems
