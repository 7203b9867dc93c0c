"""The pages as data: each is declared with `@web.page(route, methods)`; triggers/web.py
registers one anonymous Function per route (the pages check the user themselves) and hands
requests to `dispatch`, which signs the user in, checks state-changing requests (same origin,
CSRF token), runs the page and adds the security headers to whatever it answers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import azure.functions as func

from shared.http.api import Api
from shared.http.auth import ADMIN, CONTRIBUTOR, READER, AuthError, Principal
from shared.http.responses import REQUEST_ID_HEADER, request_id
from web import html, security
from web.bridge import Answer, Bridge
from web.principal import auth_enabled, page_principal, sign_in_url, sign_out_url

log = logging.getLogger("advisor_reports.web")
_RANK = {READER: 1, CONTRIBUTOR: 2, ADMIN: 3}


class WebError(Exception):
    """A page that cannot be shown: its status, a title and what to do about it."""

    def __init__(self, status: int, title: str, message: str,
                 details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message
        self.details = details or []
        self.headers = headers or {}

    @classmethod
    def from_answer(cls, answer: Answer, what: str) -> WebError:
        error = answer.error()
        titles = {400: "Check what you sent", 401: "Sign in again", 403: "Not allowed",
                  404: "Not found", 409: "Not possible now", 413: "Too large",
                  415: "Not a supported file", 429: "Too many requests"}
        kept = {k: v for k, v in answer.headers.items() if k.lower() in ("retry-after", "allow")}
        return cls(answer.status if answer.status < 500 else 502,
                   titles.get(answer.status, f"{what} failed"),
                   error.get("message") or f"{what} failed ({answer.status}).",
                   error.get("details") or [], kept)


@dataclass
class Page:
    """What a page handler gets: the request, the signed-in user and the API as that user."""

    req: func.HttpRequest
    client: Any  # the Durable client, for operations that start orchestrations
    principal: Principal
    route: dict[str, str]
    rid: str
    csrf: str
    bridge: Bridge
    form: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return urlsplit(self.req.url).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v for k, v in self.req.params.items()}

    def can(self, role: str) -> bool:
        return self.principal.rank >= _RANK[role]

    async def api(self, method: str, route: str, route_params: dict[str, str] | None = None,
                  params: dict[str, Any] | None = None, body: bytes | None = None,
                  content_type: str | None = None,
                  headers: dict[str, str] | None = None) -> Answer:
        return await self.bridge.call(self.req, self.client, self.rid, method, route,
                                      route_params, params, body, content_type, headers)

    async def get(self, route: str, what: str, **route_params: str) -> Any:
        """The API's JSON for a GET, or the page for its error."""
        answer = await self.api("GET", route, route_params)
        if not answer.ok:
            raise WebError.from_answer(answer, what)
        return answer.json()

    def html(self, template: str, status: int = 200, **context: Any) -> func.HttpResponse:
        body = html.render(template, user=self.principal, csrf=self.csrf, page=self,
                           roles={"reader": self.can(READER), "contributor": self.can(CONTRIBUTOR),
                                  "admin": self.can(ADMIN)},
                           sign_out=sign_out_url(), notice=self.query.get("notice", ""),
                           **context)
        return func.HttpResponse(body, status_code=status, mimetype="text/html",
                                 charset="utf-8")

    def wants_json(self) -> bool:
        return "application/json" in (self.req.headers.get("Accept") or "")


def redirect(location: str, **params: str) -> func.HttpResponse:
    """303 See Other: after a form post the browser GETs the page it lands on."""
    query = urlencode({k: v for k, v in params.items() if v})
    return func.HttpResponse(status_code=303, headers={
        "Location": location + ("?" + query if query else "")})


Handler = Callable[[Page], Awaitable[func.HttpResponse]]


@dataclass(frozen=True)
class PageRoute:
    route: str
    methods: tuple[str, ...]
    handler: Handler
    name: str


class WebApp:
    def __init__(self) -> None:
        self.pages: list[PageRoute] = []
        self.bridge: Bridge | None = None

    def use(self, api: Api) -> None:
        """The API whose operations the pages act through (triggers/web.py connects them)."""
        self.bridge = Bridge(api)

    def page(self, route: str, methods: tuple[str, ...] = ("GET",)):
        def register(handler: Handler) -> Handler:
            self.pages.append(PageRoute(route, methods, handler, handler.__name__))
            return handler
        return register

    async def dispatch(self, page_route: PageRoute, req: func.HttpRequest,
                       client: Any) -> func.HttpResponse:
        rid = request_id(req)
        token, new_token = security.csrf_token(req.headers, _secure(req))
        try:
            response = await self._run(page_route, req, client, rid, token, new_token)
        except WebError as error:
            response = _error_page(error, rid, token)
        except AuthError as error:
            response = _error_page(WebError(error.status, "Sign-in problem", error.message),
                                   rid, token)
        except Exception:  # a 5xx is a bug: logged with the request id the page shows
            log.exception("%s %s failed (request %s)", req.method, urlsplit(req.url).path, rid)
            response = _error_page(WebError(500, "Something went wrong", "Something went "
                                            "wrong on our side. Quote the request id below "
                                            "when reporting it."), rid, token)
        log.info("%s %s -> %d (page %s, request %s)", req.method, urlsplit(req.url).path,
                 response.status_code, page_route.name, rid)
        for name, value in security.PAGE_HEADERS.items():
            if name not in response.headers:
                response.headers[name] = value
        response.headers[REQUEST_ID_HEADER] = rid
        if new_token:
            response.headers["Set-Cookie"] = security.csrf_cookie(token, _secure(req))
        return response

    async def _run(self, page_route: PageRoute, req: func.HttpRequest, client: Any, rid: str,
                   token: str, new_token: bool) -> func.HttpResponse:
        if not auth_enabled():
            raise WebError(503, "Sign-in is not set up", "This app's pages need App Service "
                           "Authentication (Easy Auth) with Entra ID; see docs/deploy.md. The "
                           "API still answers callers with a function key.")
        method = req.method.upper()
        principal = page_principal(req.headers)
        if principal is None:
            if method in ("GET", "HEAD"):
                url = urlsplit(req.url)
                back = url.path + (f"?{url.query}" if url.query else "")
                return func.HttpResponse(status_code=302, headers={"Location": sign_in_url(back)})
            raise WebError(401, "Sign in again", "Your session has ended: sign in and send "
                           "the form again.")
        form: dict[str, str] = {}
        if method not in ("GET", "HEAD"):
            own = security.origin_of(req.url, req.headers)
            if not security.same_origin(req.headers, own):
                raise WebError(403, "Cross-site request refused", "This form was sent from "
                               "another site. Open the page here and send it again.")
            form = _form(req)
            given = form.get(security.CSRF_FIELD) or req.headers.get(security.CSRF_HEADER)
            if new_token or not security.token_matches(token, given):
                raise WebError(403, "The page has expired", "Reload the page and send the "
                               "form again (its security token did not match).")
        if principal.rank < _RANK[READER]:
            raise WebError(403, "No access yet", f"You are signed in as {principal.name}, but "
                           "have no role in this app. Ask an administrator to assign you "
                           "Reports.Reader, Reports.Contributor or Reports.Admin.")
        assert self.bridge is not None, "triggers/web.py connects the API"
        page = Page(req, client, principal, dict(req.route_params), rid, token, self.bridge,
                    form)
        return await page_route.handler(page)


def _secure(req: func.HttpRequest) -> bool:
    return security.origin_of(req.url, req.headers).startswith("https:")


def _form(req: func.HttpRequest) -> dict[str, str]:
    kind = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {}
    return {k: v for k, v in req.form.items()}


def _error_page(error: WebError, rid: str, token: str) -> func.HttpResponse:
    body = html.render("error.html", error=error, rid=rid, csrf=token, user=None,
                       sign_out=sign_out_url(), notice="", roles={})
    return func.HttpResponse(body, status_code=error.status, mimetype="text/html",
                             charset="utf-8", headers=dict(error.headers))


site = WebApp()  # the one app every page module registers on
