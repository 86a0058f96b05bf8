"""The concurrency checks' requests are really in flight together, go through the guard, and are all recorded."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterable

import pytest
from kit_helpers import in_process
from planting import lead_ids, mock

from contract_tests.live.guard import GuardRefused
from contract_tests.live.kit import Kit
from contract_tests.live.together import MAX_PARALLEL, at_once


class InFlight:
    """WSGI middleware that holds each request briefly and counts how many it holds at once."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()
        self.thread_safe = True  # the kit's in-process transport may hand it requests at once

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(0.1)
            return list(self.app(environ, start_response))
        finally:
            with self.lock:
                self.now -= 1


def test_requests_are_in_flight_together_and_every_create_is_in_the_ledger() -> None:
    app = mock()
    before = lead_ids(app)
    counted = InFlight(app)
    kit = Kit.open(in_process(counted))
    replies = at_once([kit.api.create for _ in range(6)])
    assert [reply.status for reply in replies] == [201] * 6
    assert counted.most == 6  # all six held by the server at one moment
    made = {reply.data["id"] for reply in replies}
    assert set(kit.ledger.alive()) == made  # every thread's create recorded, for cleanup
    kit.cleanup()
    assert lead_ids(app) == before


def test_every_thread_finishes_before_a_failure_is_raised() -> None:
    """A refused write in one thread: the others' leads are still recorded, so cleanup removes them."""
    app = mock()
    before = lead_ids(app)
    kit = Kit.open(in_process(app))
    foreign = sorted(before)[0]
    calls = [kit.api.create] * 3 + [lambda: kit.api.delete(foreign)]
    with pytest.raises(GuardRefused):
        at_once(calls)
    assert len(kit.ledger.alive()) == 3
    assert foreign in lead_ids(app)  # the guard stopped the write to a lead the kit did not make
    kit.cleanup()
    assert lead_ids(app) == before


def test_at_once_is_bounded() -> None:
    with pytest.raises(ValueError):
        at_once([lambda: None] * (MAX_PARALLEL + 1))
