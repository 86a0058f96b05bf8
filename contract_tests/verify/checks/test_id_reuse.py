"""No id is ever issued twice: not after a delete, not in another workspace (seed: "ID cannot be reused")."""

from __future__ import annotations

import pytest

from ...core.rules import NO_ID_REUSE
from ...live.api import Api
from ...live.kit import Kit
from ..marks import rule, two_workspaces, writes

CYCLES = 12  # create-then-delete rounds per workspace; a free-list of ids shows up within a few

pytestmark = [rule(NO_ID_REUSE), writes]


@pytest.mark.parametrize(
    "workspaces",
    [
        pytest.param(("first",), id="one-workspace"),
        pytest.param(("first", "second"), id="alternating-workspaces", marks=two_workspaces),
    ],
)
def test_create_delete_cycles_never_reuse_an_id(kit: Kit, workspaces: tuple[str, ...]) -> None:
    clients = {"first": kit.api, "second": kit.other_api}
    seen_before = set(kit.ledger.seen)
    issued: list[str] = []
    for round_number in range(CYCLES):
        api: Api | None = clients[workspaces[round_number % len(workspaces)]]
        assert api is not None
        lead = api.create_lead()  # the engine judges each create against every id seen before it
        assert lead["id"] not in issued and lead["id"] not in seen_before, (round_number, lead["id"])
        issued.append(lead["id"])
        assert api.delete(lead["id"]).status == 200


def test_no_create_in_this_run_returned_an_id_seen_before(kit: Kit) -> None:
    """Every create of the run so far, the generated ones included, gave a new id."""
    reused = kit.client.broken.get(NO_ID_REUSE.id, [])
    assert not reused, [breach.message for breach in reused]
