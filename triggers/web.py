"""Registers the web app: one anonymous Function per page route (pages sign the user in
through App Service Authentication themselves), and the static files."""

from __future__ import annotations

import re

import azure.durable_functions as df
import azure.functions as func

from triggers import api as _api  # noqa: F401 - registers the API's operations first
from triggers.api_registry import api
from web.app import PageRoute, site
from web.pages import (  # noqa: F401 - they register pages
    actions,
    admin,
    clients,
    portfolio,
    reports,
)
from web.pages.static import static_file

bp = df.Blueprint()
site.use(api)


def _register(page_route: PageRoute) -> None:
    async def handle(req: func.HttpRequest, client: df.DurableOrchestrationClient):
        return await site.dispatch(page_route, req, client)

    # "{*path}" is the site's root (and its not-found page)
    route = "" if page_route.route.startswith("{*") else page_route.route
    handle.__name__ = "web_" + (re.sub(r"[^A-Za-z0-9]+", "_", route).strip("_") or "root")
    bp.function_name(handle.__name__)(
        bp.route(route=page_route.route, methods=list(page_route.methods),
                 auth_level=func.AuthLevel.ANONYMOUS)(
            bp.durable_client_input(client_name="client")(handle)))


for _page in site.pages:
    _register(_page)


@bp.function_name("web_static")
@bp.route(route="static/{*path}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def web_static(req: func.HttpRequest) -> func.HttpResponse:
    return static_file(req)
