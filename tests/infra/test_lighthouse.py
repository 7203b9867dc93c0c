"""The Lighthouse registration a client deploys: Reader only, on its subscription, to the
partner's app identity, with names that make a second deployment an update."""

from __future__ import annotations

from tests.infra.test_bicep import INFRA, config, flat, parse

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
TEMPLATE = "lighthouse/lighthouse.bicep"


def test_the_registration_delegates_reader_to_the_app_identity_only():
    assert "targetScope = 'subscription'" in (INFRA / TEMPLATE).read_text()
    definition = config(TEMPLATE, "definition")
    props = definition["properties"]
    assert props["managedByTenantId"] == "managedByTenantId"
    authorizations = props["authorizations"]
    assert len(authorizations) == 1
    assert authorizations[0]["principalId"] == "principalId"
    assert authorizations[0]["roleDefinitionId"] == "readerRoleDefinitionId"
    assert parse(TEMPLATE)["variables"]["readerRoleDefinitionId"]["value"] == READER
    # A second deployment updates the registration instead of adding one: names from guid().
    assert definition["name"] == "definitionName"
    name = parse(TEMPLATE)["variables"]["definitionName"]["value"]["function"]
    assert name["type"] == "guid"
    assignment = config(TEMPLATE, "assignment")
    assert assignment["properties"]["registrationDefinitionId"]["operator"]["operands"] == {
        "operand_1": "definition", "operand_2": "id"}
    # Owner and the other write roles never appear.
    assert not {"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c"} \
        & set(map(str, flat(parse(TEMPLATE))))


def test_the_app_knows_its_identity_and_the_resource_manager_endpoint():
    settings = config("app/function.bicep", "functionApp__settings")["properties"]
    assert "AZURE_CLIENT_ID" in str(settings)
    app_settings = parse("main.bicep")["modules"]["function"]["config"]["params"]["appSettings"]
    assert "AZURE_RESOURCE_MANAGER_ENDPOINT" in app_settings
