"""Requests sent at one moment, for the concurrency checks: a few threads released by one barrier."""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")

MAX_PARALLEL = 8  # below requests' connection pool (10 a host), so no request waits for a connection
START_WAIT_S = 10.0  # the threads must all be ready by then, or the check is the kit's own failure


def at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run each call in a thread of its own, all started together so their requests are in flight at once.

    Results come back in the order of `calls`; the first call that raised raises here. Every
    thread is waited for, also after a failure or Ctrl-C, so the ledger has seen every lead
    they made before cleanup runs.
    """
    if not 1 <= len(calls) <= MAX_PARALLEL:
        raise ValueError(f"at_once takes 1 to {MAX_PARALLEL} calls, not {len(calls)}")
    barrier = threading.Barrier(len(calls), timeout=START_WAIT_S)

    def started_together(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="leadkit-at-once") as pool:
        # Each thread runs in a copy of the caller's context: what its requests show lands in the
        # running check's record (live/client.py CURRENT_CHECK), a 5xx among them included.
        futures = [pool.submit(contextvars.copy_context().run, started_together, call) for call in calls]
        return [future.result() for future in futures]
