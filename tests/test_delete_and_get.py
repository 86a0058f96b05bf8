"""GET and DELETE of one lead, exactly as the seed page documents them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from mock_server.ids import IdSource
from mock_server.store import LeadStore
from tests.conftest import JANE, JOHN, Api


def not_found_body(lead_id: str) -> dict[str, Any]:
    """The seed's 404, for this id."""
    return {
        "success": False,
        "error": "Lead not found",
        "code": "LEAD_NOT_FOUND",
        "details": {"leadId": lead_id, "message": "No lead found with this ID in your workspace"},
    }


def test_get_returns_the_vendor_example_lead(api: Api) -> None:
    response = api.get(JOHN)
    assert response.status_code == 200
    assert response.json == {
        "success": True,
        "data": {
            "id": JOHN,
            "name": "John Doe",
            "email": "john.doe@example.com",
            "phone": "+1-555-123-4567",
            "source": "website",
            "status": "new",
            "metadata": {"company": "Acme Corp", "interest": "premium_plan"},
            "createdAt": "2024-01-15T10:30:00.000Z",
            "updatedAt": "2024-01-15T10:30:00.000Z",
            "workspaceId": "ws_your_workspace_id",
        },
    }


def test_delete_answers_the_seed_body(api: Api) -> None:
    response = api.delete(JOHN)
    assert response.status_code == 200
    body = response.json
    assert body is not None
    assert body["success"] is True and body["message"] == "Lead deleted successfully"
    assert body["data"]["id"] == JOHN
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", body["data"]["deletedAt"])


@pytest.mark.parametrize(
    "method",
    [
        "GET",  # cannot be retrieved
        "PUT",  # cannot be updated
        "DELETE",  # a second delete is a 404, not a 200
    ],
)
def test_after_delete_every_call_on_the_id_is_the_seed_404(api: Api, method: str) -> None:
    assert api.delete(JANE).status_code == 200
    response = api.client.open(f"/api/v1/leads/{JANE}", method=method, json={"status": "lost"}, headers=api.headers)
    assert response.status_code == 404
    assert response.json == not_found_body(JANE)


@pytest.mark.parametrize(
    "lead_id",
    [
        "lead_ffffffffffffffff",  # well-formed, never existed
        "lead_nonexistent123",  # the seed's own example
        "12345",  # malformed
        "LEAD_1234567890ABCDEF",  # wrong case
        "lead_1234567890abcdef%20",  # trailing junk
        "%F0%9F%98%80",  # an emoji
    ],
)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_unknown_and_malformed_ids_are_the_seed_404(api: Api, lead_id: str, method: str) -> None:
    response = api.client.open(f"/api/v1/leads/{lead_id}", method=method, json={"status": "lost"}, headers=api.headers)
    assert response.status_code == 404
    body = response.json
    assert body is not None and body["code"] == "LEAD_NOT_FOUND"
    assert body == not_found_body(body["details"]["leadId"])


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_another_workspaces_lead_answers_exactly_like_a_missing_one(api: Api, second_api: Api, method: str) -> None:
    theirs = second_api.create_lead()["id"]
    mine_gone = api.create_lead()["id"]
    api.delete(mine_gone)
    foreign = api.client.open(f"/api/v1/leads/{theirs}", method=method, json={"status": "lost"}, headers=api.headers)
    missing = api.client.open(f"/api/v1/leads/{mine_gone}", method=method, json={"status": "lost"}, headers=api.headers)
    assert (foreign.status_code, foreign.json) == (404, not_found_body(theirs))
    assert (missing.status_code, missing.json) == (404, not_found_body(mine_gone))
    assert dict(foreign.headers) == dict(missing.headers)
    assert second_api.get(theirs).status_code == 200  # and it is untouched


def test_delete_removes_the_lead_from_its_workspace_only(api: Api, second_api: Api) -> None:
    before = second_api.list().json["data"]["pagination"]["total"]  # type: ignore[index]
    api.delete(JOHN)
    assert second_api.list().json["data"]["pagination"]["total"] == before  # type: ignore[index]


class ReplayingIds(IdSource):
    """Proposes the given ids first, as a colliding random source would."""

    def __init__(self, proposals: list[str]) -> None:
        super().__init__(seed=1)
        self._proposals = proposals

    def candidate(self) -> str:
        return self._proposals.pop(0) if self._proposals else super().candidate()


def test_ids_are_never_reused_even_when_the_source_repeats_them() -> None:
    ids = ReplayingIds([])
    store = LeadStore(ids=ids)
    fields = {"name": "A", "email": "a@example.com"}
    first = store.create("ws_a", fields)
    store.delete("ws_a", first.id)
    ids._proposals.extend([first.id, first.id])  # a deleted id, offered again, in any workspace
    second = store.create("ws_b", fields)
    assert second.id != first.id
    ids._proposals.append(second.id)  # a live id, offered again
    assert store.create("ws_b", fields).id not in {first.id, second.id}


def test_only_the_bare_id_survives_a_delete(api: Api, app: Any) -> None:
    from mock_server.state import EXTENSION

    store = app.extensions[EXTENSION].store
    lead = api.create_lead(name="Secret Name", email="secret@example.com", metadata={"ssn": "123"})
    api.delete(lead["id"])
    assert lead["id"] in store.retired_ids()
    assert all(kept.id != lead["id"] for kept in store.all_leads())


def test_every_delete_attempt_is_in_the_audit_log(api: Api, client: FlaskClient) -> None:
    api.delete(JOHN)
    api.delete(JOHN)
    client.delete(f"/api/v1/leads/{JANE}")  # no key: refused before lookup
    entries = client.get("/__mock/audit").json["data"]["entries"]  # type: ignore[index]
    assert [(e["leadId"], e["status"], e["outcome"], e["workspaceId"]) for e in entries] == [
        (JOHN, 200, "deleted", "ws_your_workspace_id"),
        (JOHN, 404, "refused", "ws_your_workspace_id"),
        (JANE, 401, "refused", None),
    ]
    assert api.get(JANE).status_code == 200
