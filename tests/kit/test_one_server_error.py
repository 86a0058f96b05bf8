"""One 500 from the deployment is `no-server-errors` with its evidence: a check that needed the request
could not judge its own rule and says so in words; a 5xx to the very request a rule is about breaks both."""

from __future__ import annotations

import itertools
from typing import Any, Callable

from kit_helpers import HAND_WRITTEN, in_process, run_verify
from planting import Planted, answer, mock
from werkzeug.wrappers import Request, Response

INTERNAL = {"success": False, "error": "Internal error", "code": "INTERNAL_ERROR", "details": {}}


def failing(when: Callable[[Request, bytes], bool]) -> Planted:
    """The clean mock, but a 500 for each request `when` picks (it sees requests in the order they come)."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        return answer(500, INTERNAL) if when(request, body) else None

    return Planted(mock(), before=before)


def nth(method: str, n: int) -> Callable[[Request, bytes], bool]:
    """The n-th request of `method` (1 for the first)."""
    seen = itertools.count(1)
    return lambda request, body: request.method == method and next(seen) == n


def test_a_500_to_a_lead_the_check_needed_is_no_server_errors_and_could_not_judge() -> None:
    # The merge-patch check makes its lead first (a request it needs), then tests its PUT.
    outcome = run_verify(in_process(failing(nth("POST", 1)), workers=1), select="test_metadata_is_merge_patched")
    assert outcome.exit_code == 1, outcome.summary
    assert outcome.broken_rules == {"no-server-errors"}, outcome.summary
    (found,) = outcome.findings.broken["no-server-errors"]
    assert found.exchange is not None and found.exchange.status == 500 and found.exchange.method == "POST"
    assert "could not judge: POST" in outcome.summary and "a request the check needed" in outcome.summary
    assert "update-merge-patch" not in outcome.broken_rules


def test_a_500_to_the_request_a_rule_is_about_breaks_that_rule_too() -> None:
    outcome = run_verify(in_process(failing(lambda request, body: request.method == "POST" and b"CALL-NOW" in body), workers=1), select="letters-in-phone")
    assert outcome.exit_code == 1, outcome.summary
    assert outcome.broken_rules == {"no-server-errors", "phone-source-any-text"}, outcome.summary
    assert "could not judge" not in outcome.summary


def test_a_500_to_the_subject_is_said_as_the_answer_never_as_the_checks_own_confusion() -> None:
    """The check reads the subject's body (a list after a delete); a 500 there has none: the finding
    says what the server answered, never the None the check then tripped on."""
    searched = itertools.count(1)
    # the check's second search (after the delete) is its subject
    outcome = run_verify(
        in_process(failing(lambda request, body: request.method == "GET" and "search" in request.args and next(searched) == 2), workers=1),
        select="test_a_lead_read_before_its_delete_is_gone_after_it",
    )
    assert outcome.exit_code == 1, outcome.summary
    assert outcome.broken_rules == {"no-server-errors", "not-found-after-delete"}, outcome.summary
    (found,) = outcome.findings.broken["not-found-after-delete"]
    assert found.exchange is not None and found.exchange.status == 500 and "search=" in found.exchange.url
    assert "answered 500" in found.message, found.message
    assert "NoneType" not in outcome.summary, outcome.summary


def test_a_500_in_a_shared_fixtures_set_up_is_no_server_errors_and_could_not_judge() -> None:
    """The metacharacter checks share leads made once for the module: a 500 to one of those creates is
    the deployment's no-server-errors, and each check that needed them could not judge (never create-envelope)."""
    outcome = run_verify(in_process(failing(nth("POST", 1)), workers=1), select="test_search_metacharacters_match_only_themselves")
    assert outcome.exit_code == 1, outcome.summary
    assert outcome.broken_rules == {"no-server-errors"}, outcome.summary
    (found,) = outcome.findings.broken["no-server-errors"]
    assert found.exchange is not None and found.exchange.status == 500 and found.exchange.method == "POST"
    assert "could not judge: POST" in outcome.summary, outcome.summary
    assert len(outcome.findings.skipped) == len(outcome.findings.planned) == 8  # every one of its checks, each in words
    assert all(reason.startswith("could not judge: POST") for reason, _ in outcome.findings.skipped.values()), outcome.findings.skipped


def test_an_injected_500_is_one_broken_rule_not_many() -> None:
    """One DELETE of the whole hand-written run fails: every check that needed it could not judge, none is broken."""
    outcome = run_verify(in_process(failing(nth("DELETE", 3)), workers=1), select=HAND_WRITTEN)
    assert outcome.exit_code == 1, outcome.summary
    assert outcome.broken_rules == {"no-server-errors"}, outcome.summary
    assert "'NoneType' object" not in outcome.summary and "got 500" not in outcome.summary.partition("no-server-errors")[0]
    (found,) = outcome.findings.broken["no-server-errors"]
    assert found.exchange is not None and found.exchange.status == 500 and found.exchange.method == "DELETE"
    assert "could not judge: DELETE" in outcome.summary, outcome.summary  # the check that needed it says so, in words


def test_a_500_among_concurrent_creates_is_could_not_judge() -> None:
    """The concurrency checks' threads report to their check: a 500 among simultaneous creates is
    no-server-errors, and the check could not judge its own rule."""
    outcome = run_verify(in_process(failing(nth("POST", 2)), workers=1), select="test_parallel_creates_get_ids_of_their_own")
    assert outcome.exit_code == 1, outcome.summary
    assert outcome.broken_rules == {"no-server-errors"}, outcome.summary
    assert "could not judge: POST" in outcome.summary, outcome.summary


def test_scattered_500s_never_spread_into_unrelated_rules() -> None:
    """Every 40th request of a whole hand-written run fails with a 500 (a flaky deployment): each
    broken rule but no-server-errors is shown by a 5xx answer to the very request it is about,
    and no check reports the kit's own confusion (a None read, a key missing) as a finding."""
    requests = itertools.count(1)
    outcome = run_verify(in_process(failing(lambda request, body: next(requests) % 40 == 0), workers=4), select=HAND_WRITTEN)
    assert outcome.exit_code == 1, outcome.summary
    assert "no-server-errors" in outcome.broken_rules
    for rule_id, found in outcome.findings.broken.items():
        shown = [finding.exchange.status if finding.exchange is not None else None for finding in found]
        assert all(status is not None and status >= 500 for status in shown), (rule_id, [finding.message for finding in found])
    for confusion in ("NoneType", "KeyError", "TypeError", "Traceback", "expected _statuses"):
        assert confusion not in outcome.summary, outcome.summary
    assert "could not judge" in outcome.summary


def test_a_target_that_answers_the_kits_first_look_with_500_says_why_it_could_not_run() -> None:
    """Run in process (as the suite and an embedding tool do): the reason the kit gave, never "the pytest session ended"."""
    outcome = run_verify(in_process(failing(lambda request, body: True), workers=1), select="test_metadata_is_merge_patched")
    assert outcome.exit_code == 2, outcome.summary
    assert "answered 500" in outcome.summary and "ended with" not in outcome.summary, outcome.summary


def test_a_check_that_could_not_judge_a_rule_judged_elsewhere_prints_no_empty_list() -> None:
    """update-merge-patch is also judged on the traffic: nothing is left wholly unchecked, so no empty list is printed."""
    outcome = run_verify(in_process(failing(nth("POST", 1)), workers=1), select="test_metadata_is_merge_patched")
    assert "Skipped, not passed: 1 check (could not judge: POST" in outcome.summary, outcome.summary
    assert "Rules checked only in part: update-merge-patch" in outcome.summary, outcome.summary
    assert not [line for line in outcome.summary.splitlines() if line and not line.strip()], outcome.summary
