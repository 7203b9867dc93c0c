"""Creating, changing and deleting a client's exclusion rules (checked as the API needs)."""

from __future__ import annotations

import secrets
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import UpdateMode

from shared.advisor.exclusions import MATCH_FIELDS, MAX_RULES, pattern_problems, rule_problems
from shared.http import dates
from shared.http.errors import ApiError, invalid, not_found
from shared.storage import caps
from shared.storage.context import Storage
from shared.storage.exclusions import rules_of, view
from shared.storage.reports import iso, now_iso

__all__ = ["create", "delete", "get", "rules_of", "update"]
FIELDS = (*MATCH_FIELDS, "all", "reason", "kind", "expiresAt")


def _iso(value: str | None) -> str:
    """An expiry as stored ("" for none); a date alone means its start, UTC."""
    moment = dates.parse_optional(value, "expiresAt")
    return iso(moment) if moment else ""


def _checked(rule: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The rule as it would be stored is sound, and the texts given are no patterns (a rule
    stored before they were refused may be changed in its other fields)."""
    problems = pattern_problems(given) + rule_problems(rule)
    if problems:
        raise invalid(problems)
    return rule


def _entity(client_id: str, rule_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"PartitionKey": client_id, "RowKey": rule_id,
            **{k: ("" if v is None else v) for k, v in fields.items()}}


def create(storage: Storage, client_id: str, body: dict[str, Any],
           actor: str) -> dict[str, Any]:
    fields = {k: body[k] for k in FIELDS if k in body}
    if "expiresAt" in fields:
        fields["expiresAt"] = _iso(fields["expiresAt"])
    _checked(fields, fields)
    rule_id = "ex-" + secrets.token_hex(6)
    created = now_iso()
    entity = _entity(client_id, rule_id, {**fields, "createdBy": actor, "createdAt": created,
                                          "updatedAt": created})
    # The cap holds under concurrent creates: the client's rule counter moves with the rule.
    try:
        added = caps.add(storage.exclusions, entity, MAX_RULES,
                         lambda: len(rules_of(storage, client_id)))
    except caps.Contended:
        raise ApiError(409, "Busy", f"Client '{client_id}' is getting many rules at once; try "
                       "again.", target="clientId") from None
    if not added:
        raise ApiError(409, "TooManyRules", f"Client '{client_id}' has {MAX_RULES} exclusion "
                       "rules, the most allowed: remove rules that no longer apply, or widen "
                       "one rule instead of adding many.", target="clientId")
    return view(entity)


def get(storage: Storage, client_id: str, rule_id: str) -> dict[str, Any]:
    try:
        return view(storage.exclusions.get_entity(client_id, rule_id))
    except ResourceNotFoundError:
        raise not_found(f"Exclusion rule '{rule_id}' of client '{client_id}'",
                        "ruleId") from None


def update(storage: Storage, client_id: str, rule_id: str,
           body: dict[str, Any]) -> dict[str, Any]:
    current = get(storage, client_id, rule_id)
    fields = {k: body[k] for k in FIELDS if k in body}
    if "expiresAt" in fields:
        fields["expiresAt"] = _iso(fields["expiresAt"])
    merged = {k: current.get(k) for k in FIELDS}
    merged.update(fields)
    _checked(merged, fields)
    storage.exclusions.update_entity(
        _entity(client_id, rule_id, {**fields, "updatedAt": now_iso()}), mode=UpdateMode.MERGE)
    return get(storage, client_id, rule_id)


def delete(storage: Storage, client_id: str, rule_id: str) -> None:
    def removal() -> tuple | None:
        try:
            entity = storage.exclusions.get_entity(client_id, rule_id)
        except ResourceNotFoundError:
            return None
        return ("delete", entity, {"etag": entity.metadata["etag"],
                                   "match_condition": MatchConditions.IfNotModified})

    try:
        removed = caps.change(storage.exclusions, client_id, removal)
    except caps.Contended:
        raise ApiError(409, "Busy", f"Client '{client_id}' is changing many rules at once; "
                       "try again.", target="clientId") from None
    if not removed:
        get(storage, client_id, rule_id)  # 404
