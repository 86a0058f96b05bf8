"""How long the default `leadkit verify` takes against the local mock; the target is under 60 s on 2 cores.

Starts `leadkit mock` on a free port, runs `leadkit verify` with both default keys exactly as a
user would, prints the wall-clock time of each run and their median, and stops the mock.

    python bench/verify_time.py [--runs N] [--max-examples N]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
KEYS = ["--api-key", "sk-workspace_your_api_key", "--second-api-key", "sk-workspace_second_api_key"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("leadkit mock did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-examples", type=int, help="passed on to leadkit verify (default: its own)")
    args = parser.parse_args()
    port = free_port()
    mock = subprocess.Popen([str(BIN / "leadkit"), "mock", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    command = [str(BIN / "leadkit"), "verify", "--base-url", f"http://127.0.0.1:{port}", *KEYS]
    if args.max_examples:
        command += ["--max-examples", str(args.max_examples)]
    times = []
    try:
        wait_for(port, mock)
        for run in range(1, args.runs + 1):
            started = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            verdict = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr.strip()
            print(f"run {run}: {times[-1]:.1f} s, exit {result.returncode}: {verdict}", flush=True)
    finally:
        mock.terminate()
        mock.wait(timeout=15)
    print(f"leadkit verify against the local mock (default options, both keys): median {statistics.median(times):.1f} s "
          f"over {len(times)} runs (min {min(times):.1f} s, max {max(times):.1f} s); target < 60 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
