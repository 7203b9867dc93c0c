"""The one declaration of the HTTP API (handlers register themselves on it)."""

from shared.http.api import Api
from shared.http.schemas import SCHEMAS

api = Api(
    "Advisor Reports API", "1.0.0",
    "Upload Azure Advisor recommendation exports, follow their processing, browse the "
    "recommendations and download HTML and PDF reports. Every call but health and this "
    "document needs a function key (x-functions-key header or code query parameter). Errors "
    "follow the Azure REST API guidelines: {\"error\": {\"code\", \"message\", \"target\", "
    "\"details\"}}, with the x-request-id header.",
)
api.schemas.update(SCHEMAS)
