"""Writes keyed on the id alone: leads that share a name and an email are each their own.

Every other check's leads have a name and an email of their own, so a server that updates or
deletes "every lead with this email" (or name) passes them all. Here two leads share both and a
third shares the email only; a PUT or a DELETE of one leaves every contract field of the others as
it was (updatedAt included), and a delete drops the total by exactly one.
"""

from __future__ import annotations

from typing import Any

from ...core.expect import contract_view
from ...core.rules import WRITES_ONE_LEAD
from ...live.api import Api
from ..marks import rule, writes

pytestmark = writes


def _three(api: Api) -> tuple[str, list[dict[str, Any]]]:
    """The token, and three leads: the first two share name and email, the third the email only."""
    word = api.token()
    name, email = f"Leadkit Test {word}", f"{word}@example.com"
    leads = [api.create_lead(name=name, email=email), api.create_lead(name=name, email=email), api.create_lead(name=f"{name} other", email=email)]
    return word, leads


@rule(WRITES_ONE_LEAD)
def test_a_delete_removes_only_the_lead_it_names(api: Api) -> None:
    word, (target, *others) = _three(api)
    assert api.list(search=word).data["pagination"]["total"] == 3
    with api.subject():
        assert api.delete(target["id"]).status == 200
    for other in others:
        reply = api.get(other["id"])
        assert reply.status == 200, f"deleting {target['id']} also removed {other['id']}, which shares its email"
        assert contract_view(reply.data) == contract_view(other), f"deleting {target['id']} changed {other['id']}: {reply.data}"
    after = api.list(search=word, limit=100)
    assert after.data["pagination"]["total"] == 2, f"the total went from 3 to {after.data['pagination']['total']}, not 2"
    assert sorted(lead["id"] for lead in after.data["leads"]) == sorted(other["id"] for other in others)


@rule(WRITES_ONE_LEAD)
def test_an_update_changes_only_the_lead_it_names(api: Api) -> None:
    word, (target, *others) = _three(api)
    change = {"status": "contacted", "phone": "+1-555-000-0002", "metadata": {"x": 1}}
    with api.subject():
        assert api.update(target["id"], change).status == 200
    for other in others:
        reply = api.get(other["id"])
        assert contract_view(reply.data) == contract_view(other), f"updating {target['id']} changed {other['id']}, which shares its email: {reply.data}"
    assert api.list(search=word).data["pagination"]["total"] == 3
