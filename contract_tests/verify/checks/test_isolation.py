"""Workspaces do not see each other's leads in the list (single leads: test_not_found)."""

from __future__ import annotations

import pytest

from ...core.rules import ISOLATION_LIST
from ...live.api import Api
from ..marks import rule, two_workspaces, writes

pytestmark = [rule(ISOLATION_LIST), two_workspaces]


@writes
@pytest.mark.parametrize(
    "query",
    [
        pytest.param({}, id="unfiltered"),  # their newest lead would top our first page
        pytest.param({"search": "{word}"}, id="search"),  # their unique word
        pytest.param({"status": "follow_up", "search": "{word}"}, id="status-and-search"),  # with another filter
        pytest.param({"source": "leadkit-test", "search": "{word}"}, id="source-and-search"),
    ],
)
def test_list_never_shows_another_workspaces_leads(api: Api, other_api: Api, query: dict[str, str]) -> None:
    word, (theirs,) = other_api.create_group({"status": "follow_up"})
    reply = api.list(limit=100, **{name: value.format(word=word) for name, value in query.items()})
    assert theirs["id"] not in [lead["id"] for lead in reply.data["leads"]]
    if query:
        assert reply.data["pagination"]["total"] == 0


def test_existing_leads_of_each_workspace_stay_apart(api: Api, other_api: Api) -> None:
    ours = {lead["id"] for lead in api.list(limit=100).data["leads"]}
    theirs = {lead["id"] for lead in other_api.list(limit=100).data["leads"]}
    assert not ours & theirs
