"""The `leadkit` command: `leadkit mock` serves the mock, `leadkit verify` checks a deployment."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from contract_tests.command import add_parser as _verify_parser  # light: the kit loads only when verify runs

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010


def _mock_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "mock",
        help="serve the Leads API on localhost, stateful, from openapi.yaml",
        description=(
            "Serve the whole Leads API from memory, faithful to openapi.yaml: create, list, "
            "get, update and delete leads in the fixture workspaces. State lasts until the "
            "process stops. Stop it with Ctrl-C (or SIGTERM)."
        ),
        epilog=(
            "examples:\n"
            "  leadkit mock                      # http://127.0.0.1:4010, default fixtures\n"
            "  leadkit mock --port 8080\n"
            "  leadkit mock --fixtures my.json   # your own workspaces, keys and leads\n"
            "  curl -H 'Authorization: Bearer sk-workspace_your_api_key' \\\n"
            "       http://127.0.0.1:4010/api/v1/leads"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on (default: %(default)s)")
    parser.add_argument(
        "--fixtures",
        metavar="PATH",
        help="JSON file of workspaces, API keys and leads to start with (default: the bundled fixtures/default.json)",
    )
    parser.set_defaults(run=run_mock)


def run_mock(args: argparse.Namespace) -> int:
    from . import create_app
    from .fixtures import FixtureError
    from .serve import PortInUse, serve

    overrides = {"FIXTURES": os.path.abspath(args.fixtures)} if args.fixtures else {}
    try:
        app = create_app(overrides)
    except FixtureError as exc:
        return _fail(f"bad fixture file: {exc}")
    base_url = f"http://{args.host}:{args.port}"
    try:
        serve(app, args.host, args.port, announce=lambda: print(_banner(app, base_url), flush=True))
    except PortInUse as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        pass
    print("leadkit mock: stopped", flush=True)
    return 0


def _banner(app: object, base_url: str) -> str:
    from .state import EXTENSION

    mock = app.extensions[EXTENSION]  # type: ignore[attr-defined]
    lines = [f"leadkit mock serving the Leads API at {base_url}/api/v1", "workspaces and keys:"]
    for ws in mock.fixtures.workspaces:
        for key in ws.api_keys:
            lines.append(f"  {ws.id}  {key}  ({len(ws.leads)} leads)")
    first_key = mock.fixtures.workspaces[0].api_keys[0]
    lines += [
        f"deletion audit log: {base_url}/__mock/audit",
        "try:",
        f"  curl -H 'Authorization: Bearer {first_key}' {base_url}/api/v1/leads",
        "Ctrl-C stops it.",
    ]
    return "\n".join(lines)


def _fail(message: str) -> int:
    print(f"leadkit: error: {message}", file=sys.stderr)
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadkit",
        description="A mock server and contract-testing kit for the Leads API.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _mock_parser(sub)
    _verify_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
