"""leadkit mock against Prism 5.16's mock, loaded in turn by wrk; writes bench/RESULTS.md.

    python bench/bench.py             # about 6 minutes
    python bench/bench.py --quick     # one short run each, about 2 minutes: a smoke test

Installs its peers itself (Prism into bench/.work, wrk from Debian), loads 127.0.0.1
only, and stops every process it started, by pid, whatever happens.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import data, report, wrk
from bench.harness import AUTH, HOST, JOHN, ROOT, WORK, Processes, free_port, run_script, start_leadkit, wait_until_200

PRISM_VERSION = "5.16.0"
PRISM = WORK / "node_modules" / ".bin" / "prism"
SIZES = data.SIZES


def ensure_peers() -> None:
    """wrk from Debian and Prism from npm, unless already there."""
    if shutil.which("wrk") is None:
        print("installing wrk (apt-get)", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, timeout=600)
    if not PRISM.exists() or _prism_version() != PRISM_VERSION:
        print(f"installing Prism {PRISM_VERSION} (npm) into {WORK}", flush=True)
        WORK.mkdir(parents=True, exist_ok=True)
        argv = ["npm", "install", "--prefix", str(WORK), "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(argv + [f"@stoplight/prism-cli@{PRISM_VERSION}"], check=True, timeout=900)


def _prism_version() -> str:
    done = subprocess.run([str(PRISM), "--version"], capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


def start_prism(procs: Processes) -> tuple[subprocess.Popen[bytes], str, float]:
    """Prism's mock of openapi.yaml on a free port; also the seconds to its first 200."""
    port = free_port()
    log = WORK / "prism.log"
    started = time.monotonic()
    argv = [str(PRISM), "mock", str(ROOT / "openapi.yaml"), "-h", HOST, "-p", str(port), "-v", "silent"]
    process = procs.start(argv, log=log)
    wait_until_200(process, port, f"/api/v1/leads/{JOHN}", AUTH, 120, log)
    return process, f"http://{HOST}:{port}", time.monotonic() - started


def leadkit_startup(procs: Processes) -> float:
    """Seconds from `leadkit mock` being spawned to its first 200 (default fixtures)."""
    started = time.monotonic()
    process, _ = start_leadkit(procs)
    elapsed = time.monotonic() - started
    procs.stop(process)
    return elapsed


def memory(pid: int) -> dict[str, float]:
    """Resident and proportional set sizes (MB) of the process and its children."""
    pids = [pid] + _children(pid)
    rss = {p: _status_kb(p, "VmRSS") / 1024 for p in pids}
    pss = sum(_rollup_kb(p, "Pss") for p in pids) / 1024
    return {"main_rss": rss[pid], "worker_rss": sum(rss[p] for p in pids[1:]), "total_pss": pss}


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child)] + _children(int(child))
    return found


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _rollup_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def scenarios(lead: str) -> list[tuple[str, str, str]]:
    """(name, path, wrk script kind), in the order of the table."""
    return [
        ("GET one lead", f"/api/v1/leads/{lead}", "plain"),
        ("list, limit 10", "/api/v1/leads?limit=10", "plain"),
        ("list, limit 10, search", f"/api/v1/leads?limit=10&search={data.SEARCH}", "plain"),
        ("create then delete", "/api/v1/leads", "create-delete"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5, help="length of each measured run (default 5)")
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per figure; the median is kept (default 3)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of discarded load before each figure (default 2)")
    parser.add_argument("--quick", action="store_true", help="1 run of 2 s, 1 s warm-up: a smoke test, not figures")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.repeats, args.warmup = 2, 1, 1
    ensure_peers()
    for size in SIZES:
        data.fixture_file(size)

    def measure(urls: list[str], kind: str) -> list[wrk.Result]:
        headers = AUTH if kind == "plain" else None
        return wrk.measure(urls, wrk.script(kind), args.warmup, args.seconds, args.repeats, headers)

    results = report.Results(started=time.strftime("%Y-%m-%d %H:%M:%S %Z"), load_before=os.getloadavg())
    with Processes(handle_sigterm=True) as procs:
        for _ in range(3):
            prism, _, seconds = start_prism(procs)
            results.prism_startup.append(seconds)
            procs.stop(prism)
        results.leadkit_startup = [leadkit_startup(procs) for _ in range(5)]
        prism, prism_url, _ = start_prism(procs)
        ours, url = start_leadkit(procs)
        for name, path, kind in scenarios(JOHN):
            print(f"Prism, leadkit (default leads), in turns: {name}", flush=True)
            if name in ("GET one lead", "list, limit 10"):
                results.prism[name], results.leadkit[("default", name)] = measure([prism_url + path, url + path], kind)
            else:  # leadkit's figures for these come from the large stores below
                [results.prism[name]] = measure([prism_url + path], kind)
        results.memory["default"] = memory(ours.pid)
        procs.stop(ours)
        procs.stop(prism)
        # The generated stores side by side, taking turns: "GET unaffected by size" compares like with like.
        stores = [(f"{size:,}", *start_leadkit(procs, data.fixture_file(size)), data.middle_lead(size)) for size in SIZES]
        for i, (name, _, kind) in enumerate(scenarios(JOHN)):
            if kind == "create-delete":  # the store as loaded and read, before writes leave their history
                for store, ours, _, _ in stores:
                    results.memory_before_writes[store] = memory(ours.pid)
            print(f"leadkit, {' and '.join(s[0] for s in stores)} leads, in turns: {name}", flush=True)
            paths = [url + scenarios(lead)[i][1] for _, _, url, lead in stores]
            for (store, *_), result in zip(stores, measure(paths, kind)):
                results.leadkit[(store, name)] = result
        for store, ours, _, _ in stores:
            results.memory[store] = memory(ours.pid)
            procs.stop(ours)
    results.load_after = os.getloadavg()
    text = report.render(results, " ".join(["python bench/bench.py", *(argv if argv is not None else sys.argv[1:])]), args)
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    run_script(main)
