"""The generated phase, exact (issue 23): each generated case judged once, by the check that made it, before it reports."""

from __future__ import annotations

import pytest
from kit_helpers import in_process, run_verify
from planting import Planted, mock
from werkzeug.wrappers import Request, Response

GENERATED = "generated or stateful"
GENERATED_CHECK = "contract_tests/test_generated.py::test_generated_requests"
SERVER_ERROR = b'{"success": false, "error": "Internal error", "code": "INTERNAL_ERROR", "details": {}}'


def list_query_errors_are_500() -> Planted:
    """The list answers 500 where it should refuse a query value with 400.

    Only the generated (negative) cases send the list a bad query value: the stateful run follows
    the spec's links, and none leads to the list.
    """

    def after(request: Request, body: bytes, response: Response) -> None:
        if request.method == "GET" and request.path == "/api/v1/leads" and response.status_code == 400:
            response.status_code = 500
            response.set_data(SERVER_ERROR)

    return Planted(mock(), after=after)


@pytest.mark.slow
@pytest.mark.parametrize("run", range(10))  # 10 runs of 10, unseeded: never dropped, never credited elsewhere
def test_a_violation_only_generated_cases_reach_is_reported_by_the_generated_check(run: int) -> None:
    outcome = run_verify(in_process(list_query_errors_are_500(), max_examples=10), select=GENERATED)
    assert outcome.exit_code == 1, outcome.summary
    assert "no-server-errors" in outcome.broken_rules, outcome.summary
    shown_by = {finding.check for found in outcome.findings.violations for finding in found}
    assert shown_by and all(check.startswith(GENERATED_CHECK) for check in shown_by), shown_by
