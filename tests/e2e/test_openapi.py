"""The OpenAPI document: valid, generated from the routes, and honoured by the running app."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error

from tests.support.app import start_app, upload, wait_report
from tests.support.exports import build_rows, to_csv
from tests.support.functions import app_functions
from triggers.api import api

pytestmark = pytest.mark.timeout(600)
# Loaded from the code, not from a server: the document is generated from the route list.
# Uploads and logos are left out: random bytes are never an Advisor export or an image (the
# refusals are tested in test_robustness and test_branding), and deletes (bulk ones too)
# would remove the data under test.
schema = schemathesis.openapi.from_dict(api.openapi()).exclude(method="DELETE") \
    .exclude(operation_id=["uploadReport", "setClientLogo", "setPartnerLogo", "bulkReports"])


def test_document_is_valid_openapi_31_and_covers_every_route():
    document = api.openapi(server="http://localhost:7071/api")
    validate(document)
    assert document["openapi"] == "3.1.0"
    operations = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    routes = set()
    for function in app_functions():  # the API's functions: every route under api/ but its
        trigger = function.get_trigger()  # catch-all (the web app's pages are the rest)
        if trigger.type == "httpTrigger" and trigger.route.startswith("api/") \
                and trigger.route != "api/{*path}":
            routes.update((m.value, "/" + trigger.route.removeprefix("api/"))
                          for m in trigger.methods)
    assert operations == routes


@pytest.fixture(scope="module")
def running(storage_connection, tmp_path_factory):
    host, _ = start_app(storage_connection, tmp_path_factory.mktemp("schemathesis"))
    r = upload(host, to_csv(build_rows(20, seed=3)), clientId="default")
    wait_report(host, r.json()["reportId"])
    yield host
    host.stop()


def test_served_document_matches_the_code(running):
    served = running.request("GET", "api/openapi.json", key=False).json()
    assert served == api.openapi(server=f"{running.base_url}/api")


@schema.parametrize()
# Derandomized: the same examples every run, so CI does not flip on a new random draw.
@settings(max_examples=12, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_no_response_outside_the_document(case, running):
    # Deletions and uploads are left out: they would remove or add the data under test.
    case.call_and_validate(base_url=f"{running.base_url}/api",
                           headers={"x-functions-key": running.function_key}, timeout=30)


@schema.parametrize()
# Random on every run (new examples each time), 200 per operation: the server must never
# answer 5xx, whatever it is sent.
@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_random_requests_never_get_a_server_error(case, running, http_session):
    case.call_and_validate(base_url=f"{running.base_url}/api", session=http_session,
                           headers={"x-functions-key": running.function_key}, timeout=30,
                           checks=[not_a_server_error])


@pytest.fixture(scope="module")
def http_session():
    with requests.Session() as session:
        yield session
