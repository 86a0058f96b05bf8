"""A recording judged: its API entries in the order they ended, one judge per deployment (origin)."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Iterator
from urllib.parse import unquote, urlsplit

from mock_server.spec import load_spec

from ..core.exchange import Exchange
from ..core.har import Recording
from ..engine import Judge, is_preflight
from ..engine.coverage import Seen
from ..engine.view import url_parts
from ..evidence.tally import KEY_RULES, Tally

STRIPPED = "the recording has no Authorization headers (current Chromium strips them on export), so the key of each request is unknown"
_WRITES = ("PUT", "DELETE")


def check_recording(recording: Recording, base_url: str | None = None, coverage: bool = False) -> Tally:
    """Every API entry judged; with `coverage`, the tally also counts each (operation, status) judged."""
    tally = Tally()
    wanted = urlsplit(base_url) if base_url else None
    base_path = wanted.path.rstrip("/") if wanted else ""
    spec = load_spec()  # once: every judge below reads the same contract
    probe = Judge(spec, base_path=base_path)
    if coverage:
        tally.seen = Seen(load_spec(), base_path)
    api: list[Exchange] = []
    resets: set[int] = set()
    for exchange in recording.exchanges:
        if wanted is not None and url_parts(exchange.url)[:2] != (wanted.scheme, wanted.netloc):
            tally.skipped["on another host"] += 1
        elif probe.restarts(exchange):  # a mock's reset: judged traffic before it is not compared with after
            api.append(exchange)
            resets.add(id(exchange))
        elif is_preflight(exchange):
            tally.skipped["CORS preflights"] += 1
        elif not probe.is_api(exchange):
            tally.skipped["outside the API"] += 1
        else:
            api.append(exchange)
    keys_known = any("authorization" in {name.lower() for name in exchange.request_headers} for exchange in api if id(exchange) not in resets)
    if api and not keys_known:
        tally.unjudged.update({rule.id: STRIPPED for rule in KEY_RULES})
    judges: dict[str, Judge] = {}
    for exchange, pending in _in_end_order(api):
        origin = url_parts(exchange.url)[1]
        judge = judges.get(origin)
        if judge is None:
            judge = judges[origin] = Judge(spec, base_path=base_path, keys_known=keys_known)
        if id(exchange) in resets:
            judge.restarts(exchange)
            tally.skipped["state resets (/__mock/)"] += 1
            continue
        if exchange.response_omitted and exchange.number is not None:
            tally.omitted.append(exchange.number)
        tally.add(judge.judge(exchange, pending))
        tally.judged += 1
        if tally.seen is not None:
            tally.seen.record(exchange.method, urlsplit(exchange.url).path, exchange.status)
    tally.findings.sort(key=lambda finding: finding.breach.exchange.number or 0)
    return tally


def _in_end_order(api: list[Exchange]) -> Iterator[tuple[Exchange, "_Pending"]]:
    """Sorted by when each ended, with what was still being written when it did (made as needed)."""
    writes: dict[str, list[Exchange]] = defaultdict(list)
    for exchange in api:
        if exchange.method.upper() in _WRITES:
            writes[unquote(url_parts(exchange.url)[2].rsplit("/", 1)[-1])].append(exchange)
    ordered = sorted(api, key=lambda exchange: (_end(exchange), exchange.number or 0))
    return ((exchange, _Pending(exchange, writes)) for exchange in ordered)


class _Pending:
    """Whether another write to a lead began before `exchange` ended and ended after it."""

    def __init__(self, exchange: Exchange, writes: dict[str, list[Exchange]]) -> None:
        self.exchange = exchange
        self.writes = writes

    def __call__(self, lead_id: str) -> bool:
        end = _end(self.exchange)
        for other in self.writes.get(lead_id, ()):
            if other is not self.exchange and _start(other) < end and _end(other) > end:
                return True
        return False


def _start(exchange: Exchange) -> float:
    return exchange.started if exchange.started is not None else -math.inf


def _end(exchange: Exchange) -> float:
    return exchange.ended if exchange.ended is not None else math.inf
