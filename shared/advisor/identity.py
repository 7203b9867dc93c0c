"""What makes two rows the same finding: within one export (the action plan groups by it) and
across exports (what changed since the last review)."""

from __future__ import annotations

import re
from functools import lru_cache

from shared.advisor.model import Recommendation

_SPACE = re.compile(r"\s+")


# Remembered: the action plan and the changes ask for every row's, and a few hundred texts
# recur row after row (2 microseconds each time otherwise).
@lru_cache(maxsize=4096)
def normalised_text(text: str) -> str:
    """A recommendation's text as compared: case, runs of whitespace and a final full stop
    do not make two recommendations different."""
    return _SPACE.sub(" ", text).strip().rstrip(".").casefold()


def is_subscription_level(rec: Recommendation) -> bool:
    return rec.resource_type.strip().lower() == "subscription" or not (
        rec.resource_name or rec.given_resource_id)


def resource_key(rec: Recommendation) -> str:
    """The resource a finding is about: its ARM id lower-cased; the subscription for
    subscription-level items (whose resource column names the subscription, or nothing)."""
    if is_subscription_level(rec):
        return f"/subscriptions/{rec.subscription_id.strip().lower()}"
    return (rec.resource_id or "/".join((rec.subscription_id, rec.resource_group,
                                         rec.resource_type, rec.resource_name))).lower()


def finding_key(rec: Recommendation) -> tuple[str, str]:
    """A finding's identity across exports: (normalised recommendation, resource)."""
    return normalised_text(rec.recommendation), resource_key(rec)
