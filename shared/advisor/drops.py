"""An export that shrank sharply against the report it is compared with: most likely an
incomplete export (a filter left on in the portal, one subscription exported, a file cut
short), not an estate that fixed half its findings in a month. Processing goes on, and the
report says so, so that the consultant can mark it not for comparison before it becomes the
baseline of the next one and the portfolio reads its drop as findings resolved. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CODE = "SharpDrop"
ROWS_SHARE = 0.5  # fewer than half the baseline's accepted rows
SHOWN = 4  # missing subscriptions named in the message


def sharp_drop(rows: int, subscriptions: Mapping[str, str], baseline: Mapping[str, Any],
               baseline_rows: int, baseline_subscriptions: Mapping[str, str],
               report_id: str) -> dict[str, Any] | None:
    """The report's warning when its accepted rows are under half the baseline's, or a
    subscription of the baseline is missing from it; None otherwise. Subscriptions are
    {id (lower-case): name}; `baseline` is the changes' baseline (title, exportDate, createdAt)."""
    missing = {k: v for k, v in baseline_subscriptions.items() if k not in subscriptions}
    few = baseline_rows > 0 and rows < ROWS_SHARE * baseline_rows
    if not (few or missing):
        return None
    name = baseline.get("title") or baseline.get("reportId") or "the baseline"
    exported = (baseline.get("exportDate") or "")[:10]
    when = f"export of {exported}" if exported else (baseline.get("createdAt") or "")[:10]
    said = []
    if few:
        said.append(f"{rows:,} accepted rows against {baseline_rows:,}")
    if missing:
        names = sorted(v or k for k, v in missing.items())
        listed = ", ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more"
                                             if len(names) > SHOWN else "")
        said.append(f"{len(missing)} of its {len(baseline_subscriptions)} subscriptions "
                    f"missing ({listed})")
    return {"code": CODE, "count": 1, "lines": [], "message": (
        f"This export has {' and '.join(said)} in the report it is compared with (“{name}”"
        + (f", {when}" if when else "") + "). If the export is incomplete, mark this report "
        f"not for comparison (PATCH /api/reports/{report_id} with comparable: false) so that "
        "no later report takes it as baseline and the trend and portfolio leave it out.")}


def subscriptions_of(statistics: Mapping[str, Any] | None) -> dict[str, str]:
    """{subscription id (lower-case): name} of a report's statistics (bySubscription)."""
    return {str(s.get("subscriptionId") or "").lower(): s.get("subscriptionName") or ""
            for s in (statistics or {}).get("bySubscription") or []
            if s.get("subscriptionId")}
