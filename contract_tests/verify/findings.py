"""What a run found, rule by rule, and the summary a developer reads at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests
from hypothesis.errors import HypothesisException

from ..core.exchange import Exchange
from ..core.outcome import ExitCode
from ..core.rules import KIT_ERROR, ContractViolation, Rule
from ..evidence.model import evidence_of
from ..evidence.text import curl as curl  # also reached here
from ..live.guard import GuardRefused
from ..live.target import TargetError
from .words import failed_assert_in_words

# Failures that say the kit could not do its job, not that the deployment broke a rule
# (SystemError: the interpreter's own, never the deployment's).
KIT_FAULTS = (GuardRefused, TargetError, requests.RequestException, HypothesisException, SystemError)


@dataclass
class CheckFinding:
    """One check that showed one broken rule."""

    rule: Rule
    message: str
    exchange: Exchange | None
    check: str  # the pytest node id


class Violations(AssertionError):
    """Several rules broken by one response (Schemathesis runs many checks on each)."""

    def __init__(self, violations: list[ContractViolation]) -> None:
        super().__init__("\n".join(str(violation) for violation in violations))
        self.violations = violations


def findings_from(exc: BaseException, rule: Rule, last: Exchange | None, check: str, excinfo: Any = None) -> list[CheckFinding]:
    """Turn a failed check's exception into findings, naming the rules it shows broken, in words."""
    if isinstance(exc, ContractViolation):
        return [CheckFinding(exc.rule, exc.message, exc.exchange, check)]
    if isinstance(exc, Violations):
        return [finding for inner in exc.violations for finding in findings_from(inner, rule, last, check)]
    if isinstance(exc, BaseExceptionGroup):
        # Hypothesis wraps a failure that did not repeat (live state moved on) in FlakyFailure: it still happened.
        inner = [finding for nested in exc.exceptions for finding in findings_from(nested, rule, last, check)]
        if inner:
            return inner
    if isinstance(exc, KIT_FAULTS):
        return [CheckFinding(KIT_ERROR, f"{type(exc).__name__}: {_brief(exc)}", last, check)]
    words = failed_assert_in_words(excinfo, last) if excinfo is not None and excinfo.value is exc else None
    return [CheckFinding(rule, words or _brief(exc) or type(exc).__name__, last, check)]


def _brief(exc: BaseException, lines: int = 3, width: int = 160) -> str:
    """The first lines of a failure's message, each cut short: the evidence below says the rest."""
    text = [line if len(line) <= width else line[:width] + "..." for line in str(exc).strip().splitlines() if line.strip()]
    return "\n".join(text[:lines]) + (" ..." if len(text) > lines else "")


@dataclass
class Findings:
    """Everything a run found: broken rules, skipped checks, and how many passed."""

    broken: dict[str, list[CheckFinding]] = field(default_factory=dict)
    skipped: dict[str, tuple[str, str]] = field(default_factory=dict)  # check -> (reason, rule id)
    passed: int = 0
    passed_rules: set[str] = field(default_factory=set)
    passed_checks: dict[str, str] = field(default_factory=dict)  # check -> rule id
    failed_checks: dict[str, str] = field(default_factory=dict)  # check -> the rule it tests
    collection_errors: list[str] = field(default_factory=list)
    planned: dict[str, Rule] = field(default_factory=dict)  # every check collected -> its rule
    deselected: dict[str, Rule] = field(default_factory=dict)  # checks -k or -m left out -> their rule
    also: dict[str, tuple[Rule, ...]] = field(default_factory=dict)  # check -> rules it tests on the side
    done: set[str] = field(default_factory=set)  # checks that ran to their end (passed, failed or skipped)
    interrupted: bool = False
    extra_lines: list[str] = field(default_factory=list)  # printed before the verdict (coverage, 429s)

    def add(self, findings: list[CheckFinding]) -> None:
        for finding in findings:
            self.broken.setdefault(finding.rule.id, []).append(finding)

    @property
    def violations(self) -> list[list[CheckFinding]]:
        return [found for rule_id, found in self.broken.items() if rule_id != KIT_ERROR.id]

    @property
    def errors(self) -> list[CheckFinding]:
        return self.broken.get(KIT_ERROR.id, [])

    def judged_rules(self) -> set[str]:
        """Rules some check ran to its end on, its own rule or one it tests on the side (Schemathesis's)."""
        ran = {**self.passed_checks, **self.failed_checks}
        return set(ran.values()) | set(self.broken) | {rule.id for check in ran for rule in self.also.get(check, ())}

    @property
    def unchecked(self) -> dict[str, Rule]:
        """Checks an interrupt left unrun."""
        return {check: rule for check, rule in self.planned.items() if check not in self.done}

    def exit_code(self) -> ExitCode:
        """0 conforms, 1 does not, 2 when the kit could not run its checks, 130 when interrupted."""
        if self.interrupted:
            return ExitCode.INTERRUPTED
        if self.violations:
            return ExitCode.VIOLATIONS
        return ExitCode.CANNOT_RUN if self.errors or self.collection_errors else ExitCode.CONFORMS

    def render(self, base_url: str, keys: dict[str, str], cleanup: str = "") -> str:
        lines = []
        for found in self.violations:
            lines += _render_rule(found, keys)
        if self.errors:
            lines.append("The kit could not finish these checks:")
            lines += [f"  {finding.check}: {finding.message}" for finding in self.errors]
        lines += [f"  {error}" if error.startswith("cannot run: ") else f"  collection error: {error}" for error in self.collection_errors]
        for reason in sorted({why for why, _ in self.skipped.values()}):
            rule_ids = sorted({rule_id for why, rule_id in self.skipped.values() if why == reason})
            count = sum(why == reason for why, _ in self.skipped.values())
            checked = self.judged_rules()
            unchecked = [rule_id for rule_id in rule_ids if rule_id not in checked]
            partly = [rule_id for rule_id in rule_ids if rule_id in checked]
            head = f"Skipped, not passed: {count} check{'' if count == 1 else 's'} ({reason})."
            if unchecked:
                lines += [f"{head} Rules left unchecked:", "  " + ", ".join(unchecked)]
                if partly:
                    lines.append("  and checked only in part: " + ", ".join(partly))
            else:
                lines.append(f"{head} Rules checked only in part: " + ", ".join(partly))
        lines += self._partial_lines()
        lines += self.extra_lines
        if cleanup:
            lines.append(cleanup)
        if self.interrupted:
            lines += self._unchecked_lines()
        lines.append(f"leadkit verify: {self.verdict(base_url)}")
        return "\n".join(lines)

    def verdict(self, base_url: str) -> str:
        """The run's verdict in one sentence, with its counts: the summary's last line and the reports' `verdict`."""
        if self.interrupted:
            return f"interrupted after {len(self.done & set(self.planned))} checks: no verdict"
        partial = f"; {len(self.deselected)} deselected" if self.deselected else ""
        verdict = {
            ExitCode.CONFORMS: f"{base_url} conforms to the contract" + (" in every check that ran" if self.skipped or self.deselected else ""),
            ExitCode.VIOLATIONS: f"{base_url} does NOT conform: {len(self.violations)} rule(s) broken",
            ExitCode.CANNOT_RUN: f"could not verify {base_url}",
        }[self.exit_code()]
        return f"{verdict} ({self.passed} checks passed, {len(self.skipped)} skipped{partial})"

    def _partial_lines(self) -> list[str]:
        if not self.deselected:
            return []
        judged = self.passed_rules | set(self.broken) | {rule.id for rule in self.planned.values()}
        left = sorted({rule.id for rule in self.deselected.values()} - judged)
        total = len(self.deselected) + len(self.planned)
        lines = [f"Partial run: {len(self.deselected)} of {total} checks deselected (-k or -m), so this is no verdict on the whole contract."]
        if left:
            lines.append("  rules left unjudged: " + ", ".join(left))
        return lines


    def _unchecked_lines(self) -> list[str]:
        left = self.unchecked
        if not left:
            return ["Every check had run when the interrupt came."]
        finished = self.judged_rules() | {rule_id for _, rule_id in self.skipped.values()}
        untouched = sorted({rule.id for rule in left.values()} - finished)
        lines = [f"Left unchecked: {len(left)} of {len(self.planned)} checks."]
        if untouched:
            lines.append("  rules not checked at all: " + ", ".join(untouched))
        partly = sorted({rule.id for rule in left.values()} & finished)
        if partly:
            lines.append("  rules checked only in part: " + ", ".join(partly))
        return lines


def _render_rule(found: list[CheckFinding], keys: dict[str, str]) -> list[str]:
    first = found[0]
    evidence = evidence_of(first.exchange, first.message, keys)
    lines = [
        f"BROKEN  {first.rule.id}: {first.rule.text}",
        f"  contract: {first.rule.section}",
        f"  shown by: {short(first.check)}" + (f" (and {len(found) - 1} more)" if len(found) > 1 else ""),
        "  why:      " + evidence.message.replace("\n", "\n            "),
    ]
    if first.exchange is not None:
        lines += [f"  request:  {evidence.request}", f"  response: {evidence.response}", f"  curl:     {evidence.curl}"]
    return lines + [""]


def short(check: str) -> str:
    """`file.py::test[case]` out of a node id, whatever directory pytest reports."""
    path, separator, rest = check.partition("::")
    return path.rpartition("/")[2] + separator + rest
