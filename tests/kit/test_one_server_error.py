"""One 500 from the deployment is `no-server-errors`, once, with its evidence: checks that needed that request could not judge their own rule."""

from __future__ import annotations

import itertools
from typing import Any

from kit_helpers import HAND_WRITTEN, in_process, run_verify
from planting import Planted, answer, mock
from werkzeug.wrappers import Request, Response


def test_an_injected_500_is_one_broken_rule_not_many() -> None:
    deletes = itertools.count(1)

    def third_delete_fails(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if request.method != "DELETE" or next(deletes) != 3:
            return None
        return answer(500, {"success": False, "error": "Internal error", "code": "INTERNAL_ERROR", "details": {}})

    outcome = run_verify(in_process(Planted(mock(), before=third_delete_fails), workers=1), select=HAND_WRITTEN)
    assert outcome.exit_code == 1, outcome.summary
    assert outcome.broken_rules == {"no-server-errors"}, outcome.summary
    assert "'NoneType' object" not in outcome.summary and "got 500" not in outcome.summary.partition("no-server-errors")[0]
    (found,) = outcome.findings.broken["no-server-errors"]
    assert found.exchange is not None and found.exchange.status == 500 and found.exchange.method == "DELETE"
    rules = {rule.id: rule for rule in outcome.report.rules}
    could_not = [rule for rule in rules.values() if "could not judge" in rule.reason]
    assert could_not, outcome.summary  # the check that needed the DELETE says so, in words
