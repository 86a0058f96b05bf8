"""404 LEAD_NOT_FOUND, word for word as the seed gives it, for every way a lead can be missing."""

from __future__ import annotations

import pytest

from ...core.expect import answer_shape, contract_view, is_seed_not_found
from ...core.rules import NOT_FOUND_AFTER_DELETE, NOT_FOUND_MALFORMED, NOT_FOUND_NEVER_EXISTED, NOT_FOUND_OTHER_WORKSPACE
from ...live.api import Api
from ...live.client import Reply
from ..marks import rule, two_workspaces, writes

METHODS = [
    pytest.param("GET", id="GET"),
    pytest.param("PUT", id="PUT", marks=writes),
    pytest.param("DELETE", id="DELETE", marks=writes),
]


def send(api: Api, method: str, lead_id: str) -> Reply:
    """The same request for any lead: a read, a valid update, or a delete."""
    if method == "PUT":
        return api.update(lead_id, {"status": "contacted"})
    return api.get(lead_id) if method == "GET" else api.delete(lead_id)


@rule(NOT_FOUND_AFTER_DELETE)
@writes
@pytest.mark.parametrize("method", METHODS)
def test_deleted_lead_answers_404(api: Api, method: str) -> None:
    lead = api.create_lead()
    assert api.delete(lead["id"]).status == 200
    reply = send(api, method, lead["id"])
    assert reply.status == 404
    assert is_seed_not_found(reply.body, lead["id"]), reply.body


@rule(NOT_FOUND_NEVER_EXISTED)
@pytest.mark.parametrize("method", METHODS)
def test_unknown_id_answers_404(api: Api, method: str) -> None:
    lead_id = api.absent_id()
    reply = send(api, method, lead_id)
    assert reply.status == 404
    assert is_seed_not_found(reply.body, lead_id), reply.body


@rule(NOT_FOUND_MALFORMED)
@pytest.mark.parametrize(
    "shape",
    [
        "too-short",  # lead_ and 10 hex digits
        "upper-case",  # LEAD_ID digits in upper case
        "no-prefix",  # 16 hex digits, no lead_
        "seed-style",  # like the seed's own lead_nonexistent123
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_malformed_id_answers_404_not_400(api: Api, method: str, shape: str) -> None:
    lead_id = api.absent_id(shape)
    reply = send(api, method, lead_id)
    assert reply.status == 404
    assert is_seed_not_found(reply.body, lead_id), reply.body


@rule(NOT_FOUND_OTHER_WORKSPACE)
@two_workspaces
@pytest.mark.parametrize("method", METHODS)
def test_other_workspace_lead_answers_like_a_missing_one(api: Api, other_api: Api, method: str) -> None:
    their_lead = other_api.some_lead()
    missing = api.absent_id()
    reply = send(api, method, their_lead["id"])
    assert reply.status == 404
    assert is_seed_not_found(reply.body, their_lead["id"]), reply.body
    baseline = send(api, method, missing)
    assert answer_shape(reply.body) == answer_shape(baseline.body)
    assert contract_view(other_api.get(their_lead["id"]).data) == contract_view(their_lead)
