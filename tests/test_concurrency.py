"""Many clients at once against a live mock: nothing issued twice, nothing lost, totals exact."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from livemock import LiveMock

THREADS = 8
ROUNDS = 25
AUTH = {"Authorization": "Bearer sk-workspace_your_api_key"}


def worker(base: str, shared_id: str, number: int) -> dict[str, Any]:
    """Create leads, delete every other one, and add keys of our own to one shared lead."""
    session = requests.Session()
    session.headers.update(AUTH)
    created, deleted = [], []
    for round_ in range(ROUNDS):
        lead = session.post(f"{base}/api/v1/leads", json={"name": f"T{number}", "email": f"t{number}@example.com"}, timeout=10)
        assert lead.status_code == 201, lead.text
        created.append(lead.json()["data"]["id"])
        patch = {"metadata": {f"t{number}_{round_}": True}}
        assert session.put(f"{base}/api/v1/leads/{shared_id}", json=patch, timeout=10).status_code == 200
        if round_ % 2:
            assert session.delete(f"{base}/api/v1/leads/{created[-1]}", timeout=10).status_code == 200
            deleted.append(created[-1])
    return {"created": created, "deleted": deleted}


def test_concurrent_creates_updates_and_deletes_lose_nothing() -> None:
    with LiveMock() as live:
        base = live.base_url
        total = lambda: requests.get(f"{base}/api/v1/leads", headers=AUTH, timeout=10).json()["data"]["pagination"]["total"]  # noqa: E731
        before = total()
        shared = requests.post(f"{base}/api/v1/leads", json={"name": "Shared", "email": "s@example.com"}, headers=AUTH, timeout=10).json()["data"]["id"]
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(lambda n: worker(base, shared, n), range(THREADS)))
        created = [lead_id for result in results for lead_id in result["created"]]
        deleted = [lead_id for result in results for lead_id in result["deleted"]]
        assert len(set(created)) == len(created) == THREADS * ROUNDS  # no id issued twice
        metadata = requests.get(f"{base}/api/v1/leads/{shared}", headers=AUTH, timeout=10).json()["data"]["metadata"]
        assert set(metadata) == {f"t{n}_{r}" for n in range(THREADS) for r in range(ROUNDS)}  # no update lost
        assert total() == before + 1 + len(created) - len(deleted)
        for lead_id in deleted:
            assert requests.get(f"{base}/api/v1/leads/{lead_id}", headers=AUTH, timeout=10).status_code == 404
