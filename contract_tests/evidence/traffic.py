"""Judged traffic as the evidence model's Report (evidence.py), for `check` and `proxy`: every rule the engine judges."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..core.outcome import ExitCode
from ..core.rules import Rule
from ..engine import RULES
from .model import EVIDENCE_PER_RULE, Evidence, Report, RuleResult, evidence_of
from .tally import Finding, Tally, shown

PASSED_MEANS = (
    "A rule passed when it never fired on the exchanges judged. A rule judges only what the traffic holds "
    "(one about deletes needs a DELETE, one across exchanges needs two that did not overlap), so read "
    "passed as: nothing in this traffic broke it. A rule's checked count is the exchanges of the kind it "
    "reads (its creates, its lists, its large bodies); a rule that read none is skipped."
)
NOTHING_READ = "nothing in the traffic it reads (no exchange of the kind it judges)"


def traffic_report(tally: Tally, tool: str, target: str, started: datetime, finished: datetime) -> Report:
    """The Report of one stream of judged traffic: exit 1 when anything broke a rule, else 0."""
    exit_code = tally.exit_code()
    verdict = tally.verdict()
    notes = tally.notes()
    if tally.judged:
        notes.append(PASSED_MEANS)
    cut = [f"{rule.id} ({tally.rules[rule.id]})" for rule in _by_rule(tally) if tally.rules[rule.id] > EVIDENCE_PER_RULE]
    if cut:
        kept = "all of them" if tally.per_rule is None else f"the first {tally.per_rule} of each"
        notes.append(f"Evidence shows the first {EVIDENCE_PER_RULE} violations of a rule; {kept} of: {', '.join(cut)} are in --json.")
    coverage = tally.seen.coverage() if tally.seen is not None else None
    return Report(tool, target, started, finished, verdict, exit_code, rule_results(tally), coverage, tally.judged, notes, exit_code.outcome)


def rule_results(tally: Tally) -> list[RuleResult]:
    """Broken with its evidence; skipped when the traffic could not show it (or there was none); else passed."""
    found_by_rule = _by_rule(tally)
    rules = {rule.id: rule for rule in RULES} | {rule.id: rule for rule in found_by_rule}
    read = tally.read
    results = []
    for rule_id, rule in sorted(rules.items()):
        found = found_by_rule.get(rule, [])
        reason = tally.unjudged.get(rule_id, "" if tally.judged else "no API exchange to judge")
        evidence = [_evidence(finding, tally) for finding in found[:EVIDENCE_PER_RULE]]
        skipped = tally.judged if reason else 0
        broken = tally.rules.get(rule_id, 0)  # every finding counted, though only the first few per rule are kept
        checked = 0 if reason else read[rule_id]
        if not reason and not checked and not broken:
            reason = NOTHING_READ
        results.append(RuleResult.of(rule, checked=checked, broken=broken, skipped=skipped, reason=reason, evidence=evidence))
    return results


def _by_rule(tally: Tally) -> dict[Rule, list[Finding]]:
    found: dict[Rule, list[Finding]] = {}
    for finding in tally.findings:
        found.setdefault(finding.breach.rule, []).append(finding)
    return found


def _evidence(finding: Finding, tally: Tally) -> Evidence:
    exchange, earlier = finding.breach.exchange, finding.breach.earlier
    place = f"entry {exchange.number}" if exchange.number is not None else "exchange"
    evidence = evidence_of(shown(exchange), finding.breach.message, tally.keys.of(exchange), place)
    if exchange.response_omitted:
        evidence.response += " (body not recorded)"
    compared = "" if earlier is None else f"{'entry ' + str(earlier.number) if earlier.number is not None else 'an exchange'}: {earlier.method} {earlier.url} -> {earlier.status}"
    return replace(evidence, entry=exchange.number, earlier=compared)
