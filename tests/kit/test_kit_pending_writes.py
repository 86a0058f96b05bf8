"""Simultaneous PUTs judged without a false alarm: while one write to a lead is still in flight, the
engine compares nothing of that lead that the write could have changed, at any base URL."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from kit_helpers import KEY, SECOND_KEY, run_verify
from planting import Planted, mock
from werkzeug.wrappers import Request, Response

from contract_tests.live.target import Target

PARALLEL = 6  # the concurrency checks' simultaneous PUTs


def first_put_answers_last() -> Planted:
    """A conforming server whose first simultaneous PUT is applied first and answered last: the
    other answers already show its change while it is still in flight, as a busy server may."""
    lock = threading.Lock()
    seen = {"puts": 0, "answered": 0}

    def after(request: Request, body: bytes, response: Response) -> None:
        if request.method != "PUT" or b"parallel" not in body:
            return
        with lock:
            seen["puts"] += 1
            first = seen["puts"] % PARALLEL == 1
        if first:  # hold its answer until the others have been answered, and a little more
            deadline = time.monotonic() + 10
            while seen["answered"] % PARALLEL != PARALLEL - 1 and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(0.3)
        with lock:
            seen["answered"] += 1

    app = Planted(mock(), after=after)
    app.thread_safe = True  # type: ignore[attr-defined]  # the kit's in-process transport lets PUTs overlap
    return app


@pytest.mark.parametrize("base_path", ["", "/sandboxes/pending"], ids=["root", "under-a-path"])
def test_a_put_answered_after_later_ones_is_no_false_alarm(base_path: str) -> None:
    target = Target(base_url=f"http://kit-under-test.invalid{base_path}", api_key=KEY, second_api_key=SECOND_KEY, app=first_put_answers_last(), workers=1)
    outcome = run_verify(target, select="test_parallel_merge_patches_all_apply")
    assert outcome.exit_code == 0, outcome.summary
