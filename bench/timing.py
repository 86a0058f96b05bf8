"""Per-call timings for the in-process bench scripts, printed as one aligned table."""

from __future__ import annotations

import statistics
import timeit
from typing import Callable

ROUNDS, NUMBER = 7, 5000


def per_call_us(func: Callable[[], object], pick: Callable[[list[float]], float] = min) -> float:
    """Microseconds per call: `pick` (min or statistics.median) of ROUNDS rounds of NUMBER calls."""
    return pick(timeit.repeat(func, repeat=ROUNDS, number=NUMBER)) / NUMBER * 1e6


def median(times: list[float]) -> float:
    return statistics.median(times)


def print_table(heading: str, unit: str, rows: list[tuple[str, float]]) -> None:
    width = max(len(name) for name, _ in rows + [(heading, 0.0)])
    print(f"{heading.ljust(width)}  {unit}")
    for name, micros in rows:
        print(f"{name.ljust(width)}  {micros:8.1f}")
