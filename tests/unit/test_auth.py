"""App Service Authentication principals: roles and client claims."""

from __future__ import annotations

import base64
import json

import pytest

from shared.http.auth import (
    ADMIN,
    ALL_CLIENTS,
    CLIENT_CLAIMS,
    CONTRIBUTOR,
    READER,
    AuthError,
    principal_from,
)
from shared.settings import load_settings


def header(claims, role_typ="roles") -> dict[str, str]:
    raw = json.dumps({"auth_typ": "aad", "claims": claims, "role_typ": role_typ,
                      "name_typ": "name"})
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(raw.encode()).decode().rstrip("=")}


def test_no_principal_is_a_trusted_key_caller():
    caller = principal_from({})
    caller.require(ADMIN)
    assert caller.sees("anyone")


def test_roles_rank_and_client_claims():
    caller = principal_from(header([{"typ": "roles", "val": CONTRIBUTOR},
                                    {"typ": "clientIds", "val": "alpha, beta"},
                                    {"typ": "name", "val": "ana"}]))
    caller.require(READER)
    caller.require(CONTRIBUTOR)
    with pytest.raises(AuthError) as denied:
        caller.require(ADMIN)
    assert denied.value.status == 403
    assert caller.sees("alpha") and caller.sees("beta") and not caller.sees("gamma")
    assert caller.name == "ana"


def test_custom_role_claim_type():
    typ = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
    caller = principal_from(header([{"typ": typ, "val": ADMIN}], role_typ=typ))
    caller.require(ADMIN)


def test_garbage_is_401():
    with pytest.raises(AuthError) as bad:
        principal_from({"X-MS-CLIENT-PRINCIPAL": "!!!"})
    assert bad.value.status == 401


# -- scope fails closed (issue 30, case 8) ------------------------------------------------------

def test_only_the_all_clients_role_sees_every_client():
    caller = principal_from(header([{"typ": "roles", "val": READER},
                                    {"typ": "roles", "val": ALL_CLIENTS}]))
    assert caller.client_ids is None and caller.sees("anyone")
    caller.require(READER)  # the grant adds scope, not rights
    with pytest.raises(AuthError):
        caller.require(CONTRIBUTOR)


@pytest.mark.parametrize("claims", [
    [],  # no client claim at all
    [{"typ": "ClientIds", "val": "alpha"}],  # types the app does not know: mapping mistakes
    [{"typ": "clientid", "val": "alpha"}],
    [{"typ": "client_id", "val": "alpha"}],
    [{"typ": "clientId", "val": " , "}],  # a claim naming no client
])
def test_a_principal_without_a_grant_or_a_known_client_claim_sees_no_client(claims):
    caller = principal_from(header([{"typ": "roles", "val": ADMIN}, *claims]))
    assert caller.client_ids == frozenset()
    assert not caller.sees("alpha") and not caller.sees("")


def test_every_documented_claim_type_names_clients():
    for typ in CLIENT_CLAIMS:
        caller = principal_from(header([{"typ": typ, "val": "alpha,beta"}]))
        assert caller.client_ids == {"alpha", "beta"}


def test_the_claim_types_are_a_setting():
    settings = load_settings({"CLIENT_CLAIM_TYPES": " tenantClients, ClientIds ,"})
    assert settings.client_claim_types == ("tenantClients", "ClientIds")
    assert load_settings({}).client_claim_types == CLIENT_CLAIMS
    caller = principal_from(header([{"typ": "ClientIds", "val": "alpha"},
                                    {"typ": "clientId", "val": "beta"}]),
                            client_claims=settings.client_claim_types)
    assert caller.client_ids == {"alpha"}  # clientId is no longer accepted


def test_the_setting_is_read_from_the_environment(monkeypatch):
    from shared.settings import get_settings
    monkeypatch.setenv("CLIENT_CLAIM_TYPES", "tenantClients")
    get_settings.cache_clear()
    try:
        caller = principal_from(header([{"typ": "tenantClients", "val": "alpha"}]))
        assert caller.client_ids == {"alpha"}
    finally:
        monkeypatch.delenv("CLIENT_CLAIM_TYPES")
        get_settings.cache_clear()
