"""Running independent checks at once, in threads of one pytest session (`--workers N`).

Why threads and not pytest-xdist: one session keeps one ledger (so cleanup stays total and the
guard knows every lead the run made), works for in-process WSGI targets, and stops on one Ctrl-C.

How: pytest sets each check up on the main thread, in order, as usual; its call then runs on a
worker thread while the next one is set up; reports are made and logged on the main thread once
the call is done. A check runs alone, by pytest's own protocol, when it

- is marked `leadkit_serial`, or is not a leadkit check (no `leadkit_rule`),
- uses a fixture with a teardown (a `yield` fixture, or a builtin such as `monkeypatch`) below
  session scope: its teardown must not run before the check is done,
- takes a Schemathesis `case` (in the function Schemathesis wraps, `check_parameters`): its
  operations report as subtests from inside the call, and it spreads its own requests over
  threads anyway.

So any check in the existing style (`api`/`other_api`/`kit` fixtures, plain module fixtures)
runs in parallel with no change.
"""

from __future__ import annotations

import ast
import inspect
import sys
import threading
import warnings
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import pytest
from _pytest.runner import CallInfo, call_and_report
from hypothesis.errors import HypothesisDeprecationWarning

from ..live.client import CURRENT_CHECK, CheckRecord
from ..live.interrupt import Stopper

RECORD = pytest.StashKey[CheckRecord]()
_AST_LOCK = threading.RLock()
_ast_parse = ast.parse


def _parse_one_at_a_time(*args: Any, **kwargs: Any) -> Any:
    with _AST_LOCK:
        return _ast_parse(*args, **kwargs)


def serialise_ast_parse() -> None:
    """Python 3.11 counts ast's recursion depth per interpreter, not per thread (CPython gh-106905).

    Two threads parsing at once then fail with SystemError "AST constructor recursion depth
    mismatch", and Hypothesis parses as it runs (pretty-printing, lambda sources): with checks
    in threads, ast.parse takes its turn.
    """
    if sys.version_info < (3, 12):
        ast.parse = _parse_one_at_a_time
ALONE_FIXTURES = {"case"}
RANDOM_WARNING = "Do not use the `random` module inside strategies"


def check_parameters(item: pytest.Item) -> set[str]:
    """What the check's own function takes.

    For a Schemathesis check that is the function it calls per case (Hypothesis's public
    `.hypothesis.inner_test`): pytest sees only the wrapper, which takes `request` and fetches
    `case` and the other fixtures itself, so the item's fixtures name neither.
    """
    function = getattr(item, "obj", None)
    function = getattr(getattr(function, "hypothesis", None), "inner_test", function)
    try:
        return set(inspect.signature(function).parameters) if function is not None else set()
    except (TypeError, ValueError):
        return set()


def runs_alone(item: pytest.Item) -> bool:
    if item.get_closest_marker("leadkit_rule") is None or item.get_closest_marker("leadkit_serial") is not None:
        return True
    info = getattr(item, "_fixtureinfo", None)
    if info is None or ALONE_FIXTURES & check_parameters(item):
        return True
    params = set(getattr(getattr(item, "callspec", None), "params", {}))
    for name in info.names_closure:
        if name in ALONE_FIXTURES:
            return True
        if name in params or name == "request":
            continue
        for fixturedef in info.name2fixturedefs.get(name, ()):
            if fixturedef.scope != "session" and inspect.isgeneratorfunction(fixturedef.func):
                return True  # a teardown to keep in order (pytest's monkeypatch, tmp_path, capsys are such too)
    return False


class Runner:
    """Sets checks up in order and runs their calls `workers` at a time."""

    def __init__(self, session: pytest.Session, workers: int, stopper: Stopper) -> None:
        self.session = session
        self.workers = workers
        self.stopper = stopper
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="leadkit-check")
        self.running: dict[Future[CallInfo[None]], tuple[pytest.Item, pytest.TestReport]] = {}

    def run(self) -> None:
        items = self.session.items
        try:
            for index, item in enumerate(items):
                nextitem = items[index + 1] if index + 1 < len(items) else None
                if runs_alone(item) or nextitem is None:
                    self.drain()
                    item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
                else:
                    while len(self.running) >= self.workers:
                        self.collect(FIRST_COMPLETED)
                    self.start(item, nextitem)
                self.raise_if_stopping()
            self.drain()
        except KeyboardInterrupt as exc:
            ctrl_c = not isinstance(exc, self.session.Interrupted) or (self.stopper.stopped.is_set())
            if ctrl_c:
                self.stopper.stop()  # the checks in flight stop at their next request
            self.drain()  # a check that failed only because it was stopped is "unchecked" (plugin.py)
            raise
        except self.session.Failed:
            self.drain()
            raise
        finally:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def raise_if_stopping(self) -> None:
        if self.session.shouldfail:
            raise self.session.Failed(self.session.shouldfail)
        if self.session.shouldstop:
            raise self.session.Interrupted(self.session.shouldstop)
        if self.stopper.stopped.is_set():
            raise self.session.Interrupted("interrupted (Ctrl-C)")

    def start(self, item: pytest.Item, nextitem: pytest.Item) -> None:
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        setup = call_and_report(item, "setup", log=True)
        # Leave the item's own node now, so the next one can be set up: its fixtures are plain values
        # (runs_alone sent the others down pytest's own path); the teardown report is logged after the call.
        teardown = call_and_report(item, "teardown", log=False, nextitem=nextitem)
        if not setup.passed:
            self.finish(item, teardown)
            return
        record = item.stash.get(RECORD, None) or CheckRecord()
        self.running[self.pool.submit(_call, item, record)] = (item, teardown)

    def collect(self, when: str) -> None:
        done, _ = wait(list(self.running), timeout=0.5, return_when=when)
        for future in done:
            item, teardown = self.running.pop(future)
            call = future.result()
            report: pytest.TestReport = item.ihook.pytest_runtest_makereport(item=item, call=call)
            item.ihook.pytest_runtest_logreport(report=report)
            self.finish(item, teardown)

    def drain(self) -> None:
        while self.running:
            self.collect(FIRST_COMPLETED)

    def finish(self, item: pytest.Item, teardown: pytest.TestReport) -> None:
        teardown.user_properties = list(item.user_properties)  # what the call added (JUnit reads them here)
        item.ihook.pytest_runtest_logreport(report=teardown)
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)


def _call(item: pytest.Item, record: CheckRecord) -> CallInfo[None]:
    """The check's call, on a worker thread, with its own record of what it saw."""
    token = CURRENT_CHECK.set(record)
    try:
        return CallInfo.from_call(item.runtest, when="call", reraise=())
    finally:
        CURRENT_CHECK.reset(token)


def run_checks(session: pytest.Session, workers: int, stopper: Stopper) -> Any:
    serialise_ast_parse()
    with warnings.catch_warnings():
        # Hypothesis compares the global `random` state around each draw; with checks in threads another
        # thread moves it, and the warning blames the kit's strategies for what is only concurrency.
        warnings.filterwarnings("ignore", message=RANDOM_WARNING, category=HypothesisDeprecationWarning)
        Runner(session, workers, stopper).run()
    return True
