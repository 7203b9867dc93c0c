"""Recommendations as plain JSON-able dicts, and JSON Lines for moving them between activities.

Staged rows are read by every render of a report, so both directions are about memory: a line
leaves out the fields that are empty, and reading shares equal values (the same recommendation
text, subscription or category on thousands of rows is one string, not thousands).
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable, Iterator
from decimal import Decimal
from typing import Any

from shared.advisor.model import Recommendation

FIELDS = Recommendation._fields
# Values that repeat from row to row; the resource's own name and id are mostly unique.
_SHARED = tuple(k for k in FIELDS if k not in (
    "line", "annual_savings", "extra", "resource_name", "given_resource_id"))
_OWN = ("resource_name", "given_resource_id")
_EMPTY: dict[str, str] = Recommendation._field_defaults["extra"]


def to_dict(rec: Recommendation) -> dict[str, Any]:
    """Field names as in the record; savings as a string so no precision is lost."""
    out = rec._asdict()
    if rec.annual_savings is not None:
        out["annual_savings"] = str(rec.annual_savings)
    return out


def _compact(rec: Recommendation) -> dict[str, Any]:
    """to_dict without the empty fields: a staged line is about half as long."""
    return {k: v for k, v in to_dict(rec).items() if v or k == "line"}


# Values that repeat (texts, categories, subscriptions) show up within the first rows; a
# column of mostly distinct values (timestamps to the second) would fill the table with one
# entry a row (at 1,000,000 rows some 80 MB while a report's rows are read) and share nothing.
MAX_SHARED_VALUES = 65_536


class Reader:
    """Builds records from decoded lines, handing out one object per distinct value (of the
    first MAX_SHARED_VALUES). One reader may serve several threads (a value read twice at once
    is at worst kept twice)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.amounts: dict[str, Decimal] = {}

    def record(self, data: dict[str, Any]) -> Recommendation:
        # Once the table is full, values already in it are still shared; new ones are not kept.
        share = self.values.setdefault if len(self.values) < MAX_SHARED_VALUES \
            else self.values.get
        values: dict[str, Any] = {k: share(v, v) if (v := data.get(k, "")) else "" for k in _SHARED}
        for k in _OWN:
            values[k] = data.get(k, "")
        values["line"] = int(data["line"])
        savings = data.get("annual_savings")
        if savings in (None, ""):
            values["annual_savings"] = None
        else:
            amount = self.amounts.get(savings)
            if amount is None:
                amount = self.amounts[savings] = Decimal(savings)
            values["annual_savings"] = amount
        extra = data.get("extra")
        values["extra"] = {share(k, k): share(v, v) for k, v in extra.items()} if extra else _EMPTY
        return Recommendation(**values)


def dumps_lines(records: Iterable[Recommendation]) -> bytes:
    return "".join(json.dumps(_compact(r), ensure_ascii=False) + "\n"
                   for r in records).encode("utf-8")


def loads_lines(data: bytes, reader: Reader | None = None) -> list[Recommendation]:
    """Lines written by dumps_lines, or by earlier versions that wrote every field; pass the
    same `reader` for the blobs of one report to share values across them."""
    return list(iter_lines([data], reader))


def line_of(data: bytes) -> int:
    """The source line of a JSON line dumps_lines wrote, read without decoding the rest: the
    line is its first field (`{"line": 12, ...`); decoded whole if written otherwise."""
    if data.startswith(b'{"line": '):
        end = data.find(b",", 9)
        if end > 9 and data[9:end].isdigit():
            return int(data[9:end])
    return int(json.loads(data)["line"])


def iter_lines(pieces: Iterable[bytes], reader: Reader | None = None,
               lines: Container[int] | None = None) -> Iterator[Recommendation]:
    """The records of JSON Lines that arrive in pieces cut anywhere (a blob downloaded a chunk
    at a time), one at a time: only a piece and one line are held, not the piece's lines.
    `lines`: only the records of these source lines (the others are not decoded)."""
    reader = reader or Reader()
    tail = b""  # the start of a line the last piece cut
    for piece in pieces:
        # Line by line from the bytes (json reads UTF-8): no decoded copy. A line never holds
        # a raw line break (JSON escapes them), so b"\n" is where lines end.
        start = 0
        while (end := piece.find(b"\n", start)) >= 0:
            line = tail + piece[start:end] if tail else piece[start:end]
            tail = b""
            if line and (lines is None or line_of(line) in lines):
                yield reader.record(json.loads(line))
            start = end + 1
        tail += piece[start:]
    if tail.strip() and (lines is None or line_of(tail.strip()) in lines):
        yield reader.record(json.loads(tail))
