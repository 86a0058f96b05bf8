"""`--help` and the README name the same flags: every option of every command is documented, every flag a table lists exists."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from leadkit.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
COMMANDS = ("mock", "verify", "check", "proxy", "replay")
# Where the README documents each command: the sections from the first heading to the next of its level.
SECTIONS = {
    "mock": ("## For frontend developers", "## Contract tests: leadkit verify"),
    "verify": ("## Contract tests: leadkit verify", "## Traffic as evidence"),
    "check": ("## Traffic as evidence", "## A frontend's session"),
    "proxy": ("## Traffic as evidence", "## A frontend's session"),
    "replay": ("## A frontend's session", "## How the mock behaves"),
}


def _section(command: str) -> str:
    start, end = SECTIONS[command]
    return README[README.index(start) : README.index(end)]


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))  # no public API lists them
    return dict(action.choices)


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings if option.startswith("--") and option != "--help"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_flag_of_a_command_is_in_the_readme(command: str) -> None:
    section = _section(command)
    missing = sorted(flag for flag in _flags(_subparsers()[command]) if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", section))
    assert not missing, f"leadkit {command} --help has flags its README section never names: {missing}"


def test_every_flag_a_readme_table_lists_exists() -> None:
    known = set().union(*(_flags(parser) for parser in _subparsers().values()))
    listed = {flag for line in README.splitlines() if line.startswith("| `--") for flag in re.findall(r"`(--[a-z][a-z-]*)", line.split("|")[1])}
    assert listed and listed <= known, f"README tables list flags no command has: {sorted(listed - known)}"


def test_help_says_what_a_newcomer_needs_to_type() -> None:
    helps = {command: parser.format_help() for command, parser in _subparsers().items()}
    assert "N/min" in helps["mock"]  # --rate-limit 300/min as well as 5/s
    assert "comma-separated" in helps["mock"]  # LEADS_CORS_ORIGINS' format
    assert "SSL_CERT_FILE" in helps["proxy"]  # an https target's certificate
