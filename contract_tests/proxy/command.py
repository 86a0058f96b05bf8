"""`leadkit proxy --target URL`: its options and exit codes. Light to import: the transport and engine load only when it runs."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..evidence.schema import report_schema_path

EPILOG = """\
It prints one line per violation as it happens, adds `Leadkit-Violations: <rule ids>` to each
offending response, and on Ctrl-C or SIGTERM prints the summary and exits 1 if it saw any
violation, 0 if it judged API traffic and saw none, 4 (no verdict) if it judged nothing. Keys are never printed. With --report-json / --report-html it then
writes the evidence files check writes (every rule: broken with each violation's request,
response and curl, passed, or skipped; the coverage of what the traffic reached).
  GET /__proxy/violations   the violations so far, as JSON, a page at a time (?offset=0&limit=100)
  GET /__proxy/har          the last 10,000 exchanges, as HAR 1.2 (with the keys as sent; --record has all)
Exit 2 when it cannot start (a bad flag, a port in use). --record writes each exchange as it ends
and --report-every rewrites --report-json while it runs, so a kill -9 leaves both.

examples:
  leadkit proxy --target http://127.0.0.1:4010            # then point the app at http://127.0.0.1:4011
  leadkit proxy --target https://staging.example.com --record e2e.har
  leadkit proxy --target "$STAGING" --report-json proxy.json --report-html proxy.html &
      # run the end-to-end suite against :4011, then: kill -TERM $! && wait $!  (exit 1 on a violation)
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    proxy = sub.add_parser(
        "proxy",
        help="a reverse proxy that judges every exchange by the contract's rules",
        description=(
            "Forward every request to --target and its response back unchanged (CORS included), "
            "judging each exchange with the same rules as `leadkit check`."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    proxy.add_argument("--target", metavar="URL", required=True, help="where the API really is, e.g. http://127.0.0.1:4010; an https one's certificate is checked against the system's trust store, or SSL_CERT_FILE's")
    proxy.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    proxy.add_argument("--port", default="4011", help="port to listen on, 0 for any free one (default: %(default)s)")
    proxy.add_argument("--record", metavar="FILE.har", help="also write the traffic as HAR to this file, each exchange as it ends (a whole HAR at every moment: a kill -9 keeps what was answered)")
    proxy.add_argument("--report-json", metavar="PATH", help=f"when stopped, write the evidence as JSON, as check does (schema: {report_schema_path()})")
    proxy.add_argument("--report-html", metavar="PATH", help="when stopped, write the evidence as one self-contained HTML page")
    proxy.add_argument("--report-every", metavar="S", type=float, default=10.0, help="while it runs, rewrite --report-json this often, so a killed proxy (kill -9, the OOM killer) leaves its findings; 0: only when stopped (default: %(default)g)")
    proxy.add_argument("--quiet", action="store_true", help="no banner at start (violations and the summary are still printed)")
    limits = proxy.add_argument_group("limits (each a clear answer, never a silent pass)")
    limits.add_argument("--upstream-timeout", metavar="S", type=float, default=30.0, help="no whole answer from the target in this long: 502 BAD_GATEWAY saying so (default: %(default)g)")
    limits.add_argument("--max-header-bytes", metavar="N", type=int, default=2 * 1024 * 1024, help="a request header block over this is the proxy's own 431 REQUEST_HEADERS_TOO_LARGE, never forwarded (default: %(default)d, twice the contract's 1 MiB)")
    limits.add_argument("--grace", metavar="S", type=float, default=5.0, help="on Ctrl-C or SIGTERM, requests under way get this long to be answered; the rest are cut off and listed (default: %(default)g)")
    limits.add_argument("--idle-timeout", metavar="S", type=float, default=60.0, help="a client connection with no request under way this long is closed (default: %(default)g)")
    limits.add_argument("--header-timeout", metavar="S", type=float, default=10.0, help="a request's header block not whole this long after its first byte: 408 REQUEST_TIMEOUT, the connection closed (slowloris; default: %(default)g)")
    limits.add_argument("--body-timeout", metavar="S", type=float, default=30.0, help="a request body with no byte of it arriving this long: 408 REQUEST_TIMEOUT, the connection closed, nothing forwarded (default: %(default)g)")
    limits.add_argument("--upstream-connections", metavar="N", type=int, default=256, help="connections to the target at once; requests beyond wait their turn, in order (default: %(default)d)")
    limits.add_argument("--max-connections", metavar="N", type=int, default=None, help="client connections served at once; one more gets the proxy's own 503 (default: half the open-files limit, less a margin)")
    limits.add_argument("--findings-per-rule", metavar="N", type=int, default=100, help="violations kept with their evidence per rule; every one is counted (default: %(default)d)")
    proxy.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from ..evidence.write import ensure_writable
    from .serve import ProxyError

    # Everything given is checked before the proxy listens: one line naming the flag, exit 2.
    port = str(args.port).strip()
    if not (port.isascii() and port.isdigit() and int(port) <= 65535):
        raise ProxyError(f"--port must be a port from 0 to 65535 (0: any free port), got {port[:40]!r}")
    args.port = int(port)
    if not args.target.startswith(("http://", "https://")):
        raise ProxyError(f"--target must be an http:// or https:// URL, not {args.target!r}")
    ensure_writable({"--record": args.record, "--report-json": args.report_json, "--report-html": args.report_html})
    for flag, value in (("--upstream-timeout", args.upstream_timeout), ("--grace", args.grace), ("--report-every", args.report_every), ("--max-header-bytes", args.max_header_bytes), ("--findings-per-rule", args.findings_per_rule), ("--idle-timeout", args.idle_timeout), ("--header-timeout", args.header_timeout), ("--body-timeout", args.body_timeout), ("--upstream-connections", args.upstream_connections), ("--max-connections", 1 if args.max_connections is None else args.max_connections)):
        if not (value >= 0 if flag in ("--grace", "--report-every") else value > 0) or value == float("inf"):
            raise ProxyError(f"{flag} must be a number above 0{' (or 0)' if flag in ('--grace', '--report-every') else ''}, got {value}")
    from .limits import Limits

    chosen = {"max_connections": args.max_connections} if args.max_connections is not None else {}
    limits = Limits(
        upstream_timeout=args.upstream_timeout,
        max_header_bytes=args.max_header_bytes,
        grace=args.grace,
        findings_per_rule=args.findings_per_rule,
        idle_timeout=args.idle_timeout,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        upstream_connections=args.upstream_connections,
        **chosen,
    )

    from ..evidence.traffic import traffic_report
    from ..evidence.write import write_reports
    from .serve import run as serve

    started = datetime.now(timezone.utc)

    def reports(proxy: Any) -> None:
        report = traffic_report(proxy.tally, "proxy", proxy.target, started, datetime.now(timezone.utc))
        failures = write_reports(report, args.report_json, args.report_html)
        for failure in failures:
            print(f"leadkit proxy: {failure}", file=sys.stderr)
        for path in (args.report_json, args.report_html):
            if path and not any(path in failure for failure in failures):
                print(f"leadkit proxy: wrote {path}", flush=True)

    def interim(proxy: Any) -> None:
        """--report-json while it runs: what a kill -9 leaves (atomic: a reader never sees half a file)."""
        report = traffic_report(proxy.tally, "proxy", proxy.target, started, datetime.now(timezone.utc))
        report.notes.append(f"Interim: written while the proxy ran (every {args.report_every:g} s, --report-every); the report written when it stops replaces it.")
        for failure in write_reports(report, args.report_json):
            print(f"leadkit proxy: {failure}", file=sys.stderr)

    wanted = bool(args.report_json or args.report_html)
    ticking = interim if args.report_json and args.report_every > 0 else None
    return serve(args.target, args.host, args.port, args.record, args.quiet, reports if wanted else None, limits, ticking, args.report_every)
