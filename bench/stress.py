"""Mixed concurrent creates, updates, deletes and lists against a live `leadkit mock`, then checks.

    python bench/stress.py                 # 3 minutes, 8 threads
    python bench/stress.py --seconds 20

Checks afterwards: no id issued twice (nor a fixture's), no update lost (per-thread
counters merge-patched into one shared lead; distinct keys from every thread on
another), every successful PUT to a lead got its own updatedAt, list totals equal
initial + creates - deletes, deleted ids stay 404, and no status outside what the
contract documents for the request. Loopback only; bounded by --seconds and --max-ops.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.client import Client
from bench.harness import Processes, run_script, start_leadkit

KEYED_PUTS = 150  # per thread: each adds its own metadata key to one shared lead


@dataclass
class Tally:
    """What one worker thread saw and was told."""

    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    counter: int = 0  # acknowledged merge-patch increments of its own key
    keyed: int = 0  # acknowledged PUTs that added a distinct key
    stamps: list[str] = field(default_factory=list)  # updatedAt of each acknowledged PUT to the counter lead
    latencies: dict[str, list[float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def worker(n: int, base_url: str, shared: dict[str, str], deadline: float, budget: int, tally: Tally) -> None:
    client = Client(base_url)
    rng = random.Random(n)
    mine: list[str] = []

    def call(kind: str, method: str, path: str, body: Any, expected: int) -> dict[str, Any] | None:
        started = time.perf_counter()
        status, payload = client.request(method, path, body)
        tally.latencies.setdefault(kind, []).append(time.perf_counter() - started)
        if status != expected:
            tally.problems.append(f"thread {n}: {kind} {method} {path} -> {status}, expected {expected}: {payload}")
            return None
        found: dict[str, Any] = payload
        return found

    for _ in range(budget):
        if time.monotonic() > deadline:
            break
        roll = rng.random()
        if roll < 0.25 or not mine:
            got = call("create", "POST", "/api/v1/leads", {"name": f"Stress {n}", "email": f"s{n}@example.com"}, 201)
            if got:
                mine.append(got["data"]["id"])
                tally.created.append(got["data"]["id"])
        elif roll < 0.45:
            got = call("update", "PUT", f"/api/v1/leads/{shared['counter']}", {"metadata": {f"t{n}": tally.counter + 1}}, 200)
            if got:
                tally.counter += 1
                tally.stamps.append(got["data"]["updatedAt"])
        elif roll < 0.55 and tally.keyed < KEYED_PUTS:
            body = {"metadata": {f"t{n}_{tally.keyed}": True}}
            if call("update", "PUT", f"/api/v1/leads/{shared['keyed']}", body, 200):
                tally.keyed += 1
        elif roll < 0.65:
            lead = mine.pop(rng.randrange(len(mine)))
            if call("delete", "DELETE", f"/api/v1/leads/{lead}", None, 200):
                tally.deleted.append(lead)
                call("get-deleted", "GET", f"/api/v1/leads/{lead}", None, 404)
        elif roll < 0.70:
            call("invalid", "POST", "/api/v1/leads", {"name": "", "email": "not an email"}, 400)
        else:
            query = rng.choice(["?limit=10", "?page=3&limit=5", "?status=new", "?search=stress", "?source=website"])
            call("list", "GET", f"/api/v1/leads{query}", None, 200)
    client.close()


def run(seconds: float, threads: int, max_ops: int, quiet: bool = False) -> list[str]:
    """Run the stress against a fresh mock; return the problems found (empty: all held)."""
    with Processes(handle_sigterm=not quiet) as procs:
        _, base_url = start_leadkit(procs)
        client = Client(base_url)
        initial = client.total()
        shared = {name: client.request("POST", "/api/v1/leads", {"name": name, "email": f"{name}@example.com"})[1]["data"]["id"]
                  for name in ("counter", "keyed")}  # fmt: skip
        tallies = [Tally() for _ in range(threads)]
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        pool = [threading.Thread(target=worker, args=(n, base_url, shared, deadline, max_ops // threads, tallies[n]))
                for n in range(threads)]  # fmt: skip
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(seconds + 60)
        elapsed = time.monotonic() - started
        problems = [p for t in tallies for p in t.problems]
        if any(thread.is_alive() for thread in pool):
            problems.append("a worker thread did not finish in time")
        problems += _check(client, initial, shared, tallies)
        client.close()
    if not quiet:
        _print_figures(tallies, elapsed, problems)
    return problems


def _check(client: Client, initial: int, shared: dict[str, str], tallies: list[Tally]) -> list[str]:
    problems = []
    created = [lead for t in tallies for lead in t.created] + list(shared.values())
    deleted = [lead for t in tallies for lead in t.deleted]
    twice = [lead for lead, n in Counter(created).items() if n > 1]
    if twice:
        problems.append(f"ids issued twice: {twice[:5]}")
    expected = initial + len(created) - len(deleted)
    if client.total() != expected:
        problems.append(f"list total {client.total()} != initial {initial} + created {len(created)} - deleted {len(deleted)}")
    counter = client.request("GET", f"/api/v1/leads/{shared['counter']}")[1]["data"]
    for n, t in enumerate(tallies):
        if counter["metadata"].get(f"t{n}", 0) != t.counter:
            problems.append(f"lost update: thread {n} had {t.counter} PUTs acknowledged, lead says {counter['metadata'].get(f't{n}')}")
    stamps = [s for t in tallies for s in t.stamps]
    if len(set(stamps)) != len(stamps):
        problems.append(f"{len(stamps) - len(set(stamps))} acknowledged PUTs to one lead shared an updatedAt")
    keyed = client.request("GET", f"/api/v1/leads/{shared['keyed']}")[1]["data"]["metadata"]
    missing = [f"t{n}_{i}" for n, t in enumerate(tallies) for i in range(t.keyed) if f"t{n}_{i}" not in keyed]
    if missing or len(keyed) != sum(t.keyed for t in tallies):
        problems.append(f"keyed lead: {len(missing)} acknowledged keys missing, {len(keyed)} keys present")
    return problems


def _print_figures(tallies: list[Tally], elapsed: float, problems: list[str]) -> None:
    latencies: dict[str, list[float]] = {}
    for t in tallies:
        for kind, values in t.latencies.items():
            latencies.setdefault(kind, []).extend(values)
    total = sum(len(v) for v in latencies.values())
    print(f"{total} requests in {elapsed:.1f} s from {len(tallies)} threads: {total / elapsed:.0f}/s")
    for kind, values in sorted(latencies.items()):
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(f"  {kind:12} {len(values):7}  p50 {statistics.median(values) * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms")
    print(f"created {sum(len(t.created) for t in tallies)}, deleted {sum(len(t.deleted) for t in tallies)}, "
          f"counter PUTs {sum(t.counter for t in tallies)}, keyed PUTs {sum(t.keyed for t in tallies)}")  # fmt: skip
    print("checks: " + ("all held" if not problems else f"{len(problems)} FAILED"))
    for problem in problems[:20]:
        print("  " + problem)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=180, help="how long to run (default 180)")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--max-ops", type=int, default=500_000, help="request budget across threads (default 500000)")
    args = parser.parse_args()
    return 1 if run(args.seconds, args.threads, args.max_ops) else 0


if __name__ == "__main__":
    run_script(main)
