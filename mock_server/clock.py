"""Time as the API shows it: UTC milliseconds, never running backwards."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

_FORMAT = "%Y-%m-%dT%H:%M:%S"


def format_ms(ms: int) -> str:
    """Render epoch milliseconds as `2024-01-15T10:30:00.000Z`."""
    seconds, millis = divmod(ms, 1000)
    return datetime.fromtimestamp(seconds, timezone.utc).strftime(_FORMAT) + f".{millis:03d}Z"


def parse_timestamp(text: str) -> int:
    """Parse `2024-01-15T10:30:00.000Z` into epoch milliseconds; ValueError if malformed."""
    if len(text) != 24 or text[19] != "." or text[23] != "Z":
        raise ValueError(f"not a UTC timestamp with milliseconds: {text!r}")
    moment = datetime.strptime(text[:19], _FORMAT).replace(tzinfo=timezone.utc)
    return int(moment.timestamp()) * 1000 + int(text[20:23])


class Clock:
    """Monotonic wall-clock milliseconds; with `start_ms`, a reproducible clock instead.

    The reproducible clock starts at `start_ms` and advances `step_ms` per reading, so a
    seeded mock gives the same timestamps run to run.
    """

    def __init__(self, start_ms: int | None = None, step_ms: int = 1000) -> None:
        self._fixed = start_ms is not None
        self._last = start_ms - step_ms if start_ms is not None else 0
        self._step = step_ms
        self._lock = threading.Lock()

    def now_ms(self, at_least: int = 0) -> int:
        """The time now, and never less than `at_least`: a reading that must follow a stamp given out.

        An update stamps `updatedAt` 1 ms past the last one even within one millisecond, so
        a burst of them runs ahead of the wall clock; taking `at_least` here moves the clock
        there too, and every later reading (a delete, the audit log) comes after it.
        """
        with self._lock:
            if self._fixed:
                self._last = max(self._last + self._step, at_least)
            else:
                self._last = max(self._last, time.time_ns() // 1_000_000, at_least)
            return self._last

    def last_ms(self) -> int:
        """The time now without taking a reading: the reproducible clock does not tick for it.

        What a report of the state (an export's `exportedAt`) stamps, so looking at a seeded
        mock never moves the timestamps its next writes get.
        """
        with self._lock:
            return max(self._last, 0) if self._fixed else max(self._last, time.time_ns() // 1_000_000)
