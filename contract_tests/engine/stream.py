"""One stream of traffic through the engine, for every feed: sorted, judged in the order it ended, counted, its coverage kept.

`check` feeds it a recording (`Stream.recording`), the proxy each exchange as it ends
(`sort`, then `judge` or `skip`), replay the recording it replays. What an exchange is, in the one order every
feed uses: on another host, a state reset of the mock (`/__mock/reset`: what came before says
nothing after), a CORS preflight, outside the API, or judged. It keeps counts, never the
exchanges themselves.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from typing import Any, Iterable, Iterator

from mock_server.spec import load_spec

from ..core.exchange import Exchange
from ..core.rules import ISOLATION_LIST, NOT_FOUND_OTHER_WORKSPACE, UNAUTHORIZED
from . import Judge, is_preflight
from .across import WritesPending
from .breach import Breach
from .coverage import Seen
from .view import Routes, url_parts

OTHER_HOST = "on another host"
PREFLIGHT = "CORS preflights"
OUTSIDE = "outside the API"
RESET = "state resets (/__mock/)"
UNDESCRIBED = "requests the contract does not describe (over 100 header fields)"
MAX_FIELDS = 100  # more header fields than servers commonly take (hyper: 100): a client of the API never sends them
KEYS_STRIPPED = "the recording has no Authorization headers (current Chromium strips them on export), so the key of each request is unknown"
KEY_RULES = (NOT_FOUND_OTHER_WORKSPACE, ISOLATION_LIST, UNAUTHORIZED)  # they need each request's key
MOCK_INSTANCE = "Leadkit-Mock-Instance"  # `leadkit mock` names its process start on every answer: a new one is a restart


class Stream:
    """The judged traffic of one feed: a judge per origin, what was judged and what was not, and why."""

    def __init__(self, spec: dict[str, Any] | None = None, base_url: str = "", *, coverage: bool = False, keys_known: bool = True) -> None:
        self.spec = spec if spec is not None else load_spec()
        scheme, netloc, path, _ = url_parts(base_url) if base_url else ("", "", "", "")
        self.host = (scheme, netloc) if netloc else None  # judge only this deployment; None: any
        self.base_path = path.rstrip("/")
        self.keys_known = keys_known
        self.routes = Routes(self.spec)
        self.judges: dict[str, Judge] = {}
        self.judged = 0
        self.skipped: Counter[str] = Counter()  # why an exchange was not judged -> how many
        self.unjudged: dict[str, str] = {}  # rule id -> why no exchange could judge it
        self.omitted: list[int] = []  # the first entries whose response body was not recorded (OMITTED_LISTED of them)
        self.omitted_count = 0  # all of them
        self.unread: Counter[str] = Counter()  # why a body that was there could not be read -> how many
        self.seen = Seen(self.spec, self.base_path) if coverage else None
        self.instances: dict[str, str] = {}  # origin -> the mock's instance last seen there
        self.restarts = 0  # a mock restarted under the traffic: its state began again

    @property
    def read(self) -> Counter[str]:
        """Rule id -> the judged exchanges of the kind it reads, every origin's."""
        total: Counter[str] = Counter()
        for judge in self.judges.values():
            total.update(judge.reads.counts())
        return total

    def sort(self, exchange: Exchange) -> str | None:
        """Why `exchange` is not judged (RESET for a state reset), or None when it is an API exchange to judge."""
        if self.host is not None and url_parts(exchange.url)[:2] != self.host:
            return OTHER_HOST
        if _is_reset(exchange):
            return RESET
        if is_preflight(exchange):
            return PREFLIGHT
        if not self.routes.is_api(exchange.url, self.base_path):
            return OUTSIDE
        if len(exchange.request_headers) > MAX_FIELDS:
            return UNDESCRIBED  # an HTTP layer's own answer (a bare 431) is no answer of the API's
        return None

    def skip(self, exchange: Exchange, why: str) -> None:
        """Count an exchange `sort` did not give to judge; a state reset also forgets what came before it."""
        if why == RESET:
            self.restart(exchange)
        self.skipped[why] += 1

    def judge(self, exchange: Exchange, pending: WritesPending | None = None, unread: str | None = None) -> list[Breach]:
        """Every rule on one API exchange, against what ended before it began on the same origin.

        `unread`: why its body, though there, cannot be read (an encoding): only its status and headers are judged.
        """
        origin = url_parts(exchange.url)[1]
        judge = self.judges.get(origin)
        if judge is None:
            judge = self.judges[origin] = Judge(self.spec, base_path=self.base_path, keys_known=self.keys_known)
        headers = exchange.response_headers
        instance = headers.get(MOCK_INSTANCE) or headers.get("leadkit-mock-instance")
        if instance is not None and self.instances.get(origin, instance) != instance:
            judge.forget()  # a restarted mock: the leads it had are back, as after a reset
            self.restarts += 1
        if instance is not None:
            self.instances[origin] = instance
        self.judged += 1
        if exchange.number is None:
            exchange.number = self.judged
        if unread is not None:
            exchange.response_omitted = True
            self.unread[unread] += 1
        elif exchange.response_omitted:
            self.omitted_count += 1
            if len(self.omitted) < OMITTED_LISTED:
                self.omitted.append(exchange.number)
        if self.seen is not None:
            self.seen.record(exchange.method, url_parts(exchange.url)[2], exchange.status)
        return judge.judge(exchange, pending)

    def restart(self, exchange: Exchange) -> None:
        """The mock's state was replaced: its origin's cross-exchange memory is forgotten."""
        judge = self.judges.get(url_parts(exchange.url)[1])
        if judge is not None:
            judge.forget()

    def recording(self, exchanges: Iterable[Exchange]) -> Iterator[tuple[Exchange, list[Breach]]]:
        """A recording, read as a stream: sorted, then judged in the order its exchanges ended, each with the writes still under way.

        Files list entries in the order they began (devtools, Playwright, leadkit's own). An entry is
        judged once one read after it began more than REORDER_S after it ended: none still to come can
        have ended before it, even in a file a little out of order. Only those waiting are held.
        Whether the recording kept its keys is decided by the first KEYS_DECIDED API entries: none of
        them with an Authorization header, and the rules that need keys are said not judged.
        """
        held: list[Exchange] | None = []  # API entries read before the keys are decided; None once they are
        waiting = _Reorder(self)
        for exchange in exchanges:
            why = self.sort(exchange)
            if why is not None and why != RESET:
                self.skipped[why] += 1
                continue
            if held is None:
                yield from waiting.push(exchange)
                continue
            held.append(exchange)
            keyed = _has_key(exchange) and not _is_reset(exchange)
            if keyed or len(held) >= KEYS_DECIDED:
                if not keyed and not any(_has_key(one) for one in held if not _is_reset(one)):
                    self._keys_stripped()
                for one in held:
                    yield from waiting.push(one)
                held = None
        if held:
            if not any(_has_key(one) for one in held if not _is_reset(one)):
                self._keys_stripped()
            for one in held:
                yield from waiting.push(one)
        yield from waiting.drain()

    def _keys_stripped(self) -> None:
        self.keys_known = False
        self.unjudged.update({rule.id: KEYS_STRIPPED for rule in KEY_RULES})
        for judge in self.judges.values():
            judge.keys_known = False


OMITTED_LISTED = 10  # entries without a recorded body named by number; all are counted
REORDER_S = 10.0  # how far out of start order a file's entries may be (the proxy records as exchanges end: a slow one is late) and still be judged in the order they ended
KEYS_DECIDED = 1000  # API entries that decide whether a recording kept its Authorization headers


class _Reorder:
    """Entries read but not yet judged, by when they ended; each lead's writes among them, for `pending`."""

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.heap: list[tuple[float, int, int, Exchange]] = []
        self.order = 0  # ties broken by the order read (entry numbers may be absent)
        self.latest_start = -math.inf
        self.writes: dict[str, list[Exchange]] = {}  # lead id -> its writes read and not yet judged

    def push(self, exchange: Exchange) -> Iterator[tuple[Exchange, list[Breach]]]:
        self.order += 1
        heapq.heappush(self.heap, (_end(exchange), exchange.number or 0, self.order, exchange))
        lead_id = self.stream.routes.lead_of(exchange.method, url_parts(exchange.url)[2], self.stream.base_path)
        if lead_id is not None:
            self.writes.setdefault(lead_id, []).append(exchange)
        start = _start(exchange)
        if start > self.latest_start:
            self.latest_start = start
        safe = self.latest_start - REORDER_S
        while self.heap and self.heap[0][0] < safe:
            yield self._judge()

    def drain(self) -> Iterator[tuple[Exchange, list[Breach]]]:
        while self.heap:
            yield self._judge()

    def _judge(self) -> tuple[Exchange, list[Breach]]:
        exchange = heapq.heappop(self.heap)[3]
        stream = self.stream
        lead_id = stream.routes.lead_of(exchange.method, url_parts(exchange.url)[2], stream.base_path)
        if lead_id is not None:
            mine = self.writes[lead_id]
            mine.remove(exchange)
            if not mine:
                del self.writes[lead_id]
        if _is_reset(exchange):
            stream.skip(exchange, RESET)
            return exchange, []
        return exchange, stream.judge(exchange, _Pending(exchange, self.writes))


def _is_reset(exchange: Exchange) -> bool:
    """A mock's state replaced (`POST /__mock/reset`, `PUT /__mock/state`) and answered 2xx."""
    method = exchange.method.upper()
    if not 200 <= exchange.status < 300 or method not in ("POST", "PUT"):
        return False  # asked first: most exchanges are not a reset, and this runs for every one
    path = url_parts(exchange.url)[2]
    return (method == "POST" and path.endswith("/__mock/reset")) or (method == "PUT" and path.endswith("/__mock/state"))


def _has_key(exchange: Exchange) -> bool:
    return any(name.lower() == "authorization" for name in exchange.request_headers)


class _Pending:
    """Whether another write to a lead began before `exchange` ended and ended after it."""

    def __init__(self, exchange: Exchange, writes: dict[str, list[Exchange]]) -> None:
        # `writes`: those not yet judged; one judged already ended before `exchange` did, so was never pending
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
