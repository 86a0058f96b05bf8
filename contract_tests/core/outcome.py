"""How a run of any leadkit tool ends: one table of exit codes with the outcome each reports, and the one error for "cannot run"."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every tool's exit codes, and the `outcome` word its reports carry."""

    CONFORMS = 0  # everything judged conforms
    VIOLATIONS = 1  # something judged does not conform
    CANNOT_RUN = 2  # bad arguments, an unreadable file, an unreachable or refusing target
    INCOMPLETE_COVERAGE = 3  # verify --require-coverage: conforms, but a documented status was never seen
    NO_VERDICT = 4  # it ran, but judged nothing (no API exchange, no step replayed): never green
    INTERRUPTED = 130  # Ctrl-C: no verdict

    @property
    def outcome(self) -> str:
        return _OUTCOMES[self]


_OUTCOMES = {
    ExitCode.CONFORMS: "conforms",
    ExitCode.VIOLATIONS: "does-not-conform",
    ExitCode.CANNOT_RUN: "could-not-run",
    ExitCode.INCOMPLETE_COVERAGE: "incomplete-coverage",
    ExitCode.NO_VERDICT: "no-verdict",
    ExitCode.INTERRUPTED: "interrupted",
}


class CannotRun(Exception):
    """A tool cannot do its job: said in one line, `leadkit COMMAND: {prefix}{message}`, exit 2; caught once, in leadkit/cli.py."""

    prefix = "cannot run: "
