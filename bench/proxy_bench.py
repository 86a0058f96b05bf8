"""`leadkit proxy` beside Prism 5.16's `prism proxy openapi.yaml UPSTREAM --errors`, and `leadkit check`'s speed.

    python bench/proxy_bench.py            # about 5 minutes
    python bench/proxy_bench.py --quick    # one short run each: a smoke test, not figures

One upstream (`leadkit mock`), the same wrk settings (bench/wrk.py), the three URLs (direct,
through leadkit proxy, through Prism's proxy) taking turns: flat out (throughput; at saturation
a request's latency is mostly its wait behind the other nine), then paced, each connection
pausing between requests (a request's own latency, what the added-p50 target is about). Then `check` over synthetic HARs
of 10k and 100k entries: entries a second, and the engine's memory (tracemalloc) with the ids
held fixed and with every create a new id. Loopback only; every process stopped by pid.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import wrk
from bench.bench import PRISM, ensure_peers
from bench.harness import AUTH, HOST, JOHN, ROOT, WORK, Processes, free_port, run_script, start_leadkit, wait_until_200


def start_proxies(procs: Processes, upstream: str) -> tuple[str, str]:
    ours, prism = free_port(), free_port()
    leadkit = [sys.executable, "-m", "leadkit", "proxy", "--target", upstream, "--host", HOST, "--port", str(ours), "--quiet"]
    process = procs.start(leadkit, log=WORK / "leadkit-proxy.log")
    wait_until_200(process, ours, f"/api/v1/leads/{JOHN}", AUTH, 60, WORK / "leadkit-proxy.log")
    argv = [str(PRISM), "proxy", str(ROOT / "openapi.yaml"), upstream, "--errors", "-h", HOST, "-p", str(prism), "-v", "silent"]
    process = procs.start(argv, log=WORK / "prism-proxy.log")
    wait_until_200(process, prism, f"/api/v1/leads/{JOHN}", AUTH, 120, WORK / "prism-proxy.log")
    return f"http://{HOST}:{ours}", f"http://{HOST}:{prism}"


def synthetic_har(entries: int, ids: int | None) -> list[Any]:
    """Exchanges as a frontend makes them. `ids` None: create, read, list, delete, each create a new id;
    else that many leads created, then read, updated and listed over and over."""
    from contract_tests.core.exchange import Exchange

    made: list[Any] = []
    auth = {"Authorization": AUTH["Authorization"], "Content-Type": "application/json"}
    base = "http://127.0.0.1:4010/api/v1/leads"
    created: dict[str, str] = {}
    clock = 1_700_000_000.0
    lead = (
        '{"id":"%s","name":"Bench Lead","email":"bench@example.com","phone":null,"source":"bench","status":"new",'
        '"metadata":{"run":1},"createdAt":"%s","updatedAt":"%s","workspaceId":"ws_your_workspace_id"}'
    )
    page = '{"success":true,"data":{"leads":[%s],"pagination":{"page":1,"limit":1,"total":1,"totalPages":1,"hasNext":false,"hasPrev":false}}}'
    sent = b'{"name":"Bench Lead","email":"bench@example.com","source":"bench","metadata":{"run":1}}'
    n = 0
    while len(made) < entries:
        lead_id = f"lead_{(n if ids is None else n % ids):016x}"
        n += 1
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(clock)) + f".{int(clock * 1000) % 1000:03d}Z"
        first = lead_id not in created
        created.setdefault(lead_id, stamp)
        body = lead % (lead_id, created[lead_id], stamp)
        one = ('{"success":true,"data":%s}' % body).encode()
        steps: list[tuple[str, str, int, bytes, bytes | None]] = [("POST", base, 201, one, sent)] if first else [
            ("PUT", f"{base}/{lead_id}", 200, one, b'{"metadata":{"run":1}}')
        ]
        steps += [("GET", f"{base}/{lead_id}", 200, one, None), ("GET", f"{base}?limit=1", 200, (page % body).encode(), None)]
        if ids is None:
            deleted = '{"success":true,"message":"Lead deleted successfully","data":{"id":"%s","deletedAt":"%s"}}' % (lead_id, stamp)
            steps.append(("DELETE", f"{base}/{lead_id}", 200, deleted.encode(), None))
        for method, url, status, answer, body_sent in steps:
            made.append(Exchange(method, url, status, {"Content-Type": "application/json"}, answer, auth, body_sent, clock, clock + 0.0004))
            clock += 0.0005
    return made[:entries]


def check_figures(sizes: list[int]) -> list[tuple[str, int, float, float]]:
    """(ids, entries, entries a second, engine memory in MB) for each size, ids fixed and ids growing."""
    from contract_tests.core.har import Recording
    from contract_tests.engine import Judge
    from contract_tests.evidence.tally import judge_recording

    rows = []
    for ids_label, ids in (("1,000 ids", 1000), ("a new id per create", None)):
        for size in sizes:
            exchanges = synthetic_har(size, ids)
            recording = Recording("synthetic", exchanges, "bench")
            gc.freeze()  # as `leadkit check` does once the file is read
            # The engine's own state: what one judge holds once it has seen every exchange (the
            # recording itself, already in memory, is not counted; the engine keeps references only).
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            judge = Judge()
            for exchange in exchanges:
                judge.judge(exchange)
            after = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            del judge
            # tracemalloc slows the run down; time it again without it.
            started = time.perf_counter()
            tally = judge_recording(recording.exchanges)
            seconds = time.perf_counter() - started
            assert not tally.findings, tally.findings[0].render()
            del exchanges, recording, tally
            gc.unfreeze()
            gc.collect()
            rows.append((ids_label, size, size / seconds, (after - before) / 1e6))
            print(f"check: {ids_label}, {size:,} entries: {size / seconds:,.0f} entries/s, engine state {(after - before) / 1e6:.1f} MB", flush=True)
    return rows


def table(rows: list[tuple[str, str, wrk.Result]]) -> None:
    print(f"{'scenario':<16} {'through':<14} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for name, who, result in rows:
        print(f"{name:<16} {who:<14} {result.rps:>9,.0f} {result.p50_ms:>8.2f} {result.p99_ms:>8.2f} {result.non_2xx:>8}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--pause-ms", type=int, default=10, help="the paced runs' pause between a connection's requests (default: %(default)s)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--check-only", action="store_true", help="only the `leadkit check` figures")
    args = parser.parse_args(argv)
    if args.check_only:
        check_figures([10_000, 100_000])
        return 0
    if args.quick:
        args.seconds, args.repeats, args.warmup = 2, 1, 1
    ensure_peers()
    saturated: list[tuple[str, str, wrk.Result]] = []
    paced: list[tuple[str, str, wrk.Result]] = []
    who = ("direct", "leadkit proxy", "Prism proxy")
    with Processes(handle_sigterm=True) as procs:
        _, upstream = start_leadkit(procs)
        ours, prism = start_proxies(procs, upstream)
        for name, path in (("GET one lead", f"/api/v1/leads/{JOHN}"), ("list, limit 10", "/api/v1/leads?limit=10")):
            urls = [upstream + path, ours + path, prism + path]
            print(f"direct, leadkit proxy, Prism proxy, in turns, flat out: {name}", flush=True)
            results = wrk.measure(urls, wrk.script("plain"), args.warmup, args.seconds, args.repeats, AUTH)
            saturated += [(name, one, result) for one, result in zip(who, results)]
            print(f"the same, each connection pausing {args.pause_ms} ms between requests: {name}", flush=True)
            results = wrk.measure(urls, wrk.script("paced", pause_ms=args.pause_ms), 0, args.seconds, args.repeats, AUTH)
            paced += [(name, one, result) for one, result in zip(who, results)]
    settings = f"wrk {wrk.THREADS} thread, {wrk.CONNECTIONS} connections, {args.seconds:g} s x {args.repeats} (median), upstream leadkit mock"
    print(f"\nFlat out ({settings}): throughput, and latency that is mostly queueing")
    table(saturated)
    for name in dict.fromkeys(name for name, _, _ in saturated):
        got = {one: result for n, one, result in saturated if n == name}
        ours_r, prism_r, direct_r = got["leadkit proxy"], got["Prism proxy"], got["direct"]
        print(
            f"{name}: leadkit proxy {ours_r.rps / prism_r.rps:.2f}x Prism's req/s (target >= 1.5), p99 {ours_r.p99_ms:.2f} vs {prism_r.p99_ms:.2f} ms "
            f"({'no worse' if ours_r.p99_ms <= prism_r.p99_ms else 'WORSE'}); added p50 over direct {ours_r.p50_ms - direct_r.p50_ms:.2f} ms"
        )
    rate = wrk.CONNECTIONS * 1000 / args.pause_ms
    print(f"\nPaced (the same, each connection pausing {args.pause_ms} ms: at most {rate:,.0f} req/s offered): a request's own latency")
    table(paced)
    for name in dict.fromkeys(name for name, _, _ in paced):
        got = {one: result for n, one, result in paced if n == name}
        ours_r, prism_r, direct_r = got["leadkit proxy"], got["Prism proxy"], got["direct"]
        added = ours_r.p50_ms - direct_r.p50_ms
        print(
            f"{name}: added p50 over direct: leadkit proxy {added:.2f} ms ({'met' if added < 1 else 'NOT met'}: target < 1), "
            f"Prism proxy {prism_r.p50_ms - direct_r.p50_ms:.2f} ms; p99 {ours_r.p99_ms:.2f} vs Prism's {prism_r.p99_ms:.2f} ms"
        )
    print()
    check_figures([10_000, 100_000] if not args.quick else [10_000])
    return 0


if __name__ == "__main__":
    run_script(main)
