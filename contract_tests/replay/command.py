"""`leadkit replay SESSION.har`: its options and exit codes. Light to import: the kit loads only when it runs."""

from __future__ import annotations

import argparse
import sys

from ..live.target import ENV_API_KEY, ENV_BASE_URL, ENV_SECOND_API_KEY, resolve_target

EPILOG = f"""\
how it works:
  The HAR's Leads API requests are sent again, in their recorded order, to --base-url. Each
  workspace of the recording (one per accepted key, in the order they first appear) maps to
  a key given here: the first to --api-key, the second to --second-api-key. An id a recorded
  create returned maps to the id the target returns for that step; a lead the session did
  not create (a fixture lead) gets a stand-in, created first from its recorded fields; an id
  the recording never saw exist maps to a made-up id the target does not have. Answers are
  compared by meaning (status, error code, the contract's rules on the target's own
  traffic, what the lists held), never ids or timestamps. Admin calls, forced responses
  (Prefer: code=...), CORS preflights and other hosts are skipped and said so. The replay
  writes only to leads it created and removes them all at the end, also after Ctrl-C.

exit codes:
  0  every replayed step answered as the contract did when recorded
  1  some did not: each DIFF names the rule, with both answers and a curl
  2  it could not run: unreadable file, unreachable URL, refused key, bad arguments
  4  no verdict: no step of the recording could be replayed (each skipped, with why)
  130 interrupted (Ctrl-C): no verdict

environment:
  {ENV_BASE_URL}, {ENV_API_KEY}, {ENV_SECOND_API_KEY} stand in for the options

examples:
  leadkit mock --record session.har            # work in the app, then Ctrl-C the mock
  leadkit replay session.har --base-url https://staging.example.com \\
                 --api-key "$LEADS_API_KEY" --second-api-key "$LEADS_SECOND_API_KEY" --report-html replay.html
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "replay",
        help="replay a recorded session (HAR) against a deployment and report where it answers differently",
        description="Replay a frontend's recorded session against a deployment of the Leads API, step by step.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("har", metavar="SESSION.har", help="the recording: leadkit mock/proxy --record, devtools, Playwright")
    parser.add_argument("--base-url", metavar="URL", help=f"the deployment to replay against, without /api/v1 (env {ENV_BASE_URL})")
    parser.add_argument("--api-key", metavar="KEY", help=f"the key for the recording's first workspace (env {ENV_API_KEY})")
    parser.add_argument("--second-api-key", metavar="KEY", help=f"the key for its second workspace (env {ENV_SECOND_API_KEY})")
    parser.add_argument("--recorded-base-url", metavar="URL", help="which deployment of the recording to replay, when it holds several")
    parser.add_argument("--report-json", metavar="PATH", help="also write the result as JSON (the schema of verify's report)")
    parser.add_argument("--report-html", metavar="PATH", help="also write a self-contained HTML report")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from ..core.har import read_har
    from ..core.outcome import ExitCode
    from ..evidence.write import ensure_writable, write_reports
    from ..live.interrupt import sigterm_as_ctrl_c
    from ..live.kit import Kit
    from .session import replay, to_report

    sigterm_as_ctrl_c()
    ensure_writable({"--report-json": args.report_json, "--report-html": args.report_html})  # before any work

    recording = read_har(args.har)  # a HarError or TargetError is "cannot run", said by leadkit/cli.py
    target = resolve_target(base_url=args.base_url, api_key=args.api_key, second_api_key=args.second_api_key)
    kit = Kit.open(target)
    try:
        kit.preflight()
    except KeyboardInterrupt:
        print("leadkit replay: interrupted before the first step: no verdict", file=sys.stderr)
        return ExitCode.INTERRUPTED
    started = datetime.now(timezone.utc)
    result = replay(recording, target, sys.stdout, args.recorded_base_url, kit)
    if args.report_json or args.report_html:
        report = to_report(result, target, started, datetime.now(timezone.utc))
        failures = write_reports(report, args.report_json, args.report_html)
        for failure in failures:
            print(f"leadkit replay: {failure}", file=sys.stderr)
        if failures:
            return ExitCode.CANNOT_RUN
    return result.exit_code
