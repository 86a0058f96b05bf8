"""Work a check hands to other threads, in the check's own context, and the failure it comes back with."""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Callable

from ..core.rules import ContractViolation
from ..live.interrupt import Interrupted, caused_by_interrupt
from .findings import Violations


class Handoff:
    """Runs tasks on a pool, at most `limit` at a time (`submit` waits for a slot); `join` collects failures.

    Each task runs in a copy of the submitting thread's context, so what it sees lands in the
    running check's record (client.CURRENT_CHECK).
    """

    def __init__(self, limit: int, name: str) -> None:
        self._pool = ThreadPoolExecutor(limit, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(limit)
        self._pending: list[Future[None]] = []
        self._lock = threading.Lock()

    def submit(self, task: Callable[[], None]) -> None:
        self._slots.acquire()
        future = self._pool.submit(contextvars.copy_context().run, self._run, task)
        with self._lock:
            self._pending.append(future)

    def _run(self, task: Callable[[], None]) -> None:
        try:
            task()
        finally:
            self._slots.release()

    def join(self) -> list[BaseException]:
        """Wait for every task submitted so far; their failures."""
        with self._lock:
            pending, self._pending = self._pending, []
        wait(pending)
        return [error for future in pending if (error := future.exception()) is not None]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def run_at_once(runs: list[Callable[[], None]], name: str) -> list[BaseException]:
    """Run these at once, each in a copy of this thread's context; their failures."""
    with ThreadPoolExecutor(len(runs), thread_name_prefix=name) as pool:
        futures = [pool.submit(contextvars.copy_context().run, run) for run in runs]
        wait(futures)
    return [error for future in futures if (error := future.exception()) is not None]


def combined(errors: list[BaseException]) -> BaseException:
    """One exception for failures of work run apart: an interrupt wins, then the rules broken, then the rest."""
    if any(caused_by_interrupt(error) for error in errors):
        return Interrupted()
    violations: list[ContractViolation] = []
    others: list[Exception] = []
    for error in errors:
        if isinstance(error, Violations):
            violations += error.violations
        elif isinstance(error, ContractViolation):
            violations.append(error)
        elif isinstance(error, Exception):
            others.append(error)
    if not others:
        return Violations(violations)
    if not violations:
        return others[0]
    return ExceptionGroup("work run apart", [Violations(violations), *others])
