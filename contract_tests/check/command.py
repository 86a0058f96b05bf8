"""`leadkit check FILE.har`: its options and exit codes. Light to import: the engine loads only when it runs."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..evidence.schema import report_schema_path

CHECK_EPILOG = """\
exit codes:
  0  every API exchange in the file conforms to the contract
  1  some do not: each violation is printed with its entry number, rule, contract section and a curl
  2  the file cannot be read (one line: which file, which entry, why)
  4  no verdict: no entry was an API exchange to judge (another API, or --base-url matched none)

recordings it reads:
  Chromium or Firefox devtools "Save all as HAR", Playwright's record_har_path (embedded or
  attached content, .har or .zip), and leadkit's own (proxy --record, mock --record).
  Without Authorization headers (Chromium strips them on export) the rules that need each
  request's key are listed as not judged rather than guessed.

evidence files (as for verify; the same schema, leadkit-report/1, {schema}):
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
        epilog=CHECK_EPILOG.format(schema=report_schema_path()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("har", metavar="FILE.har", help="the recording (.har, or Playwright's .zip)")
    check.add_argument("--base-url", metavar="URL", help="judge only entries of this deployment (the part before /api/v1)")
    check.add_argument("--json", action="store_true", help="print the findings as one JSON document instead")
    check.add_argument("--report-json", metavar="PATH", help=f"also write the evidence as JSON (schema: {report_schema_path()})")
    check.add_argument("--report-html", metavar="PATH", help="also write the evidence as one self-contained HTML page")
    check.add_argument("--findings-per-rule", metavar="N", type=int, default=100, help="violations kept with their evidence per rule (printed, in --json and the reports); every one is counted (default: %(default)d)")
    check.set_defaults(run=run_check)

def run_check(args: argparse.Namespace) -> int:
    import json
    from datetime import datetime, timezone

    from ..core.har import HarError, stream_har
    from ..core.outcome import ExitCode
    from ..evidence.model import could_not_run
    from ..evidence.tally import judge_recording
    from ..evidence.traffic import traffic_report
    from ..evidence.write import ensure_writable

    ensure_writable({"--report-json": args.report_json, "--report-html": args.report_html})  # before any work
    if args.findings_per_rule < 1:
        raise HarError(f"--findings-per-rule must be 1 or more, got {args.findings_per_rule}")
    started = datetime.now(timezone.utc)
    import gc

    gc.freeze()  # the spec and the compiled checks live to the end: keep the collector from walking them again and again
    recording = stream_har(args.har)  # read as it is judged: never the whole file in memory
    try:
        tally = judge_recording(recording, args.base_url, coverage=bool(args.report_json or args.report_html), per_rule=args.findings_per_rule)
    except HarError as exc:
        _write(could_not_run("check", args.har, started, datetime.now(timezone.utc), f"{exc.prefix}{exc}"), args)
        raise
    if args.json:
        print(json.dumps({"file": args.har, "entries": recording.count, **tally.to_json()}, indent=2))
    else:
        for finding in tally.findings:
            print("\n".join(finding.render()) + "\n")
        print("\n".join(tally.summary(f"leadkit check {args.har}: {recording.count} entries")))
    code = tally.exit_code()
    if args.report_json or args.report_html:
        if not _write(traffic_report(tally, "check", args.har, started, datetime.now(timezone.utc)), args) and code == ExitCode.CONFORMS:
            return ExitCode.CANNOT_RUN  # the evidence was asked for and is not there: never green
    return code


def _write(report: Any, args: argparse.Namespace) -> bool:
    """The report files; False (each failure said on stderr) when one could not be written."""
    from ..evidence.write import write_reports

    failures = write_reports(report, args.report_json, args.report_html)
    for failure in failures:
        print(f"leadkit check: {failure}", file=sys.stderr)
    return not failures
