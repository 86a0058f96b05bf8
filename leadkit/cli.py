"""The `leadkit` command line: each package contributes its own subcommands; this module only joins them."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Sequence

from contract_tests.check.command import add_parser as add_check  # light the same way: each loads its engine only when run
from contract_tests.core.outcome import CannotRun, ExitCode
from contract_tests.proxy.command import add_parser as add_proxy
from contract_tests.replay.command import add_parser as add_replay
from contract_tests.verify.command import add_parser as add_verify  # light: the kit loads only when verify runs
from mock_server.command import add_parser as add_mock


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadkit",
        description="A mock server and contract-testing kit for the Leads API.",
    )
    parser.add_argument("--version", action="version", version=f"leadkit {_version()}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command", required=True)
    add_mock(sub)
    add_verify(sub)
    add_check(sub)
    add_proxy(sub)
    add_replay(sub)
    return parser


def _version() -> str:
    try:
        return version("leadkit")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    if not (sys.argv[1:] if argv is None else argv):  # `leadkit` alone: what it can do, not "arguments are required"
        parser.print_help()
        return ExitCode.CANNOT_RUN
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except CannotRun as exc:  # every command's "cannot run", said one way
        print(f"leadkit {args.command}: {exc.prefix}{exc}", file=sys.stderr)
        return ExitCode.CANNOT_RUN
    return code


if __name__ == "__main__":
    sys.exit(main())
