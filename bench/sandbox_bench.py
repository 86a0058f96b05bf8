"""What a sandbox costs: making one, holding 1,000, and a request routed through one beside the root's.

Run: .venv/bin/python bench/sandbox_bench.py [--count 1000] [--seconds 1] [--repeats 15]

In process: the median and p99 time to make a sandbox from the default fixtures on its first
use (the registry's own path, `Sandboxes.use`), and the resident memory `--count` live sandboxes
add, untouched and after each served a list and a delete. Then a live `leadkit mock` under wrk
(1 thread, 10 connections; installed from Debian when missing and run as root), GET one lead at
the root, through a `/sandboxes/NAME` prefix and through the `Leadkit-Sandbox` header, the
three taking turns, medians of `--repeats` runs; the sandbox's requests per second as a share
of the root's. Short runs taking turns many times: on a shared machine the load drifts, and
5 s runs three times each measured the three as far apart as 69% and 124%. Talks to 127.0.0.1 only and stops what it started.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import wrk
from bench.harness import AUTH, JOHN, Processes, run_script, start_leadkit
from mock_server import create_app
from mock_server.sandboxes import SANDBOXES


def rss_mb() -> float:
    """This process's resident memory, from /proc (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def call(app: Any, method: str, path: str) -> int:
    environ = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, "HTTP_AUTHORIZATION": AUTH["Authorization"],
    }  # fmt: skip
    seen: list[str] = []
    b"".join(app(environ, lambda status, headers, exc_info=None: seen.append(status)))
    return int(seen[0][:3])


def in_process(count: int) -> None:
    app = create_app({"MAX_SANDBOXES": count * 2})
    registry = app.extensions[SANDBOXES]
    for warm in range(20):  # first calls pay imports and caches
        registry.use(f"warm-{warm}")
        registry.drop(f"warm-{warm}")
    gc.collect()
    before = rss_mb()
    times = []
    for n in range(count):
        started = time.perf_counter_ns()
        registry.use(f"bench-{n}")
        times.append((time.perf_counter_ns() - started) / 1e6)
    gc.collect()
    untouched = rss_mb() - before
    for n in range(count):
        assert call(app, "GET", f"/sandboxes/bench-{n}/api/v1/leads") == 200
        assert call(app, "DELETE", f"/sandboxes/bench-{n}/api/v1/leads/{JOHN}") == 200
    gc.collect()
    used = rss_mb() - before
    times.sort()
    print(f"making a sandbox from the default fixtures (first use, in process, {count} made):")
    print(f"  median {statistics.median(times):.3f} ms   p99 {times[int(len(times) * 0.99) - 1]:.3f} ms   (goal: median <= 1 ms)")
    print(f"resident memory {count} live sandboxes add (goal: <= 64 MB):")
    print(f"  untouched {untouched:.1f} MB ({untouched * 1024 / count:.1f} KB each)")
    print(f"  each after a list and a delete {used:.1f} MB ({used * 1024 / count:.1f} KB each)")


def ensure_wrk() -> bool:
    if shutil.which("wrk") is not None:
        return True
    if os.geteuid() != 0:
        print("wrk is missing: apt-get install wrk (as root), then run this again for the requests per second")
        return False
    print("installing wrk (apt-get)", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, timeout=600)
    return True


def over_http(seconds: float, repeats: int) -> None:
    if not ensure_wrk():
        return
    with Processes(handle_sigterm=True) as procs:
        _process, base = start_leadkit(procs)
        lua = wrk.script("plain")
        root_url = f"{base}/api/v1/leads/{JOHN}"
        prefix_url = f"{base}/sandboxes/bench-prefix/api/v1/leads/{JOHN}"
        header_url = f"{base}/api/v1/leads/{JOHN}?via=header"  # the same path: the header picks the sandbox
        # wrk sends one set of headers per run: the header case is its own measure, in turn with the others.
        rounds: dict[str, list[float]] = {"root": [], "prefix": [], "header": []}
        statuses: dict[str, dict[int, int]] = {}
        wrk.run(root_url, lua, 1, AUTH)  # warm-up, discarded
        wrk.run(prefix_url, lua, 1, AUTH)
        wrk.run(header_url, lua, 1, {**AUTH, "Leadkit-Sandbox": "bench-header"})
        for _ in range(repeats):
            for name, url, headers in (
                ("root", root_url, AUTH),
                ("prefix", prefix_url, AUTH),
                ("header", header_url, {**AUTH, "Leadkit-Sandbox": "bench-header"}),
            ):
                result = wrk.run(url, lua, seconds, headers)
                rounds[name].append(result.rps)
                for status, n in result.statuses.items():
                    statuses.setdefault(name, {})[status] = statuses.get(name, {}).get(status, 0) + n
    root = statistics.median(rounds["root"])
    print(f"GET one lead over HTTP, wrk {wrk.THREADS} thread {wrk.CONNECTIONS} connections, {seconds:g} s x {repeats} in turn (median):")
    for name in ("root", "prefix", "header"):
        rps = statistics.median(rounds[name])
        share = f"   {rps / root:.0%} of the root's (goal: >= 90%)" if name != "root" else ""
        print(f"  {name:<7} {rps:8.0f} req/s   statuses {statuses.get(name)}{share}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=1)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-http", action="store_true", help="the in-process figures only")
    args = parser.parse_args()
    in_process(args.count)
    if not args.no_http:
        over_http(args.seconds, args.repeats)
    return 0


if __name__ == "__main__":
    run_script(main)
