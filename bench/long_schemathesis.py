"""A long Schemathesis run (10,000+ generated cases) against a live `leadkit mock`.

    python bench/long_schemathesis.py                  # ~2,500 examples per operation
    python bench/long_schemathesis.py --max-examples 500

Fails on any 5xx or any response that breaks openapi.yaml (status, content type,
headers, body schema). The stateful phase stays off: against one long-lived stateful
server its link-following runs are flaky; stress.py covers concurrency and state.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import AUTH, ROOT, WORK, Processes, run_script, start_leadkit

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=2500, help="per operation and phase (default 2500)")
    parser.add_argument("--min-cases", type=int, default=10_000, help="fail if fewer cases were generated (default 10000)")
    parser.add_argument("--seed", type=int, default=5, help="Hypothesis seed, for a run that repeats (default 5)")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds (default 1800)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "long_schemathesis.log"
    with Processes(handle_sigterm=True) as procs:
        _, base_url = start_leadkit(procs)
        argv = [
            sys.executable, "-m", "schemathesis.cli", "run", str(ROOT / "openapi.yaml"),
            "--url", base_url, "--header", f"Authorization: {AUTH['Authorization']}",
            "--phases", "examples,coverage,fuzzing", "--checks", CHECKS,
            "--max-examples", str(args.max_examples), "--seed", str(args.seed),
            "--workers", "1", "--request-timeout", "10", "--continue-on-failure",
        ]  # fmt: skip
        started = time.monotonic()
        with open(log, "w") as sink:  # in bench/.work: it leaves a .schemathesis/ there; killed on timeout and on Ctrl-C
            done = subprocess.run(argv, cwd=WORK, stdout=sink, stderr=subprocess.STDOUT, timeout=args.timeout)
        elapsed = time.monotonic() - started
    output = log.read_text(errors="replace")
    found = re.search(r"(\d+) generated, (.*)", output)
    generated = int(found.group(1)) if found else 0
    print(f"Schemathesis {args.max_examples} examples per operation, seed {args.seed}: "
          f"{found.group(0) if found else 'no summary'} in {elapsed:.0f} s (exit {done.returncode}); log: {log}")  # fmt: skip
    summary = output[output.rfind("SUMMARY") :] if "SUMMARY" in output else output[-3000:]
    print(summary)
    if generated < args.min_cases:
        print(f"FAILED: only {generated} cases generated, fewer than {args.min_cases}")
        return 1
    return done.returncode


if __name__ == "__main__":
    run_script(main)
