"""The web app's pure helpers: who is trusted, CSRF and origin checks, figures as pages show
them, and the devhost's sign-in form."""

from __future__ import annotations

import base64
import json

import pytest

from devhost.easy_auth import parse_form, safe_redirect
from web import html, security
from web.principal import page_principal, sign_in_url


def _principal(roles: list[str]) -> str:
    claims = [{"typ": "roles", "val": r} for r in roles] + [{"typ": "name", "val": "ana"}]
    return base64.b64encode(json.dumps({"claims": claims}).encode()).decode()


def test_the_principal_header_is_trusted_only_when_the_platform_says_auth_is_on(monkeypatch):
    headers = {"X-MS-CLIENT-PRINCIPAL": _principal(["Reports.Admin"])}
    monkeypatch.delenv("WEBSITE_AUTH_ENABLED", raising=False)
    assert page_principal(headers) is None
    monkeypatch.setenv("WEBSITE_AUTH_ENABLED", "false")
    assert page_principal(headers) is None
    monkeypatch.setenv("WEBSITE_AUTH_ENABLED", "True")
    assert page_principal(headers).roles == frozenset({"Reports.Admin"})
    assert page_principal({}) is None  # no header: not signed in, never "the key"


def test_sign_in_comes_back_to_the_page():
    assert sign_in_url("/reports/r1?page=2") == \
        "/.auth/login/aad?post_login_redirect_uri=/reports/r1%3Fpage%3D2"


@pytest.mark.parametrize("target, expected", [
    ("/reports/1", "/reports/1"), ("//evil.example/x", "/"), ("https://evil.example", "/"),
    ("/\\evil.example", "/"), ("", "/"), (None, "/"), ("javascript:alert(1)", "/")])
def test_the_sign_in_form_only_redirects_within_the_site(target, expected):
    assert safe_redirect(target) == expected


def test_the_sign_in_form_names_what_to_fix():
    session, problem = parse_form({"username": "ana", "roles": "Reports.Reader, x",
                                   "claims": '[{"typ": "clientIds", "val": "a"}]'})
    assert problem == "" and {"typ": "roles", "val": "Reports.Reader"} in session.claims
    assert parse_form({"username": ""})[1] == "Username is required."
    assert "JSON list" in parse_form({"username": "a", "claims": "{"})[1]
    assert "JSON list" in parse_form({"username": "a", "claims": '[{"typ": 1}]'})[1]


def test_csrf_tokens_and_origins():
    token, new = security.csrf_token({})
    assert new and len(token) >= 40
    assert security.csrf_token({"Cookie": f"ar_csrf={token}"}) == (token, False)
    assert security.csrf_token({"Cookie": "ar_csrf=short"})[1]  # not one of ours: a new one
    assert security.token_matches(token, token) and not security.token_matches(token, None)
    assert not security.token_matches(token, token[:-1] + "x")
    own = "https://app.example"
    assert security.same_origin({"Origin": "https://app.example"}, own)
    assert not security.same_origin({"Origin": "https://evil.example"}, own)
    assert not security.same_origin({"Sec-Fetch-Site": "cross-site"}, own)
    assert not security.same_origin({"Sec-Fetch-Site": "same-site"}, own)
    assert security.same_origin({"Sec-Fetch-Site": "same-origin"}, own)
    assert security.origin_of("http://10.0.0.4/x", {"Host": "app.example",
                                                  "X-Forwarded-Proto": "https"}) == own


@pytest.mark.parametrize("amount, text", [
    (5_302_324.0, "5.3 M USD"), (48_465.0, "48.5 k USD"), (940.0, "940 USD"),
    (999.4, "1.0 k USD"), (999_950.0, "1.0 M USD"), (-12_500.0, "\u221212.5 k USD"),
    (2.4e9, "2.4 bn USD"), (None, "")])
def test_headline_money_is_compact_and_written_as_the_reports_write_it(amount, text):
    page = html.environment().from_string("{{ amount | compact_money('USD') }}")
    assert page.render(amount=amount) == text


def test_templates_escape_what_users_typed():
    page = html.render("error.html", error=type("E", (), {
        "title": "<script>x</script>", "message": "a & b", "details": [], "status": 400})(),
        rid="r", csrf="t", user=None, sign_out="/", notice="", roles={})
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page


def test_money_changes_carry_their_sign():
    page = html.environment().from_string("{{ amount | signed_money(currency) }}")
    assert page.render(amount=-4899.0, currency="USD") == "−4.9 k USD"
    assert page.render(amount=1200.0, currency="EUR") == "+1.2 k EUR"
    assert page.render(amount=0.0, currency="USD") == "±0 USD"
    assert page.render(amount=0.004, currency="USD") == "±0 USD"  # under a cent


def test_over_https_the_csrf_cookie_is_host_only():
    assert security.csrf_cookie("t" * 43, True).startswith("__Host-ar_csrf=")
    assert "; Secure" in security.csrf_cookie("t" * 43, True)
    _, new = security.csrf_token({"Cookie": "ar_csrf=" + "a" * 43}, secure=True)
    assert new  # over HTTPS only the __Host- cookie counts


def test_deeply_nested_claims_are_refused_not_a_crash():
    assert "JSON list" in parse_form({"username": "a", "claims": "[" * 999 + "]" * 999})[1]


def test_pages_link_advisors_steps_as_the_reports_do():
    """The report page's rows and plan link Microsoft's pages only, and clip the steps as the
    reports' tables do."""
    env = html.environment()
    link = env.from_string("{{ (url or '') | learn_link }}")
    assert link.render(url="https://aka.ms/x") == "https://aka.ms/x"
    for hostile in ("javascript:alert(1)", "https://evil.example/fix", None):
        assert link.render(url=hostile) == ""
    steps = env.from_string("{{ text | steps }}").render(text="Step. " * 100)
    assert len(steps) == 300 and steps.endswith("…")
