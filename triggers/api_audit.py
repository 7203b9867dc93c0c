"""HTTP API: the audit log (who changed what, when, and how it ended)."""

from __future__ import annotations

from shared.http.api import Call, Param, Reply
from shared.http.auth import ADMIN
from shared.http.paging import page_of
from shared.http.schemas import ref
from shared.services import audit
from shared.storage.context import get_storage
from triggers.api_registry import api


@api.operation(
    "GET", "audit", operation_id="listAudit", role=ADMIN, tag="Audit", paged=True,
    summary="The audit log, newest first: every state change with its actor, targets, request "
            "id and outcome",
    query=(Param("clientId"), Param("actor", description="Text in the actor's name, or its "
                                                         "object id."),
           Param("action", description="An operation id, e.g. deleteReport, or blobDrop."),
           Param("from", "date-time"), Param("to", "date-time")),
    responses={200: ("A page of entries", ref("AuditPage"))})
def list_audit(call: Call) -> Reply:
    q = call.query
    rows = audit.query(get_storage(), client_ids=call.principal.client_ids,
                       client_id=q.get("clientId"), actor=q.get("actor"),
                       action=q.get("action"), start=q.get("from"), end=q.get("to"))
    filters = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in q.items()
               if k not in ("page", "pageSize")}
    return Reply(200, page_of(rows, page=q["page"], page_size=q["pageSize"], url=call.url,
                              query=call.req.params, filters=filters))
