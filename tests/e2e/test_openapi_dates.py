"""Every route with extreme dates (issue 30, Deliver 1): schemathesis over the OpenAPI document
the running app serves, its `date-time` and `date` formats drawn from the edges of the
calendar (years 1 and 9999 with offsets up to +-23:59, leap days, the ends of 64-bit
nanoseconds, times that do not exist) as well as from anywhere in it. No answer may be a 5xx.

Exclusion routes are aimed at a real client and rule, so their dates reach the parser rather
than a 404; bulk operations only ever retry (a random filter must not delete the seed).
Uploads and logos are left out: their bodies are files with no dates (their refusals are
tested in test_robustness and test_branding).
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.formats import unregister_string_format

from tests.support.app import start_app, upload, wait_report
from tests.support.exports import build_rows, to_csv

pytestmark = pytest.mark.timeout(420)
# Uploads and logos: their bodies are files, with no dates in them.
FILES = ["uploadReport", "setClientLogo", "setPartnerLogo"]
DATED = ["listAudit", "listReports", "bulkReports", "createExclusion", "updateExclusion"]

# Written out: the requests of the issue that answered 500, and their neighbours.
EDGE_TEXTS = [
    "0001-01-01T00:00:00", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00-00:00",
    "9999-12-31T23:59:59+23:59", "0001-01-01T00:00:00-23:59", "2262-04-11T23:47:16.854775807Z",
    "2286-11-20T17:46:40Z", "1969-12-31T23:59:59.999999Z", "2024-02-29T12:00:00+05:45",
    "2023-02-29T00:00:00Z", "2026-12-31T23:59:60Z", "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:00+24:00", "10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z", "9999-12-31", "0001-01-01", "2026-01-01T00:00:00.0000000001Z",
]
EDGE_MOMENTS = [datetime.min, datetime.max, datetime(1, 1, 1, 0, 0, 1),
                datetime(9999, 12, 31, 23, 59, 59), datetime(1970, 1, 1),
                datetime(2024, 2, 29, 23, 59, 59)]


def rfc3339(moment: datetime, offset: int | None, fraction: bool) -> str:
    text = moment.isoformat(timespec="microseconds" if fraction else "seconds")
    if offset is None:
        return text  # no zone: the API reads UTC
    if offset == 0:
        return text + "Z"
    sign = "-" if offset < 0 else "+"
    return f"{text}{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"


OFFSETS = st.one_of(st.none(), st.sampled_from([0, 1, -1, 14 * 60, -12 * 60, 1439, -1439]),
                    st.integers(-1439, 1439))
DATE_TIMES = st.one_of(
    st.sampled_from(EDGE_TEXTS),
    st.builds(rfc3339, st.sampled_from(EDGE_MOMENTS), OFFSETS, st.booleans()),
    st.builds(rfc3339, st.datetimes(), OFFSETS, st.booleans()),
)
DATES = st.one_of(st.sampled_from(["0001-01-01", "9999-12-31", "2024-02-29", "2023-02-29",
                                   "0000-01-01", "2026-13-01"]), st.dates().map(str))


@pytest.fixture(scope="module")
def running(storage_connection, tmp_path_factory):
    """The app, with a client whose exclusion routes the run aims at."""
    host, _ = start_app(storage_connection, tmp_path_factory.mktemp("dates"))
    r = upload(host, to_csv(build_rows(20, seed=17)), clientId="edge",
               reportTypes="executive", formats="html")
    wait_report(host, r.json()["reportId"])
    rule = host.request("POST", "api/clients/edge/exclusions", json={
        "resourceGroup": "rg-edge", "reason": "seed", "kind": "accepted-risk"})
    assert rule.status_code == 201, rule.text
    yield host, {"clientId": "edge", "ruleId": rule.json()["ruleId"]}
    host.stop()


@pytest.fixture(scope="module")
def served(running):
    """The document as the app serves it, its dates drawn from the strategies above."""
    schemathesis.openapi.format("date-time", DATE_TIMES)
    schemathesis.openapi.format("date", DATES)
    try:
        yield schemathesis.openapi.from_url(f"{running[0].base_url}/api/openapi.json")
    finally:
        unregister_string_format("date-time")
        unregister_string_format("date")


def aimed(operation, ids: dict[str, str]) -> dict[str, str] | None:
    """Fixed path parameters: an exclusion route's real client (and rule, but for DELETE)."""
    if "/exclusions" not in operation.path:
        return None
    fixed = {"clientId": ids["clientId"]}
    if "{ruleId}" in operation.path and operation.method.upper() != "DELETE":
        fixed["ruleId"] = ids["ruleId"]
    return fixed


def test_every_route_with_extreme_dates_never_answers_5xx(served, running):
    host, ids = running
    started, calls, extremes, failures = time.monotonic(), [0], [0], []
    with requests.Session() as session:
        for result in served.get_all_operations():
            operation = result.ok()
            if operation.definition.raw.get("operationId") in FILES:
                continue
            fixed = aimed(operation, ids)
            cases = st.one_of(*(operation.as_strategy(mode, path_parameters=fixed)
                                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)))
            dated = operation.definition.raw.get("operationId") in DATED

            @settings(max_examples=250 if dated else 25, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck), phases=[Phase.generate])
            @given(case=cases)
            def run(case):
                if isinstance(case.body, dict) and case.body.get("action") in ("delete",
                                                                               "render"):
                    case.body["action"] = "retry"  # a random filter must not delete the seed
                calls[0] += 1
                sent = f"{case.query} {case.body}"
                extremes[0] += "0001-01-01" in sent or "9999-12-31" in sent
                case.call_and_validate(base_url=f"{host.base_url}/api", session=session,
                                       headers={"x-functions-key": host.function_key},
                                       timeout=30, checks=[not_a_server_error])

            try:
                run()
            except Exception as failure:  # every operation runs; all failures are reported
                failures.append(f"{operation.label}: {failure}")
    print(f"{calls[0]} requests ({extremes[0]} with a year-1 or year-9999 date) in "
          f"{time.monotonic() - started:.0f} s")
    assert calls[0] > 1000 and extremes[0] > 100  # the edges were sent, not only drawn
    assert not failures, "\n\n".join(failures)
