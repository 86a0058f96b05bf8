"""A few seconds of bench/stress.py in the suite: concurrent writes keep every invariant."""

from __future__ import annotations

from bench import stress


def test_a_short_stress_run_keeps_every_invariant() -> None:
    assert stress.run(seconds=4, threads=4, max_ops=20_000, quiet=True) == []
