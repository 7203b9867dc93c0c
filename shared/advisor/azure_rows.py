"""Advisor recommendations as Azure Resource Manager returns them, written as export lines.

An import becomes a report through the same reading as an upload: each recommendation of the
Advisor REST API (`Microsoft.Advisor/recommendations`, the JSON of Recommendations_List) is
written as the line the portal's "Download as CSV" has for it, plus the four columns the API
carries and the portal's export does not (resource id, recommendation type id, solution, Learn
link). The file then goes through `parse.py` unchanged, so an imported month and an uploaded
month give the same records and compare line for line (docs/azure-import.md has the table).

Pure: no I/O. `export_row` takes the wire JSON of one recommendation (camelCase, the
`properties` envelope), as the REST specification's examples show it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from shared.advisor.model import build_resource_id

# The portal's 14 columns, then what only the API has. Resource ID is written only when the
# other columns do not build it (see export_row).
HEADER = (
    "Category", "Business Impact", "Recommendation", "Subscription ID", "Subscription Name",
    "Resource Group", "Resource Name", "Type", "Updated Date", "Potential benefits",
    "Potential Annual Cost Savings", "Potential Cost Savings Currency", "Retirement date",
    "Retiring feature", "Resource ID", "Recommendation Type ID", "Solution", "Learn more link",
)
NO_RESOURCE_GROUP = "No resource group"  # what the portal writes for subscription-level rows
SUBSCRIPTION_TYPES = frozenset({"microsoft.subscriptions/subscriptions",
                                "microsoft.resources/subscriptions", "subscription"})
_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
_GROUP = re.compile(r"/resourceGroups/([^/]+)", re.IGNORECASE)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def annual_savings(extended: Mapping[str, Any]) -> tuple[str, str]:
    """(amount as the portal writes it, currency) from a cost recommendation's extended
    properties: `annualSavingsAmount`, else twelve times the monthly `savingsAmount`, in whole
    units with thousands separators (`5,332`, as the portal's column shows it); ("", "") when
    the recommendation names no saving."""
    currency = _text(extended.get("savingsCurrency")).upper()
    for key, factor in (("annualSavingsAmount", 1), ("savingsAmount", 12)):
        raw = _text(extended.get(key))
        if not raw:
            continue
        try:
            amount = Decimal(raw.replace(",", "")) * factor
        except InvalidOperation:
            continue  # not a number: the next key, or no saving
        whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return f"{whole:,}", currency
    return "", ""


def export_row(recommendation: Mapping[str, Any], subscription_id: str,
               subscription_name: str) -> list[str]:
    """The export line (cells in HEADER order) of one recommendation of `subscription_id`,
    whose display name is `subscription_name` (the API's rows do not carry it)."""
    props = recommendation.get("properties") or {}
    short = props.get("shortDescription") or {}
    extended = props.get("extendedProperties") or {}
    metadata = props.get("resourceMetadata") or {}
    resource_id = _text(metadata.get("resourceId"))
    sub = _SUBSCRIPTION.match(resource_id)
    sub_id = sub.group(1) if sub else subscription_id
    kind = _text(props.get("impactedField"))
    if kind.lower() in SUBSCRIPTION_TYPES:
        # The portal names the subscription itself, in no resource group.
        kind, name, group = "Subscription", subscription_name, NO_RESOURCE_GROUP
    else:
        name = _text(props.get("impactedValue"))
        found = _GROUP.search(resource_id)
        group = found.group(1) if found else NO_RESOURCE_GROUP
    # A line of the portal has no resource id; its parts build it. The API's is kept only where
    # they build another one (a child resource, another casing), so the records are the same.
    given = "" if resource_id == build_resource_id(sub_id, group, kind, name) else resource_id
    savings, currency = annual_savings(extended)
    benefits = " ".join(p for p in (savings, currency, "savings") if p) if savings \
        else _text(props.get("potentialBenefits"))
    return [
        _text(props.get("category")), _text(props.get("impact")), _text(short.get("problem")),
        sub_id, subscription_name, group, name, kind, _text(props.get("lastUpdated")), benefits,
        savings, currency, _text(extended.get("retirementDate")),
        _text(extended.get("retirementFeatureName")), given,
        _text(props.get("recommendationTypeId")), _text(short.get("solution")),
        _text(props.get("learnMoreLink")),
    ]


def to_lines(rows: Iterable[Sequence[str]]) -> bytes:
    """Export lines of the rows, without the header: UTF-8, CRLF."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def header_line() -> bytes:
    """The export's first line, as the portal writes a file: a UTF-8 BOM, HEADER, CRLF."""
    return codecs.BOM_UTF8 + to_lines([HEADER])


def to_csv(rows: Iterable[Sequence[str]]) -> bytes:
    """An export of the rows with HEADER, as the portal writes one: UTF-8 with a BOM, CRLF."""
    return header_line() + to_lines(rows)
