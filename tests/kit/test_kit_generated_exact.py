"""The generated phase, exact (issue 23): each generated case judged once, by the check that made it, before it
reports; and no generated header that the HTTP layer, not the API, answers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from kit_helpers import in_process, run_verify
from planting import Planted, mock
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER
from werkzeug.wrappers import Request, Response

from contract_tests.live.target import Target
from contract_tests.verify.fuzz import build_schema, sendable_headers
from mock_server.spec import load_spec

GENERATED = "generated or stateful"
GENERATED_CHECK = "contract_tests/verify/checks/test_generated.py::test_generated_requests"
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


@pytest.mark.parametrize(
    "name",
    [
        "Content-Length",  # framing (RFC 9112 6.2): a value that is not a number is a bare 400 from the HTTP layer
        "content-length",  # any casing
        "Transfer-Encoding",  # framing (RFC 9112 6.1): an unknown coding is a 501
        "Host",  # a second or odd Host is a 400 (RFC 9112 3.2)
        "Connection",
        "Upgrade",
        "TE",
        "Trailer",
        "Expect",  # an expectation the server cannot meet is a 417
        "Keep-Alive",
        "a b",  # not a token: a space
        "x:y",  # not a token: a colon ends the name
        "caf\u00e9",  # not a token: outside ASCII
        "",  # not a token: empty
    ],
)
def test_no_generated_header_is_one_http_framing_answers_itself(name: str) -> None:
    assert not sendable_headers(None, {"Authorization": "Bearer k", name: "y"})


@pytest.mark.parametrize("name", ["Authorization", "Content-Type", "X-Request-Id", "8A~UO+", "_OnldDCnM", "!#$%&'*+.^_`|~"])
def test_a_generated_header_whose_name_is_a_token_is_sent(name: str) -> None:
    assert sendable_headers(None, {name: "y"})


def test_the_header_filter_is_this_schemas_own() -> None:
    """On the schema verify builds, not a global Schemathesis hook that would steer other suites' runs."""
    kit: Any = SimpleNamespace(target=Target(base_url="http://x.invalid", api_key="k"), spec=load_spec(), session=None)
    assert build_schema(kit).hooks.get_all_by_name("filter_headers") == [sendable_headers]
    assert sendable_headers not in GLOBAL_HOOK_DISPATCHER.get_all_by_name("filter_headers")
