"""`leadkit verify`: its options and exit codes. Light to import: the kit loads only when it runs."""

from __future__ import annotations

import argparse

from ..core.outcome import ExitCode
from ..evidence.schema import report_schema_path
from ..live.target import DEFAULT_MAX_EXAMPLES, DEFAULT_WORKERS, ENV_API_KEY, ENV_BASE_URL, ENV_SECOND_API_KEY, resolve_target

EPILOG = f"""\
exit codes:
  0  the deployment conforms to the contract
  1  it does not: the summary names each broken rule, its contract section and a curl to repeat it
  2  the checks could not run: unreachable URL, refused key, not the Leads API, bad arguments
  3  --require-coverage: it conforms, but a documented status of an operation was never seen
     (every one but 429, which needs a rate limit, and 5xx, which must never happen)
  130  interrupted (Ctrl-C, or SIGTERM as CI's cancel sends): the kit's leads removed, no verdict

environment:
  {ENV_BASE_URL}, {ENV_API_KEY}, {ENV_SECOND_API_KEY} stand in for the options

examples:
  leadkit verify --base-url http://127.0.0.1:4010 --api-key sk-workspace_your_api_key \\
                 --second-api-key sk-workspace_second_api_key
  LEADS_BASE_URL=https://staging.example.com LEADS_API_KEY=... leadkit verify --read-only
  pytest --pyargs contract_tests --base-url http://127.0.0.1:4010 --api-key ...   # same checks, pytest's reports
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "verify",
        help="check a running deployment against the contract, rule by rule",
        description=(
            "Run the contract checks against a deployment of the Leads API: hand-written checks of every "
            "rule, then Schemathesis property-based and stateful testing over openapi.yaml. The kit only "
            "writes to leads it created (marked as test data) and removes them at the end."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--base-url", metavar="URL", help=f"the deployment, without /api/v1 (env {ENV_BASE_URL})")
    parser.add_argument("--api-key", metavar="KEY", help=f"a key of the workspace to test in (env {ENV_API_KEY})")
    parser.add_argument(
        "--second-api-key", metavar="KEY", help=f"a key of another workspace; without it isolation is skipped (env {ENV_SECOND_API_KEY})"
    )
    parser.add_argument("--read-only", action="store_true", help="send no write at all; report the checks skipped")
    parser.add_argument("--junit-xml", metavar="PATH", help="also write a JUnit XML report")
    parser.add_argument(
        "--max-examples", type=int, metavar="N", help=f"Schemathesis examples per operation (default {DEFAULT_MAX_EXAMPLES})"
    )
    parser.add_argument("--seed", type=int, metavar="N", help="seed for the generated tests, to repeat a run")
    parser.add_argument(
        "--workers", type=int, metavar="N", help=f"checks at once (default {DEFAULT_WORKERS}; 1 runs them one by one, in file order)"
    )
    parser.add_argument("--report-json", metavar="PATH", help=f"write the evidence as JSON (schema: {report_schema_path()})")
    parser.add_argument("--report-html", metavar="PATH", help="write the evidence as one self-contained HTML page")
    parser.add_argument(
        "--require-coverage", action="store_true", help="exit 3 unless every documented status of every operation was seen (429 and 5xx excepted)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..live.interrupt import sigterm_as_ctrl_c

    sigterm_as_ctrl_c()
    try:
        return _run(args)
    except KeyboardInterrupt:  # at start-up, before any check (and before the kit made any lead)
        print("\nleadkit verify: interrupted after 0 checks: no verdict (nothing was checked, nothing created)", flush=True)
        return ExitCode.INTERRUPTED


def _run(args: argparse.Namespace) -> int:
    import tempfile
    from pathlib import Path

    from hypothesis.configuration import set_hypothesis_home_dir

    from ..evidence.write import ensure_writable
    from ..live.kit import Kit  # the kit (pytest, Schemathesis, openapi-core) loads only now
    from ..live.target import TargetError
    from .run import Reports, cannot_run, verify

    ensure_writable({"--junit-xml": args.junit_xml, "--report-json": args.report_json, "--report-html": args.report_html})

    # Hypothesis keeps caches in ./.hypothesis; a command run from any directory should not litter it.
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "leadkit-hypothesis")

    reports = Reports(args.junit_xml, args.report_json, args.report_html, args.require_coverage)
    try:
        target = resolve_target(
            base_url=args.base_url,
            api_key=args.api_key,
            second_api_key=args.second_api_key,
            read_only=args.read_only,
            max_examples=args.max_examples,
            seed=args.seed,
            workers=args.workers,
        )
        kit = Kit.open(target)
        kit.preflight()
    except TargetError as exc:  # said by leadkit/cli.py; the reports asked for still say why (a CI artifact step finds them)
        cannot_run(args.base_url or "", reports, f"{exc.prefix}{exc}")
        raise
    mode = ", read-only" if target.read_only else ""
    print(f"leadkit verify: checking {target.base_url} (seed {target.seed}, {target.workers} at a time{mode})", flush=True)
    return verify(target, reports=reports, kit=kit).exit_code


