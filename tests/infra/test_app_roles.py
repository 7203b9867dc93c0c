"""The app registration's roles (infra/app-roles.json) match the app's, and docs/deploy.md says
how to create the registration, trust the app's identity, assign roles and turn sign-in on."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from shared.http.auth import ADMIN, CONTRIBUTOR, READER

ROOT = Path(__file__).resolve().parents[2]
ALL_CLIENTS = "Reports.AllClients"


def roles() -> list[dict]:
    return json.loads((ROOT / "infra" / "app-roles.json").read_text())


def test_the_four_app_roles_with_fixed_ids_and_descriptions():
    found = roles()
    assert [r["value"] for r in found] == [READER, CONTRIBUTOR, ADMIN, ALL_CLIENTS]
    ids = [str(uuid.UUID(r["id"])) for r in found]  # fixed: updating the roles keeps assignments
    assert len(set(ids)) == 4 and ids == [r["id"] for r in found]
    for role in found:
        assert role["isEnabled"] is True
        assert "User" in role["allowedMemberTypes"]
        assert role["displayName"] and len(role["description"]) > 40
        assert set(role) == {"id", "value", "displayName", "description", "allowedMemberTypes",
                             "isEnabled"}


def test_deploy_docs_walk_through_the_registration_roles_and_sign_in():
    text = (ROOT / "docs" / "deploy.md").read_text()
    for needed in (
            "az ad app create", "--enable-id-token-issuance true", "/.auth/login/aad/callback",
            "--app-roles @infra/app-roles.json", "az ad sp create",
            "az ad app federated-credential create", "api://AzureADTokenExchange",
            "AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID", "appRoleAssignedTo",
            "azd env set AUTH_CLIENT_ID", "AllowAnonymous",
            "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET",
            "WEBSITE_AUTH_ENABLED", "/runtime/webhooks/durabletask", "clientIds"):
        assert needed in text, needed
    for role in roles():
        assert f"`{role['value']}`" in text
