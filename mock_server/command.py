"""`leadkit mock`: its options, the banner and exit codes. Light to import: the app loads only when it runs."""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
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
            "origin; docs at /docs, admin API (reset, export, import) under /__mock/. "
            "Sandboxes: a request with the header Leadkit-Sandbox: NAME, or under the prefix "
            "/sandboxes/NAME, is served by a private copy of the whole mock made on first use "
            "(in memory only, even with --state), so parallel test suites cannot disturb each "
            "other. Stop it with Ctrl-C (or SIGTERM)."
        ),
        epilog=(
            "examples:\n"
            "  leadkit mock                      # http://127.0.0.1:4010, default fixtures\n"
            "  leadkit mock --port 8080\n"
            "  leadkit mock --fixtures my.json   # your own workspaces, keys and leads\n"
            "  leadkit mock --state dev.sqlite3 --generate 200 --latency 100-400\n"
            "  curl -H 'Authorization: Bearer sk-workspace_your_api_key' \\\n"
            "       http://127.0.0.1:4010/api/v1/leads\n"
            "  curl -H 'Authorization: Bearer sk-workspace_your_api_key' \\\n"
            "       http://127.0.0.1:4010/sandboxes/my-test/api/v1/leads   # a private sandbox"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", help=f"address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument("--port", help=f"port to listen on, 0 for any free one (default: {DEFAULT_PORT})")
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
        help="allow only this origin to call from a browser, like http://localhost:5173 (repeatable; LEADS_CORS_ORIGINS: comma-separated; default: any)",
    )
    browser.add_argument("--latency", metavar="MS|MIN-MAX", help="answer every API request after MS, or MIN to MAX, milliseconds")
    browser.add_argument(
        "--fail-rate", metavar="P", help="answer that fraction (0 to 1) of API requests with a documented 429 or 500"
    )
    browser.add_argument("--rate-limit", metavar="N/s", help="allow each API key N requests a second (or N/min a minute), then 429 with Retry-After")
    browser.add_argument("--state", metavar="PATH", help="keep state across restarts in this SQLite file (default: memory only)")
    browser.add_argument(
        "--seed",
        metavar="N",
        help=f"make new ids, timestamps and generated data repeat run to run; the clock then starts at {SEED_CLOCK_START}",
    )
    browser.add_argument("--generate", metavar="N", help="add N realistic leads to each workspace")
    browser.add_argument("--quiet", action="store_true", default=None, help="no log line per request")
    browser.add_argument(
        "--record", metavar="FILE.har", help="write the API's traffic as HAR 1.2 to this file (when stopped); `leadkit check` and `leadkit replay` read it"
    )
    sandboxes = parser.add_argument_group("sandboxes (private mocks per test, by header or /sandboxes/NAME prefix)")
    sandboxes.add_argument(
        "--max-sandboxes", metavar="N", help="at most N sandboxes live at once; one more is refused with 507 (default: 1000)"
    )
    sandboxes.add_argument(
        "--sandbox-ttl", metavar="MINUTES", help="drop a sandbox idle this long; its next use makes it afresh (default: 30; 0: never)"
    )
    parser.epilog = (parser.epilog or "") + "\n\nenvironment (a flag given on the command line wins):\n" + "\n".join(
        f"  {variable:<20} {flag}" for flag, variable in ENVIRONMENT.items()
    )
    parser.set_defaults(run=run_mock)


SEED_CLOCK_START = "2025-01-01T00:00:00.000Z"  # config.py's SEED_EPOCH_MS, as the banner and --help show it
# Every flag and its environment variable; the app reads the LEADS_* settings itself (config.py).
ENVIRONMENT = {
    "--host": "LEADS_HOST",
    "--port": "LEADS_PORT",
    "--fixtures": "LEADS_FIXTURES",
    "--cors-origin": "LEADS_CORS_ORIGINS",
    "--latency": "LEADS_LATENCY_MS",
    "--fail-rate": "LEADS_FAIL_RATE",
    "--rate-limit": "LEADS_RATE_LIMIT",
    "--state": "LEADS_STATE_PATH",
    "--seed": "LEADS_SEED",
    "--generate": "LEADS_GENERATE",
    "--quiet": "LEADS_QUIET",
    "--record": "LEADS_RECORD_PATH",
    "--max-sandboxes": "LEADS_MAX_SANDBOXES",
    "--sandbox-ttl": "LEADS_SANDBOX_TTL",
}
FLAGS = {  # app setting -> the flag that sets it, for error messages
    "FIXTURES": "--fixtures",
    "CORS_ORIGINS": "--cors-origin",
    "LATENCY_MS": "--latency",
    "FAIL_RATE": "--fail-rate",
    "RATE_LIMIT": "--rate-limit",
    "STATE_PATH": "--state",
    "SEED": "--seed",
    "GENERATE": "--generate",
    "RECORD_PATH": "--record",
    "MAX_SANDBOXES": "--max-sandboxes",
    "SANDBOX_TTL": "--sandbox-ttl",
}
_HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


class BadValue(ValueError):
    """A flag's or a variable's value the mock cannot use; `name` is what the user wrote."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


def _given(args: argparse.Namespace, flag: str) -> tuple[str, object] | None:
    """(the name to blame, the value) for a flag from the command line, else from its variable; None if neither."""
    value = getattr(args, flag.removeprefix("--").replace("-", "_"))
    if value is not None:
        return flag, value
    variable = ENVIRONMENT[flag]
    if variable in os.environ:
        return variable, os.environ[variable]
    return None


def blamed(args: argparse.Namespace, setting: str) -> str:
    """Who set `setting`: its flag when given, else its LEADS_* variable."""
    flag = FLAGS.get(setting)
    if flag is None:
        return setting
    found = _given(args, flag)
    return found[0] if found is not None else flag


def listen_address(args: argparse.Namespace) -> tuple[str, int]:
    """--host and --port (or LEADS_HOST, LEADS_PORT), checked; BadValue names the one at fault."""
    host, port = DEFAULT_HOST, DEFAULT_PORT
    found = _given(args, "--host")
    if found is not None:
        name, value = found
        text = str(value).strip()
        if not (_is_ip(text) or _HOSTNAME.fullmatch(text)):
            raise BadValue(name, f"{text[:60]!r} is not an IP address or host name, like 127.0.0.1 or localhost")
        host = text
    found = _given(args, "--port")
    if found is not None:
        name, value = found
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and int(text) <= 65535):
            raise BadValue(name, f"must be a port from 0 to 65535 (0: any free port), got {text[:40]!r}")
        port = int(text)
    return host, port


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _whole(name: str, value: object, least: int) -> int:
    text = str(value).strip()
    number = text.removeprefix("-")
    if not (number.isascii() and number.isdigit()) or int(text) < least:
        kind = "a whole number" if least < 0 else f"a whole number from {least}"
        raise BadValue(name, f"must be {kind}, got {text[:40]!r}")
    return int(text)


def _minutes(name: str, value: object) -> float:
    text = str(value).strip()
    try:
        minutes = float(text)
    except ValueError:
        minutes = -1.0
    if not 0 <= minutes < float("inf"):
        raise BadValue(name, f"must be a number of minutes from 0 (0: never expire), got {text[:40]!r}")
    return minutes


def config_from_args(args: argparse.Namespace) -> dict[str, object]:
    """The app settings the command line asks for; flags left out keep the defaults (or their LEADS_* variable).

    Values of the command line's own (numbers, switches) are checked here, naming the flag
    or the variable they came from; the rest the app checks as it starts (config.py).
    """
    overrides: dict[str, object] = {}
    if args.fixtures:
        overrides["FIXTURES"] = os.path.abspath(args.fixtures)
    for setting, value in (
        ("CORS_ORIGINS", args.cors_origin),
        ("LATENCY_MS", args.latency),
        ("FAIL_RATE", args.fail_rate),
        ("RATE_LIMIT", args.rate_limit),
    ):
        if value is not None:
            overrides[setting] = value
    if args.state:
        overrides["STATE_PATH"] = os.path.abspath(args.state)
    if args.record:
        overrides["RECORD_PATH"] = os.path.abspath(args.record)
    found = _given(args, "--seed")
    if found is not None:
        overrides["SEED"] = _whole(found[0], found[1], least=-(2**63))
    found = _given(args, "--generate")
    if found is not None:
        overrides["GENERATE"] = _whole(found[0], found[1], least=0) or None
        if overrides["GENERATE"] is None:
            del overrides["GENERATE"]
    found = _given(args, "--max-sandboxes")
    if found is not None:
        overrides["MAX_SANDBOXES"] = _whole(found[0], found[1], least=0)
    found = _given(args, "--sandbox-ttl")
    if found is not None:
        overrides["SANDBOX_TTL"] = _minutes(found[0], found[1])
    quiet = args.quiet
    if quiet is None and "LEADS_QUIET" in os.environ:
        word = os.environ["LEADS_QUIET"].strip().lower()
        if word not in _TRUE + _FALSE:
            raise BadValue("LEADS_QUIET", f"must be 1 or 0 (true or false), got {word[:40]!r}")
        quiet = word in _TRUE
    overrides["LOG_REQUESTS"] = not quiet
    return overrides


def run_mock(args: argparse.Namespace) -> int:
    from . import create_app
    from .config import ConfigError
    from .fixtures import FixtureError
    from .persistence import StateError
    from .serve import PortInUse, any_free_port, serve

    try:
        host, port = listen_address(args)
        settings = config_from_args(args)
    except BadValue as exc:
        return _fail(str(exc))
    try:
        app = create_app(settings)
    except FixtureError as exc:
        return _fail(f"bad fixture file: {exc}")
    except ConfigError as exc:
        return _fail(f"{blamed(args, exc.name)}: {exc.problem}")
    except StateError as exc:
        return _fail(str(exc))
    try:
        if port == 0:
            port = any_free_port(host)
    except PortInUse as exc:
        return _fail(str(exc))
    base_url = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
    banner = _banner(app, base_url)
    handed = [app]
    del app  # serve() holds the only reference, so this process can let go after the fork
    try:
        serve(handed, host, port, announce=lambda: print(banner, flush=True))
    except PortInUse as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        pass
    print("leadkit mock: stopped", flush=True)
    return 0


def _banner(app: object, base_url: str) -> str:
    from .clock import format_ms
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
        f"state file {settings['STATE_PATH']} (the root only)" if mock.journal else "state in memory",
        f"CORS for {', '.join(origins)}" if origins is not None else "CORS for any origin",
    ]
    if settings["RECORD_PATH"]:
        options.append(f"recording API traffic to {settings['RECORD_PATH']} (HAR, written as each exchange ends)")
    if mock.latency is not None:
        options.append(f"latency {mock.latency}")
    if mock.fail_rate is not None:
        options.append(f"fail rate {mock.fail_rate.rate:g}")
    if mock.limiter is not None:
        options.append(f"rate limit {mock.limiter}")
    if settings["SEED"] is not None:
        options.append(f"seed {settings['SEED']} (clock starts at {format_ms(settings['SEED_EPOCH_MS'])}, 1 s a reading)")
    ttl = settings["SANDBOX_TTL"]
    lines += [
        "options: " + "; ".join(options),
        f"sandboxes: header 'Leadkit-Sandbox: NAME' or {base_url}/sandboxes/NAME/...; a private mock each, made on first use,",
        f"  in memory only; at most {settings['MAX_SANDBOXES']}, "
        + (f"dropped after {float(ttl):g} min idle" if float(ttl) else "never expire")
        + "; admin: /__mock/sandboxes",
        "try:",
        f"  curl -H 'Authorization: Bearer {first_key}' {base_url}/api/v1/leads",
        f"  curl -H 'Authorization: Bearer {first_key}' -H 'Prefer: code=404' {base_url}/api/v1/leads/lead_1234567890abcdef",
        "Ctrl-C stops it." + ("" if settings["LOG_REQUESTS"] else " (--quiet: no request log)"),
    ]
    return "\n".join(lines)


def _fail(message: str) -> int:
    print(f"leadkit: error: {message}", file=sys.stderr)
    return 2
