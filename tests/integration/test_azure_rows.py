"""An imported recommendation is stored as the portal's CSV line for it is (docs/azure-import.md):
the API's JSON goes through the import's mapping, the CSV line through the upload's reading,
both through validation and storing on Azurite, and the stored records are the same, down to
the solution, type id and Learn link a later CSV month borrows from what the import learnt.
The Advisor SDK's own models read the JSON here and the fake Azure's pages, so both have the
REST specification's shape."""

from __future__ import annotations

import codecs

from azure.mgmt.advisor.models import ResourceRecommendationBaseListResult

from shared.advisor import azure_rows
from shared.pipeline import steps
from shared.storage import layout
from tests.integration.test_cleanup import make_storage
from tests.support.exports import build_rows
from tests.support.fake_azure import api_recommendation

SUB = "3f2a1b4c-0000-4000-8000-000000000001"
TYPE_ID = "e10b1381-5f0a-47ff-8c7b-37bd13d7c974"
# Two recommendations as Recommendations_List (api-version 2020-01-01) returns them: the shape
# of the REST specification's example, with the extended properties of a cost recommendation.
API_PAGE = {"value": [
    {"name": "8f3b2a6c-1d2e-4f50-9a61-7b8c9d0e1f23", "type": "Microsoft.Advisor/recommendations",
     "id": f"/subscriptions/{SUB}/resourceGroups/rg-app-01/providers/Microsoft.Compute/"
           "virtualMachines/vm-00042/providers/Microsoft.Advisor/recommendations/"
           "8f3b2a6c-1d2e-4f50-9a61-7b8c9d0e1f23",
     "properties": {
         "category": "Cost", "impact": "High",
         "impactedField": "Microsoft.Compute/virtualMachines", "impactedValue": "vm-00042",
         "lastUpdated": "2026-11-14T09:41:07.3216408Z", "recommendationTypeId": TYPE_ID,
         "shortDescription": {
             "problem": "Right-size or shutdown underutilized virtual machines",
             "solution": "Right-size or shutdown underutilized virtual machines"},
         "extendedProperties": {"annualSavingsAmount": "5332.16", "savingsAmount": "444.35",
                                "savingsCurrency": "USD"},
         "resourceMetadata": {
             "resourceId": f"/subscriptions/{SUB}/resourceGroups/rg-app-01/providers/"
                           "Microsoft.Compute/virtualMachines/vm-00042",
             "singular": "Virtual machine", "plural": "Virtual machines"},
         "risk": "Warning", "label": "Right-size underutilized VMs",
         "learnMoreLink": "https://aka.ms/aa_lowusagerec_learnmore",
         "potentialBenefits": "Save money by right-sizing"}},
    {"name": "0b6d6d1e-3c3f-4a5e-8f7a-2b1c0d9e8f76", "type": "Microsoft.Advisor/recommendations",
     "id": f"/subscriptions/{SUB}/providers/Microsoft.Advisor/recommendations/"
           "0b6d6d1e-3c3f-4a5e-8f7a-2b1c0d9e8f76",
     "properties": {
         "category": "OperationalExcellence", "impact": "Medium",
         "impactedField": "Microsoft.Subscriptions/subscriptions", "impactedValue": SUB,
         "lastUpdated": "2026-11-02T00:10:00Z",
         "recommendationTypeId": "242639fd-cd73-4be2-8f55-70478db8d1a5",
         "shortDescription": {"problem": "Create an Azure Service Health alert",
                              "solution": "Create an Azure Service Health alert"},
         "resourceMetadata": {"resourceId": f"/subscriptions/{SUB}"},
         "learnMoreLink": "https://aka.ms/aa_servicehealthalert_learnmore",
         "potentialBenefits": "Get notified when Azure service issues affect you"}},
]}
# The same two as the portal's "Download as CSV" writes them (its 17-column layout).
PORTAL_CSV = codecs.BOM_UTF8 + (
    "Category,Business Impact,Recommendation,Subscription ID,Subscription Name,Resource Group,"
    "Resource Name,Type,Updated Date,Potential benefits,Potential Annual Cost Savings,"
    "Potential Cost Savings Currency,Potential carbon reductions,Cost implications (Preview),"
    "Description of changes,Retirement date,Retiring feature\r\n"
    f"Cost,High,Right-size or shutdown underutilized virtual machines,{SUB},"
    "Contoso Production,rg-app-01,vm-00042,Microsoft.Compute/virtualMachines,"
    '2026-11-14T09:41:07Z,"5,332 USD savings","5,332",USD,,,,,\r\n'
    f"Operational Excellence,Medium,Create an Azure Service Health alert,{SUB},"
    "Contoso Production,No resource group,Contoso Production,Subscription,"
    "2026-11-02T00:10:00Z,Get notified when Azure service issues affect you,,,,,,,\r\n"
).encode()


def _imported_csv() -> bytes:
    """The API's page as the import writes it."""
    return azure_rows.to_csv(azure_rows.export_row(r, SUB, "Contoso Production")
                             for r in API_PAGE["value"])


def _stored(storage, report_id: str, data: bytes) -> list[dict]:
    """Validate and store an export as the pipeline does; the table's entities, by line."""
    blob = layout.upload_blob_name("acme", report_id)
    storage.uploads.upload_blob(blob, data, overwrite=True)
    storage.reports.create("acme", report_id, {"status": "queued", "uploadBlob": blob,
                                               "createdAt": "2026-11-24T00:00:00Z"})
    job = {"clientId": "acme", "reportId": report_id, "uploadBlob": blob,
           "uploadContainer": storage.settings.uploads_container,
           "reportTypes": ["executive"], "formats": ["html"], "shards": 1}
    assert steps.validate(storage, job)["accepted"]
    steps.store_shard(storage, job, 0)
    rows = storage.recommendations.query(report_id, 1)
    return sorted(({k: v for k, v in e.items() if k != "PartitionKey"} for e in rows),
                  key=lambda e: e["line"])


def test_the_json_has_the_specifications_shape_as_the_advisor_sdk_reads_it():
    for page in (API_PAGE, {"value": [api_recommendation(r) for r in build_rows(40, seed=5)]}):
        models = ResourceRecommendationBaseListResult.deserialize(page).value
        assert len(models) == len(page["value"])
        for model, raw in zip(models, page["value"], strict=True):
            props = raw["properties"]
            assert model.short_description.problem == props["shortDescription"]["problem"]
            assert model.impacted_field == props["impactedField"]
            assert model.learn_more_link == props["learnMoreLink"]
            assert model.resource_metadata.resource_id == props["resourceMetadata"]["resourceId"]
            assert model.extended_properties == props.get("extendedProperties")
            assert model.last_updated is not None


def test_the_mapping_writes_the_portals_columns():
    first, second = API_PAGE["value"]
    row = dict(zip(azure_rows.HEADER, azure_rows.export_row(first, SUB, "Contoso Production"),
                   strict=True))
    assert row["Potential Annual Cost Savings"] == "5,332"  # whole units, as the portal
    assert row["Potential benefits"] == "5,332 USD savings"
    assert row["Resource Group"] == "rg-app-01" and row["Resource ID"] == ""  # built alike
    assert row["Learn more link"] == "https://aka.ms/aa_lowusagerec_learnmore"
    sub_level = dict(zip(azure_rows.HEADER, azure_rows.export_row(
        second, SUB, "Contoso Production"), strict=True))
    assert (sub_level["Type"], sub_level["Resource Name"], sub_level["Resource Group"]) == (
        "Subscription", "Contoso Production", "No resource group")


def test_an_imported_recommendation_is_stored_as_its_portal_csv_line(storage_connection,
                                                                    unique_name):
    storage = make_storage(storage_connection, unique_name)
    imported = _stored(storage, "imported", _imported_csv())
    # Uploaded after the import: the portal's line borrows what the import learnt.
    uploaded = _stored(storage, "uploaded", PORTAL_CSV)
    assert imported == uploaded
    assert imported[0]["recommendationTypeId"] == TYPE_ID
    assert imported[0]["learnMoreLink"] == "https://aka.ms/aa_lowusagerec_learnmore"
    assert imported[0]["annualSavings"] == "5332" and imported[0]["currency"] == "USD"
    assert imported[1]["resourceId"] == f"/subscriptions/{SUB}"


def test_a_csv_month_before_any_import_differs_only_by_what_the_api_adds(storage_connection,
                                                                        unique_name):
    storage = make_storage(storage_connection, unique_name)
    uploaded = _stored(storage, "first", PORTAL_CSV)
    imported = _stored(storage, "then", _imported_csv())
    added = ("recommendationTypeId", "solution", "learnMoreLink")
    assert [{k: v for k, v in e.items() if k not in added} for e in uploaded] == \
        [{k: v for k, v in e.items() if k not in added} for e in imported]
    assert all(k not in e for e in uploaded for k in added)
