"""The proxy's one handler: forward unchanged, judge the exchange, mark an offending response.

The verdict is needed before answering (the `Leadkit-Violations` header), so the judging is
in the request's path; it is the engine's compiled checks (tens of µs), never openapi-core.
"""

from __future__ import annotations

import io
import json
import sys
import time
import zlib
from collections import Counter, deque
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

import aiohttp
from aiohttp import web

from mock_server.harfile import HarRecorder, har_entry

from ..conformance import Exchange
from ..engine import Judge, is_preflight
from ..traffic import Tally

VIOLATIONS_HEADER = "Leadkit-Violations"
# Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection, not to the exchange; the
# length is the proxy's to set again.
_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"})
_WRITES = ("PUT", "DELETE")
HAR_KEPT = 10_000
MAX_BODY = 1024 * 1024  # without --record, /__proxy/har shows the most recent this many exchanges


class Proxy:
    """The state of one proxy: the target, the judge, the tally, the recent traffic."""

    def __init__(self, target: str, record: str | None = None, out: TextIO | None = None) -> None:
        parts = urlsplit(target.rstrip("/"))
        self.target = f"{parts.scheme}://{parts.netloc}{parts.path}"
        self.judge = Judge(base_path=parts.path)
        self.tally = Tally()
        self.recorder = HarRecorder(record, "leadkit proxy", keep=HAR_KEPT)
        self.recent: deque[Exchange] = deque(maxlen=None if record else HAR_KEPT)
        self.out = out or sys.stdout
        self.in_flight: Counter[str] = Counter()  # lead id -> writes to it not yet answered
        self.session: aiohttp.ClientSession | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/__proxy/violations", self.violations)
        app.router.add_get("/__proxy/har", self.har)
        app.router.add_route("*", "/{tail:.*}", self.forward)
        app.on_startup.append(self._open)
        app.on_cleanup.append(self._close)
        return app

    async def _open(self, app: web.Application) -> None:
        connector = aiohttp.TCPConnector(limit=256, ttl_dns_cache=300)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=120)
        # Nothing added to what the client sent: no User-Agent, Accept or Content-Type of aiohttp's own.
        skip = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")
        self.session = aiohttp.ClientSession(connector=connector, timeout=timeout, skip_auto_headers=skip, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar())

    async def _close(self, app: web.Application) -> None:
        if self.session is not None:
            await self.session.close()

    async def violations(self, request: web.Request) -> web.Response:
        return web.json_response({"target": self.target, **self.tally.to_json()})

    async def har(self, request: web.Request) -> web.Response:
        return web.json_response(self.har_document())

    def har_document(self) -> dict[str, Any]:
        for exchange in list(self.recent):
            self.recorder.add(_entry(exchange))
        self.recent.clear()
        return self.recorder.document()

    async def forward(self, request: web.Request) -> web.StreamResponse:
        assert self.session is not None
        body = await request.read()
        url = self.target + request.raw_path
        headers = [(name, value) for name, value in request.headers.items() if name.lower() not in _HOP]
        write_to = _lead_of(request.method, request.path)
        if write_to:
            self.in_flight[write_to] += 1
        # Large bytes bodies make aiohttp warn; as a file object it streams them (Content-Length kept).
        data: Any = (io.BytesIO(body) if len(body) > 256 * 1024 else body) if body else None
        started = time.time()
        try:
            # A body over the contract's 1 MiB may be refused unread, the connection closed while it is
            # still being sent: ask first (Expect: 100-continue), so the refusal reaches the client.
            expect = len(body) > MAX_BODY and "expect" not in {name.lower() for name, _ in headers}
            async with self.session.request(request.method, url, headers=headers, data=data, allow_redirects=False, expect100=expect) as upstream:
                answer = await upstream.read()
                status = upstream.status
                answer_headers = [(name, value) for name, value in upstream.headers.items() if name.lower() not in _HOP]
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return self._unreachable(exc)
        finally:
            if write_to:
                self.in_flight[write_to] -= 1
                if not self.in_flight[write_to]:
                    del self.in_flight[write_to]
        ended = time.time()
        exchange = Exchange(
            method=request.method,
            url=url,
            status=status,
            response_headers=dict(answer_headers),
            response_body=answer,
            request_headers=dict(headers),
            request_body=body or None,
            started=started,
            ended=ended,
        )
        self.recent.append(exchange)
        response = web.Response(status=status, body=answer)
        response.headers.extend(answer_headers)
        if self.judge.is_api(exchange):
            broken = self._judge(exchange, _decoded(answer, response.headers.get("Content-Encoding")))
            if broken:
                response.headers[VIOLATIONS_HEADER] = " ".join(dict.fromkeys(broken))
        elif is_preflight(exchange):
            self.tally.skipped["CORS preflights"] += 1
        elif self.judge.restarts(exchange):
            self.tally.skipped["state resets (/__mock/)"] += 1
        return response

    def _judge(self, exchange: Exchange, plain: bytes | None) -> list[str]:
        if plain is None:
            exchange.response_omitted = True  # an encoding the proxy cannot read: judge status and headers only
        elif plain is not exchange.response_body:
            exchange = Exchange(**{**exchange.__dict__, "response_body": plain})
        self.tally.judged += 1
        exchange.number = self.tally.judged
        findings = self.tally.add(self.judge.judge(exchange, self.in_flight.__contains__))
        for finding in findings:
            print(finding.line(), file=self.out, flush=True)
        return [finding.breach.rule.id for finding in findings]

    def _unreachable(self, exc: BaseException) -> web.Response:
        self.tally.upstream_errors += 1
        reason = f"{type(exc).__name__}: {str(exc)[:200]}"
        print(f"leadkit proxy: {self.target} unreachable ({reason}); answered 502", file=self.out, flush=True)
        body = {"success": False, "error": "The upstream API could not be reached", "code": "BAD_GATEWAY", "details": {"target": self.target, "reason": reason}}
        return web.Response(status=502, body=json.dumps(body).encode(), content_type="application/json")


def _lead_of(method: str, path: str) -> str | None:
    """The lead a PUT or DELETE writes to, from its path."""
    if method.upper() not in _WRITES or "/leads/" not in path:
        return None
    return unquote(path.rsplit("/", 1)[-1])


def _decoded(body: bytes, encoding: str | None) -> bytes | None:
    """The body as the rules read it: gzip and deflate undone; None for an encoding not understood."""
    if not encoding or encoding.strip().lower() == "identity":
        return body
    try:
        if encoding.strip().lower() in ("gzip", "x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if encoding.strip().lower() == "deflate":
            return zlib.decompress(body)
    except zlib.error:
        return None
    return None


def _entry(exchange: Exchange) -> dict[str, Any]:
    return har_entry(
        exchange.method,
        exchange.url,
        list(exchange.request_headers.items()),
        exchange.request_body,
        exchange.status,
        list(exchange.response_headers.items()),
        exchange.response_body,
        exchange.started or 0.0,
        exchange.ended or 0.0,
    )
