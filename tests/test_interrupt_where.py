"""A Ctrl-C (or SIGTERM) that lands inside a garbage-collector callback or a finalizer is not lost
and prints nothing of its own: Python would swallow an exception raised there as "unraisable",
so the handler only marks the run stopped, and the next request or check stops it."""

from __future__ import annotations

import gc
import signal
import sys
from typing import Any

import pytest

from contract_tests.live.interrupt import Interrupted, Stopper


def test_a_signal_in_a_gc_callback_marks_the_run_stopped_without_raising() -> None:
    stopper = Stopper()
    stopper.announce = lambda text: None
    caught: list[BaseException] = []

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            try:
                stopper._handle(signal.SIGTERM, sys._getframe())
            except BaseException as exc:  # what Python would report as unraisable
                caught.append(exc)

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)
    assert caught == []
    assert stopper.stopped.is_set()
    with pytest.raises(Interrupted):
        stopper.before_send()  # the run stops at its next request


def test_a_signal_in_a_finalizer_marks_the_run_stopped_without_raising() -> None:
    stopper = Stopper()
    stopper.announce = lambda text: None
    caught: list[BaseException] = []

    class Finalized:
        def __del__(self) -> None:
            try:
                stopper._handle(signal.SIGINT, sys._getframe())
            except BaseException as exc:
                caught.append(exc)

    Finalized()
    assert caught == [] and stopper.stopped.is_set()


def test_a_signal_anywhere_else_stops_where_it_is() -> None:
    stopper = Stopper()
    stopper.announce = lambda text: None
    with pytest.raises(Interrupted):
        stopper._handle(signal.SIGINT, sys._getframe())


def test_a_signal_in_a_weakref_callback_is_never_reported_as_ignored() -> None:
    """Any other place Python cannot raise from (a weakref callback, as WeakKeyDictionary's): the
    Interrupted it drops is not printed as "Exception ignored"; the run still stops at its next request."""
    import weakref

    stopper = Stopper()
    stopper.announce = lambda text: None
    reported: list[Any] = []
    previous = sys.unraisablehook
    sys.unraisablehook = reported.append  # as Python (or pytest) would print it
    try:
        stopper.install()

        class Held:
            pass

        held = Held()
        keep = weakref.ref(held, lambda ref: stopper._handle(signal.SIGTERM, sys._getframe()))
        del held  # the callback runs here, and the signal "lands" in it
        assert keep() is None
        other = Held()
        keep_other = weakref.ref(other, lambda ref: 1 / 0)  # anything else unraisable is still reported
        del other
    finally:
        stopper.uninstall()
        sys.unraisablehook = previous
    assert [type(report.exc_value) for report in reported] == [ZeroDivisionError]
    assert stopper.stopped.is_set() and keep_other() is None
    with pytest.raises(Interrupted):
        stopper.before_send()
