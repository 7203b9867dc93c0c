"""The subscriptions a client is known to have, and the rows of an export from other ones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from shared.advisor.model import Recommendation

_NAMED = 10  # subscriptions named in the message; the rest are counted
_LINES = 20  # lines listed in the warning


def out_of_scope(records: Iterable[Recommendation],
                 subscription_ids: Sequence[str]) -> dict[str, Any] | None:
    """A warning naming the subscriptions of rows outside the client's list (None when every
    row is in it, or when the client lists none). The rows stay: a client's list may lag
    behind a new subscription, and the consultant decides."""
    if not subscription_ids:
        return None
    known = {s.lower() for s in subscription_ids}
    lines: list[int] = []
    names: dict[str, str] = {}
    for record in records:
        sub = record.subscription_id.lower()
        if sub and sub not in known:
            lines.append(record.line)
            names.setdefault(sub, record.subscription_name)
    if not lines:
        return None
    shown = [f"{name} ({sub})" if name else sub for sub, name in sorted(names.items())]
    more = len(shown) - _NAMED
    listed = ", ".join(shown[:_NAMED]) + (f" and {more} more" if more > 0 else "")
    return {"code": "UnexpectedSubscriptions", "count": len(lines), "lines": lines[:_LINES],
            "message": f"{len(lines):,} row(s) come from subscription(s) not in the client's "
                       f"list: {listed}. They are stored and reported; add the subscriptions "
                       "to the client, or check the export was taken for this client."}
