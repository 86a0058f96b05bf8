"""Running the kit's checks in a pytest session of their own, with progress and a rule-by-rule summary."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from dataclasses import dataclass
from typing import Any, TextIO

import pytest

from .kit import Kit
from .plugin import FINDINGS, KIT, TARGET, cleanup_note, key_variables
from .report import Findings, short
from .target import Target

EXIT_CANNOT_RUN, EXIT_INTERRUPTED = 2, 130


@dataclass
class Outcome:
    exit_code: int
    findings: Findings
    summary: str

    @property
    def broken_rules(self) -> set[str]:
        return {found[0].rule.id for found in self.findings.violations}


def verify(target: Target, *, junit_xml: str | None = None, out: TextIO | None = None, select: str | None = None) -> Outcome:
    """Run the checks in a pytest session of their own; `select` is a `-k` expression (the kit's tests use it)."""
    out = out or sys.stdout
    progress = _Progress(target, out)
    args = ["--pyargs", "contract_tests", "-c", os.devnull, "--rootdir", os.getcwd(), "-s"]
    args += ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--tb=native"]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        args += ["-p", "contract_tests.plugin", "-p", "schemathesis.pytest.plugin"]  # not found by entry point then
    if junit_xml:
        args.append(f"--junit-xml={junit_xml}")
    if select:
        args += ["-k", select]
    # pytest's own report goes nowhere: this module prints progress and the summary. Its terminal
    # plugin stays loaded all the same, since assertion messages are rendered with its writer.
    with contextlib.redirect_stdout(io.StringIO()):
        status = pytest.main(args, plugins=[progress])
    findings = progress.findings or Findings()
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and not progress.interrupted:
        findings.collection_errors.append(f"the pytest session ended with {pytest.ExitCode(status).name}")
    elif progress.failed and not findings.broken:
        findings.collection_errors.append(f"{progress.failed} checks failed without naming a rule: is the plugin loaded?")
    elif not findings.passed and not findings.broken and not findings.skipped:
        findings.collection_errors.append("no check ran")
    kit = progress.kit
    summary = findings.render(target.base_url, key_variables(target), cleanup_note(kit) if kit else "")
    if findings.violations and target.seed is not None:
        summary += f"\nTo repeat the generated requests: --seed {target.seed}"
    print("\n" + summary, file=out, flush=True)
    return Outcome(EXIT_INTERRUPTED if progress.interrupted else findings.exit_code(), findings, summary)


class _Progress:
    """Hands the target to the plugin and prints a line per check as it finishes."""

    def __init__(self, target: Target, out: TextIO) -> None:
        self.target = target
        self.out = out
        self.config: pytest.Config | None = None
        self.interrupted = False
        self.failed = 0

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[TARGET] = self.target
        self.config = config

    @property
    def findings(self) -> Findings | None:
        return self.config.stash.get(FINDINGS, None) if self.config else None

    @property
    def kit(self) -> Kit | None:
        return self.config.stash.get(KIT, None) if self.config else None

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and self.findings is not None:
            self.findings.collection_errors.append(f"{report.nodeid}: {str(report.longrepr).splitlines()[-1:]}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.failed += report.failed
        if report.when == "call" or (report.when == "setup" and not report.passed):
            word = {"passed": "ok", "failed": "FAIL", "skipped": "skip"}[report.outcome]
            print(f"  {word:<4}  {short(report.nodeid)}", file=self.out, flush=True)

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        self.interrupted = isinstance(excinfo.value, KeyboardInterrupt)
        if self.interrupted:
            print("\nleadkit verify: interrupted; removing the kit's test leads", file=self.out, flush=True)
