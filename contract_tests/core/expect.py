"""What the contract says a response holds: the seed's own words, and the formats openapi.yaml gives."""

from __future__ import annotations

import re
from typing import Any

from mock_server.spec import contract_facts

# The seed's words, exactly.
NOT_FOUND_ERROR = "Lead not found"
NOT_FOUND_MESSAGE = "No lead found with this ID in your workspace"
DELETED_MESSAGE = "Lead deleted successfully"

# Fields every lead carries (openapi.yaml ListedLead); create, get and update add workspaceId.
LEAD_FIELDS = ("id", "name", "email", "phone", "source", "status", "metadata", "createdAt", "updatedAt")


LEAD_ID = re.compile(contract_facts().lead_id_pattern)
TIMESTAMP = re.compile(contract_facts().timestamp_pattern)


def is_seed_not_found(body: Any, lead_id: str) -> bool:
    """The seed's 404 for `lead_id`: extra fields allowed, these ones exact."""
    if not isinstance(body, dict) or not isinstance(body.get("details"), dict):
        return False
    return (
        body.get("success") is False
        and body.get("error") == NOT_FOUND_ERROR
        and body.get("code") == "LEAD_NOT_FOUND"
        and body["details"].get("leadId") == lead_id
        and body["details"].get("message") == NOT_FOUND_MESSAGE
    )


def answer_shape(body: dict[str, Any]) -> tuple[Any, ...]:
    """An error minus the id asked for and the values of extra fields (a request id): what it tells a caller."""
    details = {name: value for name, value in body["details"].items() if name != "leadId"}
    return sorted(body), body["success"], body["error"], body["code"], details


def is_error(body: Any, code: str) -> bool:
    """An error envelope with this code: success false, a message, details an object."""
    return (
        isinstance(body, dict)
        and body.get("success") is False
        and body.get("code") == code
        and isinstance(body.get("error"), str)
        and bool(body["error"])
        and isinstance(body.get("details"), dict)
    )


def names_field(fields: set[str], name: str) -> bool:
    """Whether a VALIDATION_ERROR's fields name `name`, whatever path syntax the server uses."""
    return any(name in re.split(r"[./\[\]'\"]+", field) for field in fields)


def contract_view(lead: dict[str, Any]) -> dict[str, Any]:
    """The contract's fields of a lead, without any extra field a server may add."""
    return {name: lead.get(name) for name in LEAD_FIELDS}


def is_lead(lead: Any) -> bool:
    """A lead with every contract field and well-formed id and timestamps."""
    if not isinstance(lead, dict):
        return False
    for name in LEAD_FIELDS:  # a loop, not all(...): this runs for every lead a judge reads
        if name not in lead:
            return False
    lead_id, created, updated = lead["id"], lead["createdAt"], lead["updatedAt"]
    return (
        isinstance(lead_id, str)
        and bool(LEAD_ID.fullmatch(lead_id))
        and isinstance(created, str)
        and bool(TIMESTAMP.fullmatch(created))
        and isinstance(updated, str)
        and bool(TIMESTAMP.fullmatch(updated))
        and updated >= created
    )
