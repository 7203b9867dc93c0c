"""Validating and normalising an export's rows, column by column, into Recommendations.

A row is rejected (a RowError naming its line and column) when its recommendation is empty, or
its savings or currency cannot be read; unknown categories and impacts and unreadable dates are
kept as written, with a warning. Each distinct value is converted once (`values.py` converts
one value). A part of reading an export (`parse.py`): the names with an underscore are
parse.py's, not an API of their own.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import partial

from shared.advisor import values
from shared.advisor.columns import ColumnMap
from shared.advisor.model import Recommendation, RowError
from shared.advisor.rows import _Table, _Warnings

_TEXT_FIELDS = (
    "subscription_id", "subscription_name", "resource_group", "resource_name", "resource_type",
    "resource_id", "potential_benefits", "retiring_feature", "description_of_changes",
    "solution", "recommendation_type_id", "learn_more_link",
)


def _mapped(column: list[str], convert) -> list:
    """Convert each distinct value once (when values repeat; else converting each is cheaper)."""
    distinct = set(column)
    if len(distinct) * 4 > len(column):
        return list(map(convert, column))
    cache = {value: convert(value) for value in distinct}
    return list(map(cache.__getitem__, column))


def _normalise(table: _Table, columns: ColumnMap, decimal_comma: bool,
               warnings: _Warnings) -> tuple[list[Recommendation], list[RowError]]:
    """Normalise column by column, then build the records in one pass."""
    f = columns.fields
    names = {field: name for name, field in columns.report.recognised.items()}
    lines = table.lines
    col = table.columns
    n = len(lines)
    blank = [""] * n
    errors: list[RowError] = []
    rejected: set[int] = set()

    def stripped(field: str) -> list[str]:
        if field not in f:
            return blank
        return list(map(str.strip, col[f[field]]))  # cheaper than caching distinct values

    text = stripped("recommendation")
    for i, value in enumerate(text):
        if not value:
            rejected.add(i)
            errors.append(RowError(lines[i], "MissingRecommendation",
                                   f"Line {lines[i]}: the {names['recommendation']} column is "
                                   "empty.", column=names["recommendation"]))
    category = _known_or_warn(col, f, "category", values.category, lines, warnings,
                              "UnknownCategory", "Some rows have a category Advisor does not "
                              "use; it is kept as written.")
    impact = _known_or_warn(col, f, "impact", values.impact, lines, warnings, "UnknownImpact",
                            "Some rows have an impact other than High, Medium or Low; it is "
                            "kept as written.")
    fields = {name: stripped(name) for name in _TEXT_FIELDS}
    savings, currency = _savings(col, f, names, fields["potential_benefits"], decimal_comma,
                                 lines, errors, rejected)
    extras = [(name, col[i]) for i, name in columns.extras if any(map(str.strip, col[i]))]
    extra = [
        {name: column[i] for name, column in extras if column[i].strip()} for i in range(n)
    ] if extras else [{}] * n
    ordered = [
        lines, text, category, impact, fields["subscription_id"],
        fields["subscription_name"], fields["resource_group"], fields["resource_name"],
        fields["resource_type"], fields["resource_id"],
        _dates(col, f, "updated", values.iso_datetime, lines, warnings),
        fields["potential_benefits"], savings, currency,
        _dates(col, f, "retirement_date", values.iso_date, lines, warnings),
        fields["retiring_feature"], fields["description_of_changes"], fields["solution"],
        fields["recommendation_type_id"], fields["learn_more_link"], extra,
    ]
    rows = zip(*ordered, strict=True)
    if rejected:
        rows = (row for i, row in enumerate(rows) if i not in rejected)
    # tuple.__new__ directly: what Recommendation._make does, without a Python call per row.
    return list(map(partial(tuple.__new__, Recommendation), rows)), errors


def _known_or_warn(col, f, field, convert, lines, warnings, code, message) -> list[str]:
    if field not in f:
        return [""] * len(lines)
    pairs = _mapped(col[f[field]], convert)
    unknown = [lines[i] for i, (_, known) in enumerate(pairs) if not known]
    if unknown:
        warnings.add(code, message, unknown)
    return [value for value, _ in pairs]


def _savings(col, f, names, benefits, decimal_comma, lines, errors, rejected):
    n = len(lines)
    amounts: list[Decimal | None] = [None] * n
    currencies = [""] * n
    if "annual_savings" in f:
        def parse(raw: str):
            try:
                return values.money(raw, decimal_comma)
            except values.InvalidAmount:
                return None
        parsed = _mapped(col[f["annual_savings"]], parse)
        raw = col[f["annual_savings"]]
        for i, result in enumerate(parsed):
            if result is None:
                rejected.add(i)
                errors.append(RowError(
                    lines[i], "InvalidSavings", f"Line {lines[i]}: the savings value "
                    f"{raw[i].strip()[:40]!r} is not an amount.", column=names["annual_savings"]))
            else:
                amounts[i], currencies[i] = result
    missing = [i for i in range(n) if amounts[i] is None and benefits[i]]
    if missing:
        cache: dict[str, tuple] = {}
        for i in missing:
            text = benefits[i]
            if text not in cache:
                cache[text] = values.money_from_benefits(text, decimal_comma)
            amounts[i], currencies[i] = cache[text]
    if "currency" in f:
        given = _mapped(col[f["currency"]], lambda v: v.strip().upper())
        currencies = [g or c for g, c in zip(given, currencies, strict=True)]
        name = names["currency"]
        for i, code in enumerate(given):
            # A currency that is not an ISO 4217 code is a value shifted into the wrong cell
            # (a stray delimiter or quote) far more often than a currency: the row is refused.
            if code and not _CURRENCY.match(code) and i not in rejected:
                rejected.add(i)
                errors.append(RowError(
                    lines[i], "InvalidCurrency", f"Line {lines[i]}: the currency "
                    f"{col[f['currency']][i].strip()[:40]!r} is not a three-letter code such as "
                    "USD or EUR; the row's values may be shifted by a stray delimiter or quote.",
                    column=name))
    return amounts, currencies


_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ISO_UTC_COLUMN = re.compile(r"(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\n)*")


def _dates(col, f, field, convert, lines, warnings) -> list[str]:
    if field not in f:
        return [""] * len(lines)
    column = col[f[field]]
    if convert is values.iso_datetime and _ISO_UTC_COLUMN.fullmatch("\n".join(column) + "\n"):
        return [v[:19] + "Z" for v in column]  # all ISO 8601 UTC already, as the portal writes

    def parse(raw: str):
        try:
            return convert(raw), True
        except values.InvalidDate:
            return raw.strip(), False

    pairs = _mapped(col[f[field]], parse)
    bad = [lines[i] for i, (_, ok) in enumerate(pairs) if not ok]
    if bad:
        warnings.add("InvalidDate", "Some dates could not be read; they are kept as written.",
                     bad)
    return [value for value, _ in pairs]
