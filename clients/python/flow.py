"""A frontend's day with the Leads API through the client openapi-python-client generates.

Run as `python flow.py BASE_URL` with the generated `leads_api_client` importable; mypy
--strict checks it against the generated types first (tests/test_clients.py does both).
Every documented answer, errors included, must arrive as its typed model: anything else
(an `UnexpectedStatus`, a `None`, a plain dict) fails the run.
"""

from __future__ import annotations

import datetime
import sys
from typing import TypeVar

from leads_api_client import AuthenticatedClient
from leads_api_client.api.leads import create_lead, delete_lead, get_lead, list_leads, update_lead
from leads_api_client.models import (
    DeleteEnvelope,
    LeadCreate,
    LeadEnvelope,
    LeadListEnvelope,
    LeadNotFoundError,
    LeadStatus,
    LeadUpdate,
    Metadata,
    StatusFilter,
    UnauthorizedError,
    ValidationErrorBody,
)

KEY = "sk-workspace_your_api_key"
Model = TypeVar("Model")


def expect(parsed: object, model: type[Model]) -> Model:
    """The parsed answer, which must be an instance of `model`."""
    if not isinstance(parsed, model):
        raise AssertionError(f"expected {model.__name__}, got {type(parsed).__name__}: {parsed!r}")
    return parsed


def report(step: str, *facts: object) -> None:
    print(step, *facts, flush=True)


def main(base_url: str) -> None:
    with AuthenticatedClient(base_url=base_url, token=KEY, raise_on_unexpected_status=True) as api:
        # The minimal create; then one with metadata.
        answer = create_lead.sync_detailed(client=api, body=LeadCreate(name="Ada Lovelace", email="ada@example.com"))
        ada = expect(answer.parsed, LeadEnvelope).data
        created: datetime.datetime = ada.created_at  # format: date-time arrives as a datetime
        workspace: str = ada.workspace_id
        assert ada.status is LeadStatus.NEW and ada.metadata.additional_properties == {}
        report("created", answer.status_code.value, ada.id, workspace, ada.status.value, created.tzinfo is not None)

        metadata = Metadata.from_dict({"plan": "pro", "seats": 5, "interest": "premium_plan"})
        body = LeadCreate(name="Grace Hopper", email="grace@example.com", source="website", status=LeadStatus.QUALIFIED, metadata=metadata)
        answer = create_lead.sync_detailed(client=api, body=body)
        grace = expect(answer.parsed, LeadEnvelope).data
        report("created-with-metadata", answer.status_code.value, grace.id, grace.metadata["plan"], grace.source)

        # List with a status filter; get one.
        listed = list_leads.sync_detailed(client=api, status=StatusFilter.QUALIFIED, limit=5)
        page = expect(listed.parsed, LeadListEnvelope).data
        assert all(lead.status is LeadStatus.QUALIFIED for lead in page.leads)
        report("listed", listed.status_code.value, len(page.leads), page.pagination.total, page.pagination.has_next)

        got = get_lead.sync_detailed(grace.id, client=api)
        lead = expect(got.parsed, LeadEnvelope).data
        report("got", got.status_code.value, lead.name, lead.workspace_id)

        # A partial update: a merge patch whose null removes a key, and null clearing the phone.
        patch = Metadata.from_dict({"interest": None, "callback": "monday"})
        changes = LeadUpdate(status=LeadStatus.CONTACTED, phone=None, metadata=patch)
        updated = update_lead.sync_detailed(grace.id, client=api, body=changes)
        after = expect(updated.parsed, LeadEnvelope).data
        merged = after.metadata.additional_properties
        assert merged == {"plan": "pro", "seats": 5, "callback": "monday"}, merged
        assert after.phone is None and after.updated_at > grace.updated_at
        report("updated", updated.status_code.value, after.status.value, ",".join(sorted(merged)))

        # Delete; then the documented 404, a typed LeadNotFoundError.
        deleted = delete_lead.sync_detailed(grace.id, client=api)
        gone = expect(deleted.parsed, DeleteEnvelope)
        report("deleted", deleted.status_code.value, gone.message, gone.data.id)

        missing = get_lead.sync_detailed(grace.id, client=api)
        not_found = expect(missing.parsed, LeadNotFoundError)
        report("not-found", missing.status_code.value, not_found.code, not_found.details.lead_id, not_found.details.message)

        # A refused create (400) names its field.
        refused = create_lead.sync_detailed(client=api, body=LeadCreate(name="No Email", email="not-an-email"))
        invalid = expect(refused.parsed, ValidationErrorBody)
        report("invalid", refused.status_code.value, invalid.code, ",".join(error.field for error in invalid.details.errors))

        delete_lead.sync_detailed(ada.id, client=api)

    # An unknown key (401).
    with AuthenticatedClient(base_url=base_url, token="sk-not-a-key", raise_on_unexpected_status=True) as stranger:
        answer_401 = list_leads.sync_detailed(client=stranger)
        unauthorized = expect(answer_401.parsed, UnauthorizedError)
        report("unauthorized", answer_401.status_code.value, unauthorized.code, answer_401.headers.get("WWW-Authenticate"))


if __name__ == "__main__":
    main(sys.argv[1])
