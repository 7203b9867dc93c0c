"""Numbers, money and dates as reports print them."""

from __future__ import annotations

from decimal import Decimal


def money(amount: float | Decimal | None, currency: str) -> str:
    """`12,345.00 USD`: thousands separators and the currency code, never a bare number."""
    if amount is None:
        return ""
    return f"{Decimal(str(amount)).quantize(Decimal('0.01')):,} {currency or '(no currency)'}"


def count(value: int) -> str:
    return f"{value:,}"


def plural(value: int, word: str, words: str | None = None) -> str:
    return f"{value:,} {word if value == 1 else (words or word + 's')}"


def clipped(text: str, limit: int) -> str:
    """`text`, or its first `limit` - 1 characters and an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def date(value: str) -> str:
    """ISO 8601 date or date-time -> `2026-11-21` (the report's own dates, as stored)."""
    return value[:10] if value else ""


MINUS = "\u2212"  # a real minus sign: a hyphen reads as a dash beside a figure


def compact_money(amount: float | Decimal | None, currency: str) -> str:
    """Headline money a reader takes in at a glance: `5.3 M USD`, `441.9 k USD`, `950 USD`
    (the tables keep the exact figure)."""
    if amount is None:
        return ""
    value = float(amount)
    size = abs(value)
    sign = MINUS if value < 0 else ""
    unit = currency or "(no currency)"
    for limit, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if round(size / limit, 1) >= 1:
            return f"{sign}{size / limit:,.1f} {suffix} {unit}"
    return f"{sign}{size:,.0f} {unit}"


def signed(value: int) -> str:
    """A change in a count, always with its sign: `+12`, `−29`, `±0`."""
    if value == 0:
        return "±0"
    return f"+{value:,}" if value > 0 else f"{MINUS}{-value:,}"


def signed_money(amount: float, currency: str) -> str:
    """A change in money with its sign, compact: `+1.2 k USD`, `−155.4 k USD`, `±0 USD`."""
    if round(float(amount), 2) == 0:
        return f"±0 {currency}"
    return ("+" if amount > 0 else MINUS) + compact_money(abs(amount), currency)
