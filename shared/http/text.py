"""Text the API accepts: valid Unicode only.

JSON allows escapes such as "\\ud800" (a lone surrogate) that no UTF-8 text can hold. Stored,
such a value breaks every later read that encodes it, so it is refused where it comes in.
"""

from __future__ import annotations

from typing import Any


def is_valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def first_invalid_text(value: Any) -> str | None:
    """The dotted path of the first string (key or value) that is not valid Unicode, "" for
    the body itself, or None when all are valid. Iterative: depth costs no stack."""
    pending: list[tuple[str, Any]] = [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            if not is_valid_unicode(item):
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if not is_valid_unicode(key):
                    return path or ""
                pending.append((child_path, child))
        elif isinstance(item, list):
            pending.extend((f"{path}[{i}]" if path else f"[{i}]", child)
                           for i, child in enumerate(item))
    return None


def unicode_problem(target: str) -> dict[str, str]:
    return {"code": "InvalidText", "target": target,
            "message": f"{target} holds a lone UTF-16 surrogate (such as \\ud800); "
                       "send valid Unicode text."}
