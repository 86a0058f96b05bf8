"""PUT /api/v1/leads/{id}: partial, null clears, metadata merge-patched, all or nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import JANE, Api


def updated(api: Api, lead_id: str, body: Any) -> dict[str, Any]:
    response = api.update(lead_id, body)
    assert response.status_code == 200, response.json
    lead: dict[str, Any] = response.json["data"]  # type: ignore[index]
    return lead


def test_only_the_fields_sent_change(api: Api) -> None:
    lead = api.create_lead(phone="+1-555-0100", source="website", metadata={"a": 1})
    after = updated(api, lead["id"], {"status": "contacted"})
    unchanged = {k: v for k, v in lead.items() if k not in {"status", "updatedAt"}}
    assert {k: v for k, v in after.items() if k not in {"status", "updatedAt"}} == unchanged
    assert after["status"] == "contacted"
    assert api.get(lead["id"]).json["data"] == after  # type: ignore[index]


@pytest.mark.parametrize(
    ("field", "cleared"),
    [
        ("phone", None),  # null clears phone
        ("source", None),  # and source
        ("metadata", {}),  # and empties metadata
    ],
)
def test_null_clears_a_field(api: Api, field: str, cleared: Any) -> None:
    lead = api.create_lead(phone="+1-555-0100", source="website", metadata={"a": 1})
    assert updated(api, lead["id"], {field: None})[field] == cleared


@pytest.mark.parametrize(
    ("before", "patch", "after"),
    [
        ({"a": 1}, {"b": 2}, {"a": 1, "b": 2}),  # new keys are added
        ({"a": 1}, {"a": 2}, {"a": 2}),  # existing keys are updated
        ({"a": [1, 2]}, {"a": [3]}, {"a": [3]}),  # arrays are replaced
        ({"a": 1, "b": 2}, {"a": None}, {"b": 2}),  # null removes a key
        ({"o": {"x": 1, "y": 2}}, {"o": {"y": None, "z": 3}}, {"o": {"x": 1, "z": 3}}),  # objects merge recursively
        ({"o": {"x": 1}}, {"o": 5}, {"o": 5}),  # a scalar replaces an object
        ({"o": 5}, {"o": {"x": None, "y": 1}}, {"o": {"y": 1}}),  # an object replaces a scalar, nulls dropped
        ({"a": 1}, {}, {"a": 1}),  # an empty patch changes nothing
    ],
)
def test_metadata_is_a_json_merge_patch(api: Api, before: dict[str, Any], patch: dict[str, Any], after: dict[str, Any]) -> None:
    lead = api.create_lead(metadata=before)
    assert updated(api, lead["id"], {"metadata": patch})["metadata"] == after


def test_vendor_archive_example_merges_into_existing_metadata(api: Api) -> None:
    before = api.get(JANE).json["data"]  # type: ignore[index]
    archive = {"archived": True, "archived_at": "2024-01-16T15:45:00.000Z", "archived_reason": "No longer interested"}
    after = updated(api, JANE, {"status": "lost", "metadata": archive})
    assert after["metadata"] == {**before["metadata"], **archive}
    assert after["status"] == "lost"


def test_updated_at_strictly_increases_and_created_at_never_changes(api: Api) -> None:
    lead = api.create_lead()
    stamps = [lead["updatedAt"]]
    for _ in range(20):  # many in the same millisecond, the same value each time
        after = updated(api, lead["id"], {"status": "new"})
        assert after["createdAt"] == lead["createdAt"]
        stamps.append(after["updatedAt"])
    assert stamps == sorted(set(stamps))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),  # an empty body changes nothing and is refused
        ({"name": None}, "name"),  # null for a required field
        ({"email": None}, "email"),
        ({"status": None}, "status"),
        ({"name": ""}, "name"),
        ({"email": "nope"}, "email"),
        ({"status": "won"}, "status"),
        ({"metadata": [1, 2]}, "metadata"),
        ({"id": "lead_1234567890abcdee"}, "id"),  # read-only fields
        ({"createdAt": "2024-01-15T10:30:00.000Z"}, "createdAt"),
        ({"updatedAt": "2024-01-15T10:30:00.000Z"}, "updatedAt"),
        ({"workspaceId": "ws_second_workspace_id"}, "workspaceId"),
        ({"status": "lost", "favouriteColour": "blue"}, "favouriteColour"),  # one bad field spoils all
        ([{"status": "lost"}], "body"),  # not an object
    ],
)
def test_refused_update_is_400_and_changes_nothing(api: Api, body: Any, field: str) -> None:
    before = api.get(JANE).json["data"]  # type: ignore[index]
    response = api.update(JANE, body)
    assert response.status_code == 400
    assert response.json["code"] == "VALIDATION_ERROR"  # type: ignore[index]
    assert field in {error["field"] for error in response.json["details"]["errors"]}  # type: ignore[index]
    assert api.get(JANE).json["data"] == before  # type: ignore[index]


def test_validation_comes_before_lookup(api: Api) -> None:
    assert api.update("lead_ffffffffffffffff", {"status": "won"}).status_code == 400
    assert api.update("lead_ffffffffffffffff", {"status": "lost"}).status_code == 404


def test_metadata_of_the_wrong_type_is_explained_by_the_types_it_may_have(api: Api) -> None:
    response = api.update(JANE, {"metadata": [1, 2]})
    assert response.json["details"]["errors"] == [  # type: ignore[index]
        {"field": "metadata", "message": '[1,2] is not of type "object" or "null"'}
    ]
