"""One 500 from the deployment is `no-server-errors` with its evidence: a check that needed the request
could not judge its own rule and says so in words; a 5xx to the very request a rule is about breaks both."""

from __future__ import annotations

import itertools
from typing import Any

from kit_helpers import in_process, run_verify
from planting import Planted, answer, mock
from werkzeug.wrappers import Request, Response

INTERNAL = {"success": False, "error": "Internal error", "code": "INTERNAL_ERROR", "details": {}}


def test_a_500_to_a_lead_the_check_needed_is_no_server_errors_and_could_not_judge() -> None:
    posts = itertools.count(1)

    def first_create_fails(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if request.method == "POST" and next(posts) == 1:
            return answer(500, INTERNAL)
        return None

    # The merge-patch check makes its lead first (a request it needs), then tests its PUT.
    outcome = run_verify(in_process(Planted(mock(), before=first_create_fails), workers=1), select="test_metadata_is_merge_patched")
    assert outcome.exit_code == 1, outcome.summary
    assert outcome.broken_rules == {"no-server-errors"}, outcome.summary
    (found,) = outcome.findings.broken["no-server-errors"]
    assert found.exchange is not None and found.exchange.status == 500 and found.exchange.method == "POST"
    assert "could not judge: POST" in outcome.summary and "a request the check needed" in outcome.summary
    assert "update-merge-patch" not in outcome.broken_rules


def test_a_500_to_the_request_a_rule_is_about_breaks_that_rule_too() -> None:
    def letters_in_phone_fail(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if request.method == "POST" and b"CALL-NOW" in body:
            return answer(500, INTERNAL)
        return None

    outcome = run_verify(in_process(Planted(mock(), before=letters_in_phone_fail), workers=1), select="letters-in-phone")
    assert outcome.exit_code == 1, outcome.summary
    assert outcome.broken_rules == {"no-server-errors", "phone-source-any-text"}, outcome.summary
    assert "could not judge" not in outcome.summary
