"""`leadkit proxy` left running unattended: clients that vanish, answers it cannot read, limits with clear answers, evidence that survives a stop."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import brotli
import pytest
import zstandard
from kit_helpers import KEY
from raw_http import answering, ok, raw_upstream, request
from raw_http import connect as open_connection

from contract_tests.proxy.app import VIOLATIONS_HEADER, Proxy
from contract_tests.proxy.messages import Answer, Message
from contract_tests.proxy.serve import InThread
from contract_tests.proxy.wire import Downstream

AUTH = f"Authorization: Bearer {KEY}"
LEADS = "/api/v1/leads"


class _GoneClient(asyncio.Transport):
    """A client that left: a write to it fails, and the loop learns of the loss on its next turn (as uvloop does on EPIPE)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.protocol: Downstream | None = None
        self.closing = False

    def write(self, data: Any) -> None:
        if not self.closing and self.protocol is not None:
            self.closing = True
            self.loop.call_soon(self.protocol.connection_lost, BrokenPipeError(32, "Broken pipe"))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def test_a_client_gone_while_its_pipelined_requests_wait_leaves_no_traceback() -> None:
    """Once printed `IndexError: pop from an empty deque` (Downstream._next after connection_lost)."""
    loop = asyncio.new_event_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: errors.append(context))
    waiting: list[Any] = []

    def handle(message: Message, reply: Any) -> None:
        waiting.append(reply)  # answered later, as the upstream answers

    async def scenario() -> None:
        transport = _GoneClient(loop)
        client = Downstream(handle, set())
        transport.protocol = client
        client.connection_made(transport)
        client.data_received(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        assert len(waiting) == 1  # the second waits behind the first
        waiting[0](Answer(200, "OK", [], b"{}"))  # its write finds the client gone
        for _ in range(5):
            await asyncio.sleep(0)

    loop.run_until_complete(scenario())
    loop.close()
    assert [context.get("exception") for context in errors] == []
    assert len(waiting) == 1  # nothing was sent upstream for a client that is gone


# Compressed answers: decoded and judged, or said to be unjudged by body

NOT_A_LIST = b'{"success":true,"data":{"leads":"none"}}'  # a list's answer that breaks its schema


@contextmanager
def proxy_to(target: str, **options: Any) -> Iterator[InThread]:
    with InThread(Proxy(target, out=StringIO(), **options)) as proxy:
        yield proxy


def violations(proxy: InThread) -> dict[str, Any]:
    with open_connection(proxy.port) as wire:
        wire.send(request("GET", "/__proxy/violations", "Connection: close"))
        found: dict[str, Any] = wire.reply().json()
    return found


ENCODERS = {
    "gzip": gzip.compress,
    "br": brotli.compress,
    "zstd": zstandard.ZstdCompressor().compress,
    "br, gzip": lambda body: gzip.compress(brotli.compress(body)),  # applied in the order listed
}


@pytest.mark.parametrize("encoding", list(ENCODERS))
def test_a_compressed_non_conforming_answer_is_decoded_judged_and_marked(encoding: str) -> None:
    body = ENCODERS[encoding](NOT_A_LIST)
    with raw_upstream(answering(ok(body, f"Content-Encoding: {encoding}"))) as upstream, proxy_to(upstream.url) as proxy:
        wire = open_connection(proxy.port)
        wire.send(request("GET", LEADS, AUTH, f"Accept-Encoding: {encoding}"))
        reply = wire.reply()
        wire.sock.close()
        seen = violations(proxy)
    assert reply.body == body  # passed on as the upstream sent it
    assert reply.header(VIOLATIONS_HEADER) is not None
    assert seen["violations"] and seen["notJudgedByBody"] == {}


def test_an_encoding_the_proxy_cannot_read_is_counted_and_named_not_judged_by_body() -> None:
    with raw_upstream(answering(ok(b"\x1f\x9d\x90junk", "Content-Encoding: compress"))) as upstream, proxy_to(upstream.url) as proxy:
        wire = open_connection(proxy.port)
        for _ in range(2):
            wire.send(request("GET", LEADS, AUTH))
            assert wire.reply().status == 200
        wire.sock.close()
        seen = violations(proxy)
        summary = "\n".join(proxy.proxy.tally.summary("leadkit proxy"))
    assert seen["notJudgedByBody"] == {"Content-Encoding: compress": 2}
    assert "2 responses not judged by body (Content-Encoding: compress: 2)" in summary
    assert "no recorded body" not in summary  # the proxy saw the body: it could not read it


def test_a_body_that_says_gzip_but_is_not_is_not_judged_by_body_never_a_false_alarm() -> None:
    with raw_upstream(answering(ok(b"plain, not gzip", "Content-Encoding: gzip"))) as upstream, proxy_to(upstream.url) as proxy:
        wire = open_connection(proxy.port)
        wire.send(request("GET", LEADS, AUTH))
        assert wire.reply().header(VIOLATIONS_HEADER) is None
        wire.sock.close()
        seen = violations(proxy)
    assert seen["notJudgedByBody"] == {"Content-Encoding: gzip (undecodable)": 1}
