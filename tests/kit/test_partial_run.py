"""A run that deselected checks (`-k`, as `pytest --pyargs contract_tests -k not_found` does) says it was partial, and what it left unjudged."""

from __future__ import annotations

from kit_helpers import in_process, run_verify
from planting import mock


def test_a_selected_run_says_it_was_partial_and_names_the_rules_it_left() -> None:
    outcome = run_verify(in_process(mock()), select="not_found")
    assert outcome.exit_code == 0, outcome.summary
    verdict = outcome.summary.splitlines()[-1]
    assert verdict.startswith("leadkit verify: http://kit-under-test.invalid conforms to the contract in every check that ran"), verdict
    assert "deselected" in verdict
    partial = next(line for line in outcome.summary.splitlines() if line.startswith("Partial run:"))
    assert "checks deselected" in partial
    left = outcome.summary.split("rules left unjudged:", 1)[1].splitlines()[0]
    assert "pagination-arithmetic" in left and "delete-envelope" in left  # never judged by a not-found check
    assert "not-found-after-delete" not in left  # the selected checks judged it
    assert outcome.report.verdict == verdict.removeprefix("leadkit verify: ")
