"""Fields the server owns, and fields the contract lacks: each alone in a create or beside a good change in an update, a 400 that changes nothing.

A server that lets `workspaceId` through an update moves the lead to another tenant; one that
takes `id` renames it under everyone who holds the old one. Each field is tried on its own, so a
server that refuses some read-only fields cannot pass for the others.
"""

from __future__ import annotations

import secrets
from typing import Any, Callable

import pytest

from ...core.expect import contract_view, is_error, names_field
from ...core.rules import READ_ONLY_REFUSED
from ...live.api import Api
from ..marks import rule, writes

pytestmark = writes

# Each read-only field with a value a careless server would take; and an unknown field.
FIELDS: dict[str, Callable[[], str]] = {
    "id": lambda: "lead_" + secrets.token_hex(8),
    "createdAt": lambda: "2020-01-01T00:00:00.000Z",
    "updatedAt": lambda: "2020-01-01T00:00:00.000Z",
    "workspaceId": lambda: "ws_leadkit_elsewhere",
    "leadkitUnknown": lambda: "an unknown field",
}


@rule(READ_ONLY_REFUSED)
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_read_only_or_unknown_field_in_an_update_is_400_and_changes_nothing(api: Api, field: str) -> None:
    lead = api.create_lead()
    with api.subject():
        reply = api.update(lead["id"], {"status": "lost", field: FIELDS[field]()})
    assert reply.status == 400, f"PUT with {field} answered {reply.status}: {reply.body}"
    assert is_error(reply.body, "VALIDATION_ERROR") and names_field(reply.error_fields, field), reply.body
    after = api.get(lead["id"])  # by the same key: a lead moved to another workspace is gone from this one
    assert after.status == 200, f"after a refused PUT with {field}, GET of the lead answered {after.status}"
    assert contract_view(after.data) == contract_view(lead), f"a refused PUT with {field} changed the lead"
    assert after.data.get("workspaceId") == lead.get("workspaceId"), after.data


@rule(READ_ONLY_REFUSED)
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_read_only_or_unknown_field_in_a_create_is_400_and_makes_nothing(api: Api, field: str) -> None:
    body: dict[str, Any] = api.fields()
    word = body["email"].partition("@")[0]  # the token: no other lead holds it
    body[field] = FIELDS[field]()
    with api.subject():
        reply = api.send("POST", json=body)
    assert reply.status == 400, f"POST with {field} answered {reply.status}: {reply.body}"
    assert is_error(reply.body, "VALIDATION_ERROR") and names_field(reply.error_fields, field), reply.body
    assert api.list(search=word).data["pagination"]["total"] == 0, f"a refused POST with {field} made a lead"
