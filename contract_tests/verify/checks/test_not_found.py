"""404 LEAD_NOT_FOUND, word for word as the seed gives it, for every way a lead can be missing."""

from __future__ import annotations

import pytest

from ...core.expect import answer_shape, contract_view, is_seed_not_found
from ...core.rules import IDS_EXACT, NOT_FOUND_AFTER_DELETE, NOT_FOUND_MALFORMED, NOT_FOUND_NEVER_EXISTED, NOT_FOUND_OTHER_WORKSPACE
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


@rule(NOT_FOUND_AFTER_DELETE)
@writes
def test_a_lead_read_before_its_delete_is_gone_after_it(api: Api) -> None:
    """Read first, so a cache in front of the store holds it; then every read after the delete misses."""
    word, (lead,) = api.create_group({})
    assert api.get(lead["id"]).status == 200 and api.get(lead["id"]).status == 200
    assert [found["id"] for found in api.list(search=word).data["leads"]] == [lead["id"]]
    assert api.delete(lead["id"]).status == 200
    with api.subject():
        reply = api.get(lead["id"])
        listed = api.list(search=word)
    assert reply.status == 404, f"GET after the delete answered {reply.status}: the lead read before it was served again"
    assert is_seed_not_found(reply.body, lead["id"]), reply.body
    assert listed.data["leads"] == [] and listed.data["pagination"]["total"] == 0, "the list still shows the deleted lead"


def _other_case(lead_id: str) -> str:
    """The id with its letters' case swapped: `lead_` becomes `LEAD_`, hex letters upper case."""
    swapped = lead_id.swapcase()
    return swapped if swapped != lead_id else lead_id.upper()


@rule(IDS_EXACT)
@writes
@pytest.mark.parametrize("method", METHODS)
def test_an_existing_id_in_another_case_is_404_and_changes_nothing(api: Api, method: str) -> None:
    """`lead_` as it is and the hex digits in upper case: what a case-insensitive collation or a lower() finds."""
    lead = api.create_lead()
    lead_id = lead["id"]
    other = lead_id[:5] + lead_id[5:].upper()
    if other == lead_id:  # sixteen hex digits without a letter: the prefix still has letters
        other = _other_case(lead_id)
    with api.subject():
        reply = api.get(other)
    assert reply.status == 404, f"GET of {other} (the lead {lead_id} in another case) answered {reply.status}"
    api.ledger.probes.add(other)  # confirmed absent: the guard may let a PUT or DELETE of it through
    if method != "GET":
        with api.subject():
            reply = send(api, method, other)
        assert reply.status == 404, f"{method} of {other} (the lead {lead_id} in another case) answered {reply.status}"
    assert is_seed_not_found(reply.body, other), reply.body
    after = api.get(lead_id)
    assert after.status == 200, f"{method} of {other} removed {lead_id}"
    assert contract_view(after.data) == contract_view(lead), f"{method} of {other} changed {lead_id}"


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
