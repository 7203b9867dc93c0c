"""App Service Authentication principals: roles and client claims."""

from __future__ import annotations

import base64
import json

import pytest

from shared.http.auth import ADMIN, CONTRIBUTOR, READER, AuthError, principal_from


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
