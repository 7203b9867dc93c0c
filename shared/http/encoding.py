"""What a caller's Accept-Encoding allows (RFC 9110, section 12.5.3)."""

from __future__ import annotations


def accepts(accept_encoding: str | None, coding: str) -> bool:
    """Whether a response may be sent with `coding` ("gzip"): named, or by `*`, with a
    weight above zero; a coding named with q=0 is refused even when `*` is allowed."""
    named = star = None
    for part in (accept_encoding or "").split(","):
        name, *params = (p.strip() for p in part.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        name = name.lower()
        if name == coding or (coding == "gzip" and name == "x-gzip"):
            named = weight > 0
        elif name == "*":
            star = weight > 0
    return named if named is not None else bool(star)
