"""`leadkit proxy` and `leadkit check` left to run long: the proxy's memory over many new leads, check's peak memory and speed on a large HAR.

    python bench/unattended.py                      # both, about 5 minutes here
    python bench/unattended.py --proxy-requests 300000 --har-entries 1000000   # the issue's sizes: an hour or more here
    python bench/unattended.py --only proxy|check

Proxy: `leadkit mock` behind `leadkit proxy`; clients on keep-alive connections make leads and
delete them (create, get, delete: a new lead id every third request), and the proxy's RSS
(/proc/PID/status VmRSS) is printed every 10% of the run. Target: flat within 64 MB after the
first 100,000 ids. Check: a HAR of create, get, list, delete entries (a new id per create) written
to disk, then `leadkit check` on it as a process: its peak RSS (ru_maxrss of the child) and
entries a second, start to verdict. Targets: under 500 MB for 1,000,000 entries, 20,000 entries/s.
Loopback only; every process stopped by pid.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import AUTH, HOST, JOHN, WORK, Processes, free_port, run_script, start_leadkit, wait_until_200

ID = re.compile(rb'"id":"(lead_[0-9a-f]+)"')


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Client:
    """One keep-alive connection speaking just enough HTTP/1.1."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=30)
        self.buffer = b""

    def call(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: {AUTH['Authorization']}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.sock.sendall(head.encode() + b"\r\n" + body)
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(65536)
        top, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", top).group(1))  # type: ignore[union-attr]
        while len(self.buffer) < length:
            self.buffer += self.sock.recv(65536)
        answer, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(top.split(b" ", 2)[1]), answer


def proxy_memory(requests: int, clients: int) -> None:
    with Processes(handle_sigterm=True) as procs:
        _, upstream = start_leadkit(procs)
        port = free_port()
        log = WORK / "unattended-proxy.log"
        proxy = procs.start([sys.executable, "-m", "leadkit", "proxy", "--target", upstream, "--host", HOST, "--port", str(port), "--quiet"], log=log)
        wait_until_200(proxy, port, f"/api/v1/leads/{JOHN}", AUTH, 60, log)
        done = [0]
        lock = threading.Lock()
        body = json.dumps({"name": "Bench Lead", "email": "bench@example.com", "source": "bench"}).encode()
        step = max(requests // 10, 1)
        print(f"proxy: {requests:,} requests (create, get, delete; a new id every third), {clients} clients; RSS of the proxy:", flush=True)
        print(f"  {'requests':>10} {'ids':>9} {'RSS MB':>8} {'req/s':>7}", flush=True)
        started = time.monotonic()
        samples: list[tuple[int, float]] = [(0, rss_mb(proxy.pid))]
        print(f"  {0:>10,} {0:>9,} {samples[0][1]:>8.1f}", flush=True)

        def work() -> None:
            client = Client(port)
            while True:
                with lock:
                    if done[0] >= requests:
                        return
                    done[0] += 3
                    before, after = done[0] - 3, done[0]
                status, answer = client.call("POST", "/api/v1/leads", body)
                lead = ID.search(answer)
                if status != 201 or lead is None:
                    raise RuntimeError(f"create answered {status}: {answer[:200]!r}")
                path = f"/api/v1/leads/{lead.group(1).decode()}"
                client.call("GET", path)
                client.call("DELETE", path)
                if before // step != after // step:
                    elapsed = time.monotonic() - started
                    rss = rss_mb(proxy.pid)
                    samples.append((after, rss))
                    print(f"  {after:>10,} {after // 3:>9,} {rss:>8.1f} {after / elapsed:>7,.0f}", flush=True)

        threads = [threading.Thread(target=work) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        after_ids = [rss for made, rss in samples if made // 3 >= 100_000] or [rss for _, rss in samples[len(samples) // 3 :]]
        growth = samples[-1][1] - after_ids[0]
        ids = samples[-1][0] // 3
        per_id = (samples[-1][1] - samples[1][1]) * 1024 * 1024 / max(1, (samples[-1][0] - samples[1][0]) // 3)
        print(f"proxy: RSS {samples[0][1]:.0f} -> {samples[-1][1]:.0f} MB over {ids:,} ids; after the first third of the run it grew {growth:+.1f} MB "
              f"(about {per_id:,.0f} bytes per id from the first sample on; at that rate 1,000,000 requests (333,333 ids) "
              f"would end near {samples[1][1] + per_id * 333_333 / 1024 / 1024:.0f} MB)", flush=True)


def write_har(path: Path, entries: int) -> int:
    """A HAR a frontend could make: create, get, list, delete, a new id per create; written as it goes."""
    base = "http://127.0.0.1:4010/api/v1/leads"
    headers = [{"name": "Authorization", "value": AUTH["Authorization"]}, {"name": "Content-Type", "value": "application/json"}]
    answer_headers = [{"name": "Content-Type", "value": "application/json"}]
    lead = (
        '{"id":"%s","name":"Bench Lead","email":"bench@example.com","phone":null,"source":"bench","status":"new",'
        '"metadata":{"run":1},"createdAt":"%s","updatedAt":"%s","workspaceId":"ws_your_workspace_id"}'
    )
    page = '{"success":true,"data":{"leads":[%s],"pagination":{"page":1,"limit":1,"total":1,"totalPages":1,"hasNext":false,"hasPrev":false}}}'
    sent = '{"name":"Bench Lead","email":"bench@example.com","source":"bench","metadata":{"run":1}}'
    clock = 1_700_000_000.0
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"log":{"version":"1.2","creator":{"name":"bench","version":"1"},"entries":[\n')
        n = 0
        while written < entries:
            lead_id = f"lead_{n:016x}"
            n += 1
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(clock)) + f".{int(clock * 1000) % 1000:03d}Z"
            body = lead % (lead_id, stamp, stamp)
            one = '{"success":true,"data":%s}' % body
            deleted = '{"success":true,"message":"Lead deleted successfully","data":{"id":"%s","deletedAt":"%s"}}' % (lead_id, stamp)
            for method, url, status, text, posted in (
                ("POST", base, 201, one, sent),
                ("GET", f"{base}/{lead_id}", 200, one, None),
                ("GET", f"{base}?limit=1", 200, page % body, None),
                ("DELETE", f"{base}/{lead_id}", 200, deleted, None),
            ):
                if written == entries:
                    break
                started = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(clock)) + f".{int(clock * 1000) % 1000:03d}Z"
                entry = {
                    "startedDateTime": started,
                    "time": 0.4,
                    "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [], "headers": headers, "queryString": [], "headersSize": -1, "bodySize": len(posted or "")},
                    "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [], "headers": answer_headers,
                                 "content": {"size": len(text), "mimeType": "application/json", "text": text}, "redirectURL": "", "headersSize": -1, "bodySize": len(text)},
                    "cache": {}, "timings": {"send": 0, "wait": 0.4, "receive": 0},
                }
                if posted:
                    entry["request"]["postData"] = {"mimeType": "application/json", "text": posted}
                out.write(("," if written else "") + json.dumps(entry) + "\n")
                written += 1
                clock += 0.0005
        out.write("]}}\n")
    return written


def check_memory(entries: int) -> tuple[int, float, float]:
    WORK.mkdir(parents=True, exist_ok=True)
    har = WORK / f"unattended-{entries}.har"
    if not har.exists() or har.stat().st_mtime < Path(__file__).stat().st_mtime:
        started = time.monotonic()
        write_har(har, entries)
        print(f"check: wrote {har} ({har.stat().st_size / 1e6:,.0f} MB, {entries:,} entries) in {time.monotonic() - started:.0f} s", flush=True)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "leadkit", "check", str(har)], capture_output=True, text=True)
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    last = run.stdout.strip().splitlines()[-3:]
    print(f"check: {entries:,} entries ({har.stat().st_size / 1e6:,.0f} MB) in {seconds:.1f} s start to verdict: {entries / seconds:,.0f} entries/s, "
          f"peak RSS {peak:,.0f} MB (exit {run.returncode}; {' | '.join(last)})", flush=True)
    return entries, seconds, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--proxy-requests", type=int, default=150_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--har-entries", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--only", choices=("proxy", "check"))
    args = parser.parse_args()
    if args.only in (None, "check"):
        runs = [check_memory(entries) for entries in sorted(args.har_entries)]  # ru_maxrss of children is a running max: smallest first
        (small, _, low), (large, seconds, high) = runs[0], runs[-1]
        if large > small:
            per_entry = (high - low) * 1024 * 1024 / (large - small)
            print(f"check: peak RSS grew {per_entry:,.0f} bytes per entry from {small:,} to {large:,} entries; at that rate 1,000,000 entries "
                  f"peak near {high + per_entry * (1_000_000 - large) / 1024 / 1024:,.0f} MB and take about {1_000_000 * seconds / large:,.0f} s "
                  f"({large / seconds:,.0f} entries/s)", flush=True)
    if args.only in (None, "proxy"):
        proxy_memory(args.proxy_requests, args.clients)
    return 0


if __name__ == "__main__":
    run_script(main)
