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


def date(value: str) -> str:
    """ISO 8601 date or date-time -> `2026-11-21` (the report's own dates, as stored)."""
    return value[:10] if value else ""
