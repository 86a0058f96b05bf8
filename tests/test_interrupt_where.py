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
