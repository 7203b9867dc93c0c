"""The canonical recommendation record and the results of reading an export."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

CATEGORIES = ("Cost", "Security", "Reliability", "OperationalExcellence", "Performance")
IMPACTS = ("High", "Medium", "Low")
# Sort keys: canonical order first; anything else (unknown, empty) after it.
CATEGORY_RANK = {category: rank for rank, category in enumerate(CATEGORIES)}
IMPACT_RANK = {impact: rank for rank, impact in enumerate(IMPACTS)}
UNRANKED = 99


class Recommendation(NamedTuple):
    """One row of an Advisor export, normalised. Text fields are "" when the export is silent.

    A named tuple: tens of thousands are built per file, and tuples build fastest.
    """

    line: int  # physical line in the source file where the row starts (1 = header)
    recommendation: str
    category: str = ""  # canonical (see CATEGORIES) or, when unknown, exactly as given
    impact: str = ""  # High, Medium, Low or, when unknown, as given
    subscription_id: str = ""
    subscription_name: str = ""
    resource_group: str = ""
    resource_name: str = ""
    resource_type: str = ""
    given_resource_id: str = ""  # as the export wrote it; see resource_id
    updated: str = ""  # ISO 8601
    potential_benefits: str = ""
    annual_savings: Decimal | None = None
    currency: str = ""
    retirement_date: str = ""  # ISO 8601 date
    retiring_feature: str = ""
    description_of_changes: str = ""
    solution: str = ""
    recommendation_type_id: str = ""
    learn_more_link: str = ""  # Advisor's Learn page for the recommendation type
    extra: dict[str, str] = {}  # noqa: RUF012 - columns without a canonical field; never mutated

    @property
    def resource_id(self) -> str:
        """The ARM id: as given, else built when the row says enough (derived, not stored)."""
        return self.given_resource_id or build_resource_id(
            self.subscription_id, self.resource_group, self.resource_type, self.resource_name)


def build_resource_id(subscription_id: str, resource_group: str, resource_type: str,
                      resource_name: str) -> str:
    """An ARM resource id when the parts say enough to build one, else ""."""
    if not subscription_id:
        return ""
    kind = resource_type.lower()
    if kind == "subscription":
        return f"/subscriptions/{subscription_id}"
    if not resource_group or resource_group.lower() == "no resource group":
        return ""
    if kind in ("resource group", "resourcegroup", "microsoft.resources/resourcegroups"):
        return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
    if "/" in kind and resource_name:
        return (f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
                f"/providers/{resource_type}/{resource_name}")
    return ""


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    message: str
    column: str | None = None

    def to_dict(self) -> dict:
        out = {"line": self.line, "code": self.code, "message": self.message}
        if self.column:
            out["column"] = self.column
        return out


@dataclass
class Warning_:
    """A warning about the file, counted; `lines` holds the first few places it applies."""

    code: str
    message: str
    count: int = 0
    lines: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "count": self.count,
                "lines": self.lines}


class ExportRefused(Exception):
    """The whole file is refused; `code` is stable for programs, `message` is for people."""

    def __init__(self, code: str, message: str, *, line: int | None = None,
                 column: str | None = None, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.details = details or []

    def to_dict(self) -> dict:
        out: dict = {"code": self.code, "message": self.message}
        if self.line is not None:
            out["line"] = self.line
        if self.column:
            out["column"] = self.column
        if self.details:
            out["details"] = self.details
        return out


@dataclass
class ColumnReport:
    recognised: dict[str, str]  # header as written -> canonical field (or "extra")
    unrecognised: list[str]

    def to_dict(self) -> dict:
        return {"recognised": self.recognised, "unrecognised": self.unrecognised}


@dataclass
class ParseResult:
    records: list[Recommendation]  # the accepted rows; [] when a reader passed them on
    columns: ColumnReport
    encoding: str
    delimiter: str
    rows_total: int
    rows_rejected: int
    duplicates: int
    errors: list[RowError]
    warnings: list[Warning_]

    @property
    def rows_accepted(self) -> int:
        return self.rows_total - self.rows_rejected - self.duplicates

    def summary(self, max_errors: int = 20) -> dict:
        """The validation summary users see (check command and API)."""
        return {
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "columns": self.columns.to_dict(),
            "rowsTotal": self.rows_total,
            "rowsAccepted": self.rows_accepted,
            "rowsRejected": self.rows_rejected,
            "duplicates": self.duplicates,
            "errors": [e.to_dict() for e in self.errors[:max_errors]],
            "errorsTruncated": len(self.errors) > max_errors,
            "warnings": [w.to_dict() for w in self.warnings],
        }
