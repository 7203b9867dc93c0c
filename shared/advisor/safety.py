"""Making untrusted export text safe to write back out: CSV cells, HTML, reportlab markup."""

from __future__ import annotations

from markupsafe import escape

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection): prefix with `'`."""
    if value and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def escape_html(value: object) -> str:
    return str(escape("" if value is None else str(value)))


def escape_paragraph(value: object) -> str:
    """Text for reportlab's Paragraph markup (a small XML dialect): escape &, <, >."""
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
