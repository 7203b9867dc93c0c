"""A local fake of the parts of Azure an import talks to, so the real SDK and credential code run
end to end offline:

- Azure Resource Manager over HTTPS, with a certificate from a throwaway CA (trustme) that the
  app trusts through REQUESTS_CA_BUNDLE / SSL_CERT_FILE, as a proxy's CA would be trusted:
  `GET /subscriptions/{id}` (Microsoft.Resources, the display name) and
  `GET /subscriptions/{id}/providers/Microsoft.Advisor/recommendations` (Recommendations_List,
  paged by `nextLink` with a `$skiptoken`), in the shapes of the REST specifications' examples
  (azure-rest-api-specs: Advisor 2020-01-01 Recommendations_List, Resources GetSubscription),
  with ARM's error envelope for the faults a subscription can be given: 403
  AuthorizationFailed, 404 SubscriptionNotFound, a 429 or 503 with Retry-After once, or a
  429 asking for an hour;
- the managed identity token endpoint as App Service serves it (plain HTTP on the loopback,
  `IDENTITY_ENDPOINT` and the `X-IDENTITY-HEADER` secret of `IDENTITY_HEADER`, api-version
  2019-08-01): ARM accepts only the tokens it issued, for ARM's own audience.

`FakeAzure.env()` is what a devhost needs to use it. Rows come from tests.support.exports
(`build_rows`): `api_recommendation` writes a row as the API returns it, so the same rows as a
portal CSV (`to_csv`) are "the equivalent upload".
"""

from __future__ import annotations

import contextlib
import json
import secrets
import ssl
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme

ADVISOR_API = "2020-01-01"
SUBSCRIPTIONS_API = "2022-12-01"
TENANT = "72f988bf-0000-4000-8000-0000000000aa"
_NAMESPACE = uuid.UUID("5a0c1f3e-7d6b-4c1e-9a55-3d3f2b4c9e01")
FAULTS = ("forbidden", "missing", "throttle_once", "unavailable_once", "throttle_long",
          "unauthorized", "drop_connections")
DROPS = 4  # "drop_connections": the listing's first requests closed unanswered, as many as
# azure-core tries a request (its first try and 3 read retries), so one activity attempt fails


def api_recommendation(row: dict[str, str]) -> dict[str, Any]:
    """A row of exports.build_rows as Recommendations_List returns it (the spec example's
    shape: the `properties` envelope, shortDescription, resourceMetadata, extendedProperties)."""
    sub, kind, group = row["Subscription ID"], row["Type"], row["Resource Group"]
    text = row["Recommendation"]
    if kind == "Subscription":
        field_, value = "Microsoft.Subscriptions/subscriptions", sub
        resource = f"/subscriptions/{sub}"
    else:
        field_, value = kind, row["Resource Name"]
        resource = f"/subscriptions/{sub}/resourceGroups/{group}/providers/{kind}/{value}"
    name = str(uuid.uuid5(_NAMESPACE, f"{resource}|{text}"))
    type_id = str(uuid.uuid5(_NAMESPACE, text))
    extended: dict[str, str] = {}
    if row["Potential Annual Cost Savings"]:
        annual = Decimal(row["Potential Annual Cost Savings"].replace(",", ""))
        extended.update({"annualSavingsAmount": str(annual),
                         "savingsAmount": str((annual / 12).quantize(Decimal("0.01"),
                                                                     ROUND_HALF_UP)),
                         "savingsCurrency": row["Potential Cost Savings Currency"]})
    if row["Retirement date"]:
        extended.update({"retirementDate": row["Retirement date"],
                         "retirementFeatureName": row["Retiring feature"]})
    props: dict[str, Any] = {
        "category": row["ApiCategory"], "impact": row["Business Impact"],
        "impactedField": field_, "impactedValue": value,
        "lastUpdated": row["Updated Date"].replace("Z", ".3216408Z"),
        "recommendationTypeId": type_id,
        "shortDescription": {"problem": text,
                             "solution": f"Follow Advisor's steps: {text.lower()}."},
        "resourceMetadata": {"resourceId": resource, "singular": kind.rsplit("/", 1)[-1],
                             "plural": kind.rsplit("/", 1)[-1] + "s"},
        "risk": "Warning", "label": text[:40],
        "description": f"{text}. Advisor checked this resource against its best practices.",
        "learnMoreLink": f"https://learn.microsoft.com/azure/advisor/?type={type_id}",
        "potentialBenefits": "" if extended.get("annualSavingsAmount")
        else row["Potential benefits"],
        "actions": [{"actionType": "Document", "caption": text[:40],
                     "link": "https://learn.microsoft.com/azure/advisor/"}],
    }
    if extended:
        props["extendedProperties"] = extended
    if not props["potentialBenefits"]:
        del props["potentialBenefits"]
    return {"name": name, "type": "Microsoft.Advisor/recommendations",
            "id": f"{resource}/providers/Microsoft.Advisor/recommendations/{name}",
            "properties": props}


@dataclass
class Subscription:
    subscription_id: str
    name: str
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    fault: str = ""  # one of FAULTS, or "" for none


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class FakeAzure:
    """The fake ARM (HTTPS) and identity endpoint (HTTP), each on a free loopback port."""

    def __init__(self, directory: Path, page_size: int = 100) -> None:
        self.page_size = page_size
        self.subscriptions: dict[str, Subscription] = {}
        self.identity_secret = secrets.token_hex(16)
        self.tokens: dict[str, str] = {}  # issued token -> its resource
        self.served: Counter[str] = Counter()  # what was answered: "token", "page", "429", ...
        self._once: set[tuple[str, str]] = set()  # faults served once already
        self._pages: dict[tuple[str, int, int], bytes] = {}
        self.next_link_host = ""  # a test's: nextLinks pointing to another host
        self._lock = threading.Lock()
        ca = trustme.CA()
        self.ca_path = directory / "fake-azure-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._arm = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(self._arm_get))
        self._arm.socket = context.wrap_socket(self._arm.socket, server_side=True)
        self._identity = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(self._token))
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True)
                         for s in (self._arm, self._identity)]

    # -- set-up ----------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self._arm.server_address[1]}"

    @property
    def identity_endpoint(self) -> str:
        return f"http://127.0.0.1:{self._identity.server_address[1]}/msi/token"

    def env(self) -> dict[str, str]:
        """The settings a devhost needs to import from this fake."""
        return {"AZURE_RESOURCE_MANAGER_ENDPOINT": self.endpoint,
                "IDENTITY_ENDPOINT": self.identity_endpoint,
                "IDENTITY_HEADER": self.identity_secret,
                "REQUESTS_CA_BUNDLE": str(self.ca_path), "SSL_CERT_FILE": str(self.ca_path)}

    def add(self, subscription_id: str, name: str, rows: list[dict[str, str]] = (),
            fault: str = "") -> Subscription:
        assert fault in ("", *FAULTS), fault
        sub = Subscription(subscription_id, name, [api_recommendation(r) for r in rows], fault)
        self.subscriptions[subscription_id.lower()] = sub
        return sub

    def __enter__(self) -> FakeAzure:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in (self._arm, self._identity):
            server.shutdown()
            server.server_close()

    # -- serving ---------------------------------------------------------------------------

    def _handler(self, answer):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                answered = answer(self)
                if answered is None:  # a network fault: the connection closes unanswered
                    self.close_connection = True
                    return
                status, body, headers = answered
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json; charset=utf-8",
                                    "Content-Length": str(len(data)),
                                    "x-ms-request-id": str(uuid.uuid4()), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass  # quiet: the tests read fake.served

        del fake
        return Handler

    def _count(self, what: str) -> None:
        with self._lock:
            self.served[what] += 1

    def _token(self, request: BaseHTTPRequestHandler) -> tuple[int, dict, dict]:
        url = urlsplit(request.path)
        query = parse_qs(url.query)
        if request.headers.get("X-IDENTITY-HEADER") != self.identity_secret:
            return 401, {"error": "invalid_request", "error_description": "no secret"}, {}
        if query.get("api-version") != ["2019-08-01"] or not query.get("resource"):
            return 400, {"error": "invalid_request", "error_description": "bad query"}, {}
        token = "fake-" + secrets.token_urlsafe(24)
        resource = query["resource"][0]
        with self._lock:
            self.tokens[token] = resource
        self._count("token")
        return 200, {"access_token": token, "expires_on": str(int(time.time()) + 3600),
                     "resource": resource, "token_type": "Bearer",
                     "client_id": str(uuid.uuid5(_NAMESPACE, "identity"))}, {}

    def _arm_get(self, request: BaseHTTPRequestHandler) -> tuple[int, dict, dict] | None:
        url = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        auth = request.headers.get("Authorization", "")
        resource = self.tokens.get(auth.removeprefix("Bearer "))
        if resource is None or resource.rstrip("/") != self.endpoint:
            self._count("401")
            return 401, _error("InvalidAuthenticationToken",
                               "The access token is invalid."), {}
        parts = [p for p in url.path.split("/") if p]
        if len(parts) < 2 or parts[0].lower() != "subscriptions":
            return 404, _error("NotFound", f"No route {url.path}"), {}
        sub = self.subscriptions.get(parts[1].lower())
        if len(parts) == 2:
            return self._subscription(parts[1], sub, query)
        if parts[2:] == ["providers", "Microsoft.Advisor", "recommendations"]:
            return self._recommendations(parts[1], sub, query)
        return 404, _error("NotFound", f"No route {url.path}"), {}

    def _fault(self, sub_id: str, sub: Subscription | None,
               action: str) -> tuple[int, dict, dict] | None:
        if sub is None or sub.fault == "missing":
            self._count("404")
            return 404, _error("SubscriptionNotFound",
                               f"The subscription '{sub_id}' could not be found."), {}
        if sub.fault == "forbidden":
            self._count("403")
            return 403, _error("AuthorizationFailed", (
                "The client 'advisor-reports' with object id '00000000-0000-0000-0000-0000000"
                f"00001' does not have authorization to perform action '{action}' over scope "
                f"'/subscriptions/{sub_id}' or the scope is invalid. If access was recently "
                "granted, please refresh your credentials.")), {}
        if sub.fault == "unauthorized":
            self._count("401")
            return 401, _error("InvalidAuthenticationTokenTenant",
                               "The access token is from the wrong issuer."), {}
        return None

    def _subscription(self, sub_id: str, sub: Subscription | None,
                      query: dict[str, str]) -> tuple[int, dict, dict]:
        if query.get("api-version") != SUBSCRIPTIONS_API:
            return 400, _error("InvalidApiVersionParameter", "Unsupported api-version."), {}
        fault = self._fault(sub_id, sub, "Microsoft.Resources/subscriptions/read")
        if fault:
            return fault
        assert sub is not None
        self._count("subscription")
        return 200, {"id": f"/subscriptions/{sub.subscription_id}",
                     "subscriptionId": sub.subscription_id, "tenantId": TENANT,
                     "displayName": sub.name, "state": "Enabled",
                     "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                              "quotaId": "Internal_2014-09-01",
                                              "spendingLimit": "Off"},
                     "authorizationSource": "RoleBased"}, {}

    def _recommendations(self, sub_id: str, sub: Subscription | None,
                         query: dict[str, str]) -> tuple[int, Any, dict] | None:
        if query.get("api-version") != ADVISOR_API:
            return 400, _error("InvalidApiVersionParameter", "Unsupported api-version."), {}
        fault = self._fault(sub_id, sub, "Microsoft.Advisor/recommendations/read")
        if fault:
            return fault
        assert sub is not None
        once = (sub.subscription_id, sub.fault)
        if sub.fault in ("throttle_once", "unavailable_once") and once not in self._once:
            with self._lock:
                first = once not in self._once
                self._once.add(once)
            if first:
                status = 429 if sub.fault == "throttle_once" else 503
                self._count(str(status))
                return status, _error("TooManyRequests" if status == 429
                                      else "ServiceUnavailable",
                                      "Try again later."), {"Retry-After": "1"}
        if sub.fault == "drop_connections":
            with self._lock:
                self.served["dropped"] += 1
                if self.served["dropped"] <= DROPS:
                    return None
        if sub.fault == "throttle_long":
            self._count("429")
            return 429, _error("TooManyRequests", "The request was throttled."), \
                {"Retry-After": "3600"}
        size = min(int(query.get("$top") or self.page_size), self.page_size)
        start = int(query.get("$skiptoken") or query.get("$skipToken") or 0)
        self._count("page")
        self._count(f"page:{sub.subscription_id}")
        return 200, self._page(sub, start, size), {}

    def _page(self, sub: Subscription, start: int, size: int) -> bytes:
        """A page's body, encoded once: Azure's own work is not this machine's, so a benchmark
        should not count it twice over."""
        key = (sub.subscription_id, start, size)
        cached = self._pages.get(key)
        if cached is None:
            body: dict[str, Any] = {"value": sub.recommendations[start:start + size]}
            if start + size < len(sub.recommendations):
                body["nextLink"] = (
                    f"{self.next_link_host or self.endpoint}/subscriptions/"
                    f"{sub.subscription_id}/providers/"
                    f"Microsoft.Advisor/recommendations?api-version={ADVISOR_API}"
                    f"&$top={size}&$skiptoken={start + size}")
            cached = self._pages[key] = json.dumps(body).encode()
        return cached


def main() -> None:
    """Serve a fake with subscriptions of generated rows until Ctrl-C, for trying imports by
    hand: `python -m tests.support.fake_azure --rows 500`, then start `make run` with the
    printed settings (exported) and import a client with the printed subscription ids."""
    import argparse
    import tempfile

    from tests.support.exports import SUBSCRIPTIONS, build_rows

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    rows = build_rows(args.rows)
    with tempfile.TemporaryDirectory() as folder, FakeAzure(Path(folder),
                                                            args.page_size) as fake:
        for sub_id, name in SUBSCRIPTIONS:
            fake.add(sub_id, name, [r for r in rows if r["Subscription ID"] == sub_id])
        print("\n".join(f"export {k}={v}" for k, v in fake.env().items()))
        print("subscriptions: " + ",".join(s for s, _ in SUBSCRIPTIONS), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
