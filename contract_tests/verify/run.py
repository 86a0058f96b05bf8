"""Running the kit's checks in a pytest session of their own, with progress, a rule-by-rule summary and reports."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TextIO

import pytest

from ..core.outcome import ExitCode
from ..evidence.model import coverage_table
from ..live.kit import Kit
from ..live.target import Target
from .findings import Findings, short
from .plugin import CANNOT_RUN, FINDINGS, KIT, OPENED, STOPPER, TARGET
from .results import build_report, rule_results, rules_line


@dataclass
class VerifyOutcome:
    exit_code: int
    findings: Findings
    summary: str
    report: Any = None  # the evidence.Report the JSON and HTML files hold

    @property
    def broken_rules(self) -> set[str]:
        return {found[0].rule.id for found in self.findings.violations}


@dataclass
class Reports:
    """Where to write the evidence, and what the run demands of coverage."""

    junit_xml: str | None = None
    json: str | None = None
    html: str | None = None
    require_coverage: bool = False
    extra: list[str] = field(default_factory=list)


def verify(
    target: Target,
    *,
    junit_xml: str | None = None,
    out: TextIO | None = None,
    select: str | None = None,
    reports: Reports | None = None,
    kit: Kit | None = None,
) -> VerifyOutcome:
    """Run the checks in a pytest session of their own; `select` is a `-k` expression (the kit's tests use it).

    `kit`: one already opened and preflighted (the command's); else the session opens its own.
    """
    out = out or sys.stdout
    reports = reports or Reports(junit_xml=junit_xml)
    started = datetime.now(timezone.utc)
    progress = _Progress(target, out, kit)
    # --assert=plain: a failed check is said in words (words.py), never in pytest's rewritten assertions.
    args = ["--pyargs", "contract_tests", "-c", os.devnull, "--rootdir", os.getcwd(), "-s", "--assert=plain"]
    args += ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--tb=native"]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        args += ["-p", "contract_tests.plugin", "-p", "schemathesis.pytest.plugin"]  # not found by entry point then
    if reports.junit_xml:
        args.append(f"--junit-xml={reports.junit_xml}")
    if select:
        args += ["-k", select]
    # pytest's own report goes nowhere: this module prints progress and the summary. Its terminal
    # plugin stays loaded all the same, since assertion messages are rendered with its writer.
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            status = pytest.main(args, plugins=[progress])
    except KeyboardInterrupt:  # before pytest's session began (loading plugins): nothing made yet
        status, progress.interrupted = pytest.ExitCode.INTERRUPTED, True
    findings = progress.findings or Findings()
    findings.interrupted = progress.interrupted or progress.stopped
    if findings.interrupted:
        pass
    elif status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        gave_up = progress.config.stash.get(CANNOT_RUN, None) if progress.config is not None else None
        findings.collection_errors.append(gave_up or f"the pytest session ended with {pytest.ExitCode(status).name}")
    elif progress.failed and not findings.broken:
        findings.collection_errors.append(f"{progress.failed} checks failed without naming a rule: is the plugin loaded?")
    elif not findings.passed and not findings.broken and not findings.skipped:
        findings.collection_errors.append("no check ran")
    kit = progress.kit
    keys = target.key_variables()
    results = rule_results(findings, keys, kit.client.judge.reads.counts() if kit is not None else None)
    coverage = kit.seen.coverage() if kit is not None and kit.seen is not None else None
    findings.extra_lines += _run_lines(kit, results, coverage)
    exit_code = findings.exit_code()
    summary = findings.render(target.base_url, keys, kit.cleanup_note() if kit else "")
    verdict = findings.verdict(target.base_url)
    if exit_code == 0 and reports.require_coverage and coverage is not None and coverage.required_missing:
        exit_code = ExitCode.INCOMPLETE_COVERAGE
        missing = ", ".join(f"{operation} {status}" for operation, status in coverage.required_missing)
        verdict = f"--require-coverage: {len(coverage.required_missing)} documented statuses never seen: {missing}"
        summary += f"\nleadkit verify: {verdict}"
    if findings.violations and target.seed is not None:
        # The stateful scenarios are split over up to --workers machines, each of --max-examples / machines.
        summary += f"\nTo repeat the generated requests: --seed {target.seed} --max-examples {target.max_examples} --workers {target.workers}"
    notes = [kit.cleanup_note()] if kit else []
    notes += [f"{finding.check}: {finding.message}" for finding in findings.errors] + findings.collection_errors
    report = build_report(
        target.base_url, started, datetime.now(timezone.utc), verdict, exit_code, results, coverage,
        kit.session.sent if kit else 0, notes,
    )
    if not _write_reports(report, reports, out) and exit_code == ExitCode.CONFORMS:
        exit_code = report.exit_code = ExitCode.CANNOT_RUN  # the evidence was asked for and is not there: never green
    print("\n" + summary, file=out, flush=True)
    return VerifyOutcome(exit_code, findings, summary, report)


def _run_lines(kit: Kit | None, results: list[Any], coverage: Any) -> list[str]:
    lines = [rules_line(results)] if results else []
    if coverage is not None and coverage.operations:
        lines += ["Coverage: responses seen per operation and documented status (-- never seen):", coverage_table(coverage)]
    if kit is not None:
        session = kit.session
        lines.append(f"Requests: {session.sent:,} sent, {kit.target.workers} checks at a time.")
        if session.rate_limited:
            lines.append(f"Rate limited: {session.rate_limited} answers were 429; the kit waited {session.waited_s:.1f} s in all, as Retry-After asked, and sent again.")
    return lines


def _write_reports(report: Any, reports: Reports, out: TextIO) -> bool:
    """The report files; False (each failure said) when one could not be written."""
    from ..evidence.write import write_reports

    failures = write_reports(report, reports.json, reports.html)
    for failure in failures:
        print(f"leadkit verify: {failure}", file=out, flush=True)
    return not failures


def cannot_run(target: str, reports: Reports, why: str) -> None:
    """A run that could not start still writes the reports asked for, saying why (outcome could-not-run)."""
    from ..evidence.model import could_not_run
    from ..evidence.write import write_reports

    now = datetime.now(timezone.utc)
    for failure in write_reports(could_not_run("verify", target, now, now, why), reports.json, reports.html):
        print(f"leadkit verify: {failure}", file=sys.stderr, flush=True)


class _Progress:
    """Hands the target to the plugin and prints a line per check as it finishes."""

    def __init__(self, target: Target, out: TextIO, opened: Kit | None = None) -> None:
        self.target = target
        self.out = out
        self.opened = opened
        self.config: pytest.Config | None = None
        self.interrupted = False
        self.failed = 0

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[TARGET] = self.target
        if self.opened is not None:
            config.stash[OPENED] = self.opened
        self.config = config

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        stopper = session.config.stash.get(STOPPER, None)
        if stopper is not None:
            stopper.announce = lambda text: print(text, file=self.out, flush=True)

    @property
    def findings(self) -> Findings | None:
        return self.config.stash.get(FINDINGS, None) if self.config else None

    @property
    def kit(self) -> Kit | None:
        return self.config.stash.get(KIT, None) if self.config else None

    @property
    def stopped(self) -> bool:
        stopper = self.config.stash.get(STOPPER, None) if self.config else None
        return stopper is not None and stopper.stopped.is_set()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and self.findings is not None:
            self.findings.collection_errors.append(f"{report.nodeid}: {str(report.longrepr).splitlines()[-1:]}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.failed += report.failed
        if report.skipped and "interrupted (Ctrl-C)" in str(report.longrepr):
            return  # not run to its end: listed as unchecked at the end
        if report.when == "call" or (report.when == "setup" and not report.passed):
            word = {"passed": "ok", "failed": "FAIL", "skipped": "skip"}[report.outcome]
            print(f"  {word:<4}  {short(report.nodeid)}", file=self.out, flush=True)

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        self.interrupted = isinstance(excinfo.value, KeyboardInterrupt)
        if self.interrupted and not self.stopped:
            print("\nleadkit verify: interrupted; removing the kit's test leads", file=self.out, flush=True)
