"""Normalising the values of an export: categories, impacts, money, currencies, dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from shared.advisor.columns import normalise_name

_CATEGORY_ALIASES = {
    "Cost": ("Cost", "Costs", "Cost Optimization", "Cost optimisation"),
    "Security": ("Security",),
    "Reliability": ("Reliability", "HighAvailability", "High Availability"),
    "OperationalExcellence": ("OperationalExcellence", "Operational Excellence",
                              "Operational excellence"),
    "Performance": ("Performance", "Performance Efficiency"),
}
_CATEGORIES = {normalise_name(a): c for c, aliases in _CATEGORY_ALIASES.items() for a in aliases}
_IMPACTS = {"high": "High", "medium": "Medium", "moderate": "Medium", "low": "Low"}


@lru_cache(maxsize=256)
def category(value: str) -> tuple[str, bool]:
    """(canonical category, known?). An unknown category is kept exactly as given."""
    key = normalise_name(value)
    found = _CATEGORIES.get(key)
    return (found, True) if found else (value.strip(), not key)


@lru_cache(maxsize=64)
def impact(value: str) -> tuple[str, bool]:
    """(High | Medium | Low, known?). An unknown impact is kept as given."""
    key = normalise_name(value)
    found = _IMPACTS.get(key)
    return (found, True) if found else (value.strip(), not key)


_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_MONEY_NOISE = re.compile(r"[A-Za-z]{3}\b|savings?|per year|/yr|/year|[$€£¥₹\s\u00a0'’]",
                          re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d{1,2}$|^-?\d+,\d{1,2}$")
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")
_DIGITS_AND_COMMAS = re.compile(r"^\d{1,3}(?:,\d{3})*$|^\d+$")
_BENEFIT_AMOUNT = re.compile(
    r"(?P<sym>[$€£¥₹])?\s*(?P<amount>\d[\d,.\u00a0 ]*\d|\d)\s*(?P<code>[A-Z]{3})?\s+savings",
    re.IGNORECASE)


class InvalidAmount(ValueError):
    pass


@lru_cache(maxsize=4096)
def money(value: str, decimal_comma: bool = False) -> tuple[Decimal | None, str]:
    """Parse `5,332`, `$2,400.00`, `2400.50`, `1.234,56` (decimal comma) -> (amount, currency).

    Returns (None, "") for an empty cell; raises InvalidAmount for text that is not an amount.
    """
    text = value.strip()
    if _DIGITS_AND_COMMAS.match(text):  # `5,332`, as the portal writes it: the common case
        return Decimal(text.replace(",", "")), ""
    if not text or text in ("-", "—", "N/A", "n/a"):
        return None, ""
    currency = next((code for sym, code in _CURRENCY_SYMBOLS.items() if sym in text), "")
    code = re.search(r"\b([A-Z]{3})\b", text)
    if code:
        currency = code.group(1)
    negative = text.startswith("(") and text.endswith(")")
    digits = _MONEY_NOISE.sub("", text.strip("()"))
    if decimal_comma and _DECIMAL_COMMA.match(digits):
        digits = digits.replace(".", "").replace(",", ".")
    elif _THOUSANDS_COMMA.match(digits):
        digits = digits.replace(",", "")
    elif not _PLAIN.match(digits):
        raise InvalidAmount(f"{value!r} is not an amount")
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        raise InvalidAmount(f"{value!r} is not an amount") from None
    return (-amount if negative else amount), currency


def money_from_benefits(text: str, decimal_comma: bool = False) -> tuple[Decimal | None, str]:
    """`5,332 USD savings` in Potential benefits, when the savings column is absent or empty."""
    if "saving" not in text.lower():
        return None, ""
    m = _BENEFIT_AMOUNT.search(text)
    if not m:
        return None, ""
    try:
        amount, _ = money(m.group("amount").replace("\u00a0", "").replace(" ", ""),
                          decimal_comma)
    except InvalidAmount:
        return None, ""
    currency = (m.group("code") or "").upper() or _CURRENCY_SYMBOLS.get(m.group("sym") or "", "")
    return amount, currency


_DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%m/%d/%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d-%b-%Y", "%b %d, %Y", "%d %B %Y",
    "%B %d, %Y",
)


class InvalidDate(ValueError):
    pass


@lru_cache(maxsize=4096)
def _parse_datetime(text: str) -> datetime:
    cleaned = text.strip().replace("Z", "+00:00") if text.strip().endswith("Z") else text.strip()
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        pass
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    raise InvalidDate(f"{text!r} is not a date")


def iso_datetime(text: str) -> str:
    """`2024-05-14T10:21:33.1234567Z`, `5/14/2024 10:21:33 AM` -> `2024-05-14T10:21:33Z`."""
    if len(text) >= 20 and text[10] == "T" and text[-1] == "Z" and text[4] == "-" \
            and text[:4].isdigit():
        return text[:19] + "Z"  # already ISO 8601 UTC, as the portal writes it
    if not text.strip():
        return ""
    moment = _parse_datetime(_trim_fraction(text))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if moment.hour == moment.minute == moment.second == 0 and len(text.strip()) <= 10:
        return moment.date().isoformat()
    return moment.replace(microsecond=0).isoformat() + "Z"


def iso_date(text: str) -> str:
    """A date, as `YYYY-MM-DD`."""
    if not text.strip():
        return ""
    return _parse_datetime(_trim_fraction(text)).date().isoformat()


def _trim_fraction(text: str) -> str:
    # .NET writes seven fractional digits; Python reads at most six.
    return re.sub(r"(\.\d{6})\d+", r"\1", text.strip())
