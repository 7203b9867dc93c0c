"""JSON schemas of the API's bodies, for request checks and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from shared.advisor.tracking import MAX_COMMENT, MAX_OWNER, STATUSES
from shared.storage.layout import APPENDIX_CHOICES, FORMATS, REPORT_TYPES


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def page(item: str) -> dict[str, Any]:
    return {"type": "object", "required": ["count", "page", "pageSize", "results"],
            "properties": {
                "count": {"type": "integer"}, "page": {"type": "integer"},
                "pageSize": {"type": "integer"},
                "next": {"type": ["string", "null"]}, "previous": {"type": ["string", "null"]},
                "results": {"type": "array", "items": ref(item)},
                "filtersApplied": {"type": "object"},
            }}


NULLABLE_STRING = {"type": ["string", "null"]}
BINARY_FILE = {"x-content-type": "application/octet-stream", "type": "string", "format": "binary"}
MONEY_BY_CURRENCY = {"type": "object", "additionalProperties": {"type": "number"}}
MESSAGE = {"type": "object", "properties": {
    "code": {"type": "string"}, "message": {"type": "string"},
    "line": {"type": "integer"}, "column": {"type": "string"},
    "count": {"type": "integer"}, "lines": {"type": "array", "items": {"type": "integer"}}}}

SCHEMAS: dict[str, dict[str, Any]] = {
    "CheckStatus": {
        "type": "object",
        "required": ["id", "statusQueryGetUri", "reportId", "reportUrl"],
        "properties": {k: {"type": "string"} for k in (
            "id", "statusQueryGetUri", "sendEventPostUri", "terminatePostUri",
            "purgeHistoryDeleteUri", "restartPostUri", "suspendPostUri", "resumePostUri",
            "rewindPostUri", "reportId", "reportUrl")},
    },
    "OrchestrationStatus": {
        "type": "object",
        "required": ["instanceId", "runtimeStatus"],
        "properties": {
            "name": {"type": "string"}, "instanceId": {"type": "string"},
            "runtimeStatus": {"type": "string", "enum": [
                "Pending", "Running", "Completed", "ContinuedAsNew", "Failed", "Canceled",
                "Terminated", "Suspended"]},
            "customStatus": {}, "output": {},
            "createdTime": NULLABLE_STRING, "lastUpdatedTime": NULLABLE_STRING},
    },
    "Artifact": {"type": "object", "properties": {
        "reportType": {"type": "string", "enum": list(REPORT_TYPES)},
        "format": {"type": "string", "enum": list(FORMATS)},
        "contentType": {"type": "string"}, "size": {"type": "integer"},
        "url": {"type": "string"}}},
    "Report": {
        "type": "object",
        "required": ["reportId", "clientId", "status", "stage", "progress", "counts"],
        "properties": {
            "reportId": {"type": "string"}, "clientId": {"type": "string"},
            "title": {"type": "string"}, "fileName": {"type": "string"},
            "source": {"type": "string", "description": "api (an upload), blob (a dropped "
                                                        "file) or azure (an import)"},
            "imported": {"oneOf": [ref("ImportSource"), {"type": "null"}]},
            "status": {"type": "string",
                       "enum": ["queued", "processing", "completed", "failed"]},
            "stage": {"type": "string"},
            "progress": {"type": "object", "properties": {
                k: {"type": "integer"} for k in ("percent", "rowsTotal", "rowsStored",
                                                  "artifactsDone", "artifactsTotal")}},
            "counts": {"type": "object", "properties": {
                k: {"type": "integer"} for k in ("rowsTotal", "rowsAccepted", "rowsRejected",
                                                  "duplicates")}},
            "reportTypes": {"type": "array", "items": {"type": "string"}},
            "formats": {"type": "array", "items": {"type": "string"}},
            "warnings": {"type": "array", "items": MESSAGE},
            "errors": {"type": "array", "items": MESSAGE},
            "artifacts": {"type": "array", "items": ref("Artifact")},
            "attempts": {"type": "integer"},
            "failureReason": {"type": "string"},
            "exportDate": NULLABLE_STRING, "baselineReportId": NULLABLE_STRING,
            "comparable": {"type": "boolean"},
            "baseline": {"type": ["object", "null"]},
            "changeCounts": {"type": ["object", "null"]},
            "excludedRows": {"type": "integer"}, "notes": {"type": "string"},
            "exclusionRules": {"type": "array", "items": {"type": "object"}},
            "timings": {"type": "object", "properties": {
                "createdAt": NULLABLE_STRING, "startedAt": NULLABLE_STRING,
                "completedAt": NULLABLE_STRING, "retriedAt": NULLABLE_STRING,
                "durationSeconds": {"type": ["number", "null"]}}},
            "links": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "ReportPage": page("Report"),
    "ImportSource": {
        "type": "object", "required": ["trigger", "subscriptionIds", "subscriptions"],
        "properties": {
            "trigger": {"enum": ["api", "schedule"]},
            "subscriptionIds": {"type": "array", "items": {"type": "string"}},
            "fetchedAt": NULLABLE_STRING, "endpoint": NULLABLE_STRING,
            "subscriptions": {"type": "array", "items": {
                "type": "object", "required": ["subscriptionId"],
                "properties": {"subscriptionId": {"type": "string"}, "name": {"type": "string"},
                               "recommendations": {"type": ["integer", "null"]},
                               "error": {"type": "string"}, "code": {"type": "string"}}}}}},
    "Recommendation": {
        "type": "object", "required": ["line", "recommendation"],
        "properties": {
            "line": {"type": "integer"}, "recommendation": {"type": "string"},
            **{k: {"type": "string"} for k in (
                "category", "impact", "subscriptionId", "subscriptionName", "resourceGroup",
                "resourceName", "resourceType", "resourceId", "updated", "potentialBenefits",
                "currency", "retirementDate", "retiringFeature", "descriptionOfChanges",
                "solution", "recommendationTypeId", "learnMoreLink")},
            "annualSavings": {"type": ["number", "null"]},
            "extra": {"type": "object", "additionalProperties": {"type": "string"}},
            "excluded": {"type": "boolean"}, "exclusionRuleId": NULLABLE_STRING,
        },
    },
    "RecommendationPage": page("Recommendation"),
    "Statistics": {"type": "object", "required": ["totals", "byCategory", "byImpact",
                                                  "savingsCaveat"]},
    "Action": {
        "type": "object",
        "required": ["recommendation", "category", "impact", "resources", "subscriptions",
                     "resourceTypes", "savingsByCurrency", "retirementDate", "examples"],
        "properties": {
            "recommendation": {"type": "string"}, "category": {"type": "string"},
            "impact": {"type": "string"}, "findings": {"type": "integer"},
            "highImpactFindings": {"type": "integer"},
            "resources": {"type": "integer"}, "subscriptions": {"type": "integer"},
            "resourceTypes": {"type": "array", "items": {"type": "string"}},
            "savingsByCurrency": MONEY_BY_CURRENCY, "retirementDate": NULLABLE_STRING,
            "examples": {"type": "array", "maxItems": 5, "items": {"type": "object"}},
            "solution": {"type": "string", "description": "Advisor's steps to fix it, where "
                         "they say more than the recommendation (imports carry them)"},
            "learnMoreLink": {"type": "string", "description": "Microsoft's page on it (https, "
                              "Microsoft's sites only), or empty"}},
    },
    "ActionPage": page("Action"),
    "Change": {
        "type": "object",
        "required": ["change", "recommendation", "category", "impact", "resourceId",
                     "resourceName", "subscriptionId"],
        "properties": {
            "change": {"type": "string", "enum": ["new", "resolved"]},
            **{k: {"type": "string"} for k in (
                "recommendation", "category", "impact", "resourceId", "resourceName",
                "subscriptionId", "subscriptionName")},
            "annualSavings": {"type": ["number", "null"]}, "currency": NULLABLE_STRING},
    },
    "ChangesPage": {**page("Change"), "required": [
        "baseline", "counts", "byCategory", "savingsByCurrency", "count", "page",
        "pageSize", "results"]},
    "Client": {
        "type": "object", "required": ["clientId", "name"],
        "properties": {
            "clientId": {"type": "string"}, "name": {"type": "string"},
            "contacts": {"type": "array", "items": {"type": "object"}},
            "notes": {"type": "string"},
            "subscriptionIds": {"type": "array", "items": {"type": "string"}},
            "active": {"type": "boolean"},
            "accentColor": NULLABLE_STRING, "logo": {"oneOf": [ref("Logo"), {"type": "null"}]},
            "importSchedule": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                "frequency": {"type": "string"}, "day": {"type": "integer"},
                "hour": {"type": "integer"}, "since": NULLABLE_STRING,
                "nextRunAt": NULLABLE_STRING}}]},
            "createdAt": NULLABLE_STRING, "updatedAt": NULLABLE_STRING,
        },
    },
    "ClientPage": page("Client"),
    "Logo": {"type": "object", "required": ["contentType", "width", "height", "size"],
             "properties": {"contentType": {"type": "string"}, "width": {"type": "integer"},
                            "height": {"type": "integer"}, "size": {"type": "integer"},
                            "sha256": {"type": "string"}}},
    "Partner": {"type": "object", "required": ["name", "contact", "logo"], "properties": {
        "name": {"type": "string"}, "contact": {"type": "string"},
        "logo": {"oneOf": [ref("Logo"), {"type": "null"}]},
        "updatedAt": NULLABLE_STRING}},
    "Exclusion": {
        "type": "object",
        "required": ["ruleId", "clientId", "reason", "kind", "createdBy", "createdAt"],
        "properties": {
            "ruleId": {"type": "string"}, "clientId": {"type": "string"},
            **{k: NULLABLE_STRING for k in (
                "recommendation", "category", "subscriptionId", "resourceGroup", "resourceId",
                "resourceIdPrefix", "resourceType", "expiresAt")},
            "all": {"type": "boolean"}, "reason": {"type": "string"},
            "kind": {"type": "string"}, "createdBy": {"type": "string"},
            "createdAt": {"type": "string"}, "updatedAt": NULLABLE_STRING,
            "inForce": {"type": "boolean"}},
    },
    "ExclusionPage": page("Exclusion"),
    "TrackedAction": {
        "type": "object",
        "required": ["actionKey", "clientId", "category", "recommendation", "status",
                     "inLatestReport"],
        "properties": {
            "actionKey": {"type": "string"}, "clientId": {"type": "string"},
            "category": {"type": "string"}, "recommendation": {"type": "string"},
            "impact": NULLABLE_STRING, "findings": {"type": "integer"},
            "resources": {"type": "integer"}, "inLatestReport": {"type": "boolean"},
            "latestReportId": NULLABLE_STRING, "owner": NULLABLE_STRING,
            "status": {"enum": list(STATUSES)}, "statusLabel": {"type": "string"},
            "dueDate": NULLABLE_STRING, "comment": NULLABLE_STRING,
            "overdue": {"type": "boolean"}, "tracked": {"type": "boolean"},
            "updatedBy": NULLABLE_STRING, "updatedAt": NULLABLE_STRING,
            "statusChangedAt": NULLABLE_STRING}},
    "TrackedActionPage": page("TrackedAction"),
    "ActionsImported": {
        "type": "object", "required": ["clientId", "rows", "actionsChanged", "changes"],
        "properties": {
            "clientId": {"type": "string"}, "fileName": {"type": "string"},
            "reportId": NULLABLE_STRING, "rows": {"type": "integer"},
            "actionsChanged": {"type": "integer"},
            "changes": {"type": "array", "items": {"type": "object", "properties": {
                "actionKey": {"type": "string"}, "recommendation": {"type": "string"},
                "row": {"type": "integer"}, "field": {"type": "string"},
                "column": {"type": "string"}, "from": NULLABLE_STRING,
                "to": NULLABLE_STRING}}}}},
    "AuditEntry": {"type": "object", "required": ["at", "action", "actor", "outcome"],
                   "properties": {
                       "at": {"type": "string"}, "action": {"type": "string"},
                       "actor": {"type": "object", "properties": {
                           "name": {"type": "string"}, "id": NULLABLE_STRING}},
                       "targets": {"type": "object"}, "clientId": NULLABLE_STRING,
                       "requestId": NULLABLE_STRING,
                       "outcome": {"type": "string", "enum": ["succeeded", "failed"]},
                       "status": {"type": ["integer", "null"]}, "detail": NULLABLE_STRING}},
    "AuditPage": page("AuditEntry"),
    "Share": {"type": "object", "required": ["shareId", "reportId", "artifacts", "expiresAt",
                                             "downloads", "state"],
              "properties": {
                  "shareId": {"type": "string"}, "reportId": {"type": "string"},
                  "clientId": NULLABLE_STRING,
                  "artifacts": {"type": "array", "items": {"type": "object"}},
                  "createdAt": NULLABLE_STRING, "createdBy": NULLABLE_STRING,
                  "expiresAt": {"type": "string"},
                  "maxDownloads": {"type": ["integer", "null"]},
                  "downloads": {"type": "integer"}, "revokedAt": NULLABLE_STRING,
                  "state": {"enum": ["active", "revoked", "expired", "exhausted"]},
                  "url": {"type": "string"}}},
    "Portfolio": {"type": "object", "required": ["clients", "reportsByStatus", "byClient",
                                                 "recurringRecommendations", "processing"]},
    "HealthDetails": {"type": "object", "required": ["status", "checks", "instances",
                                                     "recentFailures"]},
    "BulkAccepted": {"type": "object", "required": ["id", "statusQueryGetUri", "bulkId",
                                                    "action", "count"],
                     "properties": {"id": {"type": "string"},
                                    "statusQueryGetUri": {"type": "string"},
                                    "bulkId": {"type": "string"}, "action": {"type": "string"},
                                    "count": {"type": "integer"},
                                    "missing": {"type": "array", "items": {"type": "string"}}}},
    "NewShare": {"allOf": [ref("Share"), {"required": ["url"]}]},
    "ShareList": {"type": "object", "required": ["results"],
                  "properties": {"results": {"type": "array", "items": ref("Share")}}},
    "SharedReport": {"type": "object", "required": ["title", "client", "expiresAt",
                                                    "artifacts"],
                     "properties": {"title": {"type": "string"}, "client": {"type": "string"},
                                    "exportDate": NULLABLE_STRING,
                                    "expiresAt": {"type": "string"},
                                    "downloadsLeft": {"type": ["integer", "null"]},
                                    "artifacts": {"type": "array",
                                                  "items": {"type": "object"}}}},
    "ClientStatistics": {"type": "object", "required": ["clientId", "reportCount", "trend"]},
    "Health": {"type": "object", "required": ["status", "checks"], "properties": {
        "status": {"type": "string", "enum": ["healthy", "unhealthy"]},
        "checks": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "status": {"type": "string"}, "responseTimeMs": {"type": "number"},
            "error": {"type": "string"}}}}}},
}

_CONTACT = {"type": "object", "additionalProperties": False, "required": ["name"],
            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200},
                           "email": {"type": "string", "format": "email", "maxLength": 320},
                           "role": {"type": "string", "maxLength": 100}}}
_SUBSCRIPTION_ID = {"type": "string", "pattern":
                    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                    "[0-9a-fA-F]{12}$"}
_CLIENT_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "contacts": {"type": "array", "items": _CONTACT, "maxItems": 50},
    "notes": {"type": "string", "maxLength": 4000},
    "subscriptionIds": {"type": "array", "items": _SUBSCRIPTION_ID, "maxItems": 500},
    "active": {"type": "boolean"},
    "accentColor": {"type": ["string", "null"], "pattern": "^#[0-9a-fA-F]{6}$",
                    "description": "The colour of headings, tables and charts in the client's "
                                   "reports, #rrggbb (darkened where needed to stay "
                                   "readable); null for the house blue."},
    "importSchedule": {"oneOf": [{"type": "null"}, {
        "type": "object", "additionalProperties": False,
        "required": ["frequency", "day", "hour"],
        "description": "Import the client's Advisor recommendations from Azure every month on "
                       "this day and hour (UTC), exactly once a month; null for none.",
        "properties": {"frequency": {"enum": ["monthly"]},
                       "day": {"type": "integer", "minimum": 1, "maximum": 28},
                       "hour": {"type": "integer", "minimum": 0, "maximum": 23}}}]},
}
CLIENT_CREATE = {"type": "object", "additionalProperties": False, "required": ["name"],
                 "properties": {"clientId": {"type": "string", "pattern":
                                             "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"},
                                **_CLIENT_FIELDS}}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 1000}
_EXCLUSION_FIELDS = {
    "recommendation": _TEXT, "category": {"type": "string", "minLength": 1, "maxLength": 100},
    "subscriptionId": {"type": "string", "minLength": 1, "maxLength": 100},
    "resourceGroup": {"type": "string", "minLength": 1, "maxLength": 200},
    "resourceId": _TEXT, "resourceIdPrefix": _TEXT,
    "resourceType": {"type": "string", "minLength": 1, "maxLength": 200},
    "all": {"type": "boolean"},
    "reason": {"type": "string", "minLength": 1, "maxLength": 2000},
    "kind": {"enum": ["accepted-risk", "not-applicable", "postponed"]},
    # A date means its start, UTC.
    "expiresAt": {"oneOf": [{"type": "string", "format": "date-time"},
                            {"type": "string", "format": "date"}, {"type": "null"}]},
}
_MATCHED = ("recommendation", "category", "subscriptionId", "resourceGroup", "resourceId",
            "resourceIdPrefix", "resourceType")
EXCLUSION_CREATE = {
    "type": "object", "additionalProperties": False, "required": ["reason", "kind"],
    "properties": _EXCLUSION_FIELDS,
    "allOf": [
        # A postponed finding comes back on a date.
        {"if": {"required": ["kind"], "properties": {"kind": {"const": "postponed"}}},
         "then": {"required": ["expiresAt"],
                  "properties": {"expiresAt": {"type": "string"}}}},
        # A rule names what it matches, or says it matches everything.
        {"anyOf": [{"required": ["all"], "properties": {"all": {"const": True}}},
                   *({"required": [f]} for f in _MATCHED)]},
    ],
}
EXCLUSION_PATCH = {"type": "object", "additionalProperties": False, "minProperties": 1,
                   "properties": _EXCLUSION_FIELDS}
ACTION_PATCH = {
    "type": "object", "additionalProperties": False, "minProperties": 1,
    "properties": {
        "owner": {"type": ["string", "null"], "maxLength": MAX_OWNER,
                  "description": "Who does it; null or \"\" removes the owner."},
        "status": {"enum": list(STATUSES)},
        # A date, read by shared/http/dates.py; null removes it.
        "dueDate": {"oneOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
        "comment": {"type": ["string", "null"], "maxLength": MAX_COMMENT}}}
XLSX_BODY_DOC = {"required": True, "content": {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}}}}}}
CLIENT_PATCH = {"type": "object", "additionalProperties": False, "minProperties": 1,
                "properties": _CLIENT_FIELDS}
PARTNER_PATCH = {"type": "object", "additionalProperties": False, "minProperties": 1,
                 "properties": {"name": {"type": "string", "maxLength": 200},
                                "contact": {"type": "string", "maxLength": 300}}}
LOGO_BODY_DOC = {"required": True, "content": {
    "image/png": {"schema": {"type": "string", "format": "binary"}},
    "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}
BULK_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["action"],
    "properties": {
        "action": {"enum": ["delete", "render", "retry"]},
        "reportIds": {"type": "array", "minItems": 1, "maxItems": 500, "uniqueItems": True,
                      "items": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9-]{0,99}$"}},
        "filter": {"type": "object", "additionalProperties": False, "minProperties": 1,
                   "properties": {
                       "clientId": {"type": "string",
                                    "pattern": "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"},
                       "status": {"enum": ["queued", "processing", "completed", "failed"]},
                       "createdTo": {"type": "string", "format": "date-time"}}}},
    # One or the other: ids, or a filter.
    "oneOf": [{"required": ["reportIds"]}, {"required": ["filter"]}],
}
SHARE_CREATE = {"type": "object", "additionalProperties": False, "required": ["artifacts"],
                "properties": {
                    "artifacts": {"type": "array", "minItems": 1, "maxItems": 20, "items": {
                        "type": "object", "additionalProperties": False,
                        "required": ["type", "format"],
                        "properties": {"type": {"enum": list(REPORT_TYPES)},
                                       "format": {"enum": list(FORMATS)}}}},
                    "expiresInHours": {"type": "integer", "minimum": 1, "maximum": 720,
                                       "default": 168},
                    "maxDownloads": {"type": "integer", "minimum": 1, "maximum": 100_000}}}
REPORT_ID = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9-]{0,99}$"}
NOTES = {"type": "string", "maxLength": 20_000,
         "description": "Consultant's notes for the executive summary: plain text, or "
                        "paragraphs, '- ' bullet lists and **bold**; \"\" removes them."}
REPORT_PATCH = {"type": "object", "additionalProperties": False, "minProperties": 1,
                "properties": {"title": {"type": "string", "minLength": 1, "maxLength": 200},
                               "notes": NOTES,
                               "baselineReportId": {"oneOf": [REPORT_ID, {"type": "null"}]},
                               "comparable": {
                                   "type": "boolean",
                                   "description": "false: not for comparison (an incomplete "
                                                  "export): never a later report's baseline, "
                                                  "left out of the trend and the portfolio."}}}
REPORT_TYPE_LIST = {"type": "array", "items": {"enum": list(REPORT_TYPES)}, "minItems": 1,
                    "uniqueItems": True}
FORMAT_LIST = {"type": "array", "items": {"enum": list(FORMATS)}, "minItems": 1,
               "uniqueItems": True}
RENDER_REQUEST = {"type": ["object", "null"], "additionalProperties": False, "properties": {
    # The report to compare with from now on (null: the client's latest before it).
    "baselineReportId": {"oneOf": [REPORT_ID, {"type": "null"}]},
    "reportTypes": REPORT_TYPE_LIST, "formats": FORMAT_LIST,
    # The specialist PDFs' appendix of every row: all, the first ones (the default), none.
    "appendix": {"enum": list(APPENDIX_CHOICES)}}}
IMPORT_REQUEST = {"type": ["object", "null"], "additionalProperties": False, "properties": {
    "title": {"type": "string", "maxLength": 200},
    "reportTypes": REPORT_TYPE_LIST, "formats": FORMAT_LIST,
    "baselineReportId": REPORT_ID, "notes": NOTES}}
UPLOAD_BODY_DOC = {"required": True, "content": {
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "contentMediaType": "text/csv"},
                       "clientId": {"type": "string"}, "title": {"type": "string"},
                       "reportTypes": {"type": "string"}, "formats": {"type": "string"},
                       "baselineReportId": {"type": "string"},
                       "appendix": {"enum": list(APPENDIX_CHOICES), "description":
                                    "The specialist PDFs' appendix of every row: all, the "
                                    "first ones (default: top) or none."},
                       "clientName": {"type": "string", "maxLength": 200,
                                      "description": "The client's name when the upload "
                                                     "creates the client."},
                       "notes": {"type": "string", "maxLength": 20_000, "description":
                                 "Consultant's notes for the executive summary: plain text, "
                                 "or paragraphs, '- ' bullet lists and **bold**."}}}},
    "text/csv": {"schema": {"type": "string"}},
}}
