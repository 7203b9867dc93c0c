"""What every page response carries, and the checks on every state-changing request.

A form post or script call from a cookie session must come from this site: its Origin (or,
without one, Sec-Fetch-Site) says so, and it carries the CSRF token the page was served with
(double submit: an HttpOnly cookie and the same value in the form or the X-CSRF-Token header).
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

CSRF_COOKIE = "ar_csrf"
# Over HTTPS the cookie takes the __Host- prefix: the browser then accepts it only from this
# host, secure, for every path, so a sibling subdomain cannot plant a token of its own.
SECURE_CSRF_COOKIE = "__Host-ar_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"

# No inline script or style anywhere; the HTML reports previewed in a frame come from this
# site (frame-src 'self') and carry a CSP of their own (sandbox).
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; object-src 'none'")
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def cookie(headers: Mapping[str, str], name: str) -> str | None:
    raw = headers.get("Cookie") or headers.get("cookie") or ""
    try:
        jar = SimpleCookie(raw)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def csrf_token(headers: Mapping[str, str], secure: bool = False) -> tuple[str, bool]:
    """(the session's token, whether it is new and must be set as a cookie)."""
    current = cookie(headers, SECURE_CSRF_COOKIE if secure else CSRF_COOKIE)
    if current and re.fullmatch(r"[A-Za-z0-9_-]{20,100}", current):
        return current, False
    return secrets.token_urlsafe(32), True


def csrf_cookie(token: str, secure: bool) -> str:
    if secure:
        return f"{SECURE_CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Secure"
    return f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"


def same_origin(headers: Mapping[str, str], own_origin: str) -> bool:
    """True when the browser says the request comes from this site. A request with neither
    Origin nor Sec-Fetch-Site is not from a browser form; the CSRF token decides then."""
    origin = headers.get("Origin") or headers.get("origin")
    if origin:
        return origin.rstrip("/").lower() == own_origin.lower()
    site = headers.get("Sec-Fetch-Site") or headers.get("sec-fetch-site")
    return site is None or site in ("same-origin", "none")


def token_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


def origin_of(url: str, headers: Mapping[str, str]) -> str:
    """This site's origin as the browser sees it (behind App Service's front end the scheme
    arrives in X-Forwarded-Proto)."""
    parts = urlsplit(url)
    scheme = (headers.get("X-Forwarded-Proto") or headers.get("x-forwarded-proto")
              or parts.scheme).split(",")[0].strip()
    host = headers.get("Host") or headers.get("host") or parts.netloc
    return f"{scheme}://{host}"
