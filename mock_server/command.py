"""`leadkit mock`: its options, the banner and exit codes. Light to import: the app loads only when it runs."""

from __future__ import annotations

import argparse
import os
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "mock",
        help="serve the Leads API on localhost, stateful, from openapi.yaml",
        description=(
            "Serve the whole Leads API, faithful to openapi.yaml: create, list, get, update "
            "and delete leads in the fixture workspaces. State lives in memory until the "
            "process stops, or in an SQLite file with --state. Browsers may call it from any "
            "origin; docs at /docs, admin API (reset, export, import) under /__mock/. Stop it "
            "with Ctrl-C (or SIGTERM)."
        ),
        epilog=(
            "examples:\n"
            "  leadkit mock                      # http://127.0.0.1:4010, default fixtures\n"
            "  leadkit mock --port 8080\n"
            "  leadkit mock --fixtures my.json   # your own workspaces, keys and leads\n"
            "  leadkit mock --state dev.sqlite3 --generate 200 --latency 100-400\n"
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
    browser = parser.add_argument_group("for frontend developers")
    browser.add_argument(
        "--cors-origin",
        metavar="ORIGIN",
        action="append",
        help="allow only this origin to call from a browser, like http://localhost:5173 (repeatable; default: any)",
    )
    browser.add_argument("--latency", metavar="MS|MIN-MAX", help="answer every API request after MS, or MIN to MAX, milliseconds")
    browser.add_argument(
        "--fail-rate", metavar="P", help="answer that fraction (0 to 1) of API requests with a documented 429 or 500"
    )
    browser.add_argument("--rate-limit", metavar="N/s", help="allow each API key N requests a second, then 429 with Retry-After")
    browser.add_argument("--state", metavar="PATH", help="keep state across restarts in this SQLite file (default: memory only)")
    browser.add_argument("--seed", metavar="N", type=int, help="make new ids, timestamps and generated data repeat run to run")
    browser.add_argument("--generate", metavar="N", type=int, default=0, help="add N realistic leads to each workspace")
    browser.add_argument("--quiet", action="store_true", help="no log line per request")
    browser.add_argument(
        "--record", metavar="FILE.har", help="write the API's traffic as HAR 1.2 to this file (when stopped); `leadkit check` reads it"
    )
    parser.set_defaults(run=run_mock)


FLAGS = {  # app setting -> the flag that sets it, for error messages
    "CORS_ORIGINS": "--cors-origin",
    "LATENCY_MS": "--latency",
    "FAIL_RATE": "--fail-rate",
    "RATE_LIMIT": "--rate-limit",
    "STATE_PATH": "--state",
    "SEED": "--seed",
    "GENERATE": "--generate",
    "RECORD_PATH": "--record",
}


def config_from_args(args: argparse.Namespace) -> dict[str, object]:
    """The app settings the command line asks for; flags left out keep the defaults."""
    flags = {
        "FIXTURES": os.path.abspath(args.fixtures) if args.fixtures else None,
        "CORS_ORIGINS": args.cors_origin,
        "LATENCY_MS": args.latency,
        "FAIL_RATE": args.fail_rate,
        "RATE_LIMIT": args.rate_limit,
        "STATE_PATH": os.path.abspath(args.state) if args.state else None,
        "SEED": args.seed,
        "GENERATE": args.generate or None,
        "RECORD_PATH": os.path.abspath(args.record) if args.record else None,
    }
    overrides: dict[str, object] = {key: value for key, value in flags.items() if value is not None}
    overrides["LOG_REQUESTS"] = not args.quiet
    return overrides


def run_mock(args: argparse.Namespace) -> int:
    from . import create_app
    from .config import ConfigError
    from .fixtures import FixtureError
    from .persistence import StateError
    from .serve import PortInUse, serve

    try:
        app = create_app(config_from_args(args))
    except FixtureError as exc:
        return _fail(f"bad fixture file: {exc}")
    except ConfigError as exc:
        return _fail(f"{FLAGS.get(exc.name, exc.name)}: {exc.problem}")
    except StateError as exc:
        return _fail(str(exc))
    base_url = f"http://{args.host}:{args.port}"
    banner = _banner(app, base_url)
    handed = [app]
    del app  # serve() holds the only reference, so this process can let go after the fork
    try:
        serve(handed, args.host, args.port, announce=lambda: print(banner, flush=True))
    except PortInUse as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        pass
    print("leadkit mock: stopped", flush=True)
    return 0


def _banner(app: object, base_url: str) -> str:
    from .config import origins_setting
    from .state import EXTENSION

    mock = app.extensions[EXTENSION]  # type: ignore[attr-defined]
    counts: dict[str, int] = {}
    for lead in mock.store.all_leads():
        counts[lead.workspace_id] = counts.get(lead.workspace_id, 0) + 1
    lines = [
        f"leadkit mock serving the Leads API at {base_url}/api/v1",
        f"  docs (Swagger UI): {base_url}/docs    spec: {base_url}/openapi.yaml",
        f"  admin: {base_url}/__mock/  (reset, state, audit, requests)",
        "workspaces and keys:",
    ]
    for ws in mock.fixtures.workspaces:
        for key in ws.api_keys:
            lines.append(f"  {ws.id}  {key}  ({counts.get(ws.id, 0)} leads)")
    first_key = mock.fixtures.workspaces[0].api_keys[0]
    settings = app.config  # type: ignore[attr-defined]
    origins = origins_setting(settings["CORS_ORIGINS"])
    options = [
        f"state file {settings['STATE_PATH']}" if mock.journal else "state in memory",
        f"CORS for {', '.join(origins)}" if origins is not None else "CORS for any origin",
    ]
    if mock.latency is not None:
        options.append(f"latency {mock.latency}")
    if mock.fail_rate is not None:
        options.append(f"fail rate {mock.fail_rate.rate:g}")
    if mock.limiter is not None:
        options.append(f"rate limit {mock.limiter}")
    if settings["SEED"] is not None:
        options.append(f"seed {settings['SEED']}")
    lines += [
        "options: " + "; ".join(options),
        "try:",
        f"  curl -H 'Authorization: Bearer {first_key}' {base_url}/api/v1/leads",
        f"  curl -H 'Authorization: Bearer {first_key}' -H 'Prefer: code=404' {base_url}/api/v1/leads/lead_1234567890abcdef",
        "Ctrl-C stops it." + ("" if settings["LOG_REQUESTS"] else " (--quiet: no request log)"),
    ]
    return "\n".join(lines)


def _fail(message: str) -> int:
    print(f"leadkit: error: {message}", file=sys.stderr)
    return 2
