"""The proxy's one handler: forward unchanged, judge the exchange, mark an offending response.

The verdict is needed before answering (the `Leadkit-Violations` header), so the judging is
in the request's path; it is the engine's compiled checks (tens of µs), never openapi-core.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import time
import traceback
import zlib
from collections import Counter, deque
from collections.abc import Callable, Generator, Mapping
from dataclasses import replace
from typing import Any, TextIO
from urllib.parse import parse_qsl, quote, urlsplit

from mock_server.harfile import HarWriter, har_entry, har_log

from ..core.exchange import Exchange
from ..engine.stream import Stream
from ..evidence.tally import Tally
from .limits import Limits
from .messages import Answer, Message, Respond, answer, end_to_end
from .upstream import OutOfFiles, Pool, UpstreamError

VIOLATIONS_HEADER = "Leadkit-Violations"
PAGE_MAX = 1000  # violations in one page of /__proxy/violations
HAR_KEPT = 10_000  # /__proxy/har shows the most recent this many exchanges (--record has them all)
HAR_PIECE = 256 * 1024  # /__proxy/har is sent in pieces of about this many bytes, each made as the client reads


class Proxy:
    """The state of one proxy: the target, the judge, the tally, the recent traffic."""

    def __init__(self, target: str, record: str | None = None, out: TextIO | None = None, coverage: bool = False, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        parts = urlsplit(target.rstrip("/"))
        self.target = f"{parts.scheme}://{parts.netloc}{parts.path}"
        self.base_path = quote(parts.path, safe="/%!$&'()*+,;=:@~")  # sent as bytes on the wire: percent-encoded
        # coverage for --report-json/--report-html: each (operation, status) judged
        self.stream = Stream(base_url=self.target, coverage=coverage)
        self.tally = Tally(self.stream, per_rule=self.limits.findings_per_rule, grace=self.limits.grace)
        self.journal = HarWriter(record, "leadkit proxy") if record else None  # --record: written as each exchange ends
        self.unrecorded = 0  # exchanges --record could not write (a full disk): said at the stop
        # For /__proxy/har: each exchange with a request body over limits.body_kept cut to an excerpt (its size and digest said)
        self.recent: deque[tuple[Exchange, dict[str, Any] | None]] = deque(maxlen=HAR_KEPT)
        self.out = out or sys.stdout
        self.in_flight: Counter[str] = Counter()  # lead id -> writes to it not yet answered
        self.pool = Pool(self.target, self.limits.upstream_timeout, self.limits.upstream_connections)

    def har_pieces(self, recent: list[tuple[Exchange, dict[str, Any] | None]]) -> Generator[bytes, None, None]:
        """`recent` (a snapshot taken on the loop) as one HAR 1.2 document, a piece of about HAR_PIECE bytes at a time:
        each piece is made when the client has read the last, so neither the whole dump nor its making holds anyone up."""
        before, after = json.dumps(har_log((), "leadkit proxy")).rsplit("[]", 1)  # entries is the log's last key
        piece, size = [before.encode() + b"["], 0
        for number, (exchange, cut) in enumerate(recent):
            data = json.dumps(_entry(exchange, cut)).encode()
            piece.append(b"," + data if number else data)
            size += len(data)
            if size >= HAR_PIECE:
                yield b"".join(piece)
                piece, size = [], 0
        piece.append(b"]" + after.encode())
        yield b"".join(piece)

    def _har(self, reply: Respond, method: str) -> None:
        """/__proxy/har streamed: its first piece made in a worker thread (a failure there is still a 500), the rest as read."""
        pieces = self.har_pieces(list(self.recent))
        if method == "HEAD":
            return reply(Answer(200, "OK", [("Content-Type", "application/json")], b"", stream=pieces))
        first = asyncio.get_running_loop().run_in_executor(None, next, pieces)
        first.add_done_callback(lambda done: reply(Answer(200, "OK", [("Content-Type", "application/json")], done.result(), stream=pieces) if done.exception() is None else self._own_fault(done.exception())))

    def _own_fault(self, exc: BaseException | None) -> Answer:
        _say(f"leadkit proxy: error building /__proxy/har: {exc!r}", sys.stderr)
        return answer(500, b'{"success":false,"error":"leadkit proxy could not build its HAR","code":"INTERNAL_ERROR","details":{}}')

    def handle(self, request: Message, reply: Respond) -> None:
        """Answer one request through `reply`: the proxy's own pages, or the target's answer, judged and marked."""
        if request.method in ("GET", "HEAD") and request.target.startswith("/__proxy/"):
            path = request.target.partition("?")[0]
            if path == "/__proxy/violations":
                return reply(self._violations(request.target.partition("?")[2]))
            if path == "/__proxy/har":
                return self._har(reply, request.method)
        headers = end_to_end(request.headers)
        write_to = self.stream.routes.lead_of(request.method, request.target.partition("?")[0])
        if write_to:
            self.in_flight[write_to] += 1
        started = time.time()

        def answered(result: Answer | UpstreamError) -> None:
            self._written(write_to)
            if isinstance(result, OutOfFiles):
                return reply(self._out_of_files(result))
            if isinstance(result, UpstreamError):
                return reply(self._unreachable(result))
            try:
                self._observe(request, headers, result, started)
            except Exception:  # the proxy's own fault: said as such, the answer passed on unjudged
                _say(f"leadkit proxy: error judging {request.method} {request.target} (not the target's fault):\n{traceback.format_exc()}", sys.stderr)
            finally:
                reply(result)

        try:
            self.pool.request(request.method, self.base_path + request.target, headers, request.body, answered)
        except Exception:
            self._written(write_to)  # never sent: no write is under way
            raise

    def _violations(self, query: str) -> Answer:
        """One page of the violations kept (`?offset=&limit=`), with every count."""
        asked = dict(parse_qsl(query))
        try:
            offset, limit = int(asked.get("offset", 0)), int(asked.get("limit", self.limits.page))
            if offset < 0 or not 1 <= limit <= PAGE_MAX:
                raise ValueError
        except ValueError:
            why = f"offset must be 0 or more and limit from 1 to {PAGE_MAX}"
            body = {"success": False, "error": why, "code": "VALIDATION_ERROR", "details": {"field": "limit" if "limit" in asked else "offset"}}
            return answer(400, json.dumps(body).encode())
        found = self.tally.to_json(offset, limit)
        kept = len(self.tally.findings)
        following = f"/__proxy/violations?offset={offset + limit}&limit={limit}" if offset + limit < kept else None
        return answer(200, json.dumps({"target": self.target, **found, "page": {"offset": offset, "limit": limit, "kept": kept, "next": following}}).encode())

    def _written(self, lead_id: str | None) -> None:
        """A write to `lead_id` answered (or never sent): no longer under way."""
        if lead_id:
            self.in_flight[lead_id] -= 1
            if not self.in_flight[lead_id]:
                del self.in_flight[lead_id]

    def _observe(self, request: Message, headers: list[tuple[str, str]], upstream: Answer, started: float) -> None:
        """The exchange kept for /__proxy/har (its body decoded, as HAR keeps it) and judged; an offending answer gets the rule ids."""
        response_headers = dict(upstream.headers)
        plain, unread = _decoded(upstream.body, response_headers)
        exchange = Exchange(
            method=request.method,
            url=self.target + request.target,
            status=upstream.status,
            response_headers=response_headers,
            response_body=upstream.body if plain is None else plain,
            request_headers=dict(headers),
            request_body=request.body or None,
            started=started,
            ended=time.time(),
        )
        self._record(exchange)
        why = self.stream.sort(exchange)
        if why is not None:
            return self.stream.skip(exchange, why)
        broken = self._judge(exchange, unread)
        if broken:
            upstream.headers.append((VIOLATIONS_HEADER, " ".join(dict.fromkeys(broken))))

    def _record(self, exchange: Exchange) -> None:
        """The exchange written to --record (whole), and kept for /__proxy/har (a large request body as an excerpt)."""
        if self.journal is not None:
            try:
                self.journal.add(_entry(exchange))
            except (OSError, ValueError) as exc:
                if not self.unrecorded:
                    _say(f"leadkit proxy: cannot write to {self.journal.path} ({exc}); exchanges from now on are not recorded", sys.stderr)
                self.unrecorded += 1
        kept = self.limits.body_kept
        body, answered = exchange.request_body, exchange.response_body
        if (body is None or len(body) <= kept) and len(answered) <= kept:
            self.recent.append((exchange, None))
            return
        cut = {side: {"size": len(whole), "sha256": hashlib.sha256(whole).hexdigest(), "kept": kept} for side, whole in (("request", body or b""), ("response", answered)) if len(whole) > kept}
        self.recent.append((replace(exchange, request_body=None if body is None else body[:kept], response_body=answered[:kept]), cut))

    def _judge(self, exchange: Exchange, unread: str | None) -> list[str]:
        findings = self.tally.add(self.stream.judge(exchange, self.in_flight.__contains__, unread))
        for finding in findings:
            _say(finding.line(), self.out)
        # A finding may name an answer already passed on (the foreign one, once the evidence turned): this answer is marked only for its own
        return [finding.breach.rule.id for finding in findings if finding.breach.exchange is exchange]

    def _out_of_files(self, exc: BaseException) -> Answer:
        """The proxy's own limit reached: a 503 of its own, counted apart, never blamed on the upstream."""
        self.tally.own_errors += 1
        _say(f"leadkit proxy: {exc}; answered 503", self.out)
        body = {"success": False, "error": str(exc), "code": "SERVICE_UNAVAILABLE", "details": {}}
        return answer(503, json.dumps(body).encode())

    def _unreachable(self, exc: BaseException) -> Answer:
        self.tally.upstream_errors += 1
        reason = str(exc)[:200]
        _say(f"leadkit proxy: {self.target} unreachable ({reason}); answered 502", self.out)
        body = {"success": False, "error": "The upstream API could not be reached", "code": "BAD_GATEWAY", "details": {"target": self.target, "reason": reason}}
        return answer(502, json.dumps(body).encode())


def _say(line: str, out: TextIO) -> None:
    """Print a line; output that cannot be written (a closed pipe) never keeps a request from its answer."""
    try:
        print(line, file=out, flush=True)
    except (OSError, ValueError):
        pass


def _decoded(body: bytes, headers: Mapping[str, str]) -> tuple[bytes, None] | tuple[None, str]:
    """The body as the rules read it, every Content-Encoding undone (gzip, deflate, br, zstd), last applied first;
    else None and why it could not be read ("Content-Encoding: compress")."""
    encoding = next((value for name, value in headers.items() if name.lower() == "content-encoding"), None)
    if not encoding:
        return body, None
    codings = [coding.strip().lower() for coding in encoding.split(",") if coding.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        undo = _DECODERS.get(coding)
        if undo is None:
            return None, f"Content-Encoding: {coding[:40]}"
        try:
            body = undo(body)
        except Exception:  # zlib.error, brotli.error, zstandard.ZstdError: bytes that are not what they say
            return None, f"Content-Encoding: {coding} (undecodable)"
    return body, None


def _inflate(body: bytes) -> bytes:
    try:
        return zlib.decompress(body)
    except zlib.error:  # a raw deflate stream without the zlib wrapper: what some servers send
        return zlib.decompress(body, -zlib.MAX_WBITS)


def _brotli(body: bytes) -> bytes:
    import brotli  # type: ignore[import-untyped]

    return brotli.decompress(body)  # type: ignore[no-any-return]


def _zstd(body: bytes) -> bytes:
    import zstandard

    # A frame may not say its size (streamed): read it as a stream, to the end.
    return zstandard.ZstdDecompressor().decompressobj().decompress(body)


_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": lambda body: zlib.decompress(body, 16 + zlib.MAX_WBITS),
    "x-gzip": lambda body: zlib.decompress(body, 16 + zlib.MAX_WBITS),
    "deflate": _inflate,
    "br": _brotli,
    "zstd": _zstd,
}


def _entry(exchange: Exchange, cut: dict[str, Any] | None = None) -> dict[str, Any]:
    """One HAR entry; `cut`: which bodies are excerpts ("request", "response"), each whole one's size and digest said in the entry."""
    entry = har_entry(
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
    for side, excerpt in (cut or {}).items():  # a body over --body-kept: its start, size and digest (check reads it as not recorded)
        part = entry[side]
        part["bodySize"] = excerpt["size"]
        (part["postData"] if side == "request" else part["content"])["_excerpt"] = excerpt
        part["comment"] = f"{side} body of {excerpt['size']} bytes (sha256 {excerpt['sha256']}): only its first {excerpt['kept']} kept"
    return entry
