"""The HTTP API as data: one declaration per operation drives routing, checks and OpenAPI.

Handlers are declared with `@api.operation(...)`; `triggers/api.py` registers one Azure
Function per route from the same list, and `openapi()` describes exactly those operations, so
the routes and the document cannot drift apart.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import azure.functions as func
from jsonschema import Draft202012Validator, FormatChecker

from shared.http import dates
from shared.http.auth import AuthError, Principal, principal_from
from shared.http.errors import ApiError, invalid
from shared.http.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shared.http.responses import REQUEST_ID_HEADER, error_response, json_response, request_id
from shared.http.text import first_invalid_text, is_valid_unicode, unicode_problem
from shared.redaction import clean

log = logging.getLogger("advisor_reports.api")
ROUTE_PREFIX = "api"
# "format" is checked, not only documented; dates as shared/http/dates.py reads them.
FORMATS = FormatChecker()
FORMATS.checkers = {**Draft202012Validator.FORMAT_CHECKER.checkers}
FORMATS.checks("date-time")(dates.is_date_time)
FORMATS.checks("date")(dates.is_full_date)


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "string"  # string | integer | boolean | date-time
    description: str = ""
    enum: tuple[str, ...] | None = None
    many: bool = False  # a comma-separated list of enum values
    minimum: int | None = None
    maximum: int | None = None
    default: Any = None
    pattern: str | None = None  # for strings
    pattern_text: str = ""  # what the pattern asks for, in words

    def schema(self) -> dict[str, Any]:
        if self.type == "integer":
            s: dict[str, Any] = {"type": "integer"}
            if self.minimum is not None:
                s["minimum"] = self.minimum
            if self.maximum is not None:
                s["maximum"] = self.maximum
        elif self.type == "boolean":
            s = {"type": "boolean"}
        elif self.type == "date-time":
            s = {"type": "string", "format": "date-time"}
        elif self.enum and not self.many:
            s = {"type": "string", "enum": list(self.enum)}
        elif self.enum:
            s = {"type": "string", "pattern": "^(" + "|".join(self.enum) + ")(,(" +
                 "|".join(self.enum) + "))*$"}
        else:
            s = {"type": "string", "minLength": 1, "maxLength": 200}
            if self.pattern:
                s["pattern"] = self.pattern
        if self.default is not None:
            s["default"] = self.default
        return s

    def parse(self, raw: str) -> tuple[Any, dict | None]:
        """(value, problem)."""
        def problem(message: str) -> tuple[None, dict]:
            return None, {"code": "InvalidParameter", "target": self.name, "message": message}

        if self.type == "integer":
            if not re.fullmatch(r"-?\d{1,9}", raw.strip()):
                return problem(f"{self.name} must be a whole number, not {raw[:40]!r}.")
            value = int(raw)
            low, high = self.minimum, self.maximum
            if (low is not None and value < low) or (high is not None and value > high):
                return problem(f"{self.name} must be between {low} and {high}.")
            return value, None
        if self.type == "boolean":
            if raw.lower() not in ("true", "false"):
                return problem(f"{self.name} must be true or false.")
            return raw.lower() == "true", None
        if self.type == "date-time":
            try:
                return dates.read(raw), None
            except dates.DateError as why:
                return problem(f"{self.name} {why}; {raw[:40]!r} is not.")
        if self.enum:
            values = [v.strip() for v in raw.split(",")] if self.many else [raw.strip()]
            folded = {e.lower(): e for e in self.enum}
            unknown = [v for v in values if v.lower() not in folded]
            if unknown:
                return problem(f"{self.name} has unknown value(s) {', '.join(unknown)[:80]}; "
                               f"choose from {', '.join(self.enum)}.")
            chosen = [folded[v.lower()] for v in values]
            return (chosen if self.many else chosen[0]), None
        if len(raw) > 200:
            return problem(f"{self.name} is longer than 200 characters.")
        if self.pattern and not re.match(self.pattern, raw):
            return problem(f"{self.name} must be {self.pattern_text or 'as documented'}.")
        return raw, None


PAGE_PARAMS = (
    Param("page", "integer", "Page number, from 1.", minimum=1, maximum=100_000, default=1),
    Param("pageSize", "integer", f"Items per page, at most {MAX_PAGE_SIZE}.", minimum=1,
          maximum=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE),
)


@dataclass
class Call:
    """What a handler gets: the request, checked and decoded."""

    req: func.HttpRequest
    rid: str
    principal: Principal
    route: dict[str, str]
    query: dict[str, Any]
    body: Any
    client: Any  # the Durable client
    api_base: str
    # Ids the audit entry names besides the route's (a report's client, a new share's id).
    audit: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.req.url.split("?", 1)[0]

    @property
    def head(self) -> bool:
        """A HEAD request: answered as GET without its body (and without its effects)."""
        return self.req.method.upper() == "HEAD"

    def status_payload(self, instance_id: str, own_status_url: str) -> dict[str, Any]:
        """What a 202 for a started orchestration carries. A caller with the function key
        alone (trusted automation) gets the Durable check-status payload, whose URLs carry the
        extension's system key. A signed-in caller, whose rights are limited by roles and
        client claims, gets the app's own status route instead: the system key would give it
        every client's orchestrations."""
        if self.principal.trusted_key:
            return json.loads(self.client.create_check_status_response(self.req, instance_id)
                              .get_body())
        return {"id": instance_id, "statusQueryGetUri": own_status_url}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a file instead of JSON

    def to_response(self, rid: str) -> func.HttpResponse:
        if self.raw is not None or (self.body is None and self.status in (204, 304)):
            return func.HttpResponse(self.raw, status_code=self.status,
                                     headers={REQUEST_ID_HEADER: rid, **self.headers})
        return json_response(self.body, self.status, rid=rid, headers=self.headers)


@dataclass(frozen=True)
class Operation:
    method: str
    route: str
    operation_id: str
    summary: str
    handler: Callable[[Call], Any]
    role: str | None  # None: anonymous
    tag: str
    query: tuple[Param, ...] = ()
    body: dict[str, Any] | None = None  # JSON schema of a JSON body
    body_doc: dict[str, Any] | None = None  # requestBody for OpenAPI when the body is not JSON
    responses: dict[int, tuple[str, dict[str, Any] | None]] = field(default_factory=dict)
    paged: bool = False
    # Says in words what composite schema rules (anyOf, if/then) only say as "not valid
    # under any of the given schemas": its problems, when any, are the answer instead.
    explain: Callable[[dict[str, Any]], list[dict[str, str]]] | None = None
    audited: bool | None = None  # None: every method but GET changes state and is audited

    @property
    def is_audited(self) -> bool:
        return self.method != "GET" if self.audited is None else self.audited

    @property
    def params(self) -> tuple[Param, ...]:
        return self.query + (PAGE_PARAMS if self.paged else ())

    def path_params(self) -> list[str]:
        return re.findall(r"\{([^}:?]+)", self.route)


@dataclass(frozen=True)
class Outcome:
    """What the auditor is told of a call that passed authentication."""

    operation_id: str
    principal: Principal
    request_id: str
    status: int
    error_code: str
    targets: dict[str, Any]
    anonymous: bool = False  # a route without a key (a share link): the principal is nobody


class Api:
    def __init__(self, title: str, version: str, description: str) -> None:
        self.title, self.version, self.description = title, version, description
        self.operations: list[Operation] = []
        self.schemas: dict[str, dict[str, Any]] = {}
        # Called (in a thread) after every audited call that passed authentication.
        self.auditor: Callable[[Outcome], None] | None = None
        # Called (in a thread) before a call's work; raises ApiError 429 when over a limit.
        self.limiter: Callable[[Operation, Call], None] | None = None
        # Called (in a thread) with the status of an anonymous audited call that failed.
        self.on_anonymous_failure: Callable[[Operation, Call, int], None] | None = None

    def operation(self, method: str, route: str, *, operation_id: str, summary: str,
                  role: str | None, tag: str, query: tuple[Param, ...] = (),
                  body: dict[str, Any] | None = None, body_doc: dict[str, Any] | None = None,
                  responses: dict[int, tuple[str, dict[str, Any] | None]] | None = None,
                  paged: bool = False,
                  explain: Callable[[dict[str, Any]], list[dict[str, str]]] | None = None,
                  audited: bool | None = None):
        def register(handler: Callable[[Call], Any]):
            self.operations.append(Operation(method, route, operation_id, summary, handler,
                                             role, tag, query, body, body_doc,
                                             responses or {}, paged, explain, audited))
            return handler
        return register

    def routes(self) -> dict[str, list[Operation]]:
        out: dict[str, list[Operation]] = {}
        for op in self.operations:
            out.setdefault(op.route, []).append(op)
        return out

    # -- dispatch --------------------------------------------------------------------------

    async def dispatch(self, route: str, req: func.HttpRequest, client: Any) -> func.HttpResponse:
        rid = request_id(req)
        ops = {op.method: op for op in self.routes()[route]}
        method = req.method.upper()
        op = ops.get(method) or (ops.get("GET") if method == "HEAD" else None)  # no body sent
        if op is None:
            return method_not_allowed(sorted(ops), rid)
        call, reply = None, None
        try:
            principal = principal_from(req.headers)
            if op.role:
                principal.require(op.role)
            call = Call(req, rid, principal, dict(req.route_params), {}, None, client,
                        api_base(req))
            if self.limiter is not None:
                await asyncio.to_thread(self.limiter, op, call)
            call.query, call.body = self._query(op, req), self._body(op, req)
            if inspect.iscoroutinefunction(op.handler):
                reply = await op.handler(call)
            else:  # blocking storage calls: keep them off the worker's event loop
                reply = await asyncio.to_thread(op.handler, call)
        except ApiError as error:
            response, code = error.response(rid), error.code
        except AuthError as error:
            response, code = error_response(error.status, error.code, error.message,
                                            rid=rid), error.code
        except Exception:  # a 5xx is a bug: log it with the request id, answer with the envelope
            log.exception("%s %s failed (request %s)", req.method, clean(req.url, 300), rid)
            response = error_response(500, "InternalError", "Something went wrong on our "
                                      f"side. Quote request id {rid} when reporting it.", rid=rid)
            code = "InternalError"
        else:
            response, code = reply.to_response(rid), ""
        log.info("%s %s -> %d (operation %s, request %s)", req.method,
                 clean(urlsplit(req.url).path, 300), response.status_code, op.operation_id, rid)
        if call is None or not op.is_audited:
            return response
        if op.role is None and (response.status_code >= 400 or method == "HEAD"):
            # Anonymous (a share link): failures are counted and limited per address, not
            # audited (anyone could fill the audit); a HEAD is no use of the link.
            if response.status_code >= 400 and self.on_anonymous_failure is not None:
                await asyncio.to_thread(self.on_anonymous_failure, op, call,
                                        response.status_code)
            return response
        if self.auditor is not None:
            # Past authentication: the attempt is recorded whatever its outcome.
            targets = {**call.route, **call.audit}
            if reply is not None and isinstance(reply.body, dict):
                targets.update({k: reply.body[k] for k in ("reportId", "clientId", "ruleId",
                                                            "shareId")
                                if isinstance(reply.body.get(k), str) and k not in targets})
            await asyncio.to_thread(self.auditor, Outcome(
                op.operation_id, call.principal, rid, response.status_code, code, targets,
                op.role is None))
        return response

    @staticmethod
    def _query(op: Operation, req: func.HttpRequest) -> dict[str, Any]:
        values, problems = {}, []
        for param in op.params:
            raw = req.params.get(param.name)
            if raw is None:
                if param.default is not None:
                    values[param.name] = param.default
                continue
            if not is_valid_unicode(raw):
                problems.append(unicode_problem(param.name))
                continue
            if raw == "":
                problems.append({"code": "InvalidParameter", "target": param.name,
                                 "message": f"{param.name} is empty: give a value or leave "
                                            "the parameter out."})
                continue
            value, problem = param.parse(raw)
            if problem:
                problems.append(problem)
            else:
                values[param.name] = value
        if problems:
            raise invalid(problems)
        return values

    @staticmethod
    def _body(op: Operation, req: func.HttpRequest) -> Any:
        if op.body is None:
            return None
        try:
            body = json.loads(req.get_body() or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "InvalidJson", "The request body is not valid JSON.",
                           target="body") from None
        except RecursionError:
            raise ApiError(400, "InvalidJson", "The request body nests too deeply.",
                           target="body") from None
        bad = first_invalid_text(body)
        if bad is not None:
            raise invalid([unicode_problem(bad or "body")])
        wrong_dates = dates.body_problems(op.body, body)  # before the schema: clearer words
        if wrong_dates:
            raise invalid(wrong_dates)
        validator = Draft202012Validator(op.body, format_checker=FORMATS)
        errors = sorted(validator.iter_errors(body),
                        key=lambda e: list(e.absolute_path))
        if errors and op.explain is not None and isinstance(body, dict):
            explained = op.explain(body)
            if explained:
                raise invalid(explained)
        if errors:
            raise invalid([{
                "code": "InvalidValue",
                "target": ".".join(str(p) for p in e.absolute_path) or "body",
                "message": (f"{'.'.join(str(p) for p in e.absolute_path)}: " if e.absolute_path
                            else "") + e.message,
            } for e in errors])
        return body

    # -- OpenAPI ---------------------------------------------------------------------------

    def openapi(self, server: str | None = None) -> dict[str, Any]:
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            path = "/" + re.sub(r"\{([^}:?]+)[^}]*\}", r"{\1}", op.route)
            item = paths.setdefault(path, {})
            entry: dict[str, Any] = {
                "operationId": op.operation_id, "summary": op.summary, "tags": [op.tag],
                "parameters": [
                    {"name": n, "in": "path", "required": True,
                     "schema": {"type": "string", "minLength": 1, "maxLength": 100}}
                    for n in op.path_params()
                ] + [
                    {"name": p.name, "in": "query", "required": False,
                     "description": p.description, "schema": p.schema()}
                    for p in op.params
                ],
                "responses": self._responses(op),
            }
            if op.role is None:
                entry["security"] = []
            else:
                entry["description"] = f"Needs the role {op.role} (or a function key alone)."
            if op.body is not None:
                entry["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": op.body}}}
            elif op.body_doc is not None:
                entry["requestBody"] = op.body_doc
            item[op.method.lower()] = entry
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version,
                     "description": self.description},
            "servers": [{"url": server or f"/{ROUTE_PREFIX}"}],
            "security": [{"functionKey": []}, {"functionKeyQuery": []}],
            "paths": paths,
            "components": {
                "securitySchemes": {
                    "functionKey": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
                    "functionKeyQuery": {"type": "apiKey", "in": "query", "name": "code"},
                },
                "schemas": {"Error": ERROR_SCHEMA, **self.schemas},
            },
        }

    @staticmethod
    def _responses(op: Operation) -> dict[str, Any]:
        error = {"description": "Error", "headers": _RID_HEADER, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        out: dict[str, Any] = {}
        for status, (description, schema) in sorted(op.responses.items()):
            response: dict[str, Any] = {"description": description, "headers": _RID_HEADER}
            if schema is not None:
                schema = dict(schema)
                content_type = schema.pop("x-content-type", "application/json")
                response["content"] = {content_type: {"schema": schema}}
            out[str(status)] = response
        codes = {400, 405, 500} | ({401, 403} if op.role else set()) | (
            {404} if op.path_params() else set())
        for status in sorted(codes):
            out.setdefault(str(status), {**error, "description": _ERROR_TEXT[status]})
        return out


_RID_HEADER = {REQUEST_ID_HEADER: {"description": "Request id, also in the logs.",
                                   "schema": {"type": "string"}}}
_ERROR_TEXT = {400: "Invalid request", 401: "No valid key or principal",
               403: "Role missing", 404: "Not found", 405: "Method not allowed",
               500: "Bug on our side"}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "target": {"type": "string"},
            "details": {"type": "array", "items": {"type": "object"}},
        },
    }},
}


def api_base(req: func.HttpRequest) -> str:
    url = urlsplit(req.url)
    return f"{url.scheme}://{url.netloc}/{ROUTE_PREFIX}"


def method_not_allowed(allowed: list[str], rid: str) -> func.HttpResponse:
    return error_response(405, "MethodNotAllowed",
                          f"This route accepts {', '.join(allowed)} only.", rid=rid,
                          headers={"Allow": ", ".join(allowed)})


def template_regex(route: str) -> re.Pattern:
    parts = []
    for segment in route.strip("/").split("/"):
        parts.append(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(segment)))
    return re.compile("^" + "/".join(parts) + "/?$", re.IGNORECASE)


def fallback(api: Api, req: func.HttpRequest) -> func.HttpResponse:
    """Unknown routes: 404 JSON; a known route with another method: 405 JSON."""
    rid = request_id(req)
    path = urlsplit(req.url).path.strip("/")
    if path.lower().startswith(ROUTE_PREFIX + "/"):
        path = path[len(ROUTE_PREFIX) + 1:]
    for route, ops in api.routes().items():
        if template_regex(route).match(path):
            return method_not_allowed(sorted(op.method for op in ops), rid)
    return error_response(404, "NotFound", f"There is no route /{ROUTE_PREFIX}/{path}; see "
                          f"/{ROUTE_PREFIX}/docs for the API.", rid=rid)

