"""The evidence a reviewer opens: --report-json against its schema, --report-html in a real browser, coverage."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import jsonschema_rs
from broken_servers import BUGS
from kit_helpers import HAND_WRITTEN, in_process, run_verify
from planting import Planted, answer, mock
from werkzeug.wrappers import Request, Response

from contract_tests.verify.run import Reports

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from reportpage import opened_offline, visible_rules  # noqa: E402


def broken_run(tmp_path: Path, bug: str, select: str) -> tuple[Any, Path, Path]:
    json_path, html_path = tmp_path / "report.json", tmp_path / "report.html"
    target = in_process(BUGS[bug](), seed=7)  # a seeded run: its summary ends with how to repeat it
    outcome = run_verify(target, select=select, reports=Reports(json=str(json_path), html=str(html_path)))
    return outcome, json_path, html_path


def test_json_report_holds_the_verdict_every_rule_and_the_evidence(tmp_path: Path) -> None:
    outcome, json_path, _ = broken_run(tmp_path, "wrong-delete-message", "test_envelopes")
    data = json.loads(json_path.read_text())
    schema = json.loads((ROOT / "docs" / "report-schema.json").read_text())
    assert [error.message for error in jsonschema_rs.validator_for(schema).iter_errors(data)] == []
    assert (data["tool"], data["exit_code"], data["outcome"]) == ("verify", 1, "does-not-conform")
    # The verdict as data, never the summary's last line read back (that line can be the --seed hint).
    assert re.fullmatch(r"http://kit-under-test.invalid does NOT conform: \d+ rule\(s\) broken \(\d+ checks passed, 0 skipped; \d+ deselected\)", data["verdict"]), data["verdict"]
    rules = {rule["id"]: rule for rule in data["rules"]}
    broken = rules["delete-envelope"]
    # The check of the delete envelope, and every other check whose DELETE the rule engine judged.
    assert broken["status"] == "broken" and broken["broken"] == len(broken["evidence"]) >= 1
    evidence = broken["evidence"][0]
    assert evidence["request"].startswith("DELETE http://kit-under-test.invalid/api/v1/leads/lead_")
    assert evidence["response"].startswith('200 application/json {"success": true, "message": "Lead removed"')
    assert '-H "Authorization: Bearer $LEADS_API_KEY"' in evidence["curl"]
    assert rules["create-envelope"]["status"] == "passed" and rules["create-envelope"]["checked"] == 7
    assert rules["pagination-arithmetic"]["status"] == "skipped"  # not selected: never claimed as passed
    assert "sk-workspace" not in json_path.read_text()
    assert data["coverage"]["missing"] and data["requests"] == outcome.report.requests > 0


def test_the_summary_says_a_failed_assert_in_words_never_pytests_rewriting() -> None:
    outcome = run_verify(in_process(BUGS["forbidden-instead-of-401"]()), select="test_missing_or_wrong_key")
    block = outcome.summary.partition("BROKEN  unauthorized:")[2]
    # The rule engine, judging each response, says it first; the check's own assert is said in words too.
    assert "why:      a refused key is answered 403; the contract answers 401 UNAUTHORIZED" in block
    messages = {finding.message for finding in outcome.findings.broken["unauthorized"]}
    assert "expected status 401; got 403 (the response below)" in messages
    assert "+ where" not in outcome.summary and "assert " not in outcome.summary and "Reply(" not in outcome.summary


def test_html_answers_are_described_in_one_line_never_dumped() -> None:
    outcome = run_verify(in_process(BUGS["html-unknown-route"]()), select="test_unknown_route")
    block = outcome.summary.partition("BROKEN  json-content-type:")[2]
    assert "response: 404 text/html (an HTML page, " in block
    assert "<h1>" not in outcome.summary and "<!doctype" not in outcome.summary


def test_require_coverage_fails_a_conforming_run_that_never_saw_a_documented_status() -> None:
    outcome = run_verify(in_process(mock()), select="test_get_answers", reports=Reports(require_coverage=True))
    assert outcome.exit_code == 3, outcome.summary
    assert "--require-coverage: " in outcome.summary and "DELETE /api/v1/leads/{leadId} 404" in outcome.summary
    assert "Coverage: responses seen per operation and documented status" in outcome.summary
    plain = run_verify(in_process(mock()), select="test_get_answers")
    assert plain.exit_code == 0, plain.summary  # without the option the same gaps are shown, not failed


def test_429_is_waited_out_counted_and_shown_in_coverage() -> None:
    count = iter(range(10**6))

    def every_third(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if next(count) % 3:
            return None
        return answer(429, {"success": False, "error": "Slow down", "code": "RATE_LIMITED", "details": {}}, {"Retry-After": "0"})

    outcome = run_verify(in_process(Planted(mock(), before=every_third)), select="test_envelopes")
    assert outcome.exit_code == 0, outcome.summary
    assert "Rate limited: " in outcome.summary and "answers were 429; the kit waited" in outcome.summary
    post = next(op for op in outcome.report.coverage.operations if (op.method, op.path) == ("POST", "/api/v1/leads"))
    assert post.seen[429] > 0


def test_html_report_shows_the_planted_bug_in_a_browser_offline(tmp_path: Path, report_browser: Any) -> None:
    _, _, html_path = broken_run(tmp_path, "keeps-deleted", HAND_WRITTEN)
    with opened_offline(report_browser, html_path) as (page, requested):
        assert page.locator("body > *").first.get_attribute("id") == "verdict"  # the verdict comes first
        assert "does NOT conform" in page.text_content("#verdict")
        page.click(".filters button[data-status=broken]")
        visible = visible_rules(page)
        assert "not-found-after-delete" in visible and all(
            page.get_attribute(f"#rules tr[data-rule={rule_id}]", "data-status") == "broken" for rule_id in visible
        )
        page.fill("#filter-text", "after-delete")
        assert visible_rules(page) == ["not-found-after-delete"]
        page.click("#rules tr[data-rule=not-found-after-delete] a")
        evidence = page.text_content("#rule-not-found-after-delete")
        # the rule is about GET, PUT and DELETE of a deleted id: the checks run at once, and whichever
        # of them reports first gives the evidence shown
        assert re.search(r"curl -i -X (GET|PUT|DELETE) http://kit-under-test\.invalid/api/v1/leads/lead_", evidence), evidence
        assert "$LEADS_API_KEY" in evidence and "sk-workspace" not in evidence
        assert requested == [html_path.as_uri()]
