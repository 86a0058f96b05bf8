"""Requests in flight together: none is lost, each PUT is stamped apart, one DELETE wins, creates get their own ids.

Each check sends a few requests at once (PARALLEL) to leads it made itself, and looks only at
those leads: other writers in the workspace cannot change its verdict.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

from ...core.expect import contract_view, is_seed_not_found
from ...core.rules import CONCURRENT_CREATE_IDS, CONCURRENT_DELETE_ONCE, CONCURRENT_UPDATES_APPLY, CONCURRENT_UPDATES_ORDERED
from ...live.api import Api
from ...live.client import Reply
from ...live.guard import RUN_KEY
from ...live.together import at_once
from ..marks import rule, writes

pytestmark = writes

PARALLEL = 6  # requests at once: enough to meet a missing lock, few enough for any deployment


def _statuses(replies: list[Reply]) -> list[int]:
    return [reply.status for reply in replies]


def _update(api: Api, lead_id: str, body: dict[str, Any]) -> Callable[[], Reply]:
    return lambda: api.update(lead_id, body)


def _create(api: Api, body: dict[str, Any]) -> Callable[[], Reply]:
    return lambda: api.send("POST", json=body)


@rule(CONCURRENT_UPDATES_APPLY)
def test_parallel_merge_patches_all_apply(api: Api) -> None:
    lead = api.create_lead()
    keys = [f"parallel{i}" for i in range(PARALLEL)]
    replies = at_once([_update(api, lead["id"], {"metadata": {key: i}}) for i, key in enumerate(keys)])
    assert _statuses(replies) == [200] * PARALLEL, _statuses(replies)
    metadata = api.get(lead["id"]).data["metadata"]
    lost = [key for i, key in enumerate(keys) if metadata.get(key) != i]
    assert not lost, f"{len(lost)} of {PARALLEL} simultaneous merge patches were lost ({', '.join(lost)}): metadata is {metadata}"
    assert metadata.get(RUN_KEY) == api.ledger.run_id, metadata  # and what was there before stays


@rule(CONCURRENT_UPDATES_ORDERED)
def test_simultaneous_puts_are_stamped_apart_and_the_latest_wins(api: Api) -> None:
    lead = api.create_lead()
    names = [f"{lead['name']} v{i}" for i in range(PARALLEL)]
    replies = at_once([_update(api, lead["id"], {"name": name}) for name in names])
    assert _statuses(replies) == [200] * PARALLEL, _statuses(replies)
    stamps = [reply.data["updatedAt"] for reply in replies]
    shared = sorted(stamp for stamp, count in Counter(stamps).items() if count > 1)
    assert not shared, f"simultaneous PUTs were given the same updatedAt: {shared} (all: {sorted(stamps)})"
    assert min(stamps) > lead["updatedAt"], (lead["updatedAt"], sorted(stamps))
    latest = max(replies, key=lambda reply: str(reply.data["updatedAt"])).data
    final = api.get(lead["id"]).data
    assert contract_view(final) == contract_view(latest), f"the lead is not as the latest PUT ({latest['updatedAt']}) left it"


@rule(CONCURRENT_DELETE_ONCE)
def test_parallel_deletes_of_one_lead_answer_200_once(api: Api) -> None:
    lead = api.create_lead()
    replies = at_once([lambda: api.delete(lead["id"])] * PARALLEL)
    statuses = sorted(_statuses(replies))
    assert statuses == [200] + [404] * (PARALLEL - 1), f"{PARALLEL} simultaneous DELETEs of one lead answered {statuses}"
    assert all(is_seed_not_found(reply.body, lead["id"]) for reply in replies if reply.status == 404)
    assert api.get(lead["id"]).status == 404


@rule(CONCURRENT_CREATE_IDS)
def test_parallel_creates_get_ids_of_their_own(api: Api) -> None:
    word = api.token()
    bodies = [api.fields(name=f"Leadkit Test {word} {i}", email=f"{word}.{i}@example.com") for i in range(PARALLEL)]
    replies = at_once([_create(api, body) for body in bodies])
    assert _statuses(replies) == [201] * PARALLEL, _statuses(replies)
    ids = [reply.data["id"] for reply in replies]
    shared = sorted(lead_id for lead_id, count in Counter(ids).items() if count > 1)
    assert not shared, f"simultaneous creates were given the same id: {shared}"
    listed = api.list(search=word, limit=100).data["leads"]
    assert sorted(lead["id"] for lead in listed) == sorted(ids), "not every lead made at once is kept"
    for body, lead_id in zip(bodies, ids):
        assert api.get(lead_id).data["name"] == body["name"], lead_id
