"""`leadkit check FILE.har` and `leadkit proxy --target URL`: the contract's rules on traffic the kit did not make.

Light to import: the engine loads only when a command runs.
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_VIOLATIONS, EXIT_UNREADABLE = 0, 1, 2

CHECK_EPILOG = """\
exit codes:
  0  every API exchange in the file conforms to the contract
  1  some do not: each violation is printed with its entry number, rule, contract section and a curl
  2  the file cannot be read (one line: which file, which entry, why)
recordings it reads:
  Chromium or Firefox devtools "Save all as HAR", Playwright's record_har_path (embedded or
  attached content, .har or .zip), and leadkit's own (proxy --record, mock --record).
  Without Authorization headers (Chromium strips them on export) the rules that need each
  request's key are listed as not judged rather than guessed.
examples:
  leadkit check session.har
  leadkit check --base-url https://staging.example.com e2e.har
"""

PROXY_EPILOG = """\
It prints one line per violation as it happens, adds `Leadkit-Violations: <rule ids>` to each
offending response, and on Ctrl-C or SIGTERM prints the summary and exits 1 if it saw any
violation, 0 if none. Keys are never printed.
  GET /__proxy/violations   the violations so far, as JSON
  GET /__proxy/har          the traffic so far, as HAR 1.2 (with the keys as sent)
examples:
  leadkit proxy --target http://127.0.0.1:4010            # then point the app at http://127.0.0.1:4011
  leadkit proxy --target https://staging.example.com --record e2e.har
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = sub.add_parser(
        "check",
        help="judge the API traffic in a HAR file by the contract's rules",
        description=(
            "Read a HAR 1.2 file, take its entries under the Leads API (/api/v1) in the order they "
            "ended, and judge each by the contract's rules: on its own (openapi.yaml, envelopes, "
            "401/405, paging) and against the exchanges that ended before it began (a deleted lead "
            "that came back, an id issued twice, createdAt moved, updatedAt not later, an update "
            "not applied as sent, another workspace's lead)."
        ),
        epilog=CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("har", metavar="FILE.har", help="the recording (.har, or Playwright's .zip)")
    check.add_argument("--base-url", metavar="URL", help="judge only entries of this deployment (the part before /api/v1)")
    check.add_argument("--json", action="store_true", help="print the findings as one JSON document instead")
    check.set_defaults(run=run_check)

    proxy = sub.add_parser(
        "proxy",
        help="a reverse proxy that judges every exchange by the contract's rules",
        description=(
            "Forward every request to --target and its response back unchanged (CORS included), "
            "judging each exchange with the same rules as `leadkit check`."
        ),
        epilog=PROXY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    proxy.add_argument("--target", metavar="URL", required=True, help="where the API really is, e.g. http://127.0.0.1:4010")
    proxy.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    proxy.add_argument("--port", type=int, default=4011, help="port to listen on (default: %(default)s)")
    proxy.add_argument("--record", metavar="FILE.har", help="also write the traffic as HAR to this file when stopped")
    proxy.add_argument("--quiet", action="store_true", help="no banner at start (violations and the summary are still printed)")
    proxy.set_defaults(run=run_proxy)


def run_check(args: argparse.Namespace) -> int:
    import json

    from .check import check_recording
    from .har import HarError, read_har

    try:
        recording = read_har(args.har)
    except HarError as exc:
        print(f"leadkit check: cannot read {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    import gc

    gc.freeze()  # the recording's objects live to the end: keep the collector from walking them again and again
    tally = check_recording(recording, args.base_url)
    if args.json:
        print(json.dumps({"file": args.har, "entries": len(recording.exchanges), **tally.to_json()}, indent=2))
    else:
        for finding in tally.findings:
            print("\n".join(finding.render()) + "\n")
        print("\n".join(tally.summary(f"leadkit check {args.har}: {len(recording.exchanges)} entries")))
    return EXIT_VIOLATIONS if tally.findings else EXIT_OK


def run_proxy(args: argparse.Namespace) -> int:
    from .proxy.serve import run

    return run(args.target, args.host, args.port, args.record, args.quiet)
