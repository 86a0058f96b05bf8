"""wrk runs (1 thread, 10 connections) whose Lua hooks count every status seen."""

from __future__ import annotations

import json
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .harness import KEY, WORK

THREADS = 1
CONNECTIONS = 10

# Shared by every run: count statuses in `response`, report as one JSON line in `done`.
_REPORT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function count(status) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local seen = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do seen[#seen + 1] = string.format('"%d":%d', status, n) end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"socket_errors":%d,"statuses":{%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, table.concat(seen, ",")))
end
"""

_PLAIN = _REPORT + """
function response(status, headers, body) count(status) end
"""

# Creates a lead, then deletes the id it got back; the next request deletes if one waits.
_CREATE_DELETE = _REPORT + """
local pending = {}
local auth = "Bearer __KEY__"
local body = '{"name":"Bench Lead","email":"bench.lead@example.com","source":"bench","metadata":{"run":1}}'
function request()
  local id = table.remove(pending)
  if id then
    return wrk.format("DELETE", "/api/v1/leads/" .. id, {["Authorization"] = auth})
  end
  return wrk.format("POST", "/api/v1/leads", {["Authorization"] = auth, ["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  count(status)
  if status == 201 then
    local id = string.match(body, '"id":"(lead_%x+)"')
    if id then table.insert(pending, id) end
  end
end
"""


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    statuses: dict[int, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def non_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)


@dataclass
class Result:
    """The median of several runs, with every status and socket error summed."""

    runs: list[Run] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return statistics.median(run.rps for run in self.runs)

    @property
    def p50_ms(self) -> float:
        return statistics.median(run.p50_ms for run in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(run.p99_ms for run in self.runs)

    @property
    def statuses(self) -> dict[int, int]:
        total: dict[int, int] = {}
        for run in self.runs:
            for status, n in run.statuses.items():
                total[status] = total.get(status, 0) + n
        return dict(sorted(total.items()))

    @property
    def non_2xx(self) -> int:
        return sum(run.non_2xx for run in self.runs)

    @property
    def socket_errors(self) -> int:
        return sum(run.socket_errors for run in self.runs)


# Each connection pauses between requests: an offered load below saturation, so the latency is a
# request's own, not the time it queued behind the others (wrk leaves the pause out of latency).
# The pause is random around its mean: with a fixed one the connections would keep firing in step,
# ten at once, and queue again.
_PACED = _PLAIN + """
function delay() return math.random(0, 2 * __PAUSE_MS__) end
"""


def script(kind: str, key: str = KEY, pause_ms: int = 10) -> Path:
    """The Lua file for `plain` (any fixed request), `paced` (the same, each connection pausing
    `pause_ms` between requests) or `create-delete` runs."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"wrk-{kind}.lua"
    texts = {"plain": _PLAIN, "paced": _PACED.replace("__PAUSE_MS__", str(pause_ms)), "create-delete": _CREATE_DELETE.replace("__KEY__", key)}
    text = texts[kind]
    path.write_text(text)
    return path


def run(url: str, lua: Path, seconds: float, headers: dict[str, str] | None = None) -> Run:
    argv = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--timeout", "5s", "-s", str(lua)]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    done = subprocess.run(argv + [url], capture_output=True, text=True, timeout=seconds + 30, check=True)
    line = next((line for line in done.stdout.splitlines() if line.startswith("WRK-JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no report:\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("WRK-JSON "))
    return Run(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        socket_errors=data["socket_errors"],
        statuses={int(status): n for status, n in data["statuses"].items()},
    )


def measure(urls: list[str], lua: Path, warmup_s: float, seconds: float, repeats: int, headers: dict[str, str] | None = None) -> list[Result]:
    """For each URL a warm-up run (discarded), then `repeats` runs, the URLs taking turns.

    Taking turns spreads the drift of a shared machine's load evenly over the servers
    compared, rather than giving one the quiet minute and the other the busy one.
    """
    if warmup_s > 0:
        for url in urls:
            run(url, lua, warmup_s, headers)
    results = [Result() for _ in urls]
    for _ in range(repeats):
        for url, result in zip(urls, results):
            result.runs.append(run(url, lua, seconds, headers))
    return results
