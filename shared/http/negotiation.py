"""Content negotiation: the weighted lists of Accept and Accept-Encoding (RFC 9110, 12.4.2)."""

from __future__ import annotations


def weighted(header: str | None) -> list[tuple[str, float]]:
    """Each item of a header such as `text/html, */*;q=0.8` (lower-cased) with its weight
    (1 unless given; an unreadable weight is 0)."""
    items = []
    for item in (header or "").split(","):
        name, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name:
            items.append((name.lower(), weight))
    return items


def accepts(accept_encoding: str | None, coding: str) -> bool:
    """Whether a response may be sent with `coding` ("gzip"): named, or by `*`, with a
    weight above zero; a coding named with q=0 is refused even when `*` is allowed."""
    named = star = None
    for name, weight in weighted(accept_encoding):
        if name == coding or (coding == "gzip" and name == "x-gzip"):
            named = weight > 0
        elif name == "*":
            star = weight > 0
    return named if named is not None else bool(star)
