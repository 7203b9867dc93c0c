"""The reports and clients API through the devhost: every route, paging, errors, roles."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
import requests

from tests.support.app import AppStorage, start_app, upload, wait_report
from tests.support.exports import build_rows, to_csv

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def app(storage_connection, tmp_path_factory):
    host, names = start_app(storage_connection, tmp_path_factory.mktemp("api"))
    yield host, AppStorage(storage_connection, names)
    host.stop()


@pytest.fixture(scope="module")
def finished(app):
    """Two completed reports of different clients, made once for the module."""
    host, _ = app
    made = {}
    for client, seed, count in (("alpha", 21, 120), ("beta", 22, 60)):
        r = upload(host, to_csv(build_rows(count, seed=seed)), clientId=client,
                   title=f"{client} November")
        assert r.status_code == 202, r.text
        made[client] = wait_report(host, r.json()["reportId"])
    return made


def principal(*roles: str, clients: tuple[str, ...] = ()) -> dict[str, str]:
    claims = [{"typ": "roles", "val": r} for r in roles]
    claims += [{"typ": "clientId", "val": c} for c in clients]
    claims.append({"typ": "name", "val": "ana@example.com"})
    raw = json.dumps({"auth_typ": "aad", "claims": claims, "name_typ": "name",
                      "role_typ": "roles"})
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(raw.encode()).decode()}


def get(host, path, **kwargs):
    return host.request("GET", path, **kwargs)


# -- reports ------------------------------------------------------------------------------------


def test_report_list_paging_links_and_filters(app, finished):
    host, _ = app
    for n in range(3):
        r = upload(host, to_csv(build_rows(5, seed=40 + n)), clientId="paging",
                   reportTypes="executive", formats="html")
        wait_report(host, r.json()["reportId"])
    page = get(host, "api/reports?clientId=paging&pageSize=2").json()
    assert page["count"] == 3 and page["page"] == 1 and page["pageSize"] == 2
    assert len(page["results"]) == 2 and page["previous"] is None
    assert "page=2" in page["next"] and "clientId=paging" in page["next"]
    second = requests.get(page["next"], headers={"x-functions-key": host.function_key},
                          timeout=10).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert page["filtersApplied"] == {"clientId": "paging"}
    created = [r["timings"]["createdAt"] for r in page["results"] + second["results"]]
    assert created == sorted(created, reverse=True)
    done = get(host, "api/reports?status=completed&reportType=cost").json()
    assert {r["clientId"] for r in done["results"]} >= {"alpha", "beta"}
    assert all(r["status"] == "completed" for r in done["results"])
    assert get(host, "api/reports?clientId=paging&createdFrom=2999-01-01").json()["count"] == 0


@pytest.mark.parametrize("query,target", [
    ("pageSize=101", "pageSize"), ("page=0", "page"), ("pageSize=abc", "pageSize"),
    ("status=done", "status"), ("reportType=weekly", "reportType"),
    ("createdFrom=yesterday", "createdFrom"),
])
def test_bad_list_parameters_are_400_naming_the_parameter(app, query, target):
    host, _ = app
    r = get(host, f"api/reports?{query}")
    assert r.status_code == 400
    assert r.json()["error"]["target"] == target


def test_every_bad_parameter_is_listed(app):
    host, _ = app
    r = get(host, "api/reports?pageSize=0&status=nope&reportType=x")
    assert r.status_code == 400
    assert {d["target"] for d in r.json()["error"]["details"]} == {
        "pageSize", "status", "reportType"}


def test_recommendations_filters_search_sort_and_paging(app, finished):
    host, _ = app
    report_id = finished["alpha"]["reportId"]
    everything = get(host, f"api/reports/{report_id}/recommendations?pageSize=100").json()
    assert everything["count"] == 120
    first = everything["results"]
    ranks = [{"High": 0, "Medium": 1, "Low": 2}[r["impact"]] for r in first]
    assert ranks == sorted(ranks)
    high = [r for r in first if r["impact"] == "High"]
    savings = [r["annualSavings"] or 0 for r in high]
    assert savings == sorted(savings, reverse=True)
    cost_high = get(host, f"api/reports/{report_id}/recommendations"
                          "?category=Cost&impact=High&pageSize=100").json()
    assert cost_high["filtersApplied"] == {"category": ["Cost"], "impact": ["High"]}
    assert cost_high["count"] and all(r["category"] == "Cost" and r["impact"] == "High"
                                      for r in cost_high["results"])
    found = get(host, f"api/reports/{report_id}/recommendations?search=UNATTACHED").json()
    assert found["count"] and all("unattached" in r["recommendation"].lower()
                                  for r in found["results"])
    rest = get(host, f"api/reports/{report_id}/recommendations?pageSize=100&page=2").json()
    every = first + rest["results"]
    assert len(every) == 120 and len({r["line"] for r in every}) == 120
    sub = first[0]["subscriptionId"]
    by_sub = get(host, f"api/reports/{report_id}/recommendations?subscriptionId={sub.upper()}"
                       "&pageSize=100").json()
    assert by_sub["count"] == sum(1 for r in every if r["subscriptionId"] == sub)
    bad = get(host, f"api/reports/{report_id}/recommendations?category=Sustainability")
    assert bad.status_code == 400 and bad.json()["error"]["target"] == "category"


def test_statistics(app, finished):
    host, _ = app
    stats = get(host, f"api/reports/{finished['beta']['reportId']}/statistics").json()
    assert stats["totals"]["recommendations"] == 60
    assert "overlap" in stats["savingsCaveat"]


def test_patch_title_and_validation_lists_every_field(app, finished):
    host, _ = app
    report_id = finished["beta"]["reportId"]
    r = host.request("PATCH", f"api/reports/{report_id}", json={"title": "Renamed"})
    assert r.status_code == 200 and r.json()["title"] == "Renamed"
    bad = host.request("PATCH", f"api/reports/{report_id}",
                       json={"title": "x" * 300, "colour": "red"})
    assert bad.status_code == 400
    messages = " ".join(d["message"] for d in bad.json()["error"]["details"])
    assert "too long" in messages and "colour" in messages
    assert host.request("PATCH", f"api/reports/{report_id}", data="{not json",
                        headers={"Content-Type": "application/json"}).json()["error"][
        "code"] == "InvalidJson"


def test_render_again_replaces_chosen_artifacts_and_409_while_processing(app):
    host, _ = app
    r = upload(host, to_csv(build_rows(30, seed=31)), reportTypes="executive", formats="html")
    report_id = r.json()["reportId"]
    first = wait_report(host, report_id)
    again = host.request("POST", f"api/reports/{report_id}/render",
                         json={"reportTypes": ["cost", "executive"], "formats": ["pdf"]})
    assert again.status_code == 202, again.text
    assert again.json()["reportId"] == report_id
    busy = host.request("POST", f"api/reports/{report_id}/render", json=None)
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "ReportInProgress"
    host.wait_for_status(again.json()["statusQueryGetUri"])
    done = wait_report(host, report_id)
    assert [(a["reportType"], a["format"]) for a in done["artifacts"]] == [
        ("executive", "html"), ("executive", "pdf"), ("cost", "pdf")]
    assert first["artifacts"][0]["size"] == done["artifacts"][0]["size"]
    pdf = get(host, f"api/reports/{report_id}/artifacts/cost.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_retry_counts_attempts_and_stops_after_five(app):
    host, _ = app
    lines = to_csv(build_rows(6, seed=5)).decode("utf-8-sig").splitlines()
    broken = "\r\n".join([lines[0]] + [line + ",x,y" for line in lines[1:]]).encode()
    r = upload(host, broken)
    report_id = r.json()["reportId"]
    report = wait_report(host, report_id)
    assert report["status"] == "failed" and report["attempts"] == 1
    for attempt in range(2, 6):
        retry = host.request("POST", f"api/reports/{report_id}/retry")
        assert retry.status_code == 202, retry.text
        host.wait_for_status(retry.json()["statusQueryGetUri"])
        report = wait_report(host, report_id)
        assert report["status"] == "failed" and report["attempts"] == attempt
    refused = host.request("POST", f"api/reports/{report_id}/retry")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "TooManyAttempts"
    assert "5 times" in refused.json()["error"]["message"]


def test_retry_of_a_completed_report_is_409(app, finished):
    host, _ = app
    r = host.request("POST", f"api/reports/{finished['alpha']['reportId']}/retry")
    assert r.status_code == 409 and r.json()["error"]["code"] == "NotFailed"


def test_delete_removes_everything_and_a_second_delete_is_404(app):
    host, stored = app
    r = upload(host, to_csv(build_rows(25, seed=33)), clientId="gamma",
               reportTypes="executive", formats="pdf")
    report_id = r.json()["reportId"]
    wait_report(host, report_id)
    host.wait_for_status(r.json()["statusQueryGetUri"])
    assert stored.recommendation_keys(report_id)
    assert host.request("DELETE", f"api/reports/{report_id}").status_code == 204
    assert stored.recommendation_keys(report_id) == []
    assert stored.blob_names(stored.names.reports, f"gamma/{report_id}/") == []
    assert stored.blob_names(stored.names.uploads, f"gamma/{report_id}") == []
    assert requests.get(r.json()["statusQueryGetUri"], timeout=10).status_code == 404
    assert get(host, f"api/reports/{report_id}").status_code == 404
    assert host.request("DELETE", f"api/reports/{report_id}").status_code == 404


# -- clients ------------------------------------------------------------------------------------


def test_clients_create_list_get_patch(app):
    host, _ = app
    tag = uuid.uuid4().hex[:6]
    made = host.request("POST", "api/clients", json={"name": f"Zürich Insurance {tag}",
                                                      "notes": "key account"})
    assert made.status_code == 201, made.text
    client = made.json()
    assert client["clientId"] == f"zurich-insurance-{tag}" and client["active"] is True
    twin = host.request("POST", "api/clients", json={"name": f"Zürich Insurance {tag}"}).json()
    assert twin["clientId"] == f"zurich-insurance-{tag}-2"
    taken = host.request("POST", "api/clients", json={"name": "x", "clientId": twin["clientId"]})
    assert taken.status_code == 409
    found = get(host, f"api/clients?search=insurance {tag}").json()
    assert [c["clientId"] for c in found["results"]] == [client["clientId"], twin["clientId"]]
    patched = host.request("PATCH", f"api/clients/{client['clientId']}", json={
        "contacts": [{"name": "Ana", "email": "ana@example.com"}], "active": False,
        "subscriptionIds": ["3f2a1b4c-0000-4000-8000-000000000001"]}).json()
    assert patched["active"] is False and patched["contacts"][0]["name"] == "Ana"
    assert get(host, f"api/clients/{client['clientId']}").json() == patched
    bad = host.request("PATCH", f"api/clients/{client['clientId']}", json={
        "name": "", "subscriptionIds": ["not-a-guid"], "active": "yes"})
    assert bad.status_code == 400
    assert {d["target"] for d in bad.json()["error"]["details"]} == {
        "name", "subscriptionIds.0", "active"}
    missing = host.request("POST", "api/clients", json={"notes": "no name"})
    assert missing.status_code == 400 and "name" in missing.json()["error"]["message"]
    assert get(host, "api/clients/nobody-here").status_code == 404


def test_client_delete_needs_cascade_while_reports_exist_and_statistics_trend(app):
    host, stored = app
    client_id = host.request("POST", "api/clients",
                             json={"name": f"Delta {uuid.uuid4().hex[:6]}"}).json()["clientId"]
    ids = []
    for seed, count in ((51, 20), (52, 30)):
        r = upload(host, to_csv(build_rows(count, seed=seed)), clientId=client_id,
                   reportTypes="executive", formats="html")
        ids.append(r.json()["reportId"])
        wait_report(host, ids[-1])
    stats = get(host, f"api/clients/{client_id}/statistics").json()
    assert stats["reportCount"] == 2
    assert [t["recommendations"] for t in stats["trend"]] == [20, 30]
    assert stats["latestReport"]["reportId"] == ids[-1]
    refused = host.request("DELETE", f"api/clients/{client_id}")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "ClientHasReports"
    assert host.request("DELETE", f"api/clients/{client_id}?cascade=true").status_code == 204
    assert get(host, f"api/clients/{client_id}").status_code == 404
    assert all(get(host, f"api/reports/{i}").status_code == 404 for i in ids)
    assert all(stored.recommendation_keys(i) == [] for i in ids)


# -- errors and auth ----------------------------------------------------------------------------


def test_unknown_route_and_wrong_method_are_json(app):
    host, _ = app
    missing = get(host, "api/no/such/thing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NotFound"
    assert missing.headers["x-request-id"]
    wrong = host.request("PUT", "api/reports")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, POST"
    assert wrong.json()["error"]["code"] == "MethodNotAllowed"


def test_request_id_is_echoed_or_made(app, finished):
    host, _ = app
    r = get(host, f"api/reports/{finished['alpha']['reportId']}",
            headers={"x-request-id": "trace-123"})
    assert r.headers["x-request-id"] == "trace-123"
    assert "request trace-123" in host.log()
    assert get(host, "api/health", key=False).headers["x-request-id"]


ROUTE_CLASSES = [
    # (method, path template, body, role needed)
    ("GET", "api/reports", None, "reader"),
    ("GET", "api/reports/{alpha}", None, "reader"),
    ("GET", "api/reports/{alpha}/recommendations", None, "reader"),
    ("GET", "api/reports/{alpha}/statistics", None, "reader"),
    ("GET", "api/clients", None, "reader"),
    ("PATCH", "api/reports/{alpha}", {"title": "alpha November"}, "contributor"),
    ("POST", "api/reports/{alpha}/retry", None, "contributor"),
    ("POST", "api/clients", {"name": "Role check"}, "admin"),
    ("PATCH", "api/clients/alpha", {"notes": "x"}, "admin"),
    ("GET", "api/branding", None, "reader"),
    ("PATCH", "api/branding", {"contact": "Role check"}, "admin"),
    ("GET", "api/branding/logo", None, "reader"),
    ("PUT", "api/branding/logo", None, "admin"),
    ("DELETE", "api/branding/logo", None, "admin"),
    ("GET", "api/clients/alpha/logo", None, "reader"),
    ("PUT", "api/clients/alpha/logo", None, "admin"),
    ("DELETE", "api/clients/alpha/logo", None, "admin"),
    ("GET", "api/audit", None, "admin"),
    ("GET", "api/reports/{alpha}/shares", None, "contributor"),
    ("POST", "api/reports/{alpha}/shares", {"artifacts": [{"type": "executive",
                                                           "format": "html"}]}, "contributor"),
    ("DELETE", "api/reports/{alpha}/shares/none", None, "contributor"),
    ("POST", "api/reports/bulk", {"action": "retry", "reportIds": ["none"]}, "contributor"),
    ("GET", "api/bulk/bulk-none", None, "contributor"),
    ("GET", "api/analytics/summary", None, "reader"),
    ("GET", "api/health/details", None, "admin"),
]
ROLES = {"reader": "Reports.Reader", "contributor": "Reports.Contributor",
         "admin": "Reports.Admin"}
RANK = {"none": 0, "reader": 1, "contributor": 2, "admin": 3}


@pytest.mark.parametrize("role", ["none", "reader", "contributor", "admin"])
def test_role_matrix(app, finished, role):
    host, _ = app
    # Reports.AllClients: every client in scope, so only the role decides.
    headers = principal(*([ROLES[role]] if role != "none" else ["Something.Else"]),
                        "Reports.AllClients")
    for method, template, body, needed in ROUTE_CLASSES:
        path = template.replace("{alpha}", finished["alpha"]["reportId"])
        r = host.request(method, path, json=body, headers=dict(headers))
        allowed = RANK[role] >= RANK[needed]
        if allowed:
            assert r.status_code not in (401, 403), (role, method, path, r.text)
        else:
            assert r.status_code == 403, (role, method, path, r.status_code)
            assert r.json()["error"]["code"] == "Forbidden"


def test_client_claims_hide_other_clients_reports(app, finished):
    host, _ = app
    headers = principal("Reports.Contributor", clients=("alpha",))
    mine = get(host, f"api/reports/{finished['alpha']['reportId']}", headers=dict(headers))
    assert mine.status_code == 200
    theirs = get(host, f"api/reports/{finished['beta']['reportId']}", headers=dict(headers))
    assert theirs.status_code == 404  # not 403: existence does not leak
    assert get(host, f"api/reports/{finished['beta']['reportId']}/artifacts/executive.pdf",
               headers=dict(headers)).status_code == 404
    listed = get(host, "api/reports?pageSize=100", headers=dict(headers)).json()
    assert {r["clientId"] for r in listed["results"]} == {"alpha"}
    upload_other = host.request("POST", "api/reports", params={"clientId": "beta"},
                                files={"file": ("x.csv", to_csv(build_rows(3)), "text/csv")},
                                headers=dict(headers))
    assert upload_other.status_code == 403
    assert get(host, "api/clients/beta", headers=dict(headers)).status_code == 404


def test_malformed_principal_is_401(app):
    host, _ = app
    r = get(host, "api/reports", headers={"X-MS-CLIENT-PRINCIPAL": "%%%not-base64"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidPrincipal"


def test_keys_are_required_except_for_health_and_docs(app):
    host, _ = app
    assert get(host, "api/reports", key=False).status_code == 401
    # The Functions host reads the header first: sent empty, it does not fall back to ?code=.
    assert host.request("GET", "api/reports", key=False, params={"code": host.function_key},
                        headers={"x-functions-key": ""}).status_code == 401
    assert host.request("GET", "api/reports", key=False,
                        params={"code": host.function_key}).status_code == 200
    assert get(host, "api/health", key=False).status_code == 200
    assert get(host, "api/openapi.json", key=False).status_code == 200
    page = get(host, "api/docs", key=False)
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert "http" not in page.text.split("<body>")[1].split("</body>")[0].replace(
        'url: "openapi.json"', "")
    asset = get(host, "api/docs/swagger-ui-bundle.js", key=False)
    assert asset.status_code == 200 and len(asset.content) > 500_000


# -- health -------------------------------------------------------------------------------------


def test_health_is_503_naming_what_is_down(tmp_path_factory):
    from devhost import azurite

    ports = azurite.Ports(azurite.free_port(), azurite.free_port(), azurite.free_port())
    proc = azurite.start(ports, None)
    host, _ = start_app(ports.connection_string(), tmp_path_factory.mktemp("health"))
    try:
        healthy = host.request("GET", "api/health", key=False)
        assert healthy.status_code == 200
        assert set(healthy.json()["checks"]) == {"blob", "table", "queue"}
        proc.kill()
        proc.wait()
        started = time.monotonic()
        down = host.request("GET", "api/health", key=False)
        assert down.status_code == 503
        assert time.monotonic() - started < 15
        body = down.json()
        assert body["status"] == "unhealthy" and body["error"]["code"] == "StorageUnavailable"
        assert {d["target"] for d in body["error"]["details"]} == {"blob", "table", "queue"}
    finally:
        host.kill()
        if proc.poll() is None:
            proc.kill()
