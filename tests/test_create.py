"""POST /api/v1/leads: what a created lead looks like, and what is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Api

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_create_returns_the_whole_lead_with_defaults(api: Api) -> None:
    response = api.create(name="Ada Lovelace", email="ada@example.com")
    assert response.status_code == 201
    body = response.json
    assert body is not None and body["success"] is True
    lead = body["data"]
    assert re.fullmatch(r"lead_[0-9a-f]{16}", lead["id"])
    assert (lead["name"], lead["email"]) == ("Ada Lovelace", "ada@example.com")
    assert (lead["phone"], lead["source"], lead["status"], lead["metadata"]) == (None, None, "new", {})
    assert TIMESTAMP.match(lead["createdAt"]) and lead["updatedAt"] == lead["createdAt"]
    assert lead["workspaceId"] == "ws_your_workspace_id"


def test_created_lead_can_be_read_back(api: Api) -> None:
    lead = api.create_lead(phone="+1-555-0100", source="webinar", status="contacted", metadata={"a": [1, {"b": None}]})
    assert api.get(lead["id"]).json["data"] == lead  # type: ignore[index]


@pytest.mark.parametrize(
    "name",
    [
        "x",  # one code point is enough
        "  padded  ",  # not trimmed
        "é" * 200,  # 200 code points, more bytes
        "😀" * 200,  # 200 astral code points
    ],
)
def test_name_is_stored_exactly_as_sent(api: Api, name: str) -> None:
    assert api.create_lead(name=name)["name"] == name


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.com"}, "name"),  # name missing
        ({"name": "A"}, "email"),  # email missing
        ({"name": "", "email": "a@example.com"}, "name"),  # empty name
        ({"name": "x" * 201, "email": "a@example.com"}, "name"),  # 201 code points
        ({"name": 5, "email": "a@example.com"}, "name"),  # wrong type
        ({"name": None, "email": "a@example.com"}, "name"),  # null name
        ({"name": "A", "email": "not-an-email"}, "email"),  # plainly invalid email
        ({"name": "A", "email": None}, "email"),  # null email
        ({"name": "A", "email": "a@example.com", "status": "won"}, "status"),  # outside the enum
        ({"name": "A", "email": "a@example.com", "status": None}, "status"),  # null status
        ({"name": "A", "email": "a@example.com", "metadata": None}, "metadata"),  # null metadata
        ({"name": "A", "email": "a@example.com", "metadata": [1]}, "metadata"),  # not an object
        ({"name": "A", "email": "a@example.com", "phone": 5551234}, "phone"),  # number, not string
        ({"name": "A", "email": "a@example.com", "id": "lead_1234567890abcdee"}, "id"),  # read-only
        ({"name": "A", "email": "a@example.com", "createdAt": "2024-01-15T10:30:00.000Z"}, "createdAt"),
        ({"name": "A", "email": "a@example.com", "workspaceId": "ws_other"}, "workspaceId"),
        ({"name": "A", "email": "a@example.com", "company": "Acme"}, "company"),  # unknown field
    ],
)
def test_invalid_create_is_400_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    before = api.list(limit=1).json["data"]["pagination"]["total"]  # type: ignore[index]
    response = api.client.post("/api/v1/leads", json=body, headers=api.headers)
    assert response.status_code == 400
    assert response.json["code"] == "VALIDATION_ERROR"  # type: ignore[index]
    assert field in {error["field"] for error in response.json["details"]["errors"]}  # type: ignore[index]
    assert api.list(limit=1).json["data"]["pagination"]["total"] == before  # type: ignore[index]


@pytest.mark.parametrize(("phone", "source"), [(None, None), ("", ""), ("+44 20 7946 0958", "referral")])
def test_phone_and_source_may_be_null_or_any_string(api: Api, phone: str | None, source: str | None) -> None:
    lead = api.create_lead(phone=phone, source=source)
    assert (lead["phone"], lead["source"]) == (phone, source)


def test_metadata_is_stored_as_sent(api: Api) -> None:
    metadata = {"nested": {"deep": {"list": [1, 2.5, "x", None, True]}}, "n": None, "big": 2**60}
    assert api.create_lead(metadata=metadata)["metadata"] == metadata


def test_every_create_gets_a_new_id(api: Api) -> None:
    ids = {api.create_lead()["id"] for _ in range(50)}
    assert len(ids) == 50
