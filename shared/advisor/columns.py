"""Column names of Advisor exports: one alias table, matched without regard to case or punctuation.

Covers the portal's 17-, 14- and 13-column layouts, the names other tools use, and flat API/CLI
exports (Problem, Solution, Impacted Field, Impacted Value, Resource ID, ...). Columns with no
canonical field are kept as data in `Recommendation.extra`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.advisor.model import ColumnReport

EXTRA = "extra"  # recognised Advisor column without a canonical field of its own

_ALIASES: dict[str, tuple[str, ...]] = {
    "category": ("Category", "Recommendation Category"),
    "impact": ("Business Impact", "Impact"),
    "recommendation": ("Recommendation", "Problem", "Short Description",
                       "Recommendation Text", "Recommendation Name"),
    "subscription_id": ("Subscription ID", "Subscription Id", "SubscriptionId", "Subscription"),
    "subscription_name": ("Subscription Name",),
    "resource_group": ("Resource Group", "Resource Group Name"),
    "resource_name": ("Resource Name", "Impacted Value", "Resource"),
    "resource_type": ("Type", "Resource Type", "Impacted Field"),
    "resource_id": ("Resource ID", "Resource Id", "ResourceId", "Resource URI"),
    "updated": ("Updated Date", "Last Updated", "Updated", "Last Updated Date", "Updated At"),
    "potential_benefits": ("Potential benefits", "Potential Benefits", "Benefits"),
    "annual_savings": ("Potential Annual Cost Savings", "Potential Annual Savings",
                       "Annual Savings", "Annual Savings Amount", "Savings Amount",
                       "Potential Savings", "Savings"),
    "currency": ("Potential Cost Savings Currency", "Currency", "Savings Currency"),
    "retirement_date": ("Retirement date", "Retirement Date"),
    "retiring_feature": ("Retiring feature", "Retiring Feature"),
    "description_of_changes": ("Description of changes",),
    "solution": ("Solution", "Remediation", "Long Description"),
    "recommendation_type_id": ("Recommendation Type ID", "Recommendation Type Id",
                               "RecommendationTypeId"),
    "learn_more_link": ("Learn more link", "Learn More Link", "Learn more", "Learn More URL",
                        "LearnMoreLink"),
    EXTRA: ("Potential carbon reductions", "Cost implications (Preview)", "Risk",
            "Advisor Score Impact", "Critical risk", "Recommendation ID", "Location", "Region",
            "Tags", "Status", "Potential Impact"),
}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_name(name: str) -> str:
    """`"Potential Cost Savings Currency"`, `"potential_cost-savings currency "` -> one key."""
    return _NON_ALNUM.sub("", name.casefold())


ALIAS_TABLE: dict[str, str] = {
    normalise_name(alias): field for field, aliases in _ALIASES.items() for alias in aliases
}


@dataclass(frozen=True)
class ColumnMap:
    """Where each canonical field is in a row, and which columns are kept as extras."""

    fields: dict[str, int]  # canonical field -> column index
    extras: list[tuple[int, str]]  # (column index, header as written)
    report: ColumnReport
    width: int


def map_columns(header: list[str]) -> ColumnMap:
    fields: dict[str, int] = {}
    extras: list[tuple[int, str]] = []
    recognised: dict[str, str] = {}
    unrecognised: list[str] = []
    for index, raw in enumerate(header):
        name = raw.strip()
        field = ALIAS_TABLE.get(normalise_name(name))
        if field and field != EXTRA and field not in fields:
            fields[field] = index
            recognised[name] = field
        elif field:
            # A second column for a field already mapped, or a known column with no field:
            # kept as data under its own name.
            extras.append((index, name))
            recognised[name] = EXTRA
        else:
            extras.append((index, name or f"Column {index + 1}"))
            unrecognised.append(name or f"Column {index + 1}")
    return ColumnMap(fields, extras, ColumnReport(recognised, unrecognised), len(header))
