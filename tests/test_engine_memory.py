"""What the engine remembers of traffic it judged: the facts its cross-exchange rules compare, never whole exchanges, and for a deleted lead only its retired id."""

from __future__ import annotations

import gc
import json
import weakref

from contract_tests.core.exchange import Exchange
from contract_tests.engine import Judge

BASE = "http://api.test/api/v1/leads"
AUTH = {"Authorization": "Bearer sk-one"}
JSON = {"Content-Type": "application/json"}


def lead(lead_id: str, stamp: str = "2024-01-15T10:30:00.000Z", **fields: object) -> dict[str, object]:
    return {
        "id": lead_id, "name": "Ada", "email": "ada@example.com", "phone": None, "source": "web", "status": "new",
        "metadata": {"plan": "pro", "pad": "x" * 2000}, "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": stamp, "workspaceId": "ws_a", **fields,
    }


def cycle(lead_id: str, at: float) -> list[Exchange]:
    """Create, read, list, delete: what a frontend does with a lead it will not keep."""
    one = json.dumps({"success": True, "data": lead(lead_id)}).encode()
    page = json.dumps({"success": True, "data": {"leads": [lead(lead_id)], "pagination": {"page": 1, "limit": 10, "total": 1, "totalPages": 1, "hasNext": False, "hasPrev": False}}}).encode()
    gone = json.dumps({"success": True, "message": "Lead deleted successfully", "data": {"id": lead_id, "deletedAt": "2024-01-16T00:00:00.000Z"}}).encode()
    sent = json.dumps({"name": "Ada", "email": "ada@example.com", "source": "web", "metadata": lead(lead_id)["metadata"]}).encode()
    steps = [("POST", BASE, 201, one, sent), ("GET", f"{BASE}/{lead_id}", 200, one, None), ("GET", BASE, 200, page, None), ("DELETE", f"{BASE}/{lead_id}", 200, gone, None)]
    return [Exchange(method, url, status, JSON, body, {**AUTH, **JSON}, request, at + n, at + n + 0.5) for n, (method, url, status, body, request) in enumerate(steps)]


def test_no_exchange_is_kept_once_judged() -> None:
    judge = Judge()
    kept: list[weakref.ref[Exchange]] = []
    for n in range(50):
        for exchange in cycle(f"lead_{n:016x}", n * 10.0):
            assert judge.judge(exchange) == []
            kept.append(weakref.ref(exchange))
    for n in range(5):  # leads that stay: read twice, so their state is compared
        for exchange in cycle(f"lead_{1000 + n:016x}", 1000 + n * 10.0)[:3]:
            judge.judge(exchange)
            kept.append(weakref.ref(exchange))
    del exchange
    gc.collect()
    alive = [ref() for ref in kept if ref() is not None]
    assert alive == [], f"{len(alive)} of {len(kept)} exchanges still held after they were judged, e.g. {alive[0].method} {alive[0].url}"


def test_a_deleted_lead_is_remembered_only_by_its_retired_id_and_still_caught_coming_back() -> None:
    judge = Judge()
    for n in range(100):
        for exchange in cycle(f"lead_{n:016x}", n * 10.0):
            judge.judge(exchange)
    assert len(judge.across.leads) == 0  # no state kept for a lead that is gone
    back = Exchange("GET", f"{BASE}/lead_{7:016x}", 200, JSON, json.dumps({"success": True, "data": lead(f"lead_{7:016x}")}).encode(), AUTH, None, 5000.0, 5000.5)
    [found] = [breach for breach in judge.judge(back) if breach.rule.id == "not-found-after-delete"]
    assert found.earlier is not None and (found.earlier.method, found.earlier.url, found.earlier.status) == ("DELETE", f"{BASE}/lead_{7:016x}", 200)
    reused = Exchange("POST", BASE, 201, JSON, json.dumps({"success": True, "data": lead(f"lead_{8:016x}")}).encode(), AUTH, None, 6000.0, 6000.5)
    assert "no-id-reuse" in {breach.rule.id for breach in judge.judge(reused)}


def test_bodies_not_recorded_are_counted_in_full_but_only_the_first_entry_numbers_kept() -> None:
    from contract_tests.engine.stream import Stream
    from contract_tests.evidence.tally import Tally

    tally = Tally(Stream())
    for n in range(1, 5001):
        exchange = Exchange("GET", f"{BASE}/lead_{n:016x}", 404, JSON, b"", AUTH, None, float(n), n + 0.5, number=n, response_omitted=True)
        tally.stream.judge(exchange)
    assert len(tally.stream.omitted) <= 10  # a devtools export that left out every body: no list as long as the file
    assert "5000 responses had no recorded body; only their status and headers were judged (entries 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ...)" in tally.notes()
