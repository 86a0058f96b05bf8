"""A rule's "checked" in check's and the proxy's reports counts the exchanges of the kind it reads:
a rule about large bodies, with no large body in the traffic, checked nothing and says so."""

from __future__ import annotations

import json
from pathlib import Path

from harmaker import LEAD, OTHER, Har, deleted, lead, listing

from contract_tests.engine import RULES
from contract_tests.engine.reads import ACROSS_READS, PER_EXCHANGE_READS
from leadkit.cli import main


def test_every_rule_the_engine_judges_says_what_it_reads() -> None:
    assert {rule.id for rule in RULES} == set(PER_EXCHANGE_READS) | set(ACROSS_READS)


def test_a_rule_that_reads_only_the_kind_reads_nothing_else() -> None:
    """What the judge counts by kind (method, operation, routed, status) must be all those rules read."""
    from contract_tests.engine.reads import _KindView

    kind = _KindView("GET", "listLeads", True, 200)
    for table in (PER_EXCHANGE_READS, ACROSS_READS):
        for rule_id, (reads, dynamic) in table.items():
            if not dynamic:
                reads(kind)  # type: ignore[arg-type]  # raises AttributeError if it reads beyond the kind


def test_check_counts_per_rule_the_exchanges_it_read(tmp_path: Path) -> None:
    har = Har()
    har.add("GET", "/api/v1/leads", 200, listing(lead()), at=0)
    har.add("GET", "/api/v1/leads?status=new", 200, listing(lead()), at=1)
    har.add("GET", f"/api/v1/leads/{LEAD}", 200, {"success": True, "data": lead()}, at=2)
    har.add("DELETE", f"/api/v1/leads/{OTHER}", 200, deleted(OTHER), at=3)
    report = tmp_path / "report.json"
    assert main(["check", "--report-json", str(report), str(har.write(tmp_path / "s.har"))]) == 0
    rules = {rule["id"]: rule for rule in json.loads(report.read_text())["rules"]}
    assert rules["responses-match-openapi"]["checked"] == 4  # every exchange
    assert rules["no-server-errors"]["checked"] == 4
    assert rules["list-envelope"]["checked"] == 2 and rules["pagination-arithmetic"]["checked"] == 2
    assert rules["filter-status"]["checked"] == 1 and rules["filter-status"]["status"] == "passed"
    assert rules["get-envelope"]["checked"] == 1 and rules["delete-envelope"]["checked"] == 1
    for nothing_to_read in ("payload-too-large", "create-envelope", "filter-search", "update-merge-patch", "no-id-reuse"):
        assert rules[nothing_to_read]["checked"] == 0, nothing_to_read
        assert rules[nothing_to_read]["status"] == "skipped", nothing_to_read
        assert rules[nothing_to_read]["reason"].startswith("nothing in the traffic it reads"), rules[nothing_to_read]["reason"]
