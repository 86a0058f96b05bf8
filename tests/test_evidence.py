"""contract_tests/evidence.py: the neutral report model, its JSON (against the documented schema), HTML and coverage."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema_rs

from contract_tests.core.exchange import Exchange
from contract_tests.engine.coverage import Seen
from contract_tests.evidence.html import render_html
from contract_tests.evidence.model import Report, RuleResult, body_excerpt, coverage_table, evidence_of, write_json
from mock_server.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"sk-secret-one": "LEADS_API_KEY", "sk-secret-two": "LEADS_SECOND_API_KEY"}
HTML_PAGE = b"<!doctype html>\n<html><body>\n<h1>Not Found</h1>\n" + b"<p>padding</p>\n" * 200 + b"</body></html>"


def exchange(status: int = 400, body: bytes = b'{"success": false}', content_type: str = "application/json") -> Exchange:
    return Exchange(
        method="PUT",
        url="http://a.example/api/v1/leads/lead_0123456789abcdef",
        status=status,
        response_headers={"Content-Type": content_type},
        response_body=body,
        request_headers={"Authorization": "Bearer sk-secret-one", "Content-Type": "application/json"},
        request_body=b'{"status":\n "lost"}',
    )


def report(coverage: bool = True) -> Report:
    started = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    seen = Seen(load_spec())
    seen.record("GET", "/api/v1/leads", 200)
    seen.record("PUT", "/api/v1/leads/lead_0123456789abcdef", 400)
    seen.record("PUT", "/api/v1/leads/lead_0123456789abcdef", 400)
    broken = RuleResult(
        "update-partial", "PUT changes only the fields sent", "Endpoints > Update", "broken", checked=3, broken=1,
        evidence=[evidence_of(exchange(), "expected status 200, got 400 with sk-secret-two inside", KEYS, "test_update.py::x")],
    )
    passed = RuleResult("get-envelope", "GET answers 200", "Endpoints > Get", "passed", checked=2)
    skipped = RuleResult("other-workspace-unlisted", "Lists stay apart", "Transport and auth", "skipped", skipped=4, reason="needs --second-api-key")
    return Report(
        "verify", "http://a.example", started, started + timedelta(seconds=12.5), "does NOT conform: 1 rule broken", 1,
        [broken, passed, skipped], seen.coverage() if coverage else None, requests=42, notes=["Cleanup: all gone."], outcome="does-not-conform",
    )


def test_json_report_follows_the_documented_schema(tmp_path: Path) -> None:
    schema = json.loads((ROOT / "docs" / "report-schema.json").read_text())
    for with_coverage in (True, False):
        path = tmp_path / "report.json"
        write_json(report(with_coverage), path)
        data = json.loads(path.read_text())
        errors = [error.message for error in jsonschema_rs.validator_for(schema).iter_errors(data)]
        assert errors == []
    assert data["schema"] == "leadkit-report/1"
    assert data["seconds"] == 12.5
    assert [rule["status"] for rule in data["rules"]] == ["broken", "passed", "skipped"]


def test_evidence_is_one_line_excerpts_with_keys_as_variables() -> None:
    found = evidence_of(exchange(), "got sk-secret-two back", KEYS)
    assert found.message == "got $LEADS_SECOND_API_KEY back"
    assert found.request == 'PUT http://a.example/api/v1/leads/lead_0123456789abcdef {"status": "lost"}'
    assert found.response == '400 application/json {"success": false}'
    assert found.curl.startswith('curl -i -X PUT http://a.example/api/v1/leads/lead_0123456789abcdef -H "Authorization: Bearer $LEADS_API_KEY"')
    assert "sk-secret" not in json.dumps(found.__dict__)


def test_html_bodies_are_described_never_dumped_and_long_bodies_cut() -> None:
    assert body_excerpt(HTML_PAGE, "text/html") == f"(an HTML page, {len(HTML_PAGE):,} bytes, not shown)"
    assert body_excerpt(HTML_PAGE, "") == f"(an HTML page, {len(HTML_PAGE):,} bytes, not shown)"  # even when mislabelled
    long = json.dumps({"data": "x" * 1000}).encode()
    cut = body_excerpt(long, "application/json")
    assert "\n" not in cut and len(cut) < 200 and cut.endswith(f"… ({len(long):,} bytes)")
    assert "\n" not in evidence_of(exchange(500, HTML_PAGE, "text/html"), "m", KEYS).response


def test_coverage_counts_statuses_per_operation_and_names_the_missing() -> None:
    coverage = report().coverage
    assert coverage is not None
    by_name = {f"{op.method} {op.path}": op for op in coverage.operations}
    assert by_name["PUT /api/v1/leads/{leadId}"].seen[400] == 2
    assert by_name["GET /api/v1/leads"].seen[200] == 1
    assert ("DELETE /api/v1/leads/{leadId}", 200) in coverage.missing
    assert ("GET /api/v1/leads", 200) not in coverage.missing
    table = coverage_table(coverage)
    assert "GET /api/v1/leads" in table and "200:1" in table and "200:--" in table


def test_coverage_strips_a_base_path_and_keeps_undocumented_statuses_apart() -> None:
    seen = Seen(load_spec(), base_path="/prefix")
    seen.record("GET", "/prefix/api/v1/leads/lead_1", 418)
    seen.record("GET", "/prefix/api/v1/unknown", 200)  # no operation: not counted anywhere
    op = next(op for op in seen.coverage().operations if (op.method, op.path) == ("GET", "/api/v1/leads/{leadId}"))
    assert op.undocumented == {418: 1} and not any(op.seen.values())


def test_html_is_self_contained_with_the_verdict_first() -> None:
    page = render_html(report())
    body = page.partition("<body>")[2]
    assert body.lstrip().startswith('<h1 id="verdict" class="bad">does NOT conform: 1 rule broken</h1>')
    assert "http://" not in page.replace("http://a.example", "")  # nothing fetched from anywhere
    assert "<script src" not in page and "<link" not in page
    assert 'id="rule-update-partial"' in page and "$LEADS_API_KEY" in page and "sk-secret" not in page
    assert '<td class="never">never</td>' in page


def test_html_shows_what_broke_and_its_evidence_before_the_table_of_every_rule() -> None:
    page = render_html(report())
    assert page.index("<h2>Evidence</h2>") < page.index('id="rule-update-partial"') < page.index("<h2>Rules</h2>")
