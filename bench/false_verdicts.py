"""False verdicts: unseeded `leadkit verify` runs against two conforming servers, each run's exit code counted.

Starts `leadkit mock` and `tests/kit/independent_server.py` (a second, independent implementation
of the contract) on free ports, runs `leadkit verify` against each `--runs` times, one run at a
time, exactly as a user would (no `--seed`: each run picks its own and prints it), and prints per
run the exit code, the wall time, the seed and the verdict. Both servers conform, so any exit
code but 0 is a false verdict: the seed, `--max-examples` and `--workers` printed beside it
repeat its generated requests. Ends with the count, and exits 1 if there was any.

    python bench/false_verdicts.py [--runs N] [--max-examples N] [--workers N]

Issue 23 asks for `--runs 20`; each run costs some 20-40 s of CPU on a 2-core machine.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.verify_time import BIN, KEYS, Mock

ROOT = Path(__file__).resolve().parent.parent
INDEPENDENT_KEYS = ["--api-key", "indie-alpha-7f3c", "--second-api-key", "indie-beta-19d2"]
SEED = re.compile(r"^leadkit verify: checking \S+ \(seed (\d+),")


class Independent:
    """tests/kit/independent_server.py on a free port."""

    def __init__(self) -> None:
        sys.path.insert(0, str(ROOT / "tests"))
        from livemock import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, str(ROOT / "tests" / "kit" / "independent_server.py"), str(self.port)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            self.stop()
            raise SystemExit("the independent server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


def run_verify(url: str, keys: list[str], extra: list[str]) -> tuple[int, float, str, str]:
    """Exit code, wall seconds, seed and verdict line of one run."""
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        result = subprocess.run(
            [str(BIN / "leadkit"), "verify", "--base-url", url, *keys, *extra], capture_output=True, text=True, cwd=scratch
        )
        elapsed = time.perf_counter() - started
    lines = result.stdout.strip().splitlines()
    seed = next((match[1] for line in lines if (match := SEED.match(line))), "?")
    verdict = next((line for line in reversed(lines) if line.startswith("leadkit verify:")), result.stderr.strip()[-200:])
    return result.returncode, elapsed, seed, verdict


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs against each server (default 20)")
    parser.add_argument("--max-examples", type=int, help="passed on to leadkit verify (default: its own)")
    parser.add_argument("--workers", type=int, help="passed on to leadkit verify (default: its own)")
    args = parser.parse_args()
    extra = [f"--max-examples={args.max_examples}"] if args.max_examples else []
    extra += [f"--workers={args.workers}"] if args.workers else []
    false: dict[str, int] = {}
    for name, start, keys in (("leadkit mock", lambda: Mock("--quiet"), KEYS), ("independent server", Independent, INDEPENDENT_KEYS)):
        server = start()
        false[name] = 0
        try:
            for run in range(1, args.runs + 1):
                code, elapsed, seed, verdict = run_verify(server.url, keys, extra)
                false[name] += code != 0
                mark = "  " if code == 0 else "! "
                print(f"{mark}{name} run {run}: exit {code}, {elapsed:5.1f} s, seed {seed}: {verdict}", flush=True)
        finally:
            server.stop()
    for name, count in false.items():
        print(f"false verdicts against the {name}: {count} of {args.runs}")
    return 1 if any(false.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
