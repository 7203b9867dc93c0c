"""A client's tracked actions on its page: each action's owner, status, due date and comment
set in a small form, or many at once from the workbook the client edited."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

from web.app import Page, WebError, redirect, site

FIELDS = ("owner", "status", "dueDate", "comment")


@site.page("clients/{clientId}/actions/{actionKey}", methods=("POST",))
async def set_action(page: Page) -> func.HttpResponse:
    """The form sends every field: an empty one clears it (the status cannot be empty)."""
    form = page.form
    body: dict[str, Any] = {name: form[name].strip() or None for name in FIELDS
                            if name in form}
    if not body.get("status"):
        body.pop("status", None)
    if not body:
        raise WebError(400, "Check what you sent", "The form sent none of owner, status, due "
                       "date or comment.")
    answer = await page.api("PATCH", "clients/{clientId}/actions/{actionKey}", page.route,
                            body=json.dumps(body).encode(), content_type="application/json")
    if not answer.ok:
        raise WebError.from_answer(answer, "Saving the action")
    return redirect(f"/clients/{page.route['clientId']}", notice="action-saved")


@site.page("clients/{clientId}/actions", methods=("POST",))
async def import_actions(page: Page) -> func.HttpResponse:
    """The workbook goes to the API's import as it came (multipart, field "file")."""
    answer = await page.api("PUT", "clients/{clientId}/actions", page.route,
                            body=page.req.get_body(),
                            content_type=page.req.headers.get("Content-Type"))
    if not answer.ok:
        raise WebError.from_answer(answer, "Applying the workbook")
    changed = answer.json()["actionsChanged"]
    return redirect(f"/clients/{page.route['clientId']}",
                    notice="actions-imported" if changed else "actions-unchanged")
