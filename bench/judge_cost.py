"""What `Judge.judge` costs per exchange, on real answers of `leadkit mock`.

Run: .venv/bin/python bench/judge_cost.py
Starts `leadkit mock` on a free port, fetches one real answer per scenario (GET one, lists of
10 and 100, create, PUT, DELETE, a 404), then judges fresh exchanges built from them through
one `Judge`, later and later in time, and prints CPU µs per exchange (median of ROUNDS rounds;
CPU time, so that other work on a shared machine counts as little as it can).
Creates, PUTs and deletes each carry a lead id and updatedAt of their own, so the across-rules
do their real work; every scenario must stay conforming (0 breaches) or the figures are void.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import AUTH, JOHN, Processes, run_script, start_leadkit
from bench.timing import print_table
from contract_tests.core.exchange import Exchange
from contract_tests.engine import Judge

ROUNDS, NUMBER = 5, 5000
SENT_CREATE = {"name": "Bench Lead", "email": "bench@example.com", "source": "bench", "metadata": {"run": 1}}
SENT_PUT = {"status": "contacted", "metadata": {"seats": 3}}
JSON = {"Content-Type": "application/json"}

Answer = tuple[str, str, int, dict[str, str], bytes, dict[str, str], bytes | None]  # method, url, status, headers, body, sent headers, sent


def fetch(base: str, method: str, path: str, sent: object = None) -> Answer:
    """One real request to the mock, kept as the pieces an Exchange is made of."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    body = None if sent is None else json.dumps(sent).encode()
    headers = {**AUTH, **(JSON if body is not None else {})}
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        return method, base + path, response.status, dict(response.getheaders()), answer, headers, body
    finally:
        connection.close()


def stamp(ms: int) -> str:
    """A Timestamp `ms` milliseconds after 2030-01-01, later than anything the mock wrote."""
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1_893_456_000 + seconds)) + f".{millis:03d}Z"


def new_id(n: int) -> str:
    return f"lead_{0xBE00000000000000 + n:016x}"


class Clock:
    """Start and end times that only go forward, as a live proxy sees them."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def span(self) -> tuple[float, float]:
        self.now += 0.001
        return self.now, self.now + 0.0005


def same(answer: Answer, clock: Clock, count: int) -> Iterator[Exchange]:
    """The one answer again and again, each a fresh exchange at a later time."""
    method, url, status, headers, body, sent_headers, sent = answer
    for _ in range(count):
        started, ended = clock.span()
        yield Exchange(method, url, status, headers, body, sent_headers, sent, started, ended)


def per_lead(answer: Answer, clock: Clock, count: int, lead_id: str, ids: Callable[[int], str], updated: str | None) -> Iterator[Exchange]:
    """The answer with `lead_id` replaced by a new id per exchange (and its updatedAt by a later one)."""
    method, url, status, headers, body, sent_headers, sent = answer
    text = body.decode()
    for n in range(count):
        started, ended = clock.span()
        fresh = text.replace(lead_id, ids(n))
        if updated is not None:
            fresh = fresh.replace(updated, stamp(n))
        yield Exchange(method, url.replace(lead_id, ids(n)), status, headers, fresh.encode(), sent_headers, sent, started, ended)


def timed(judge: Judge, exchanges: list[Exchange]) -> tuple[float, int]:
    """µs per exchange (median of ROUNDS equal rounds), and the breaches found."""
    times, breaches = [], 0
    number = len(exchanges) // ROUNDS
    for round_ in range(ROUNDS):
        batch = exchanges[round_ * number : (round_ + 1) * number]
        started = time.process_time()
        for exchange in batch:
            breaches += len(judge.judge(exchange))
        times.append((time.process_time() - started) / len(batch) * 1e6)
    return statistics.median(times), breaches


def main() -> int:
    total = ROUNDS * NUMBER
    with Processes(handle_sigterm=True) as procs:
        _, base = start_leadkit(procs)
        for _ in range(100):  # enough leads for a full list of 100
            created = fetch(base, "POST", "/api/v1/leads", SENT_CREATE)
        created_id = json.loads(created[4])["data"]["id"]
        answers = {
            "get": fetch(base, "GET", f"/api/v1/leads/{JOHN}"),
            "list10": fetch(base, "GET", "/api/v1/leads?limit=10"),
            "list100": fetch(base, "GET", "/api/v1/leads?limit=100"),
            "404": fetch(base, "GET", "/api/v1/leads/lead_00000000deadbeef"),
            "put": fetch(base, "PUT", f"/api/v1/leads/{created_id}", SENT_PUT),
            "delete": fetch(base, "DELETE", f"/api/v1/leads/{created_id}"),
        }
    assert all(200 <= answer[2] < 300 for name, answer in answers.items() if name != "404"), {n: a[2] for n, a in answers.items()}
    assert len(json.loads(answers["list100"][4])["data"]["leads"]) == 100
    put_updated = json.loads(answers["put"][4])["data"]["updatedAt"]
    clock = Clock()
    judge = Judge()  # one judge for every scenario, in this order: no list shows a lead written below
    scenarios: list[tuple[str, Callable[[], Iterator[Exchange]]]] = [
        ("GET one lead", lambda: same(answers["get"], clock, total)),
        ("GET list, limit 10", lambda: same(answers["list10"], clock, total)),
        ("GET list, limit 100", lambda: same(answers["list100"], clock, total // 10)),
        ("GET unknown lead (404)", lambda: same(answers["404"], clock, total)),
        ("POST create, a new id each", lambda: per_lead(created, clock, total, created_id, new_id, None)),
        ("PUT, a later updatedAt each", lambda: per_lead(answers["put"], clock, total, created_id, lambda n: created_id, put_updated)),
        ("DELETE, each created id once", lambda: per_lead(answers["delete"], clock, total, created_id, new_id, None)),
    ]
    rows, broken = [], 0
    for name, make in scenarios:
        micros, breaches = timed(judge, list(make()))
        broken += breaches
        rows.append((f"{name}{'  (' + str(breaches) + ' breaches!)' if breaches else ''}", micros))
    print_table("exchange judged", f"CPU µs per exchange (median of {ROUNDS} rounds)", rows)
    if broken:
        print(f"{broken} breaches on conforming traffic: the figures above are not of the real path", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    run_script(main)
