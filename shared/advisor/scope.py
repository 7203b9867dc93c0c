"""The subscriptions a client is known to have, and the rows of an export from other ones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from shared.advisor.model import Recommendation

_NAMED = 10  # subscriptions named in the message; the rest are counted
_LINES = 20  # lines listed in the warning


class ScopeCheck:
    """Rows from subscriptions outside the client's list, gathered batch by batch. The rows
    stay: a client's list may lag behind a new subscription, and the consultant decides."""

    def __init__(self, subscription_ids: Sequence[str]) -> None:
        self._known = {s.lower() for s in subscription_ids}
        self._count = 0
        self._lines: list[int] = []
        self._names: dict[str, str] = {}

    def add(self, records: Iterable[Recommendation]) -> None:
        if not self._known:
            return
        for record in records:
            sub = record.subscription_id.lower()
            if sub and sub not in self._known:
                self._count += 1
                if len(self._lines) < _LINES:
                    self._lines.append(record.line)
                self._names.setdefault(sub, record.subscription_name)

    def warning(self) -> dict[str, Any] | None:
        """A warning naming the subscriptions of the rows outside the list (None when every
        row is in it, or when the client lists none)."""
        if not self._count:
            return None
        shown = [f"{name} ({sub})" if name else sub for sub, name in sorted(self._names.items())]
        more = len(shown) - _NAMED
        listed = ", ".join(shown[:_NAMED]) + (f" and {more} more" if more > 0 else "")
        return {"code": "UnexpectedSubscriptions", "count": self._count, "lines": self._lines,
                "message": f"{self._count:,} row(s) come from subscription(s) not in the "
                           f"client's list: {listed}. They are stored and reported; add the "
                           "subscriptions to the client, or check the export was taken for "
                           "this client."}


def out_of_scope(records: Iterable[Recommendation],
                 subscription_ids: Sequence[str]) -> dict[str, Any] | None:
    """The warning of ScopeCheck for these records all at once."""
    check = ScopeCheck(subscription_ids)
    check.add(records)
    return check.warning()
