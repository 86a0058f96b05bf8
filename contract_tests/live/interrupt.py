"""Ctrl-C, exactly: stop sending, let every request in flight be answered and recorded, then clean up.

The first Ctrl-C sets `stopped`: from then on every request the kit would send raises `Interrupted`
instead (a request already on the wire is answered and its lead recorded first, so cleanup knows
it), and a check that fails after it is "unchecked", never a finding. During cleanup a Ctrl-C is
noted and cleanup goes on; a second one abandons it, and the leads left are listed.

SIGTERM (what CI's cancel, `timeout` and `docker stop` send, and the way to stop a run started
with `&`, which bash starts with SIGINT ignored) is a Ctrl-C in every respect.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
from typing import Any, Callable

INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


def sigterm_as_ctrl_c() -> None:
    """From now on SIGTERM raises KeyboardInterrupt, as Ctrl-C does: a command's start-up is interrupted alike."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.default_int_handler)


class Interrupted(KeyboardInterrupt):
    """Raised instead of sending a request once the run was interrupted."""


class Stopper:
    def __init__(self, tool: str = "leadkit verify", owner: str = "the kit") -> None:
        self.tool, self.owner = tool, owner  # who says what the stop does, and whose leads it removes
        self.stopped = threading.Event()
        self.cleaning = False
        self.abandon = False  # a Ctrl-C during cleanup: the next one leaves leads behind
        self.announce: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True)
        self._main_sending = 0
        self._previous: Any = None
        self._installed = False
        self._previous_hook: Any = sys.unraisablehook

    def install(self) -> None:
        """Take over SIGINT and SIGTERM (main thread only; elsewhere pytest's own KeyboardInterrupt stays).

        Also `sys.unraisablehook`: a signal that lands where Python cannot raise (a weakref callback,
        a finalizer) has its Interrupted dropped; the run is marked stopped all the same and stops at
        its next request, so that drop is not printed as "Exception ignored". Anything else goes on
        to the hook that was there."""
        if threading.current_thread() is threading.main_thread() and not self._installed:
            self._previous = {sig: signal.signal(sig, self._handle) for sig in INTERRUPTS}
            self._previous_hook = sys.unraisablehook
            sys.unraisablehook = self._unraisable
            self._installed = True

    def uninstall(self) -> None:
        if self._installed:
            for sig, previous in self._previous.items():
                signal.signal(sig, previous if previous is not None else signal.default_int_handler)
            if sys.unraisablehook == self._unraisable:  # never over a hook installed after ours
                sys.unraisablehook = self._previous_hook
            self._installed = False

    def _unraisable(self, unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, Interrupted) and self.stopped.is_set():
            return  # this run's own stop, already under way
        self._previous_hook(unraisable)

    def stop(self) -> None:
        """Interrupt the run (from the signal, or from a runner that caught KeyboardInterrupt)."""
        if not self.stopped.is_set():
            self.stopped.set()
            self.announce(f"\n{self.tool}: interrupted; removing {self.owner}'s test leads (Ctrl-C again to leave them)")

    def _handle(self, signum: int, frame: Any) -> None:
        if self.cleaning:
            if self.abandon:
                raise KeyboardInterrupt
            self.abandon = True
            self.stopped.set()  # no verdict: the run was interrupted, if only at its very end
            self.announce(f"{self.tool}: still removing {self.owner}'s test leads; Ctrl-C again to leave them behind")
            return
        if self.stopped.is_set():
            raise KeyboardInterrupt  # the second Ctrl-C: leave now
        self.stop()
        if not self._main_sending and not _unraisable_here(frame):
            raise Interrupted  # nothing in flight on this thread: stop where it is
        # else the next request or check stops it: inside a gc callback or a finalizer, Python
        # would print the exception as "ignored" and drop it
        # else the request in flight finishes and is recorded, then `after_send` raises

    def before_send(self) -> None:
        if self.stopped.is_set() and not self.cleaning:
            raise Interrupted
        if threading.current_thread() is threading.main_thread():
            self._main_sending += 1

    def after_send(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._main_sending -= 1
        if self.stopped.is_set() and not self.cleaning:
            raise Interrupted


def _unraisable_here(frame: Any) -> bool:
    """Whether the interrupted code is a garbage-collector callback or a finalizer, or runs inside one."""
    callbacks = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    while frame is not None:
        if frame.f_code in callbacks or frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


def caused_by_interrupt(exc: BaseException | None) -> bool:
    """Whether an interrupt is anywhere in an exception: its group, its cause or its context."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, KeyboardInterrupt):
            return True
        todo += [current.__cause__, current.__context__, *getattr(current, "exceptions", ())]
    return False
