"""A run's findings as the neutral evidence model (evidence.py): one result per rule, the verdict, coverage."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Mapping

from ..core.outcome import ExitCode
from ..core.rules import KIT_ERROR, Rule
from ..engine import RULES as ENGINE_RULES
from ..engine.coverage import Coverage
from ..evidence.model import EVIDENCE_PER_RULE, Report, RuleResult, evidence_of
from .findings import Findings, short


def rule_results(findings: Findings, keys: dict[str, str], on_traffic: Mapping[str, int] | None = None) -> list[RuleResult]:
    """Every rule verify judges (its checks', and the engine's on the exchanges the checks made): passed, broken or skipped.

    A rule verify never judges (replay's own) is not listed; a rule the engine judged on the run's
    traffic counts as judged when no check of its own ran, its `checked` the exchanges of the kind
    it reads (`on_traffic`, rule id -> count: engine/reads.py).
    """
    on_traffic = on_traffic or {}
    known = {rule.id: rule for rule in ENGINE_RULES}
    known.update({rule.id: rule for rule in findings.planned.values()})
    known.update({rule.id: rule for also in findings.also.values() for rule in also})
    known.update({found[0].rule.id: found[0].rule for found in findings.violations})
    ran = {**findings.passed_checks, **findings.failed_checks}
    checked = Counter(ran.values())
    checked.update(rule.id for check in ran for rule in findings.also.get(check, ()))
    tested_by_checks = {r.id for r in findings.unchecked.values()} | {r.id for r in findings.deselected.values()}
    for rule in ENGINE_RULES:
        if not checked[rule.id] and rule.id not in tested_by_checks:
            checked[rule.id] = on_traffic.get(rule.id, 0)
    skipped = Counter(rule_id for _, rule_id in findings.skipped.values())
    skipped.update(rule.id for rule in findings.unchecked.values())
    reasons: dict[str, set[str]] = {}
    for reason, rule_id in findings.skipped.values():
        reasons.setdefault(rule_id, set()).add(reason)
    for rule in findings.unchecked.values():
        reasons.setdefault(rule.id, set()).add("interrupted before it ran")
    planned = {rule.id for rule in findings.planned.values()} | {rule.id for also in findings.also.values() for rule in also}
    results = []
    for rule_id, rule in known.items():
        broken = findings.broken.get(rule_id, []) if rule_id != KIT_ERROR.id else []
        if not broken and rule_id not in planned and not checked[rule_id]:
            reasons.setdefault(rule_id, set()).add("no check of it ran in this run")
        evidence = [evidence_of(f.exchange, f.message, keys, short(f.check)) for f in broken[:EVIDENCE_PER_RULE]]
        reason = "; ".join(sorted(reasons.get(rule_id, ())))
        results.append(RuleResult.of(rule, checked=checked[rule_id], broken=len(broken), skipped=skipped[rule_id], reason=reason, evidence=evidence))
    return results


def rules_line(results: list[RuleResult], width: int = 100) -> str:
    """The rule count, then each rule as `id checked/broken/skipped`, wrapped in a compact block."""
    count = Counter(result.status for result in results)
    partly = sum(result.status == "passed" and result.skipped > 0 for result in results)
    line = f"Rules: {len(results)} in all, {count['passed']} passed, {count['broken']} broken, {count['skipped']} skipped"
    lines = [line + (f" ({partly} passed only in part: some of their checks were skipped)" if partly else "")]
    lines.append("  checks per rule, checked/broken/skipped:")
    row = " "
    for result in sorted(results, key=lambda r: (r.status != "broken", r.status != "skipped", r.id)):
        cell = f"  {result.id} {result.checked}/{result.broken}/{result.skipped}"
        if len(row) + len(cell) > width:
            lines.append(row)
            row = " "
        row += cell
    return "\n".join([*lines, row])


def build_report(
    target: str, started: datetime, finished: datetime, verdict: str, exit_code: int, results: list[RuleResult],
    coverage: Coverage | None, requests: int, notes: list[str],
) -> Report:
    return Report("verify", target, started, finished, verdict, exit_code, results, coverage, requests, notes, ExitCode(exit_code).outcome)
