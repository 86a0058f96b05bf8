"""Update: partial, null clears, metadata as a JSON Merge Patch, timestamps, and refusals that change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from ...core.expect import contract_view
from ...core.rules import UPDATE_MERGE_PATCH, UPDATE_NULL_CLEARS, UPDATE_PARTIAL, UPDATE_REFUSED_UNCHANGED, UPDATE_TIMESTAMPS
from ...live.api import Api
from ...live.guard import RUN_KEY
from ..marks import rule, writes

pytestmark = writes

FULL = {"phone": "+1-555-987-6543", "status": "qualified", "metadata": {"company": "Tech Solutions Inc"}}


@rule(UPDATE_PARTIAL)
@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"status": "contacted"}, id="status"),
        pytest.param({"name": "Renamed Leadkit Test"}, id="name"),
        pytest.param({"email": "renamed.leadkit.test@example.com"}, id="email"),
        pytest.param({"phone": "+1-555-000-0000"}, id="phone"),
        pytest.param({"source": "leadkit-test-renamed"}, id="source"),
        pytest.param({"status": "lost", "phone": "+1-555-000-0001"}, id="two-fields"),
    ],
)
def test_update_changes_only_the_fields_sent(api: Api, change: dict[str, Any]) -> None:
    before = api.create_lead(**FULL)
    reply = api.update(before["id"], change)
    assert reply.status == 200
    expected = {**contract_view(before), **change, "updatedAt": reply.data["updatedAt"]}
    assert contract_view(reply.data) == expected
    assert contract_view(api.get(before["id"]).data) == expected


@rule(UPDATE_NULL_CLEARS)
@pytest.mark.parametrize(
    "field, cleared",
    [
        ("phone", None),  # phone becomes null
        ("source", None),  # source becomes null
        ("metadata", {}),  # metadata becomes {}
    ],
)
def test_null_clears_a_field(api: Api, field: str, cleared: Any) -> None:
    lead = api.create_lead(**FULL)
    reply = api.update(lead["id"], {field: None})
    assert reply.status == 200
    assert reply.data[field] == cleared
    assert api.get(lead["id"]).data[field] == cleared


@rule(UPDATE_MERGE_PATCH)
@pytest.mark.parametrize(
    "stored, patch, merged",
    [
        ({"a": 1}, {"b": 2}, {"a": 1, "b": 2}),  # a new key is added
        ({"a": 1, "b": 2}, {"a": 3}, {"a": 3, "b": 2}),  # an existing key is updated
        ({"a": 1, "b": 2}, {"a": None}, {"b": 2}),  # null removes a key
        ({"tags": [1, 2]}, {"tags": [3]}, {"tags": [3]}),  # arrays replace, never merge
        ({"n": {"x": 1, "y": 2}}, {"n": {"y": 3, "z": 4}}, {"n": {"x": 1, "y": 3, "z": 4}}),  # objects merge deeply
        ({"n": {"x": 1}}, {"n": {"x": None}}, {"n": {}}),  # null removes a nested key
        ({"n": {"x": 1}}, {"n": 5}, {"n": 5}),  # a scalar replaces an object
        ({"n": 5}, {"n": {"x": None, "y": 1}}, {"n": {"y": 1}}),  # an object replaces a scalar, minus its nulls
        ({"a": 1}, {}, {"a": 1}),  # an empty patch changes nothing
    ],
)
def test_metadata_is_merge_patched(api: Api, stored: dict[str, Any], patch: dict[str, Any], merged: dict[str, Any]) -> None:
    lead = api.create_lead(metadata=stored)
    reply = api.update(lead["id"], {"metadata": patch})
    assert reply.status == 200
    assert reply.data["metadata"] == {RUN_KEY: api.ledger.run_id, **merged}


@rule(UPDATE_TIMESTAMPS)
def test_every_update_moves_updated_at_forward_and_keeps_created_at(api: Api) -> None:
    lead = api.create_lead()
    stamps = [lead["updatedAt"]]
    for _ in range(3):  # the same value three times in quick succession: still strictly later
        reply = api.update(lead["id"], {"status": "contacted"})
        assert reply.status == 200
        assert reply.data["createdAt"] == lead["createdAt"]
        stamps.append(reply.data["updatedAt"])
    assert stamps == sorted(set(stamps)), stamps


@rule(UPDATE_REFUSED_UNCHANGED)
@pytest.mark.parametrize(
    "body, content_type, status",
    [
        ({}, "application/json", 400),  # an empty update
        ({"status": "lost", "bogus": 1}, "application/json", 400),  # an unknown field beside a good one
        ({"status": "lost", "id": "lead_0000000000000000"}, "application/json", 400),  # a read-only field
        ({"status": "lost", "createdAt": "2020-01-01T00:00:00.000Z"}, "application/json", 400),  # another
        ({"status": "lost", "name": None}, "application/json", 400),  # null for a required field
        ({"status": "lost", "email": "not-an-email"}, "application/json", 400),  # an invalid email
        ({"status": "archived"}, "application/json", 400),  # a status outside the enum
        ({"status": "QUALIFIED"}, "application/json", 400),  # the enum is exact: another case is another word
        ({"status": "lost", "name": ""}, "application/json", 400),  # an empty name
        ({"status": "lost"}, "text/plain", 415),  # not JSON
        ({"status": "lost", "metadata": {"blob": "x" * (1024 * 1024)}}, "application/json", 413),  # over 1 MiB
        ('{"status": "lost",', "application/json", 400),  # malformed JSON
    ],
)
def test_refused_update_changes_nothing(api: Api, body: Any, content_type: str, status: int) -> None:
    lead = api.create_lead()
    raw = body.encode() if isinstance(body, str) else None
    if raw is None:
        reply = api.update(lead["id"], body, headers={"Content-Type": content_type})
    else:
        reply = api.send("PUT", "/" + lead["id"], data=raw, headers={"Content-Type": content_type})
    assert reply.status == status
    assert contract_view(api.get(lead["id"]).data) == contract_view(lead)
