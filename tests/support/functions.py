"""The app's functions, enumerated once: get_functions() may be called only once per app."""

from __future__ import annotations

from functools import cache

import function_app


@cache
def app_functions() -> tuple:
    return tuple(function_app.app.get_functions())
