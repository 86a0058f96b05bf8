"""How long `leadkit check` takes from start to verdict on a 10-entry HAR: what a pipeline pays per call.

Run: .venv/bin/python bench/check_start.py [--runs 10] [--leadkit PATH ...]
Writes a HAR of 10 real exchanges with the mock (in process: list, get, create, update,
delete, a 404, a 401, ...), then runs each `leadkit` executable given (default: this
environment's) RUNS times on it, interleaved so that a busy moment of a shared machine falls on
all of them alike, and prints the median and the spread of the wall time, with the number of
modules `import contract_tests.engine` loads in that environment. Give two executables (an old
checkout's and this one's) to compare them in one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = {"Authorization": "Bearer sk-workspace_your_api_key"}


def write_har(path: Path) -> int:
    """Ten exchanges with the in-process mock, as a HAR 1.2 file; the number of entries."""
    from mock_server import create_app
    from mock_server.harfile import har_entry

    client = create_app({"LOG_REQUESTS": False}).test_client()
    created = client.post("/api/v1/leads", json={"name": "Bench", "email": "bench@example.com"}, headers=KEY).get_json()["data"]["id"]
    calls = [
        ("GET", "/api/v1/leads?limit=5", None, KEY),
        ("GET", "/api/v1/leads/lead_1234567890abcdef", None, KEY),
        ("GET", f"/api/v1/leads/{created}", None, KEY),
        ("PUT", f"/api/v1/leads/{created}", {"status": "contacted"}, KEY),
        ("GET", "/api/v1/leads?search=bench", None, KEY),
        ("DELETE", f"/api/v1/leads/{created}", None, KEY),
        ("GET", f"/api/v1/leads/{created}", None, KEY),
        ("GET", "/api/v1/leads", None, {}),
        ("POST", "/api/v1/leads", {"name": "Bench Two", "email": "two@example.com"}, KEY),
        ("GET", "/api/v1/leads?status=new&limit=3", None, KEY),
    ]
    entries = []
    for method, url, body, headers in calls:
        started = time.time()
        sent = json.dumps(body).encode() if body is not None else None
        request_headers = {**headers, **({"Content-Type": "application/json"} if sent else {})}
        response = client.open(url, method=method, data=sent, headers=request_headers)
        entries.append(
            har_entry(method, "http://127.0.0.1:4010" + url, list(request_headers.items()), sent, response.status_code, list(response.headers.items()), response.get_data(), started, time.time())
        )
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "bench/check_start.py", "version": "1"}, "entries": entries}}))
    return len(entries)


def modules(leadkit: Path) -> int:
    python = leadkit.parent / "python"
    # Run from a folder of no checkout, so that each environment imports its own installed code.
    out = subprocess.run([str(python), "-X", "importtime", "-c", "import contract_tests.engine"], capture_output=True, text=True, check=True, cwd=tempfile.gettempdir())
    return out.stderr.count("import time:")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--leadkit", action="append", type=Path, help="a leadkit executable (repeat to compare); default: this environment's")
    args = parser.parse_args()
    executables = args.leadkit or [Path(sys.executable).parent / "leadkit"]
    with tempfile.TemporaryDirectory() as folder:
        har = Path(folder) / "ten.har"
        count = write_har(har)
        times: dict[Path, list[float]] = {exe: [] for exe in executables}
        for _ in range(args.runs):
            for exe in executables:
                started = time.perf_counter()
                done = subprocess.run([str(exe), "check", str(har)], capture_output=True, text=True)
                times[exe].append(time.perf_counter() - started)
                if done.returncode != 0 or "verdict: no violation" not in done.stdout:
                    print(f"{exe}: exit {done.returncode}, not the conforming verdict expected:\n{done.stdout}{done.stderr}", file=sys.stderr)
                    return 1
    print(f"leadkit check on a {count}-entry HAR, start to verdict, {args.runs} runs each (interleaved):")
    for exe, seen in times.items():
        print(
            f"  {exe}: median {statistics.median(seen) * 1000:.0f} ms (min {min(seen) * 1000:.0f}, max {max(seen) * 1000:.0f});"
            f" import contract_tests.engine loads {modules(exe)} modules"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
