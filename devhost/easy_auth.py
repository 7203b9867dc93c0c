"""App Service Authentication (Easy Auth) as the devhost plays it, after the Static Web Apps
CLI's auth emulator: `/.auth/login/aad` shows a form (Username, User ID, Roles, Claims) instead
of Entra ID's sign-in, `/.auth/me` answers the session's principal as Easy Auth does and
`/.auth/logout` ends the session.

A signed-in browser's requests then carry X-MS-CLIENT-PRINCIPAL (base64 JSON) and its -ID,
-NAME and -IDP companions, added here as the platform adds them. As on Azure, a principal header
a caller sends itself never reaches a page: it is removed from every request outside `/api/`.
(The API keeps taking it from keyed callers, which is how its tests play a signed-in caller.)
The devhost also sets WEBSITE_AUTH_ENABLED=True, as App Service does when authentication is on;
set WEBSITE_AUTH_ENABLED=false to run without the emulator.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from multidict import CIMultiDict

SIGN_IN = "/.auth/login/aad"
ME = "/.auth/me"
SIGN_OUT = "/.auth/logout"
COOKIE = "AppServiceAuthSession"
SESSION_SECONDS = 8 * 3600
PRINCIPAL_HEADERS = ("X-MS-CLIENT-PRINCIPAL", "X-MS-CLIENT-PRINCIPAL-ID",
                     "X-MS-CLIENT-PRINCIPAL-NAME", "X-MS-CLIENT-PRINCIPAL-IDP")
OBJECT_ID = "http://schemas.microsoft.com/identity/claims/objectidentifier"
MAX_FIELD = 2000


@dataclass(frozen=True)
class Session:
    name: str
    user_id: str
    claims: tuple[dict[str, str], ...]
    expires: float

    def principal(self) -> dict[str, Any]:
        """X-MS-CLIENT-PRINCIPAL's JSON, shaped as Easy Auth shapes it for Entra ID."""
        return {"auth_typ": "aad", "name_typ": "name", "role_typ": "roles",
                "claims": list(self.claims)}


def safe_redirect(target: str | None) -> str:
    """Only a path on this site: anything else (another host, //host, a scheme) goes home."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


def parse_form(form: dict[str, str]) -> tuple[Session | None, str]:
    """The session the form describes, or an error message naming the field to fix."""
    name = form.get("username", "").strip()
    user_id = form.get("userId", "").strip() or secrets.token_hex(16)
    if not name:
        return None, "Username is required."
    if any(len(form.get(k, "")) > MAX_FIELD for k in ("username", "userId", "roles", "claims")):
        return None, f"Each field takes at most {MAX_FIELD} characters."
    roles = [r.strip() for r in form.get("roles", "").split(",") if r.strip()]
    try:
        extra = json.loads(form.get("claims", "").strip() or "[]")
    except (ValueError, RecursionError):  # RecursionError: claims nested a thousand deep
        return None, 'Claims must be a JSON list of {"typ": ..., "val": ...} objects.'
    if not isinstance(extra, list) or not all(
            isinstance(c, dict) and isinstance(c.get("typ"), str) and isinstance(c.get("val"), str)
            for c in extra):
        return None, 'Claims must be a JSON list of {"typ": ..., "val": ...} objects.'
    claims = [{"typ": "name", "val": name}, {"typ": "preferred_username", "val": name},
              {"typ": OBJECT_ID, "val": user_id},
              *({"typ": "roles", "val": role} for role in roles),
              *({"typ": c["typ"], "val": c["val"]} for c in extra)]
    return Session(name, user_id, tuple(claims), time.time() + SESSION_SECONDS), ""


class EasyAuth:
    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(SIGN_IN, self.login_form)
        app.router.add_post(SIGN_IN, self.login)
        app.router.add_get(ME, self.me)
        app.router.add_get(SIGN_OUT, self.logout)

    def session_of(self, request: web.Request) -> Session | None:
        token = request.cookies.get(COOKIE, "")
        session = self.sessions.get(token)
        if session is not None and session.expires < time.time():
            self.sessions.pop(token, None)
            return None
        return session

    def with_principal(self, request: web.Request) -> web.Request:
        """The request as the app sees it behind Easy Auth."""
        headers = CIMultiDict(request.headers)
        session = self.session_of(request)
        if session is not None or not request.path.lower().startswith("/api/"):
            for name in PRINCIPAL_HEADERS:
                headers.popall(name, None)
        if session is not None:
            payload = json.dumps(session.principal()).encode()
            headers["X-MS-CLIENT-PRINCIPAL"] = base64.b64encode(payload).decode()
            headers["X-MS-CLIENT-PRINCIPAL-ID"] = session.user_id
            headers["X-MS-CLIENT-PRINCIPAL-NAME"] = session.name
            headers["X-MS-CLIENT-PRINCIPAL-IDP"] = "aad"
        return request.clone(headers=headers)

    # -- the endpoints ------------------------------------------------------------------------

    async def login_form(self, request: web.Request) -> web.Response:
        return _form_page(request.query.get("post_login_redirect_uri", "/"), "", 200)

    async def login(self, request: web.Request) -> web.Response:
        origin = request.headers.get("Origin")
        site = request.headers.get("Sec-Fetch-Site", "same-origin")
        if (origin and urlsplit(origin).netloc != request.host) or \
                site not in ("same-origin", "none"):
            return web.Response(status=403, text="Cross-site sign-in refused.")
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        target = safe_redirect(form.get("redirect"))
        session, problem = parse_form(form)
        if session is None:
            return _form_page(target, problem, 400)
        token = secrets.token_urlsafe(32)
        self.sessions[token] = session
        response = web.HTTPSeeOther(target)
        response.set_cookie(COOKIE, token, httponly=True, samesite="Lax", path="/",
                            max_age=SESSION_SECONDS)
        return response

    async def me(self, request: web.Request) -> web.Response:
        session = self.session_of(request)
        if session is None:
            return web.json_response({"error": "No signed-in user."}, status=401)
        return web.json_response([{
            "provider_name": "aad", "user_id": session.name, "user_claims": list(session.claims),
            "expires_on": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(session.expires)),
        }])

    async def logout(self, request: web.Request) -> web.Response:
        self.sessions.pop(request.cookies.get(COOKIE, ""), None)
        response = web.HTTPSeeOther(safe_redirect(request.query.get("post_logout_redirect_uri")))
        response.del_cookie(COOKIE, path="/")
        return response


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in (local)</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f3f4f6;color:#111827}}
main{{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;
box-shadow:0 1px 3px rgba(0,0,0,.15)}}
label{{display:block;font-weight:600;margin-top:1rem}}
input,textarea{{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid
#6b7280;border-radius:4px}}
small{{color:#4b5563}} .error{{color:#991b1b;font-weight:600}}
button{{margin-top:1.5rem;padding:.6rem 1.5rem;font:inherit;font-weight:600;background:#1d4ed8;
color:#fff;border:0;border-radius:4px;cursor:pointer}}
button:focus,input:focus,textarea:focus{{outline:3px solid #f59e0b;outline-offset:2px}}
</style></head>
<body><main>
<h1>Sign in</h1>
<p>Local development: the devhost plays Entra ID. On Azure this page is Microsoft's sign-in.</p>
{error}
<form method="post" action="{action}">
<input type="hidden" name="redirect" value="{redirect}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required>
<label for="userId">User ID</label>
<input id="userId" name="userId"> <small>Optional: an object id (made up when empty).</small>
<label for="roles">Roles</label>
<input id="roles" name="roles" value="Reports.Admin, Reports.AllClients">
<small>Comma-separated: Reports.Reader, Reports.Contributor, Reports.Admin,
Reports.AllClients.</small>
<label for="claims">Claims</label>
<textarea id="claims" name="claims" rows="3">[]</textarea>
<small>A JSON list of {{"typ": ..., "val": ...}}, e.g. [{{"typ": "clientIds",
"val": "contoso"}}].</small>
<button type="submit">Login</button>
</form></main></body></html>
"""


def _form_page(redirect: str, problem: str, status: int) -> web.Response:
    error = f'<p class="error" role="alert">{html.escape(problem)}</p>' if problem else ""
    body = _PAGE.format(error=error, action=SIGN_IN, redirect=html.escape(safe_redirect(redirect)))
    return web.Response(status=status, text=body, content_type="text/html", headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store"})
