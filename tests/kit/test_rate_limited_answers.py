"""429s as the kit meets them: each judged before it is waited out, and the answer after it dated by its own attempt."""

from __future__ import annotations

import itertools
import time
from typing import Any

from kit_helpers import in_process, run_verify
from planting import Planted, answer, mock
from werkzeug.wrappers import Request, Response

from contract_tests.live.guard import Guard, Ledger
from contract_tests.live.session import make_session

RATE_LIMITED = {"success": False, "error": "Slow down", "code": "RATE_LIMITED", "details": {}}


def test_the_answer_after_a_429_is_dated_by_the_attempt_that_got_it() -> None:
    """A list that waited out a 429 began when its last attempt left, not when the first did: dated
    by the first, a lead created during the wait would look listed before it was made (no-id-reuse)."""
    arrivals: list[float] = []

    def first_is_429(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        arrivals.append(time.time())
        return answer(429, RATE_LIMITED, {"Retry-After": "1"}) if len(arrivals) == 1 else None

    target = in_process(Planted(mock(), before=first_is_429))
    ledger = Ledger()
    session = make_session(target, Guard(target.leads_url, ledger, read_only=False), ledger)
    response = session.get(target.leads_url, headers={"Authorization": f"Bearer {target.api_key}"})
    assert response.status_code == 200 and len(arrivals) == 2
    exchange = response.leadkit_exchange  # type: ignore[attr-defined]
    assert arrivals[0] + 0.9 < exchange.started <= arrivals[1], (arrivals, exchange.started)
    assert session.rate_limited == 1


def test_a_429_without_retry_after_breaks_its_rule_though_the_kit_waits_it_out() -> None:
    seen = itertools.count(1)

    def every_third_list(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if request.method == "GET" and request.path == "/api/v1/leads" and next(seen) % 3 == 0:
            return answer(429, RATE_LIMITED, {"Retry-After": "0"} if request.args.get("limit") != "1" else {})
        return None

    outcome = run_verify(in_process(Planted(mock(), before=every_third_list)), select="test_a_burst_is_answered_or_properly_rate_limited")
    assert outcome.exit_code == 1, outcome.summary
    assert outcome.broken_rules == {"rate-limited-answer"}, outcome.summary
    assert "without the Retry-After header" in outcome.summary


def test_a_429_with_retry_after_and_its_envelope_is_silent() -> None:
    seen = itertools.count(1)

    def every_third_list(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if request.method == "GET" and request.path == "/api/v1/leads" and next(seen) % 3 == 0:
            return answer(429, RATE_LIMITED, {"Retry-After": "0"})
        return None

    outcome = run_verify(in_process(Planted(mock(), before=every_third_list)), select="test_a_burst_is_answered_or_properly_rate_limited")
    assert outcome.exit_code == 0, outcome.summary
    assert "rate-limited-answer" not in outcome.broken_rules
