"""The Bicep, parsed offline with pycep: identity everywhere, no shared keys, azd wiring."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pycep import BicepParser

from tests.support.functions import app_functions

INFRA = Path(__file__).resolve().parents[2] / "infra"
ROOT = INFRA.parent


@cache
def parse(name: str) -> dict[str, Any]:
    return BicepParser().parse(file_path=INFRA / name)


def resource(file: str, name: str) -> dict[str, Any]:
    return parse(file)["resources"][name]


def config(file: str, name: str) -> dict[str, Any]:
    found = resource(file, name)["config"]
    return found.get("config", found)  # loops keep the body one level down


def flat(tree: Any) -> list[Any]:
    """Every scalar in a parsed tree."""
    if isinstance(tree, dict):
        return [v for value in tree.values() for v in flat(value)]
    if isinstance(tree, list):
        return [v for value in tree for v in flat(value)]
    return [tree]


def find_key(tree: Any, key: str) -> list[Any]:
    if isinstance(tree, dict):
        return ([tree[key]] if key in tree else []) + [v for value in tree.values()
                                                       for v in find_key(value, key)]
    if isinstance(tree, list):
        return [v for value in tree for v in find_key(value, key)]
    return []


def test_every_template_parses():
    for path in INFRA.rglob("*.bicep"):
        assert parse(str(path.relative_to(INFRA)))["resources"] or path.name == "main.bicep"


def test_storage_has_no_shared_keys_no_public_blobs_https_and_tls12():
    props = config("app/storage.bicep", "storage")["properties"]
    assert props["allowSharedKeyAccess"] is False
    assert props["allowBlobPublicAccess"] is False
    assert props["supportsHttpsTrafficOnly"] is True
    assert props["minimumTlsVersion"] == "TLS1_2"
    assert props["defaultToOAuthAuthentication"] is True
    containers = config("app/storage.bicep", "containers")
    assert containers["properties"]["publicAccess"] == "None"
    main = parse("main.bicep")
    assert main["modules"]["storage"]["config"]["params"]["tableNames"] == [
        "Reports", "Clients", "Exclusions", "Audit", "Shares", "RateLimits",
        "Actions"]
    names = main["modules"]["storage"]["config"]["params"]["containerNames"]
    assert "uploadsContainerName" in names and "reportsContainerName" in names
    variables = main["variables"]
    assert variables["uploadsContainerName"]["value"] == "advisor-uploads"
    assert variables["reportsContainerName"]["value"] == "reports"


def test_flex_consumption_plan_and_python_311_app():
    plan = config("app/function.bicep", "plan")
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    app = config("app/function.bicep", "functionApp")
    assert app["kind"] == "functionapp,linux"
    assert app["identity"]["type"] == "UserAssigned"
    props = app["properties"]
    assert props["httpsOnly"] is True
    assert props["siteConfig"]["minTlsVersion"] == "1.2"
    assert props["siteConfig"]["ftpsState"] == "Disabled"
    flex = props["functionAppConfig"]
    assert flex["runtime"] == {"name": "python", "version": "3.11"}
    assert flex["deployment"]["storage"]["authentication"]["type"] == "UserAssignedIdentity"
    assert flex["scaleAndConcurrency"] == {"instanceMemoryMB": "instanceMemoryMB",
                                           "maximumInstanceCount": "maximumInstanceCount"}
    params = parse("main.bicep")["parameters"]
    assert {"instanceMemoryMB", "maximumInstanceCount"} <= set(params)


def test_app_settings_use_identity_based_connections_only():
    settings = config("app/function.bicep", "functionApp__settings")["properties"]
    merged = settings["function"]["parameters"]["arg_2"]
    assert merged["AzureWebJobsStorage__credential"] == "managedidentity"
    assert merged["AzureWebJobsStorage__clientId"] == "identityClientId"
    for service in ("blob", "queue", "table"):
        assert f"AzureWebJobsStorage__{service}ServiceUri" in merged
    assert "Authorization=AAD" in merged["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]
    everything = " ".join(str(v) for path in INFRA.rglob("*.bicep") for v in flat(
        parse(str(path.relative_to(INFRA)))))
    for secret in ("AccountKey", "listKeys", "DefaultEndpointsProtocol", "SharedAccessSignature"):
        assert secret not in everything
    app_settings = parse("main.bicep")["modules"]["function"]["config"]["params"]["appSettings"]
    assert app_settings["UPLOADS_CONTAINER"] == "uploadsContainerName"
    assert app_settings["TASK_HUB_NAME"] == "AdvisorReports"
    # The workers' memory (docs/scale.md), the same locally (the devhost reads the sample).
    sample = json.loads((ROOT / "local.settings.sample.json").read_text())["Values"]
    assert app_settings["MALLOC_ARENA_MAX"] == "2"
    assert sample["MALLOC_ARENA_MAX"] == "2"


def test_roles_are_the_four_data_roles_named_by_guid():
    rbac = parse("app/rbac.bicep")
    role_ids = {v["value"] for v in rbac["variables"].values() if isinstance(v.get("value"), str)}
    assert {
        "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",  # Storage Blob Data Owner
        "974c5e8b-45b9-4653-ba55-5f855dd0fb88",  # Storage Queue Data Contributor
        "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",  # Storage Table Data Contributor
        "3913510d-42f4-4e42-8a64-420c390055eb",  # Monitoring Metrics Publisher
    } <= role_ids
    assignments = [r for r in rbac["resources"].values()
                   if r["type"] == "Microsoft.Authorization/roleAssignments"]
    assert len(assignments) == 3
    for assignment in assignments:
        body = assignment["config"].get("config", assignment["config"])
        assert body["name"]["function"]["type"] == "guid"
        assert body["properties"]["principalType"] in ("ServicePrincipal", "User")


def test_telemetry_without_local_auth():
    insights = config("app/monitoring.bicep", "applicationInsights")["properties"]
    assert insights["DisableLocalAuth"] is True
    workspace = config("app/monitoring.bicep", "logAnalytics")["properties"]
    assert workspace["features"]["disableLocalAuth"] is True
    host = json.loads((ROOT / "host.json").read_text())
    assert host["telemetryMode"] == "OpenTelemetry"
    assert host["extensionBundle"]["version"] == "[4.*, 5.0.0)"


def test_event_grid_topic_and_the_subscription_made_after_deploy():
    topic = config("app/events.bicep", "topic")["properties"]
    assert topic["topicType"] == "Microsoft.Storage.StorageAccounts"
    hook = (INFRA / "hooks" / "postdeploy.sh").read_text()
    assert "--included-event-types Microsoft.Storage.BlobCreated" in hook
    assert '--subject-begins-with "/blobServices/default/containers/$container/"' in hook
    assert 'container="$UPLOADS_CONTAINER"' in hook
    assert "systemKeys.blobs_extension" in hook
    blob_triggers = [f.get_function_name() for f in app_functions()
                     if f.get_trigger().type == "blobTrigger"]
    assert blob_triggers == ["on_blob_dropped"]
    assert "functionName=Host.Functions.on_blob_dropped" in hook
    outputs = parse("main.bicep")["outputs"]
    for name in ("AZURE_FUNCTION_APP_NAME", "AZURE_RESOURCE_GROUP", "UPLOADS_CONTAINER",
                 "AZURE_EVENTGRID_SYSTEM_TOPIC_NAME", "AZURE_FUNCTION_URL"):
        assert name in outputs


def test_azure_yaml_deploys_the_function_and_runs_the_hook():
    spec = yaml.safe_load((ROOT / "azure.yaml").read_text())
    assert spec["services"]["api"] == {"project": ".", "language": "python", "host": "function"}
    assert spec["hooks"]["postdeploy"]["posix"]["run"] == "./infra/hooks/postdeploy.sh"
    tags = config("app/function.bicep", "functionApp")["tags"]
    assert "azd-service-name" in json.dumps(tags)


def test_easy_auth_is_entra_id_only_with_a_client_id_and_lets_key_callers_through():
    found = resource("app/function.bicep", "auth")
    assert (found["type"], found["api_version"]) == ("Microsoft.Web/sites/config", "2024-04-01")
    assert found["config"]["condition"] == "authEnabled"  # no client id, no resource
    enabled = parse("app/function.bicep")["variables"]["authEnabled"]["value"]
    assert enabled == {"operator": {"type": "not", "operands": {"bool_value": {
        "function": {"type": "empty", "parameters": {"item_to_test": "authClientId"}}}}}}
    body = config("app/function.bicep", "auth")
    assert body["name"] == "authsettingsV2" and body["parent"] == "functionApp"
    props = body["properties"]
    assert props["platform"]["enabled"] is True
    # Unauthenticated requests pass: function-key callers, Durable's webhooks and Event Grid's
    # blob webhook never meet a login redirect; the pages redirect by themselves.
    assert props["globalValidation"] == {"requireAuthentication": False,
                                         "unauthenticatedClientAction": "AllowAnonymous"}
    assert props["httpSettings"]["requireHttps"] is True
    assert list(props["identityProviders"]) == ["azureActiveDirectory"]
    entra = props["identityProviders"]["azureActiveDirectory"]
    assert entra["enabled"] is True
    registration = entra["registration"]
    assert registration["clientId"] == "authClientId"
    assert registration["openIdIssuer"] == (
        "${environment().authentication.loginEndpoint}${authTenantId}/v2.0")
    assert registration["clientSecretSettingName"] == "authSecretSettingName"
    assert props["login"]["tokenStore"]["enabled"] is True
    assert props["login"]["allowedExternalRedirectUrls"] == []
    # Nowhere is authentication required of every caller; the search does find the setting
    # (False, above), so an empty search cannot pass for "not required".
    found = [value for path in INFRA.rglob("*.bicep")
             for value in find_key(parse(str(path.relative_to(INFRA))), "requireAuthentication")]
    assert found and True not in found


def test_easy_auth_proves_the_app_with_its_identity_not_a_secret_by_default():
    variables = parse("app/function.bicep")["variables"]
    name = variables["authSecretSettingName"]["value"]["operator"]["operands"]
    credential = variables["authCredentialSetting"]["value"]["operator"]["operands"]
    assert name["condition"] == credential["condition"] == {
        "function": {"type": "empty", "parameters": {"item_to_test": "authClientSecret"}}}
    # No secret given: the reserved setting name makes Easy Auth sign with the managed identity.
    identity = "OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID"
    secret = "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET"
    assert name["true_value"] == identity
    assert credential["true_value"] == {identity: "identityClientId"}
    assert name["false_value"] == secret
    assert credential["false_value"] == {secret: "authClientSecret"}
    settings = config("app/function.bicep", "functionApp__settings")["properties"]
    assert settings["function"]["parameters"]["arg_3"] == "authSettings"
    params = parse("app/function.bicep")["parameters"]
    assert {"type": "secure"} in params["authClientSecret"]["decorators"]
    assert params["authClientId"]["default"] == "" and params["authClientSecret"]["default"] == ""


def test_azd_threads_the_client_id_through_to_the_function_module():
    main = parse("main.bicep")
    for name in ("authClientId", "authTenantId", "authClientSecret"):
        assert main["parameters"][name]["default"] == ""
    assert {"type": "secure"} in main["parameters"]["authClientSecret"]["decorators"]
    passed = main["modules"]["function"]["config"]["params"]
    assert passed["authClientId"] == "authClientId"
    assert passed["authClientSecret"] == "authClientSecret"
    tenant = passed["authTenantId"]["operator"]["operands"]  # empty: the subscription's tenant
    assert tenant["false_value"] == "authTenantId"
    assert tenant["true_value"]["operator"]["operands"]["operand_2"] == "tenantId"
    values = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert values["authClientId"] == {"value": "${AUTH_CLIENT_ID=}"}
    assert values["authTenantId"] == {"value": "${AUTH_TENANT_ID=}"}
    assert values["authClientSecret"] == {"value": "${AUTH_CLIENT_SECRET=}"}
    assert {"AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID", "AUTH_ENABLED"} <= set(main["outputs"])
