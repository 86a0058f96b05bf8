"""`leadkit check FILE.har` and `leadkit proxy --target URL`: the contract's rules on traffic the kit did not make.

Light to import: the engine loads only when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

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
evidence files (as for verify; the same schema, leadkit-report/1, docs/report-schema.json):
  --report-json PATH  every rule the engine judges: broken (each violation's entry number,
                      message, request and response excerpts, the entry compared with, a curl
                      with keys as $LEADS_API_KEY), passed (it never fired on the entries judged)
                      or skipped (why); the coverage of the entries judged; the notes
  --report-html PATH  the same as one self-contained page (no network): verdict first, rules
                      with filters, each broken rule's evidence, the coverage table
examples:
  leadkit check session.har
  leadkit check --base-url https://staging.example.com e2e.har
  leadkit check --report-json check.json --report-html check.html e2e.har
"""

PROXY_EPILOG = """\
It prints one line per violation as it happens, adds `Leadkit-Violations: <rule ids>` to each
offending response, and on Ctrl-C or SIGTERM prints the summary and exits 1 if it saw any
violation, 0 if none. Keys are never printed. With --report-json / --report-html it then
writes the evidence files check writes (every rule: broken with each violation's request,
response and curl, passed, or skipped; the coverage of what the traffic reached).
  GET /__proxy/violations   the violations so far, as JSON
  GET /__proxy/har          the traffic so far, as HAR 1.2 (with the keys as sent)
examples:
  leadkit proxy --target http://127.0.0.1:4010            # then point the app at http://127.0.0.1:4011
  leadkit proxy --target https://staging.example.com --record e2e.har
  leadkit proxy --target "$STAGING" --report-json proxy.json --report-html proxy.html &
      # run the end-to-end suite against :4011, then: kill -TERM $! && wait $!  (exit 1 on a violation)
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
    check.add_argument("--report-json", metavar="PATH", help="also write the evidence as JSON (schema: docs/report-schema.json)")
    check.add_argument("--report-html", metavar="PATH", help="also write the evidence as one self-contained HTML page")
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
    proxy.add_argument("--report-json", metavar="PATH", help="when stopped, write the evidence as JSON, as check does (schema: docs/report-schema.json)")
    proxy.add_argument("--report-html", metavar="PATH", help="when stopped, write the evidence as one self-contained HTML page")
    proxy.add_argument("--quiet", action="store_true", help="no banner at start (violations and the summary are still printed)")
    proxy.set_defaults(run=run_proxy)


def run_check(args: argparse.Namespace) -> int:
    import json
    from datetime import datetime, timezone

    from ..core.har import HarError, read_har
    from ..evidence.tally import judge_recording
    from ..evidence.traffic import traffic_report, unreadable_report

    started = datetime.now(timezone.utc)
    try:
        recording = read_har(args.har)
    except HarError as exc:
        print(f"leadkit check: cannot read {exc}", file=sys.stderr)
        write_reports(unreadable_report("check", args.har, started, datetime.now(timezone.utc), f"cannot read {exc}"), args, "check")
        return EXIT_UNREADABLE
    import gc

    gc.freeze()  # the recording's objects live to the end: keep the collector from walking them again and again
    tally = judge_recording(recording.exchanges, args.base_url, coverage=bool(args.report_json or args.report_html))
    if args.json:
        print(json.dumps({"file": args.har, "entries": len(recording.exchanges), **tally.to_json()}, indent=2))
    else:
        for finding in tally.findings:
            print("\n".join(finding.render()) + "\n")
        print("\n".join(tally.summary(f"leadkit check {args.har}: {len(recording.exchanges)} entries")))
    if args.report_json or args.report_html:
        write_reports(traffic_report(tally, "check", args.har, started, datetime.now(timezone.utc)), args, "check")
    return EXIT_VIOLATIONS if tally.findings else EXIT_OK


def write_reports(report: Any, args: argparse.Namespace, tool: str) -> None:
    """--report-json and --report-html, by the one writer verify uses; a file that cannot be written is said on stderr."""
    from ..evidence.html import write_html
    from ..evidence.model import write_json

    for path, write in ((args.report_json, write_json), (args.report_html, write_html)):
        if path:
            try:
                write(report, path)
            except OSError as exc:
                print(f"leadkit {tool}: could not write {path}: {exc.strerror or exc}", file=sys.stderr)


def run_proxy(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from ..evidence.traffic import traffic_report
    from ..proxy.serve import run

    started = datetime.now(timezone.utc)

    def reports(proxy: Any) -> None:
        report = traffic_report(proxy.tally, "proxy", proxy.target, started, datetime.now(timezone.utc))
        write_reports(report, args, "proxy")
        for path in (args.report_json, args.report_html):
            if path:
                print(f"leadkit proxy: wrote {path}", flush=True)

    wanted = bool(args.report_json or args.report_html)
    return run(args.target, args.host, args.port, args.record, args.quiet, reports if wanted else None)
