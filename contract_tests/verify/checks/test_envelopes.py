"""Success envelopes, exactly: what create, get, list and delete answer when all goes well."""

from __future__ import annotations

from typing import Any

import pytest

from ...core.expect import DELETED_MESSAGE, TIMESTAMP, contract_view, is_lead
from ...core.rules import CREATE_ENVELOPE, DELETE_ENVELOPE, GET_ENVELOPE, LIST_ENVELOPE
from ...live.api import Api
from ..marks import rule, writes

pytestmark = writes


@rule(CREATE_ENVELOPE)
@pytest.mark.parametrize(
    "sent",
    [
        pytest.param({"phone": "+1-555-123-4567", "status": "qualified", "metadata": {"company": "Acme"}}, id="all-fields"),
        pytest.param({"phone": None, "source": None}, id="phone-and-source-null"),
        pytest.param({"name": "Zoë Ångström 日本", "status": "follow_up"}, id="unicode-name"),
        pytest.param({"name": " padded  name "}, id="name-not-trimmed"),
        pytest.param({"name": "x" * 200}, id="name-200-code-points"),
        pytest.param({"metadata": {"tags": ["a", 1, None], "nested": {"deep": {"x": 1.5}}}}, id="metadata-as-sent"),
    ],
)
def test_create_answers_201_with_the_lead_as_sent(api: Api, sent: dict[str, Any]) -> None:
    body = api.fields(**sent)
    reply = api.send("POST", json=body)
    assert reply.status == 201
    assert reply.body["success"] is True
    lead = reply.data
    assert is_lead(lead), lead
    assert {name: lead[name] for name in body} == body
    assert str(lead["workspaceId"]).startswith("ws_")


@rule(CREATE_ENVELOPE)
def test_create_fills_the_documented_defaults(api: Api) -> None:
    token = api.token()
    # Only the required fields, so unmarked in source and metadata: removed again at once.
    reply = api.send("POST", json={"name": f"Leadkit Test {token}", "email": f"{token}@example.com"})
    assert reply.status == 201
    lead = reply.data
    assert {name: lead.get(name, "<absent>") for name in ("phone", "source", "status", "metadata")} == {
        "phone": None,
        "source": None,
        "status": "new",
        "metadata": {},
    }
    api.delete(lead["id"])


@rule(GET_ENVELOPE)
def test_get_answers_200_with_the_stored_lead(api: Api) -> None:
    created = api.create_lead(phone="+44 20 7946 0000", metadata={"budget": 50000})
    reply = api.get(created["id"])
    assert reply.status == 200
    assert reply.body["success"] is True
    assert contract_view(reply.data) == contract_view(created)
    assert reply.data["workspaceId"] == created["workspaceId"]


@rule(LIST_ENVELOPE)
def test_list_answers_200_with_leads_and_pagination(api: Api) -> None:
    word, (created,) = api.create_group({"status": "contacted"})
    reply = api.list(search=word)
    assert reply.status == 200
    assert reply.body["success"] is True
    assert [contract_view(lead) for lead in reply.data["leads"]] == [contract_view(created)]
    pagination = reply.data["pagination"]
    assert {name: pagination[name] for name in ("page", "limit", "total", "totalPages", "hasNext", "hasPrev")} == {
        "page": 1,
        "limit": 10,
        "total": 1,
        "totalPages": 1,
        "hasNext": False,
        "hasPrev": False,
    }


@rule(DELETE_ENVELOPE)
def test_delete_answers_the_seed_envelope(api: Api) -> None:
    lead = api.create_lead()
    reply = api.delete(lead["id"])
    assert reply.status == 200
    body = reply.body
    assert (body["success"], body["message"], body["data"]["id"]) == (True, DELETED_MESSAGE, lead["id"])
    assert TIMESTAMP.fullmatch(body["data"]["deletedAt"]), body["data"]
    assert body["data"]["deletedAt"] >= lead["updatedAt"]
