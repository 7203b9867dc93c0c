"""Recommendations as plain JSON-able dicts, and JSON Lines for moving them between activities."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from shared.advisor.model import Recommendation

FIELDS = Recommendation._fields


def to_dict(rec: Recommendation) -> dict[str, Any]:
    """Field names as in the record; savings as a string so no precision is lost."""
    out = rec._asdict()
    if rec.annual_savings is not None:
        out["annual_savings"] = str(rec.annual_savings)
    return out


def from_dict(data: dict[str, Any]) -> Recommendation:
    values = {k: data.get(k, "") for k in FIELDS}
    values["line"] = int(data["line"])
    savings = data.get("annual_savings")
    values["annual_savings"] = Decimal(savings) if savings not in (None, "") else None
    values["extra"] = dict(data.get("extra") or {})
    return Recommendation(**values)


def dumps_lines(records: Iterable[Recommendation]) -> bytes:
    return "".join(json.dumps(to_dict(r), ensure_ascii=False) + "\n"
                   for r in records).encode("utf-8")


def loads_lines(data: bytes) -> list[Recommendation]:
    return [from_dict(json.loads(line)) for line in data.decode("utf-8").splitlines() if line]
