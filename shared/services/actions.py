"""A client's tracked actions: listing them against its latest report, changing one, and
applying a workbook the client edited (every cell checked before anything is written).

The actions listed are those of the client's latest completed report that is not marked "not
for comparison" (its action plan, all categories), each with its stored state, then the
tracked actions that report no longer holds (resolved by the data, whatever their status).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.advisor.tracking import (
    FIELDS,
    FIRST_DUE_DATE,
    HEADERS,
    STATUS_LABELS,
    action_key,
    is_key,
    is_overdue,
    state_of,
)
from shared.http import dates
from shared.http.action_workbook import Problem, TrackedWorkbook, problems_error
from shared.http.errors import ApiError, invalid, not_found
from shared.services.reports import action_plan_of
from shared.storage import actions as store
from shared.storage.context import Storage
from shared.storage.reports import creation_order, is_comparable, is_deleted, now_iso
from shared.storage.tables import odata_quote


def latest_report(storage: Storage, client_id: str) -> dict[str, Any] | None:
    """The client's latest completed report fit for comparison (its plan is the client's)."""
    done = [r for r in storage.reports.list(f"PartitionKey eq {odata_quote(client_id)}")
            if not is_deleted(r) and r.get("status") == "completed" and r.get("totals")
            and is_comparable(r)]
    return max(done, key=creation_order, default=None)


def _plan(storage: Storage, report: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {a["key"]: a for a in _keyed(action_plan_of(storage, report))} if report else {}


def _keyed(plan: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Plans stored before actions had keys get them (the same function made them)."""
    return [a if "key" in a else {**a, "key": action_key(a["category"], a["recommendation"])}
            for a in plan]


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def view(client_id: str, key: str, action: dict[str, Any] | None,
         stored: dict[str, Any] | None, report_id: str | None) -> dict[str, Any]:
    """An action as the API shows it: what the plan says of it (when the latest report holds
    it), its state, and who changed it last."""
    state = state_of(stored)
    stored = stored or {}
    return {
        "actionKey": key, "clientId": client_id,
        "category": (action or stored).get("category", ""),
        "recommendation": (action or stored).get("recommendation", ""),
        "impact": (action or {}).get("impact"), "findings": (action or {}).get("findings", 0),
        "resources": (action or {}).get("resources", 0),
        "inLatestReport": action is not None, "latestReportId": report_id,
        "owner": state["owner"] or None, "status": state["status"],
        "statusLabel": STATUS_LABELS[state["status"]], "dueDate": state["dueDate"] or None,
        "comment": state["comment"] or None, "overdue": is_overdue(state, _today()),
        "tracked": bool(stored), "updatedBy": stored.get("updatedBy") or None,
        "updatedAt": stored.get("updatedAt") or None,
        "statusChangedAt": stored.get("statusChangedAt") or None,
    }


def list_actions(storage: Storage, client_id: str,
                 statuses: list[str] | None = None) -> list[dict[str, Any]]:
    """The latest report's actions in plan order, then the tracked ones it no longer holds."""
    report = latest_report(storage, client_id)
    plan = _plan(storage, report)
    states = store.states_of(storage, client_id)
    report_id = report["reportId"] if report else None
    views = [view(client_id, key, action, states.get(key), report_id)
             for key, action in plan.items()]
    views += sorted((view(client_id, key, None, state, report_id)
                     for key, state in states.items() if key not in plan),
                    key=lambda v: (v["category"], v["recommendation"].casefold()))
    return [v for v in views if not statuses or v["status"] in statuses]


def get(storage: Storage, client_id: str, key: str) -> dict[str, Any]:
    found = next((v for v in list_actions(storage, client_id) if v["actionKey"] == key), None)
    if found is None:
        raise _unknown(client_id, key)
    return found


def _unknown(client_id: str, key: str) -> ApiError:
    return not_found(f"Action '{key}' of client '{client_id}' (not in its latest report's "
                     "action plan, and never tracked)", "actionKey")


def _fields(body: dict[str, Any]) -> dict[str, str]:
    """The tracked fields a PATCH body sets ("" clears; a due date is a date)."""
    fields = {}
    for name in ("owner", "comment"):
        if name in body:
            fields[name] = (body[name] or "").strip()
    if "status" in body:
        fields["status"] = body["status"]
    if "dueDate" in body:
        due = dates.parse_optional(body["dueDate"], "dueDate")
        fields["dueDate"] = due.date().isoformat() if due else ""
        if fields["dueDate"] and fields["dueDate"] < FIRST_DUE_DATE:
            raise invalid([{"code": "InvalidValue", "target": "dueDate", "message":
                            f"dueDate must be {FIRST_DUE_DATE} or later (a workbook has no "
                            "earlier date)."}])
    return fields


def _row(key: str, action: dict[str, Any] | None, stored: dict[str, Any] | None,
         fields: dict[str, str], actor: str, now: str) -> dict[str, Any]:
    """The merge that records `fields` (the ones that change) with who and when."""
    row = {"key": key, **fields, "updatedBy": actor, "updatedAt": now}
    if "status" in fields:
        row["statusChangedAt"] = now
    if action is not None:  # the text as last seen, to list the action once it is resolved
        row.update(category=action["category"], recommendation=action["recommendation"])
    if not stored:
        row["createdAt"] = now
    return row


def _changed(stored: dict[str, Any] | None, fields: dict[str, str]) -> dict[str, str]:
    state = state_of(stored)
    return {k: v for k, v in fields.items() if state[k] != v}


def update(storage: Storage, client_id: str, key: str, body: dict[str, Any],
           actor: str) -> dict[str, Any]:
    """Set some of an action's owner, status, due date and comment."""
    if not is_key(key):
        raise not_found(f"Action '{key[:40]}' of client '{client_id}'", "actionKey")
    plan = _plan(storage, latest_report(storage, client_id))
    stored = store.states_of(storage, client_id).get(key)
    if key not in plan and stored is None:
        raise _unknown(client_id, key)
    changed = _changed(stored, _fields(body))
    if changed:
        store.write(storage, client_id, [_row(key, plan.get(key), stored, changed, actor,
                                              now_iso())])
    return get(storage, client_id, key)


# -- a workbook the client edited ---------------------------------------------------------------


def apply_workbook(storage: Storage, client_id: str, workbook: TrackedWorkbook,
                   actor: str) -> dict[str, Any]:
    """Apply the cells the client changed. Every row is checked first (its key known, its
    cells read by TrackedWorkbook); one problem and nothing is written. A cell counts as
    changed when it differs from what the workbook was pre-filled with (its hidden sheet), so
    an older workbook does not undo what was changed since it was made; then it is written
    when it differs from what is stored."""
    if workbook.client_id != client_id:
        raise ApiError(400, "OtherClient", f"{workbook.file_name} was made for client "
                       f"'{workbook.client_id}', not '{client_id}': upload it to that client, "
                       "or download this client's workbook.", target="file")
    latest = latest_report(storage, client_id)
    known = _plan(storage, latest)
    # A workbook of an older report: its actions are known too (the latest's are read).
    made_from = storage.reports.get(client_id, workbook.report_id) \
        if workbook.report_id not in ("", (latest or {}).get("reportId")) else None
    if made_from is not None and not is_deleted(made_from) and made_from.get("totals"):
        known = {**_plan(storage, made_from), **known}
    states = store.states_of(storage, client_id)
    problems: list[Problem] = list(workbook.problems)
    for row in workbook.rows:
        if row.key not in known and row.key not in states:
            problems.append(row.problem("key", "UnknownAction", f"the key {row.key!r} is no "
                                        "action of this client's reports: rows added by hand "
                                        "or copied from another workbook cannot be matched"))
    if problems:
        raise problems_error(workbook.file_name, problems)
    now = now_iso()
    writes, changes = [], []
    for row in workbook.rows:
        edited = {k: v for k, v in row.values.items()
                  if row.key not in workbook.prefilled
                  or workbook.prefilled[row.key].get(k, "") != v}
        changed = _changed(states.get(row.key), edited)
        if not changed:
            continue
        action = known.get(row.key) or states.get(row.key)
        writes.append(_row(row.key, known.get(row.key), states.get(row.key), changed, actor,
                           now))
        before = state_of(states.get(row.key))
        changes += [{"actionKey": row.key, "recommendation": action.get("recommendation", ""),
                     "row": row.number, "field": name, "column": HEADERS[name],
                     "from": before[name] or None, "to": value or None}
                    for name, value in changed.items() if name in FIELDS]
    store.write(storage, client_id, writes)
    return {"clientId": client_id, "fileName": workbook.file_name,
            "reportId": workbook.report_id or None, "rows": len(workbook.rows),
            "actionsChanged": len(writes), "changes": changes}
