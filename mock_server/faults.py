"""Slowness and failure on demand: `--latency`, `--fail-rate` and `--rate-limit`.

Each is built once at start-up and is None when off, so an ordinary mock pays nothing.
"""

from __future__ import annotations

import math
import random
import re
import threading
import time
from typing import Any

from .controls import Controls
from .envelopes import Reply
from .errors import ApiError
from .forced import ForcedResponses

_LATENCY = re.compile(r"([0-9]{1,6})(?:-([0-9]{1,6}))?")
_RATE = re.compile(r"([0-9]{1,9})/(s|sec|second|m|min|minute)")
FAULT_STATUSES = ("429", "500")  # documented errors a healthy request can still meet


class Latency:
    """A fixed delay or one drawn uniformly from MIN-MAX milliseconds for each request."""

    def __init__(self, low_ms: int, high_ms: int, seed: int | None = None) -> None:
        self.low_ms, self.high_ms = low_ms, high_ms
        self._random = random.Random(seed)

    def draw_ms(self) -> int:
        return self.low_ms if self.low_ms == self.high_ms else self._random.randint(self.low_ms, self.high_ms)

    def __str__(self) -> str:
        return f"{self.low_ms} ms" if self.low_ms == self.high_ms else f"{self.low_ms}-{self.high_ms} ms"


def parse_latency(text: Any) -> tuple[int, int] | None:
    """`"250"` or `"100-400"` (milliseconds) -> (low, high); `0`/empty/None means none."""
    if text is None or text == "" or text == 0:
        return None
    match = _LATENCY.fullmatch(str(text).strip())
    if match is None:
        raise ValueError(f"latency must be MS or MIN-MAX in milliseconds, like 250 or 100-400, got {text!r}")
    low = int(match.group(1))
    high = int(match.group(2) or low)
    if high < low:
        raise ValueError(f"latency {text!r}: MIN is larger than MAX")
    return (low, high) if high else None


def sleep_for(controls: Controls | None, latency: Latency | None) -> int:
    """Wait as `Prefer: delay` says, else as `--latency` says; returns the milliseconds waited."""
    delay = controls.delay_ms if controls is not None and controls.delay_ms is not None else None
    if delay is None and latency is not None:
        delay = latency.draw_ms()
    if delay:
        time.sleep(delay / 1000)
    return delay or 0


def parse_fail_rate(value: Any) -> float:
    """A probability from 0 to 1 (`0.1` fails one request in ten)."""
    try:
        rate = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"fail rate must be a number from 0 to 1, got {value!r}") from None
    if not 0 <= rate <= 1:
        raise ValueError(f"fail rate must be from 0 to 1, got {value!r}")
    return rate


class FailRate:
    """Answers a fraction of requests with a documented 429 or 500, from a seeded source."""

    def __init__(self, rate: float, forced: ForcedResponses, seed: int | None = None) -> None:
        self.rate = rate
        self._forced = forced
        self._random = random.Random(seed)
        self._lock = threading.Lock()  # one draw sequence, so a seed gives the same failures

    def maybe_fail(self, operation_id: str) -> Reply | None:
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            status = self._random.choice(FAULT_STATUSES)
        return self._forced.answer(operation_id, Controls(code=status))


def parse_rate_limit(value: Any) -> float | None:
    """`"10/s"` or `"600/min"` -> requests per second; None/empty means no limit."""
    if value is None or value == "":
        return None
    match = _RATE.fullmatch(str(value).strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"rate limit must be N/s or N/min with N at least 1, like 10/s, got {value!r}")
    per_second = int(match.group(1))
    return per_second if match.group(2).startswith("s") else per_second / 60


class RateLimiter:
    """A token bucket per API key: bursts up to one second's worth, then the steady rate."""

    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        self._capacity = max(per_second, 1.0)
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Take a token for `key`, or refuse with 429 and when to come back."""
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(key, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - then) * self.per_second)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return
            self._buckets[key] = (tokens, now)
        wait = max(1, math.ceil((1 - tokens) / self.per_second))
        raise ApiError(
            429,
            "RATE_LIMITED",
            "Too many requests",
            {"retryAfterSeconds": wait, "limitPerSecond": self.per_second},
            {"Retry-After": str(wait)},
        )

    def __str__(self) -> str:
        return f"{self.per_second:g}/s per key"
