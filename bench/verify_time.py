"""How long `leadkit verify` takes against the local mock at 0 ms and at 50 ms, and its sequential round trips.

Starts two `leadkit mock` processes on free ports, one answering at once and one with
`--latency 50` (a deployment 50 ms away), runs `leadkit verify` with both default keys against
each exactly as a user would, and prints per run: the wall time, the exit code and verdict, and
the number of API requests the mock logged. Then

    sequential round trips = (T50 - T0) / 50 ms

the length of the chain of requests that waited on each other: what a deployment's distance
costs. The issue's target is at most 150 (a 50 ms deployment verified in seconds more than a
local one).

    python bench/verify_time.py [--runs N] [--max-examples N] [--workers N] [--latency MS]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BIN = Path(sys.executable).parent
KEYS = ["--api-key", "sk-workspace_your_api_key", "--second-api-key", "sk-workspace_second_api_key"]
API_LINE = re.compile(r"^[A-Z]+ /api/v1/")  # the mock's one line per request


class Mock:
    """`leadkit mock` on a free port, its request lines counted."""

    def __init__(self, *extra: str) -> None:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from livemock import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(BIN / "leadkit"), "mock", "--port", str(self.port), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.requests = 0
        self.ready = threading.Event()
        threading.Thread(target=self._count, daemon=True).start()
        if not self.ready.wait(30):
            self.stop()
            raise SystemExit("leadkit mock did not start")

    def _count(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("leadkit mock serving"):
                self.ready.set()
            self.requests += bool(API_LINE.match(line))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


def run_verify(mock: Mock, extra: list[str]) -> tuple[float, int, str, int]:
    """Wall seconds, exit code, verdict line, API requests of one run."""
    before = mock.requests
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        result = subprocess.run(
            [str(BIN / "leadkit"), "verify", "--base-url", mock.url, *KEYS, *extra], capture_output=True, text=True, cwd=scratch
        )
        elapsed = time.perf_counter() - started
    time.sleep(0.5)  # the last log lines reach the counter
    lines = result.stdout.strip().splitlines()
    verdict = next((line for line in reversed(lines) if line.startswith("leadkit verify:")), result.stderr.strip()[-200:])
    return elapsed, result.returncode, verdict, mock.requests - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs at each latency (the median is used)")
    parser.add_argument("--latency", type=int, default=50, help="the distant mock's --latency in ms (default 50)")
    parser.add_argument("--max-examples", type=int, help="passed on to leadkit verify (default: its own)")
    parser.add_argument("--workers", type=int, help="passed on to leadkit verify (default: its own)")
    parser.add_argument("--seed", type=int, default=7, help="passed on to leadkit verify, so both runs generate the same requests")
    args = parser.parse_args()
    extra = ["--seed", str(args.seed)]
    if args.max_examples:
        extra += ["--max-examples", str(args.max_examples)]
    if args.workers:
        extra += ["--workers", str(args.workers)]
    walls: dict[int, list[float]] = {0: [], args.latency: []}
    counts: dict[int, list[int]] = {0: [], args.latency: []}
    for latency in walls:
        mock = Mock(*(["--latency", str(latency)] if latency else []))
        try:
            for run in range(1, args.runs + 1):
                elapsed, code, verdict, requests = run_verify(mock, extra)
                walls[latency].append(elapsed)
                counts[latency].append(requests)
                print(f"{latency:>3} ms run {run}: {elapsed:6.1f} s, {requests} requests, exit {code}: {verdict}", flush=True)
        finally:
            mock.stop()
    t0, tn = statistics.median(walls[0]), statistics.median(walls[args.latency])
    trips = (tn - t0) / (args.latency / 1000)
    print(f"leadkit verify {' '.join(extra)} against the local mock, both keys:")
    print(f"  T0  = {t0:.1f} s, {statistics.median(counts[0]):.0f} requests")
    print(f"  T{args.latency} = {tn:.1f} s, {statistics.median(counts[args.latency]):.0f} requests (--latency {args.latency})")
    print(f"  sequential round trips = (T{args.latency} - T0) / {args.latency} ms = {trips:.0f} (target <= 150)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
