"""Who is looking at a page: the principal App Service Authentication (Easy Auth) adds.

The header is trusted only when the platform's authentication is on (App Service sets
WEBSITE_AUTH_ENABLED=True and then strips any copy a caller sends); otherwise anyone could send
it. Pages never fall back to the API's "function key alone" principal.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import quote

from shared.http.auth import PRINCIPAL_HEADER, Principal, principal_from

AUTH_ENABLED = "WEBSITE_AUTH_ENABLED"
SIGN_IN = "/.auth/login/aad"
SIGN_OUT = "/.auth/logout"


def auth_enabled() -> bool:
    return os.environ.get(AUTH_ENABLED, "").strip().lower() == "true"


def page_principal(headers: Mapping[str, str]) -> Principal | None:
    """The signed-in user, or None (not signed in). Raises AuthError for a malformed header."""
    if not auth_enabled():
        return None
    if not (headers.get(PRINCIPAL_HEADER) or headers.get(PRINCIPAL_HEADER.lower())):
        return None
    return principal_from(headers)


def sign_in_url(path_and_query: str) -> str:
    """Easy Auth's sign-in, coming back to the page asked for."""
    return f"{SIGN_IN}?post_login_redirect_uri={quote(path_and_query, safe='/')}"


def sign_out_url() -> str:
    return f"{SIGN_OUT}?post_logout_redirect_uri=/"
